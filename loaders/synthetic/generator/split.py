"""Hold the last days of a generated data set back, as the files that would arrive night by night.

``split_days(out, 3)`` moves every record dated in the window's last three UTC days out of the history files
into ``out/days/<YYYY-MM-DD>/``, with the same layout (``cx load out/days/2026-10-31`` lands one night), so a
benchmark or a test can build the history once and then add one day at a time (issue 16). Which day a record
belongs to is its own time stamp: a conversation page's folder, an interaction-event file's date, a touch's
local date, a conversion's date, a CRM delivery's ``received_at``, a customer record's ``updated_at``; a
record dated after the window's end goes to the last day, and one whose date cannot be read stays in the
history. Campaigns stay in the history. Moving records changes no value: landing the history and every day
lands exactly the records of the unsplit data set.

``changed_per_day=K`` adds what a CRM export also carries night by night: K existing customer records per day
in a new version (same source and id, ``updated_at`` on that day) with one change a person makes — a new email
provider, a new phone number, a move to another address, a new last name. The new versions are additions, so
the incremental models must replace a record's blocks, pairs and clusters, not only add new ones.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import shutil
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

DAYS_DIR = "days"
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _date_of(text: str | None) -> date | None:
    match = _DATE.match((text or "").strip())
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def held_days(reference_time: str, days: int) -> list[date]:
    """The last ``days`` UTC days before the generated window's end (its reference time), oldest first."""
    end = _date_of(reference_time)
    if end is None:
        raise ValueError(f"reference time {reference_time!r} is not an ISO date")
    return [end - timedelta(days=n) for n in range(days, 0, -1)]


def split_days(out: str | Path, days: int, changed_per_day: int = 0) -> dict[str, dict[str, int]]:
    """Move the records of the last ``days`` days of the generated data set in ``out`` into
    ``out/days/<date>/`` and add ``changed_per_day`` changed customer-record versions to each day; returns, per
    day, how many records of each file went there."""
    out = Path(out)
    manifest_path = out / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    held = held_days(manifest["reference_time"], days)
    first, last = held[0], held[-1]
    target = out / DAYS_DIR
    if target.exists():
        shutil.rmtree(target)
    moved: dict[str, dict[str, int]] = {d.isoformat(): {} for d in held}

    def day_of(value: date | None) -> date | None:
        if value is None or value < first:
            return None
        return min(value, last)

    def count(day: date, name: str, n: int) -> None:
        per_day = moved[day.isoformat()]
        per_day[name] = per_day.get(name, 0) + n

    # conversations: one folder per UTC day; interaction events: one file per day
    for folder in sorted((out / "genesys" / "conversations").glob("*")):
        day = day_of(_date_of(folder.name))
        if day is not None and folder.is_dir():
            dest = target / day.isoformat() / "genesys" / "conversations" / folder.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            count(day, "genesys/conversations (pages)", len(list(folder.glob("*.json"))))
            shutil.move(folder, dest)
    for path in sorted((out / "genesys" / "events").glob("interactions-*.ndjson")):
        day = day_of(_date_of(path.stem.removeprefix("interactions-")))
        if day is not None:
            dest = target / day.isoformat() / "genesys" / "events" / path.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            count(day, "genesys/events", sum(1 for line in path.open(encoding="utf-8") if line.strip()))
            shutil.move(path, dest)

    for path in sorted((out / "genesys" / "users").glob("user-details-*.ndjson")):
        day = day_of(_date_of(path.stem.removeprefix("user-details-")))
        if day is not None:
            dest = target / day.isoformat() / "genesys" / "users" / path.name
            if dest.exists():  # a day after the window's end joins the last day's file
                dest.write_text(dest.read_text(encoding="utf-8") + path.read_text(encoding="utf-8"), encoding="utf-8")
                path.unlink()
            else:
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(path, dest)
            count(day, "genesys/users", sum(1 for line in dest.open(encoding="utf-8") if line.strip()))

    # line files: each record to its day, the rest stays
    for path in sorted((out / "customers").glob("customers_*.csv")):
        _split_csv(path, out, target, "updated_at", day_of, count)
    _split_csv(out / "crm" / "conversions.csv", out, target, "ConversionDate", day_of, count)
    _split_csv(out / "marketing" / "touches.csv", out, target, "touched_at_local", day_of, count)
    events = out / "crm" / "events.ndjson"
    if events.exists():
        _split_lines(events, out, target, day_of, count)
    if changed_per_day:
        _change_records(out, target, held, changed_per_day, random.Random(f"{manifest.get('seed')}-changes"), count)

    manifest["held_out_days"] = {"directory": DAYS_DIR, "days": moved, "changed_records_per_day": changed_per_day}
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return moved


def _split_csv(path: Path, out: Path, target: Path, column: str, day_of: Callable[[date | None], date | None],
               count: Callable[[date, str, int], None]) -> None:
    if not path.exists():
        return
    with path.open(encoding="utf-8", newline="") as fh:  # line endings as written
        text = fh.read()
    header_end = text.index("\n") + 1
    header = next(csv.reader([text[:header_end]]))
    position = header.index(column)
    kept: list[str] = [text[:header_end]]
    per_day: dict[date, list[str]] = {}
    # each record's text exactly as written; a quoted field may hold a line break
    buffer = io.StringIO(text[header_end:], newline="")
    while True:
        line = buffer.readline()
        if not line:
            break
        while line.count('"') % 2 and (more := buffer.readline()):  # a quoted field went on to the next line
            line += more
        fields = next(csv.reader([line]), [])
        day = day_of(_date_of(fields[position])) if len(fields) > position else None
        (kept if day is None else per_day.setdefault(day, [])).append(line)
    _write(path, out, target, kept, per_day, count, header=text[:header_end])


def _split_lines(path: Path, out: Path, target: Path, day_of: Callable[[date | None], date | None],
                 count: Callable[[date, str, int], None]) -> None:
    kept: list[str] = []
    per_day: dict[date, list[str]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for line in fh:
            try:
                received = json.loads(line).get("received_at")
            except (ValueError, AttributeError):
                received = None  # a cut-off or damaged line stays where it was
            day = day_of(_date_of(received if isinstance(received, str) else None))
            (kept if day is None else per_day.setdefault(day, [])).append(line)
    _write(path, out, target, kept, per_day, count)


def _write(path: Path, out: Path, target: Path, kept: list[str], per_day: dict[date, list[str]],
           count: Callable[[date, str, int], None], header: str = "") -> None:
    """``path`` keeps ``kept`` (its header included); each day's records go to the same path under
    ``target/<day>/``, after ``header``."""
    path.write_text("".join(kept), encoding="utf-8", newline="")
    relative = path.relative_to(out)
    for day, records in per_day.items():
        dest = target / day.isoformat() / relative
        dest.parent.mkdir(parents=True, exist_ok=True)
        if records and not records[-1].endswith("\n"):
            records[-1] += "\n"
        dest.write_text(header + "".join(records), encoding="utf-8", newline="")
        count(day, str(relative), len(records))


def _change_records(out: Path, target: Path, held: list[date], per_day: int, rng: random.Random,
                    count: Callable[[date, str, int], None]) -> None:
    """Append ``per_day`` changed versions of history customer records to each held day's customer files."""
    files: dict[Path, tuple[list[str], list[dict[str, str]], str]] = {}
    for path in sorted((out / "customers").glob("customers_*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            text = fh.read()
        newline = "\r\n" if text.split("\n", 1)[0].endswith("\r") else "\n"
        reader = csv.DictReader(io.StringIO(text, newline=""))
        files[path] = (list(reader.fieldnames or []), list(reader), newline)
    candidates = [(path, row) for path, (_, rows, _) in files.items() for row in rows if row.get("updated_at")]
    chosen = rng.sample(candidates, min(len(candidates), per_day * len(held)))
    for number, (path, row) in enumerate(chosen):
        day = held[number // per_day]
        changed = _changed(row, [r for _, r in rng.sample(candidates, min(len(candidates), 5))], rng)
        seconds = rng.randrange(86_400)
        changed["updated_at"] = f"{day.isoformat()}T{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}Z"
        header, _, newline = files[path]
        dest = target / day.isoformat() / path.relative_to(out)
        dest.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=header, lineterminator=newline)
        if not dest.exists():
            writer.writeheader()
        writer.writerow(changed)
        with dest.open("a", encoding="utf-8", newline="") as fh:
            fh.write(buffer.getvalue())
        count(day, f"{path.relative_to(out)} (changed versions)", 1)


def _changed(row: dict[str, str], others: list[dict[str, str]], rng: random.Random) -> dict[str, str]:
    """``row`` with one change a person makes; ``others`` lend a name or an address."""
    row = dict(row)
    kinds = [kind for kind, column in (("email", "email"), ("phone", "phone"), ("move", "street"),
                                       ("name", "last_name")) if row.get(column)]
    kind = rng.choice(kinds) if kinds else None
    if kind == "email":
        local = row["email"].split("@", 1)[0]
        provider = rng.choice(["gmail.com", "outlook.com", "proton.me", "icloud.com"])
        row["email"] = f"{local}{rng.randrange(10, 99)}@{provider}"
    elif kind == "phone":
        digits = [i for i, ch in enumerate(row["phone"]) if ch.isdigit()]
        phone = list(row["phone"])
        for i in digits[-4:]:
            phone[i] = str(rng.randrange(10))
        row["phone"] = "".join(phone)
    elif kind == "move":
        lender = next((o for o in others if o.get("street")), None)
        if lender:
            for column in ("street", "city", "postcode"):
                if column in row and column in lender:
                    row[column] = lender[column]
    elif kind == "name":
        lender = next((o for o in others if o.get("last_name") and o["last_name"] != row["last_name"]), None)
        if lender:
            row["last_name"] = lender["last_name"]
    return row
