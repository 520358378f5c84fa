"""Identifiers: random-looking UUIDs drawn from a seeded stream, and the fixed (seed-independent)
organisation objects of the simulated Genesys org: queues, agents, flows, wrap-up codes, numbers."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass

_NAMESPACE = uuid.UUID("5b0c7a3e-2f41-4d6a-9c1e-8f3b2a7d4e60")


def rng_uuid(rng: random.Random) -> str:
    """A version-4-shaped UUID string from the given stream (deterministic for the stream's seed)."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"


def fixed_uuid(name: str) -> str:
    """A stable UUID for a named org object (same in every data set)."""
    return str(uuid.uuid5(_NAMESPACE, name))


@dataclass(frozen=True)
class Queue:
    queue_id: str
    name: str


@dataclass(frozen=True)
class Agent:
    user_id: str
    name: str


@dataclass(frozen=True)
class Flow:
    flow_id: str
    name: str
    flow_type: str
    version: str


@dataclass(frozen=True)
class WrapUp:
    code_id: str
    name: str


QUEUE_NAMES = [
    "Support - Billing",
    "Support - Technical",
    "Sales - New Business",
    "Sales - Renewals",
    "Customer Care - General",
    "Retention",
    "Collections",
    "Messaging - Web Chat",
]
QUEUES = [Queue(fixed_uuid(f"queue:{n}"), n) for n in QUEUE_NAMES]
VOICE_QUEUES = QUEUES[:7]
MESSAGE_QUEUE = QUEUES[7]
OUTBOUND_QUEUE = QUEUES[3]

_AGENT_FIRST = (
    "Alice Bruno Chloe Dmitri Elena Farid Grace Hiro Ines Jamal Kira Luca "
    "Maya Nikhil Olga Pedro Quinn Rosa Samir Tara Umar Vera Wes Yara"
).split()
_AGENT_LAST = "Adams Brown Chen Diaz Evans Fischer Garcia Hughes Ito Jones".split()
AGENTS = [
    Agent(fixed_uuid(f"agent:{i}"), f"{_AGENT_FIRST[i % len(_AGENT_FIRST)]} {_AGENT_LAST[i % len(_AGENT_LAST)]}")
    for i in range(60)
]

IVR_FLOWS = [
    Flow(fixed_uuid("flow:main-ivr"), "Main Inbound IVR", "INBOUNDCALL", "12.0"),
    Flow(fixed_uuid("flow:sales-ivr"), "Sales Line IVR", "INBOUNDCALL", "4.0"),
    Flow(fixed_uuid("flow:after-hours"), "After Hours IVR", "INBOUNDCALL", "2.0"),
]
INQUEUE_FLOW = Flow(fixed_uuid("flow:in-queue"), "Default In-Queue", "INQUEUECALL", "3.0")
MESSAGE_FLOW = Flow(fixed_uuid("flow:web-messaging"), "Web Messaging Inbound", "INBOUNDSHORTMESSAGE", "7.0")

# One toll-free number per IVR flow (same index).
DNIS = ["+18005550199", "+18005550142", "+18005550177"]
OUTBOUND_ANI = "+18005550100"

WRAPUP_CODES = [
    WrapUp(fixed_uuid(f"wrapup:{n}"), n)
    for n in [
        "Resolved - First Contact",
        "Billing Question",
        "Refund Issued",
        "Technical Issue Resolved",
        "Escalated",
        "Sale Completed",
        "Not Interested",
        "Call Back Later",
        "Customer Satisfaction",
        "Wrong Number",
    ]
]
WRAPUP_TIMEOUT = "ININ-WRAP-UP-TIMEOUT"

DIVISION_ID = fixed_uuid("division:home")
EDGE_IDS = [fixed_uuid("edge:1"), fixed_uuid("edge:2")]
