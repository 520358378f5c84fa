"""Fast, deterministic time formatting and the small time-zone table the generator needs.

Offsets are computed from a fixed rule table (2026 DST dates) so the output never depends on the
machine's tz database.
"""

from __future__ import annotations

import datetime as _dt

_EPOCH = _dt.date(1970, 1, 1)
_DAY_CACHE: dict[int, str] = {}


def day_str(day_index: int) -> str:
    """'YYYY-MM-DD' for a day number since the epoch (cached)."""
    text = _DAY_CACHE.get(day_index)
    if text is None:
        text = (_EPOCH + _dt.timedelta(days=day_index)).isoformat()
        _DAY_CACHE[day_index] = text
    return text


def iso_ms(ms: int) -> str:
    """Epoch milliseconds → '2026-09-14T15:03:11.123Z' (Genesys style)."""
    day, rem = divmod(ms, 86_400_000)
    hour, rem = divmod(rem, 3_600_000)
    minute, rem = divmod(rem, 60_000)
    sec, milli = divmod(rem, 1000)
    return f"{day_str(day)}T{hour:02d}:{minute:02d}:{sec:02d}.{milli:03d}Z"


def iso_s(seconds: int) -> str:
    """Epoch seconds → '2026-09-14T15:03:11Z'."""
    day, rem = divmod(seconds, 86_400)
    hour, rem = divmod(rem, 3600)
    minute, sec = divmod(rem, 60)
    return f"{day_str(day)}T{hour:02d}:{minute:02d}:{sec:02d}Z"


def wall_s(seconds: int) -> str:
    """Epoch seconds (already shifted to local) → '2026-09-14 09:03:11'."""
    day, rem = divmod(seconds, 86_400)
    hour, rem = divmod(rem, 3600)
    minute, sec = divmod(rem, 60)
    return f"{day_str(day)} {hour:02d}:{minute:02d}:{sec:02d}"


def date_of_s(seconds: int) -> str:
    return day_str(seconds // 86_400)


def _utc(y: int, m: int, d: int, h: int = 0) -> int:
    return int(_dt.datetime(y, m, d, h, tzinfo=_dt.UTC).timestamp())


# DST rules for 2026 (the data set covers July–October 2026).
# US: second Sunday of March 02:00 local → first Sunday of November 02:00 local.
# EU: last Sunday of March 01:00 UTC → last Sunday of October 01:00 UTC.
_US_START_LOCAL = _utc(2026, 3, 8, 2)
_US_END_LOCAL = _utc(2026, 11, 1, 2)
_EU_START_UTC = _utc(2026, 3, 29, 1)
_EU_END_UTC = _utc(2026, 10, 25, 1)

# name → (standard offset minutes, daylight offset minutes, rule)
TIMEZONES: dict[str, tuple[int, int, str | None]] = {
    "America/New_York": (-300, -240, "us"),
    "America/Chicago": (-360, -300, "us"),
    "America/Denver": (-420, -360, "us"),
    "America/Phoenix": (-420, -420, None),
    "America/Los_Angeles": (-480, -420, "us"),
    "America/Toronto": (-300, -240, "us"),
    "Europe/London": (0, 60, "eu"),
    "Europe/Berlin": (60, 120, "eu"),
    "Asia/Kolkata": (330, 330, None),
}


def utc_offset_minutes(tz: str, utc_seconds: int) -> int:
    std, dst, rule = TIMEZONES[tz]
    if rule == "us":
        in_dst = _US_START_LOCAL - std * 60 <= utc_seconds < _US_END_LOCAL - dst * 60
    elif rule == "eu":
        in_dst = _EU_START_UTC <= utc_seconds < _EU_END_UTC
    else:
        in_dst = False
    return dst if in_dst else std


def offset_str(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"


def local_to_utc(tz: str, local_seconds: int) -> int:
    """A local wall time (as fake-UTC seconds) → UTC seconds (the later offset wins in a DST gap)."""
    guess = local_seconds - utc_offset_minutes(tz, local_seconds) * 60
    return local_seconds - utc_offset_minutes(tz, guess) * 60
