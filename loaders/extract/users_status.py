"""`cx extract users-status`: agents' presence and routing-status history by users details jobs, one per UTC day.

``POST /api/v2/analytics/users/details/jobs`` with the day's interval, poll ``GET …/jobs/{jobId}`` until
FULFILLED, page ``GET …/jobs/{jobId}/results`` by ``cursor``; every ``userDetails`` entry is written as one NDJSON
line (docs/sources.md, "Genesys users details") and landed into raw.genesys_user_details with the same code as
``cx load``. The watermark (raw._extract_state, source ``genesys_user_details.jobs``) moves after each landed day,
so a re-run starts after it (minus the overlap); lines already landed are duplicates and land nothing.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from loaders.extract.conversations import JOB_FAILED_STATES, ExtractError, _job_id
from loaders.extract.intervals import day_bounds, interval, utc_days
from loaders.extract.state import advance_watermark, get_watermark
from loaders.genesys import GenesysClient
from loaders.genesys.errors import GenesysError
from loaders.genesys.paths import segment

log = logging.getLogger(__name__)

USER_JOBS = "/api/v2/analytics/users/details/jobs"
KIND = "genesys_user_details"
SOURCE = "genesys_user_details.jobs"
DEFAULT_OUT = Path("data/extract/genesys/users")
DEFAULT_OVERLAP = timedelta(days=1)


@dataclass
class UsersStatusResult:
    days: int = 0
    jobs: int = 0
    pages: int = 0
    user_details: int = 0
    files: list[Path] = field(default_factory=list)
    rows_landed: int = 0
    rows_duplicate: int = 0
    rows_rejected: int = 0
    errors: list[str] = field(default_factory=list)


def fetch_day(client: GenesysClient, day: date, *, poll_interval_s: float = 2.0, job_timeout_s: float = 3600.0,
              page_size: int | None = None) -> tuple[list[dict[str, Any]], int]:
    """Every ``userDetails`` entry of one UTC day's job, and the number of result pages."""
    start, end = day_bounds(day)
    job_id = _job_id(client.post(USER_JOBS, {"interval": interval(start, end), "order": "asc"}).json(), day)
    details: list[dict[str, Any]] = []
    pages = 0
    try:
        waited = 0.0
        while True:
            status = client.get(f"{USER_JOBS}/{segment(job_id)}").json()
            state = status.get("state")
            if state == "FULFILLED":
                break
            if state in JOB_FAILED_STATES:
                raise ExtractError(f"users details job {job_id} for {day} ended {state}: "
                                   f"{status.get('errorMessage') or 'no message'}")
            if waited >= job_timeout_s:
                raise ExtractError(f"users details job {job_id} for {day} still {state} after {waited:.0f}s")
            client.clock.sleep(poll_interval_s)
            waited += poll_interval_s
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {}
            if page_size:
                params["pageSize"] = page_size
            if cursor:
                params["cursor"] = cursor
            page = client.get(f"{USER_JOBS}/{segment(job_id)}/results", params=params).json()
            pages += 1
            items = page.get("userDetails") if isinstance(page, dict) else None
            if items is not None and not isinstance(items, list):
                raise ExtractError(f"users details job {job_id} page {pages}: userDetails is not a list")
            details += items or []
            cursor = page.get("cursor") if isinstance(page, dict) else None
            if not cursor:
                break
    finally:
        try:
            client.delete(f"{USER_JOBS}/{segment(job_id)}")
        except GenesysError as exc:  # the job expires on its own
            log.warning("could not delete users details job %s: %s", job_id, type(exc).__name__)
    return details, pages


def write_day(details: list[dict[str, Any]], out_dir: Path, day: date) -> Path:
    folder = Path(out_dir) / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"user-details-{day.isoformat()}.ndjson"
    tmp = path.with_suffix(".ndjson.part")
    tmp.write_text("".join(json.dumps(d, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
                           for d in details), encoding="utf-8")
    os.replace(tmp, path)
    return path


def resolve_since(con: duckdb.DuckDBPyConnection | None, since: datetime | None, overlap: timedelta) -> datetime:
    if since is not None:
        return since
    watermark = get_watermark(con, SOURCE) if con is not None else None
    if watermark is None:
        raise ExtractError("no users-status watermark yet: give --since for the first extract")
    return watermark - overlap


def run_users_status_extract(
    client: GenesysClient,
    *,
    since: datetime,
    until: datetime,
    out_dir: Path = DEFAULT_OUT,
    open_db: Callable[[], duckdb.DuckDBPyConnection] | None = None,
    poll_interval_s: float = 2.0,
    page_size: int | None = None,
    on_day: Callable[[date], None] | None = None,
) -> UsersStatusResult:
    """One job per UTC day of [since, until); each day is written, landed and checkpointed before the next."""
    from loaders.landing import land_files

    result = UsersStatusResult()
    for day in utc_days(since, until):
        if on_day:
            on_day(day)
        details, pages = fetch_day(client, day, poll_interval_s=poll_interval_s, page_size=page_size)
        result.days += 1
        result.jobs += 1
        result.pages += pages
        result.user_details += len(details)
        path = write_day(details, out_dir, day)
        result.files.append(path)
        if open_db is None:
            continue
        con = open_db()
        try:
            for res in land_files(con, KIND, [path]):
                result.rows_landed += res.rows_landed
                result.rows_duplicate += res.rows_duplicate
                result.rows_rejected += res.rows_rejected
                if res.error:
                    result.errors.append(f"{res.path}: {res.error}")
            if not result.errors:
                advance_watermark(con, SOURCE, min(day_bounds(day)[1], until))
        finally:
            con.close()
        if result.errors:
            raise ExtractError("; ".join(result.errors))
    return result
