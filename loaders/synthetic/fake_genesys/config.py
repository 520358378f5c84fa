"""Knobs of the fake Genesys Cloud: credentials, limits, and deterministic fault injection."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FaultConfig:
    """Probabilities are per request attempt; decisions are a hash of (seed, request, attempt number),
    so the same sequence of requests meets the same faults whatever the thread timing."""

    seed: int = 0
    rate_429: float = 0.0  # start a burst of 429s (code too.many.requests.retry.after)
    burst_429: int = 1  # consecutive 429s for the same request once a burst starts
    retry_after_s: float = 1.0  # Retry-After sent with injected 429s
    rate_5xx: float = 0.0  # 502 / 503 / 504
    rate_drop: float = 0.0  # close the socket without a response
    rate_slow: float = 0.0  # answer after slow_s seconds
    slow_s: float = 2.0
    rate_expire_token: float = 0.0  # revoke the caller's token, answer 401
    patch_404_first_n: int = 0  # first N PATCHes of each conversation: 404 (not yet visible)
    # Scripted one-off faults, consumed in order: (substring of "METHOD /path?query", kind) where kind is
    # "429", "502", "503", "504", "drop", "slow", "expire_token" or any other HTTP status ("400", "403").
    scripted: list[tuple[str, str]] = field(default_factory=list)

    @property
    def total(self) -> float:
        return self.rate_429 + self.rate_5xx + self.rate_drop + self.rate_slow + self.rate_expire_token


@dataclass
class FakeConfig:
    client_id: str = "fake-client-id"
    client_secret: str = field(default="fake-client-secret", repr=False)
    token_ttl_s: int = 86399  # expires_in of issued tokens (enforced)
    rate_allowed: int = 300  # requests per token per window
    rate_window_s: float = 60.0  # window length; scale it down for fast tests and benchmarks
    job_pending_polls: int = 1  # polls that answer QUEUED/PENDING before FULFILLED
    job_page_size: int = 100  # default results pageSize
    job_page_size_max: int = 1000
    query_page_size_max: int = 100
    total_hits_skew: int = 0  # totalHits is approximate in the real API; skew it to catch trusting it
    require_known_conversations: bool = True  # PATCH attributes 404s for conversations not served
    request_bytes_max: int = 512_000
    data_availability_date: str = "2099-01-01T00:00:00.000Z"
    faults: FaultConfig = field(default_factory=FaultConfig)
