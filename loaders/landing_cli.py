"""`cx load`: land a directory of exports, or files of one kind, into DuckDB raw.*."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import duckdb
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from loaders.console import make_console
from loaders.db import connect
from loaders.kinds import KINDS, resolve_kind
from loaders.landing import FileResult, discover, ensure_raw_schema, land_files

log = logging.getLogger(__name__)

EPILOG = """examples:
  cx load data/demo                                   land every known file under data/demo
  cx load conversations page1.json page2.json         land files of one kind
  cx load customers people.csv --source-system hr --map given=first_name,surname=last_name,zip=postcode

kinds: """ + ", ".join(f"{k.name} ({'/'.join(k.aliases)})" for k in KINDS.values())


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
    p.add_argument("--db", default=None, help="DuckDB file (default: $CX_DUCKDB_PATH or warehouse.duckdb)")
    p.add_argument("--source-system", help="source system of customer records (default: from customers_<system>.csv)")
    p.add_argument(
        "--map",
        default=None,
        metavar="THEIR=OUR,…",
        help="column mapping for CSV files, e.g. given=first_name,surname=last_name (our names: docs/sources.md)",
    )
    p.add_argument("--force", action="store_true", help="re-read files already landed (rows still deduplicate)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def parse_map(text: str | None) -> dict[str, str]:
    if not text:
        return {}
    mapping = {}
    for part in text.split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise SystemExit(f"cx load: --map entries look like their_column=our_column, got {part!r}")
        theirs, ours = part.split("=", 1)
        mapping[theirs.strip()] = ours.strip()
    return mapping


def run(args: argparse.Namespace) -> int:
    console = make_console(stderr=True)
    target = Path(args.target)
    plan: list[tuple[str, list[Path]]]
    if args.files:
        try:
            kind = resolve_kind(args.target)
        except KeyError as exc:
            console.print(f"[red]cx load:[/red] {exc.args[0]}")
            return 2
        plan = [(kind.name, list(args.files))]
    elif target.is_dir():
        found, unclaimed = discover(target)
        plan = list(found.items())
        for path in unclaimed:
            console.print(f"[yellow]skipped[/yellow] {path} (not a known source file; see docs/sources.md)")
        if not plan:
            console.print(f"[red]cx load:[/red] no source files found under {target} (layout: docs/sources.md)")
            return 1
    else:
        console.print(
            f"[red]cx load:[/red] {target} is neither a directory nor a kind followed by files; see cx load --help"
        )
        return 2

    mapping = parse_map(args.map)
    total_files = sum(len(paths) for _, paths in plan)
    results: list[FileResult] = []
    con = connect(args.db)
    try:
        ensure_raw_schema(con)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=args.quiet,
            transient=False,
        ) as progress:
            task = progress.add_task("landing files", total=total_files)
            for kind_name, paths in plan:
                progress.update(task, description=f"landing {kind_name}")

                def advance(res: FileResult) -> None:
                    progress.advance(task)
                    if res.error:
                        progress.console.print(f"[red]failed[/red] {res.path}: {res.error}")

                results += land_files(
                    con,
                    kind_name,
                    paths,
                    source_system=args.source_system,
                    column_map=mapping,
                    force=args.force,
                    on_file=advance,
                )
        print_summary(console, results, con)
    finally:
        con.close()
    landed_or_known = sum(r.rows_landed + r.rows_duplicate for r in results) + sum(r.skipped for r in results)
    return 0 if landed_or_known > 0 or all(r.ok and r.rows_read == 0 for r in results) else 1


def print_summary(console: Console, results: list[FileResult], con: duckdb.DuckDBPyConnection) -> None:
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
    console.print(table)
    rejected = sum(r.rows_rejected for r in results)
    if rejected:
        console.print(
            f"{rejected:,} records rejected: see raw._rejects (kind, source_file, source_line, reason, raw_text)"
        )
    db = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()
    console.print(f"database: {db[0] if db and db[0] else ':memory:'}")
