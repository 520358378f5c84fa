"""Benchmark: generate a profile, land it with `cx load`'s code, and compare each source's landing speed
with DuckDB reading the same files directly (read_json / read_csv into a table) in the same run.

    .venv/bin/python bench/bench_landing.py [--profile small] [--seed 1] [--out bench/out]

Prints records/s per source and the ratio landing / direct read (target ≥ 50 %), and what the whole-file
fingerprint costs: the hash algorithms' throughput on the data (hashlib.file_digest) and, per source, the
seconds of landing's own one-pass scan (sha256 + byte checks, part of "land s") and its share of landing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import time
from pathlib import Path

import duckdb

from loaders.landing import discover, land_files, scan_file
from loaders.synthetic.generator import generate

HASHES = ("sha256", "blake2b", "md5", "sha1")

DIRECT = {
    # how DuckDB alone would read each kind into a table, as a user would without the loaders
    "json_pages": "select * from read_json({files}, maximum_object_size=268435456)",
    # records of different shapes (schema drift) make read_json's inferred schema fail: read raw objects
    # (ignore_errors: the CRM archive ends in a cut-off line by design, which landing rejects)
    "ndjson": "select * from read_json_objects({files}, format='newline_delimited', maximum_object_size=268435456, "
              "ignore_errors=true)",
    "csv": "select * from read_csv({files}, all_varchar=true, header=true, union_by_name=true)",
}


def direct_read(kind: str, paths: list[Path]) -> tuple[float, int]:
    con = duckdb.connect()
    files = "[" + ", ".join(f"'{p}'" for p in paths) + "]"
    fmt = "csv" if paths[0].suffix == ".csv" else ("ndjson" if paths[0].suffix == ".ndjson" else "json_pages")
    started = time.perf_counter()
    con.execute(f"create table t as {DIRECT[fmt].format(files=files)}")
    if fmt == "json_pages":  # the records are inside the pages: count them like landing does
        rows = con.execute("select sum(len(conversations)) from t").fetchone()[0]
    else:
        rows = con.execute("select count(*) from t").fetchone()[0]
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed, rows


def hash_throughput(paths: list[Path]) -> dict[str, float]:
    """MB/s of each algorithm over ``paths`` (read from the page cache: the files were just read)."""
    size = sum(p.stat().st_size for p in paths)
    out = {}
    for name in HASHES:
        started = time.perf_counter()
        for p in paths:
            with p.open("rb") as fh:
                hashlib.file_digest(fh, name)
        out[name] = size / 1e6 / (time.perf_counter() - started)
    started = time.perf_counter()
    for p in paths:
        scan_file(p, count_lines=p.suffix.lower() != ".json")
    out["landing scan (sha256 + checks)"] = size / 1e6 / (time.perf_counter() - started)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="small")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args()

    data = args.out / f"{args.profile}-{args.seed}"
    if args.regenerate or not (data / "manifest.json").exists():
        started = time.perf_counter()
        generate(args.profile, args.seed, data)
        print(f"generate {args.profile}: {time.perf_counter() - started:.1f} s")
    found, _ = discover(data)
    size = {k: sum(p.stat().st_size for p in ps) for k, ps in found.items()}

    db = args.out / f"bench-landing-{args.profile}.duckdb"
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    rows = []
    for kind, paths in found.items():
        direct_s, direct_rows = direct_read(kind, paths)
        started = time.perf_counter()
        results = land_files(con, kind, paths)
        land_s = time.perf_counter() - started
        landed = sum(r.rows_read for r in results)
        started = time.perf_counter()
        for p in paths:  # the one pass landing makes over each file (already inside land s)
            scan_file(p, count_lines=p.suffix.lower() != ".json")
        scan_s = time.perf_counter() - started
        rows.append((kind, len(paths), size[kind] / 1e6, landed, land_s, direct_rows, direct_s, scan_s))
    con.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    every_file = [p for ps in found.values() for p in ps]
    throughput = hash_throughput(every_file)

    print(f"\n{'source':28} {'files':>6} {'MB':>8} {'records':>10} {'land s':>8} {'land rec/s':>11} "
          f"{'direct s':>9} {'direct rec/s':>12} {'ratio':>6} {'hash s':>7} {'hash %':>7}")
    total_land = total_direct = total_scan = 0.0
    for kind, n, mb, landed, land_s, direct_rows, direct_s, scan_s in rows:
        total_land += land_s
        total_direct += direct_s
        total_scan += scan_s
        print(f"{kind:28} {n:6d} {mb:8.1f} {landed:10,d} {land_s:8.2f} {landed / land_s:11,.0f} "
              f"{direct_s:9.2f} {direct_rows / direct_s:12,.0f} {direct_s / land_s:6.0%} {scan_s:7.2f} "
              f"{scan_s / land_s:7.0%}")
    print(f"{'all sources':28} {'':6} {sum(size.values()) / 1e6:8.1f} {'':10} {total_land:8.2f} {'':11} "
          f"{total_direct:9.2f} {'':12} {total_direct / total_land:6.0%} {total_scan:7.2f} "
          f"{total_scan / total_land:7.0%}")
    print("hash s: landing's one pass per file (whole-file sha256 + byte checks), part of land s")
    print("hash throughput over all files: " + ", ".join(f"{k} {v:,.0f} MB/s" for k, v in throughput.items()))
    print(f"peak RSS {peak_mb:,.0f} MB")
    print(json.dumps({"profile": args.profile, "land_s": round(total_land, 2), "direct_s": round(total_direct, 2),
                      "ratio": round(total_direct / total_land, 3), "hash_s": round(total_scan, 2),
                      "hash_share": round(total_scan / total_land, 3),
                      "hash_mb_s": {k: round(v) for k, v in throughput.items()}}))


if __name__ == "__main__":
    main()
