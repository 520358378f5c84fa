"""Fingerprint every mart of a built warehouse, or compare two warehouses mart by mart, row for row.

    python bench/mart_hashes.py WAREHOUSE.duckdb                 # one line per mart: rows and a row-set hash
    python bench/mart_hashes.py BEFORE.duckdb AFTER.duckdb       # equal / differs, with the differing rows
    python bench/mart_hashes.py A.duckdb B.duckdb --schemas marts intermediate staging

Used to show that a refactoring keeps every mart identical (issue 15: build `small` before and after, compare).
The comparison itself (row-set hash, doubles to 1e-9, JSON by meaning, run-time columns left out) is
loaders/compare.py.
"""

from __future__ import annotations

import argparse
import sys

import duckdb

from loaders.compare import compare, fingerprint, relations


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("warehouse", help="DuckDB file with the built marts")
    ap.add_argument("other", nargs="?", help="a second warehouse to compare with, mart by mart")
    ap.add_argument("--schemas", nargs="+", default=["marts"], help="schemas compared (default: marts)")
    ap.add_argument("--show", type=int, default=3, help="differing rows shown per side (default 3)")
    args = ap.parse_args(argv)
    con = duckdb.connect()
    con.execute(f"attach '{args.warehouse}' as a (read_only)")
    if not args.other:
        for table, schema in sorted(relations(con, "a", tuple(args.schemas)).items()):
            n, h = fingerprint(con, f'a."{schema}"."{table}"')
            print(f"{table:40s} {n:>10,d} rows  {h & 0xFFFFFFFFFFFFFFFF:016x}")
        return 0
    con.execute(f"attach '{args.other}' as b (read_only)")
    equal, differences = compare(con, "a", "b", tuple(args.schemas), show=args.show)
    for name in equal:
        print(f"{name:40s} equal")
    for difference in differences:
        print(f"DIFFERS {difference}")
    print(f"{len(differences)} of {len(equal) + len(differences)} relations differ")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
