"""The write-back targets: which mart feeds each, how units are batched, and how a 200 is read per entity.

A *unit* is one row of an ``export__<target>`` mart: one thing the API receives (an enrich operation,
an external event, an outbound contact, one participant-data PATCH). A *batch* is the units one HTTP
request carries. Targets differ only in the envelope around the units and in how a successful answer can
still reject some of them (bulk enrich ``results``, journey ``unprocessedEntities``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from loaders.genesys.paths import path_problem, segment, segment_problem

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
    fields: dict[str, str] = field(default_factory=dict)  # mart columns that fill the path's placeholders

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


class UnsafePathError(ValueError):
    """A unit's request path cannot be built safely: ``field`` names the value (a mart column or a path
    placeholder), ``problem`` says why. Neither repeats the value."""

    def __init__(self, field_name: str, problem: str) -> None:
        self.field = field_name
        self.problem = problem
        super().__init__(f"unsafe request path: {field_name} {problem}")


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


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
    # placeholder -> the mart column holding its value (read with the unit, in ``Unit.fields``)
    path_columns: tuple[tuple[str, str], ...] = ()
    # placeholder -> where its value comes from otherwise, for messages (a dbt var baked into request_path)
    path_sources: tuple[tuple[str, str], ...] = ()

    @property
    def mart(self) -> str:
        return f"export__{self.name}"

    @property
    def path_template(self) -> str:
        """The endpoint's path with ``{placeholder}`` segments: ``endpoint`` without the method."""
        return self.endpoint.split(" ", 1)[1]

    @property
    def path_fields(self) -> tuple[str, ...]:
        """Placeholders of the path template, in order."""
        return tuple(_PLACEHOLDER.findall(self.path_template))

    def request_path(self, unit: Unit) -> str:
        """The path to send ``unit`` to, every value from data percent-encoded as one segment.

        A placeholder with a mart column (``path_columns``, read into ``unit.fields``) takes that value; the
        others (ids set by dbt vars) are read back from the mart's ``request_path``, which must then have the
        endpoint's shape.
        Raises ``UnsafePathError`` naming the field when a value could change the path's shape ('/', '..',
        '?', '#', '%', backslash, control characters, empty)."""
        template = self.path_template
        names = self.path_fields
        values: dict[str, str] = {}
        parsed: dict[str, str] | None = None
        for name in names:
            if name in unit.fields:
                values[name] = unit.fields[name]
                continue
            if parsed is None:
                parsed = self._parse_path(unit.path)
            values[name] = parsed[name]
        for name in names:
            problem = segment_problem(values[name])
            if problem:
                raise UnsafePathError(self._source(name), problem)
        path = _PLACEHOLDER.sub(lambda m: segment(values[m.group(1)]), template)
        problem = path_problem(path)
        if problem:  # cannot happen with safe segments; the client would refuse it anyway
            raise UnsafePathError("request_path", problem)
        return path

    def _parse_path(self, path: str) -> dict[str, str]:
        pattern = "".join(f"(?P<{part}>[^/]*)" if i % 2 else re.escape(part)
                          for i, part in enumerate(_PLACEHOLDER.split(self.path_template)))
        match = re.fullmatch(pattern, path)
        if match is None:
            wanted = ", ".join(self._source(n) for n in self.path_fields) or "no ids"
            raise UnsafePathError("request_path", f"does not have the shape of {self.endpoint} (check {wanted})")
        return match.groupdict()

    def _source(self, name: str) -> str:
        return dict(self.path_columns).get(name) or dict(self.path_sources).get(name, name)

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
            path_sources=(("configurationId", "configurationId (var export_journey_configuration_id)"),),
            max_units=100,
            envelope="entities",
            interpret=interpret_journey_events,
        ),
        Target(
            name="outbound_contacts",
            description="outbound eligibility → outbound contact list (callable flags)",
            endpoint="POST /api/v2/outbound/contactlists/{contactListId}/contacts",
            path_sources=(("contactListId", "contactListId (var export_outbound_contact_list_id)"),),
            max_units=1000,
            envelope="array",
        ),
        Target(
            name="participant_attributes",
            description="conversation CES (and attribution credit) → participant data",
            endpoint="PATCH /api/v2/conversations/{conversationId}/participants/{participantId}/attributes",
            path_columns=(("conversationId", "conversation_id"), ("participantId", "participant_id")),
            max_units=1,
            envelope="single",
            not_found_is_transient=True,
            conflict_reason="Score Calculation Failed",
        ),
    )
}
