"""`cx extract reference`: Genesys Cloud reference entities, full snapshot with deletes detected.

Every entity type is listed completely (``pageSize`` / ``pageNumber`` until ``pageCount``; ``nextUri`` when an
answer has no ``pageCount``) and compared with the latest landed state of raw.genesys_reference:

- an entity that is new or differs from its latest landed version is written with ``previousHash`` (the
  ``_record_hash`` of the version it replaces), so a value that returns to an earlier one still lands;
- a key the landed state holds as live but a *complete* snapshot no longer lists gets a tombstone
  (``"deleted": true, "detectedAt": …``): deleted entities are marked, never dropped;
- an unchanged entity writes nothing, so a re-run with no change lands nothing.

The changes go to one NDJSON file under ``--out`` (docs/sources.md, "Genesys reference data") and are landed with
the same code as ``cx load``. A type whose snapshot is incomplete (the API's ``total`` disagrees with what the
pages held) lands its changes but no tombstones.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import duckdb

from loaders.extract.conversations import ExtractError
from loaders.genesys import GenesysClient
from loaders.genesys.paths import segment

log = logging.getLogger(__name__)

KIND = "genesys_reference"
DEFAULT_OUT = Path("data/extract/genesys/reference")
PAGE_SIZE = 100
MAX_PAGES = 10_000
# entity type -> (list path, extra query parameters), in extraction order (real Genesys Cloud paths)
ENDPOINTS: dict[str, tuple[str, dict[str, str]]] = {
    "divisions": ("/api/v2/authorization/divisions", {}),
    "users": ("/api/v2/users", {"state": "any"}),  # deleted and inactive users too: names of past agents
    "queues": ("/api/v2/routing/queues", {}),
    "queue_members": ("/api/v2/routing/queues/{queueId}/members", {}),  # per queue of the snapshot
    "wrapup_codes": ("/api/v2/routing/wrapupcodes", {}),
    "skills": ("/api/v2/routing/skills", {}),
    "languages": ("/api/v2/routing/languages", {}),
    "groups": ("/api/v2/groups", {}),
    "teams": ("/api/v2/teams", {}),  # cursor-paged: nextUri with `after`
    "flows": ("/api/v2/flows", {}),
    "contact_lists": ("/api/v2/outbound/contactlists", {}),
    "outbound_campaigns": ("/api/v2/outbound/campaigns", {}),
}
ENTITY_TYPES = tuple(ENDPOINTS)
CURSOR_PAGED = frozenset({"teams"})


def entity_key(entity_type: str, entity: dict[str, Any]) -> str:
    """The record key: the entity id, or ``<queueId>/<userId>`` for a queue membership."""
    if entity_type == "queue_members":
        return f"{entity['queueId']}/{entity['id']}"
    return str(entity["id"])


def reference_line(entity_type: str, entity: dict[str, Any] | None = None, *, key: str | None = None,
                   **extra: Any) -> str:
    """One line of a reference NDJSON file: ``{"entityType", "entityKey", "entity", …extra}`` (sorted keys, so
    the same record is the same text, hence the same ``_record_hash``)."""
    record: dict[str, Any] = {"entityType": entity_type,
                              "entityKey": key if key is not None else entity_key(entity_type, entity or {})}
    if entity is not None:
        record["entity"] = entity
    record.update({k: v for k, v in extra.items() if v is not None})
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@dataclass
class TypeResult:
    entity_type: str
    fetched: int = 0
    pages: int = 0
    changed: int = 0  # new or changed entities written
    deleted: int = 0  # tombstones written
    complete: bool = True


@dataclass
class ReferenceResult:
    types: dict[str, TypeResult] = field(default_factory=dict)
    file: Path | None = None
    rows_landed: int = 0
    rows_duplicate: int = 0
    rows_rejected: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class LandedState:
    record_hash: str
    deleted: bool
    entity: Any


def list_all(client: GenesysClient, path: str, params: dict[str, str], page_size: int = PAGE_SIZE,
             cursor_paged: bool = False) -> tuple[list[dict[str, Any]], int, bool]:
    """Every entity of a list endpoint: (entities, pages read, complete). Page-numbered endpoints are read with
    ``pageSize`` / ``pageNumber`` until ``pageCount``; cursor-paged ones (``cursor_paged``, e.g. teams, or an
    answer without ``pageCount``) by following ``nextUri``'s query until an answer has none. Raises ExtractError
    on a bad page."""
    entities: list[dict[str, Any]] = []
    page, total = 1, None
    query: dict[str, Any] = {**params, "pageSize": page_size} if cursor_paged else {
        **params, "pageSize": page_size, "pageNumber": 1}
    while True:
        answer = client.get(path, params=query).json()
        items = answer.get("entities") if isinstance(answer, dict) else None
        if not isinstance(items, list):
            raise ExtractError(f"GET {path} page {page}: expected an object with an \"entities\" list")
        bad = [i for i in items if not isinstance(i, dict) or not i.get("id")]
        if bad:
            raise ExtractError(f"GET {path} page {page}: {len(bad)} entities without an id")
        entities += items
        if isinstance(answer.get("total"), int):
            total = answer["total"]
        page_count = answer.get("pageCount")
        if not cursor_paged and isinstance(page_count, int):
            if page >= page_count:
                break
            query = {**query, "pageNumber": page + 1}
        else:
            next_uri = answer.get("nextUri")
            if not next_uri or not items:
                break
            split = urlsplit(next_uri)
            if split.path and split.path != path:
                raise ExtractError(f"GET {path} page {page}: nextUri points elsewhere ({split.path})")
            query = dict(parse_qsl(split.query))
        page += 1
        if page > MAX_PAGES:
            raise ExtractError(f"GET {path}: more than {MAX_PAGES} pages")
    complete = total is None or total == len({e["id"] for e in entities})
    return entities, page, complete


def landed_state(con: duckdb.DuckDBPyConnection | None) -> dict[tuple[str, str], LandedState]:
    """The latest landed record per (entity type, key): the same order staging uses (landing time, file, line)."""
    if con is None:
        return {}
    try:
        rows = con.execute(
            """select entity_type, entity_key, _record_hash, payload::varchar
               from raw.genesys_reference
               qualify row_number() over (partition by entity_type, entity_key
                                          order by _loaded_at desc, _source_file desc, _source_line desc) = 1"""
        ).fetchall()
    except duckdb.CatalogException:
        return {}
    state = {}
    for entity_type, key, record_hash, payload in rows:
        doc = json.loads(payload)
        state[(entity_type, key)] = LandedState(record_hash, bool(doc.get("deleted")), doc.get("entity"))
    return state


def snapshot(client: GenesysClient, types: tuple[str, ...], on_type: Callable[[str], None] | None = None
             ) -> tuple[dict[str, list[dict[str, Any]]], dict[str, TypeResult]]:
    """Fetch every requested type completely. Queue members are listed per queue (the queues are fetched for
    that even when not requested)."""
    found: dict[str, list[dict[str, Any]]] = {}
    results: dict[str, TypeResult] = {}
    for entity_type in ENTITY_TYPES:
        if entity_type not in types and not (entity_type == "queues" and "queue_members" in types):
            continue
        if on_type:
            on_type(entity_type)
        path, params = ENDPOINTS[entity_type]
        res = results[entity_type] = TypeResult(entity_type)
        if entity_type == "queue_members":
            members: list[dict[str, Any]] = []
            for queue in found.get("queues", []):
                items, pages, complete = list_all(client, path.replace("{queueId}", segment(queue["id"])), params)
                members += [dict(m, queueId=queue["id"]) for m in items]
                res.pages += pages
                res.complete &= complete
            res.complete &= results["queues"].complete
            found[entity_type] = members
        else:
            found[entity_type], res.pages, res.complete = list_all(client, path, params,
                                                                   cursor_paged=entity_type in CURSOR_PAGED)
        res.fetched = len(found[entity_type])
    return {t: v for t, v in found.items() if t in types}, {t: v for t, v in results.items() if t in types}


def changes(found: dict[str, list[dict[str, Any]]], results: dict[str, TypeResult],
            state: dict[tuple[str, str], LandedState], detected_at: str) -> list[str]:
    """The lines to land: new / changed entities, then tombstones for keys a complete snapshot no longer has."""
    lines: list[str] = []
    for entity_type, entities in found.items():
        res = results[entity_type]
        seen: set[str] = set()
        for entity in entities:
            key = entity_key(entity_type, entity)
            seen.add(key)
            current = state.get((entity_type, key))
            if current is not None and not current.deleted and current.entity == entity:
                continue
            lines.append(reference_line(entity_type, entity, key=key,
                                        previousHash=current.record_hash if current else None))
            res.changed += 1
        if not res.complete:
            log.warning("%s: the snapshot was incomplete (the list changed while paging); no deletes detected",
                        entity_type)
            continue
        for (state_type, key), current in sorted(state.items()):
            if state_type == entity_type and not current.deleted and key not in seen:
                lines.append(reference_line(entity_type, key=key, deleted=True, detectedAt=detected_at,
                                            previousHash=current.record_hash))
                res.deleted += 1
    return lines


def write_changes(lines: list[str], out_dir: Path, now: datetime) -> Path:
    folder = Path(out_dir) / now.strftime("%Y-%m-%d")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"reference-{now.strftime('%Y%m%dT%H%M%S%fZ')}.ndjson"
    tmp = path.with_suffix(".ndjson.part")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def run_reference_extract(
    client: GenesysClient,
    *,
    types: tuple[str, ...] = ENTITY_TYPES,
    out_dir: Path = DEFAULT_OUT,
    open_db: Callable[[], duckdb.DuckDBPyConnection] | None = None,
    now: datetime | None = None,
    on_type: Callable[[str], None] | None = None,
) -> ReferenceResult:
    """Snapshot, diff against the landed state, write the changes and land them (``open_db`` None: compare with
    nothing and only write the file). The warehouse is not held open while the API is read."""
    unknown = sorted(set(types) - set(ENTITY_TYPES))
    if unknown:
        raise ExtractError(f"unknown reference type(s) {', '.join(unknown)}; known: {', '.join(ENTITY_TYPES)}")
    now = now or datetime.now(UTC)
    found, results = snapshot(client, types, on_type)
    result = ReferenceResult(types=results)
    con = open_db() if open_db else None
    try:
        state = landed_state(con)
        lines = changes(found, results, state, now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")
        if not lines:
            return result
        result.file = write_changes(lines, out_dir, now)
        if con is not None:
            from loaders.landing import land_files

            for res in land_files(con, KIND, [result.file]):
                result.rows_landed += res.rows_landed
                result.rows_duplicate += res.rows_duplicate
                result.rows_rejected += res.rows_rejected
                if res.error:
                    result.errors.append(f"{res.path}: {res.error}")
    finally:
        if con is not None:
            con.close()
    return result
