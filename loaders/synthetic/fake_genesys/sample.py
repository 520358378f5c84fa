"""Sample conversations for tests and demos, varied from the reference job-page example.

The template is the complete voice call of genesys_conversation_job_page.example.json beside this module
(IVR, queue wait, one blind transfer, wrap-up, customer participant attributes).
"""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

from loaders.extract.intervals import iso

TIME_KEYS = {"conversationStart", "conversationEnd", "emitDate", "segmentStart", "segmentEnd"}
ID_KEYS = {"conversationId", "participantId", "sessionId", "peerId"}
NAMESPACE = uuid.UUID("0d8f3b52-7c1e-4a9d-b6e2-5f4a3c2b1d0e")

# the reference job-result page (package data; tests/fixtures/ links to it): its one conversation is the template
REFERENCE_PAGE = "genesys_conversation_job_page.example.json"
TEMPLATE: dict[str, Any] = json.loads(files(__package__).joinpath(REFERENCE_PAGE).read_text(encoding="utf-8"))[
    "conversations"
][0]


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _rewrite(node: Any, shift: timedelta, ids: dict[str, str], salt: str) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in TIME_KEYS and isinstance(value, str):
                out[key] = iso(_ts(value) + shift)
            elif key in ID_KEYS and isinstance(value, str):
                out[key] = ids.setdefault(value, str(uuid.uuid5(NAMESPACE, f"{salt}:{value}")))
            else:
                out[key] = _rewrite(value, shift, ids, salt)
        return out
    if isinstance(node, list):
        return [_rewrite(item, shift, ids, salt) for item in node]
    return node


def make_conversation(start: datetime, salt: str, *, live: bool = False) -> dict[str, Any]:
    """The template moved to ``start`` with fresh conversation/participant/session ids from ``salt``."""
    shift = start - _ts(TEMPLATE["conversationStart"])
    conversation = _rewrite(copy.deepcopy(TEMPLATE), shift, {}, salt)
    if live:
        conversation.pop("conversationEnd", None)
    return conversation


def sample_conversations(
    first_day: date, days: int, per_day: int, *, seed: int = 0, live_every: int = 0
) -> list[dict[str, Any]]:
    """``per_day`` conversations on each of ``days`` UTC days, spread over the day; the last one of each
    day starts at 23:55 so it crosses midnight; every ``live_every``-th one has no ``conversationEnd``."""
    conversations = []
    n = 0
    for d in range(days):
        day_start = datetime.combine(first_day + timedelta(days=d), time(), tzinfo=UTC)
        for i in range(per_day):
            n += 1
            offset = timedelta(minutes=23 * 60 + 55) if i == per_day - 1 else timedelta(
                seconds=(i * 86_000 // max(1, per_day)) + 7
            )
            live = bool(live_every) and n % live_every == 0
            conversations.append(make_conversation(day_start + offset, f"{seed}:{n}", live=live))
    return conversations


def write_job_pages(conversations: list[dict[str, Any]], out_dir: Path | str, per_page: int = 50) -> list[Path]:
    """Write conversations as job-result pages ``page_NNNN.json`` (the generator's layout)."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, start in enumerate(range(0, len(conversations), per_page), start=1):
        page = {"conversations": conversations[start:start + per_page]}
        path = folder / f"page_{number:04d}.json"
        path.write_text(json.dumps(page), encoding="utf-8")
        paths.append(path)
    return paths
