"""One rich console setup for every command: wide enough for the summary tables when not on a terminal."""

from __future__ import annotations

from rich.console import Console


def make_console(stderr: bool = False) -> Console:
    console = Console(stderr=stderr)
    if not console.is_terminal:
        console = Console(stderr=stderr, width=140)
    return console
