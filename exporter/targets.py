"""The write-back targets: which mart feeds each, how units are batched, and how a 200 is read per entity.

A *unit* is one row of an ``export__<target>`` mart: one thing the API receives (an enrich operation,
an external event, an outbound contact, one participant-data PATCH). A *batch* is the units one HTTP
request carries. Targets differ only in the envelope around the units and in how a successful answer can
still reject some of them (bulk enrich ``results``, journey ``unprocessedEntities``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

# Status codes the API reports per entity that are worth sending again (the request as a whole succeeded).
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
REQUEST_BYTES_MAX = 512_000  # request.bytes.max, the platform-wide body limit


@dataclass
class Unit:
    """One row of an export mart on its way to the API."""

    key: str
    method: str
    path: str
    payload: str  # compact JSON text, exactly as the mart built it
    payload_hash: str
    was_dead_lettered: bool = False  # a previous run dead-lettered this very payload
    attempts: int = 0  # sends of this unit in this run
    not_found: int = 0  # 404 "not yet visible" answers in this run
    retried: bool = False  # sent again in this run after a failure

    @property
    def size(self) -> int:
        return len(self.payload.encode())


@dataclass(frozen=True)
class EntityOutcome:
    """What the API said about one unit of a batch it answered with a 2xx."""

    unit: Unit
    ok: bool
    retryable: bool = False
    status: int = 0
    code: str = ""
    message: str = ""


@dataclass(frozen=True)
class Target:
    name: str  # the target as `cx export --target` names it; the mart is export__<name>
    description: str
    endpoint: str  # the endpoint pattern, for messages
    max_units: int  # units per request (1 = no bulk form)
    envelope: str  # "single" (payload is the body) | "entities" ({"entities": [...]}) | "array" ([...])
    not_found_is_transient: bool = False  # 404 means "not visible yet" (retry, then dead letter)
    conflict_reason: str = "conflict"  # dead-letter reason for 409 / 410
    interpret: Callable[[Target, Sequence[Unit], httpx.Response], list[EntityOutcome]] | None = None

    @property
    def mart(self) -> str:
        return f"export__{self.name}"

    def body(self, units: Sequence[Unit]) -> Any:
        """The request body for ``units`` (all with the same method and path)."""
        items = [json.loads(u.payload) for u in units]
        if self.envelope == "single":
            if len(items) != 1:
                raise ValueError(f"{self.name}: one unit per request")
            return items[0]
        if self.envelope == "entities":
            return {"entities": items}
        return items

    def outcomes(self, units: Sequence[Unit], response: httpx.Response) -> list[EntityOutcome]:
        if self.interpret is None:
            return [EntityOutcome(u, ok=True, status=response.status_code) for u in units]
        return self.interpret(self, units, response)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def interpret_bulk_enrich(target: Target, units: Sequence[Unit], response: httpx.Response) -> list[EntityOutcome]:
    """``POST /externalcontacts/bulk/contacts/enrich``: ``results[i]`` answers ``entities[i]``."""
    body = _json(response) or {}
    results = body.get("results") if isinstance(body, dict) else None
    if not isinstance(results, list) or len(results) != len(units):
        # an answer we cannot pair with the request: nothing is known to be applied, send them again
        return [EntityOutcome(u, ok=False, retryable=True, status=response.status_code,
                              code="unreadable.response", message="bulk enrich answer without one result per entity")
                for u in units]
    out = []
    for unit, result in zip(units, results, strict=True):
        if isinstance(result, dict) and result.get("success"):
            out.append(EntityOutcome(unit, ok=True, status=response.status_code))
            continue
        error = (result or {}).get("error") or {} if isinstance(result, dict) else {}
        status = int(error.get("status") or 0)
        out.append(EntityOutcome(unit, ok=False, retryable=status in RETRYABLE_STATUSES, status=status,
                                 code=str(error.get("code") or ""), message=str(error.get("message") or "")))
    return out


def interpret_journey_events(target: Target, units: Sequence[Unit], response: httpx.Response) -> list[EntityOutcome]:
    """Journey external events: ``unprocessedEntities[].originalRequestIndex`` names the rejected ones."""
    body = _json(response) or {}
    failed: dict[int, dict[str, Any]] = {}
    for item in (body.get("unprocessedEntities") or []) if isinstance(body, dict) else []:
        index = item.get("originalRequestIndex") if isinstance(item, dict) else None
        if isinstance(index, int) and 0 <= index < len(units):
            failed[index] = item
    out = []
    for index, unit in enumerate(units):
        item = failed.get(index)
        if item is None:
            out.append(EntityOutcome(unit, ok=True, status=response.status_code))
            continue
        status = int(item.get("statusCode") or 0)
        out.append(EntityOutcome(unit, ok=False, retryable=bool(item.get("isRetryable")), status=status,
                                 code="unprocessed.entity", message=str(item.get("errorMessage") or "")))
    return out


TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target(
            name="external_contacts",
            description="golden customer profiles → External Contacts (bulk enrich upsert)",
            endpoint="POST /api/v2/externalcontacts/bulk/contacts/enrich",
            max_units=10,
            envelope="entities",
            interpret=interpret_bulk_enrich,
        ),
        Target(
            name="journey_external_events",
            description="validated offline CRM events → Journey external events",
            endpoint="POST /api/v2/journey/externalevents/configurations/{configurationId}/events",
            max_units=100,
            envelope="entities",
            interpret=interpret_journey_events,
        ),
        Target(
            name="outbound_contacts",
            description="outbound eligibility → outbound contact list (callable flags)",
            endpoint="POST /api/v2/outbound/contactlists/{contactListId}/contacts",
            max_units=1000,
            envelope="array",
        ),
        Target(
            name="participant_attributes",
            description="conversation CES (and attribution credit) → participant data",
            endpoint="PATCH /api/v2/conversations/{conversationId}/participants/{participantId}/attributes",
            max_units=1,
            envelope="single",
            not_found_is_transient=True,
            conflict_reason="Score Calculation Failed",
        ),
    )
}
