"""The export loop: pending mart rows → batches → the API, with per-batch state commits.

The warehouse is reached through ``exporter.warehouse.Warehouse``: pending rows are read in chunks into
memory and every commit is its own short transaction, so the DuckDB file's lock is held only for those
moments, never while requests are in flight (``dbt build`` and ``cx load`` can run beside an export).

One target at a time. Batches go out through a small thread pool sharing one ``GenesysClient`` (which
throttles to the token's rate limit and retries 429 / 5xx / network errors itself); the main thread reads
every answer, decides per unit, and commits the acknowledged units and new dead letters in one transaction
per batch. What the client does not retry is decided here:

* 404 on a target where it means "not visible yet" (participant data): retried with back-off, then a dead
  letter; elsewhere a 404 means a wrong configured id and stops the target.
* 409 / 410: dead letter ("Score Calculation Failed" for participant data, seed 004).
* 400 / 413 / 422: a multi-unit batch is split in two to isolate the bad unit; a single unit is a dead letter
  carrying the API's message.
* 401 answering a freshly renewed token (the client renews per 401, bounded): the whole run stops
  (credentials).
* The warehouse locked by another process past ``run_wait_s`` at a commit: the run stops (exit code 3);
  units acknowledged since the last commit are sent again next run.
* 403: the target stops, naming the target and endpoint (the OAuth client lacks a permission).
* Retry budget exhausted (429 / 5xx / network), other 5xx: the batch is requeued with back-off a few times,
  then the target stops; its units stay unacknowledged and go out on the next run.
* A unit whose request path cannot be built safely (an id with '/', '..', '?', '#', '%', a backslash…, or a
  mart request_path without the endpoint's shape): dead letter "unsafe request path: <field> …", never
  sent; the other units go on. The client refuses such a path too (defence in depth).
* A 2xx that rejects some entities (bulk enrich ``results``, journey ``unprocessedEntities``): per entity —
  acknowledged, requeued (retryable) or dead-lettered.
"""

from __future__ import annotations

import heapq
import json
import logging
import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import duckdb
import httpx

from exporter import deadletters, state
from exporter.batching import Batch, batches
from exporter.deadletters import DeadLetter
from exporter.redact import redact_value
from exporter.targets import TARGETS, EntityOutcome, Target, Unit, UnsafePathError
from exporter.warehouse import MAX_HOLD_S, RUN_WAIT_S, Warehouse
from loaders.db import WarehouseLockedError
from loaders.genesys import (
    GenesysApiError,
    GenesysAuthError,
    GenesysClient,
    GenesysPathError,
    GenesysTransportError,
)

log = logging.getLogger(__name__)

SPLIT_STATUSES = frozenset({400, 413, 422})


class ExportAborted(Exception):
    """The whole run cannot go on (credentials refused after a renewal, the warehouse stayed locked)."""

    locked = False  # the warehouse stayed locked past the wait


class TargetStopped(Exception):
    """This target cannot go on (permissions, wrong configured id, API unavailable)."""


@dataclass
class ExportOptions:
    dry_run: bool = False
    dry_run_dir: Path = Path("export-dry-run")
    limit: int | None = None  # at most this many units per target
    workers: int = 4  # requests in flight at once (one client, one token, one rate limit)
    schema: str = "marts"  # where dbt builds the export marts
    dead_letter_max_age: timedelta = timedelta(hours=24)
    not_found_retries: int = 3  # 404 "not yet visible": sends after the first, then dead letter
    not_found_backoff_s: float = 2.0  # doubled each time
    transient_requeues: int = 2  # batches whose retry budget ran out: requeued this often, then stop
    transient_backoff_s: float = 5.0
    entity_retries: int = 3  # retryable per-entity failures inside a 2xx
    wait_s: float | None = None  # first warehouse access: wait this long for the lock (None: $CX_DUCKDB_WAIT_S / 0)
    run_wait_s: float = RUN_WAIT_S  # later accesses (reads, commits) wait at least this long
    read_chunk: int = 5000  # pending rows read into memory per warehouse read
    redact: bool = False  # personal values in dry-run files and this run's dead letters become a marker


@dataclass
class TargetSummary:
    target: str
    status: str = "done"  # done | not built | stopped | aborted | dry run
    message: str = ""
    total: int = 0  # rows in the mart
    unchanged: int = 0  # hash equals the last acknowledged send
    pending: int = 0  # selected to send this run
    sent: int = 0  # acknowledged by the API this run
    retried: int = 0  # sent again after a failure (earlier dead letter, 404, retryable entity, requeue)
    dead_lettered: int = 0
    expired: int = 0  # dead letters past the allowed age, not sent
    unsent: int = 0  # pending but not delivered (target stopped, run aborted)
    requests: int = 0  # HTTP requests including client retries
    seconds: float = 0.0
    locked: bool = False  # aborted because the warehouse stayed locked by another process

    def counts(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in ("sent", "unchanged", "retried", "dead_lettered", "expired", "unsent",
                                              "requests")}


ProgressHook = Callable[[str, str, int], None]  # (event, target, amount): "start" total | "advance" units


@dataclass
class _Decision:
    acked: list[Unit] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)
    status: int = 0
    requeue: list[tuple[float, Batch]] = field(default_factory=list)  # (delay in seconds, batch)


@dataclass(order=True)
class _Deferred:
    due: float
    seq: int
    batch: Batch = field(compare=False)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Exporter:
    def __init__(
        self,
        db: str | os.PathLike | duckdb.DuckDBPyConnection | Warehouse | None,
        client: GenesysClient | None,
        options: ExportOptions | None = None,
        progress: ProgressHook | None = None,
    ) -> None:
        """``db``: the warehouse file (its lock is taken only per read / commit), or an open connection
        (used throughout, as tests and benchmarks do). Raises ``WarehouseLockedError`` when the file stays
        locked for ``options.wait_s``."""
        self.client = client
        self.options = options or ExportOptions()
        self.progress = progress or (lambda event, target, amount: None)
        self.run_id = f"{_now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
        if not self.options.dry_run and client is None:
            raise ValueError("a client is required unless dry_run")
        self.warehouse = db if isinstance(db, Warehouse) else Warehouse(
            db, read_only=self.options.dry_run, wait_s=self.options.wait_s, run_wait_s=self.options.run_wait_s)
        if not self.options.dry_run:
            with self.warehouse.writing() as con:
                state.ensure_schema(con)
            self._has_state = True
        else:
            with self.warehouse.reading() as con:
                self._has_state = state.table_exists(con, "ops", "export_state") and state.table_exists(
                    con, "ops", "export_dead_letters")

    def close(self) -> None:
        self.warehouse.close()

    # -- the run -----------------------------------------------------------------------------------
    def run(self, names: Sequence[str] | None = None) -> list[TargetSummary]:
        summaries = []
        aborted: str | None = None
        for name in names or list(TARGETS):
            target = TARGETS[name]
            if aborted:
                summaries.append(TargetSummary(name, "aborted", aborted))
                continue
            try:
                summaries.append(self.export_target(target))
            except ExportAborted as exc:
                aborted = str(exc)
                summaries.append(getattr(exc, "summary", TargetSummary(name, "aborted", aborted)))
                if exc.locked:
                    aborted = "not started: the warehouse stayed locked"
        return summaries

    def export_target(self, target: Target) -> TargetSummary:
        try:
            return self._export_target(target)
        except WarehouseLockedError as exc:
            summary = getattr(exc, "summary", None) or TargetSummary(target.name)
            summary.status, summary.locked = "aborted", True
            summary.message = (f"{exc} Units the API acknowledged since the last commit were not recorded and are "
                               "sent again on the next run (the same payloads: no change in effect).")
            log.error("%s: run aborted: the warehouse stayed locked", target.name)
            aborted = ExportAborted(summary.message)
            aborted.summary = summary  # type: ignore[attr-defined]
            aborted.locked = True
            raise aborted from None

    def _export_target(self, target: Target) -> TargetSummary:
        summary = TargetSummary(target.name)
        started = time.monotonic()
        now = _now()
        cutoff = state.cutoff_for(now, self.options.dead_letter_max_age)
        # one short transaction: is the mart built, expire old dead letters, record the run, count
        with (self.warehouse.reading() if self.options.dry_run else self.warehouse.writing()) as con:
            relation = state.mart_relation(con, target, self.options.schema)
            if relation is not None:
                if not self.options.dry_run:
                    deadletters.expire(con, target, cutoff, now)
                    state.start_run(con, self.run_id, target, now, dry_run=False)
                counts = state.count_pending(con, target, relation, cutoff, self._has_state)
                columns = state.columns_of(con, self.options.schema, target.mart)
        if relation is None:
            summary.status = "not built"
            summary.message = f"{self.options.schema}.{target.mart} does not exist (dbt build it first)"
            log.info("%s: %s", target.name, summary.message)
            return summary
        summary.total, summary.expired = counts.total, counts.expired
        summary.pending = min(counts.pending, self.options.limit) if self.options.limit is not None else counts.pending
        summary.unchanged = counts.unchanged
        log.info("%s: %d rows, %d to send, %d unchanged, %d expired dead letters", target.name, counts.total,
                 summary.pending, counts.unchanged, counts.expired)
        self.progress("start", target.name, summary.pending)
        path_columns = [(name, column) for name, column in target.path_columns if column in columns]
        units = self._pending(target, relation, cutoff, path_columns)
        requests_before = self.client.stats.requests if self.client else 0
        try:
            if self.options.dry_run:
                self._dry_run(target, units, summary)
            else:
                self._send_all(target, units, summary)
        except TargetStopped as exc:
            summary.status, summary.message = "stopped", str(exc)
            log.error("%s: stopped: %s", target.name, exc)
        except ExportAborted as exc:
            summary.status, summary.message = "aborted", str(exc)
            log.error("%s: run aborted: %s", target.name, exc)
            exc.summary = summary  # type: ignore[attr-defined]
            raise
        except WarehouseLockedError as exc:
            exc.summary = summary  # type: ignore[attr-defined]
            summary.status = "aborted"
            raise
        finally:
            summary.seconds = time.monotonic() - started
            if not self.options.dry_run:
                summary.unsent = max(0, summary.pending - summary.sent - summary.dead_lettered)
                summary.requests = self.client.stats.requests - requests_before if self.client else 0
                if summary.status != "aborted" or not self.warehouse.locked_out:
                    with self.warehouse.writing() as con:
                        state.finish_run(con, self.run_id, target, _now(), summary.status, summary.counts())
            log.info("%s: %s — sent %d, unchanged %d, retried %d, dead-lettered %d, expired %d, unsent %d, "
                     "%d requests in %.1fs", target.name, summary.status, summary.sent, summary.unchanged,
                     summary.retried, summary.dead_lettered, summary.expired, summary.unsent, summary.requests,
                     summary.seconds)
        return summary

    def _pending(self, target: Target, relation: str, cutoff: datetime,
                 path_columns: Sequence[tuple[str, str]]) -> Iterator[Unit]:
        """The rows to send, in key order: chunks read into memory, each from a short read of its own
        (keyset on export_key, so a key is read once per run even while earlier ones are acknowledged)."""
        left = self.options.limit
        after: str | None = None
        size = max(1, self.options.read_chunk)
        while left is None or left > 0:
            take = size if left is None else min(size, left)
            with self.warehouse.reading(hold=True) as con:  # released by the send loop before it waits
                chunk = state.pending_chunk(con, target, relation, cutoff, self._has_state, after, take,
                                            path_columns)
            yield from chunk
            if len(chunk) < take:
                return
            after = chunk[-1].key
            if left is not None:
                left -= len(chunk)

    # -- dry run -----------------------------------------------------------------------------------
    def _dry_run(self, target: Target, units: Iterator[Unit], summary: TargetSummary) -> None:
        out_dir = self.options.dry_run_dir
        path = out_dir / f"{target.name}.ndjson"
        summary.status = "dry run"
        unsafe: list[DeadLetter] = []
        try:
            with _private_file(path) as fh:
                for batch in batches(target, _safe_paths(target, units, unsafe)):
                    _write_request(fh, batch, self.options.redact)
                    summary.requests += 1
                    summary.retried += sum(u.was_dead_lettered for u in batch.units)
                    self.progress("advance", target.name, len(batch.units))
        finally:
            self.warehouse.release()
        summary.dead_lettered = len(unsafe)
        summary.message = (f"would send {summary.pending - len(unsafe)} units in {summary.requests} requests → "
                           f"{path}" + (f"; {len(unsafe)} would be dead-lettered (unsafe request path)"
                                        if unsafe else ""))
        if unsafe:
            _log_dead(target, unsafe)

    # -- sending -----------------------------------------------------------------------------------
    def _send_all(self, target: Target, units: Iterator[Unit], summary: TargetSummary) -> None:
        unsafe: list[DeadLetter] = []  # units whose path cannot be built: dead letters with the next commit
        fresh = batches(target, _safe_paths(target, units, unsafe))
        try:
            self._send_loop(target, fresh, unsafe, summary)
        finally:
            self.warehouse.release()

    def _send_loop(self, target: Target, fresh: Iterator[Batch], unsafe: list[DeadLetter],
                   summary: TargetSummary) -> None:
        deferred: list[_Deferred] = []
        in_flight: dict[Future[Any], Batch] = {}
        seq = 0
        stop: Exception | None = None
        with ThreadPoolExecutor(max_workers=max(1, self.options.workers),
                                thread_name_prefix=f"export-{target.name}") as pool:
            while True:
                # fill the pool: due retries first, then fresh batches
                while stop is None and len(in_flight) < max(1, self.options.workers):
                    batch: Batch | None = None
                    if deferred and deferred[0].due <= time.monotonic():
                        batch = heapq.heappop(deferred).batch
                    else:
                        batch = next(fresh, None)
                    if batch is None:
                        break
                    in_flight[pool.submit(self._send, batch)] = batch
                if not in_flight:
                    if stop is None and deferred:
                        self.warehouse.release()  # never hold the file's lock while waiting
                        time.sleep(max(0.0, deferred[0].due - time.monotonic()))
                        continue
                    break
                timeout = max(0.0, deferred[0].due - time.monotonic()) if deferred and stop is None else None
                done, _ = wait(in_flight, timeout=0, return_when=FIRST_COMPLETED)
                if not done or self.warehouse.held_for() > MAX_HOLD_S:
                    # about to wait on the API (or held long enough): let other processes have the file
                    self.warehouse.release()
                if not done:
                    done, _ = wait(in_flight, timeout=timeout, return_when=FIRST_COMPLETED)
                # every answer that arrived together is committed in one transaction (one fsync), so a killed
                # run re-sends at most the batches in flight
                decisions: list[_Decision] = []
                if unsafe:
                    decisions.append(_Decision(dead=list(unsafe)))
                    unsafe.clear()
                for future in done:
                    batch = in_flight.pop(future)
                    try:
                        decisions.append(self._handle(target, batch, future))
                    except (TargetStopped, ExportAborted) as exc:
                        stop = stop or exc
                self._commit(target, decisions, summary)
                for decision in decisions:
                    for delay, again in decision.requeue:
                        seq += 1
                        heapq.heappush(deferred, _Deferred(time.monotonic() + delay, seq, again))
        if unsafe:  # only unsafe units were left at the end
            self._commit(target, [_Decision(dead=list(unsafe))], summary)
        if stop is not None:
            raise stop

    def _send(self, batch: Batch) -> httpx.Response:
        assert self.client is not None
        for unit in batch.units:
            unit.attempts += 1
        return self.client.request(batch.method, batch.path, json=batch.target.body(batch.units))

    def _handle(self, target: Target, batch: Batch, future: Future[Any]) -> _Decision:
        """Decide about one answered batch: acknowledged units, dead letters, batches to send again."""
        opts = self.options
        try:
            response: httpx.Response = future.result()
        except GenesysAuthError as exc:
            raise ExportAborted(f"authentication failed: {exc.status} {exc.code or ''}".strip()) from exc
        except GenesysPathError as exc:  # the client refused the path (request_path() let it through)
            return _Decision(dead=[DeadLetter(u, 0, "unsafe.request.path", "", f"unsafe request path: {exc}")
                                   for u in batch.units])
        except GenesysApiError as exc:
            return self._handle_error(target, batch, exc, exc.status)
        except GenesysTransportError as exc:
            return _Decision(requeue=self._transient(
                target, batch, f"network errors outlasted the retry budget ({exc.attempts} attempts)"))
        outcomes = target.outcomes(batch.units, response)
        acked = [o.unit for o in outcomes if o.ok]
        retry: list[Unit] = []
        dead: list[DeadLetter] = []
        for outcome in outcomes:
            if outcome.ok:
                continue
            if outcome.retryable and outcome.unit.attempts <= opts.entity_retries:
                outcome.unit.retried = True
                retry.append(outcome.unit)
            else:
                dead.append(_letter(target, outcome))
        requeue = [(opts.transient_backoff_s, again) for again in batches(target, retry)] if retry else []
        return _Decision(acked, dead, response.status_code, requeue)

    def _handle_error(self, target: Target, batch: Batch, exc: GenesysApiError, status: int) -> _Decision:
        opts = self.options
        endpoint = f"{batch.method} {target.endpoint}"
        if status == 401:
            raise ExportAborted(f"{target.name}: {endpoint} answered 401 to a freshly renewed token: check "
                                "GENESYS_CLIENT_ID / GENESYS_CLIENT_SECRET")
        if status == 403:
            raise TargetStopped(f"permission denied (HTTP 403{', ' + exc.code if exc.code else ''}) for target "
                                f"{target.name} at {endpoint}: grant the OAuth client's role the permission this "
                                "endpoint needs")
        if status == 404 and target.not_found_is_transient:
            unit = batch.units[0]
            if len(batch.units) == 1 and unit.not_found < opts.not_found_retries:
                unit.not_found += 1
                unit.retried = True
                return _Decision(requeue=[(opts.not_found_backoff_s * 2 ** (unit.not_found - 1), batch)])
            return self._dead(target, batch.units, exc)
        if status == 404:
            raise TargetStopped(f"{endpoint} answered 404 for target {target.name}: check the configured id in "
                                "the export vars (dbt_project.yml) and rebuild the export mart")
        if status in (409, 410):
            return self._dead(target, batch.units, exc)
        if status in SPLIT_STATUSES and len(batch.units) > 1:
            first, second = batch.split()
            return _Decision(requeue=[(0.0, first), (0.0, second)])
        if status == 429 or status >= 500:
            return _Decision(requeue=self._transient(
                target, batch, f"HTTP {status}" + (" after exhausting the retry budget" if exc.retries_exhausted
                                                   else "")))
        return self._dead(target, batch.units, exc)

    def _transient(self, target: Target, batch: Batch, what: str) -> list[tuple[float, Batch]]:
        batch.attempt += 1
        if batch.attempt > self.options.transient_requeues:
            raise TargetStopped(f"{target.endpoint} keeps failing ({what}); unsent units go out on the next run")
        for unit in batch.units:
            unit.retried = True
        log.warning("%s: a batch of %d failed (%s); requeued %d/%d", target.name, len(batch.units), what,
                    batch.attempt, self.options.transient_requeues)
        return [(self.options.transient_backoff_s * batch.attempt, batch)]

    def _dead(self, target: Target, units: Sequence[Unit], exc: GenesysApiError) -> _Decision:
        reason = deadletters.reason_for(target, exc.status, exc.code)
        letters = [DeadLetter(u, exc.status, exc.code, exc.api_message, reason, exc.correlation_id) for u in units]
        return _Decision(dead=letters, status=exc.status)

    def _commit(self, target: Target, decisions: Sequence[_Decision], summary: TargetSummary) -> None:
        acked = [(u, d.status) for d in decisions for u in d.acked]
        dead = [letter for d in decisions for letter in d.dead]
        if not acked and not dead:
            return
        now = _now()
        with self.warehouse.writing(hold=True) as con:  # waits for the lock if another process holds it: nothing
            for status in sorted({s for _, s in acked}):  # new is sent meanwhile
                state.acknowledge(con, target, [u for u, s in acked if s == status], status, self.run_id, now)
            deadletters.record(con, target, dead, self.run_id, now, redact=self.options.redact)
        summary.sent += len(acked)
        summary.dead_lettered += len(dead)
        summary.retried += sum(1 for u, _ in acked if u.retried or u.was_dead_lettered)
        summary.retried += sum(1 for d in dead if d.unit.retried or d.unit.was_dead_lettered)
        if dead:
            _log_dead(target, dead)
        self.progress("advance", target.name, len(acked) + len(dead))


def _safe_paths(target: Target, units: Iterator[Unit], unsafe: list[DeadLetter]) -> Iterator[Unit]:
    """``units`` with their request path rebuilt from percent-encoded values; a unit whose path cannot be
    built safely goes to ``unsafe`` as a dead letter (the reason names the field, not the value)."""
    for unit in units:
        try:
            unit.path = target.request_path(unit)
        except UnsafePathError as exc:
            unsafe.append(DeadLetter(unit, 0, "unsafe.request.path", "", str(exc)))
            continue
        yield unit


def _letter(target: Target, outcome: EntityOutcome) -> DeadLetter:
    return DeadLetter(outcome.unit, outcome.status, outcome.code, outcome.message,
                      deadletters.reason_for(target, outcome.status, outcome.code))


def _log_dead(target: Target, letters: Sequence[DeadLetter]) -> None:
    # counts and reasons only: keys, payloads and the API's messages (which can echo values) stay in ops.*
    by_reason = Counter((d.status, d.reason) for d in letters)
    for (status, reason), n in sorted(by_reason.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        log.warning("%s: %d unit(s) dead-lettered: HTTP %s, %s", target.name, n, status or "-", reason)


@contextmanager
def _private_file(path: Path) -> Iterator[IO[str]]:
    """``path`` opened for writing with mode 0600 (also when it existed with another mode), in a directory
    created 0700 when it does not exist yet. Dry-run files hold the full payloads, personal data included."""
    directory = path.parent
    if not directory.exists():
        directory.mkdir(mode=0o700, parents=True)
        directory.chmod(0o700)  # whatever the umask
    elif directory.stat().st_mode & 0o077:
        log.warning("%s is readable by other users; the dry-run files in it are created 0600", directory)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        yield fh


def _write_request(fh: IO[str], batch: Batch, redact: bool = False) -> None:
    body = batch.target.body(batch.units)
    line = {"method": batch.method, "path": batch.path, "keys": [u.key for u in batch.units],
            "body": redact_value(body) if redact else body}
    fh.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
