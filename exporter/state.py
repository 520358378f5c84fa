"""Export state in ``ops.*``: what each target last acknowledged, and the run log.

``ops.export_state`` holds, per target and unit key, the payload hash the API last acknowledged. A mart row
is pending when its hash differs (or it was never sent). State is written per acknowledged batch in its own
transaction, so a killed run loses at most the batches in flight, which the next run sends again; the
targets' idempotency (deterministic ids, upserts) makes that harmless.

Nothing in ``ops`` is a dbt source: the flow is Genesys → warehouse → Genesys, never a cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

from exporter.targets import Target, Unit

SCHEMA_SQL = [
    "create schema if not exists ops",
    """
    create table if not exists ops.export_state (
        target varchar not null,
        export_key varchar not null,
        payload_hash varchar not null,
        acknowledged_at timestamp not null,
        run_id varchar not null,
        http_status integer,
        primary key (target, export_key)
    )
    """,
    """
    create table if not exists ops.export_dead_letters (
        target varchar not null,
        export_key varchar not null,
        payload_hash varchar not null,
        request_method varchar not null,
        request_path varchar not null,
        payload varchar not null,
        http_status integer,
        error_code varchar,
        api_message varchar,
        reason varchar not null,
        correlation_id varchar,
        attempts integer not null,
        first_failed_at timestamp not null,
        last_failed_at timestamp not null,
        expired_at timestamp,
        resolved_at timestamp,
        run_id varchar not null,
        primary key (target, export_key)
    )
    """,
    """
    create table if not exists ops.export_runs (
        run_id varchar not null,
        target varchar not null,
        started_at timestamp not null,
        finished_at timestamp,
        dry_run boolean not null,
        outcome varchar,
        sent integer,
        unchanged integer,
        retried integer,
        dead_lettered integer,
        expired integer,
        unsent integer,
        requests integer,
        primary key (run_id, target)
    )
    """,
]


@dataclass(frozen=True)
class PendingCounts:
    total: int  # rows in the mart
    pending: int  # rows to send this run (changed, new, or dead letters still within their age)
    expired: int  # changed rows whose dead letter is older than the allowed age: not sent again

    @property
    def unchanged(self) -> int:
        return self.total - self.pending - self.expired


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for sql in SCHEMA_SQL:
        con.execute(sql)


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    return bool(row and row[0])


def columns_of(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> set[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchall()
    return {str(r[0]) for r in rows}


def mart_relation(con: duckdb.DuckDBPyConnection, target: Target, schema: str) -> str | None:
    """``schema.export__<target>`` when dbt has built it, else None."""
    return f'"{schema}"."{target.mart}"' if table_exists(con, schema, target.mart) else None


def _pending_sql(relation: str, with_state: bool, select: str) -> str:
    if not with_state:
        return f"select {select} from {relation} as m where true"
    return f"""
        select {select}
        from {relation} as m
        left join ops.export_state as s
            on s.target = $target and s.export_key = m.export_key
        left join ops.export_dead_letters as d
            on d.target = $target and d.export_key = m.export_key
            and d.resolved_at is null and d.payload_hash = m.payload_hash
        where s.payload_hash is distinct from m.payload_hash
    """


def _expired_filter(with_state: bool) -> str:
    return " and (d.export_key is null or d.first_failed_at >= $cutoff)" if with_state else ""


def count_pending(
    con: duckdb.DuckDBPyConnection, target: Target, relation: str, cutoff: datetime, with_state: bool
) -> PendingCounts:
    total = con.execute(f"select count(*) from {relation}").fetchone()[0]  # type: ignore[index]
    params = {"target": target.name, "cutoff": cutoff} if with_state else {}
    changed = con.execute(
        _pending_sql(relation, with_state, "count(*)"), {"target": target.name} if with_state else {}
    ).fetchone()[0]  # type: ignore[index]
    pending = con.execute(
        _pending_sql(relation, with_state, "count(*)") + _expired_filter(with_state), params
    ).fetchone()[0]  # type: ignore[index]
    return PendingCounts(int(total), int(pending), int(changed - pending))


def pending_chunk(
    con: duckdb.DuckDBPyConnection,
    target: Target,
    relation: str,
    cutoff: datetime,
    with_state: bool,
    after: str | None,
    size: int,
    path_columns: Sequence[tuple[str, str]] = (),
) -> list[Unit]:
    """Up to ``size`` rows to send with ``export_key > after`` (all when ``after`` is None), in key order, read
    into memory. ``path_columns`` (placeholder, mart column) are read into ``Unit.fields`` to build the request
    path from."""
    dead = "d.export_key is not null" if with_state else "false"
    extra = "".join(f', m."{column}"' for _, column in path_columns)
    select = (f"m.export_key, m.request_method, m.request_path, m.payload, m.payload_hash, {dead} as was_dead"
              f"{extra}")
    params: dict[str, object] = {"target": target.name, "cutoff": cutoff} if with_state else {}
    sql = _pending_sql(relation, with_state, select) + _expired_filter(with_state)
    if after is not None:
        sql += " and m.export_key > $after"
        params["after"] = after
    sql += " order by m.export_key"
    # the size is applied by fetchmany, not in SQL: DuckDB 2.0.0 ignores LIMIT on this left-join query
    rows = con.execute(sql, params).fetchmany(size)
    units = []
    for key, method, path, payload, payload_hash, was_dead, *values in rows:
        fields = {name: "" if v is None else str(v) for (name, _), v in zip(path_columns, values, strict=True)}
        units.append(Unit(str(key), str(method).upper(), str(path), str(payload), str(payload_hash), bool(was_dead),
                          fields=fields))
    return units


def acknowledge(
    con: duckdb.DuckDBPyConnection, target: Target, units: Sequence[Unit], status: int, run_id: str, now: datetime
) -> None:
    """Record ``units`` as delivered (to be called inside the batch's transaction)."""
    if not units:
        return
    # one statement for the whole batch, keys and hashes bound as two lists (executemany or a VALUES list
    # per row is 10-100x slower in DuckDB)
    con.execute(
        """
        insert or replace into ops.export_state (target, export_key, payload_hash, acknowledged_at, run_id,
            http_status)
        select $target, unnest($keys), unnest($hashes), $now, $run_id, $status
        """,
        {"target": target.name, "keys": [u.key for u in units], "hashes": [u.payload_hash for u in units],
         "now": now, "run_id": run_id, "status": status},
    )
    resolved = [(now, target.name, u.key) for u in units if u.was_dead_lettered or u.retried]
    if resolved:
        con.executemany(
            """
            update ops.export_dead_letters set resolved_at = ?
            where target = ? and export_key = ? and resolved_at is null
            """,
            resolved,
        )


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, target: Target, now: datetime, dry_run: bool) -> None:
    con.execute(
        "insert or replace into ops.export_runs (run_id, target, started_at, dry_run) values (?, ?, ?, ?)",
        [run_id, target.name, now, dry_run],
    )


def finish_run(
    con: duckdb.DuckDBPyConnection, run_id: str, target: Target, now: datetime, outcome: str, counts: dict[str, int]
) -> None:
    con.execute(
        """
        update ops.export_runs set finished_at = ?, outcome = ?, sent = ?, unchanged = ?, retried = ?,
            dead_lettered = ?, expired = ?, unsent = ?, requests = ?
        where run_id = ? and target = ?
        """,
        [now, outcome, counts.get("sent", 0), counts.get("unchanged", 0), counts.get("retried", 0),
         counts.get("dead_lettered", 0), counts.get("expired", 0), counts.get("unsent", 0),
         counts.get("requests", 0), run_id, target.name],
    )


def cutoff_for(now: datetime, max_age: timedelta) -> datetime:
    return now - max_age
