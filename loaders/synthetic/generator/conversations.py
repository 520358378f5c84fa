"""Genesys Cloud conversation detail records (job-result shape, §1.3–1.5 and §5 of the API reference).

A conversation is first *planned* as plain data with integer milliseconds (:class:`Conv`), drawing all
randomness; :func:`render` then turns the plan into the API's JSON, optionally as a *live* snapshot cut
at some instant (open segments lose ``segmentEnd``/``disconnectType``, later metrics and segments are
absent, no ``conversationEnd``). Truth is computed from the plan, never from the rendered JSON.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from loaders.synthetic.generator import ids as I
from loaders.synthetic.generator.ids import rng_uuid
from loaders.synthetic.generator.timeutil import iso_ms

# A segment: (segmentType, start ms, end ms, disconnectType or None, queueId or None, extra keys or None)
Seg = tuple[str, int, int, str | None, str | None, dict[str, Any] | None]
# A metric: (emit ms, name, value)
Metric = tuple[int, str, int]

INTENTS = ["billing_refund", "billing_question", "tech_support", "new_order", "cancel", "upgrade", "moving"]


@dataclass
class Session:
    fields: dict[str, Any]
    segs: list[Seg] = field(default_factory=list)
    mets: list[Metric] = field(default_factory=list)
    flow: dict[str, Any] | None = None
    flow_exit: dict[str, Any] | None = None  # flow keys only known once the flow has exited
    flow_exit_ms: int = 0


@dataclass
class Part:
    fields: dict[str, Any]
    sessions: list[Session]
    attributes: dict[str, str] | None = None


@dataclass
class Conv:
    conversation_id: str
    start: int
    direction: str
    media: str
    kind: str
    parts: list[Part] = field(default_factory=list)
    end: int = 0
    mos: float | None = None
    # truth, as (emit ms, value): transfers (1 each), queue waits (tAcd ms), ivr time (tIvr ms)
    transfers: list[tuple[int, str, str, str]] = field(default_factory=list)  # (T, from, to, blind|consult)
    acd_waits: list[tuple[int, int, str]] = field(default_factory=list)  # (emit, ms, queueId)
    ivr_times: list[tuple[int, int]] = field(default_factory=list)
    disposition: str = ""
    first_flow: str = ""


@dataclass
class Caller:
    """Who is on the customer side, as the contact centre sees it."""

    phone: str  # E.164 the call comes from ('' for web messaging)
    display: str  # participantName of the customer participant
    account_id: str | None  # CRM_AccountId attribute when the IVR / bot captured it
    email: str | None
    first_name: str | None
    external_contact_id: str | None


def _pid(rng: random.Random) -> str:
    return rng_uuid(rng)


def _customer(rng: random.Random, caller: Caller, media: str, direction: str, **extra: Any) -> tuple[Part, Session]:
    fields: dict[str, Any] = {"participantId": _pid(rng), "participantName": caller.display, "purpose": "customer"}
    if caller.external_contact_id:
        fields["externalContactId"] = caller.external_contact_id
    sess = Session({"sessionId": rng_uuid(rng), "mediaType": media, "direction": direction, **extra})
    return Part(fields, [sess]), sess


def _voice_fields(rng: random.Random, ani: str, dnis: str, peer: str | None, edge: str) -> dict[str, Any]:
    f: dict[str, Any] = {"ani": ani, "dnis": dnis, "edgeId": edge, "protocolCallId": rng_uuid(rng), "provider": "Edge"}
    if peer:
        f["peerId"] = peer
    return f


def _acd(
    rng: random.Random,
    conv: Conv,
    queue: I.Queue,
    start: int,
    wait: int,
    peer: str,
    media_fields: dict[str, Any],
    abandon: bool = False,
    flow_in: str | None = None,
) -> int:
    """Append an acd participant (delay + interact = the queue wait). Returns the interact end."""
    delay_end = start + rng.randrange(5, 25)
    q_end = delay_end + wait
    sess = Session({"sessionId": rng_uuid(rng), **media_fields, "peerId": peer})
    if flow_in:
        sess.fields["flowInType"] = flow_in
    if conv.media == "voice":
        sess.flow = {"flowId": I.INQUEUE_FLOW.flow_id, "flowName": I.INQUEUE_FLOW.name,
                     "flowType": I.INQUEUE_FLOW.flow_type, "flowVersion": I.INQUEUE_FLOW.version}  # fmt: skip
    sess.segs.append(("delay", start, delay_end, None, queue.queue_id, None))
    sess.segs.append(("interact", delay_end, q_end, "peer" if abandon else "transfer", queue.queue_id, None))
    sess.mets.append((delay_end, "nOffered", 1))
    sess.mets.append((q_end, "tAcd", wait))
    if abandon:
        sess.mets.append((q_end, "tAbandon", wait))
        if wait < 10_000:
            sess.mets.append((q_end, "tShortAbandon", wait))
    conv.acd_waits.append((q_end, wait, queue.queue_id))
    conv.parts.append(Part({"participantId": _pid(rng), "participantName": queue.name, "purpose": "acd"}, [sess]))
    return q_end


def _queue_wait(rng: random.Random, media: str) -> int:
    if media == "callback":
        return int(rng.expovariate(1 / 600_000)) + 20_000
    if media == "message":
        return int(rng.expovariate(1 / 90_000)) + 1_500
    return min(int(rng.expovariate(1 / 55_000)) + 2_000, 1_200_000)


def _agent_legs(
    rng: random.Random,
    conv: Conv,
    media_fields: dict[str, Any],
    peer: str,
    queue: I.Queue,
    q_end: int,
    first_wait: int,
    transfers: int,
    hold_ok: bool,
) -> tuple[int, bool]:
    """The chain of agents after the first queue, with ``transfers`` hand-offs. Returns (customer end, hung up)."""
    used: set[str] = set()
    via_queue, wait, t, cur_queue = True, first_wait, q_end, queue
    forced_alert = 0  # a consulted agent's ringing time, fixed when the consult was planned
    for leg in range(transfers + 1):
        agent = rng.choice([a for a in I.AGENTS[:40] if a.user_id not in used])
        used.add(agent.user_id)
        alert_len = forced_alert or rng.randrange(2_000, 12_000)
        if via_queue:
            alert_start, talk_start = t - min(alert_len, max(wait - 100, 0)), t + 15
        else:
            alert_start = t + 15
            talk_start = alert_start + alert_len
        sess = Session({"sessionId": rng_uuid(rng), **media_fields, "peerId": peer})
        conv.parts.append(Part({"participantId": _pid(rng), "participantName": agent.name, "purpose": "agent",
                                "userId": agent.user_id}, [sess]))  # fmt: skip
        qid = cur_queue.queue_id
        sess.segs.append(("alert", alert_start, talk_start, None, qid, None))
        sess.mets.append((talk_start, "tAlert", talk_start - alert_start))
        if via_queue:
            sess.mets.append((talk_start, "tAnswered", wait))
        talk = int(rng.lognormvariate(11.9, 0.6))  # ~150 s median
        last = leg == transfers
        held = 0
        if last:
            end = talk_start + talk
            if hold_ok and rng.random() < 0.2:
                h0 = talk_start + talk // 2
                held = rng.randrange(10_000, 120_000)
                sess.segs.append(("interact", talk_start, h0, None, qid, None))
                sess.segs.append(("hold", h0, h0 + held, None, qid, None))
                sess.mets.append((h0 + held, "tHeld", held))
                sess.mets.append((h0 + held, "tHeldComplete", held))
                end += held
                talk_segs = [(talk_start, h0), (h0 + held, end)]
            else:
                talk_segs = [(talk_start, end)]
            customer_hung_up = rng.random() < 0.7
            disc = "peer" if customer_hung_up else "client"
            s0, s1 = talk_segs[-1]
            sess.segs.append(("interact", s0, s1, disc, qid, None))
            talked = sum(b - a for a, b in talk_segs)
            sess.mets.append((end, "tTalk", talked))
            sess.mets.append((end, "tTalkComplete", talked))
            if rng.random() < 0.03:
                acw, code = 60_000, I.WRAPUP_TIMEOUT
                conv.disposition = code
            else:
                acw = rng.randrange(5_000, 90_000)
                wrap = rng.choice(I.WRAPUP_CODES)
                code, conv.disposition = wrap.code_id, wrap.name
            sess.segs.append(("wrapup", end, end + acw, disc, qid, {"wrapUpCode": code}))
            sess.mets.append((end + acw, "tAcw", acw))
            sess.mets.append((end + acw, "tHandle", talked + held + acw))
            return end, customer_hung_up
        consult = media_fields["mediaType"] == "voice" and rng.random() < 0.4
        to_queue = rng.random() < 0.5
        next_queue = rng.choice([q for q in I.VOICE_QUEUES if q is not cur_queue]) if to_queue else cur_queue
        if media_fields["mediaType"] == "message" and to_queue:
            next_queue = I.MESSAGE_QUEUE
        if not consult:
            T = talk_start + talk
            talk_segs = [(talk_start, T)]
            hand_off = T
        else:
            h0 = talk_start + talk
            hand_off = h0  # the consult leg starts while the customer is on hold
        # the target side: a queue (new acd participant) or a user directly
        if to_queue:
            wait = _queue_wait(rng, conv.media)
            nxt_t = _acd(rng, conv, next_queue, hand_off + 10, wait, peer, media_fields)
            next_via_queue = True
        else:
            nxt_t = hand_off
            next_via_queue = False
        forced_alert = 0
        if consult:
            # the next agent picks up and talks to A for a while; then A completes the transfer
            if not next_via_queue:
                forced_alert = rng.randrange(2_000, 12_000)
            next_talk = nxt_t + 15 + forced_alert
            h1 = next_talk + rng.randrange(15_000, 90_000)
            T = h1 + rng.randrange(2_000, 6_000)
            held = h1 - h0
            sess.segs.append(("interact", talk_start, h0, None, qid, None))
            sess.segs.append(("hold", h0, h1, None, qid, None))
            sess.mets.append((h1, "tHeld", held))
            sess.mets.append((h1, "tHeldComplete", held))
            talk_segs = [(talk_start, h0), (h1, T)]
        s0, s1 = talk_segs[-1]
        sess.segs.append(("interact", s0, s1, "transfer", qid, None))
        talked = sum(b - a for a, b in talk_segs)
        kind = "consult" if consult else "blind"
        if consult:
            sess.mets.append((T, "nConsult", 1))
            sess.mets.append((T, "nConsultTransferred", 1))
        else:
            sess.mets.append((T, "nBlindTransferred", 1))
        sess.mets.append((T, "nTransferred", 1))
        sess.mets.append((T, "tTalk", talked))
        sess.mets.append((T, "tTalkComplete", talked))
        acw = rng.randrange(3_000, 40_000)
        sess.segs.append(("wrapup", T, T + acw, "transfer", qid, None))
        sess.mets.append((T + acw, "tAcw", acw))
        sess.mets.append((T + acw, "tHandle", talked + held + acw))
        target = next_queue.queue_id if to_queue else "next-agent"
        conv.transfers.append((T, agent.user_id, target, kind))
        # the next leg starts when the queue hands over (or at the hand-off for a direct transfer);
        # when consulting, the next agent is already talking to A before A completes the transfer
        cur_queue, via_queue, t = next_queue, next_via_queue, nxt_t
    raise AssertionError("unreachable")


def _fix_direct_targets(conv: Conv) -> None:
    """Direct (user-to-user) transfers name the receiving agent in the truth history."""
    agents = [p.fields["userId"] for p in conv.parts if p.fields["purpose"] == "agent"]
    fixed = []
    for n, (t, frm, to, kind) in enumerate(conv.transfers):
        fixed.append((t, frm, agents[n + 1] if to == "next-agent" else to, kind))
    conv.transfers = fixed


def plan_inbound_voice(rng: random.Random, conv_id: str, start: int, caller: Caller, transfers: int,
                       abandon: bool, ivr_only: bool, intent: str) -> Conv:  # fmt: skip
    conv = Conv(conv_id, start, "inbound", "voice", "inbound_voice")
    conv.mos = round(rng.uniform(3.6, 4.5), 2)
    flow_idx = rng.choices((0, 1, 2), weights=(75, 20, 5))[0]
    flow = I.IVR_FLOWS[flow_idx]
    ani, dnis = f"tel:{caller.phone}", f"tel:{I.DNIS[flow_idx]}"
    edge = I.EDGE_IDS[rng.randrange(2)]
    cust_part, cust = _customer(rng, caller, "voice", "inbound", **_voice_fields(rng, ani, dnis, None, edge))
    cust_part.attributes = {"ivr.Intent": intent}
    if caller.account_id:
        cust_part.attributes["CRM_AccountId"] = caller.account_id
    conv.parts.append(cust_part)
    peer = cust.fields["sessionId"]
    connect = start + rng.randrange(150, 400)
    cust.segs.append(("system", start, connect, None, None, None))
    cust.mets.append((connect, "nConnected", 1))
    media_fields = {"mediaType": "voice", "direction": "inbound", **_voice_fields(rng, ani, dnis, None, edge)}
    del media_fields["protocolCallId"]
    # IVR
    ivr_start = start + rng.randrange(3, 12)
    ivr_sys = ivr_start + rng.randrange(30, 60)
    ivr_len = int(rng.lognormvariate(10.6, 0.5))  # ~40 s median
    ivr_end = ivr_sys + ivr_len
    queue = rng.choice(I.VOICE_QUEUES)
    ivr = Session({"sessionId": rng_uuid(rng), **media_fields, "peerId": peer})
    ivr.flow = {"entryReason": dnis, "entryType": "dnis", "flowId": flow.flow_id, "flowName": flow.name,
                "flowType": flow.flow_type, "flowVersion": flow.version, "startingLanguage": "en-us"}  # fmt: skip
    ivr.flow_exit_ms = ivr_end
    ivr.segs.append(("system", ivr_start, ivr_sys, None, None, None))
    ivr.mets.append((ivr_start + 5, "nFlow", 1))
    ivr.mets.append((ivr_end, "tIvr", ivr_len))
    flow_time = ivr_len - rng.randrange(0, 300)
    ivr.mets.append((ivr_end + 3, "tFlow", flow_time))
    conv.ivr_times.append((ivr_end, ivr_len))
    conv.first_flow = flow.flow_id
    conv.parts.append(Part({"participantId": _pid(rng), "participantName": flow.name, "purpose": "ivr"}, [ivr]))
    if ivr_only:
        ivr.segs.append(("ivr", ivr_sys, ivr_end, "peer", None, None))
        ivr.mets.append((ivr_end + 3, "tFlowDisconnect", flow_time))
        ivr.flow_exit = {"endingLanguage": "en-us", "exitReason": "DISCONNECT"}
        cust.segs.append(("interact", connect, ivr_end, "endpoint", None, None))
        cust.mets.append((ivr_end, "tConnected", ivr_end - connect))
        conv.end, conv.disposition, conv.kind = ivr_end + 3, "Self-service", "ivr_only"
        return conv
    ivr.segs.append(("ivr", ivr_sys, ivr_end, "transfer", None, None))
    ivr.mets.append((ivr_end + 3, "tFlowExit", flow_time))
    ivr.flow_exit = {"endingLanguage": "en-us", "exitReason": "TRANSFER", "transferTargetAddress": queue.queue_id,
                     "transferTargetName": queue.name, "transferType": "ACD"}  # fmt: skip
    wait = _queue_wait(rng, "voice")
    q_end = _acd(rng, conv, queue, ivr_end + 15, wait, peer, media_fields, abandon=abandon, flow_in="ivr")
    if abandon:
        cust.segs.append(("interact", connect, q_end, "endpoint", queue.queue_id, None))
        cust.mets.append((q_end, "tConnected", q_end - connect))
        conv.end, conv.disposition, conv.kind = q_end, "Abandoned in queue", "abandon"
        return conv
    end, hung_up = _agent_legs(rng, conv, media_fields, peer, queue, q_end, wait, transfers, hold_ok=True)
    _fix_direct_targets(conv)
    cust.segs.append(("interact", connect, end, "endpoint" if hung_up else "peer", queue.queue_id, None))
    cust.mets.append((end, "tConnected", end - connect))
    conv.end = max(s[2] for p in conv.parts for ss in p.sessions for s in ss.segs)
    return conv


def plan_message(rng: random.Random, conv_id: str, start: int, caller: Caller, transfers: int) -> Conv:
    conv = Conv(conv_id, start, "inbound", "message", "message")
    sms = bool(caller.phone) and rng.random() < 0.3
    extra: dict[str, Any] = {"messageType": "sms" if sms else "webmessaging"}
    if sms:
        extra["ani"], extra["dnis"] = f"tel:{caller.phone}", f"tel:{I.DNIS[0]}"
    cust_part, cust = _customer(rng, caller, "message", "inbound", **extra)
    attrs: dict[str, str] = {}
    if not sms:
        if caller.email and rng.random() < 0.6:
            attrs["context.email"] = caller.email
        if caller.first_name:
            attrs["context.firstName"] = caller.first_name
    if caller.account_id:
        attrs["CRM_AccountId"] = caller.account_id
    cust_part.attributes = attrs
    conv.parts.append(cust_part)
    peer = cust.fields["sessionId"]
    media_fields = {"mediaType": "message", "direction": "inbound", **extra}
    connect = start + rng.randrange(50, 300)
    cust.segs.append(("system", start, connect, None, None, None))
    cust.mets.append((connect, "nConnected", 1))
    queue = I.MESSAGE_QUEUE
    wait = _queue_wait(rng, "message")
    q_end = _acd(rng, conv, queue, connect + 20, wait, peer, media_fields, flow_in="inboundmessage")
    end, hung_up = _agent_legs(rng, conv, media_fields, peer, queue, q_end, wait, transfers, hold_ok=False)
    _fix_direct_targets(conv)
    cust.segs.append(("interact", connect, end, "endpoint" if hung_up else "peer", queue.queue_id, None))
    cust.mets.append((end, "tConnected", end - connect))
    conv.first_flow = I.MESSAGE_FLOW.flow_id
    conv.end = max(s[2] for p in conv.parts for ss in p.sessions for s in ss.segs)
    return conv


def plan_callback(rng: random.Random, conv_id: str, start: int, caller: Caller) -> Conv:
    conv = Conv(conv_id, start, "inbound", "callback", "callback")
    number = f"tel:{caller.phone}"
    extra = {"ani": number, "dnis": number, "callbackNumbers": [number]}
    cust_part, cust = _customer(rng, caller, "callback", "inbound", **extra)
    cust_part.attributes = {"CallbackReason": rng.choice(INTENTS)}
    if caller.account_id:
        cust_part.attributes["CRM_AccountId"] = caller.account_id
    conv.parts.append(cust_part)
    peer = cust.fields["sessionId"]
    media_fields = {"mediaType": "callback", "direction": "inbound", **extra}
    queue = rng.choice(I.VOICE_QUEUES[:5])
    wait = _queue_wait(rng, "callback")
    q_end = _acd(rng, conv, queue, start + 20, wait, peer, media_fields)
    end, hung_up = _agent_legs(rng, conv, media_fields, peer, queue, q_end, wait, 0, hold_ok=False)
    cust.segs.append(("interact", start, end, "endpoint" if hung_up else "peer", queue.queue_id, None))
    conv.end = max(s[2] for p in conv.parts for ss in p.sessions for s in ss.segs)
    return conv


def plan_outbound(
    rng: random.Random,
    conv_id: str,
    start: int,
    caller: Caller,
    answered: bool,
    campaign_id: str,
    outbound_campaign_id: str,
    contact_list_id: str,
    contact_id: str,
    touch_sequence: int,
    lead_source: str,
    lead_id: str,
) -> Conv:
    conv = Conv(conv_id, start, "outbound", "voice", "outbound" if answered else "outbound_unanswered")
    ani, dnis = f"tel:{I.OUTBOUND_ANI}", f"tel:{caller.phone}"
    edge = I.EDGE_IDS[rng.randrange(2)]
    dialer = {"outboundCampaignId": outbound_campaign_id, "outboundContactId": contact_id,
              "outboundContactListId": contact_list_id}  # fmt: skip
    cust_part, cust = _customer(rng, caller, "voice", "outbound", **_voice_fields(rng, ani, dnis, None, edge), **dialer)
    cust_part.attributes = {"CampaignID": campaign_id, "TouchSequence": str(touch_sequence),
                            "LeadSource": lead_source, "CRM_LeadId": lead_id}  # fmt: skip
    conv.parts.append(cust_part)
    ring = rng.randrange(4_000, 30_000)
    queue = I.OUTBOUND_QUEUE
    cust.mets.append((start + 5, "nOutbound", 1))
    cust.mets.append((start + 5, "nOutboundAttempted", 1))
    if not answered:
        outcome = rng.choices(("noanswer", "busy", "machine"), weights=(60, 15, 25))[0]
        disc = {"noanswer": "timeout", "busy": "endpoint", "machine": "system"}[outcome]
        cust.fields["dispositionName"] = f"disposition.classification.callable.{outcome}"
        cust.segs.append(("dialing", start, start + ring, disc, queue.queue_id, None))
        conv.end, conv.disposition = start + ring, outcome
        return conv
    cust.fields["dispositionName"] = "disposition.classification.callable.live_voice"
    answer = start + ring
    cust.segs.append(("dialing", start, answer, None, queue.queue_id, None))
    cust.mets.append((answer, "nOutboundConnected", 1))
    cust.mets.append((answer, "nConnected", 1))
    media_fields = {"mediaType": "voice", "direction": "outbound",
                    **_voice_fields(rng, ani, dnis, cust.fields["sessionId"], edge), **dialer}  # fmt: skip
    del media_fields["protocolCallId"]
    agent = rng.choice(I.AGENTS[40:])
    sess = Session({"sessionId": rng_uuid(rng), **media_fields})
    a0 = answer + 20
    a1 = a0 + rng.randrange(300, 2_000)
    talk = int(rng.lognormvariate(11.5, 0.7))
    end = a1 + talk
    hung_up = rng.random() < 0.6
    disc = "peer" if hung_up else "client"
    wrap = rng.choice(I.WRAPUP_CODES[5:])
    acw = rng.randrange(5_000, 60_000)
    sess.segs += [("alert", a0, a1, None, queue.queue_id, None), ("interact", a1, end, disc, queue.queue_id, None),
                  ("wrapup", end, end + acw, disc, queue.queue_id, {"wrapUpCode": wrap.code_id})]  # fmt: skip
    sess.mets += [(a1, "tAlert", a1 - a0), (end, "tTalk", talk), (end, "tTalkComplete", talk),
                  (end + acw, "tAcw", acw), (end + acw, "tHandle", talk + acw)]  # fmt: skip
    conv.parts.append(Part({"participantId": _pid(rng), "participantName": agent.name, "purpose": "agent",
                            "userId": agent.user_id}, [sess]))  # fmt: skip
    cust.segs.append(("interact", answer, end, "endpoint" if hung_up else "peer", queue.queue_id, None))
    cust.mets.append((end, "tConnected", end - answer))
    conv.end, conv.disposition = end + acw, wrap.name
    return conv


def render(conv: Conv, cut: int | None = None) -> dict[str, Any]:
    """The conversation as the analytics job API returns it; ``cut`` makes a live snapshot at that instant."""
    doc: dict[str, Any] = {}
    live = cut is not None and cut < conv.end
    if not live:
        doc["conversationEnd"] = iso_ms(conv.end)
    doc["conversationId"] = conv.conversation_id
    doc["conversationStart"] = iso_ms(conv.start)
    doc["divisionIds"] = [I.DIVISION_ID]
    if conv.mos is not None and not live:
        doc["mediaStatsMinConversationMos"] = conv.mos
    doc["originatingDirection"] = conv.direction
    parts = []
    for part in conv.parts:
        sessions = []
        for sess in part.sessions:
            segs = []
            for stype, s0, s1, disc, queue, extra in sess.segs:
                if live and s0 > cut:  # type: ignore[operator]
                    continue
                closed = not live or s1 <= cut  # type: ignore[operator]
                seg: dict[str, Any] = {"conference": False}
                if closed and disc:
                    seg["disconnectType"] = disc
                if queue:
                    seg["queueId"] = queue
                if closed:
                    seg["segmentEnd"] = iso_ms(s1)
                seg["segmentStart"] = iso_ms(s0)
                seg["segmentType"] = stype
                if closed and extra:
                    seg.update(extra)
                segs.append(seg)
            if not segs:
                continue
            out = dict(sess.fields)
            if sess.flow is not None:
                flow = dict(sess.flow)
                if sess.flow_exit and (not live or sess.flow_exit_ms <= cut):  # type: ignore[operator]
                    flow.update(sess.flow_exit)
                out["flow"] = dict(sorted(flow.items()))
            mets = sorted(m for m in sess.mets if not live or m[0] <= cut)  # type: ignore[operator]
            out["metrics"] = [{"emitDate": iso_ms(e), "name": n, "value": v} for e, n, v in mets]
            out["segments"] = segs
            sessions.append(out)
        if not sessions:
            continue
        p = dict(part.fields)
        p["sessions"] = sessions
        if part.attributes is not None:
            p["attributes"] = part.attributes
        parts.append(p)
    doc["participants"] = parts
    return doc


def truth_at(conv: Conv, cut: int | None) -> tuple[int, int, int]:
    """(transfers, queue wait ms, ivr ms) visible at ``cut`` (None = complete)."""
    limit = conv.end if cut is None else cut
    return (
        sum(1 for t in conv.transfers if t[0] <= limit),
        sum(ms for e, ms, _ in conv.acd_waits if e <= limit),
        sum(ms for e, ms in conv.ivr_times if e <= limit),
    )


def interaction_event(rng: random.Random, conv: Conv) -> dict[str, Any]:
    """The seed-004 `interaction.completed` event for a completed conversation (values = truth)."""
    transfers, queue_ms, _ = truth_at(conv, None)
    data: dict[str, Any] = {}
    count_null = bool(conv.acd_waits) and rng.random() < 0.05
    data["transferCount"] = None if count_null else transfers
    data["totalQueueWaitTimeSeconds"] = None if rng.random() < 0.02 else round(queue_ms / 1000, 3)
    data["disposition"] = conv.disposition
    if count_null or (transfers and rng.random() < 0.5):
        history = []
        if conv.acd_waits:
            first_q = conv.acd_waits[0]
            history.append({"from": conv.first_flow or "customer", "to": first_q[2], "type": "initial",
                            "timestamp": iso_ms(first_q[0] - first_q[1])})  # fmt: skip
        for t, frm, to, kind in conv.transfers:
            history.append({"from": frm, "to": to, "type": kind, "timestamp": iso_ms(t)})
        data["transferHistory"] = history
    return {"entityId": conv.conversation_id, "eventType": "interaction.completed", "timestamp": iso_ms(conv.end),
            "data": data}  # fmt: skip
