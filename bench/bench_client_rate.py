"""Sustained request rate of the Genesys client against the fake Genesys Cloud, as % of the allowed rate.

The real limit is 300 requests per token per 60 s window. Waiting minutes per run is pointless, so the
window is scaled: ``--scale 20`` runs the fake with 300 requests per 3 s window (and tells the client the
same window), i.e. the same 300-per-window shape 20x faster (100 requests/s). The client's throttle only
sees "allowed per window", so the percentage measured here is the percentage a real run reaches; the
absolute rate is the real one times the scale. Run:

    .venv/bin/python bench/bench_client_rate.py                 # 300 per 3 s window, 5 windows, 1 thread
    .venv/bin/python bench/bench_client_rate.py --threads 4 --windows 8
    .venv/bin/python bench/bench_client_rate.py --scale 1 --windows 2   # the real 60 s window (2 minutes)

Reports requests sent, the sustained rate as % of allowed, the busiest window seen by the server, and
429s the fake's window limiter answered (must be 0).
"""

from __future__ import annotations

import argparse
import logging
import random
import threading
import time
from datetime import date

from _measure import busiest_window  # bench/ helper (the script's folder is on sys.path)

from loaders.genesys import GenesysClient, GenesysSettings
from loaders.synthetic.fake_genesys import ConversationStore, FakeConfig, FakeGenesys
from loaders.synthetic.fake_genesys.sample import sample_conversations

QUERY = "/api/v2/analytics/conversations/details/query"
BODY = {"interval": "2024-05-14T00:00:00.000Z/2024-05-15T00:00:00.000Z", "paging": {"pageSize": 1, "pageNumber": 1}}

log = logging.getLogger("bench_client_rate")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--allowed", type=int, default=300, help="requests per token per window (real: 300)")
    p.add_argument("--scale", type=float, default=20.0, help="time scale: window = 60 s / scale")
    p.add_argument("--windows", type=int, default=5, help="how many windows to run")
    p.add_argument("--threads", type=int, default=1, help="threads sharing one client")
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)

    window = 60.0 / args.scale
    store = ConversationStore(sample_conversations(date(2024, 5, 14), days=1, per_day=2))
    with FakeGenesys(FakeConfig(rate_allowed=args.allowed, rate_window_s=window), store) as fake:
        settings = GenesysSettings.from_env(fake.client_env(), requests_per_minute=args.allowed,
                                            rate_window_s=window)
        with GenesysClient(settings, rng=random.Random(0)) as client:
            client.tokens.token()
            duration = window * args.windows
            started = time.monotonic()
            stop = started + duration

            def worker() -> None:
                while time.monotonic() < stop:
                    client.post(QUERY, BODY)

            threads = [threading.Thread(target=worker) for _ in range(args.threads)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.monotonic() - started
            stats = client.stats
        times = [r.at for r in fake.accepted("POST", QUERY)]
        limited = len(fake.limit_events)

    rate_per_window = len(times) / elapsed * window
    pct = 100.0 * rate_per_window / args.allowed
    log.info("allowed %d per %.2f s window (real 60 s scaled x%g), %d thread(s), %.1f s",
             args.allowed, window, args.scale, args.threads, elapsed)
    log.info("requests %d -> %.1f per window = %.1f %% of allowed (= requests/min at the real 60 s window)",
             len(times), rate_per_window, pct)
    log.info("busiest window at the server: %d / %d; 429 from the limiter: %d; client 429s: %d; "
             "throttle wait %.1f s", busiest_window(times, window), args.allowed, limited,
             stats.rate_limited, stats.throttle_wait_s)
    return 0 if limited == 0 and pct >= 90.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
