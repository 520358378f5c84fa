"""Refit the propensity weights (seeds/engagement_propensity_weights.csv) on a generated data set.

    .venv/bin/python bench/fit_propensity.py                    # small profile, seed 1 (how the seed was fitted)
    .venv/bin/python bench/fit_propensity.py --profile demo --seed 7 --dry-run

Fitting needs labels, and only a generated data set has them: the label of a contact is
converts_after_reference of its person in the generator's truth (truth/persons.csv; person → contact through
the identity lookup). So this is an offline step on synthetic data, not a `cx` command. The profile is
prepared as for the benchmarks (bench/_prepare.py), the features are read from the materialised feature vector
intermediate.int_engagement__propensity_features_daily (days_back = 0: the contacts at reference_time) — its
columns are the model's features, computed only there — and an L2-regularised logistic regression is fitted
by Newton's method (pure Python). The intercept is shifted by ln(negatives / positives) (prior correction: scores
relative to an even prior, so the 0.75 / 0.40 tiers are usable) and the seed is rewritten (descriptions kept).
The engagement models are then rebuilt and their SQL scores checked against the fitted formula.
Fit on one seed, evaluate on another (bench/bench_engagement.py).
"""

from __future__ import annotations

import argparse
import csv
import logging
import math
import subprocess
import sys
from pathlib import Path

import duckdb
from _prepare import ROOT, Prepared, add_data_set_options, dbt, prepare_args

WEIGHTS = ROOT / "seeds" / "engagement_propensity_weights.csv"
FEATURE_MODEL = "intermediate.int_engagement__propensity_features_daily"
KEYS = ("contact_key", "snapshot_at", "snapshot_date", "days_back", "computed_at")
UPSTREAM = ["+int_identity__conversation_customers", "staging", "engagement_event_taxonomy",
            "engagement_attribute_registry", "engagement_propensity_weights", "engagement_phone_timezones"]  # fmt: skip
SELECTOR = ["intermediate.engagement", "marts.engagement"]

log = logging.getLogger("fit_propensity")


def prepare_engagement(args: argparse.Namespace) -> Prepared:
    """The data set of ``args`` generated, landed, seeded, and built up to the engagement models."""
    return prepare_args(args, upstream=UPSTREAM, exclude=["test_type:data"], build="build")


# --- the data: feature vectors, labels -----------------------------------------------------------------------


def feature_vectors(con: duckdb.DuckDBPyConnection) -> tuple[list[str], dict[str, list[float]]]:
    """The feature names (the feature model's columns, in order) and each contact's vector at reference_time."""
    relation = con.sql(f"select * exclude ({', '.join(KEYS[1:])}) from {FEATURE_MODEL} where days_back = 0")
    names = relation.columns[1:]
    return names, {row[0]: [float(v) for v in row[1:]] for row in relation.fetchall()}


def truth_persons(data: Path) -> dict[str, dict]:
    with open(data / "truth" / "persons.csv", encoding="utf-8") as fh:
        return {r["person_id"]: r for r in csv.DictReader(fh)}


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


# --- the model: weights, score, fit ---------------------------------------------------------------------------


def read_weights() -> dict[str, float]:
    with open(WEIGHTS, encoding="utf-8") as fh:
        return {row["feature"]: float(row["weight"]) for row in csv.DictReader(fh)}


def logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def score(vector: list[float], names: list[str], weights: dict[str, float]) -> float:
    """What int_engagement__contact_scores_daily computes (before rounding): a feature without weight weighs 0."""
    return logistic(weights.get("intercept", 0.0) + sum(weights.get(n, 0.0) * x for n, x in zip(names, vector,
                                                                                                 strict=True)))


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


def fit_weights(names: list[str], vectors: dict[str, list[float]], contacts: dict[str, set[str]],
                persons: dict[str, dict], l2: float = 0.01) -> dict[str, float]:  # fmt: skip
    """Fit on every contact a person resolves to (label: that person's converts_after_reference), then shift the
    intercept by ln(negatives / positives): the score then reads as propensity relative to an even prior, so
    the seed 003 tiers (0.75 / 0.40) split contacts by how much likelier than average they are to convert, not
    by the ~10 % base rate."""
    key_person = {k: p for p, keys in contacts.items() for k in keys}
    rows = [(vector, int(persons[key_person[k]]["converts_after_reference"]))
            for k, vector in vectors.items() if k in key_person]  # fmt: skip
    positives = sum(y for _, y in rows)
    log.info("fitting on %d contacts (%d positive)", len(rows), positives)
    coef = fit(rows, l2=l2)
    coef[0] += math.log((len(rows) - positives) / positives)
    return dict(zip(["intercept", *names], coef, strict=True))


def write_weights(weights: dict[str, float]) -> None:
    """Rewrite the seed in the fitted order, keeping each feature's description."""
    with open(WEIGHTS, encoding="utf-8") as fh:
        described = {row["feature"]: row["description"] for row in csv.DictReader(fh)}
    with open(WEIGHTS, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["feature", "weight", "description"])
        for name, weight in weights.items():
            writer.writerow([name, f"{weight:.4f}", described.get(name, "Baseline log-odds" if name == "intercept"
                                                                   else "")])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_set_options(ap)
    ap.add_argument("--l2", type=float, default=0.01, help="L2 penalty on the standardised weights (default 0.01)")
    ap.add_argument("--dry-run", action="store_true", help="print the fitted weights; do not rewrite the seed")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    prepared = prepare_engagement(args)
    db, env = prepared.db, prepared.env
    # the feature model and the engagement models before it, always rebuilt: the fit reads today's feature SQL
    build_features = dbt(db, "run", "--select", "+int_engagement__propensity_features_daily", "--exclude", *UPSTREAM)
    features = subprocess.run(build_features, cwd=ROOT, env=env, capture_output=True, text=True)
    if features.returncode:
        print(features.stdout[-3000:])
        return 1
    con = duckdb.connect(str(db), read_only=True)
    names, vectors = feature_vectors(con)
    weights = fit_weights(names, vectors, person_contacts(con, prepared.data), truth_persons(prepared.data),
                          l2=args.l2)  # fmt: skip
    con.close()
    log.info("fitted: %s", {n: round(w, 4) for n, w in weights.items()})
    if args.dry_run:
        return 0
    write_weights(weights)
    log.info("wrote %s; rebuilding the engagement models", WEIGHTS)
    rebuilt = subprocess.run(dbt(db, "build", "--select", "engagement_propensity_weights", *SELECTOR, "--exclude",
                                 "test_type:unit"), cwd=ROOT, env=env, capture_output=True, text=True)  # fmt: skip
    if rebuilt.returncode:
        print(rebuilt.stdout[-3000:])
        return 1
    con = duckdb.connect(str(db), read_only=True)
    seeded = read_weights()
    scores = "intermediate.int_engagement__contact_scores_daily"
    sql = con.execute(f"select contact_key, propensity_score from {scores} "
                      f"where snapshot_at = (select max(snapshot_at) from {scores})").fetchall()  # fmt: skip
    con.close()
    drift = max(abs(score(vectors[k], names, seeded) - s) for k, s in sql)
    log.info("SQL scores vs the fitted formula: max |difference| %.2g (scores are rounded to 6 decimals)", drift)
    return 0 if drift < 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main())
