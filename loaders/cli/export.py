"""`cx export`: push the export__* marts back to Genesys Cloud, exactly once in effect, resumable."""

from __future__ import annotations

import argparse
import logging
import os
from datetime import timedelta
from pathlib import Path

from rich.progress import TaskID
from rich.table import Table

from exporter.runner import Exporter, ExportOptions, TargetSummary
from exporter.targets import TARGETS
from loaders.cli._options import add_db, add_quiet, add_wait, console, open_failed, progress
from loaders.db import LOCKED_EXIT_CODE, WarehouseLockedError, db_path
from loaders.genesys import GenesysClient, GenesysError

log = logging.getLogger(__name__)

DEFAULT_DRY_RUN_DIR = Path("export-dry-run")

EPILOG = """targets (each reads models/marts/export/export__<target>.sql, built by dbt):
""" + "\n".join(f"  {t.name:<24} {t.description}\n  {'':<24} {t.endpoint}, ≤ {t.max_units} per request"
                for t in TARGETS.values()) + """

A row is sent when its payload_hash differs from the last one the API acknowledged (ops.export_state);
state is committed per acknowledged request, so an interrupted run resumes where it stopped. The DuckDB
file's lock is taken only to read pending rows (in chunks) and for each commit (a few ms), never while
requests are in flight, so dbt build and cx load can run beside an export. --wait SECONDS is how long the
first access waits for the lock; later commits wait at least 600 s (sending nothing meanwhile), and if the
lock is still held the run stops with exit code 3: the units acknowledged since the last commit go out
again on the next run, with the same payloads. Refused units
go to ops.export_dead_letters (with the full payload, personal data included, unless --redact) and are
sent again on later runs until they are older than --dead-letter-max-age-hours. Dry-run files are created
0600 (the directory 0700 when the run creates it). Logs carry counts and HTTP statuses only: no keys,
payloads or personal data.

examples:
  cx export                                        every target whose mart is built
  cx export --target participant_attributes --limit 100
  cx export --dry-run --out /tmp/export            write the requests it would send, change nothing

environment: GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET (required unless --dry-run), GENESYS_REGION
(default us-east-1) or GENESYS_API_BASE_URL / GENESYS_LOGIN_BASE_URL; GENESYS_REQUESTS_PER_MINUTE and
GENESYS_RATE_WINDOW_S override the rate limit (default 300 per 60 s; for fakes and benchmarks);
CX_EXPORT_DEAD_LETTER_MAX_AGE_HOURS (default 24); CX_DUCKDB_WAIT_S (default for --wait).

exit codes: 0 every target done (or not built); 1 a target stopped or the run aborted (the message names
the target and why; unsent rows go out on the next run); 2 bad arguments or configuration (a GENESYS_*
value, missing credentials); """ + f"""{LOCKED_EXIT_CODE} the warehouse is locked by another process (the
message names it: program and PID) and stayed locked for --wait seconds."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="push the export marts back to Genesys Cloud (idempotent, resumable)",
        description=(
            "Send the rows of the export__* marts that changed since their last acknowledged send to Genesys "
            "Cloud, batched where the API allows, within the token's rate limit, with a summary per target "
            "(sent, unchanged, retried, dead-lettered)."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--target", action="append", choices=list(TARGETS), metavar="TARGET",
                   help=f"export only this target (repeatable; default: all). One of: {', '.join(TARGETS)}")
    p.add_argument("--dry-run", action="store_true",
                   help="write the requests that would be sent to <out>/<target>.ndjson; send and change nothing. "
                        "The files hold the full payloads, personal data included (names, e-mail addresses, "
                        "phone numbers, addresses): they are created 0600, in a directory created 0700")
    p.add_argument("--out", type=Path, default=DEFAULT_DRY_RUN_DIR,
                   help=f"directory for --dry-run files (default: {DEFAULT_DRY_RUN_DIR}; an existing directory "
                        "keeps its permissions)")
    p.add_argument("--redact", action="store_true",
                   help="replace personal data (names, e-mail addresses, phone numbers, street / city / postal "
                        "code) in the --dry-run files and in the dead letters this run writes with "
                        "'[redacted]'; keys, ids, flags and scores are kept (what is sent is unchanged)")
    p.add_argument("--limit", type=int, default=None, metavar="N", help="send at most N rows per target")
    add_db(p)
    p.add_argument("--schema", default="marts", help="schema of the export marts (default: marts)")
    p.add_argument("--workers", type=int, default=4,
                   help="requests in flight at once; the client still keeps to the rate limit (default: 4)")
    p.add_argument("--dead-letter-max-age-hours", type=float,
                   default=float(os.environ.get("CX_EXPORT_DEAD_LETTER_MAX_AGE_HOURS", "24")),
                   help="stop re-sending a dead letter this long after its first failure (default: 24)")
    p.add_argument("--not-found-retries", type=int, default=3,
                   help="404 'conversation not yet visible': sends again before dead-lettering (default: 3)")
    p.add_argument("--not-found-backoff", type=float, default=2.0,
                   help="seconds before the first 404 retry, doubled each time (default: 2)")
    p.add_argument("--retry-backoff", type=float, default=5.0,
                   help="seconds before re-sending a batch whose retry budget ran out (default: 5)")
    add_wait(p)
    add_quiet(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    err = console(stderr=True)
    if args.limit is not None and args.limit < 0:
        err.print("[red]cx export:[/red] --limit must be 0 or more")
        return 2
    options = ExportOptions(
        dry_run=args.dry_run,
        dry_run_dir=args.out,
        limit=args.limit,
        workers=args.workers,
        schema=args.schema,
        dead_letter_max_age=timedelta(hours=args.dead_letter_max_age_hours),
        not_found_retries=args.not_found_retries,
        not_found_backoff_s=args.not_found_backoff,
        transient_backoff_s=args.retry_backoff,
        wait_s=args.wait,
        redact=args.redact,
    )
    try:
        # every GENESYS_* variable (the rate-limit overrides too) is read by GenesysSettings.from_env
        client = None if args.dry_run else GenesysClient.from_env()
    except GenesysError as exc:
        err.print(f"[red]cx export:[/red] {exc}", highlight=False, soft_wrap=True)
        return 2
    try:
        # the warehouse's lock is taken per read / commit only, never while the API is waited on
        exporter = Exporter(db_path(args.db), client, options)
    except (WarehouseLockedError, ValueError, FileNotFoundError) as exc:
        if client is not None:
            client.close()
        return open_failed(err, "export", exc)
    bar = progress(err, quiet=args.quiet, label="[bold]{task.description:<24}")
    tasks: dict[str, TaskID] = {}

    def on_progress(event: str, target: str, amount: int) -> None:
        if event == "start":
            tasks[target] = bar.add_task(target, total=amount)
        elif target in tasks:
            bar.advance(tasks[target], amount)

    exporter.progress = on_progress
    try:
        with bar:
            summaries = exporter.run(args.target)
    finally:
        exporter.close()
        if client is not None:
            client.close()
    _summary(summaries, client, args.dry_run)
    failed = [s for s in summaries if s.status in ("stopped", "aborted")]
    for s in failed:
        err.print(f"[red]{s.target}: {s.status}:[/red] {s.message}", highlight=False, soft_wrap=True)
    if any(s.locked for s in summaries):
        return LOCKED_EXIT_CODE
    return 1 if failed else 0


def _summary(summaries: list[TargetSummary], client: GenesysClient | None, dry_run: bool) -> None:
    table = Table(title="cx export" + (" (dry run: nothing sent)" if dry_run else ""))
    for column in ("target", "status", "rows", "sent", "unchanged", "retried", "dead-lettered", "expired",
                   "unsent", "requests", "seconds"):
        table.add_column(column, justify="left" if column in ("target", "status") else "right")
    for s in summaries:
        table.add_row(s.target, s.status, str(s.total), str(s.pending if dry_run else s.sent), str(s.unchanged),
                      str(s.retried), str(s.dead_lettered), str(s.expired), str(s.unsent), str(s.requests),
                      f"{s.seconds:.1f}")
    console(width=160).print(table)
    for s in summaries:
        if s.status in ("dry run", "not built"):
            log.info("%s: %s", s.target, s.message)
    if client is not None:
        stats = client.stats
        log.info("client: %d requests, %d retries, %d 429s, %d 5xx, %d network errors, %.1fs throttled",
                 stats.requests, stats.retries, stats.rate_limited, stats.server_errors, stats.network_errors,
                 stats.throttle_wait_s)
