"""Birth dates in every common layout (issue 14): staging (macro parse_date_text) and cx load's summary
(loaders/dates.py) read each value the same way; a user landing YYYYMMDD dates with no option sees them
parsed, and one landing day-month dates without an order is told which --date-order to pass."""

from __future__ import annotations

import random
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import BIN, query, run_dbt

from loaders.dates import parse_date

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
LONG = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December"]  # fmt: skip


def _layouts(d: date) -> list[str]:
    return [
        d.isoformat(), f"{d.year}/{d.month}/{d.day}", d.strftime("%Y%m%d"), d.strftime("%d/%m/%Y"),
        d.strftime("%m/%d/%Y"), f"{d.day}.{d.month}.{d.year}", d.strftime("%d-%m-%Y"),
        f"{d.day} {MONTHS[d.month - 1]} {d.year}", f"{d.day}-{LONG[d.month - 1].upper()}-{d.year}",
        f"{MONTHS[d.month - 1]} {d.day}, {d.year}", f"{LONG[d.month - 1]} {d.day} {d.year}",
        f"{d.isoformat()}T00:00:00Z", d.strftime("%d%m%Y"), d.strftime("%m%d%Y"),
    ]  # fmt: skip


def _corpus(rng: random.Random, n: int) -> list[str]:
    values = ["", "  ", "unknown", "31/02/1984", "19841317", "1984-02-30", "17 Foo 1984", "17/3/84", "0/0/0000"]
    start = date(1930, 1, 1)
    for _ in range(n):
        d = start + timedelta(days=rng.randrange(0, 80 * 365))
        v = rng.choice(_layouts(d))
        if rng.random() < 0.1:  # a typo: one digit replaced
            digits = [i for i, c in enumerate(v) if c.isdigit()]
            i = rng.choice(digits)
            v = v[:i] + str(rng.randrange(10)) + v[i + 1 :]
        values.append(v)
    return values


def test_python_reading_matches_hand_computed_values() -> None:
    assert parse_date("19840317") == (date(1984, 3, 17), None)
    assert parse_date("17031984", "DMY") == (date(1984, 3, 17), None)
    assert parse_date("03171984", "MDY") == (date(1984, 3, 17), None)
    assert parse_date("17031984") == (None, "not_a_calendar_date")
    assert parse_date("17/03/1984") == (None, "day_month_order_unknown")
    assert parse_date("05/05/1984") == (date(1984, 5, 5), None)
    assert parse_date("17/03/1984", "dmy") == (date(1984, 3, 17), None)
    assert parse_date("03/17/1984", "MDY") == (date(1984, 3, 17), None)
    assert parse_date("03/17/1984", "DMY") == (None, "not_a_calendar_date")
    assert parse_date("17 Sept 1984") == (date(1984, 9, 17), None)
    assert parse_date("September 17, 1984") == (date(1984, 9, 17), None)
    assert parse_date("1984-03-17T10:00:00Z") == (date(1984, 3, 17), None)
    assert parse_date("  ") == (None, None)
    assert parse_date("17/3/84") == (None, "unrecognised_layout")


@pytest.mark.parametrize("order", [None, "DMY", "MDY"])
def test_staging_reads_every_value_as_the_loader_predicts(tmp_path: Path, order: str | None) -> None:
    rng = random.Random(14)
    values = _corpus(rng, 600)
    csv = tmp_path / "people.csv"
    csv.write_text("id,born\n" + "".join(f'r{i},"{v}"\n' for i, v in enumerate(values)), encoding="utf-8")
    db = tmp_path / "dates.duckdb"
    cmd = [str(BIN / "cx"), "load", "customers", str(csv), "--source-system", "somewhere_new", "--map",
           "id=source_record_id,born=date_of_birth", "--db", str(db), "--quiet"]  # fmt: skip
    if order:
        cmd += ["--date-order", order.lower()]
    landed = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert landed.returncode == 0, landed.stdout + landed.stderr
    assert run_dbt(db, "seed", "--select", "source_systems", "country_codes").returncode == 0
    built = run_dbt(db, "run", "--select", "stg_crm__customer_records")
    assert built.returncode == 0, built.stdout[-2000:]
    rows = query(
        db,
        "select source_record_id, date_of_birth, date_of_birth_issue from staging.stg_crm__customer_records",
    )
    assert len(rows) == len(values)
    expected = {f"r{i}": parse_date(v, order) for i, v in enumerate(values)}
    wrong = [(rid, values[int(rid[1:])], got, iss, expected[rid]) for rid, got, iss in rows
             if (got, iss) != expected[rid]]  # fmt: skip
    assert not wrong, wrong[:10]
    # and both agree with the calendar: every parsed value is one of the dates the corpus was written from
    parsed = sum(1 for d, _ in expected.values() if d)
    assert parsed > 0.5 * len(values)

    # the summary names what will not parse and, without an order, which order fits
    summary = " ".join(landed.stderr.split())
    unparsed = sum(1 for d, issue in expected.values() if issue)
    assert f"date_of_birth: {unparsed:,} of" in summary
    if order is None:
        assert "day month order unknown" in summary and "--date-order" in summary
    else:
        assert "day month order unknown" not in summary


def test_yyyymmdd_dates_need_no_option(tmp_path: Path) -> None:
    """The FEBRL-style layout: a user passing no option sees every date parsed and no date note."""
    csv = tmp_path / "febrl.csv"
    csv.write_text("rec_id,dob\na,19840317\nb,19991231\nc,20000229\n", encoding="utf-8")
    db = tmp_path / "f.duckdb"
    landed = subprocess.run(
        [str(BIN / "cx"), "load", "customers", str(csv), "--source-system", "febrl", "--map",
         "rec_id=source_record_id,dob=date_of_birth", "--db", str(db)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert landed.returncode == 0 and "date_of_birth" not in landed.stderr, landed.stderr
    assert run_dbt(db, "seed", "--select", "source_systems", "country_codes").returncode == 0
    assert run_dbt(db, "run", "--select", "stg_crm__customer_records").returncode == 0
    got = query(db, "select source_record_id, date_of_birth from staging.stg_crm__customer_records order by 1")
    assert got == [("a", date(1984, 3, 17)), ("b", date(1999, 12, 31)), ("c", date(2000, 2, 29))]
