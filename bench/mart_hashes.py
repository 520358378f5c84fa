"""Fingerprint every mart of a built warehouse, or compare two warehouses mart by mart, row for row.

    python bench/mart_hashes.py WAREHOUSE.duckdb                 # one line per mart: rows and a row-set hash
    python bench/mart_hashes.py BEFORE.duckdb AFTER.duckdb       # equal / differs, with the differing rows

Used to show that a refactoring keeps every mart identical (issue 15: build `small` before and after, compare).
A mart's fingerprint is its row count and the sum of a hash of each row, so row order does not matter.
Doubles are rounded to 1e-9 (a sum in a different order may differ in the last bits); columns that record when
the run happened (``RUN_TIME_COLUMNS``) are left out. With two warehouses, a differing mart also shows how many
rows each side has that the other lacks (EXCEPT ALL) and a few of them.
"""

from __future__ import annotations

import argparse
import sys

import duckdb

SCHEMAS = ("marts",)  # the schema suffix dbt gives the marts (main_marts on DuckDB)
RUN_TIME_COLUMNS = {"snapshot_taken_at"}  # current_timestamp of the build
FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")


def marts(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str]]:
    rows = con.execute(
        "select table_schema, table_name from information_schema.tables where table_catalog = ? order by 1, 2",
        [catalog],
    ).fetchall()
    return [(s, t) for s, t in rows if any(s == x or s.endswith("_" + x) for x in SCHEMAS)]


def projection(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    cols = []
    for name, type_, *_ in con.execute(f"describe {relation}").fetchall():
        if name in RUN_TIME_COLUMNS:
            continue
        quoted = '"' + name.replace('"', '""') + '"'
        if type_.upper() in FLOAT_TYPES or type_.upper().startswith("DECIMAL"):
            cols.append(f"round({quoted}, 9) as {quoted}")
        elif type_.upper() == "JSON":  # key order inside a JSON text is not part of its meaning
            cols.append(f"cast(json({quoted}) as varchar) as {quoted}")
        else:
            cols.append(quoted)
    return ", ".join(cols)


def fingerprint(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[int, int]:
    proj = projection(con, relation)
    sql = f"select count(*), coalesce(sum(hash(x)), 0) from (select {proj} from {relation}) as x"
    n, h = con.execute(sql).fetchone()
    return int(n), int(h)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("warehouse", help="DuckDB file with the built marts")
    ap.add_argument("other", nargs="?", help="a second warehouse to compare with, mart by mart")
    ap.add_argument("--show", type=int, default=3, help="differing rows shown per side (default 3)")
    args = ap.parse_args(argv)
    con = duckdb.connect()
    con.execute(f"attach '{args.warehouse}' as a (read_only)")
    if not args.other:
        for schema, table in marts(con, "a"):
            n, h = fingerprint(con, f'a."{schema}"."{table}"')
            print(f"{table:40s} {n:>10,d} rows  {h & 0xFFFFFFFFFFFFFFFF:016x}")
        return 0
    con.execute(f"attach '{args.other}' as b (read_only)")
    left = {t: s for s, t in marts(con, "a")}
    right = {t: s for s, t in marts(con, "b")}
    differing = 0
    for table in sorted(set(left) | set(right)):
        if table not in left or table not in right:
            print(f"{table:40s} only in {'the first' if table in left else 'the second'} warehouse")
            differing += 1
            continue
        ra, rb = f'a."{left[table]}"."{table}"', f'b."{right[table]}"."{table}"'
        pa, pb = projection(con, ra), projection(con, rb)
        if pa != pb:
            print(f"{table:40s} columns differ")
            differing += 1
            continue
        (na, ha), (nb, hb) = fingerprint(con, ra), fingerprint(con, rb)
        if (na, ha) == (nb, hb):
            print(f"{table:40s} equal       {na:>10,d} rows")
            continue
        differing += 1
        only = {}
        for side, (x, y, px, py) in (("first", (ra, rb, pa, pb)), ("second", (rb, ra, pb, pa))):
            diff = f"select {px} from {x} except all select {py} from {y}"
            only[side] = (
                con.execute(f"select count(*) from ({diff})").fetchone()[0],
                con.execute(f"{diff} limit {args.show}").fetchall(),
            )
        print(
            f"{table:40s} DIFFERS     {na:>10,d} vs {nb:,d} rows; {only['first'][0]:,d} only in the first, "
            f"{only['second'][0]:,d} only in the second"
        )
        for side, (_, rows) in only.items():
            for row in rows:
                print(f"    only in the {side}: {row}")
    print(f"{differing} of {len(set(left) | set(right))} marts differ")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
