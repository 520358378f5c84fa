"""What every `cx` command shares: the --db / --quiet / --wait options, the console and the progress bar."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn

from loaders.db import WAIT_HELP


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
