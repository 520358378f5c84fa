"""Identity review decisions: the pairs waiting in ``marts.identity_review_queue``, the explanation of each
(both records, each comparison's level and weight), and appending a reviewer's decision to the seed
``identity_review_decisions`` (a CSV; ``dbt seed`` + ``dbt build`` — ``make build`` — honour it).

The warehouse stays read-only: a decision is a line in the CSV, the file dbt seeds from. Decisions made since
the last build are kept out of the pending list by reading the CSV itself.
"""

from __future__ import annotations

import csv
import fcntl
import getpass
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from loaders.ui.masking import show
from loaders.ui.warehouse import Warehouse

COLUMNS = ("left_source_system", "left_source_record_id", "right_source_system", "right_source_record_id",
           "decision", "reviewed_by", "reviewed_at", "note")
# the values the seed's accepted_values test and int_identity__merge_edges accept
MERGE = "merge"
KEEP_APART = "no_merge"
DECISIONS = (MERGE, KEEP_APART)
REVIEWER_ENV = "CX_REVIEWER"
DECISIONS_ENV = "CX_REVIEW_DECISIONS"
QUEUE = "marts.identity_review_queue"
# the record fields the queue carries, in the order the explanation lists them; comparison -> field
FIELDS = ("first_name", "last_name", "date_of_birth", "email", "phone_e164", "street", "postcode", "city",
          "account_id")


def default_decisions_path(project_dir: str | os.PathLike | None = None) -> Path:
    """$CX_REVIEW_DECISIONS, else seeds/identity_review_decisions.csv of ``project_dir``, of the working directory
    when it is a dbt project with that seed (`make ui` runs in the project), else of this checkout."""
    explicit = os.environ.get(DECISIONS_ENV)
    if explicit:
        return Path(explicit)
    relative = Path("seeds") / "identity_review_decisions.csv"
    if project_dir:
        return Path(project_dir) / relative
    if (Path.cwd() / "dbt_project.yml").is_file() and (Path.cwd() / relative).is_file():
        return Path.cwd() / relative
    return Path(__file__).resolve().parents[2] / relative


def default_reviewer() -> str:
    """$CX_REVIEWER, else the operating-system user."""
    name = os.environ.get(REVIEWER_ENV, "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@dataclass(frozen=True)
class Decision:
    left_source_system: str
    left_source_record_id: str
    right_source_system: str
    right_source_record_id: str
    decision: str
    reviewed_by: str
    reviewed_at: str
    note: str = ""

    def pair(self) -> frozenset[tuple[str, str]]:
        return frozenset({(self.left_source_system, self.left_source_record_id),
                          (self.right_source_system, self.right_source_record_id)})


def read_decisions(path: str | os.PathLike) -> list[Decision]:
    path = Path(path)
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return [Decision(**{c: (row.get(c) or "") for c in COLUMNS}) for row in reader]


def append_decision(path: str | os.PathLike, left: tuple[str, str], right: tuple[str, str], decision: str,
                    reviewed_by: str, note: str = "", now: datetime | None = None) -> Decision:
    """Append one decision (a header first when the file is new or empty), under an exclusive file lock."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {DECISIONS}, got {decision!r}")
    reviewed_by = " ".join(reviewed_by.split()) or default_reviewer()
    note = " ".join(note.split())
    at = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    row = Decision(left[0], left[1], right[0], right[1], decision, reviewed_by, at, note)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", newline="", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            fh.seek(0)
            existing = fh.read()
            writer = csv.writer(fh, lineterminator="\n")
            if not existing.strip():
                fh.seek(0)
                fh.truncate()
                writer.writerow(COLUMNS)
            elif not existing.endswith("\n"):
                fh.write("\n")
            writer.writerow([getattr(row, c) for c in COLUMNS])
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
    return row


def pending_pairs(wh: Warehouse, decisions_path: str | os.PathLike):
    """The queue (probability first) without the pairs decided in the CSV since the last build: a DataFrame
    with the queue's columns plus ``city`` per side when the records model is there."""
    with_city = wh.has("intermediate.int_identity__records")
    city = (", lr.city as left_city, rr.city as right_city" if with_city else
            ", null as left_city, null as right_city")
    joins = ("""left join intermediate.int_identity__records as lr on lr.customer_record_key = q.left_record_key
                left join intermediate.int_identity__records as rr on rr.customer_record_key = q.right_record_key"""
             if with_city else "")
    frame = wh.df(f"""
        select q.* {city}
        from {QUEUE} as q {joins}
        order by q.match_probability desc, q.pair_key
    """)
    decided = {d.pair() for d in read_decisions(decisions_path)}
    if frame.empty or not decided:
        return frame
    keep = [
        frozenset({(r.left_source_system, r.left_source_record_id), (r.right_source_system, r.right_source_record_id)})
        not in decided
        for r in frame.itertuples()
    ]
    return frame[keep].reset_index(drop=True)


def level_descriptions(wh: Warehouse) -> dict[tuple[str, str], str]:
    if not wh.has("config.identity_comparisons"):
        return {}
    rows = wh.rows("select comparison, level_name, description from config.identity_comparisons")
    return {(str(c), str(level)): str(d or "") for c, level, d in rows}


def explain(pair: Any, descriptions: dict[tuple[str, str], str], show_pii: bool) -> list[dict[str, Any]]:
    """One row per comparison of ``pair`` (a queue row): both values (masked unless ``show_pii``), the level
    the model found, its weight in bits (log2 Bayes factor) and what the level means; strongest first."""
    explanation = pair["explanation"]
    if isinstance(explanation, str):
        explanation = json.loads(explanation or "{}")
    explanation = explanation or {}
    rows = []
    for comparison, detail in explanation.items():
        detail = detail or {}
        field = comparison if comparison in FIELDS else None
        level = str(detail.get("level") or "")
        rows.append({
            "comparison": comparison,
            "left": show(field, pair.get(f"left_{field}"), show_pii) if field else "",
            "right": show(field, pair.get(f"right_{field}"), show_pii) if field else "",
            "level": level,
            "weight": float(detail.get("match_weight") or 0.0),
            "bayes_factor": float(detail.get("bayes_factor") or 1.0),
            "meaning": descriptions.get((comparison, level), ""),
        })
    for field in FIELDS:  # fields the model did not compare still shown, for context
        if field not in explanation:
            rows.append({"comparison": field, "left": show(field, pair.get(f"left_{field}"), show_pii),
                         "right": show(field, pair.get(f"right_{field}"), show_pii), "level": "not compared",
                         "weight": 0.0, "bayes_factor": 1.0, "meaning": ""})
    rows.sort(key=lambda r: (-abs(r["weight"]), r["comparison"]))
    return rows
