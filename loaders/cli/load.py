"""`cx load`: land a directory of exports, or files of one kind, into DuckDB raw.*."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from loaders.cli._options import add_db, add_quiet, add_wait, console, open_failed, progress
from loaders.dates import DATE_ORDERS
from loaders.db import LOCKED_EXIT_CODE, WarehouseLockedError, connect
from loaders.kinds import KINDS, Kind, resolve_kind
from loaders.landing import (
    FileResult,
    check_column_map,
    check_encoding,
    discover,
    ensure_raw_schema,
    land_files,
    landing_exit_status,
)

log = logging.getLogger(__name__)

EPILOG = """examples:
  cx load data/demo                                   land every known file under data/demo
  cx load conversations page1.json page2.json         land files of one kind
  cx load customers people.csv --source-system hr --map given=first_name,surname=last_name,zip=postcode
  cx load customers people.csv --source-system hr --date-order DMY     birth dates written 17/03/1984

kinds: """ + ", ".join(f"{k.name} ({'/'.join(k.aliases)})" for k in KINDS.values()) + f"""

bad input: a record that cannot land is kept in raw._rejects (kind, source_file, source_line, reason, raw_text)
and the rest of its file lands; a file that cannot land at all (wrong JSON shape, no key column, unreadable)
is a reject with an empty source_line and the other files still land (docs/sources.md, "Bad input").

exit status: 0 when records landed (or were already landed), or when every file was empty — rejected
records and failed files are reported in the summary, raw._rejects and raw._load_log, not in the status
(add --strict to exit 1 when anything was rejected); 1 when there was input but nothing could be landed, or
no source files were found; 2 for a usage error (unknown kind, a --map target that is not a column, an
unknown --encoding); {LOCKED_EXIT_CODE} when another process holds the warehouse's lock (see --wait)."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "load",
        help="land exported files into DuckDB raw.* (idempotent; bad records go to raw._rejects)",
        description=(
            "Land source files into the DuckDB raw schema. With one directory, every file matching the "
            "layout in docs/sources.md is landed. With a kind first, the given files are landed as that "
            "kind. Landing the same file twice changes nothing; records that cannot be parsed are kept in "
            "raw._rejects with file, line and reason while the rest of the file lands."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("target", metavar="DIR | KIND", help="a directory to scan, or a source kind")
    p.add_argument("files", nargs="*", type=Path, metavar="FILE", help="files to land (with a KIND)")
    add_db(p)
    p.add_argument("--source-system", help="source system of customer records (default: from customers_<system>.csv)")
    p.add_argument(
        "--map",
        action="append",
        default=None,
        metavar="THEIR=OUR,…",
        help="column mapping for CSV files, e.g. given=first_name,surname=last_name (our names: docs/sources.md); "
        "may be repeated (--map given=first_name --map surname=last_name); a target that is not a column of the "
        "kind is refused",
    )
    p.add_argument(
        "--encoding",
        default=None,
        metavar="NAME",
        help="the files' text encoding when it is not UTF-8 (e.g. cp1252, latin-1): decoded with it, landed as "
        "UTF-8. Without it, a line that is not UTF-8 is rejected and the rest lands",
    )
    p.add_argument(
        "--date-order",
        type=str.upper,
        choices=DATE_ORDERS,
        default=None,
        help="day/month order of customer records' dates written as 17/03/1984 or 03/17/1984 (DMY, MDY, YMD); "
        "overrides seed source_systems.date_order for the rows landed. ISO, YYYYMMDD and month-name dates read "
        "without it; the summary says how many dates will not parse and which order fits",
    )
    p.add_argument("--strict", action="store_true", help="exit 1 when any record or file was rejected")
    add_wait(p)
    p.add_argument("--force", action="store_true", help="re-read files already landed (rows still deduplicate)")
    add_quiet(p)
    p.set_defaults(func=run)


def parse_map(text: str | list[str] | None) -> dict[str, str]:
    """``their=our,…`` (one string, or several from a repeated --map) → {their: our}; ValueError for an entry
    without ``=``, with an empty side, or a column mapped twice to different targets."""
    if not text:
        return {}
    parts = [p for chunk in ([text] if isinstance(text, str) else text) for p in chunk.split(",")]
    mapping: dict[str, str] = {}
    for part in parts:
        if not part.strip():
            continue
        theirs, eq, ours = part.partition("=")
        if not eq or not theirs.strip() or not ours.strip():
            raise ValueError(f"--map entries look like their_column=our_column, got {part.strip()!r}")
        if mapping.get(theirs.strip(), ours.strip()) != ours.strip():
            raise ValueError(f"--map maps {theirs.strip()} twice: to {mapping[theirs.strip()]} and to {ours.strip()}")
        mapping[theirs.strip()] = ours.strip()
    return mapping


def maps_by_kind(mapping: dict[str, str], kinds: list[Kind]) -> dict[str, dict[str, str]]:
    """The --map entries each kind gets: with one kind, all of them (a target that is not one of its columns
    is refused); for a directory, each CSV kind gets the entries whose target is one of its columns, and a
    target no CSV kind has is refused."""
    if not mapping:
        return {k.name: {} for k in kinds}
    if len(kinds) == 1:
        check_column_map(kinds[0], mapping)
        return {kinds[0].name: mapping}
    csv_kinds = [k for k in kinds if not k.is_json]
    out: dict[str, dict[str, str]] = {k.name: {} for k in kinds}
    for theirs, ours in mapping.items():
        takers = [k for k in csv_kinds if ours.strip().lower() in {c.lower() for c in k.csv_columns}]
        if not takers:
            valid = sorted({c.lower() for k in csv_kinds for c in k.csv_columns})
            raise ValueError(
                f"--map {theirs}={ours}: {ours} is not a column of any CSV source here "
                f"({', '.join(k.name for k in csv_kinds) or 'none'}); the columns are {', '.join(valid)}"
            )
        for k in takers:
            out[k.name][theirs] = ours
    return out


def run(args: argparse.Namespace) -> int:
    err = console(stderr=True)
    target = Path(args.target)
    plan: list[tuple[str, list[Path]]]
    if args.files:
        try:
            kind = resolve_kind(args.target)
        except KeyError as exc:
            err.print(f"[red]cx load:[/red] {exc.args[0]}")
            return 2
        plan = [(kind.name, list(args.files))]
    elif target.is_dir():
        found, unclaimed = discover(target)
        plan = list(found.items())
        for path in unclaimed:
            err.print(f"[yellow]skipped[/yellow] {path} (not a known source file; see docs/sources.md)")
        if not plan:
            err.print(f"[red]cx load:[/red] no source files found under {target} (layout: docs/sources.md)")
            return 1
    else:
        err.print(
            f"[red]cx load:[/red] {target} is neither a directory nor a kind followed by files; see cx load --help"
        )
        return 2

    try:
        maps = maps_by_kind(parse_map(args.map), [KINDS[name] for name, _ in plan])
        encoding = check_encoding(args.encoding)
    except ValueError as exc:
        err.print(f"[red]cx load:[/red] {exc}")
        return 2
    total_files = sum(len(paths) for _, paths in plan)
    results: list[FileResult] = []
    try:
        con = connect(args.db, wait=args.wait)
    except (WarehouseLockedError, ValueError) as exc:
        return open_failed(err, "load", exc)
    try:
        ensure_raw_schema(con)
        with progress(err, quiet=args.quiet) as bar:
            task = bar.add_task("landing files", total=total_files)
            for kind_name, paths in plan:
                bar.update(task, description=f"landing {kind_name}")

                def advance(res: FileResult) -> None:
                    bar.advance(task)

                results += land_files(
                    con,
                    kind_name,
                    paths,
                    source_system=args.source_system,
                    column_map=maps[kind_name],
                    encoding=encoding,
                    date_order=args.date_order,
                    force=args.force,
                    on_file=advance,
                )
        print_summary(err, results, con)
    finally:
        con.close()
    return exit_status(results, strict=args.strict)


def exit_status(results: list[FileResult], strict: bool = False) -> int:
    """0: records landed or were already landed, or every file was empty; 1: there was input but nothing
    could be landed (with ``strict``: also when any record or file was rejected)."""
    return landing_exit_status(results, strict)


def print_summary(out: Console, results: list[FileResult], con: duckdb.DuckDBPyConnection) -> None:
    table = Table(title="cx load summary", title_justify="left")
    table.add_column("kind")
    for col in ("files", "unchanged", "rows read", "landed", "duplicates", "rejected", "failed files", "seconds"):
        table.add_column(col, justify="right")
    by_kind: dict[str, list[FileResult]] = {}
    for r in results:
        by_kind.setdefault(r.kind, []).append(r)
    for kind, rs in by_kind.items():
        table.add_row(
            kind,
            f"{len(rs)}",
            f"{sum(r.skipped for r in rs)}",
            f"{sum(r.rows_read for r in rs):,}",
            f"{sum(r.rows_landed for r in rs):,}",
            f"{sum(r.rows_duplicate for r in rs):,}",
            f"{sum(r.rows_rejected for r in rs):,}",
            f"{sum(not r.ok for r in rs)}",
            f"{sum(r.seconds for r in rs):.1f}",
        )
    out.print(table)
    rejected = sum(r.rows_rejected for r in results)
    if rejected:
        out.print(
            f"{rejected:,} records rejected: see raw._rejects (kind, source_file, source_line, reason, raw_text)"
        )
    failed = [r for r in results if not r.ok]
    for r in failed:
        out.print(f"[red]file not landed[/red] {r.path}: {r.error}")
    noted = [r for r in results if r.notes]
    for r in noted[:50]:
        out.print(f"[yellow]note[/yellow] {r.path}: {'; '.join(r.notes)}")
    if len(noted) > 50:
        out.print(f"[yellow]note[/yellow] … and {len(noted) - 50} more files with notes")
    db = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()
    out.print(f"database: {db[0] if db and db[0] else ':memory:'}")
