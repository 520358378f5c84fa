"""Opening the project's DuckDB database.

DuckDB lets one process at a time open a file for writing (and no other process may read it meanwhile):
``dbt build``, ``cx load``, ``cx extract`` and ``cx export`` each take that lock while they write. When
another process holds it, ``connect()`` raises ``WarehouseLockedError`` naming the holder (program and PID,
from DuckDB's own message) and what to do, instead of DuckDB's IO error; with ``wait`` it retries with
back-off until the lock is free or the deadline passes. CLIs print the message and exit with
``LOCKED_EXIT_CODE`` (3).
"""

from __future__ import annotations

import os
import random
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb

T = TypeVar("T")

LOCKED_EXIT_CODE = 3  # every cx command that opens the warehouse: "the warehouse is locked by another process"
WAIT_ENV = "CX_DUCKDB_WAIT_S"  # default for wait when a command has no --wait (0: fail at once)
WAIT_HELP = (
    "when another process (dbt build, cx load, another cx export) holds the DuckDB file's lock, retry with "
    f"back-off for up to SECONDS before giving up (default: ${WAIT_ENV} or 0, fail at once); a locked "
    f"warehouse exits with exit code {LOCKED_EXIT_CODE} and a message naming the holder"
)

_LOCK = re.compile(
    r'Could not set lock on file "(?P<file>[^"]*)": Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)'
)
_WORD = re.compile(r"[\w./][\w./-]*")


class WarehouseLockedError(Exception):
    """Another process holds the DuckDB file's lock (and kept it until the deadline when waiting)."""

    def __init__(self, path: str, program: str, pid: int, waited_s: float = 0.0) -> None:
        self.path = path
        self.program = program
        self.pid = pid
        self.waited_s = waited_s
        command = _command_of(pid)
        holder = f"{program} (PID {pid})" + (f", running `{command}`" if command else "")
        if waited_s > 0:
            text = (f"the DuckDB file {path} is still locked by another process after waiting {waited_s:.0f}s: "
                    f"{holder}. Wait for it to finish, or pass a longer --wait SECONDS.")
        else:
            text = (f"the DuckDB file {path} is locked by another process: {holder}. DuckDB lets one process "
                    "write a file at a time (dbt build, cx load, cx extract and cx export each hold it while they "
                    "write): wait for it to finish, or pass --wait SECONDS to retry until it is free.")
        super().__init__(text)


def db_path(explicit: str | os.PathLike | None = None) -> str:
    """The database file: an explicit path, else $CX_DUCKDB_PATH, else warehouse.duckdb."""
    return str(explicit or os.environ.get("CX_DUCKDB_PATH") or "warehouse.duckdb")


def default_wait() -> float:
    """Seconds to wait for a locked file when no --wait was given: $CX_DUCKDB_WAIT_S, else 0."""
    text = (os.environ.get(WAIT_ENV) or "").strip()
    if not text:
        return 0.0
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise ValueError(f"{WAIT_ENV} must be a number of seconds (0 or more), got {text!r}")
    return value


def lock_holder(message: str) -> tuple[str, int] | None:
    """(program, PID) from DuckDB's "Could not set lock on file … Conflicting lock is held in …" message."""
    match = _LOCK.search(message)
    return (match["program"], int(match["pid"])) if match else None


def connect(
    explicit: str | os.PathLike | None = None,
    read_only: bool = False,
    wait: float | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse (UTC session time zone).

    ``wait``: seconds to keep retrying while another process holds the file's lock (None: ``$CX_DUCKDB_WAIT_S``
    or 0). Back-off starts at 50 ms and doubles to 2 s, with jitter. Raises ``WarehouseLockedError`` when the
    lock is still held at the deadline; any other DuckDB error is raised as is.
    """
    path = db_path(explicit)
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = retry_locked(lambda: duckdb.connect(path, read_only=read_only), path, wait, sleep=sleep, clock=clock)
    con.execute("set timezone = 'UTC'")
    return con


def retry_locked(
    action: Callable[[], T],
    path: str,
    wait: float | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """``action()`` (an open or ATTACH of ``path``), retried while DuckDB says another process holds the
    file's lock, until ``wait`` seconds have passed; then ``WarehouseLockedError``."""
    wait = default_wait() if wait is None else max(0.0, float(wait))
    started = clock()
    delay = 0.05
    while True:
        try:
            return action()
        except duckdb.IOException as exc:
            holder = lock_holder(str(exc))
            if holder is None:
                raise
            waited = clock() - started
            if waited >= wait:
                raise WarehouseLockedError(path, holder[0], holder[1], waited if wait > 0 else 0.0) from None
            sleep(min(delay * (0.5 + random.random() / 2), wait - waited))
            delay = min(delay * 2, 2.0)


def _command_of(pid: int) -> str:
    """A short, safe view of the holder's command line (``python dbt build``, ``python cx load``): the
    leading words only, file names without directories, nothing after the first option or value-like token,
    so no argument values (which could be anything) are repeated."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    words: list[str] = []
    for arg in raw.decode("utf-8", "replace").split("\0"):
        if not arg or arg.startswith("-") or not _WORD.fullmatch(arg) or len(words) == 3:
            break
        words.append(os.path.basename(arg) or arg)
    return " ".join(words)
