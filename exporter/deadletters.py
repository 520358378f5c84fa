"""Dead letters: units the API refused for a reason a blind retry will not fix right away.

A dead letter keeps the unit (key, hash, method, path, payload), the API's status, code and message, and a
reason. Seed 004: when a conversation can no longer be written (409 Conflict / 410 Gone) the reason is
"Score Calculation Failed" rather than a silent drop. Every later run sends the unit again until its first
failure is older than the allowed age; then it is marked expired and left for people to look at. A unit
whose payload changes is a new unit: its old dead letter no longer applies.

The table lives in the warehouse next to the marts (which hold the same data), with the full payload unless
the run was ``--redact``; logs only ever carry counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb

from exporter.redact import redact_message, redact_payload
from exporter.targets import Target, Unit


@dataclass(frozen=True)
class DeadLetter:
    unit: Unit
    status: int
    code: str
    api_message: str
    reason: str
    correlation_id: str = ""


def reason_for(target: Target, status: int, code: str = "") -> str:
    """The dead-letter reason a reader sees for an HTTP status."""
    if status in (409, 410):
        return target.conflict_reason
    if status == 404:
        return "not found (not yet visible) after retries"
    if status in (400, 413, 422):
        return "rejected by the API (bad request)"
    if status:
        return f"HTTP {status}" + (f" ({code})" if code else "")
    return code or "failed"


def record(con: duckdb.DuckDBPyConnection, target: Target, letters: Sequence[DeadLetter], run_id: str,
           now: datetime, redact: bool = False) -> None:
    """Upsert dead letters (inside the batch's transaction): same payload → one more attempt, else a new letter.
    ``redact``: the stored payload and API message have their personal values replaced (exporter.redact);
    re-sends read the payload from the mart, never from here."""
    for letter in letters:
        u = letter.unit
        payload = redact_payload(u.payload) if redact else u.payload
        message = redact_message(letter.api_message, u.payload) if redact else letter.api_message
        con.execute(
            """
            insert into ops.export_dead_letters as d (
                target, export_key, payload_hash, request_method, request_path, payload, http_status, error_code,
                api_message, reason, correlation_id, attempts, first_failed_at, last_failed_at, expired_at,
                resolved_at, run_id)
            values ($target, $key, $hash, $method, $path, $payload, $status, $code, $message, $reason, $corr,
                    1, $now, $now, null, null, $run)
            on conflict (target, export_key) do update set
                first_failed_at = case when d.payload_hash = excluded.payload_hash and d.resolved_at is null
                                       then d.first_failed_at else excluded.first_failed_at end,
                attempts = case when d.payload_hash = excluded.payload_hash and d.resolved_at is null
                                then d.attempts + 1 else 1 end,
                payload_hash = excluded.payload_hash,
                request_method = excluded.request_method,
                request_path = excluded.request_path,
                payload = excluded.payload,
                http_status = excluded.http_status,
                error_code = excluded.error_code,
                api_message = excluded.api_message,
                reason = excluded.reason,
                correlation_id = excluded.correlation_id,
                last_failed_at = excluded.last_failed_at,
                expired_at = null,
                resolved_at = null,
                run_id = excluded.run_id
            """,
            {"target": target.name, "key": u.key, "hash": u.payload_hash, "method": u.method, "path": u.path,
             "payload": payload, "status": letter.status or None, "code": letter.code or None,
             "message": message or None, "reason": letter.reason, "corr": letter.correlation_id or None,
             "now": now, "run": run_id},
        )


def expire(con: duckdb.DuckDBPyConnection, target: Target, cutoff: datetime, now: datetime) -> int:
    """Mark open dead letters whose first failure is older than ``cutoff`` as expired; returns how many."""
    rows = con.execute(
        """
        update ops.export_dead_letters set expired_at = ?
        where target = ? and resolved_at is null and expired_at is null and first_failed_at < ?
        returning export_key
        """,
        [now, target.name, cutoff],
    ).fetchall()
    return len(rows)
