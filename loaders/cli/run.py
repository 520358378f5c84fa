"""`cx run`: the nightly run — extract since the watermark, land an inbox, dbt build, export — under a run lock,
logged in ops.runs (the orchestration is ``loaders.nightly``)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
from datetime import timedelta
from pathlib import Path

from rich.progress import Progress, TaskID
from rich.table import Table

from loaders.cli._options import add_db, add_quiet, add_wait, console, progress
from loaders.db import LOCKED_EXIT_CODE, WarehouseLockedError
from loaders.extract.intervals import parse_when
from loaders.extract.pages import DEFAULT_OUT
from loaders.genesys import GenesysClient, GenesysError
from loaders.nightly import (
    RUN_IN_PROGRESS_EXIT_CODE,
    RUN_LOCK_SUFFIX,
    STEPS,
    NightlyRun,
    Reporter,
    RunConfigError,
    RunInProgressError,
    RunOptions,
    StepResult,
    make_plan,
    plan_lines,
)

log = logging.getLogger(__name__)

EPILOG = f"""steps, in order (a failed step stops the run; the later ones are recorded as skipped):
  extract  conversation details since the watermark (raw._extract_state) minus --overlap-days, one async job
           per complete UTC day up to the details jobs' dataAvailabilityDate
           (GET /api/v2/analytics/conversations/details/jobs/availability): never past it; when no complete
           day after the watermark is available yet, the step is 'nothing_new'. --skip-extract: no API call
           (and no GENESYS_* credentials needed when --skip-export too)
  land     every file of --inbox DIR in the docs/sources.md layout (customers/, crm/, marketing/, genesys/…),
           idempotently: files landed before land nothing new; rejects go to raw._rejects
  build    dbt build of this project on the same warehouse (CX_DUCKDB_PATH, DBT_PROFILES_DIR set for it;
           --full-refresh, --select, --exclude passed through); cx run does not hold the DuckDB file meanwhile
  export   cx export over every target (only rows whose payload changed since their last acknowledged send)

Every step, and the run as a whole (step 'run'), is a row of ops.runs: run_id, step, started_at,
finished_at (UTC), rows (conversations extracted, rows landed, nodes built or passed, units exported),
status (running while in progress; then ok, failed, skipped or nothing_new) and message. Nothing in
ops.* is read by dbt.

The run lock is <warehouse>{RUN_LOCK_SUFFIX} (flock, released by the kernel when the holder exits or is
killed, so a lock file left behind never blocks); a second cx run while it is held exits at once with
{RUN_IN_PROGRESS_EXIT_CODE}, naming the holder's pid and start time, and changes nothing.

examples:
  cx run --since 2024-05-01 --inbox /srv/cx/inbox     first run: no watermark yet
  cx run --inbox /srv/cx/inbox                        every night (cron / systemd timer)
  cx run --skip-extract --skip-export --inbox DIR     a site that only drops files
  cx run --dry-run --inbox /srv/cx/inbox              print the plan, change nothing

environment: GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET (unless --skip-extract and --skip-export),
GENESYS_REGION or GENESYS_API_BASE_URL / GENESYS_LOGIN_BASE_URL; CX_DUCKDB_PATH; DBT_PROFILES_DIR
(default: the project directory); DBT_TARGET_PATH / DBT_LOG_PATH (dbt's own); CX_REFERENCE_TIME (dbt's
'now'); CX_DUCKDB_WAIT_S (default for --wait).

exit codes: 0 every step ok, skipped or nothing new; 1 a step failed (the message names it and what to
do) or the run was interrupted (SIGINT / SIGTERM: recorded in ops.runs as a failed step); 2 bad
arguments or configuration (no watermark and no --since, missing credentials, no dbt);
{LOCKED_EXIT_CODE} the warehouse (DuckDB file) is locked by another process (see --wait);
{RUN_IN_PROGRESS_EXIT_CODE} another cx run holds the run lock (EX_TEMPFAIL: try again later)."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="the nightly run: extract, land, dbt build, export (run lock, ops.runs, exit codes)",
        description=(
            "Run the whole pipeline once, as a scheduler would every night: extract conversations since the "
            "watermark (up to the data availability date), land the files of an inbox, dbt build, export to "
            "Genesys Cloud. One run at a time per warehouse; every step is logged in ops.runs."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_db(p)
    p.add_argument("--inbox", type=Path, default=None, metavar="DIR",
                   help="land the CRM / marketing / customer export files under DIR (docs/sources.md layout)")
    p.add_argument("--since", type=parse_when,
                   help="extract from this date (first run, or a backfill); default: the watermark minus the overlap")
    p.add_argument("--until", type=parse_when,
                   help="extract up to this time at most (default: now); never past the availability date")
    p.add_argument("--overlap-days", type=float,
                   default=float(os.environ.get("CX_EXTRACT_OVERLAP_DAYS", "2")),
                   help="re-extract this many days before the watermark (default: $CX_EXTRACT_OVERLAP_DAYS or 2)")
    p.add_argument("--pages-dir", type=Path, default=DEFAULT_OUT,
                   help=f"where extracted pages are written (default: {DEFAULT_OUT})")
    p.add_argument("--poll-interval", type=float, default=2.0, help="seconds between job status polls")
    p.add_argument("--job-page-size", type=int, default=None, help="results pageSize for jobs (default: API's)")
    p.add_argument("--skip-extract", action="store_true", help="no extraction (sites that only drop files)")
    p.add_argument("--skip-build", action="store_true", help="no dbt build (export then reads the last build)")
    p.add_argument("--skip-export", action="store_true", help="no export to Genesys Cloud")
    p.add_argument("--full-refresh", action="store_true", help="dbt build --full-refresh (incremental models and "
                                                               "seeds rebuilt whole)")
    p.add_argument("--select", nargs="+", default=[], metavar="SPEC", help="dbt build --select SPEC…")
    p.add_argument("--exclude", nargs="+", default=[], metavar="SPEC", help="dbt build --exclude SPEC…")
    p.add_argument("--unit-tests", action="store_true",
                   help="run dbt's unit tests too (default: left out, `--exclude resource_type:unit_test`: they test "
                        "the SQL, not the data, and belong in CI)")
    p.add_argument("--project-dir", type=Path, default=None, help="the dbt project (default: this project)")
    p.add_argument("--profiles-dir", type=Path, default=None,
                   help="dbt profiles directory (default: $DBT_PROFILES_DIR or the project directory)")
    p.add_argument("--strict", action="store_true", help="the land step fails when any record or file is rejected")
    p.add_argument("--dry-run", action="store_true",
                   help="print the plan (watermark, availability date, window, inbox files and whether each is "
                        "already landed, the dbt command, export targets); change nothing")
    add_wait(p)
    add_quiet(p)
    p.set_defaults(func=run)


def _options(args: argparse.Namespace) -> RunOptions:
    return RunOptions(
        db=args.db, inbox=args.inbox, since=args.since, until=args.until,
        overlap=timedelta(days=args.overlap_days), pages_dir=args.pages_dir, poll_interval_s=args.poll_interval,
        job_page_size=args.job_page_size, skip_extract=args.skip_extract, skip_build=args.skip_build,
        skip_export=args.skip_export, full_refresh=args.full_refresh, select=list(args.select),
        exclude=list(args.exclude), unit_tests=args.unit_tests, project_dir=args.project_dir,
        profiles_dir=args.profiles_dir, strict=args.strict, wait_s=args.wait,
    )


def run(args: argparse.Namespace) -> int:
    err = console(stderr=True)

    def fail(exc: BaseException, code: int) -> int:
        err.print(f"[red]cx run:[/red] {exc}", highlight=False, soft_wrap=True)
        return code

    if args.overlap_days < 0:
        return fail(ValueError("--overlap-days must be 0 or more"), 2)
    options = _options(args)
    client_factory = None
    if options.enabled("extract") or (options.enabled("export") and not args.dry_run):
        try:
            GenesysClient.from_env().close()  # every GENESYS_* value checked before anything starts
        except GenesysError as exc:
            return fail(exc, 2)
        client_factory = GenesysClient.from_env
    if args.dry_run:
        return _dry_run(options, client_factory, fail)
    bar = progress(err, quiet=args.quiet, transient=True)
    reporter = _CliReporter(bar)
    nightly = NightlyRun(options, client_factory, reporter)
    previous = signal.signal(signal.SIGTERM, _terminated)  # a scheduler's stop is recorded like Ctrl-C
    try:
        with bar:
            outcome = nightly.run()
    except RunInProgressError as exc:
        return fail(exc, RUN_IN_PROGRESS_EXIT_CODE)
    except RunConfigError as exc:
        return fail(exc, 2)
    except WarehouseLockedError as exc:
        return fail(exc, LOCKED_EXIT_CODE)
    except KeyboardInterrupt:  # between steps: the steps recorded so far stay in ops.runs
        return fail(RuntimeError("interrupted (SIGINT / SIGTERM)"), 1)
    finally:
        signal.signal(signal.SIGTERM, previous)
    _summary(outcome.run_id, [*outcome.results, outcome.run])
    failed = outcome.failed
    if failed is not None:
        err.print(f"[red]cx run: the {failed.step} step failed:[/red] {failed.message}", highlight=False,
                  soft_wrap=True)
        return LOCKED_EXIT_CODE if outcome.locked else 1
    if outcome.locked:
        return LOCKED_EXIT_CODE
    return 0


def _terminated(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _dry_run(options: RunOptions, client_factory, fail) -> int:  # type: ignore[no-untyped-def]
    try:
        plan = make_plan(options, client_factory)
    except RunConfigError as exc:
        return fail(exc, 2)
    except WarehouseLockedError as exc:
        return fail(exc, LOCKED_EXIT_CODE)
    except GenesysError as exc:
        return fail(exc, 1)
    table = Table(title="cx run --dry-run: the plan (nothing was changed)", show_header=False)
    table.add_column("what", style="bold")
    table.add_column("value", overflow="fold")
    for what, value in plan_lines(plan):
        table.add_row(what, value)
    console(width=160).print(table)
    log.info("dry run: %d inbox files (%d already landed), %d export targets", len(plan.inbox),
             sum(landed for _, _, landed in plan.inbox), len(plan.export_targets))
    return 0


class _CliReporter(Reporter):
    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.tasks: dict[str, TaskID] = {}

    def step_started(self, step: str, total: int | None, description: str) -> None:
        if step in self.tasks:
            self.bar.update(self.tasks[step], total=total, description=description)
        else:
            self.tasks[step] = self.bar.add_task(description, total=total)

    def step_progress(self, step: str, *, advance: int = 0, completed: int | None = None,
                      total: int | None = None, description: str | None = None) -> None:
        task = self.tasks.get(step)
        if task is None:
            return
        fields: dict[str, object] = {}
        if completed is not None:
            fields["completed"] = completed
        if total is not None:
            fields["total"] = total
        if description is not None:
            fields["description"] = description
        if advance:
            fields["advance"] = advance
        self.bar.update(task, **fields)  # type: ignore[arg-type]

    def step_output(self, step: str, line: str) -> None:
        log.debug("dbt: %s", line)

    def step_finished(self, result: StepResult) -> None:
        task = self.tasks.pop(result.step, None)
        if task is not None:
            self.bar.remove_task(task)
        colour = {"ok": "green", "failed": "red", "nothing_new": "cyan"}.get(result.status, "yellow")
        rows = "" if result.rows is None else f", {result.rows} rows"
        self.bar.console.print(f"[{colour}]{result.step}: {result.status}[/{colour}]{rows} "
                               f"({result.seconds:.1f}s)", highlight=False)


def _summary(run_id: str, results: list[StepResult]) -> None:
    table = Table(title=f"cx run {run_id}")
    for column in ("step", "status", "rows", "seconds", "details"):
        table.add_column(column, justify="right" if column in ("rows", "seconds") else "left",
                         overflow="fold")
    order = {s: i for i, s in enumerate((*STEPS, "run"))}
    for r in sorted(results, key=lambda r: order.get(r.step, 99)):
        details = ", ".join(f"{k} {v}" for k, v in r.details.items()) if r.details else r.message.split("\n")[0]
        table.add_row(r.step, r.status, "" if r.rows is None else str(r.rows), f"{r.seconds:.1f}", details)
    console(width=160).print(table)
