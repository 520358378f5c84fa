"""Benchmark the engagement domain on a generated profile: validation accuracy, propensity AUC, speed.

    .venv/bin/python bench/bench_engagement.py                        # small profile, seed 42
    .venv/bin/python bench/bench_engagement.py --profile demo --seed 7

The profile is generated (once) under OUT/<profile>-<seed>/, landed (once) into OUT/<profile>-<seed>.duckdb
and everything upstream of engagement (seeds, staging, identity) is built once, untimed. Then
`dbt run --select intermediate.engagement marts.engagement` runs in a fresh subprocess: the report gives
its wall time, each model's execution time (run_results.json) and the peak RSS of that dbt process.

Quality, against the generator's ground truth (OUT/<profile>-<seed>/truth, never landed):
- validation fate (valid / backfill / future / reject) of every distinct CRM event vs truth/events.csv;
- ROC AUC of the propensity score with the future conversion label converts_after_reference (a person's
  score = the highest score among the contacts their source records resolve to; a person without a profile
  gets the score of a contact without activity, with has_crm_record as the person has a CRM record or not),
  next to the AUC of the latent engagement itself on the same
  label (the ceiling: conversion is a coin flip weighted by latent engagement), the AUC of the score for
  "latent engagement above the median" and the Spearman rank correlation with latent engagement;
- time zone accuracy of the contacts vs truth/persons.csv.

The scores are checked against the logistic formula applied in Python to the materialised feature vectors
(int_engagement__propensity_features_daily) with the seed's weights. Refitting the weights is
bench/fit_propensity.py (fit on one seed, evaluate on another).
"""

from __future__ import annotations

import argparse
import bisect
import csv
import json
import logging
import math
import sys
from pathlib import Path

import duckdb
from _measure import measured  # bench/ helpers (the script's folder is on sys.path)
from _prepare import add_data_set_options, dbt
from fit_propensity import (
    SELECTOR,
    feature_vectors,
    person_contacts,
    prepare_engagement,
    read_weights,
    score,
    truth_persons,
)

log = logging.getLogger("bench_engagement")


def auc(labels: list[int], scores: list[float]) -> float:
    """ROC AUC (Mann–Whitney, ties count one half)."""
    neg = sorted(s for s, y in zip(scores, labels, strict=True) if not y)
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    total = 0.0
    for s in pos:
        lo, hi = bisect.bisect_left(neg, s), bisect.bisect_right(neg, s)
        total += lo + 0.5 * (hi - lo)
    return total / (len(pos) * len(neg))


def ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=values.__getitem__)
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2
        i = j + 1
    return out


def spearman(a: list[float], b: list[float]) -> float:
    ra, rb = ranks(a), ranks(b)
    ma, mb = sum(ra) / len(ra), sum(rb) / len(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb, strict=True))
    return cov / math.sqrt(sum((x - ma) ** 2 for x in ra) * sum((y - mb) ** 2 for y in rb))


def crm_persons(data: Path) -> set[str]:
    """The persons with a CRM customer record (their CRM activity is observable)."""
    with open(data / "truth" / "person_records.csv", encoding="utf-8") as fh:
        return {r["person_id"] for r in csv.DictReader(fh) if r["source_system"] == "crm"}


def fate_accuracy(con: duckdb.DuckDBPyConnection, data: Path) -> dict:
    con.execute(f"create or replace temp table te as select * from read_csv('{data / 'truth' / 'events.csv'}',"
                " all_varchar = true)")  # fmt: skip
    rows = con.execute(
        """with mine as (
               select n.contact_id, n.crm_event_kind, n.crm_record_id, n.event_timestamp, n.delivery_count,
                      case when f.reject_reason = 'future_event_timestamp' then 'future' else f.fate end as fate,
                      f.reject_reason
               from intermediate.int_engagement__events_normalized n
               join intermediate.int_engagement__event_fates f using (event_key))
           select te.expected_fate, mine.fate, mine.reject_reason, te.deliveries::int = mine.delivery_count
           from te left join mine
             on te.contact_id = mine.contact_id and te.event_type = mine.crm_event_kind
            and coalesce(nullif(te.crm_record_id, ''), '~') = coalesce(mine.crm_record_id, '~')
            and cast(te.event_timestamp as timestamp) = mine.event_timestamp"""
    ).fetchall()
    reasons = {"missing_crm_record_id": "missing_required_field", "non_numeric_transaction_value": "bad_type",
               "array_value": "array_value"}  # fmt: skip
    ok = 0
    for expected, fate, reason, _ in rows:
        if expected.startswith("reject:"):
            ok += fate == "reject" and reason == reasons.get(expected.split(":", 1)[1])
        else:
            ok += expected == fate
    return {"events": len(rows), "fate_matches": ok, "fate_accuracy": ok / len(rows),
            "delivery_counts_match": sum(1 for r in rows if r[3]) / len(rows)}  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_set_options(ap, seed=42)
    ap.add_argument("--json", type=Path, help="also write the report as JSON here")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    prepared = prepare_engagement(args)
    data, db, env = prepared.data, prepared.db, prepared.env
    log.info("running the engagement models (timed)")
    wall, rss, rc, out = measured(dbt(db, "run", "--select", *SELECTOR), env)
    if rc:
        print(out)
        return 1
    results = json.loads((db.parent / f"{db.stem}-target" / "run_results.json").read_text())["results"]
    per_model = sorted(((r["unique_id"].split(".")[-1], r["execution_time"]) for r in results), key=lambda t: -t[1])

    con = duckdb.connect(str(db), read_only=True)
    persons = truth_persons(data)
    contacts = person_contacts(con, data)
    weights = read_weights()
    names, vectors = feature_vectors(con)
    sql_scores = dict(
        con.execute("select contact_key, propensity_score from marts.contact_engagement_profile").fetchall()
    )
    drift = max(abs(score(vectors[k], names, weights) - s) for k, s in sql_scores.items())
    # a person without a profile: the score of a contact without activity, in the CRM or not like the person
    idle = con.execute(
        """select f.has_crm_record, min(f.contact_key)
           from intermediate.int_engagement__contact_features_daily as f
           where f.snapshot_at = (select max(snapshot_at) from intermediate.int_engagement__contact_features_daily)
             and f.events_90d = 0 and f.transactions_90d = 0 and f.behaviors_90d = 0
             and f.transaction_value_90d = 0 and f.days_since_last_event is null
             and f.inbound_conversations_90d = 0 and f.outbound_attempts_90d = 0
           group by f.has_crm_record"""
    ).fetchall()
    baseline = {crm: score(vectors[key], names, weights) for crm, key in idle}
    in_crm = crm_persons(data)
    labels, scores, latent = [], [], []
    for pid, p in persons.items():
        keyed = [sql_scores[k] for k in contacts.get(pid, ()) if k in sql_scores]
        labels.append(int(p["converts_after_reference"]))
        scores.append(max(keyed) if keyed else baseline[pid in in_crm])
        latent.append(float(p["latent_engagement"]))
    median = sorted(latent)[len(latent) // 2]
    tz_rows = con.execute("select contact_key, timezone from intermediate.int_engagement__contacts").fetchall()
    tz_of = dict(tz_rows)
    tz_checked = [(tz_of[k], p["timezone"]) for pid, p in persons.items() for k in contacts.get(pid, ()) if k in tz_of]
    counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in (
        "intermediate.int_engagement__events_validated", "marts.engagement_event_rejects",
        "marts.engagement_backfill_queue", "marts.contact_engagement_profile",
        "marts.contact_engagement_score_history", "marts.outbound_eligibility")}  # fmt: skip
    tiers = dict(
        con.execute("select propensity_tier, count(*) from marts.contact_engagement_profile group by 1").fetchall()
    )
    report = {
        "profile": args.profile, "seed": args.seed, "customers": len(persons),
        "validation": fate_accuracy(con, data),
        "auc_converts_after_reference": auc(labels, scores),
        "auc_ceiling_latent_engagement": auc(labels, latent),
        "auc_latent_engagement_above_median": auc([int(v > median) for v in latent], scores),
        "spearman_score_latent_engagement": spearman(scores, latent),
        "persons_with_profile": sum(1 for pid in persons if any(k in sql_scores for k in contacts.get(pid, ()))),
        "sql_vs_python_score_max_abs_diff": drift,
        "timezone_accuracy": sum(a == b for a, b in tz_checked) / max(len(tz_checked), 1),
        "tiers": tiers, "rows": counts,
        "engagement_run_wall_s": round(wall, 2), "engagement_run_peak_rss_mib": round(rss, 1),
        "model_seconds": {m: round(s, 3) for m, s in per_model},
    }  # fmt: skip
    con.close()
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
