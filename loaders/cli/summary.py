"""`cx summary`: what is in the warehouse after a run — rows per layer, dbt test results, where to look next."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.table import Table

from loaders.cli._options import add_db, add_wait, console, open_existing_read_only
from loaders.db import LOCKED_EXIT_CODE, db_path

LAYERS = ("raw", "staging", "intermediate", "marts", "config", "ops")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "summary",
        help="rows per layer, dbt test results and what to open next",
        description="Summarise the warehouse: tables and rows per schema, the last dbt run's results, rejects.",
        epilog=f"exit codes: 0 summarised, 1 no database file, {LOCKED_EXIT_CODE} the warehouse is locked by "
               "another process (the message names it).",
    )
    add_db(p)
    p.add_argument(
        "--run-results", default="target/run_results.json", type=Path, help="dbt run results to report"
    )
    add_wait(p)
    p.set_defaults(func=run)


def layer_counts(con) -> list[tuple[str, str, int]]:
    tables = con.execute(
        """select table_schema, table_name from information_schema.tables
           where table_schema in ({}) order by table_schema, table_name""".format(
            ", ".join(f"'{s}'" for s in LAYERS)
        )
    ).fetchall()
    out = []
    for schema, name in tables:
        rows = con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0]
        out.append((schema, name, rows))
    return out


def dbt_results(path: Path) -> dict[str, int]:
    if not path.is_file():
        return {}
    data = json.loads(path.read_text())
    counts: dict[str, int] = {}
    for result in data.get("results", []):
        kind = result.get("unique_id", "").split(".")[0]
        key = f"{kind}:{result.get('status')}"
        counts[key] = counts.get(key, 0) + 1
    return counts


def run(args: argparse.Namespace) -> int:
    out, path = console(), db_path(args.db)
    con, status = open_existing_read_only("summary", path, args.wait, "run `make demo` or `cx load DIR` first")
    if con is None:
        return status
    try:
        counts = layer_counts(con)
        rejects = (
            con.execute("select count(*) from raw._rejects").fetchone()[0]
            if any(s == "raw" and n == "_rejects" for s, n, _ in counts)
            else 0
        )
    finally:
        con.close()

    table = Table(title="warehouse by layer", title_justify="left")
    for col in ("layer", "tables / views", "rows"):
        table.add_column(col, justify="left" if col == "layer" else "right")
    for layer in LAYERS:
        rows = [c for c in counts if c[0] == layer]
        if rows:
            table.add_row(layer, str(len(rows)), f"{sum(r[2] for r in rows):,}")
    out.print(table)

    detail = Table(title="marts", title_justify="left")
    detail.add_column("model")
    detail.add_column("rows", justify="right")
    for schema, name, rows in counts:
        if schema == "marts":
            detail.add_row(name, f"{rows:,}")
    if detail.row_count:
        out.print(detail)

    results = dbt_results(args.run_results)
    if results:
        parts = ", ".join(f"{k.replace(':', ' ')}={v}" for k, v in sorted(results.items()))
        out.print(f"last dbt run: {parts}")
    out.print(f"rejected source records: {rejects:,} (raw._rejects)")
    out.print(f"database: {Path(path).resolve() if path != ':memory:' else path}")
    out.print(
        "next: query the marts, e.g. `.venv/bin/python -c \"import duckdb; "
        f"print(duckdb.connect('{path}', read_only=True).sql('select * from marts.effort_daily limit 10'))\"`\n"
        "      or browse the model docs: `.venv/bin/dbt docs generate && .venv/bin/dbt docs serve`"
    )
    return 0
