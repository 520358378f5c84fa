"""The exporter's access to the warehouse: the DuckDB file's lock only for a read or a commit, never while
the API is being waited on.

DuckDB lets one process at a time write a file, and nobody else may open it meanwhile. A real-rate export
runs for half an hour; holding the file for that long blocked ``dbt build`` and ``cx load``. So an export
keeps an in-memory DuckDB connection and ATTACHes the warehouse only for

* a read (which marts are built, pending counts, the next chunk of pending rows, read into memory), and
* a write: one transaction per step (expire dead letters + start the run, the acknowledged units and dead
  letters of every answer that arrived together, finish the run),

DETACHing it right after, which releases the lock (ATTACH + commit + DETACH costs ~15 ms against ~50 ms for
a fresh connection). The send loop keeps the file attached from one commit to the next only while answers
are already waiting to be recorded (at most ``MAX_HOLD_S`` at a stretch) and releases it before it blocks
on the API. State stays in the warehouse's ``ops.*``: the pending-row query joins it to the marts,
and a killed run resumes from what was committed, exactly as before. While a commit waits for the lock, the
main loop sends nothing new, so acknowledged-but-unrecorded units stay bounded by the requests in flight.

Waiting: the first access waits ``wait_s`` (``--wait``: 0 fails at once with the holder's name); every
later access waits at least ``run_wait_s`` (another process's ``dbt build`` or ``cx load`` mid-export is
normal, and giving up would leave delivered units unrecorded). An open connection passed instead of a path
(tests, benchmarks, ``:memory:``) is used throughout, as before.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from loaders.db import WarehouseLockedError, connect, db_path, default_wait, retry_locked

ALIAS = "warehouse"
RUN_WAIT_S = 600.0  # later accesses of a run wait at least this long for the lock
MAX_HOLD_S = 0.5  # the send loop releases the file at least this often, even with answers waiting


class Warehouse:
    def __init__(
        self,
        db: str | os.PathLike | duckdb.DuckDBPyConnection | None,
        *,
        read_only: bool = False,
        wait_s: float | None = None,
        run_wait_s: float = RUN_WAIT_S,
    ) -> None:
        self.read_only = read_only
        self.wait_s = default_wait() if wait_s is None else max(0.0, wait_s)
        self.run_wait_s = max(self.wait_s, run_wait_s)
        self._accesses = 0
        self._locked_out: WarehouseLockedError | None = None
        self._attached: str | None = None  # "ro" | "rw" while the file is attached
        self._attached_at = 0.0
        if isinstance(db, duckdb.DuckDBPyConnection):
            self.path: str | None = None
            self._con = db
            return
        path = db_path(db)
        if path == ":memory:":
            self.path = None
            self._con = connect(path)
            return
        if read_only and not Path(path).exists():
            raise FileNotFoundError(f"no DuckDB file at {path} (run cx load and dbt build first)")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._con = duckdb.connect(":memory:")
        self._con.execute("set timezone = 'UTC'")

    @property
    def locked_out(self) -> bool:
        """An access of this run gave up waiting for the lock (later ones fail at once)."""
        return self._locked_out is not None

    @property
    def holds_connection(self) -> bool:
        """True when a caller's connection is used throughout (no lock released between steps)."""
        return self.path is None

    @contextmanager
    def reading(self, hold: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection on which the warehouse's schemas resolve, for one read. The lock is released after,
        unless ``hold`` (the send loop: it calls ``release()`` before it waits on the API)."""
        con = self._attach(write=hold and not self.read_only)
        try:
            yield con
        finally:
            if not hold:
                self.release()

    @contextmanager
    def writing(self, hold: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction on the warehouse: committed on leaving, rolled back on an exception; the lock is
        released after unless ``hold``."""
        if self.read_only:
            raise RuntimeError("the warehouse was opened read-only")
        con = self._attach(write=True)
        try:
            con.begin()
            try:
                yield con
                con.commit()
            except BaseException:
                con.rollback()
                raise
        finally:
            if not hold:
                self.release()

    def held_for(self) -> float:
        """Seconds the file has been attached without a break (0 when it is not)."""
        return time.monotonic() - self._attached_at if self._attached is not None else 0.0

    def release(self) -> None:
        """Detach the warehouse (releasing its lock) if it is attached."""
        if self._attached is None:
            return
        self._attached = None
        self._con.execute("use memory")
        self._con.execute(f"detach {ALIAS}")

    def close(self) -> None:
        if self.path is not None:
            try:
                self.release()
            finally:
                self._con.close()

    # -- attach / detach ---------------------------------------------------------------------------
    def _attach(self, write: bool) -> duckdb.DuckDBPyConnection:
        if self.path is None:
            return self._con
        if self._attached == "rw" or (self._attached == "ro" and not write):
            return self._con
        self.release()  # attached read-only, a write is wanted
        if self._locked_out is not None:  # gave up once this run: do not wait another run_wait_s per step
            raise self._locked_out
        wait = self.wait_s if self._accesses == 0 else self.run_wait_s
        self._accesses += 1
        quoted = self.path.replace("'", "''")
        mode = "" if write else " (read_only)"
        try:
            retry_locked(lambda: self._con.execute(f"attach '{quoted}' as {ALIAS}{mode}"), self.path, wait)
        except WarehouseLockedError as exc:
            self._locked_out = exc
            raise
        self._attached = "rw" if write else "ro"
        self._attached_at = time.monotonic()
        self._con.execute(f"use {ALIAS}")
        return self._con
