"""What every `cx` command shares: the --db / --quiet / --wait options, the console and the progress bar."""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn

from loaders.db import LOCKED_EXIT_CODE, WAIT_HELP, WarehouseLockedError, connect, db_path


def add_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", default=None, help="DuckDB file (default: $CX_DUCKDB_PATH or warehouse.duckdb)")


def add_wait(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wait", type=float, default=None, metavar="SECONDS", help=WAIT_HELP)


def add_quiet(parser: argparse.ArgumentParser, *hidden_aliases: str) -> None:
    """``--quiet``: no progress bar. ``hidden_aliases`` (e.g. a command's old ``--no-progress``) still work but
    are not listed in --help."""
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    for alias in hidden_aliases:
        parser.add_argument(alias, dest="quiet", action="store_true", help=argparse.SUPPRESS)


def console(stderr: bool = False, width: int = 140) -> Console:
    """A rich console, ``width`` columns wide when not on a terminal (so summary tables are not squeezed)."""
    out = Console(stderr=stderr)
    if not out.is_terminal:
        out = Console(stderr=stderr, width=width)
    return out


def progress(
    out: Console,
    *,
    quiet: bool,
    label: str = "{task.description}",
    extra: tuple[ProgressColumn, ...] = (),
    transient: bool = False,
) -> Progress:
    """The progress bar every command shows: label, bar, done / total, ``extra`` columns, elapsed time."""
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        *extra,
        TimeElapsedColumn(),
        console=out,
        disable=quiet,
        transient=transient,
    )


def open_failed(err: Console, command: str, exc: Exception) -> int:
    """Report why the warehouse could not be opened (``cx <command>: <reason>``) and return the exit code:
    LOCKED_EXIT_CODE when another process holds its lock, 2 for a bad path or setting."""
    err.print(f"[red]cx {command}:[/red] {exc}", highlight=False, soft_wrap=True)
    return LOCKED_EXIT_CODE if isinstance(exc, WarehouseLockedError) else 2


def open_existing_read_only(
    command: str, db: str | None, wait: float | None, hint: str
) -> tuple[duckdb.DuckDBPyConnection | None, int]:
    """The read-only connection of a command that only reads the warehouse, or (None, exit code): 1 with ``hint``
    when there is no database file (read-only would not create one), else as :func:`open_failed`."""
    path = db_path(db)
    if path != ":memory:" and not Path(path).exists():
        console(stderr=True).print(f"[red]cx {command}:[/red] no database at {path}; {hint}")
        return None, 1
    try:
        return connect(path, read_only=True, wait=wait), 0
    except (WarehouseLockedError, ValueError) as exc:
        return None, open_failed(console(stderr=True), command, exc)
