"""Deterministic fault decisions for the fake: seeded hashes, not a shared random stream."""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from dataclasses import dataclass

from loaders.synthetic.fake_genesys.config import FaultConfig


@dataclass(frozen=True)
class Fault:
    kind: str  # "429" | "5xx" | "drop" | "slow" | "expire_token" | "status" (scripted error status)
    status: int = 0


class FaultInjector:
    def __init__(self, config: FaultConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._attempts: Counter[str] = Counter()
        self._burst_left: Counter[str] = Counter()
        self._patches: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()

    def _uniform(self, *parts: object) -> float:
        digest = hashlib.blake2b(
            "\x1f".join(str(p) for p in (self.config.seed, *parts)).encode(), digest_size=8
        ).digest()
        return int.from_bytes(digest, "big") / 2**64

    def decide(self, method: str, target: str, body: bytes) -> Fault | None:
        """The fault (if any) for this attempt of this exact request."""
        cfg = self.config
        if cfg.scripted:
            with self._lock:
                for index, (needle, kind) in enumerate(cfg.scripted):
                    if needle in f"{method} {target}":
                        del cfg.scripted[index]
                        self.injected[kind] += 1
                        if kind in {"429", "502", "503", "504"}:
                            return Fault("429" if kind == "429" else "5xx", int(kind))
                        if kind.isdigit():
                            return Fault("status", int(kind))
                        return Fault(kind)
        if cfg.total <= 0:
            return None
        key = f"{method} {target} {hashlib.blake2b(body, digest_size=8).hexdigest()}"
        with self._lock:
            self._attempts[key] += 1
            n = self._attempts[key]
            if self._burst_left[key] > 0:
                self._burst_left[key] -= 1
                self.injected["429"] += 1
                return Fault("429", 429)
            u = self._uniform("fault", key, n)
            edge = cfg.rate_429
            if u < edge:
                self._burst_left[key] = max(0, cfg.burst_429 - 1)
                self.injected["429"] += 1
                return Fault("429", 429)
            for kind, rate in (
                ("5xx", cfg.rate_5xx),
                ("drop", cfg.rate_drop),
                ("slow", cfg.rate_slow),
                ("expire_token", cfg.rate_expire_token),
            ):
                edge += rate
                if u < edge:
                    self.injected[kind] += 1
                    status = (502, 503, 504)[int(self._uniform("status", key, n) * 3)] if kind == "5xx" else 0
                    return Fault(kind, status)
        return None

    def patch_not_visible(self, conversation_id: str) -> bool:
        """True for the first ``patch_404_first_n`` PATCHes of a conversation."""
        if self.config.patch_404_first_n <= 0:
            return False
        with self._lock:
            self._patches[conversation_id] += 1
            hit = self._patches[conversation_id] <= self.config.patch_404_first_n
            if hit:
                self.injected["patch_404"] += 1
            return hit
