"""`cx verify kpis`: the queue KPIs of marts.fct_queue_performance against Genesys Cloud's aggregates."""

from __future__ import annotations

import argparse
import logging
from datetime import date

from rich.table import Table

from loaders.cli._options import add_db, add_quiet, add_wait, console, progress
from loaders.db import LOCKED_EXIT_CODE, WarehouseLockedError, connect
from loaders.genesys import GenesysClient, GenesysError
from loaders.kpis import METRIC_COLUMNS, verify_kpis

log = logging.getLogger(__name__)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("verify", help="cross-check marts against Genesys Cloud's own numbers",
                       description="Cross-check marts against Genesys Cloud's own numbers.")
    targets = p.add_subparsers(dest="target", metavar="TARGET")
    k = targets.add_parser(
        "kpis",
        help="fct_queue_performance vs POST /api/v2/analytics/conversations/aggregates/query",
        description=(
            "For every UTC day of [--since, --until) (default: the days the mart covers) send the mart's intervals "
            "(granularity = its interval length), groupBy queueId and mediaType, to Genesys Cloud's conversation "
            "aggregates query and compare every metric statistic (" + ", ".join(
                sorted({f"{m}.{s}" for m, s in METRIC_COLUMNS})) + ") with marts.fct_queue_performance. Every "
            "difference is listed (interval, queue, media type, metric, mart value, Genesys value)."
        ),
        epilog="exit codes: 0 no metric differs; 1 some differ or the API failed; 2 bad arguments or configuration "
               f"(GENESYS_* credentials, no fct_queue_performance: run dbt build first); {LOCKED_EXIT_CODE} the "
               "warehouse is locked.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    k.add_argument("--since", type=date.fromisoformat, help="first UTC day (YYYY-MM-DD)")
    k.add_argument("--until", type=date.fromisoformat, help="end UTC day, exclusive")
    k.add_argument("--show", type=int, default=20, help="differences to list (default 20; all are counted)")
    add_db(k)
    add_wait(k)
    add_quiet(k)
    k.set_defaults(func=run_kpis)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def run_kpis(args: argparse.Namespace) -> int:
    err = console(stderr=True)
    try:
        con = connect(args.db, read_only=True, wait=args.wait)
    except (WarehouseLockedError, ValueError) as exc:
        err.print(f"[red]cx verify kpis:[/red] {exc}", highlight=False, soft_wrap=True)
        return LOCKED_EXIT_CODE if isinstance(exc, WarehouseLockedError) else 2
    try:
        try:
            con.execute("select 1 from marts.fct_queue_performance limit 1")
        except Exception:  # noqa: BLE001 - any missing-table error means the same thing to the user
            err.print("[red]cx verify kpis:[/red] marts.fct_queue_performance does not exist: run dbt build first",
                      highlight=False, soft_wrap=True)
            return 2
        try:
            client = GenesysClient.from_env()
        except GenesysError as exc:
            err.print(f"[red]cx verify kpis:[/red] {exc}", highlight=False, soft_wrap=True)
            return 2
        bar = progress(err, quiet=args.quiet, transient=True)
        task = bar.add_task("aggregates", total=None)
        try:
            with client, bar:
                check = verify_kpis(client, con, args.since, args.until,
                                    on_day=lambda d: bar.update(task, description=f"aggregates {d.isoformat()}"))
        except GenesysError as exc:
            err.print(f"[red]cx verify kpis failed:[/red] {exc}", highlight=False, soft_wrap=True)
            return 1
    finally:
        con.close()
    out = console()
    if check.differences:
        shown = min(args.show, len(check.differences))
        table = Table(title=f"{len(check.differences)} differing metrics (first {shown})")
        for column in ("interval start (UTC)", "queue", "media", "metric", "mart", "Genesys"):
            table.add_column(column)
        for d in check.differences[: args.show]:
            table.add_row(f"{d.interval_start:%Y-%m-%d %H:%M}", d.queue_id, d.media_type, d.metric, f"{d.mart:g}",
                          f"{d.genesys:g}")
        out.print(table)
    out.print(f"{check.days} days, {check.requests} aggregate queries, {check.cells} interval × queue × media cells, "
              f"{check.values} metric values compared: {len(check.differences)} differ", highlight=False)
    return 1 if check.differences else 0
