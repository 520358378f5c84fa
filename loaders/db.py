"""Opening the project's DuckDB database."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb


def db_path(explicit: str | os.PathLike | None = None) -> str:
    """The database file: an explicit path, else $CX_DUCKDB_PATH, else warehouse.duckdb."""
    return str(explicit or os.environ.get("CX_DUCKDB_PATH") or "warehouse.duckdb")


def connect(explicit: str | os.PathLike | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    path = db_path(explicit)
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(path, read_only=read_only)
    con.execute("set timezone = 'UTC'")
    return con
