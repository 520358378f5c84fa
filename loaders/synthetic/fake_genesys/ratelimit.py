"""Per-token fixed-window request counting, like the platform's ``client.credentials.token.rate``."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass


@dataclass
class WindowVerdict:
    count: int
    allowed: int
    reset_s: float
    window_index: int

    @property
    def exceeded(self) -> bool:
        return self.count > self.allowed


class WindowRateLimit:
    def __init__(self, allowed: int, window_s: float) -> None:
        self.allowed = allowed
        self.window_s = window_s
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int, int]] = {}  # token -> (start, count, index)

    def hit(self, token: str) -> WindowVerdict:
        now = time.monotonic()
        with self._lock:
            start, count, index = self._windows.get(token, (now, 0, 0))
            if now - start >= self.window_s or count == 0:
                if count:
                    index += 1
                start, count = now, 0
            count += 1
            self._windows[token] = (start, count, index)
        return WindowVerdict(count, self.allowed, max(0.0, start + self.window_s - now), index)

    def format_seconds(self, seconds: float) -> str:
        """Whole seconds (rounded up) as the real API sends; fractions only for sub-second windows."""
        if self.window_s >= 1 and float(self.window_s).is_integer():
            return str(max(1, math.ceil(seconds)))
        return f"{max(0.001, seconds):.3f}"
