"""`cx ui`: the dashboards as a local web app (Streamlit) on 127.0.0.1, with the identity review screen."""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path

from loaders.cli._options import add_db, console
from loaders.db import db_path

APP = Path(__file__).resolve().parents[1] / "ui" / "app.py"
MISSING_EXTRA = "the dashboards need the `ui` extra: `pip install -e '.[ui]'` (or `make ui`)"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ui",
        help="dashboards and the identity review screen in a local web app",
        description=(
            "Serve the dashboards (Effort, Attribution, Customers with the identity review queue, Engagement and "
            "export) on http://127.0.0.1:PORT. The warehouse is read read-only, one short connection per page "
            "load, so `make build` can run meanwhile; review decisions are appended to a CSV (the dbt seed "
            "identity_review_decisions) that the next `make build` honours."
        ),
        epilog="exit codes: 0 stopped, 2 the ui extra is not installed or the decisions file is not writable.",
    )
    add_db(p)
    p.add_argument("--port", type=int, default=8501, help="port on 127.0.0.1 (default 8501)")
    p.add_argument("--show-pii", action="store_true",
                   help="show names, emails, phones, birth dates and streets unmasked (default: masked)")
    p.add_argument("--decisions", type=Path, default=None, metavar="CSV",
                   help="review decisions file (default: $CX_REVIEW_DECISIONS or the project's "
                        "seeds/identity_review_decisions.csv); reviewer name: $CX_REVIEWER, else the OS user")
    p.set_defaults(func=run)


def streamlit_command(args: argparse.Namespace, decisions: Path) -> list[str]:
    """The server: bound to 127.0.0.1 (an explicit address also spares Streamlit its external-IP lookup),
    headless (no browser, no e-mail prompt), no usage statistics, no file watcher."""
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address=127.0.0.1", f"--server.port={args.port}", "--server.headless=true",
        "--browser.gatherUsageStats=false", "--server.fileWatcherType=none", "--global.developmentMode=false",
        "--client.toolbarMode=minimal", "--theme.base=light",
        "--", "--db", str(Path(db_path(args.db)).resolve()), "--decisions", str(decisions),
    ]
    if args.show_pii:
        command.append("--show-pii")
    return command


def run(args: argparse.Namespace) -> int:
    err = console(stderr=True)
    if importlib.util.find_spec("streamlit") is None or importlib.util.find_spec("plotly") is None:
        err.print(f"[red]cx ui:[/red] {MISSING_EXTRA}")
        return 2
    from loaders.ui.review import default_decisions_path

    decisions = (args.decisions or default_decisions_path()).resolve()
    if not os.access(decisions if decisions.exists() else decisions.parent, os.W_OK):
        err.print(f"[red]cx ui:[/red] cannot write review decisions to {decisions}")
        return 2
    if not Path(db_path(args.db)).exists():
        err.print(f"cx ui: no warehouse at {db_path(args.db)} yet; the pages will say so until `make demo` ran")
    err.print(f"cx ui: http://127.0.0.1:{args.port}  (PII {'shown' if args.show_pii else 'masked'}; decisions → "
              f"{decisions}; Ctrl-C stops)")
    command = streamlit_command(args, decisions)
    sys.stderr.flush()
    os.execv(command[0], command)  # the server replaces this process: stopping it stops the app
    return 0  # pragma: no cover
