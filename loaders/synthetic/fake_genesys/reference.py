"""Reference entities served by the fake (users, queues, members, wrap-up codes, …) and their list endpoints.

Read from the generator's ``genesys/reference/*.ndjson`` (the same lines ``cx load`` lands), so the fake and the
demo files describe one org. Tests change the org with :meth:`ReferenceStore.delete` / :meth:`ReferenceStore.put`.
List endpoints page like the real ones: ``pageSize`` (default 25) and ``pageNumber`` (1-based) query
parameters; the answer is ``{"entities", "pageSize", "pageNumber", "total", "pageCount", "firstUri", "selfUri",
"lastUri", "nextUri" (absent on the last page), "previousUri" (absent on the first)}``.
"""

from __future__ import annotations

import copy
import json
import logging
import math
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

log = logging.getLogger(__name__)

# entity type -> list path (real Genesys Cloud paths); queue members are listed per queue
LIST_PATHS = {
    "divisions": "/api/v2/authorization/divisions",
    "users": "/api/v2/users",
    "queues": "/api/v2/routing/queues",
    "wrapup_codes": "/api/v2/routing/wrapupcodes",
    "skills": "/api/v2/routing/skills",
    "languages": "/api/v2/routing/languages",
    "groups": "/api/v2/groups",
    "teams": "/api/v2/teams",
    "flows": "/api/v2/flows",
    "contact_lists": "/api/v2/outbound/contactlists",
    "outbound_campaigns": "/api/v2/outbound/campaigns",
}
MEMBERS_PATH = "/api/v2/routing/queues/{queueId}/members"
PAGE_SIZE_DEFAULT = 25
PAGE_SIZE_MAX = 500


class ListError(ValueError):
    """A bad list request (the API answers 400)."""


class ReferenceStore:
    def __init__(self) -> None:
        self._by_type: dict[str, dict[str, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_dir(cls, directory: Path | str) -> ReferenceStore:
        store = cls()
        root = Path(directory)
        for path in sorted(root.rglob("*.ndjson")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                record = json.loads(line)
                if record.get("deleted"):
                    store.delete(record["entityType"], record["entityKey"])
                else:
                    store.put(record["entityType"], record["entity"])
        log.info("fake reference store: %d entities from %s", len(store), root)
        return store

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_type.values())

    @staticmethod
    def key(entity_type: str, entity: dict[str, Any]) -> str:
        return f"{entity['queueId']}/{entity['id']}" if entity_type == "queue_members" else str(entity["id"])

    def put(self, entity_type: str, entity: dict[str, Any]) -> None:
        with self._lock:
            self._by_type.setdefault(entity_type, {})[self.key(entity_type, entity)] = copy.deepcopy(entity)

    def delete(self, entity_type: str, key: str) -> bool:
        """Remove an entity (a deleted queue disappears from the API). Deleting a queue removes its members."""
        with self._lock:
            found = self._by_type.get(entity_type, {}).pop(key, None) is not None
            if entity_type == "queues":
                members = self._by_type.get("queue_members", {})
                for member_key in [k for k in members if k.startswith(f"{key}/")]:
                    del members[member_key]
            return found

    def entities(self, entity_type: str) -> list[dict[str, Any]]:
        with self._lock:
            return [copy.deepcopy(e) for _, e in sorted(self._by_type.get(entity_type, {}).items())]

    def get(self, entity_type: str, key: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._by_type.get(entity_type, {}).get(key)
            return copy.deepcopy(found) if found is not None else None

    # -- list endpoints ----------------------------------------------------------------------------
    def cursor_page(self, entity_type: str, path: str, query: dict[str, str]) -> dict[str, Any]:
        """Cursor paging (teams): ``pageSize`` and ``after`` (the last id of the previous page); ``nextUri`` until
        the last page, no ``pageCount`` / ``total``."""
        size = _int_param(query, "pageSize", PAGE_SIZE_DEFAULT)
        if not 1 <= size <= PAGE_SIZE_MAX:
            raise ListError(f"pageSize must be between 1 and {PAGE_SIZE_MAX}")
        if "pageNumber" in query:
            raise ListError("pageNumber is not supported here; page with after / nextUri")
        items = self.entities(entity_type)
        after = query.get("after")
        if after:
            ids = [e["id"] for e in items]
            if after not in ids:
                raise ListError("after does not name an entity of this list")
            items = items[ids.index(after) + 1:]
        page = items[:size]
        body: dict[str, Any] = {"entities": page, "selfUri": f"{path}?{urlencode(query)}"}
        if len(items) > size:
            body["nextUri"] = f"{path}?{urlencode({'pageSize': size, 'after': page[-1]['id']})}"
        return body

    def list_page(self, entity_type: str, path: str, query: dict[str, str],
                  queue_id: str | None = None) -> dict[str, Any]:
        size = _int_param(query, "pageSize", PAGE_SIZE_DEFAULT)
        number = _int_param(query, "pageNumber", 1)
        if not 1 <= size <= PAGE_SIZE_MAX:
            raise ListError(f"pageSize must be between 1 and {PAGE_SIZE_MAX}")
        if number < 1:
            raise ListError("pageNumber must be 1 or greater")
        items = self.entities(entity_type)
        if entity_type == "users":
            state = query.get("state", "active")
            if state not in ("active", "inactive", "deleted", "any"):
                raise ListError("state must be one of active, inactive, deleted, any")
            if state != "any":
                items = [u for u in items if u.get("state", "active") == state]
        if queue_id is not None:
            items = [dict((k, v) for k, v in m.items() if k != "queueId") for m in items
                     if m.get("queueId") == queue_id]
        total = len(items)
        pages = max(1, math.ceil(total / size)) if total else 0
        kept = {k: v for k, v in query.items() if k not in ("pageSize", "pageNumber")}

        def uri(page: int) -> str:
            return f"{path}?{urlencode({**kept, 'pageSize': size, 'pageNumber': page})}"

        body: dict[str, Any] = {
            "entities": items[(number - 1) * size:number * size],
            "pageSize": size,
            "pageNumber": number,
            "total": total,
            "pageCount": pages,
            "firstUri": uri(1),
            "selfUri": uri(number),
            "lastUri": uri(max(pages, 1)),
        }
        if number < pages:
            body["nextUri"] = uri(number + 1)
        if number > 1:
            body["previousUri"] = uri(number - 1)
        return body


def _int_param(query: dict[str, str], name: str, default: int) -> int:
    try:
        return int(query.get(name, default))
    except ValueError:
        raise ListError(f"{name} must be an integer") from None
