"""The nightly run (`cx run`): extract conversations since the watermark, land an inbox of files, `dbt build`,
export — one command a scheduler starts, under a run lock, every step logged in ``ops.runs``.

Steps, in order (``STEPS``); a failed step stops the run and the later steps are recorded as skipped:

* ``extract`` — conversation details through async jobs (``run_conversation_extract``), from the watermark in
  ``raw._extract_state`` minus the overlap, up to the details jobs' ``dataAvailabilityDate``
  (``GET …/details/jobs/availability``), in complete UTC days only: a day is extracted once the data lake holds
  all of it. When no complete day after the watermark is available yet, the step says so (``nothing_new``).
* ``land`` — the files of an inbox directory (CRM, marketing, customer exports; docs/sources.md layout) with
  ``land_directory``: idempotent, so files landed before land nothing new.
* ``build`` — ``dbt build`` as a subprocess against this project, on the same warehouse (``CX_DUCKDB_PATH``).
  Nothing in this process holds the DuckDB file while dbt runs.
* ``export`` — the exporter (``exporter.runner.Exporter``) over every target.

The run lock is ``<warehouse>.cx-run.lock``, taken with ``flock`` (non-blocking): a second run while it is held
stops at once (``RunInProgressError``, exit code ``RUN_IN_PROGRESS_EXIT_CODE``) and changes nothing. The lock
belongs to the open file, so the kernel releases it when the holder dies, however it dies: a lock file left by
a killed run never blocks (its content, pid / host / start time, only names the holder for messages).

``ops.runs`` (one row per run and step: ``step`` = 'run' for the whole run) is written with a short
connection at each step boundary, never held across ``dbt build``; like everything in ``ops.*`` it is never a
dbt source. Logs carry counts, dates and statuses only: no personal data, no secrets.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import uuid
from collections import deque
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

import duckdb

from loaders.db import WarehouseLockedError, connect, db_path, default_wait
from loaders.extract.conversations import (
    DETAILS_JOBS,
    SOURCE_JOBS,
    ExtractError,
    run_conversation_extract,
)
from loaders.extract.intervals import iso, parse_when, utc_days
from loaders.extract.pages import DEFAULT_OUT
from loaders.extract.state import STATE_TABLE, get_watermark
from loaders.genesys import GenesysClient, GenesysError
from loaders.landing import FileResult, already_landed, discover, land_directory, landing_exit_status

log = logging.getLogger(__name__)

STEPS = ("extract", "land", "build", "export")
RUN_STEP = "run"  # the ops.runs row of the whole run
RUN_IN_PROGRESS_EXIT_CODE = 75  # EX_TEMPFAIL: "another cx run is in progress", try again later
RUN_LOCK_SUFFIX = ".cx-run.lock"
AVAILABILITY_PATH = f"{DETAILS_JOBS}/availability"
RUNS_TABLE = "ops.runs"
STEP_WAIT_S = 600.0  # after the first access, each step boundary waits at least this long for the DuckDB file
DEFAULT_OVERLAP = timedelta(days=2)
TAIL_LINES = 40  # dbt output kept for the failure message

# statuses in ops.runs
OK, FAILED, SKIPPED, NOTHING_NEW, RUNNING = "ok", "failed", "skipped", "nothing_new", "running"

RUNS_DDL = f"""
create table if not exists {RUNS_TABLE} (
    run_id varchar not null,
    step varchar not null,
    started_at timestamp,
    finished_at timestamp,
    rows bigint,
    status varchar not null,
    message varchar,
    primary key (run_id, step)
)
"""

_DBT_PROGRESS = re.compile(r"\b(\d+) of (\d+) (OK|PASS|WARN|ERROR|FAIL|SKIP)\b")
_DBT_DONE = re.compile(r"\bDone\. PASS=\d+.*")


class RunConfigError(Exception):
    """The run cannot start as configured (bad option, missing credentials, no watermark and no --since)."""


class RunInProgressError(Exception):
    """Another `cx run` holds the run lock of this warehouse."""

    def __init__(self, lock_file: Path, holder: dict[str, Any]) -> None:
        self.lock_file = lock_file
        self.holder = holder
        who = describe_holder(holder)
        super().__init__(
            f"another cx run is in progress on this warehouse ({who}; lock file {lock_file}). Nothing was "
            "changed: let it finish, the next scheduled run picks up from where it stops."
        )


def describe_holder(holder: dict[str, Any]) -> str:
    if not holder.get("pid"):
        return "its pid is not recorded yet"
    text = f"pid {holder['pid']}"
    if holder.get("host"):
        text += f" on {holder['host']}"
    if holder.get("started_at"):
        text += f", started {holder['started_at']}"
    return text


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _naive(ts: datetime | None) -> datetime | None:
    return None if ts is None else ts.astimezone(UTC).replace(tzinfo=None)


def new_run_id(now: datetime | None = None) -> str:
    return f"{(now or _utcnow()):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


# -- the run lock ------------------------------------------------------------------------------------------
def lock_path(db: str | os.PathLike) -> Path:
    """``<warehouse>.cx-run.lock``, beside the DuckDB file."""
    return Path(f"{os.path.abspath(db)}{RUN_LOCK_SUFFIX}")


def _read_holder(fd: int) -> dict[str, Any]:
    try:
        raw = os.pread(fd, 4096, 0)
        value = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


class RunLock:
    """An exclusive, non-blocking ``flock`` on ``<warehouse>.cx-run.lock`` for the whole run.

    The file descriptor is not inherited by child processes (``dbt build``), so only this process holds the
    lock and it is released when the process exits or is killed. The file's content (pid, host, start time,
    run id) is written after the lock is taken and cleared when it is released; it only names the holder."""

    def __init__(self, path: Path, fd: int, holder: dict[str, Any]) -> None:
        self.path = path
        self._fd = fd
        self.holder = holder

    @classmethod
    def acquire(cls, db: str | os.PathLike, run_id: str | None = None) -> RunLock:
        path = lock_path(db)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)  # no O_TRUNC: the holder's details stay readable
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise RunInProgressError(path, holder) from None
        except BaseException:
            os.close(fd)
            raise
        holder = {"pid": os.getpid(), "host": socket.gethostname(),
                  "started_at": _utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"), "run_id": run_id}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(holder) + "\n").encode("utf-8"), 0)
        os.fsync(fd)
        return cls(path, fd, holder)

    def release(self) -> None:
        if self._fd < 0:
            return
        try:
            os.ftruncate(self._fd, 0)
        except OSError:
            pass
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = -1

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def peek_run_lock(db: str | os.PathLike) -> str:
    """For plans only (never decides anything): who the lock file names, and whether that process still runs
    here. The real run decides with ``flock`` alone."""
    path = lock_path(db)
    if not path.exists():
        return "free"
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return "unknown (lock file not readable)"
    try:
        holder = _read_holder(fd)
    finally:
        os.close(fd)
    pid = holder.get("pid")
    if not pid:
        return "free"
    alive = holder.get("host") == socket.gethostname() and _pid_alive(int(pid))
    return f"held by {describe_holder(holder)}" if alive else f"free (stale lock file from {describe_holder(holder)})"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# -- ops.runs ----------------------------------------------------------------------------------------------
def ensure_runs_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists ops")
    con.execute(RUNS_DDL)


@dataclass
class StepResult:
    step: str
    status: str
    rows: int | None = None
    message: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    details: dict[str, Any] = field(default_factory=dict)  # counts for the summary table
    locked: bool = False  # failed because another process held the DuckDB file

    @property
    def seconds(self) -> float:
        if self.started_at is None or self.finished_at is None:
            return 0.0
        return (self.finished_at - self.started_at).total_seconds()


class RunLog:
    """Writes ``ops.runs`` rows, each with a connection of its own that is closed right after."""

    def __init__(self, db: str, run_id: str, wait_s: float) -> None:
        self.db = db
        self.run_id = run_id
        self.first_wait_s = wait_s
        self.wait_s = max(wait_s, STEP_WAIT_S)
        self._writes = 0

    def write(self, result: StepResult) -> None:
        wait = self.first_wait_s if self._writes == 0 else self.wait_s
        with closing(connect(self.db, wait=wait)) as con:
            ensure_runs_table(con)
            con.execute(
                f"insert or replace into {RUNS_TABLE} (run_id, step, started_at, finished_at, rows, status, message) "
                "values (?, ?, ?, ?, ?, ?, ?)",
                [self.run_id, result.step, _naive(result.started_at), _naive(result.finished_at), result.rows,
                 result.status, result.message],
            )
        self._writes += 1


# -- options, plan ---------------------------------------------------------------------------------------
def project_root() -> Path:
    """This project's dbt project: the directory above the ``loaders`` package when it holds dbt_project.yml
    (a checkout or an editable install), else the current directory."""
    here = Path(__file__).resolve().parents[1]
    return here if (here / "dbt_project.yml").is_file() else Path.cwd()


def find_dbt() -> str | None:
    """The ``dbt`` executable beside this Python (the project's venv), else on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("dbt")


@dataclass
class RunOptions:
    db: str | None = None
    inbox: Path | None = None
    since: datetime | None = None  # explicit extraction start (first run); else watermark - overlap
    until: datetime | None = None  # cap on the extraction end (default now); never past the availability date
    overlap: timedelta = DEFAULT_OVERLAP
    pages_dir: Path = DEFAULT_OUT
    poll_interval_s: float = 2.0
    job_page_size: int | None = None
    skip_extract: bool = False
    skip_land: bool = False  # no --inbox
    skip_build: bool = False
    skip_export: bool = False
    full_refresh: bool = False
    select: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    unit_tests: bool = False  # dbt's unit tests are CI's job: a nightly build leaves them out unless asked
    project_dir: Path | None = None
    profiles_dir: Path | None = None
    dbt: str | None = None  # the dbt executable
    strict: bool = False  # land: any reject fails the step
    wait_s: float | None = None  # first warehouse access (None: $CX_DUCKDB_WAIT_S or 0)
    export_options: Any = None  # exporter.runner.ExportOptions; None: its defaults

    @property
    def database(self) -> str:
        return db_path(self.db)

    def enabled(self, step: str) -> bool:
        return not {"extract": self.skip_extract, "land": self.skip_land or self.inbox is None,
                    "build": self.skip_build, "export": self.skip_export}[step]

    def skip_reason(self, step: str) -> str:
        if step == "land" and self.inbox is None:
            return "no --inbox given"
        return f"--skip-{step}"


def check_options(options: RunOptions) -> None:
    """Configuration a run needs before it starts (raises ``RunConfigError``); nothing is opened or written."""
    if options.inbox is not None and not options.inbox.is_dir():
        raise RunConfigError(f"--inbox {options.inbox} is not a directory")
    if options.overlap < timedelta(0):
        raise RunConfigError("--overlap-days must be 0 or more")
    if options.poll_interval_s < 0:
        raise RunConfigError("--poll-interval must be 0 or more")
    if options.enabled("build"):
        project = options.project_dir or project_root()
        if not (project / "dbt_project.yml").is_file():
            raise RunConfigError(f"no dbt_project.yml in {project} (pass --project-dir)")
        if not (options.dbt or find_dbt()):
            raise RunConfigError("dbt is not installed here (no dbt beside this Python or on PATH)")
    if options.since is not None and options.until is not None and options.until <= options.since:
        raise RunConfigError(f"--until {options.until.isoformat()} is not after --since {options.since.isoformat()}")


def dbt_command(options: RunOptions) -> list[str]:
    project = options.project_dir or project_root()
    cmd = [options.dbt or find_dbt() or "dbt", "build", "--project-dir", str(project),
           "--profiles-dir", str(profiles_dir(options)), "--no-use-colors"]
    if options.full_refresh:
        cmd.append("--full-refresh")
    if options.select:
        cmd += ["--select", *options.select]
    exclude = [*options.exclude, *([] if options.unit_tests else ["resource_type:unit_test"])]
    if exclude:
        cmd += ["--exclude", *exclude]
    return cmd


def profiles_dir(options: RunOptions) -> Path:
    if options.profiles_dir is not None:
        return options.profiles_dir
    if os.environ.get("DBT_PROFILES_DIR"):
        return Path(os.environ["DBT_PROFILES_DIR"])
    return options.project_dir or project_root()


def dbt_target_path(options: RunOptions) -> Path:
    """Where dbt writes run_results.json: $DBT_TARGET_PATH, else <project>/target."""
    project = options.project_dir or project_root()
    return Path(os.environ.get("DBT_TARGET_PATH") or project / "target")


@dataclass
class ExtractWindow:
    watermark: datetime | None
    availability: datetime | None
    since: datetime | None
    until: datetime | None
    nothing_new: str = ""  # why there is nothing to extract (empty: extract [since, until))

    @property
    def days(self) -> int:
        return 0 if self.nothing_new or self.since is None or self.until is None else len(utc_days(self.since,
                                                                                                   self.until))


def extraction_window(watermark: datetime | None, availability: datetime, *, since: datetime | None = None,
                      until: datetime | None = None, overlap: timedelta = DEFAULT_OVERLAP,
                      now: datetime | None = None) -> ExtractWindow:
    """[since, until) for jobs: ``since`` (explicit) or the watermark minus ``overlap``; ``until`` is the
    earliest of ``until`` / now and the availability date, cut down to a UTC midnight (complete days only:
    a job over a day the data lake does not fully hold yet would miss conversations for good)."""
    cap = min(until or now or _utcnow(), availability)
    end = datetime.combine(cap.astimezone(UTC).date(), dtime(), tzinfo=UTC)
    if since is None:
        if watermark is None:
            raise RunConfigError(
                f"no watermark for {SOURCE_JOBS} in {STATE_TABLE} yet: pass --since DATE for the first run "
                "(later runs start from the watermark)")
        start = watermark - overlap
        if end <= watermark:
            return ExtractWindow(watermark, availability, start, end,
                                 f"nothing new: conversations are extracted up to {iso(watermark)} and the data "
                                 f"lake holds complete days only up to {iso(end)} (data available until "
                                 f"{iso(availability)})")
    else:
        start = since
    if end <= start:
        return ExtractWindow(watermark, availability, start, end,
                             f"nothing new: no complete UTC day between {iso(start)} and the availability date "
                             f"{iso(availability)}")
    return ExtractWindow(watermark, availability, start, end)


def fetch_availability(client: GenesysClient) -> datetime:
    """``dataAvailabilityDate`` of the details jobs: data before it is guaranteed to be in the data lake."""
    answer = client.get(AVAILABILITY_PATH).json()
    value = answer.get("dataAvailabilityDate") if isinstance(answer, dict) else None
    if not isinstance(value, str):
        raise ExtractError(f"GET {AVAILABILITY_PATH} answered without a dataAvailabilityDate")
    try:
        return parse_when(value)
    except ValueError:
        raise ExtractError(f"GET {AVAILABILITY_PATH}: dataAvailabilityDate is not a timestamp") from None


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    row = con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                      [schema, name]).fetchone()
    return bool(row and row[0])


def read_watermark(con: duckdb.DuckDBPyConnection | None) -> datetime | None:
    """The jobs watermark, read only (no table is created on a read-only connection)."""
    if con is None or not _table_exists(con, "raw", "_extract_state"):
        return None
    row = con.execute(f"select watermark from {STATE_TABLE} where source = ?", [SOURCE_JOBS]).fetchone()
    if not row or row[0] is None:
        return None
    return row[0].replace(tzinfo=UTC) if row[0].tzinfo is None else row[0].astimezone(UTC)


@dataclass
class Plan:
    db: str
    db_exists: bool
    run_lock: str
    steps: dict[str, str]  # step -> "run" or why skipped
    window: ExtractWindow | None = None
    inbox: list[tuple[str, Path, bool]] = field(default_factory=list)  # kind, file, already landed
    inbox_ignored: list[Path] = field(default_factory=list)
    dbt_command: list[str] = field(default_factory=list)
    export_targets: list[tuple[str, str]] = field(default_factory=list)  # target, state


def make_plan(options: RunOptions, client_factory: Callable[[], GenesysClient] | None) -> Plan:
    """What a run would do, read only: no API writes (one GET of the availability date), no landing, no dbt,
    no ops.runs row; the warehouse, if it exists, is opened read-only."""
    check_options(options)
    db = options.database
    exists = db != ":memory:" and Path(db).is_file()
    plan = Plan(db, exists, peek_run_lock(db) if exists else "free",
                {s: ("run" if options.enabled(s) else f"skipped ({options.skip_reason(s)})") for s in STEPS})
    con = connect(db, read_only=True, wait=options.wait_s) if exists else None
    try:
        if options.enabled("extract"):
            watermark = read_watermark(con)
            if client_factory is None:
                raise RunConfigError("no Genesys client configured")
            with client_factory() as client:
                availability = fetch_availability(client)
            plan.window = extraction_window(watermark, availability, since=options.since, until=options.until,
                                            overlap=options.overlap)
        if options.enabled("land") and options.inbox is not None:
            found, ignored = discover(options.inbox)
            for kind, paths in found.items():
                landed = already_landed(con, kind, paths)
                plan.inbox += [(kind, p, landed[p]) for p in paths]
            plan.inbox_ignored = ignored
        if options.enabled("build"):
            plan.dbt_command = dbt_command(options)
        if options.enabled("export"):
            plan.export_targets = _export_plan(con, options)
    finally:
        if con is not None:
            con.close()
    return plan


def _export_plan(con: duckdb.DuckDBPyConnection | None, options: RunOptions) -> list[tuple[str, str]]:
    from exporter import state
    from exporter.runner import ExportOptions
    from exporter.targets import TARGETS

    export_options = options.export_options or ExportOptions()
    out = []
    with_state = con is not None and _table_exists(con, "ops", "export_state") and _table_exists(
        con, "ops", "export_dead_letters")
    cutoff = state.cutoff_for(_naive(_utcnow()), export_options.dead_letter_max_age)
    for name, target in TARGETS.items():
        relation = state.mart_relation(con, target, export_options.schema) if con is not None else None
        if relation is None:
            out.append((name, "mart not built yet (the build step builds it)"))
            continue
        counts = state.count_pending(con, target, relation, cutoff, with_state)  # type: ignore[arg-type]
        out.append((name, f"{counts.total} rows in the current mart, {counts.pending} to send before this run's "
                          "build"))
    return out


# -- the run -----------------------------------------------------------------------------------------------
class Reporter:
    """Progress hooks for a front end (the CLI's progress bars); every method is optional."""

    def step_started(self, step: str, total: int | None, description: str) -> None:
        pass

    def step_progress(self, step: str, *, advance: int = 0, completed: int | None = None,
                      total: int | None = None, description: str | None = None) -> None:
        pass

    def step_output(self, step: str, line: str) -> None:
        pass

    def step_finished(self, result: StepResult) -> None:
        pass


@dataclass
class RunOutcome:
    run_id: str
    results: list[StepResult]
    run: StepResult

    @property
    def failed(self) -> StepResult | None:
        return next((r for r in self.results if r.status == FAILED), None)

    interrupted: bool = False

    @property
    def locked(self) -> bool:
        return any(r.locked for r in self.results)


class NightlyRun:
    def __init__(self, options: RunOptions, client_factory: Callable[[], GenesysClient] | None,
                 reporter: Reporter | None = None, run_id: str | None = None) -> None:
        self.options = options
        self.client_factory = client_factory
        self.reporter = reporter or Reporter()
        self.run_id = run_id or new_run_id()
        self.db = options.database
        wait = default_wait() if options.wait_s is None else max(0.0, options.wait_s)
        self.first_wait_s = wait
        self.step_wait_s = max(wait, STEP_WAIT_S)
        self.watermark: datetime | None = None
        self.interrupted = False

    def run(self) -> RunOutcome:
        """Take the run lock (``RunInProgressError``), check the start (``RunConfigError``, and
        ``WarehouseLockedError`` when the warehouse stays locked), then run the steps. A step's failure is in
        the outcome, not raised."""
        check_options(self.options)
        with RunLock.acquire(self.db, self.run_id):
            return self._run_locked()

    def _run_locked(self) -> RunOutcome:
        started = _utcnow()
        if self.options.enabled("extract"):
            with closing(connect(self.db, wait=self.first_wait_s)) as con:  # a short first open
                self.watermark = get_watermark(con, SOURCE_JOBS)
            if self.watermark is None and self.options.since is None:
                extraction_window(None, started)  # raises the configuration error with its message
        runlog = RunLog(self.db, self.run_id, self.step_wait_s if self.options.enabled("extract")
                        else self.first_wait_s)
        whole = StepResult(RUN_STEP, RUNNING, started_at=started, message="in progress")
        runlog.write(whole)
        log.info("cx run %s started: steps %s", self.run_id,
                 ", ".join(s for s in STEPS if self.options.enabled(s)) or "none")
        results: list[StepResult] = []
        failed: StepResult | None = None
        for step in STEPS:
            now = _utcnow()
            if failed is not None:
                result = StepResult(step, SKIPPED, message=f"not run: the {failed.step} step failed",
                                    started_at=now, finished_at=now)
            elif not self.options.enabled(step):
                result = StepResult(step, SKIPPED, message=self.options.skip_reason(step), started_at=now,
                                    finished_at=now)
            else:
                runlog.write(StepResult(step, RUNNING, started_at=now, message="in progress"))
                result = self._run_step(step, now)
                if result.status == FAILED:
                    failed = result
            result.finished_at = result.finished_at or _utcnow()
            results.append(result)
            self._record(runlog, result)
            self.reporter.step_finished(result)
            log.info("step %s: %s, rows %s, %.1fs", step, result.status,
                     "-" if result.rows is None else result.rows, result.seconds)
        whole.finished_at = _utcnow()
        if failed is not None:
            whole.status = FAILED
            whole.message = f"the {failed.step} step failed: {failed.message}"
        else:
            whole.status = OK
            whole.message = "; ".join(f"{r.step} {r.status}" + (f" ({r.rows} rows)" if r.rows is not None else "")
                                      for r in results)
        self._record(runlog, whole)
        log.info("cx run %s finished: %s in %.1fs", self.run_id, whole.status, whole.seconds)
        return RunOutcome(self.run_id, results, whole, self.interrupted)

    def _record(self, runlog: RunLog, result: StepResult) -> None:
        try:
            runlog.write(result)
        except WarehouseLockedError:
            result.locked = True
            if result.status != FAILED:
                result.status = FAILED
                result.message = (f"{result.message}; " if result.message else "") + (
                    "ops.runs could not be written: the warehouse stayed locked by another process")
            log.error("ops.runs not written for step %s: the warehouse stayed locked", result.step)

    def _run_step(self, step: str, started: datetime) -> StepResult:
        try:
            result = getattr(self, f"_{step}")(started)
        except WarehouseLockedError as exc:
            return StepResult(step, FAILED, message=f"{exc} Run cx run again when it is free.",
                              started_at=started, locked=True)
        except Exception as exc:  # a step never takes the run log down with it
            log.debug("step %s failed", step, exc_info=True)
            return StepResult(step, FAILED, started_at=started,
                              message=f"{type(exc).__name__}: {exc}. {_ADVICE[step]}")
        except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (the CLI turns it into this): recorded, then the run stops
            log.error("step %s interrupted", step)
            self.interrupted = True
            return StepResult(step, FAILED, started_at=started,
                              message=f"interrupted (SIGINT / SIGTERM) during the {step} step. {_ADVICE[step]}")
        result.started_at = started
        return result

    # -- steps -------------------------------------------------------------------------------------
    def _extract(self, started: datetime) -> StepResult:
        if self.client_factory is None:
            raise RunConfigError("no Genesys client configured")
        opts = self.options
        reporter = self.reporter
        try:
            with self.client_factory() as client:
                availability = fetch_availability(client)
                window = extraction_window(self.watermark, availability, since=opts.since, until=opts.until,
                                           overlap=opts.overlap)
                details: dict[str, Any] = {"availability": iso(availability)}
                if window.nothing_new:
                    log.info("extract: nothing new (watermark %s, data available until %s)",
                             iso(self.watermark) if self.watermark else "-", iso(availability))
                    return StepResult("extract", NOTHING_NEW, rows=0, message=window.nothing_new, details=details)
                assert window.since is not None and window.until is not None
                reporter.step_started("extract", window.days, "extract")
                seen: list[Any] = []

                def on_day(day: Any) -> None:
                    if seen:
                        reporter.step_progress("extract", advance=1)
                    seen.append(day)
                    reporter.step_progress("extract", description=f"extract job {day.isoformat()}")

                result, totals = run_conversation_extract(
                    client, None, since=window.since, until=window.until, out_dir=opts.pages_dir,
                    overlap=opts.overlap,
                    extractor_options={"poll_interval_s": opts.poll_interval_s, "job_page_size": opts.job_page_size,
                                       "on_day": on_day},
                    open_db=lambda: connect(self.db, wait=self.step_wait_s),
                )
                reporter.step_progress("extract", advance=1)
        except (ExtractError, GenesysError) as exc:
            return StepResult("extract", FAILED, message=f"{exc}. {_ADVICE['extract']}")
        details.update(days=result.days, jobs=result.jobs, pages=len(result.pages),
                       landed=totals.rows_landed if totals else 0,
                       duplicate=totals.rows_duplicate if totals else 0,
                       rejected=totals.rows_rejected if totals else 0)
        message = (f"{iso(window.since)} → {iso(window.until)} ({result.days} days, {result.jobs} jobs, "
                   f"{len(result.pages)} pages): {result.unique_conversations} conversations, "
                   f"{details['landed']} rows landed, {details['duplicate']} duplicate, "
                   f"{details['rejected']} rejected; "
                   f"data available until {iso(availability)}")
        log.info("extract: %d days, %d jobs, %d pages, %d conversations, %d landed, %d duplicate, %d rejected",
                 result.days, result.jobs, len(result.pages), result.unique_conversations, details["landed"],
                 details["duplicate"], details["rejected"])
        return StepResult("extract", OK, rows=result.unique_conversations, message=message, details=details)

    def _land(self, started: datetime) -> StepResult:
        inbox = self.options.inbox
        assert inbox is not None
        found, ignored = discover(inbox)
        total = sum(len(p) for p in found.values())
        self.reporter.step_started("land", total, "land")

        def on_file(res: FileResult) -> None:
            self.reporter.step_progress("land", advance=1, description=f"land {res.kind}")

        with closing(connect(self.db, wait=self.step_wait_s)) as con:
            results = land_directory(con, inbox, on_file=on_file)
        landed = sum(r.rows_landed for r in results)
        duplicate = sum(r.rows_duplicate for r in results)
        rejected = sum(r.rows_rejected for r in results)
        skipped = sum(r.skipped for r in results)
        errors = [r for r in results if not r.ok]
        details = {"files": len(results), "already landed": skipped, "landed": landed, "duplicate": duplicate,
                   "rejected": rejected, "file errors": len(errors), "ignored files": len(ignored)}
        message = (f"{len(results)} files ({skipped} already landed, {len(errors)} could not be read): "
                   f"{landed} rows landed, {duplicate} duplicate, {rejected} rejected (raw._rejects)")
        if ignored:
            message += f"; {len(ignored)} files no kind claims were left alone"
        log.info("land: %d files, %d already landed, %d landed, %d duplicate, %d rejected, %d file errors",
                 len(results), skipped, landed, duplicate, rejected, len(errors))
        if landing_exit_status(results, strict=self.options.strict):
            why = "records or files were rejected (--strict)" if self.options.strict else \
                "there was input but nothing could be landed"
            return StepResult("land", FAILED, rows=landed, details=details,
                              message=f"{why}: {message}. {_ADVICE['land']}")
        return StepResult("land", OK, rows=landed, message=message, details=details)

    def _build(self, started: datetime) -> StepResult:
        opts = self.options
        cmd = dbt_command(opts)
        env = dict(os.environ, CX_DUCKDB_PATH=os.path.abspath(self.db), DBT_PROFILES_DIR=str(profiles_dir(opts)))
        run_results = dbt_target_path(opts) / "run_results.json"
        before = run_results.stat().st_mtime if run_results.exists() else None
        log.info("build: %s", " ".join(cmd[:2] + [a for a in cmd[2:] if a.startswith("--")]))
        self.reporter.step_started("build", None, "dbt build")
        tail: deque[str] = deque(maxlen=TAIL_LINES)
        done_line = ""
        # nothing in this process holds the DuckDB file now: dbt opens it itself
        with subprocess.Popen(cmd, cwd=opts.project_dir or project_root(), env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, bufsize=1) as proc:
            assert proc.stdout is not None
            try:
                for raw in proc.stdout:
                    line = raw.rstrip("\n")
                    tail.append(line)
                    self.reporter.step_output("build", line)
                    match = _DBT_PROGRESS.search(line)
                    if match:
                        self.reporter.step_progress("build", completed=int(match[1]), total=int(match[2]),
                                                    description=f"dbt build ({match[3].lower()})")
                    done = _DBT_DONE.search(line)
                    if done:
                        done_line = done.group(0)
                code = proc.wait()
            except BaseException:  # interrupted: stop dbt too (it rolls back its open transaction)
                proc.terminate()
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    proc.kill()
                raise
        counts = _run_result_counts(run_results, before)
        built = sum(counts.get(s, 0) for s in ("success", "pass", "warn"))
        details = {"exit code": code, **counts}
        if code != 0:
            shown = "\n".join(tail)
            return StepResult("build", FAILED, rows=built, details=details,
                              message=f"dbt build exited {code} ({done_line or 'no summary line'}). "
                                      f"{_ADVICE['build']}\n{shown}")
        log.info("build: dbt exited 0, %d nodes built or passed (%s)", built,
                 ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        return StepResult("build", OK, rows=built, details=details,
                          message=done_line or f"{built} models, seeds, snapshots and tests built or passed")

    def _export(self, started: datetime) -> StepResult:
        from exporter.runner import Exporter, ExportOptions  # the CLI and this run import the exporter

        if self.client_factory is None:
            raise RunConfigError("no Genesys client configured")
        base = self.options.export_options or ExportOptions()
        export_options = ExportOptions(**{**base.__dict__, "dry_run": False, "wait_s": self.step_wait_s})
        with self.client_factory() as client:
            exporter = Exporter(self.db, client, export_options)
            totals: dict[str, int] = {}

            def on_progress(event: str, target: str, amount: int) -> None:
                if event == "start":
                    totals[target] = amount
                    self.reporter.step_started("export", sum(totals.values()), f"export {target}")
                else:
                    self.reporter.step_progress("export", advance=amount)

            exporter.progress = on_progress
            try:
                summaries = exporter.run()
            finally:
                exporter.close()
        sent = sum(s.sent for s in summaries)
        details = {"targets": len(summaries), "sent": sent, "unchanged": sum(s.unchanged for s in summaries),
                   "dead-lettered": sum(s.dead_lettered for s in summaries),
                   "not built": sum(s.status == "not built" for s in summaries)}
        per_target = "; ".join(f"{s.target} {s.status} (sent {s.sent}, unchanged {s.unchanged}, dead-lettered "
                               f"{s.dead_lettered})" for s in summaries)
        failed = [s for s in summaries if s.status in ("stopped", "aborted")]
        if failed:
            why = "; ".join(f"{s.target}: {s.status}: {s.message}" for s in failed)
            return StepResult("export", FAILED, rows=sent, details=details, locked=any(s.locked for s in summaries),
                              message=f"{why}. {_ADVICE['export']}")
        return StepResult("export", OK, rows=sent, details=details, message=per_target)


_ADVICE = {
    "extract": "The watermark stays at the last complete day: fix the cause and run cx run again, it resumes there",
    "land": "See raw._rejects and raw._load_log for the files and reasons; fix the files and run cx run again "
            "(files already landed are skipped)",
    "build": "Fix the model or the data dbt names above (target/run_results.json has every node), then run cx run "
             "again: extract and land are idempotent",
    "export": "Rows not acknowledged go out on the next run (ops.export_state, ops.export_dead_letters)",
}


def _run_result_counts(path: Path, before: float | None) -> dict[str, int]:
    """Node statuses of this build's run_results.json (none when dbt did not write a new one)."""
    try:
        if not path.exists() or (before is not None and path.stat().st_mtime <= before):
            return {}
        results = json.loads(path.read_text(encoding="utf-8")).get("results", [])
    except (OSError, ValueError):
        return {}
    counts: dict[str, int] = {}
    for r in results:
        status = str(r.get("status"))
        counts[status] = counts.get(status, 0) + 1
    return counts


def plan_lines(plan: Plan) -> list[tuple[str, str]]:
    """The plan as (what, value) rows for a table."""
    rows: list[tuple[str, str]] = [("warehouse", plan.db + ("" if plan.db_exists else " (does not exist yet)")),
                                   ("run lock", plan.run_lock)]
    rows += [(f"step {s}", state) for s, state in plan.steps.items()]
    if plan.window is not None:
        w = plan.window
        rows += [("watermark", iso(w.watermark) if w.watermark else "none (first run)"),
                 ("data available until", iso(w.availability) if w.availability else "-")]
        if w.nothing_new:
            rows.append(("extraction window", w.nothing_new))
        else:
            assert w.since is not None and w.until is not None
            rows.append(("extraction window", f"{iso(w.since)} → {iso(w.until)} ({w.days} daily jobs)"))
    for kind, path, landed in plan.inbox:
        rows.append((f"inbox {kind}", f"{path} ({'already landed: lands nothing' if landed else 'new'})"))
    for path in plan.inbox_ignored:
        rows.append(("inbox (ignored)", f"{path} (no kind claims it)"))
    if plan.dbt_command:
        rows.append(("dbt command", " ".join(plan.dbt_command)))
    for target, state in plan.export_targets:
        rows.append((f"export {target}", state))
    return rows

