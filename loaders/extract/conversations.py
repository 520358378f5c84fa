"""Conversation-detail extraction from Genesys Cloud into page files, then landing into raw.*.

Two paths (see shared reference §1.1/§1.2):

* **jobs** (default): one async details job per UTC day — submit (202) -> poll ``state`` until
  ``FULFILLED`` -> page ``results`` by ``cursor`` -> delete. Jobs carry participant ``attributes``.
* **sync query** (``--sync``): ``details/query`` for short near-real-time windows, ``pageSize`` 100,
  ``pageNumber`` from 1, stop on a short page (``totalHits`` is approximate and never trusted),
  windows split into day-aligned pieces of at most 7 days (the unfiltered limit).

Every page is written as received; the files are landed with ``loaders.landing.land_files``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from contextlib import closing, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from loaders.extract.intervals import day_bounds, interval, query_chunks, utc_days
from loaders.extract.pages import PageWriter
from loaders.extract.state import advance_watermark, get_watermark
from loaders.genesys.client import GenesysClient
from loaders.genesys.errors import GenesysError
from loaders.genesys.paths import segment

log = logging.getLogger(__name__)

DETAILS_QUERY = "/api/v2/analytics/conversations/details/query"
DETAILS_JOBS = "/api/v2/analytics/conversations/details/jobs"
LANDING_KIND = "genesys_conversations"
SOURCE_JOBS = "genesys_conversations.jobs"
SOURCE_QUERY = "genesys_conversations.query"
DEFAULT_OVERLAP = timedelta(days=2)
QUERY_PAGE_SIZE_MAX = 100
QUERY_RESULTS_MAX = 100_000
JOB_FAILED_STATES = {"FAILED", "CANCELLED", "EXPIRED"}
# a job id goes into request paths and page file names: letters, digits, '-', '_', '.' (not leading)
JOB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")


class ExtractError(Exception):
    """Extraction cannot go on (API refused, job failed, window unusable); the message says why."""


@dataclass
class PageEvent:
    """Progress callback payload: one page written."""

    day: date
    source: str  # "job <id>" or "query <interval>"
    page_number: int
    conversations: int
    path: Path


@dataclass
class ExtractResult:
    since: datetime
    until: datetime
    mode: str  # "jobs" | "query"
    days: int = 0
    jobs: int = 0
    queries: int = 0
    pages: list[Path] = field(default_factory=list)
    conversations: int = 0  # records across all pages (a conversation can appear on two days)
    conversation_ids: set[str] = field(default_factory=set)

    @property
    def unique_conversations(self) -> int:
        return len(self.conversation_ids)


class ConversationExtractor:
    """Fetches conversation-detail pages with a ``GenesysClient`` and writes them with a ``PageWriter``."""

    def __init__(
        self,
        client: GenesysClient,
        writer: PageWriter,
        *,
        poll_interval_s: float = 2.0,
        job_timeout_s: float = 3600.0,
        job_page_size: int | None = None,
        query_page_size: int = QUERY_PAGE_SIZE_MAX,
        query_max_days: int = 7,
        on_page: Callable[[PageEvent], None] | None = None,
        on_day: Callable[[date], None] | None = None,
    ) -> None:
        if not 1 <= query_page_size <= QUERY_PAGE_SIZE_MAX:
            raise ValueError(f"query page size must be 1..{QUERY_PAGE_SIZE_MAX}")
        self.client = client
        self.writer = writer
        self.poll_interval_s = poll_interval_s
        self.job_timeout_s = job_timeout_s
        self.job_page_size = job_page_size
        self.query_page_size = query_page_size
        self.query_max_days = query_max_days
        self.on_page = on_page
        self.on_day = on_day

    # -- async jobs --------------------------------------------------------------------------------
    def extract_jobs(self, since: datetime, until: datetime) -> ExtractResult:
        result = ExtractResult(since, until, "jobs")
        for day in utc_days(since, until):
            if self.on_day:
                self.on_day(day)
            self.extract_job_day(day, result)
            result.days += 1
        return result

    def extract_job_day(self, day: date, result: ExtractResult) -> None:
        start, end = day_bounds(day)
        body = {"interval": interval(start, end), "order": "asc", "orderBy": "conversationStart"}
        job_id = _job_id(self.client.post(DETAILS_JOBS, body).json(), day)
        result.jobs += 1
        log.info("day %s: details job %s submitted", day, job_id)
        try:
            self._wait_for_job(job_id, day)
            cursor: str | None = None
            page_number = 0
            while True:
                params: dict[str, Any] = {}
                if self.job_page_size:
                    params["pageSize"] = self.job_page_size
                if cursor:
                    params["cursor"] = cursor
                response = self.client.get(f"{DETAILS_JOBS}/{segment(job_id)}/results", params=params)
                page_number += 1
                page = response.json()
                self._keep(day, f"job_{job_id}", f"job {job_id}", page_number, response.content, page, result)
                cursor = page.get("cursor") if isinstance(page, dict) else None
                if not cursor:
                    break
        finally:
            self._delete_job(job_id)
        log.info("day %s: job %s done, %d pages so far", day, job_id, len(result.pages))

    def _wait_for_job(self, job_id: str, day: date) -> None:
        waited = 0.0
        while True:
            status = self.client.get(f"{DETAILS_JOBS}/{segment(job_id)}").json()
            state = status.get("state")
            if state == "FULFILLED":
                return
            if state in JOB_FAILED_STATES:
                raise ExtractError(
                    f"details job {job_id} for {day} ended {state}: {status.get('errorMessage') or 'no message'}"
                )
            if waited >= self.job_timeout_s:
                raise ExtractError(f"details job {job_id} for {day} still {state} after {waited:.0f}s")
            self.client.clock.sleep(self.poll_interval_s)
            waited += self.poll_interval_s

    def _delete_job(self, job_id: str) -> None:
        try:
            self.client.delete(f"{DETAILS_JOBS}/{segment(job_id)}")
        except GenesysError as exc:  # the job expires on its own; never fail an extract for this
            log.warning("could not delete details job %s: %s", job_id, type(exc).__name__)

    # -- sync query --------------------------------------------------------------------------------
    def extract_query(self, since: datetime, until: datetime) -> ExtractResult:
        result = ExtractResult(since, until, "query")
        result.days = len(utc_days(since, until))
        for start, end in query_chunks(since, until, self.query_max_days):
            if self.on_day:
                self.on_day(start.date())
            self.extract_query_window(start, end, result)
        return result

    def extract_query_window(self, start: datetime, end: datetime, result: ExtractResult) -> None:
        name = f"query_{start:%Y%m%dT%H%M%SZ}_{end:%Y%m%dT%H%M%SZ}"
        page_number = 0
        while True:
            page_number += 1
            if page_number * self.query_page_size > QUERY_RESULTS_MAX:
                raise ExtractError(
                    f"sync query {interval(start, end)} has more than {QUERY_RESULTS_MAX} results; "
                    "use a shorter window or the default (jobs) extraction"
                )
            body = {
                "interval": interval(start, end),
                "order": "asc",
                "orderBy": "conversationStart",
                "paging": {"pageSize": self.query_page_size, "pageNumber": page_number},
            }
            response = self.client.post(DETAILS_QUERY, body)
            result.queries += 1
            page = response.json()
            count = self._keep(start.date(), name, f"query {interval(start, end)}", page_number,
                               response.content, page, result)
            if count < self.query_page_size:  # a short page is the last; totalHits is only approximate
                break

    # -- shared ------------------------------------------------------------------------------------
    def _keep(
        self, day: date, name: str, label: str, page_number: int, content: bytes, page: Any, result: ExtractResult
    ) -> int:
        conversations = (page.get("conversations") or []) if isinstance(page, dict) else []
        path = self.writer.write(day, name, page_number, content)
        result.pages.append(path)
        result.conversations += len(conversations)
        result.conversation_ids.update(c.get("conversationId", "") for c in conversations)
        if self.on_page:
            self.on_page(PageEvent(day, label, page_number, len(conversations), path))
        return len(conversations)


def _job_id(answer: object, day: date) -> str:
    """The ``jobId`` of a submit answer, refused unless it is a plain identifier (it becomes a path segment and
    part of page file names; the message does not repeat the value)."""
    job_id = answer.get("jobId") if isinstance(answer, dict) else None
    if not isinstance(job_id, str) or not JOB_ID.fullmatch(job_id):
        raise ExtractError(
            f"details job for {day}: the API answered with a job id that is not a plain identifier "
            f"({type(job_id).__name__}, {len(job_id) if isinstance(job_id, str) else 0} characters; expected "
            "letters, digits, '-', '_' or '.'); nothing was requested for it"
        )
    return job_id


# -- orchestration: window from the watermark, extract, land, advance the watermark ----------------
@dataclass
class LandingTotals:
    files: int = 0
    rows_landed: int = 0
    rows_duplicate: int = 0
    rows_rejected: int = 0
    errors: list[str] = field(default_factory=list)


def resolve_window(
    con: duckdb.DuckDBPyConnection | None,
    source: str,
    since: datetime | None,
    until: datetime | None,
    overlap: timedelta = DEFAULT_OVERLAP,
    now: datetime | None = None,
) -> tuple[datetime, datetime]:
    """[since, until): explicit, or from the watermark minus ``overlap`` up to now."""
    until = until or now or datetime.now(UTC)
    if since is None:
        watermark = get_watermark(con, source) if con is not None else None
        if watermark is None:
            raise ExtractError(f"no watermark for {source} yet: pass --since for the first extract")
        since = watermark - overlap
    if until <= since:
        raise ExtractError(f"empty window: --until {until.isoformat()} is not after {since.isoformat()}")
    return since, until


def land_pages(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> LandingTotals:
    """Land page files with the same code as ``cx load`` (idempotent)."""
    from loaders.landing import land_files  # the file-landing module owned by the loaders

    totals = LandingTotals()
    for res in land_files(con, LANDING_KIND, paths):
        totals.files += 1
        totals.rows_landed += res.rows_landed
        totals.rows_duplicate += res.rows_duplicate
        totals.rows_rejected += res.rows_rejected
        if res.error:
            totals.errors.append(f"{res.path}: {res.error}")
    return totals


def run_conversation_extract(
    client: GenesysClient,
    con: duckdb.DuckDBPyConnection | None,
    *,
    since: datetime | None,
    until: datetime | None,
    sync: bool = False,
    out_dir: Path | str,
    overlap: timedelta = DEFAULT_OVERLAP,
    land: bool = True,
    extractor_options: dict[str, Any] | None = None,
    open_db: Callable[[], duckdb.DuckDBPyConnection] | None = None,
) -> tuple[ExtractResult, LandingTotals | None]:
    """Extract the window, landing each day's (or query piece's) pages as soon as they are written and
    checkpointing the watermark after each: to the end of that day / piece (never past ``until``, never
    backwards). A failure (API error, job failed, landing error) stops the run with the watermark at the last
    complete day, so the next run without ``since`` starts there minus ``overlap``.

    ``con`` is held for the whole run; with ``open_db`` instead (``cx extract``), the warehouse is opened only
    to read the watermark and to land + checkpoint each day, and closed while the API is waited on, so
    ``dbt build`` or ``cx load`` can run beside a long extract."""
    source = SOURCE_QUERY if sync else SOURCE_JOBS
    if con is None and open_db is not None and since is None:
        with closing(open_db()) as short:
            since, until = resolve_window(short, source, since, until, overlap)
    else:
        since, until = resolve_window(con, source, since, until, overlap)
    writer = PageWriter(out_dir)
    extractor = ConversationExtractor(client, writer, **(extractor_options or {}))
    log.info("extracting conversations %s via %s", interval(since, until), "sync query" if sync else "jobs")
    result = ExtractResult(since, until, "query" if sync else "jobs")
    totals = LandingTotals() if land and (con is not None or open_db is not None) else None
    if sync:
        result.days = len(utc_days(since, until))
        units = [(start.date(), end, lambda s=start, e=end: extractor.extract_query_window(s, e, result))
                 for start, end in query_chunks(since, until, extractor.query_max_days)]
    else:
        units = [(day, min(day_bounds(day)[1], until), lambda d=day: extractor.extract_job_day(d, result))
                 for day in utc_days(since, until)]
    for day, done_until, fetch in units:
        if extractor.on_day:
            extractor.on_day(day)
        before = len(result.pages)
        fetch()
        if not sync:
            result.days += 1
        if totals is not None:
            with (nullcontext(con) if con is not None else closing(open_db())) as db:  # type: ignore[misc]
                _add(totals, land_pages(db, result.pages[before:]))
                if totals.errors:
                    raise ExtractError(
                        f"{len(totals.errors)} page file(s) could not be landed; the watermark stays at the last "
                        "complete day: "
                        + "; ".join(totals.errors[:3])
                    )
                if advance_watermark(db, source, done_until):
                    log.info("watermark %s -> %s", source, done_until.isoformat())
    return result, totals


def _add(totals: LandingTotals, more: LandingTotals) -> None:
    totals.files += more.files
    totals.rows_landed += more.rows_landed
    totals.rows_duplicate += more.rows_duplicate
    totals.rows_rejected += more.rows_rejected
    totals.errors.extend(more.errors)
