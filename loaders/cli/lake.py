"""`cx lake export`: the warehouse's raw tables as Parquet files for Spark (loaders/lake.py has the layout)."""

from __future__ import annotations

import argparse

from loaders.cli._options import add_db, add_wait, console, open_existing_read_only
from loaders.db import LOCKED_EXIT_CODE
from loaders.lake import export_raw, lake_dir


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "lake",
        help="write the raw tables as a Parquet lake (for the spark target)",
        description="Write every raw table of the warehouse (sources, _rejects, _load_log) to "
                    "<lake>/raw/<table>/part-0.parquet, replacing each table's folder whole.",
        epilog=f"exit codes: 0 written, 1 no database file, 2 bad arguments, {LOCKED_EXIT_CODE} the warehouse is "
               "locked by another process.",
    )
    lake_sub = p.add_subparsers(dest="lake_command", metavar="ACTION", required=True)
    e = lake_sub.add_parser("export", help="write the raw tables to the lake")
    add_db(e)
    e.add_argument("--lake", default=None, help="lake root folder (default: $CX_LAKE_DIR or lake)")
    add_wait(e)
    e.set_defaults(func=run_export)


def run_export(args: argparse.Namespace) -> int:
    out = console()
    con, status = open_existing_read_only("lake export", args.db, args.wait, "run `cx load DIR` first")
    if con is None:
        return status
    try:
        exported = export_raw(con, lake_dir(args.lake))
    finally:
        con.close()
    for item in exported:
        out.print(f"{item.table}: {item.rows:,} rows → {item.path}", highlight=False)
    if not exported:
        out.print("no raw tables in the warehouse: nothing written")
    return 0
