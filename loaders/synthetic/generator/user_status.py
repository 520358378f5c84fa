"""Agents' presence and routing-status history (users details jobs, SDK ``AnalyticsUserDetail``), derived from the
generated conversations so both agree: an agent is ``INTERACTING`` exactly while one of their sessions runs
(alert to the end of wrap-up), ``IDLE`` between interactions of a shift and ``OFF_QUEUE`` outside it; presence is
``ON_QUEUE`` during the shift (15 minutes before the first interaction of the UTC day to 10 minutes after the
last one, within the day) and ``OFFLINE`` the rest of the day. Each UTC day of each agent with an interaction
covers the day completely, so the truth per agent-day is simple: 86,400 s of presence and of routing status.

Written as ``genesys/users/user-details-<YYYY-MM-DD>.ndjson``: one ``AnalyticsUserDetail`` per line
(``userId``, ``primaryPresence[]``, ``routingStatus[]``), as a users details job returns them for that day.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from loaders.synthetic.generator.ids import fixed_uuid

DAY_MS = 86_400_000
LOGIN_BEFORE_MS = 15 * 60_000
LOGOUT_AFTER_MS = 10 * 60_000
PRESENCE_IDS = {p: fixed_uuid(f"presence:{p}") for p in ("ON_QUEUE", "OFFLINE")}


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def _iso(ms: int) -> str:
    ts = datetime.fromtimestamp(ms / 1000, UTC)
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def agent_intervals(conversations: Iterable[dict[str, Any]]) -> dict[str, list[tuple[int, int]]]:
    """Per agent userId: (start ms, end ms) of every closed agent session (first segment start to last end)."""
    out: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for conversation in conversations:
        for participant in conversation.get("participants", []):
            user = participant.get("userId")
            if participant.get("purpose") != "agent" or not user:
                continue
            for session in participant.get("sessions", []):
                segments = session.get("segments", [])
                if not segments or any("segmentEnd" not in s for s in segments):
                    continue  # still live: the status of a live interaction is not history yet
                out[user].append((min(_ms(s["segmentStart"]) for s in segments),
                                  max(_ms(s["segmentEnd"]) for s in segments)))
    return out


def _merge(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def user_details(user_id: str, day: date, intervals: list[tuple[int, int]]) -> dict[str, Any]:
    """The agent's records for one UTC day, covering it completely (intervals already clipped to the day)."""
    day_start = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)
    day_end = day_start + DAY_MS
    busy = _merge(intervals)
    login = max(day_start, busy[0][0] - LOGIN_BEFORE_MS)
    logout = min(day_end, busy[-1][1] + LOGOUT_AFTER_MS)
    presence = []
    shift = ((day_start, login, "OFFLINE"), (login, logout, "ON_QUEUE"), (logout, day_end, "OFFLINE"))
    for start, end, status in shift:
        if end > start:
            presence.append({"startTime": _iso(start), "endTime": _iso(end), "systemPresence": status,
                             "organizationPresenceId": PRESENCE_IDS[status]})  # fmt: skip
    routing: list[tuple[int, int, str]] = []
    if login > day_start:
        routing.append((day_start, login, "OFF_QUEUE"))
    cursor = login
    for start, end in busy:
        if start > cursor:
            routing.append((cursor, start, "IDLE"))
        routing.append((max(start, cursor), end, "INTERACTING"))
        cursor = max(cursor, end)
    if logout > cursor:
        routing.append((cursor, logout, "IDLE"))
    if day_end > logout:
        routing.append((logout, day_end, "OFF_QUEUE"))
    return {
        "userId": user_id,
        "primaryPresence": presence,
        "routingStatus": [{"startTime": _iso(s), "endTime": _iso(e), "routingStatus": r} for s, e, r in routing
                          if e > s],
    }


def details_by_day(conversations: Iterable[dict[str, Any]]) -> dict[date, list[dict[str, Any]]]:
    """Every agent-day with an interaction, as users details records."""
    per_day: dict[tuple[str, date], list[tuple[int, int]]] = defaultdict(list)
    for user, intervals in agent_intervals(conversations).items():
        for start, end in intervals:
            first = datetime.fromtimestamp(start / 1000, UTC).date()
            last = datetime.fromtimestamp((end - 1) / 1000, UTC).date()
            day = first
            while day <= last:  # an interaction across midnight counts on both days, clipped to each
                day_start = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)
                per_day[(user, day)].append((max(start, day_start), min(end, day_start + DAY_MS)))
                day += timedelta(days=1)
    out: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for (user, day), intervals in sorted(per_day.items()):
        out[day].append(user_details(user, day, intervals))
    return dict(out)


def write_user_details(conversation_root: Path, out_dir: Path) -> int:
    """Read the generated complete conversation pages back and write one users-details file per UTC day."""
    conversations = []
    for page in sorted(conversation_root.rglob("page-*.json")):
        conversations += json.loads(page.read_text(encoding="utf-8")).get("conversations", [])
    folder = out_dir / "genesys" / "users"
    folder.mkdir(parents=True, exist_ok=True)
    lines = 0
    for day, details in sorted(details_by_day(conversations).items()):
        with open(folder / f"user-details-{day.isoformat()}.ndjson", "w", encoding="utf-8", newline="") as fh:
            for detail in details:
                fh.write(json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n")
                lines += 1
    return lines
