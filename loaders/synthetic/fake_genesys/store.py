"""Conversations served by the fake, read from job-result pages / NDJSON, filtered like the real API."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def parse_ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def parse_interval(interval: str) -> tuple[datetime, datetime]:
    """``start/end`` ISO-8601 -> aware datetimes; raises ValueError when malformed or empty."""
    if not isinstance(interval, str) or interval.count("/") != 1:
        raise ValueError(f"interval must be 'start/end', got {interval!r}")
    start_text, end_text = interval.split("/")
    start, end = parse_ts(start_text), parse_ts(end_text)
    if end <= start:
        raise ValueError("interval end must be after its start")
    return start, end


def touched_days(start: datetime, end: datetime) -> set[date]:
    """UTC days the half-open interval [start, end) touches."""
    last = (end - timedelta(microseconds=1)).date()
    days, day = set(), start.date()
    while day <= last:
        days.add(day)
        day += timedelta(days=1)
    return days


@dataclass(frozen=True)
class StoredConversation:
    conversation_id: str
    start: datetime
    end: datetime | None
    body: dict[str, Any]


class ConversationStore:
    def __init__(self, conversations: Iterable[dict[str, Any]] = ()) -> None:
        self._by_id: dict[str, StoredConversation] = {}
        self._sorted: list[StoredConversation] | None = None
        for conversation in conversations:
            self.add(conversation)

    @classmethod
    def from_dir(cls, directory: Path | str) -> ConversationStore:
        """Every ``*.json`` page (``{"conversations": [...]}``) and ``*.ndjson`` file under ``directory``."""
        store = cls()
        root = Path(directory)
        for path in sorted(root.rglob("*")):
            if path.suffix == ".json":
                page = json.loads(path.read_text(encoding="utf-8"))
                items = page.get("conversations", []) if isinstance(page, dict) else page
            elif path.suffix == ".ndjson":
                lines = path.read_text(encoding="utf-8").splitlines()
                items = [json.loads(line) for line in lines if line.strip()]
            else:
                continue
            for item in items:
                store.add(item)
        log.info("fake store: %d conversations from %s", len(store), root)
        return store

    def add(self, conversation: dict[str, Any]) -> None:
        cid = conversation["conversationId"]
        end = conversation.get("conversationEnd")
        item = StoredConversation(cid, parse_ts(conversation["conversationStart"]),
                                  parse_ts(end) if end else None, conversation)
        previous = self._by_id.get(cid)
        if previous is None or previous.end is None or (item.end is not None and item.end >= previous.end):
            self._by_id[cid] = item  # keep the latest version: a completed one over a live one
        self._sorted = None

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, conversation_id: str) -> StoredConversation | None:
        return self._by_id.get(conversation_id)

    def _ordered(self) -> list[StoredConversation]:
        if self._sorted is None:
            self._sorted = sorted(self._by_id.values(), key=lambda c: (c.start, c.conversation_id))
        return self._sorted

    def started_on_touched_days(self, start: datetime, end: datetime) -> list[StoredConversation]:
        """Sync-query semantics: conversations whose start falls on a UTC day the interval touches."""
        days = touched_days(start, end)
        return [c for c in self._ordered() if c.start.date() in days]

    def lifetime_overlaps(self, start: datetime, end: datetime) -> list[StoredConversation]:
        """Job semantics: conversations whose lifetime [start, end or now) overlaps the interval."""
        return [c for c in self._ordered() if c.start < end and (c.end is None or c.end >= start)]


def without_attributes(conversation: dict[str, Any]) -> dict[str, Any]:
    """The sync query's ``AnalyticsConversationWithoutAttributes`` shape."""
    copied = copy.deepcopy(conversation)
    for participant in copied.get("participants", []):
        participant.pop("attributes", None)
    return copied
