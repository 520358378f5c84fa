"""Extraction watermarks in DuckDB: ``raw._extract_state(source, watermark, updated_at)``.

The watermark of a source is the end of the span that has been extracted *and landed* without a gap from
the start. ``cx extract conversations`` checkpoints it after every completed UTC day (jobs) or query piece
(``advance_watermark``), so a run that fails on day 3 of 5 leaves it at the end of day 2 and the next run
without --since starts from there minus the overlap. It only ever moves forward: a backfill of older days
(an explicit --since before it) leaves it where it is.
"""

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


def advance_watermark(con: duckdb.DuckDBPyConnection, source: str, watermark: datetime) -> bool:
    """Move ``source``'s watermark to ``watermark`` if that is later than the current one (one transaction);
    returns whether it moved."""
    current = get_watermark(con, source)
    if current is not None and current >= watermark.astimezone(UTC):
        return False
    set_watermark(con, source, watermark)
    return True
