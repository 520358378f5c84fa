"""Nightly operation on a generated profile: one full refresh of the history, then each held-out day incrementally.

    .venv/bin/python bench/bench_incremental.py --profile large            # 1 held-out day
    .venv/bin/python bench/bench_incremental.py --profile small --days 3

The profile is generated once with ``--hold-out-days N`` into OUT/<profile>-<seed>-days<N>/ (history + days/), the
history landed once into OUT/<profile>-<seed>-days<N>.duckdb. Every run then copies that landed database and
measures, in the same run: ``dbt build --full-refresh`` of the history (reference time: the first held-out day),
and per held-out day its landing and an incremental ``dbt build`` (reference time: the end of that day). Wall
time and peak RSS are those of each dbt process alone (os.wait4). The slowest nodes of the last incremental
build are listed, so it is plain where a night's time goes.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
from _measure import measured  # bench/ helpers (the script's folder is on sys.path)
from _prepare import dbt, dbt_env, generate_and_land

from loaders.landing import land_directory

log = logging.getLogger("bench")


def _reference(day: datetime) -> str:
    return day.strftime("%Y-%m-%d %H:%M:%S")


def _build(db: Path, data: Path, reference: datetime, *args: str) -> tuple[float, float]:
    env = dict(dbt_env(db, data), CX_REFERENCE_TIME=_reference(reference))
    # what `cx run` runs: dbt build without the unit tests (CI's job)
    elapsed, peak_mb, rc, tail = measured(dbt(db, "build", "--exclude", "resource_type:unit_test", *args), env)
    if rc != 0:
        raise SystemExit(f"dbt build {' '.join(args)} failed:\n{tail}")
    return elapsed, peak_mb


def _slowest(db: Path, n: int = 12) -> list[tuple[float, str]]:
    results = json.loads((db.parent / f"{db.stem}-target" / "run_results.json").read_text())["results"]
    return sorted(((r["execution_time"], r["unique_id"].split(".", 2)[-1]) for r in results), reverse=True)[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="large", help="generator profile (default large)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--days", type=int, default=1, help="days held out and built one by one (default 1)")
    parser.add_argument("--out", type=Path, default=Path("/tmp/cx-bench"), help="where data and databases live")
    parser.add_argument("--keep", action="store_true", help="keep the measured database (else it is deleted)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    name = f"{args.profile}-{args.seed}-days{args.days}"
    data, landed = args.out / name, args.out / f"{name}.duckdb"
    args.out.mkdir(parents=True, exist_ok=True)
    generate_and_land(data, landed, args.profile, args.seed, hold_out_days=args.days)  # once
    days = list(json.loads((data / "manifest.json").read_text())["held_out_days"]["days"])

    db = args.out / f"{name}-run.duckdb"
    shutil.copy(landed, db)
    rows: list[tuple[str, float, float]] = []
    first = datetime.fromisoformat(days[0])
    log.info("full refresh of the history …")
    rows.append(("full refresh (history)", *_build(db, data, first, "--full-refresh")))
    slowest_full = _slowest(db)
    for day in days:
        started = time.perf_counter()
        con = duckdb.connect(str(db))
        try:
            results = land_directory(con, data / "days" / day)
        finally:
            con.close()
        landed_rows = sum(r.rows_landed for r in results)
        rows.append((f"land {day} ({landed_rows:,} rows)", time.perf_counter() - started, float("nan")))
        log.info("incremental build of %s …", day)
        rows.append((f"incremental build {day}", *_build(db, data, datetime.fromisoformat(day) + timedelta(days=1))))

    full = rows[0][1]
    print(f"\n{args.profile} seed {args.seed}, {len(days)} held-out day(s): dbt build without unit tests, "
          "as cx run runs it, default profile")
    print(f"{'step':44s} {'wall s':>9s} {'peak RSS GiB':>13s} {'% of full':>10s}")
    for label, wall, peak in rows:
        share = f"{100 * wall / full:9.1f}%" if label.startswith("incremental") else ""
        rss = f"{peak / 1024:13.2f}" if peak == peak else f"{'':13s}"
        print(f"{label:44s} {wall:9.1f} {rss} {share:>10s}")
    print("\nslowest nodes of the full refresh:")
    for seconds, node in slowest_full:
        print(f"  {seconds:7.1f} s  {node}")
    print("\nslowest nodes of the last incremental build:")
    for seconds, node in _slowest(db):
        print(f"  {seconds:7.1f} s  {node}")
    if not args.keep:
        db.unlink()
        shutil.rmtree(db.with_suffix(".duckdb.tmp"), ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
