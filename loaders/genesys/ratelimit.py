"""Client-side throttle: a token bucket sized so a fixed server window is never exceeded.

Genesys counts requests per token in fixed windows (300 per minute by default) and reports
``inin-ratelimit-count``, ``inin-ratelimit-allowed`` and ``inin-ratelimit-reset`` (seconds until the
window resets) on every response. A bucket of capacity ``C`` refilled at ``r`` per second admits at most
``C + r*W`` requests in any span of ``W`` seconds, so ``r = (allowed * (1 - safety) - C) / W`` keeps every
window, however it is aligned, at or below the limit while sustaining ~97 % of it. The bucket adapts to
the ``allowed`` the server announces and stops until the reset when the server says the window is full
or answers 429.
"""

from __future__ import annotations

import threading

from loaders.genesys.clock import Clock


class RateLimiter:
    def __init__(
        self,
        clock: Clock,
        *,
        allowed: int = 300,
        window_s: float = 60.0,
        burst_fraction: float = 0.02,
        safety: float = 0.01,
    ) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.window_s = window_s
        self._burst_fraction = burst_fraction
        self._safety = safety
        self._configure(allowed)
        self._tokens = float(self.capacity)
        self._last = clock.monotonic()
        self._blocked_until = 0.0
        self.waited_s = 0.0

    def _configure(self, allowed: int) -> None:
        self.allowed = max(1, int(allowed))
        self.capacity = max(1, round(self.allowed * self._burst_fraction))
        per_window = max(0.5, self.allowed * (1.0 - self._safety) - self.capacity)
        self.rate = per_window / self.window_s

    @property
    def sustained_fraction(self) -> float:
        """The long-run request rate as a fraction of the allowed rate."""
        return self.rate * self.window_s / self.allowed

    def _refill(self, now: float) -> None:
        if now > self._last:
            self._tokens = min(float(self.capacity), self._tokens + (now - self._last) * self.rate)
            self._last = now

    def acquire(self) -> float:
        """Take one request slot, sleeping as long as needed; returns the seconds waited."""
        with self._lock:
            now = self._clock.monotonic()
            self._refill(now)
            self._tokens -= 1.0  # reserve; a negative balance is the queue ahead of us
            wait = max(0.0, -self._tokens / self.rate, self._blocked_until - now)
        if wait > 0:
            self._clock.sleep(wait)
            with self._lock:
                self.waited_s += wait
        return wait

    def observe(self, headers: dict[str, str] | None) -> None:
        """Adapt to the server's ``inin-ratelimit-*`` headers."""
        if not headers:
            return
        allowed = _int(headers.get("inin-ratelimit-allowed"))
        count = _int(headers.get("inin-ratelimit-count"))
        reset = _float(headers.get("inin-ratelimit-reset"))
        with self._lock:
            if allowed and allowed != self.allowed:
                self._configure(allowed)
                self._tokens = min(self._tokens, float(self.capacity))
            if allowed and count is not None and reset is not None and count >= allowed:
                now = self._clock.monotonic()
                self._blocked_until = max(self._blocked_until, now + reset)
                self._tokens = min(self._tokens, 0.0)
                self._last = max(self._last, now)

    def block_for(self, seconds: float) -> None:
        """The server said 429: nobody sends on this token for ``seconds``."""
        with self._lock:
            now = self._clock.monotonic()
            self._blocked_until = max(self._blocked_until, now + seconds)
            self._tokens = min(self._tokens, 0.0)


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
