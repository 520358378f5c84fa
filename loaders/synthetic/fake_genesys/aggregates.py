"""``POST /api/v2/analytics/conversations/aggregates/query`` of the fake, computed in Python from the fake's own
conversation store and reference store — independently of the dbt models, so ``cx verify kpis`` is a real check.

Genesys's definitions, as the fake applies them:

- a metric is counted under the session it is emitted on: that session's ``mediaType``, the ``queueId`` of its
  first segment (by start) that has one, and the interval (``granularity``) holding the start of its first
  segment — the segment-start time dimension aggregates use by default;
- ``t*`` metrics report ``{count, sum, min, max}`` (milliseconds); ``n*`` metrics ``{count}`` = Σ values;
- ``oServiceLevel`` = ``{numerator, denominator, ratio, target}``: numerator = ``tAnswered`` values at or under the
  queue's service-level duration for that media type (``mediaSettings.<call|…>.serviceLevel.durationMs``),
  denominator = answered + abandoned − short abandons, target = ``serviceLevel.percentage``;
- a conversation counts in its latest version (a completed one over a live one), like the details endpoints.

Supported: ``interval``, ``granularity`` (PTnM, PTnH, P1D), ``groupBy`` ⊆ {queueId, mediaType}, ``metrics``,
``filter`` with ``queueId`` / ``mediaType`` dimension predicates; anything else is a 400, as an unknown field would
be for the real API's validation.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from loaders.synthetic.fake_genesys.reference import ReferenceStore
from loaders.synthetic.fake_genesys.store import ConversationStore, parse_interval, parse_ts

SUPPORTED_METRICS = ("nOffered", "tAnswered", "tAbandon", "tShortAbandon", "tFlowOut", "tHandle", "tTalk", "tHeld",
                     "tAcw", "tAcd", "tAlert", "nTransferred", "oServiceLevel")  # fmt: skip
GROUP_DIMENSIONS = ("queueId", "mediaType")
MEDIA_SETTING = {"voice": "call", "callback": "callback", "chat": "chat", "email": "email", "message": "message"}
MAX_DAYS = 31


class AggregateError(ValueError):
    """A request the API would refuse (400)."""


def parse_granularity(text: str) -> timedelta:
    match = re.fullmatch(r"PT(\d+)M|PT(\d+)H|P(\d+)D", text or "")
    if not match:
        raise AggregateError(f"granularity {text!r} is not supported (PTnM, PTnH or PnD)")
    minutes, hours, days = match.groups()
    step = timedelta(minutes=int(minutes)) if minutes else timedelta(hours=int(hours)) if hours else timedelta(
        days=int(days))
    if step <= timedelta(0) or timedelta(days=1) % step:
        raise AggregateError("granularity must divide a day")
    return step


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


def _bucket(ts: datetime, step: timedelta) -> datetime:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    step_us = step // timedelta(microseconds=1)
    elapsed = (ts - epoch) // timedelta(microseconds=1)
    return epoch + timedelta(microseconds=(elapsed // step_us) * step_us)


def _filters(body: dict[str, Any]) -> dict[str, set[str]]:
    spec = body.get("filter")
    if spec is None:
        return {}
    if not isinstance(spec, dict) or spec.get("type") not in ("and", "or") or not isinstance(
            spec.get("predicates"), list):
        raise AggregateError("filter must be {type: and|or, predicates: [...]}")
    wanted: dict[str, set[str]] = defaultdict(set)
    for predicate in spec["predicates"]:
        if not isinstance(predicate, dict) or predicate.get("dimension") not in GROUP_DIMENSIONS:
            raise AggregateError("only queueId and mediaType dimension predicates are supported")
        wanted[predicate["dimension"]].add(str(predicate.get("value")))
    return wanted


def service_levels(reference: ReferenceStore) -> dict[tuple[str, str], tuple[float, int]]:
    """(queueId, mediaType) -> (percentage, durationMs) from the queues' mediaSettings."""
    out = {}
    for queue in reference.entities("queues"):
        for media_type, setting in MEDIA_SETTING.items():
            level = ((queue.get("mediaSettings") or {}).get(setting) or {}).get("serviceLevel") or {}
            if "durationMs" in level:
                out[(queue["id"], media_type)] = (float(level.get("percentage", 0)), int(level["durationMs"]))
    return out


def aggregate(store: ConversationStore, reference: ReferenceStore, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise AggregateError("the request body must be a JSON object")
    try:
        start, end = parse_interval(body.get("interval", ""))
    except ValueError as exc:
        raise AggregateError(f"Invalid interval: {exc}") from None
    if end - start > timedelta(days=MAX_DAYS):
        raise AggregateError(f"the interval may not exceed {MAX_DAYS} days")
    step = parse_granularity(body.get("granularity", "P1D")) if "granularity" in body else end - start
    group_by = body.get("groupBy") or []
    if not isinstance(group_by, list) or any(g not in GROUP_DIMENSIONS for g in group_by):
        raise AggregateError(f"groupBy supports {', '.join(GROUP_DIMENSIONS)} only")
    metrics = body.get("metrics")
    if not isinstance(metrics, list) or not metrics or any(m not in SUPPORTED_METRICS for m in metrics):
        raise AggregateError(f"metrics must be a non-empty list of {', '.join(SUPPORTED_METRICS)}")
    wanted = _filters(body)
    levels = service_levels(reference)
    # (group key, interval start) -> metric -> list of values
    cells: dict[tuple[tuple[str, ...], datetime], dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    targets: dict[tuple[tuple[str, ...], datetime], set[tuple[str, str]]] = defaultdict(set)
    # a session starts within its conversation's lifetime: the conversations overlapping the interval hold them all
    for conversation in store.lifetime_overlaps(start, end):
        for participant in conversation.body.get("participants", []):
            for session in participant.get("sessions", []):
                segments = [s for s in session.get("segments", []) if s.get("segmentStart")]
                if not segments:
                    continue
                ordered = sorted(enumerate(segments), key=lambda p: (parse_ts(p[1]["segmentStart"]), p[0]))
                queue_id = next((s["queueId"] for _, s in ordered if s.get("queueId")), None)
                if queue_id is None:
                    continue
                began = parse_ts(ordered[0][1]["segmentStart"])
                if not start <= began < end:
                    continue
                media = session.get("mediaType")
                dims = {"queueId": queue_id, "mediaType": media}
                if any(dims[d] not in values for d, values in wanted.items()):
                    continue
                key = (tuple(str(dims[g]) for g in group_by), _bucket(began, step) if step < end - start else start)
                targets[key].add((queue_id, media))
                for metric in session.get("metrics", []):
                    if metric.get("name") in SUPPORTED_METRICS and isinstance(metric.get("value"), int):
                        cells[key][metric["name"]].append(metric["value"])
                        if metric["name"] == "tAnswered":
                            level = levels.get((queue_id, media))
                            if level is not None and metric["value"] <= level[1]:
                                cells[key]["_answeredInSl"].append(1)
    by_group: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for (group, bucket), values in sorted(cells.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        reported = []
        for name in metrics:
            if name == "oServiceLevel":
                answered, abandoned = len(values.get("tAnswered", [])), len(values.get("tAbandon", []))
                denominator = answered + abandoned - len(values.get("tShortAbandon", []))
                if denominator <= 0:
                    continue
                numerator = len(values.get("_answeredInSl", []))
                pairs = targets[(group, bucket)]
                target = levels.get(next(iter(pairs))) if len(pairs) == 1 else None
                stats: dict[str, Any] = {"ratio": numerator / denominator, "numerator": numerator,
                                         "denominator": denominator}  # fmt: skip
                if target is not None:
                    stats["target"] = target[0]
                reported.append({"metric": name, "stats": stats})
                continue
            found = values.get(name)
            if not found:
                continue
            if name.startswith("n"):
                reported.append({"metric": name, "stats": {"count": sum(found)}})
            else:
                reported.append({"metric": name, "stats": {"max": max(found), "min": min(found),
                                                          "count": len(found), "sum": sum(found)}})  # fmt: skip
        if reported:
            until = min(bucket + step, end) if step < end - start else end
            by_group[group].append({"interval": f"{_iso(bucket)}/{_iso(until)}", "metrics": reported})
    results = [{"group": dict(zip(group_by, group, strict=True)), "data": data} for group, data in by_group.items()]
    return {"results": results} if results else {}
