"""Benchmark the engagement domain on a generated profile: validation accuracy, propensity AUC, speed.

    .venv/bin/python bench/bench_engagement.py                        # small profile, seed 42
    .venv/bin/python bench/bench_engagement.py --profile demo --seed 7
    .venv/bin/python bench/bench_engagement.py --seed 1 --fit         # refit seeds/engagement_propensity_weights.csv

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

--fit refits the logistic weights offline (L2-regularised logistic regression by Newton's method, pure
Python) on this data set's contacts at reference_time, label = converts_after_reference of the contact's
person, shifts the intercept by ln(negatives / positives) (prior correction: scores relative to an even
prior, so the 0.75 / 0.40 tiers are usable) and rewrites seeds/engagement_propensity_weights.csv. Fit on
one seed, evaluate on another. After writing, the models are rebuilt and the SQL scores are checked
against the same formula in Python.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import json
import logging
import math
import subprocess
import sys
from pathlib import Path

import duckdb
from _measure import measured  # bench/ helpers (the script's folder is on sys.path)
from _prepare import ROOT, dbt, prepare

SELECTOR = ["intermediate.engagement", "marts.engagement"]
UPSTREAM = ["+int_identity__conversation_customers", "staging", "engagement_event_taxonomy",
            "engagement_attribute_registry", "engagement_propensity_weights", "engagement_phone_timezones"]  # fmt: skip
WEIGHTS = ROOT / "seeds" / "engagement_propensity_weights.csv"
# The model features as int_engagement__contact_scores_daily computes them (kept in step; --fit checks it).
FEATURES = {
    "log_transactions_30d": lambda f: math.log1p(f["transactions_30d"]),
    "log_transactions_90d": lambda f: math.log1p(f["transactions_90d"]),
    "log_transaction_value_90d": lambda f: math.log1p(f["transaction_value_90d"]),
    "avg_log_transaction_value_90d": lambda f: f["avg_log_transaction_value_90d"],
    "log_behaviors_7d": lambda f: math.log1p(f["behaviors_7d"]),
    "log_behaviors_30d": lambda f: math.log1p(f["behaviors_30d"]),
    "log_behaviors_90d": lambda f: math.log1p(f["behaviors_90d"]),
    "log_events_90d": lambda f: math.log1p(f["events_90d"]),
    "recency_decay_7d": lambda f: (
        0.0 if f["days_since_last_event"] is None else math.exp(-f["days_since_last_event"] / 7.0)
    ),
    "log_inbound_conversations_90d": lambda f: math.log1p(f["inbound_conversations_90d"]),
    "log_outbound_attempts_90d": lambda f: math.log1p(f["outbound_attempts_90d"]),
    "outbound_answer_rate_90d": lambda f: (f["outbound_answered_90d"] + 1.0) / (f["outbound_attempts_90d"] + 2.0),
    "has_crm_record": lambda f: 1.0 if f["has_crm_record"] else 0.0,
}
ZERO = {"transactions_30d": 0, "transactions_90d": 0, "transaction_value_90d": 0.0,
        "avg_log_transaction_value_90d": 0.0, "behaviors_7d": 0, "behaviors_30d": 0, "behaviors_90d": 0,
        "events_90d": 0, "days_since_last_event": None, "inbound_conversations_90d": 0, "outbound_attempts_90d": 0,
        "outbound_answered_90d": 0, "has_crm_record": False}  # fmt: skip

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


def read_weights() -> dict[str, float]:
    with open(WEIGHTS, encoding="utf-8") as fh:
        return {row["feature"]: float(row["weight"]) for row in csv.DictReader(fh)}


def logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def score_of(features: dict, weights: dict[str, float]) -> float:
    return logistic(weights.get("intercept", 0.0) + sum(weights.get(n, 0.0) * f(features) for n, f in FEATURES.items()))


def solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Solve a·x = b (Gauss–Jordan with partial pivoting; a is small and positive definite here)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        for r in range(n):
            if r != c and m[r][c]:
                f = m[r][c] / m[c][c]
                m[r] = [x - f * y for x, y in zip(m[r], m[c], strict=True)]
    return [m[i][n] / m[i][i] for i in range(n)]


def fit(rows: list[tuple[list[float], int]], l2: float = 0.01, iterations: int = 25) -> list[float]:
    """L2-regularised logistic regression on standardised features (mean log loss + l2/2·|w|², intercept
    unpenalised) by Newton's method — the same optimum gradient descent creeps towards, reached in a few
    steps (3000 full-batch descent steps took minutes in pure Python); weights on the raw scale."""
    n, k = len(rows), len(rows[0][0])
    mean = [sum(x[i] for x, _ in rows) / n for i in range(k)]
    sd = [math.sqrt(sum((x[i] - mean[i]) ** 2 for x, _ in rows) / n) or 1.0 for i in range(k)]
    data = [([1.0] + [(x[i] - mean[i]) / sd[i] for i in range(k)], y) for x, y in rows]
    w = [0.0] * (k + 1)
    for _ in range(iterations):
        hess = [[0.0] * (k + 1) for _ in range(k + 1)]
        grad = [0.0] * (k + 1)
        for z, y in data:
            p = logistic(sum(wi * zi for wi, zi in zip(w, z, strict=True)))
            v = p * (1 - p)
            for i in range(k + 1):
                grad[i] += (p - y) * z[i] / n
                vz, row = v * z[i] / n, hess[i]
                for j in range(i, k + 1):
                    row[j] += vz * z[j]
        for i in range(k + 1):
            for j in range(i):
                hess[i][j] = hess[j][i]
            if i:  # the intercept is not penalised
                hess[i][i] += l2
                grad[i] += l2 * w[i]
        step = solve(hess, grad)
        w = [wi - si for wi, si in zip(w, step, strict=True)]
        if max(abs(si) for si in step) < 1e-9:
            break
    raw = [w[i + 1] / sd[i] for i in range(k)]
    return [w[0] - sum(raw[i] * mean[i] for i in range(k)), *raw]


def write_weights(coef: list[float], note: str) -> None:
    old = {}
    with open(WEIGHTS, encoding="utf-8") as fh:
        old = {row["feature"]: row["description"] for row in csv.DictReader(fh)}
    with open(WEIGHTS, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["feature", "weight", "description"])
        writer.writerow(["intercept", f"{coef[0]:.4f}", old.get("intercept", note)])
        for name, weight in zip(FEATURES, coef[1:], strict=True):
            writer.writerow([name, f"{weight:.4f}", old.get(name, "")])


def truth_persons(data: Path) -> dict[str, dict]:
    with open(data / "truth" / "persons.csv", encoding="utf-8") as fh:
        return {r["person_id"]: r for r in csv.DictReader(fh)}


def crm_persons(data: Path) -> set[str]:
    """The persons with a CRM customer record (their CRM activity is observable)."""
    with open(data / "truth" / "person_records.csv", encoding="utf-8") as fh:
        return {r["person_id"] for r in csv.DictReader(fh) if r["source_system"] == "crm"}


def person_contacts(con: duckdb.DuckDBPyConnection, data: Path) -> dict[str, set[str]]:
    """person_id → the contact_keys their source records resolve to (identity lookup, or 'crm:' || CRM id)."""
    con.execute(f"create or replace temp table pr as select * from read_csv('{data / 'truth' / 'person_records.csv'}',"
                " all_varchar = true)")  # fmt: skip
    rows = con.execute(
        """select pr.person_id, coalesce(l.customer_key, case when pr.source_system = 'crm'
                  then 'crm:' || pr.source_record_id end)
           from pr left join intermediate.int_identity__identifier_lookup l
             on l.identifier_type = 'source_record' and l.source_system = pr.source_system
            and l.identifier_value = pr.source_record_id"""
    ).fetchall()
    out: dict[str, set[str]] = {}
    for person, key in rows:
        if key:
            out.setdefault(person, set()).add(key)
    return out


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
    ap.add_argument("--profile", default="small", help="generator profile (demo, small, large)")
    ap.add_argument("--seed", type=int, default=42, help="generator seed")
    ap.add_argument("--customers", type=int, help="override the profile's customer count")
    ap.add_argument("--out", type=Path, default=Path("/tmp/cx-bench"), help="where data sets and databases live")
    ap.add_argument("--fit", action="store_true", help="refit and rewrite seeds/engagement_propensity_weights.csv")
    ap.add_argument("--json", type=Path, help="also write the report as JSON here")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    name = f"{args.profile}-{args.seed}" + (f"-{args.customers}" if args.customers else "")
    prepared = prepare(args.out, args.profile, args.seed, name=name, upstream=UPSTREAM, exclude=["test_type:data"],
                       build="build", overrides={"customers": args.customers} if args.customers else None)  # fmt: skip
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
    feature_rows = con.execute(
        """select contact_key, transactions_30d, transactions_90d, transaction_value_90d, avg_log_transaction_value_90d,
                  behaviors_7d, behaviors_30d,
                  behaviors_90d, events_90d, days_since_last_event, inbound_conversations_90d, outbound_attempts_90d,
                  outbound_answered_90d, has_crm_record
           from intermediate.int_engagement__contact_features_daily where days_back = 0"""
    ).fetchall()
    names = ["transactions_30d", "transactions_90d", "transaction_value_90d", "avg_log_transaction_value_90d",
             "behaviors_7d", "behaviors_30d", "behaviors_90d", "events_90d", "days_since_last_event",
             "inbound_conversations_90d", "outbound_attempts_90d", "outbound_answered_90d",
             "has_crm_record"]  # fmt: skip
    features = {r[0]: dict(zip(names, r[1:], strict=True)) for r in feature_rows}

    if args.fit:
        key_person = {k: p for p, keys in contacts.items() for k in keys}
        rows = [([f(feat) for f in FEATURES.values()], int(persons[key_person[k]]["converts_after_reference"]))
                for k, feat in features.items() if k in key_person]  # fmt: skip
        log.info("fitting on %d contacts (%d positive)", len(rows), sum(y for _, y in rows))
        coef = fit(rows)
        # Prior correction: shift the intercept by ln(negatives / positives), as if both classes were equally
        # common. The score then reads as propensity relative to an even prior, so the seed 003 tiers (0.75 /
        # 0.40) split contacts by how much likelier than average they are to convert, not by the ~10 % base rate.
        positives = sum(y for _, y in rows)
        coef[0] += math.log((len(rows) - positives) / positives)
        write_weights(coef, "Baseline log-odds")
        log.info("wrote %s: %s", WEIGHTS, dict(zip(["intercept", *FEATURES], (round(c, 4) for c in coef), strict=True)))
        con.close()
        rebuild = dbt(
            db, "build", "--select", "engagement_propensity_weights", *SELECTOR, "--exclude", "test_type:unit"
        )
        rebuilt = subprocess.run(rebuild, cwd=ROOT, env=env, capture_output=True, text=True)
        if rebuilt.returncode:
            print(rebuilt.stdout[-3000:])
            return 1
        con = duckdb.connect(str(db), read_only=True)
        weights = read_weights()

    sql_scores = dict(
        con.execute("select contact_key, propensity_score from marts.contact_engagement_profile").fetchall()
    )
    drift = max(abs(score_of(features[k], weights) - s) for k, s in sql_scores.items())
    # a person without a profile: the score of a contact without activity, in the CRM or not like the person
    baseline = {crm: score_of({**ZERO, "has_crm_record": crm}, weights) for crm in (False, True)}
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
