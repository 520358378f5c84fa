"""`cx report`: the dashboards as static HTML files (charts included, readable offline)."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

from loaders.cli._options import add_db, console
from loaders.db import db_path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="the dashboards as static HTML (offline, for people without the app)",
        description=(
            "Write index.html and one HTML file per dashboard page (effort, attribution, customers, engagement) "
            "into DIR, with plotly.min.js beside them: the same queries and charts as `cx ui`, no network needed "
            "to open them. PII is masked unless --show-pii."
        ),
        epilog="exit codes: 0 written, 1 no database file, 2 the ui extra is not installed.",
    )
    add_db(p)
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="directory to write the HTML into")
    p.add_argument("--show-pii", action="store_true", help="show PII unmasked in the review queue table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out = console()
    if importlib.util.find_spec("plotly") is None or importlib.util.find_spec("pandas") is None:
        console(stderr=True).print("[red]cx report:[/red] the report needs the `ui` extra: "
                                   "`pip install -e '.[ui]'`")
        return 2
    path = db_path(args.db)
    if not Path(path).exists():
        console(stderr=True).print(f"[red]cx report:[/red] no database at {path}; run `make demo` first")
        return 1
    from loaders.ui.blocks import Options
    from loaders.ui.report import write_report
    from loaders.ui.review import default_decisions_path

    written = write_report(path, args.out, Options(show_pii=args.show_pii,
                                                   decisions_path=str(default_decisions_path())))
    for page in written:
        out.print(f"wrote {page}")
    out.print(f"open {Path(args.out) / 'index.html'}")
    return 0
