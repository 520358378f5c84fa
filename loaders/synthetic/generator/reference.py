"""Genesys Cloud reference data (users, queues, wrap-up codes, divisions, flows, outbound campaigns, …) for the
simulated org, consistent with the conversations: the same queue, user, flow, wrap-up, division and outbound
campaign / contact list ids (ids.py, marketing.py).

Entities have the shapes of the real list endpoints' ``entities`` (SDK models ``User``, ``Queue`` with
``mediaSettings.<media>.serviceLevel {percentage, durationMs}``, ``QueueMember``, ``WrapupCode``, ``AuthzDivision``,
``RoutingSkill``, ``Language``, ``Group``, ``Flow``, ``Campaign``, ``ContactList``). The same builder feeds the
generator's files (``genesys/reference/reference.ndjson``, landed by ``cx load``) and the fake Genesys Cloud's list
endpoints, so an extract from the fake and the demo files describe one org.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from loaders.extract.reference import ENTITY_TYPES, reference_line
from loaders.synthetic.generator import ids as I

CREATED = "2025-01-06T09:00:00.000Z"
MODIFIED = "2026-06-01T12:00:00.000Z"

# Service level per media type of each queue (percentage 0-1, durationMs): the queue's own target.
_SERVICE_LEVEL = {
    "call": (0.8, 20_000),
    "callback": (0.8, 3_600_000),
    "chat": (0.8, 30_000),
    "email": (0.8, 86_400_000),
    "message": (0.8, 60_000),
}
_QUEUE_VOICE_SL = {  # some queues promise faster answers than the default
    "Support - Billing": (0.8, 30_000),
    "Sales - New Business": (0.9, 15_000),
    "Retention": (0.85, 20_000),
}
SKILLS = ["Billing", "Technical", "Sales", "Retention", "Collections", "Messaging"]
LANGUAGES = ["English", "Spanish", "French"]
GROUPS = ["Tier 1 Agents", "Tier 2 Agents", "Outbound Team", "Supervisors"]
DIVISIONS = [(I.DIVISION_ID, "Home", True), (I.fixed_uuid("division:outbound"), "Outbound", False)]


def _ref(entity_id: str, name: str | None = None, path: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"id": entity_id}
    if name is not None:
        out["name"] = name
    if path:
        out["selfUri"] = f"/api/v2/{path}/{entity_id}"
    return out


def _division(division_id: str = I.DIVISION_ID) -> dict[str, Any]:
    name = next(n for d, n, _ in DIVISIONS if d == division_id)
    return _ref(division_id, name, "authorization/divisions")


def _queue_division(queue: I.Queue) -> str:
    return DIVISIONS[1][0] if queue is I.OUTBOUND_QUEUE else I.DIVISION_ID


def _agent_queues(index: int) -> list[I.Queue]:
    """Agents 0-39 take inbound work (voice queues and, for every fourth, messaging); 40-59 the outbound queue."""
    if index >= 40:
        return [I.OUTBOUND_QUEUE]
    voice = [I.VOICE_QUEUES[index % 7], I.VOICE_QUEUES[(index + 3) % 7]]
    return voice + ([I.MESSAGE_QUEUE] if index % 4 == 0 else [])


def _email(name: str) -> str:
    return name.lower().replace(" ", ".") + "@contact-centre.example"


def users() -> list[dict[str, Any]]:
    out = []
    for n, agent in enumerate(I.AGENTS):
        division = I.DIVISION_ID if n < 40 else DIVISIONS[1][0]
        out.append({
            "id": agent.user_id,
            "name": agent.name,
            "division": _division(division),
            "email": _email(agent.name),
            "state": "active",
            "title": "Contact Centre Agent",
            "department": "Outbound" if n >= 40 else "Customer Service",
            "username": _email(agent.name),
            "version": 3,
            "acdAutoAnswer": False,
            "selfUri": f"/api/v2/users/{agent.user_id}",
        })
    return out


def queues() -> list[dict[str, Any]]:
    out = []
    for queue in I.QUEUES:
        media: dict[str, Any] = {}
        for kind, (pct, ms) in _SERVICE_LEVEL.items():
            if kind == "call" and queue.name in _QUEUE_VOICE_SL:
                pct, ms = _QUEUE_VOICE_SL[queue.name]
            media[kind] = {"alertingTimeoutSeconds": 8 if kind == "call" else 30, "enableAutoAnswer": False,
                           "serviceLevel": {"percentage": pct, "durationMs": ms}}  # fmt: skip
        members = sum(1 for n in range(len(I.AGENTS)) if queue in _agent_queues(n))
        out.append({
            "id": queue.queue_id,
            "name": queue.name,
            "division": _division(_queue_division(queue)),
            "dateCreated": CREATED,
            "dateModified": MODIFIED,
            "modifiedBy": "system",
            "createdBy": "system",
            "memberCount": members,
            "userMemberCount": members,
            "joinedMemberCount": members,
            "mediaSettings": media,
            "acwSettings": {"wrapupPrompt": "MANDATORY_TIMEOUT", "timeoutMs": 60_000},
            "skillEvaluationMethod": "BEST",
            "autoAnswerOnly": False,
            "enableTranscription": False,
            "selfUri": f"/api/v2/routing/queues/{queue.queue_id}",
        })
    return out


def queue_members() -> dict[str, list[dict[str, Any]]]:
    """Members per queue id, as ``GET /api/v2/routing/queues/{queueId}/members`` lists them."""
    out: dict[str, list[dict[str, Any]]] = {q.queue_id: [] for q in I.QUEUES}
    for n, agent in enumerate(I.AGENTS):
        for queue in _agent_queues(n):
            out[queue.queue_id].append({
                "id": agent.user_id,
                "name": agent.name,
                "user": _ref(agent.user_id, agent.name, "users"),
                "ringNumber": 1,
                "joined": True,
                "memberBy": "user",
                "routingStatus": {"status": "IDLE", "startTime": MODIFIED},
                "selfUri": f"/api/v2/routing/queues/{queue.queue_id}/members/{agent.user_id}",
            })
    return out


def wrapup_codes() -> list[dict[str, Any]]:
    return [{"id": w.code_id, "name": w.name, "division": _division(), "dateCreated": CREATED,
             "createdBy": "system", "selfUri": f"/api/v2/routing/wrapupcodes/{w.code_id}"}  # fmt: skip
            for w in I.WRAPUP_CODES]


def divisions() -> list[dict[str, Any]]:
    return [{"id": d, "name": name, "description": f"{name} division", "homeDivision": home,
             "selfUri": f"/api/v2/authorization/divisions/{d}"} for d, name, home in DIVISIONS]  # fmt: skip


def skills() -> list[dict[str, Any]]:
    return [{"id": I.fixed_uuid(f"skill:{s}"), "name": s, "state": "active", "dateModified": MODIFIED,
             "selfUri": f"/api/v2/routing/skills/{I.fixed_uuid(f'skill:{s}')}"} for s in SKILLS]  # fmt: skip


def languages() -> list[dict[str, Any]]:
    return [{"id": I.fixed_uuid(f"language:{s}"), "name": s, "state": "active", "dateModified": MODIFIED,
             "selfUri": f"/api/v2/routing/languages/{I.fixed_uuid(f'language:{s}')}"} for s in LANGUAGES]  # fmt: skip


def groups() -> list[dict[str, Any]]:
    sizes = {"Tier 1 Agents": 30, "Tier 2 Agents": 10, "Outbound Team": 20, "Supervisors": 4}
    return [{"id": I.fixed_uuid(f"group:{g}"), "name": g, "type": "official", "visibility": "public",
             "memberCount": sizes[g], "state": "active", "version": 1, "dateModified": MODIFIED,
             "selfUri": f"/api/v2/groups/{I.fixed_uuid(f'group:{g}')}"} for g in GROUPS]  # fmt: skip


TEAMS = ["Billing Team", "Technical Team", "Sales Team", "Retention Team", "Messaging Team", "Outbound Team"]


def teams() -> list[dict[str, Any]]:
    return [{"id": I.fixed_uuid(f"team:{t}"), "name": t, "division": _division(), "memberCount": 10,
             "dateModified": MODIFIED, "selfUri": f"/api/v2/teams/{I.fixed_uuid(f'team:{t}')}"}
            for t in TEAMS]  # fmt: skip


def flows() -> list[dict[str, Any]]:
    out = []
    for flow in [*I.IVR_FLOWS, I.INQUEUE_FLOW, I.MESSAGE_FLOW]:
        out.append({
            "id": flow.flow_id,
            "name": flow.name,
            "type": flow.flow_type,
            "division": _division(),
            "active": True,
            "deleted": False,
            "publishedVersion": {"id": flow.version, "name": flow.version},
            "description": f"{flow.name} ({flow.flow_type})",
            "selfUri": f"/api/v2/flows/{flow.flow_id}",
        })
    return out


def contact_lists(campaigns: list[Any]) -> list[dict[str, Any]]:
    return [{"id": c.contact_list_id, "name": f"{c.name} contacts", "division": _division(DIVISIONS[1][0]),
             "version": 1, "dateCreated": CREATED, "columnNames": ["ContactId", "Phone", "CRM_LeadId"],
             "phoneColumns": [{"columnName": "Phone", "type": "cell"}],
             "selfUri": f"/api/v2/outbound/contactlists/{c.contact_list_id}"}
            for c in campaigns if c.is_outbound]  # fmt: skip


def outbound_campaigns(campaigns: list[Any]) -> list[dict[str, Any]]:
    queue = I.OUTBOUND_QUEUE
    return [{"id": c.outbound_campaign_id, "name": c.name, "division": _division(DIVISIONS[1][0]),
             "version": 1, "dateCreated": CREATED, "dateModified": MODIFIED,
             "contactList": _ref(c.contact_list_id, f"{c.name} contacts", "outbound/contactlists"),
             "queue": _ref(queue.queue_id, queue.name, "routing/queues"),
             "dialingMode": "preview" if "Survey" in c.name else "progressive",
             "campaignStatus": "on", "abandonRate": 5.0, "callerName": "Contact Centre",
             "callerAddress": f"+{I.OUTBOUND_ANI.lstrip('+')}",
             "selfUri": f"/api/v2/outbound/campaigns/{c.outbound_campaign_id}"}
            for c in campaigns if c.is_outbound]  # fmt: skip


def reference_entities(campaigns: list[Any]) -> dict[str, list[dict[str, Any]]]:
    """Every entity type's list, as the API lists it. Queue members carry their queue as ``queueId`` in the
    record key (``<queueId>/<userId>``), not inside the entity."""
    members = queue_members()
    found = {
        "divisions": divisions(),
        "users": users(),
        "queues": queues(),
        "queue_members": [dict(m, queueId=q) for q, ms in members.items() for m in ms],
        "wrapup_codes": wrapup_codes(),
        "skills": skills(),
        "languages": languages(),
        "groups": groups(),
        "teams": teams(),
        "flows": flows(),
        "contact_lists": contact_lists(campaigns),
        "outbound_campaigns": outbound_campaigns(campaigns),
    }
    return {t: found[t] for t in ENTITY_TYPES}


def write_reference(campaigns: list[Any], out_dir: Path) -> int:
    """``genesys/reference/reference.ndjson``: one snapshot of every entity type. Returns the line count."""
    folder = out_dir / "genesys" / "reference"
    folder.mkdir(parents=True, exist_ok=True)
    lines = [reference_line(t, e) for t, items in reference_entities(campaigns).items() for e in items]
    with open(folder / "reference.ndjson", "w", encoding="utf-8", newline="") as fh:
        fh.write("\n".join(lines) + "\n")
    return len(lines)
