"""Extraction watermarks in DuckDB: ``raw._extract_state(source, watermark, updated_at)``."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

STATE_TABLE = "raw._extract_state"


def ensure_state_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw")
    con.execute(
        f"create table if not exists {STATE_TABLE} "
        "(source varchar primary key, watermark timestamp, updated_at timestamp)"
    )


def get_watermark(con: duckdb.DuckDBPyConnection, source: str) -> datetime | None:
    """The end of the last complete extract of ``source`` (UTC), or None."""
    ensure_state_table(con)
    row = con.execute(f"select watermark from {STATE_TABLE} where source = ?", [source]).fetchone()
    if not row or row[0] is None:
        return None
    value: datetime = row[0]
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def set_watermark(con: duckdb.DuckDBPyConnection, source: str, watermark: datetime) -> None:
    ensure_state_table(con)
    naive = watermark.astimezone(UTC).replace(tzinfo=None)
    now = datetime.now(UTC).replace(tzinfo=None)
    con.execute("begin transaction")
    try:
        con.execute(f"delete from {STATE_TABLE} where source = ?", [source])
        con.execute(f"insert into {STATE_TABLE} values (?, ?, ?)", [source, naive, now])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
