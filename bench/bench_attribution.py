"""Benchmark the attribution models: wall time and peak memory of `dbt run` on a generated profile.

    .venv/bin/python bench/bench_attribution.py                      # small profile, seed 1
    .venv/bin/python bench/bench_attribution.py --profile large      # 3 M touches, 1 M conversations

The profile is generated (once) under OUT/<profile>-<seed>/, landed (once) into OUT/<profile>-<seed>.duckdb
and everything upstream of attribution (seeds, staging, the identity lookup) is built once, untimed. Then
`dbt run --full-refresh --select intermediate.attribution marts.attribution` runs in a fresh subprocess
(`--repeat` times); the report gives the wall time of the run, each model's own execution time from
run_results.json, the peak RSS of that dbt process (DuckDB runs in it) and the row counts produced.
OUT defaults to /tmp/cx-bench so concurrent benchmarks of other domains are not disturbed.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import duckdb
from _measure import measured  # bench/ helpers (the script's folder is on sys.path)
from _prepare import dbt, prepare

SELECTOR = ["intermediate.attribution", "marts.attribution"]
UPSTREAM = ["+int_identity__conversation_customers", "staging", "channel_weights", "source_systems", "country_codes"]
COUNTS = {
    "touches": "intermediate.int_attribution__touches",
    "conversations": "intermediate.int_attribution__conversations",
    "conversions": "intermediate.int_attribution__conversions",
    "owned conversations": "intermediate.int_attribution__interaction_owners",
    "path touches": "intermediate.int_attribution__conversion_paths",
    "credit rows": "marts.fct_attribution_credit",
    "campaign_performance rows": "marts.campaign_performance",
}

log = logging.getLogger("bench_attribution")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="small", choices=["demo", "small", "large"], help="generator profile")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--out", type=Path, default=Path("/tmp/cx-bench"), help="data and warehouse directory")
    parser.add_argument("--threads", type=int, default=2, help="dbt threads (machines here have 2 cores)")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs; the best is reported")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    prepared = prepare(args.out, args.profile, args.seed, upstream=UPSTREAM)
    db, env = prepared.db, prepared.env
    cmd = dbt(db, "run", "--full-refresh", "--select", *SELECTOR, "--threads", str(args.threads))

    best: tuple[float, float, list[dict]] | None = None
    for attempt in range(args.repeat):
        seconds, rss, rc, tail = measured(cmd, env)
        if rc != 0:
            raise SystemExit(f"dbt run failed:\n{tail}")
        results = json.loads((db.parent / f"{db.stem}-target" / "run_results.json").read_text())["results"]
        log.info("run %d: %.1f s, peak %.0f MiB", attempt + 1, seconds, rss)
        if best is None or seconds < best[0]:
            best = (seconds, rss, results)
    assert best is not None
    seconds, rss, results = best

    con = duckdb.connect(str(db), read_only=True)
    counts = {label: con.execute(f"select count(*) from {table}").fetchone()[0] for label, table in COUNTS.items()}
    con.close()
    print(f"\nattribution models on profile {args.profile} (seed {args.seed}), {args.threads} threads")
    print(f"  dbt run wall time   {seconds:8.1f} s   (dbt start-up and parsing included)")
    print(f"  peak memory (RSS)   {rss:8.0f} MiB")
    for result in sorted(results, key=lambda r: -r["execution_time"]):
        print(f"    {result['unique_id'].split('.')[-1]:44} {result['execution_time']:7.2f} s")
    for label, count in counts.items():
        print(f"  {label:26} {count:>12,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
