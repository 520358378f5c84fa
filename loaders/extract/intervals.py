"""UTC windows for extraction: parsing, one-day job intervals, day-aligned query chunks."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta


def parse_when(text: str) -> datetime:
    """``2024-05-14`` (midnight UTC) or an ISO-8601 timestamp (naive = UTC) -> aware UTC datetime."""
    value = text.strip()
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(), tzinfo=UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not a date or ISO-8601 timestamp: {text!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def iso(ts: datetime) -> str:
    """Genesys interval timestamp: ``2024-05-14T00:00:00.000Z``."""
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


def interval(start: datetime, end: datetime) -> str:
    return f"{iso(start)}/{iso(end)}"


def utc_days(since: datetime, until: datetime) -> list[date]:
    """Every UTC day that the half-open window [since, until) touches."""
    if until <= since:
        return []
    last = (until - timedelta(microseconds=1)).date()
    days, day = [], since.date()
    while day <= last:
        days.append(day)
        day += timedelta(days=1)
    return days


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), tzinfo=UTC)
    return start, start + timedelta(days=1)


def query_chunks(since: datetime, until: datetime, max_days: int = 7) -> list[tuple[datetime, datetime]]:
    """Split [since, until) into pieces of at most ``max_days`` whose inner boundaries are midnights.

    The sync query returns every conversation that started on a day the interval touches, so
    midnight boundaries keep the pieces from touching the same day twice.
    """
    chunks: list[tuple[datetime, datetime]] = []
    start = since
    while start < until:
        boundary = datetime.combine(start.date(), time(), tzinfo=UTC) + timedelta(days=max_days)
        end = min(until, boundary)
        chunks.append((start, end))
        start = end
    return chunks
