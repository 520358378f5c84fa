"""The raw tables as a Parquet lake, for engines that read files instead of the DuckDB warehouse (Spark).

Layout: ``<lake>/raw/<table>/part-0.parquet``, one folder per table of the warehouse's ``raw`` schema (the
sources, ``_rejects`` and ``_load_log``), with the same columns and rows. JSON columns are written as text
(Parquet has no JSON type every engine reads; the models parse the text either way). A table's folder is
written beside the old one and swapped in, so a re-run replaces it whole (idempotent) and a reader never sees
half a table; folders of tables the warehouse no longer has are left alone.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

SCHEMA = "raw"


def lake_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The lake root: an explicit path, else $CX_LAKE_DIR, else ``lake`` (relative to the working directory)."""
    return Path(explicit or os.environ.get("CX_LAKE_DIR") or "lake")


@dataclass(frozen=True)
class Exported:
    table: str
    rows: int
    path: Path


def raw_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = ? and table_type = 'BASE TABLE' "
        "order by table_name",
        [SCHEMA],
    ).fetchall()
    return [r[0] for r in rows]


def _projection(con: duckdb.DuckDBPyConnection, table: str) -> str:
    cols = []
    for name, type_, *_ in con.execute(f'describe "{SCHEMA}"."{table}"').fetchall():
        quoted = '"' + name.replace('"', '""') + '"'
        cols.append(f"cast({quoted} as varchar) as {quoted}" if type_.upper() == "JSON" else quoted)
    return ", ".join(cols)


def export_raw(con: duckdb.DuckDBPyConnection, lake: str | os.PathLike) -> list[Exported]:
    """Write every ``raw`` table of ``con`` to ``<lake>/raw/<table>/part-0.parquet``, replacing what was there."""
    root = Path(lake).resolve() / SCHEMA
    root.mkdir(parents=True, exist_ok=True)
    done = []
    for table in raw_tables(con):
        final, staged, old = root / table, root / f".{table}.new", root / f".{table}.old"
        for leftover in (staged, old):
            shutil.rmtree(leftover, ignore_errors=True)
        staged.mkdir()
        target = str(staged / "part-0.parquet").replace("'", "''")
        con.execute(
            f"copy (select {_projection(con, table)} from \"{SCHEMA}\".\"{table}\") "
            f"to '{target}' (format parquet, compression zstd)"
        )
        rows = con.execute(f'select count(*) from "{SCHEMA}"."{table}"').fetchone()[0]
        if final.exists():
            final.rename(old)
        staged.rename(final)
        shutil.rmtree(old, ignore_errors=True)
        done.append(Exported(table, int(rows), final))
    return done
