"""`cx generate`: write a deterministic synthetic data set (Genesys pages, customer records, CRM exports,
marketing files) with its ground truth."""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path
from typing import Any

from rich.table import Table

from loaders.cli._options import add_quiet, console, progress
from loaders.synthetic.generator.core import NOISE_LEVELS, generate
from loaders.synthetic.generator.profiles import PROFILES, REFERENCE_TIME, WINDOW_DAYS

log = logging.getLogger(__name__)


def add_parser(sub: argparse._SubParsersAction) -> None:
    profiles = "; ".join(
        f"{name}: {v.customers:,} customers, ~{v.conversations:,} conversations, ~{v.touches:,} touches, "
        f"~{v.conversions:,} conversions, ~{v.crm_events:,} CRM events"
        for name, v in PROFILES.items()
    )
    parser = sub.add_parser(
        "generate",
        help="write a deterministic synthetic data set with ground truth",
        description=(
            "Write a synthetic Genesys Cloud CX data set in the file layout of docs/sources.md "
            "(genesys/, customers/, crm/, marketing/) plus truth/ (the planted ground truth, never landed) and "
            f"manifest.json. The data covers the {WINDOW_DAYS} days before the fixed reference time "
            f"{REFERENCE_TIME}. The same profile, seed and overrides always give byte-identical files. "
            f"Profiles — {profiles}."
        ),
    )
    parser.add_argument("--profile", choices=sorted(PROFILES), default="demo", help="scale profile (default: demo)")
    parser.add_argument("--seed", type=int, default=1, help="random seed; same seed ⇒ same files (default: 1)")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("data/generated"),
        help="output directory (its genesys/ customers/ crm/ marketing/ truth/ are replaced; default: data/generated)",
    )
    vol = parser.add_argument_group(
        "volume overrides", "scale one entity alone; --customers alone scales every other entity proportionally"
    )
    vol.add_argument("--customers", type=int, metavar="N", help="number of people (≈1.6 source records each)")
    vol.add_argument("--conversations", type=int, metavar="N", help="distinct Genesys conversations (target)")
    vol.add_argument("--touches", type=int, metavar="N", help="marketing touches in marketing/touches.csv (target)")
    vol.add_argument("--conversions", type=int, metavar="N", help="CRM conversions (target)")
    vol.add_argument("--crm-events", dest="crm_events", type=int, metavar="N",
                     help="CRM webhook deliveries in crm/events.ndjson (target)")  # fmt: skip
    parser.add_argument(
        "--noise",
        choices=NOISE_LEVELS,
        default="standard",
        help=(
            "how messy the customer records are (default: standard). heavy corrupts customers/customers_<system>.csv "
            "like the FEBRL / GeCo record-linkage benchmarks: per record and field, independently, typos, phonetic "
            "and OCR errors, blanks, first/last name and day/month swaps, birth date digit / year errors; birth "
            "dates as YYYYMMDD in crm and DD/MM/YYYY in erp (a few %% ISO or '17 Mar 1984'); ~35%% of people get 1-4 "
            "extra duplicate records; ≈2.5 corruptions per crm/erp record (rates: "
            "loaders/synthetic/generator/corrupt.py). "
            "Clean values and applied corruptions per record: truth/customer_records_clean.csv; manifest.json gets "
            '"noise": "heavy". All other files are identical to standard'
        ),
    )
    parser.add_argument(
        "--hold-out-days",
        type=int,
        default=0,
        metavar="N",
        help=(
            "keep the window's last N days out of the history files: their records go to OUT/days/<YYYY-MM-DD>/ in "
            "the same layout, the files that would arrive night by night (cx load OUT, then cx load OUT/days/<day> "
            "and dbt build per day; `cx load OUT` skips days/). Default 0"
        ),
    )
    parser.add_argument(
        "--changed-records-per-day",
        type=int,
        default=None,
        metavar="K",
        help=(
            "with --hold-out-days: each held-out day also gets K existing customer records in a new version (a new "
            "email, phone, address or last name), as a CRM export carries them (default: 0.2%% of the customer "
            "records, at least 5; 0 for none)"
        ),
    )
    add_quiet(parser, "--no-progress")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    overrides = {k: getattr(args, k) for k in ("customers", "conversations", "touches", "conversions", "crm_events")}
    started = time.monotonic()
    try:
        manifest = _with_progress(args, overrides)
    except ValueError as exc:
        log.error("cx generate: %s", exc)
        return 2
    _summary(manifest, args.out, time.monotonic() - started)
    return 0


def _with_progress(args: argparse.Namespace, overrides: dict[str, int | None]) -> dict[str, Any]:
    with progress(console(), quiet=args.quiet, label="[bold]{task.description:<14}") as bar:
        tasks: dict[str, Any] = {}

        def on_stage(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        return generate(args.profile, args.seed, args.out, overrides, progress=on_stage, noise=args.noise,
                        hold_out_days=args.hold_out_days, changed_records_per_day=args.changed_records_per_day)


def _summary(manifest: dict[str, Any], out: Path, seconds: float) -> None:
    c = manifest["counts"]
    noise = f", noise {manifest['noise']}" if "noise" in manifest else ""
    table = Table(
        title=f"cx generate — profile {manifest['profile']}, seed {manifest['seed']}{noise}", show_lines=False
    )
    table.add_column("file")
    table.add_column("rows", justify="right")
    table.add_row("genesys/conversations/<day>/*.json",
                  f"{c['genesys_conversations']:,} ({c['genesys_conversations_distinct']:,} distinct, "
                  f"{c['genesys_conversation_pages']:,} pages)")  # fmt: skip
    table.add_row("genesys/events/*.ndjson", f"{c['genesys_interaction_events']:,}")
    for system, n in c["crm_customer_records_by_system"].items():
        table.add_row(f"customers/customers_{system}.csv", f"{n:,}")
    table.add_row("crm/conversions.csv", f"{c['crm_conversions']:,}")
    table.add_row("crm/events.ndjson", f"{c['crm_events']:,} ({c['crm_events_distinct']:,} distinct)")
    table.add_row("marketing/campaigns.csv", f"{c['marketing_campaigns']:,}")
    table.add_row("marketing/touches.csv", f"{c['marketing_touches']:,}")
    held = manifest.get("held_out_days", {}).get("days", {})
    for day, files in held.items():
        table.add_row(f"days/{day}/ (held out)", f"{sum(files.values()):,} records / pages")
    err = console(stderr=True)
    err.print(table)
    err.print(
        f"Wrote {out} in {seconds:.1f} s; reference time {manifest['reference_time']}. "
        f"Ground truth: {out / 'truth'} (never landed); counts: {out / 'manifest.json'}."
    )
