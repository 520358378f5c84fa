"""The client's throttle: never over the server's window, close to the allowed rate."""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from datetime import date

from loaders.genesys import FakeClock, GenesysClient, GenesysSettings
from loaders.genesys.ratelimit import RateLimiter
from loaders.synthetic.fake_genesys import ConversationStore, FakeConfig, FakeGenesys
from loaders.synthetic.fake_genesys.sample import sample_conversations

QUERY = "/api/v2/analytics/conversations/details/query"
BODY = {"interval": "2024-05-14T00:00:00.000Z/2024-05-15T00:00:00.000Z", "paging": {"pageSize": 1, "pageNumber": 1}}


def max_in_any_window(times: list[float], window: float) -> int:
    best, span = 0, deque[float]()
    for t in times:
        span.append(t)
        while span[0] <= t - window:
            span.popleft()
        best = max(best, len(span))
    return best


def test_bucket_never_exceeds_allowed_in_any_sliding_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock, allowed=300, window_s=60)
    sent = []
    for _ in range(3000):
        limiter.acquire()
        sent.append(clock.monotonic())
        clock.advance(0.001)  # request latency
    assert max_in_any_window(sent, 60.0) <= 300
    elapsed = sent[-1] - sent[0]
    assert len(sent) / elapsed * 60 >= 0.95 * 300  # sustained >= 95 % of the allowed rate


def test_bucket_adapts_to_announced_limit_and_full_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock, allowed=300, window_s=60)
    limiter.observe({"inin-ratelimit-allowed": "180", "inin-ratelimit-count": "1", "inin-ratelimit-reset": "60"})
    assert limiter.allowed == 180 and limiter.rate < 3.0
    limiter.observe({"inin-ratelimit-allowed": "180", "inin-ratelimit-count": "180", "inin-ratelimit-reset": "17"})
    assert limiter.acquire() >= 17  # the server says the window is full: wait for its reset
    limiter.block_for(5)
    assert limiter.acquire() >= 5


def test_sustained_run_never_causes_a_429_and_stays_near_the_limit() -> None:
    """4 threads share one client for ~3 windows of 1 s at allowed=40 per window (real clock, real HTTP)."""
    store = ConversationStore(sample_conversations(date(2024, 5, 14), days=1, per_day=2))
    with FakeGenesys(FakeConfig(rate_allowed=40, rate_window_s=1.0), store) as fake:
        env = fake.client_env()
        settings = GenesysSettings.from_env(env, requests_per_minute=40, rate_window_s=1.0)
        with GenesysClient(settings, rng=random.Random(0)) as client:
            client.tokens.token()
            stop = time.monotonic() + 3.2

            def worker() -> None:
                while time.monotonic() < stop:
                    client.post(QUERY, BODY)

            threads = [threading.Thread(target=worker) for _ in range(4)]
            started = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.monotonic() - started
        assert fake.limit_events == []  # not one 429 caused by the client itself
        assert client.stats.rate_limited == 0
        times = [r.at for r in fake.accepted("POST", QUERY)]
    assert max_in_any_window(sorted(times), 1.0) <= 40
    assert len(times) / elapsed >= 0.85 * 40
