"""`cx extract conversations`: Genesys Cloud conversation details -> page files -> raw.genesys_conversations."""

from __future__ import annotations

import argparse
import logging
import os
from datetime import date, datetime, timedelta
from pathlib import Path

from rich.progress import TextColumn
from rich.table import Table

from loaders.cli._options import add_db, add_quiet, add_wait, console, open_failed, progress
from loaders.db import LOCKED_EXIT_CODE, WarehouseLockedError, connect, default_wait
from loaders.extract.conversations import (
    DEFAULT_OVERLAP,
    SOURCE_JOBS,
    SOURCE_QUERY,
    ExtractError,
    ExtractResult,
    LandingTotals,
    PageEvent,
    resolve_window,
    run_conversation_extract,
)
from loaders.extract.intervals import parse_when, query_chunks, utc_days
from loaders.extract.pages import DEFAULT_OUT
from loaders.extract.reference import DEFAULT_OUT as REFERENCE_OUT
from loaders.extract.reference import ENTITY_TYPES, ReferenceResult, run_reference_extract
from loaders.extract.users_status import DEFAULT_OUT as USERS_OUT
from loaders.extract.users_status import DEFAULT_OVERLAP as USERS_OVERLAP
from loaders.extract.users_status import resolve_since, run_users_status_extract
from loaders.genesys import GenesysClient, GenesysError

log = logging.getLogger(__name__)

RUN_WAIT_S = 600.0  # after the first open, each day's landing waits at least this long for the lock

EPILOG = """examples:
  cx extract conversations --since 2024-05-01 --until 2024-05-08     one details job per UTC day
  cx extract conversations                                          from the watermark minus the overlap
  cx extract conversations --sync --since 2024-05-14T12:00:00Z      near-real-time top-up (no attributes)

The watermark (raw._extract_state) is checkpointed after every completed UTC day (job) or query piece, so a
run that fails on day 3 of 5 starts again at day 3 minus the overlap; it never moves backwards. The DuckDB
file is opened only to read the watermark and to land + checkpoint each day, not while the API is waited
on; --wait SECONDS is how long the first open waits for the lock, each later one waits at least 600 s.

environment: GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET (required), GENESYS_REGION (default us-east-1)
or GENESYS_API_BASE_URL / GENESYS_LOGIN_BASE_URL (e.g. a fake: python -m loaders.synthetic.fake_genesys);
GENESYS_REQUESTS_PER_MINUTE and GENESYS_RATE_WINDOW_S override the rate limit (default 300 per 60 s).

exit codes: 0 done; 1 the extract failed (API error, job failed, landing error: the message says which);
2 bad arguments or configuration (no watermark and no --since, a bad GENESYS_* value);
""" + f"""{LOCKED_EXIT_CODE} the warehouse is locked by another process (the message names it; see --wait)."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "extract",
        help="extract from the Genesys Cloud API into page files and raw.*",
        description="Extract data from the Genesys Cloud API, write every page as received, land it into raw.*.",
    )
    targets = p.add_subparsers(dest="target", metavar="TARGET")
    c = targets.add_parser(
        "conversations",
        help="conversation details (async jobs per UTC day, or the sync query with --sync)",
        description=(
            "Extract analytics conversation details for [--since, --until) (UTC; a bare date is midnight "
            "UTC; --until is exclusive, default now). Without --since, start from the last watermark in "
            "raw._extract_state minus the overlap, so conversations that were live last time are fetched "
            "again complete. Pages are written under --out and landed into raw.genesys_conversations."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    c.add_argument("--since", type=parse_when, help="window start (date or ISO timestamp, UTC)")
    c.add_argument("--until", type=parse_when, help="window end, exclusive (default: now)")
    c.add_argument("--sync", action="store_true",
                   help="use the synchronous details query (short windows; no participant attributes)")
    add_db(c)
    c.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"page directory (default: {DEFAULT_OUT})")
    c.add_argument(
        "--overlap-days",
        type=float,
        default=float(os.environ.get("CX_EXTRACT_OVERLAP_DAYS", DEFAULT_OVERLAP.days)),
        help="re-extract this many days before the watermark (default: $CX_EXTRACT_OVERLAP_DAYS or 2)",
    )
    c.add_argument("--no-land", action="store_true", help="only write page files; do not land or move the watermark")
    c.add_argument("--poll-interval", type=float, default=2.0, help="seconds between job status polls")
    c.add_argument("--job-page-size", type=int, default=None, help="results pageSize for jobs (default: API's)")
    add_wait(c)
    add_quiet(c)
    c.set_defaults(func=run_conversations)
    r = targets.add_parser(
        "reference",
        help="reference data: users, queues (+ members, media settings), wrap-up codes, divisions, flows, …",
        description=(
            "Extract a full snapshot of Genesys Cloud reference entities (" + ", ".join(ENTITY_TYPES) + "), "
            "compare it with what raw.genesys_reference holds and land only the changes: new or changed entities, "
            "and a tombstone for every entity a complete snapshot no longer lists (deleted entities are marked "
            "deleted, never dropped). A re-run with no change lands nothing. The changes are written under --out "
            "as NDJSON (docs/sources.md) and landed like cx load."
        ),
        epilog="environment: as for cx extract conversations (GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET, "
               "GENESYS_REGION or GENESYS_API_BASE_URL / GENESYS_LOGIN_BASE_URL).\n\nexit codes: 0 done; 1 the "
               f"extract failed; 2 bad arguments or configuration; {LOCKED_EXIT_CODE} the warehouse is locked.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    r.add_argument("--types", default=",".join(ENTITY_TYPES),
                   help="comma-separated entity types to extract (default: all)")
    add_db(r)
    r.add_argument("--out", type=Path, default=REFERENCE_OUT, help=f"change files (default: {REFERENCE_OUT})")
    r.add_argument("--no-land", action="store_true",
                   help="only write the snapshot as a change file against nothing; do not open the warehouse")
    add_wait(r)
    add_quiet(r)
    r.set_defaults(func=run_reference)
    u = targets.add_parser(
        "users-status",
        help="agents' presence and routing-status history (users details jobs, one per UTC day)",
        description=(
            "Extract user presence (primaryPresence) and ACD routing status (routingStatus) records for "
            "[--since, --until) with one users details job per UTC day (POST /api/v2/analytics/users/details/jobs, "
            "results by cursor), write each day under --out as NDJSON and land it into raw.genesys_user_details. "
            "Without --since, start from the watermark minus one day (records still open last time)."
        ),
        epilog="environment and exit codes: as for cx extract conversations.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    u.add_argument("--since", type=parse_when, help="window start (date or ISO timestamp, UTC)")
    u.add_argument("--until", type=parse_when, help="window end, exclusive (default: now)")
    add_db(u)
    u.add_argument("--out", type=Path, default=USERS_OUT, help=f"day files (default: {USERS_OUT})")
    u.add_argument("--no-land", action="store_true", help="only write the day files")
    u.add_argument("--poll-interval", type=float, default=2.0, help="seconds between job status polls")
    add_wait(u)
    add_quiet(u)
    u.set_defaults(func=run_users_status)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def run_conversations(args: argparse.Namespace) -> int:
    err = console(stderr=True)
    try:
        # a short first open: reads the watermark, and a locked warehouse is reported before any API call
        con = None if args.no_land else connect(args.db, wait=args.wait)
        run_wait = max(RUN_WAIT_S, args.wait if args.wait is not None else default_wait())
    except (WarehouseLockedError, ValueError) as exc:
        return open_failed(err, "extract conversations", exc)
    overlap = timedelta(days=args.overlap_days)
    try:
        since, until = resolve_window(con, SOURCE_QUERY if args.sync else SOURCE_JOBS, args.since, args.until,
                                      overlap)
        client = GenesysClient.from_env()
    except (ExtractError, GenesysError) as exc:
        err.print(f"[red]cx extract conversations:[/red] {exc}", highlight=False, soft_wrap=True)
        return 2
    finally:
        if con is not None:
            con.close()  # not held while the API is waited on: each day opens it to land and checkpoint
    open_db = None if args.no_land else (lambda: connect(args.db, wait=run_wait))
    units = len(query_chunks(since, until)) if args.sync else len(utc_days(since, until))
    bar = progress(err, quiet=args.quiet, transient=True,
                   extra=(TextColumn("{task.fields[pages]} pages, {task.fields[conversations]} conversations"),))
    task = bar.add_task("conversations", total=units, pages=0, conversations=0)
    seen_days: list[date] = []

    def on_day(day: date) -> None:
        if seen_days:
            bar.advance(task)
        seen_days.append(day)
        bar.update(task, description=f"{'query' if args.sync else 'job'} {day.isoformat()}")

    def on_page(event: PageEvent) -> None:
        fields = bar.tasks[0].fields
        bar.update(task, pages=fields["pages"] + 1, conversations=fields["conversations"] + event.conversations)

    options = {"poll_interval_s": args.poll_interval, "job_page_size": args.job_page_size,
               "on_day": on_day, "on_page": on_page}
    status = 0
    result = totals = None
    try:
        with client, bar:
            result, totals = run_conversation_extract(
                client, None, since=since, until=until, sync=args.sync, out_dir=args.out, overlap=overlap,
                land=not args.no_land, extractor_options=options, open_db=open_db,
            )
            bar.advance(task)
    except (ExtractError, GenesysError) as exc:
        err.print(f"[red]cx extract conversations failed:[/red] {exc}", highlight=False, soft_wrap=True)
        status = 1
    except WarehouseLockedError as exc:
        err.print(f"[red]cx extract conversations:[/red] {exc}", highlight=False, soft_wrap=True)
        status = LOCKED_EXIT_CODE
    _summary(args, since, until, client, result, totals)
    return status


def _summary(args: argparse.Namespace, since: datetime, until: datetime, client: GenesysClient,
             result: ExtractResult | None, totals: LandingTotals | None) -> None:
    table = Table(title=f"conversations {since:%Y-%m-%d %H:%M} → {until:%Y-%m-%d %H:%M} UTC "
                        f"({'sync query' if args.sync else 'jobs'})", show_header=False)
    stats = client.stats
    rows: list[tuple[str, object]] = []
    if result is not None:
        rows += [("days", result.days), ("jobs" if not args.sync else "queries",
                                         result.jobs if not args.sync else result.queries),
                 ("pages", len(result.pages)), ("conversations", result.conversations),
                 ("unique conversations", result.unique_conversations)]
    rows += [("requests", stats.requests), ("retries", stats.retries), ("429s", stats.rate_limited),
             ("5xx", stats.server_errors), ("network errors", stats.network_errors),
             ("throttle wait (s)", f"{stats.throttle_wait_s:.1f}")]
    if totals is not None:
        rows += [("rows landed", totals.rows_landed), ("rows duplicate", totals.rows_duplicate),
                 ("rows rejected", totals.rows_rejected)]
    for name, value in rows:
        table.add_row(name, str(value))
    console().print(table)
    log.info("extract summary: %s", ", ".join(f"{n}={v}" for n, v in rows))


def run_reference(args: argparse.Namespace) -> int:
    err = console(stderr=True)
    types = tuple(t.strip() for t in args.types.split(",") if t.strip())
    unknown = sorted(set(types) - set(ENTITY_TYPES))
    if not types or unknown:
        err.print(f"[red]cx extract reference:[/red] unknown type(s) {', '.join(unknown) or '(none given)'}; "
                  f"known: {', '.join(ENTITY_TYPES)}", highlight=False, soft_wrap=True)
        return 2
    try:
        if not args.no_land:  # a locked warehouse is reported before any API call
            connect(args.db, wait=args.wait).close()
        client = GenesysClient.from_env()
    except (WarehouseLockedError, ValueError, GenesysError) as exc:
        return open_failed(err, "extract reference", exc)
    run_wait = max(RUN_WAIT_S, args.wait if args.wait is not None else default_wait())
    open_db = None if args.no_land else (lambda: connect(args.db, wait=run_wait))
    bar = progress(err, quiet=args.quiet, transient=True)
    task = bar.add_task("reference", total=len(types))
    status, result = 0, None
    try:
        with client, bar:
            result = run_reference_extract(
                client, types=types, out_dir=args.out, open_db=open_db,
                on_type=lambda t: bar.update(task, description=t, completed=min(
                    len(types), sum(1 for x in ENTITY_TYPES[:ENTITY_TYPES.index(t)] if x in types))),
            )
            bar.update(task, completed=len(types))
        if result.errors:
            err.print("[red]cx extract reference:[/red] " + "; ".join(result.errors), highlight=False, soft_wrap=True)
            status = 1
    except (ExtractError, GenesysError) as exc:
        err.print(f"[red]cx extract reference failed:[/red] {exc}", highlight=False, soft_wrap=True)
        status = 1
    except WarehouseLockedError as exc:
        err.print(f"[red]cx extract reference:[/red] {exc}", highlight=False, soft_wrap=True)
        status = LOCKED_EXIT_CODE
    _reference_summary(client, result)
    return status


def _reference_summary(client: GenesysClient, result: ReferenceResult | None) -> None:
    table = Table(title="reference snapshot")
    for column in ("type", "fetched", "pages", "new or changed", "deleted", "complete"):
        table.add_column(column)
    if result is not None:
        for res in result.types.values():
            table.add_row(res.entity_type, str(res.fetched), str(res.pages), str(res.changed), str(res.deleted),
                          "yes" if res.complete else "no (no deletes detected)")
    out = console()
    out.print(table)
    stats = client.stats
    landed = (f"rows landed {result.rows_landed}, duplicate {result.rows_duplicate}, rejected "
              f"{result.rows_rejected}; file {result.file or '(nothing changed)'}") if result else "nothing landed"
    out.print(f"requests {stats.requests}, retries {stats.retries}, 429s {stats.rate_limited}; {landed}",
              highlight=False, soft_wrap=True)
    log.info("reference extract: requests=%d %s", stats.requests, landed)


def run_users_status(args: argparse.Namespace) -> int:
    err = console(stderr=True)
    try:
        con = None if args.no_land else connect(args.db, wait=args.wait)
    except (WarehouseLockedError, ValueError) as exc:
        return open_failed(err, "extract users-status", exc)
    try:
        since = resolve_since(con, args.since, USERS_OVERLAP)
        until = args.until or datetime.now(since.tzinfo)
        if until <= since:
            raise ExtractError(f"empty window: --until {until.isoformat()} is not after {since.isoformat()}")
        client = GenesysClient.from_env()
    except (ExtractError, GenesysError) as exc:
        err.print(f"[red]cx extract users-status:[/red] {exc}", highlight=False, soft_wrap=True)
        return 2
    finally:
        if con is not None:
            con.close()
    run_wait = max(RUN_WAIT_S, args.wait if args.wait is not None else default_wait())
    open_db = None if args.no_land else (lambda: connect(args.db, wait=run_wait))
    bar = progress(err, quiet=args.quiet, transient=True)
    task = bar.add_task("users details", total=len(utc_days(since, until)))
    status, result = 0, None
    try:
        with client, bar:
            result = run_users_status_extract(
                client, since=since, until=until, out_dir=args.out, open_db=open_db,
                poll_interval_s=args.poll_interval,
                on_day=lambda d: bar.update(task, description=f"job {d.isoformat()}", advance=1),
            )
    except (ExtractError, GenesysError) as exc:
        err.print(f"[red]cx extract users-status failed:[/red] {exc}", highlight=False, soft_wrap=True)
        status = 1
    except WarehouseLockedError as exc:
        err.print(f"[red]cx extract users-status:[/red] {exc}", highlight=False, soft_wrap=True)
        status = LOCKED_EXIT_CODE
    stats = client.stats
    done = (f"{result.days} days, {result.jobs} jobs, {result.pages} pages, {result.user_details} user-days; rows "
            f"landed {result.rows_landed}, duplicate {result.rows_duplicate}, rejected {result.rows_rejected}"
            if result else "nothing landed")
    console().print(f"users status {since:%Y-%m-%d %H:%M} → {until:%Y-%m-%d %H:%M} UTC: {done}; requests "
                    f"{stats.requests}, retries {stats.retries}, 429s {stats.rate_limited}", highlight=False,
                    soft_wrap=True)
    log.info("users-status extract: %s", done)
    return status
