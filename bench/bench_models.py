"""Benchmark the dbt layers on a generated profile: wall time and peak memory of `dbt run` per model group.

    .venv/bin/python bench/bench_models.py --profile large --groups staging effort
    .venv/bin/python bench/bench_models.py --profile small            # every group

The profile is generated (once) under bench/out/<profile>-<seed>/ and landed (once) into
bench/out/<profile>-<seed>.duckdb; each group then runs `dbt run --select <selector>` in a subprocess, and
peak RSS is that process's alone (os.wait4). Staging also reports MB/s of conversation JSON flattened.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import duckdb
from _measure import measured  # bench/ helpers (the script's folder is on sys.path)
from _prepare import ROOT, dbt, prepare

SEAM = "int_identity__identifier_lookup int_identity__observed_identifiers int_identity__conversation_customers"
GROUPS = {
    # group: (dbt selector, exclusions); each group assumes the previous ones were built
    "staging": ("staging", ""),
    "identity": ("intermediate.identity marts.customer", SEAM),  # identity resolution + golden record
    "seam": (SEAM, ""),  # conversation → customer, which every domain joins through
    "effort": ("intermediate.effort marts.effort", ""),
    "attribution": ("intermediate.attribution marts.attribution", ""),
    "engagement": ("intermediate.engagement marts.engagement", ""),
    "export": ("marts.export", ""),
}


def run_group(db: Path, env: dict[str, str], selector: tuple[str, str], threads: int) -> tuple[float, float, int]:
    select, exclude = selector
    cmd = dbt(db, "run", "--select", *select.split(), "--threads", str(threads))
    if exclude:
        cmd += ["--exclude", *exclude.split()]
    elapsed, peak_mb, rc, tail = measured(cmd, env)
    if rc != 0:
        print(tail, file=sys.stderr)
    return elapsed, peak_mb, rc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="small")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--groups", nargs="*", default=list(GROUPS))
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    prepared = prepare(args.out, args.profile, args.seed)  # generated, landed, seeded (once)
    data, db = prepared.data, prepared.db
    json_mb = sum(p.stat().st_size for p in (data / "genesys" / "conversations").rglob("*.json")) / 1e6
    con = duckdb.connect(str(db), read_only=True)
    conversations = con.execute("select count(distinct conversation_id) from raw.genesys_conversations").fetchone()[0]
    con.close()
    print(f"profile {args.profile}: {conversations:,} conversations, {json_mb:,.0f} MB of conversation JSON")
    results = {}
    for group in args.groups:
        elapsed, peak_mb, rc = run_group(db, prepared.env, GROUPS[group], args.threads)
        extra = f", {json_mb / elapsed:,.0f} MB/s of JSON flattened" if group == "staging" else ""
        status = "ok" if rc == 0 else f"FAILED (rc={rc})"
        print(f"{group:12} {elapsed:8.1f} s  peak RSS {peak_mb:8,.0f} MiB  {status}{extra}")
        results[group] = {"seconds": round(elapsed, 1), "peak_rss_mb": round(peak_mb), "ok": rc == 0}
    print(json.dumps({"profile": args.profile, "conversations": conversations, "json_mb": round(json_mb),
                      "groups": results}))


if __name__ == "__main__":
    main()
