"""Run the fake Genesys Cloud: ``python -m loaders.synthetic.fake_genesys --port 0 --data DIR``.

Prints the base URL and the environment variables to point ``cx extract`` at it, then serves until
interrupted.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading

from loaders.synthetic.fake_genesys.config import FakeConfig, FaultConfig
from loaders.synthetic.fake_genesys.server import FakeGenesys


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m loaders.synthetic.fake_genesys", description=__doc__)
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 = any free port)")
    p.add_argument("--data", help="directory of job-result pages / NDJSON conversations to serve")
    p.add_argument("--reference", help="directory of reference NDJSON (users, queues, …) to serve "
                   "(default: <data>/../reference when it exists, the generator's layout)")
    p.add_argument("--rate-allowed", type=int, default=300, help="requests per token per window")
    p.add_argument("--rate-window", type=float, default=60.0, help="rate-limit window in seconds")
    p.add_argument("--token-ttl", type=int, default=86399, help="expires_in of issued tokens")
    p.add_argument("--seed", type=int, default=0, help="fault-injection seed")
    p.add_argument("--fault-429", type=float, default=0.0, help="probability of a 429 burst per request")
    p.add_argument("--fault-5xx", type=float, default=0.0, help="probability of a 502/503/504")
    p.add_argument("--fault-drop", type=float, default=0.0, help="probability of closing without a response")
    p.add_argument("--fault-slow", type=float, default=0.0, help="probability of a slow response")
    p.add_argument("--slow-seconds", type=float, default=2.0)
    p.add_argument("--fault-expire-token", type=float, default=0.0, help="probability of revoking the token")
    p.add_argument("--patch-404-first", type=int, default=0, help="first N PATCHes per conversation 404")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = FakeConfig(
        rate_allowed=args.rate_allowed,
        rate_window_s=args.rate_window,
        token_ttl_s=args.token_ttl,
        faults=FaultConfig(
            seed=args.seed,
            rate_429=args.fault_429,
            rate_5xx=args.fault_5xx,
            rate_drop=args.fault_drop,
            rate_slow=args.fault_slow,
            slow_s=args.slow_seconds,
            rate_expire_token=args.fault_expire_token,
            patch_404_first_n=args.patch_404_first,
        ),
    )
    fake = FakeGenesys(config, data_dir=args.data, reference_dir=args.reference, port=args.port).start()
    out = sys.stdout
    out.write(f"fake Genesys Cloud listening on {fake.url} ({len(fake.store)} conversations, "
              f"{len(fake.reference)} reference entities)\n")
    for name, value in fake.client_env().items():
        out.write(f"export {name}={value}\n")
    out.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
