"""The `cx` command line: one entry point, one sub-command per job.

Each sub-command lives in its own module and exposes ``add_parser(subparsers)``, which registers the
sub-command and sets ``func`` on its parser. Modules are imported lazily so ``cx --help`` stays fast and
a broken optional module never breaks the others.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from loaders import __version__

# Sub-command modules, in the order of `cx --help`.
COMMANDS: list[str] = [
    "loaders.synthetic.generator.cli",
    "loaders.landing_cli",
    "loaders.extract_cli",
    "loaders.summary",
    "exporter.cli",
]


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
    for module_name in COMMANDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue  # that command is not part of this build yet
            print(f"cx: warning: {module_name} could not be loaded ({exc})", file=sys.stderr)
            continue
        module.add_parser(sub)
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


if __name__ == "__main__":
    sys.exit(main())
