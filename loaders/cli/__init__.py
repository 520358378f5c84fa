"""The `cx` command line: one entry point, one module per sub-command.

Every command module exposes ``add_parser(subparsers) -> None``, which registers the sub-command and sets
``func`` on its parser; shared options, the console and the progress bar are in ``_options``. The imports are
explicit: a broken install fails loudly instead of silently losing a command.
"""

from __future__ import annotations

import argparse
import logging
import sys

from loaders import __version__
from loaders.cli import export, extract, generate, lake, load, report, run, summary, ui, verify

# in the order of `cx --help`
COMMANDS = (generate, load, extract, summary, export, lake, run, verify, ui, report)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cx",
        description=(
            "Genesys Cloud CX analytics: generate sample data, land files and API extracts into DuckDB, "
            "and export the marts back to Genesys Cloud. The DuckDB file is CX_DUCKDB_PATH "
            "(default: warehouse.duckdb)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"cx {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging (never logs PII or secrets)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)
