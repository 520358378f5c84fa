"""`cx verify kpis`: marts.fct_queue_performance against Genesys Cloud's own conversation aggregates.

For each UTC day of the window, one ``POST /api/v2/analytics/conversations/aggregates/query`` with the mart's
interval as ``granularity``, ``groupBy [queueId, mediaType]`` and every metric the mart reports; every (interval,
queue, media type, metric statistic) on either side is compared, and each one that differs is reported. A cell
one side has and the other lacks counts as 0 there.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb

from loaders.genesys import GenesysClient

log = logging.getLogger(__name__)

AGGREGATES_PATH = "/api/v2/analytics/conversations/aggregates/query"
# (Genesys metric, statistic) -> mart column
METRIC_COLUMNS: dict[tuple[str, str], str] = {
    ("nOffered", "count"): "offered",
    ("tAnswered", "count"): "answered",
    ("tAnswered", "sum"): "answer_ms_total",
    ("tAbandon", "count"): "abandoned",
    ("tAbandon", "sum"): "abandon_ms_total",
    ("tShortAbandon", "count"): "short_abandoned",
    ("tFlowOut", "count"): "flow_outs",
    ("tAcd", "count"): "acd_count",
    ("tAcd", "sum"): "acd_ms_total",
    ("tAlert", "count"): "alert_count",
    ("tAlert", "sum"): "alert_ms_total",
    ("tHandle", "count"): "handled",
    ("tHandle", "sum"): "handle_ms_total",
    ("tTalk", "count"): "talk_count",
    ("tTalk", "sum"): "talk_ms_total",
    ("tHeld", "count"): "held_count",
    ("tHeld", "sum"): "held_ms_total",
    ("tAcw", "count"): "acw_count",
    ("tAcw", "sum"): "acw_ms_total",
    ("nTransferred", "count"): "transferred",
    ("oServiceLevel", "numerator"): "answered_within_service_level",
    ("oServiceLevel", "denominator"): "service_level_denominator",
}
METRICS = sorted({m for m, _ in METRIC_COLUMNS})


@dataclass(frozen=True)
class Difference:
    interval_start: datetime
    queue_id: str
    media_type: str
    metric: str  # e.g. tHandle.sum
    mart: float
    genesys: float


@dataclass
class KpiCheck:
    days: int = 0
    requests: int = 0
    cells: int = 0  # (interval, queue, media type) compared
    values: int = 0  # metric statistics compared
    differences: list[Difference] = field(default_factory=list)


Cell = tuple[datetime, str, str]


def mart_window(con: duckdb.DuckDBPyConnection) -> tuple[date, date] | None:
    """The UTC days the mart covers, [first, last]."""
    first, last = con.execute("select min(interval_start), max(interval_start) from marts.fct_queue_performance"
                              ).fetchone()
    return (first.date(), last.date()) if first is not None else None


def mart_cells(con: duckdb.DuckDBPyConnection, since: date, until: date) -> tuple[dict[Cell, dict[str, float]], int]:
    """Mart values per cell for the days [since, until), and the interval length in minutes."""
    columns = sorted(set(METRIC_COLUMNS.values()))
    rows = con.execute(
        f"""select interval_start, interval_end, queue_id, media_type, {', '.join(columns)}
            from marts.fct_queue_performance
            where interval_start >= ? and interval_start < ?""",
        [datetime.combine(since, datetime.min.time()), datetime.combine(until, datetime.min.time())],
    ).fetchall()
    minutes = 0
    cells: dict[Cell, dict[str, float]] = {}
    for start, end, queue_id, media_type, *values in rows:
        minutes = int((end - start).total_seconds() // 60)
        cells[(start.replace(tzinfo=UTC), queue_id, media_type)] = {
            key: float(values[columns.index(column)] or 0) for key, column in
            ((f"{m}.{s}", c) for (m, s), c in METRIC_COLUMNS.items())
        }
    return cells, minutes


def genesys_cells(answer: dict[str, Any]) -> dict[Cell, dict[str, float]]:
    cells: dict[Cell, dict[str, float]] = {}
    for result in answer.get("results", []) or []:
        group = result.get("group", {})
        for data in result.get("data", []) or []:
            start = datetime.fromisoformat(data["interval"].split("/")[0].replace("Z", "+00:00")).astimezone(UTC)
            values = cells.setdefault((start, group.get("queueId"), group.get("mediaType")), {})
            for metric in data.get("metrics", []) or []:
                for stat, value in (metric.get("stats") or {}).items():
                    if (metric.get("metric"), stat) in METRIC_COLUMNS and value is not None:
                        values[f"{metric['metric']}.{stat}"] = float(value)
    return cells


def verify_kpis(
    client: GenesysClient,
    con: duckdb.DuckDBPyConnection,
    since: date | None = None,
    until: date | None = None,
    on_day: Callable[[date], None] | None = None,
) -> KpiCheck:
    """Compare the mart with the aggregates endpoint for the UTC days [since, until) (default: the mart's days)."""
    check = KpiCheck()
    window = mart_window(con)
    if since is None or until is None:
        if window is None:
            return check
        since = since or window[0]
        until = until or window[1] + timedelta(days=1)
    mart, minutes = mart_cells(con, since, until)
    minutes = minutes or 30
    genesys: dict[Cell, dict[str, float]] = {}
    day = since
    while day < until:
        if on_day:
            on_day(day)
        start = datetime.combine(day, datetime.min.time(), UTC)
        body = {
            "interval": f"{start:%Y-%m-%dT%H:%M:%S.000Z}/{start + timedelta(days=1):%Y-%m-%dT%H:%M:%S.000Z}",
            "granularity": f"PT{minutes}M",
            "groupBy": ["queueId", "mediaType"],
            "metrics": METRICS,
        }
        genesys.update(genesys_cells(client.post(AGGREGATES_PATH, json=body).json()))
        check.requests += 1
        check.days += 1
        day += timedelta(days=1)
    keys = sorted(set(METRIC_COLUMNS))
    for cell in sorted(mart.keys() | genesys.keys()):
        check.cells += 1
        ours, theirs = mart.get(cell, {}), genesys.get(cell, {})
        for metric, stat in keys:
            name = f"{metric}.{stat}"
            a, b = ours.get(name, 0.0), theirs.get(name, 0.0)
            check.values += 1
            if not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6):
                check.differences.append(Difference(cell[0], cell[1], cell[2], name, a, b))
    log.info("verify kpis: %d days, %d cells, %d values, %d differ", check.days, check.cells, check.values,
             len(check.differences))
    return check
