"""Date texts in every common layout, read the way staging reads them (macro parse_date_text in
macros/cross_db/dates.sql; tests/python/test_dates.py checks that both agree value for value).

`cx load` uses this to tell a user, per date column, how many values will not parse and which
``--date-order`` would read the ones that cannot tell day from month by themselves. It never decides the
order: a day-month layout is read only with the source's order (or when day = month).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

DATE_ORDERS = ("DMY", "MDY", "YMD")

_YEAR_FIRST = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})([T ].*)?$")
_COMPACT = re.compile(r"^\d{8}$")
_DAY_MONTH = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_DAY_NAME = re.compile(r"^(\d{1,2}) +([a-z]{3,9})\.? +(\d{4})$")
_NAME_DAY = re.compile(r"^([a-z]{3,9})\.? +(\d{1,2}) +(\d{4})$")
_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
            ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "september"), ("oct", "october"),
            ("nov", "november"), ("dec", "december"),
        ]  # fmt: skip
    )
    for name in names
}


def _date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def parse_date(text: str | None, order: str | None = None) -> tuple[date | None, str | None]:
    """(the date, None) or (None, why not): 'day_month_order_unknown', 'not_a_calendar_date',
    'unrecognised_layout'; (None, None) for a blank value."""
    v = (text or "").strip()
    if not v:
        return None, None
    order = (order or "").strip().upper() or None
    if m := _YEAR_FIRST.match(v):
        d = _date(int(m[1]), int(m[2]), int(m[3]))
        return (d, None) if d else (None, "not_a_calendar_date")
    if _COMPACT.match(v):
        d = _date(int(v[:4]), int(v[4:6]), int(v[6:]))
        if d is None and order == "DMY":
            d = _date(int(v[4:]), int(v[2:4]), int(v[:2]))
        elif d is None and order == "MDY":
            d = _date(int(v[4:]), int(v[:2]), int(v[2:4]))
        return (d, None) if d else (None, "not_a_calendar_date")
    if m := _DAY_MONTH.match(v):
        a, b, y = int(m[1]), int(m[2]), int(m[3])
        if order == "DMY" or (order not in ("DMY", "MDY") and a == b):
            d = _date(y, b, a)
        elif order == "MDY":
            d = _date(y, a, b)
        else:
            return None, "day_month_order_unknown"
        return (d, None) if d else (None, "not_a_calendar_date")
    named = re.sub(r"\bsept\b", "sep", re.sub(r"[-,]", " ", v.lower()))
    if m := _DAY_NAME.match(named):
        month = _MONTHS.get(m[2])
        d = _date(int(m[3]), month, int(m[1])) if month else None
        return (d, None) if d else (None, "unrecognised_layout")
    if m := _NAME_DAY.match(named):
        month = _MONTHS.get(m[1])
        d = _date(int(m[3]), month, int(m[2])) if month else None
        return (d, None) if d else (None, "unrecognised_layout")
    return None, "unrecognised_layout"


@dataclass
class DateColumnReport:
    """How one date column of landed records will read in staging."""

    column: str
    values: int = 0  # non-blank
    issues: Counter = field(default_factory=Counter)
    day_first_only: int = 0  # day-month values that only read as DMY (first part > 12)
    month_first_only: int = 0  # … only as MDY (second part > 12)
    examples: dict[str, str] = field(default_factory=dict)  # issue -> one example value

    @property
    def unparsed(self) -> int:
        return sum(self.issues.values())

    def advice(self) -> str | None:
        """One line for the load summary, or None when every value parses."""
        if not self.unparsed:
            return None
        parts = [
            f"{n:,} {issue.replace('_', ' ')} (e.g. {self.examples[issue]!r})" for issue, n in self.issues.most_common()
        ]
        text = f"{self.column}: {self.unparsed:,} of {self.values:,} values will not parse: {'; '.join(parts)}"
        if self.issues.get("day_month_order_unknown"):
            if self.day_first_only and not self.month_first_only:
                hint = (
                    f"{self.day_first_only:,} have a first part over 12, so they are day-first: "
                    "pass --date-order DMY"
                )
            elif self.month_first_only and not self.day_first_only:
                hint = (
                    f"{self.month_first_only:,} have a second part over 12, so they are month-first: "
                    "pass --date-order MDY"
                )
            else:
                hint = "pass --date-order DMY or MDY (or set date_order in seed source_systems)"
            text += f". The source's day/month order is not set: {hint}"
        return text


def report_date_column(column: str, values: Iterable[tuple[str | None, str | None, int]]) -> DateColumnReport:
    """``values``: (text, order, count) rows, e.g. a group-by over the landed records."""
    rep = DateColumnReport(column)
    for text, order, n in values:
        if not (text or "").strip():
            continue
        rep.values += n
        _, issue = parse_date(text, order)
        if issue is None:
            continue
        rep.issues[issue] += n
        rep.examples.setdefault(issue, text.strip()[:40])
        if issue == "day_month_order_unknown":
            m = _DAY_MONTH.match(text.strip())
            if m and int(m[1]) > 12 >= int(m[2]):
                rep.day_first_only += n
            elif m and int(m[2]) > 12 >= int(m[1]):
                rep.month_first_only += n
    return rep


def check_date_order(order: str | None) -> str | None:
    """Validate a --date-order value: DMY, MDY or YMD (any case); None passes through."""
    if order is None:
        return None
    o = order.strip().upper()
    if o not in DATE_ORDERS:
        raise ValueError(f"--date-order must be one of {', '.join(DATE_ORDERS)}, got {order!r}")
    return o
