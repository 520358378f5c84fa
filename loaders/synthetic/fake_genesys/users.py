"""Users details served by the fake (``POST /api/v2/analytics/users/details/jobs`` and its status / results):
presence and routing-status records read from the generator's ``genesys/users/*.ndjson``. A job for an interval
returns, per user, every record overlapping it (not clipped), like the real jobs."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from loaders.synthetic.fake_genesys.store import parse_ts

log = logging.getLogger(__name__)


class UserDetailsStore:
    def __init__(self) -> None:
        # userId -> list of (kind, record), kind 'primaryPresence' or 'routingStatus'
        self._records: dict[str, dict[str, dict[str, dict[str, Any]]]] = {}

    @classmethod
    def from_dir(cls, directory: Path | str) -> UserDetailsStore:
        store = cls()
        for path in sorted(Path(directory).rglob("*.ndjson")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    store.add(json.loads(line))
        log.info("fake users details: %d users from %s", len(store._records), directory)
        return store

    def __len__(self) -> int:
        return len(self._records)

    def add(self, detail: dict[str, Any]) -> None:
        user = self._records.setdefault(detail["userId"], {"primaryPresence": {}, "routingStatus": {}})
        for kind in ("primaryPresence", "routingStatus"):
            for record in detail.get(kind, []):
                user[kind][record["startTime"]] = record  # one record per start (a later copy replaces it)

    def overlapping(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        out = []
        for user_id in sorted(self._records):
            detail: dict[str, Any] = {"userId": user_id}
            for kind, records in self._records[user_id].items():
                found = [r for _, r in sorted(records.items())
                         if parse_ts(r["startTime"]) < end and (not r.get("endTime") or parse_ts(r["endTime"]) > start)]
                if found:
                    detail[kind] = found
            if len(detail) > 1:
                out.append(detail)
        return out
