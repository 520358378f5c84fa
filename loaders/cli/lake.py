"""`cx lake export`: the warehouse's raw tables as Parquet files for Spark (loaders/lake.py has the layout)."""

from __future__ import annotations

import argparse
from pathlib import Path

from loaders.cli._options import add_db, add_wait, console
from loaders.db import LOCKED_EXIT_CODE, WarehouseLockedError, connect, db_path
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
    out, err = console(), console(stderr=True)
    path = db_path(args.db)
    if path != ":memory:" and not Path(path).exists():
        err.print(f"[red]cx lake export:[/red] no database at {path}; run `cx load DIR` first")
        return 1
    try:
        con = connect(path, read_only=True, wait=args.wait)
    except (WarehouseLockedError, ValueError) as exc:
        err.print(f"[red]cx lake export:[/red] {exc}", highlight=False, soft_wrap=True)
        return LOCKED_EXIT_CODE if isinstance(exc, WarehouseLockedError) else 2
    try:
        exported = export_raw(con, lake_dir(args.lake))
    finally:
        con.close()
    for item in exported:
        out.print(f"{item.table}: {item.rows:,} rows → {item.path}", highlight=False)
    if not exported:
        out.print("no raw tables in the warehouse: nothing written")
    return 0
