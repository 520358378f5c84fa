"""Identity ceiling: a supervised oracle upper bound on the records and fields the project's identity engine uses.

    /tmp/venv-bench/bin/cx generate --profile demo --seed 42 --noise heavy --out /tmp/heavy42
    /tmp/venv-bench/bin/python bench/bench_identity.py --compare-splink --data /tmp/heavy42 --work /tmp/bi42
    /tmp/venv-bench/bin/python bench/identity_ceiling.py --db /tmp/bi42/project.duckdb \\
        --truth /tmp/heavy42/truth/person_records.csv --json /tmp/ceiling42.json

Needs the `bench` extra (scikit-learn; `pip install -e '.[bench]'`). --db is a warehouse where the identity models
were built (the `project.duckdb` that `bench_identity.py --compare-splink` leaves in its --work directory): the
records are `intermediate.int_identity__records` (the project's own normalised fields) plus the birth-date text
staging could not parse, and the project's result (`marts.customer_identity_map`, candidate pairs, pair scores)
is broken down against the oracle.

What it does: every record pair (n (n - 1) / 2, 9.3 M for 4.3 k records) gets simple similarity features in DuckDB
(Jaro-Winkler / Damerau-Levenshtein / exact on first and last name, both names exchanged, phonetic codes and name
frequencies; birth date exact / one edit / day-month swap / year +-1; postcode, street tokens and house number,
city, email (and its local part against the other record's names), phone (and its last seven digits), account id;
missing indicators; the two source systems). A gradient-boosted classifier (HistGradientBoostingClassifier) learns
from the TRUE labels with k-fold cross-validation grouped by person: model k is trained on pairs whose two
records both belong to persons outside fold k and scores every pair touching fold k (a pair across two folds gets
the mean of their two models), so no model ever scores a pair, or a person, it was trained on. Negatives that
share nothing (no name Jaro-Winkler >= 0.7, no identifier or place within two edits) are sampled (--easy-rate)
and weighted back. The threshold is the one with the highest F1 on the out-of-fold scores (one parameter chosen
on the same scores: slightly optimistic), for the pairs themselves, after transitive closure (connected
components of the pairs above the threshold) and after a constrained clustering (pairs joined in descending
score; two clusters are not joined when any pair across them scores below a cannot-link level, as the project's
birth-date conflict cut does; threshold and cannot-link level chosen on a grid, again on the same scores).
Clusters are scored exactly as bench/_compare.py scores them (pairwise: records in one cluster vs records of one
person; every record counted).

It reports: the oracle overall, on pairs of two thin records (web / telephony) and on pairs touching a thin
record; the true pairs that share no non-missing field value within one edit (information-free pairs); the
project's missed true pairs by group (never compared / below review / household guard / review band / cut) and
how many of each the oracle recovers; the project's false pairs the oracle also makes. DuckDB runs with
--threads (default 1) and --memory-limit (default 4GB); scikit-learn with OMP_NUM_THREADS (set it to 1 on a
shared machine).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections import Counter
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

log = logging.getLogger("identity_ceiling")

THIN = ("web", "telephony")
STRING_FIELDS = ("fn", "ln", "email", "phone", "postcode", "street", "city", "acct", "dob")


# ---------------------------------------------------------------------------------------------- records + features

RECORDS_SQL = """
create or replace table recs as
with s as (
    select source_system, source_record_id, date_of_birth as dob_parsed, date_of_birth_source_text as dob_src
    from src.staging.stg_crm__customer_records
),
t as (select source_system, source_record_id, person_id from read_csv(?, all_varchar = true)),
joined as (
    select r.customer_record_key, r.source_system, r.source_record_id, t.person_id,
           r.first_name as fn, r.last_name as ln, r.first_name_canonical as fn_canon,
           r.first_name_phonetic as fn_ph, r.last_name_phonetic as ln_ph,
           r.email, split_part(r.email, '@', 1) as email_local, r.phone_e164 as phone,
           r.postcode, r.street, r.city, r.account_id as acct,
           nullif(regexp_extract(r.street, '^[0-9]+'), '') as house,
           -- birth date as YYYYMMDD: the parsed date, else the source text with OCR letters read as digits
           coalesce(
               strftime(coalesce(r.date_of_birth, s.dob_parsed), '%Y%m%d'),
               (select case
                    when regexp_matches(x, '^[0-9]{8}$') then x
                    when regexp_matches(x, '^[0-9]{2}/[0-9]{2}/[0-9]{4}$')
                        then substr(x, 7, 4) || substr(x, 4, 2) || substr(x, 1, 2)
                    when regexp_matches(x, '^[0-9]{4}-[0-9]{2}-[0-9]{2}$') then replace(x, '-', '')
                end from (select translate(trim(s.dob_src), 'OoIliSsBbZz', '00111558822') as x))
           ) as dob
    from src.intermediate.int_identity__records as r
    left join s using (source_system, source_record_id)
    left join t using (source_system, source_record_id)
)
select row_number() over (order by source_system, source_record_id)::integer as id, *,
       fn || ' ' || ln as full_name,
       (fn is not null)::int + (ln is not null)::int + (email is not null)::int + (phone is not null)::int
       + (postcode is not null)::int + (street is not null)::int + (city is not null)::int
       + (acct is not null)::int + (dob is not null)::int as n_fields
from joined
"""


def _feature_sql() -> str:
    """One row per record pair (l.id < r.id): features, NULL where a side is missing (NaN for the model)."""
    f: list[str] = []

    def add(name: str, expr: str) -> None:
        f.append(f"({expr}) as {name}")

    for c in STRING_FIELDS:
        add(f"miss_{c}", f"(l.{c} is null)::tinyint + (r.{c} is null)::tinyint")
        add(f"eq_{c}", f"(l.{c} = r.{c})::tinyint")
        add(f"dl_{c}", f"least(damerau_levenshtein(l.{c}, r.{c}), 9)::tinyint")
    for c in ("fn", "ln", "email", "street", "city", "acct", "postcode"):
        add(f"jw_{c}", f"jaro_winkler_similarity(l.{c}, r.{c})::float")
    # names exchanged / one name in the other's slot
    add("jw_swap_max", "greatest(jaro_winkler_similarity(l.fn, r.ln), jaro_winkler_similarity(l.ln, r.fn))::float")
    add("jw_swap_min", "least(jaro_winkler_similarity(l.fn, r.ln), jaro_winkler_similarity(l.ln, r.fn))::float")
    add("dl_swap_min", "least(damerau_levenshtein(l.fn, r.ln), damerau_levenshtein(l.ln, r.fn), 9)::tinyint")
    add("eq_fn_ph", "(l.fn_ph = r.fn_ph)::tinyint")
    add("eq_fn_canon", "(l.fn_canon = r.fn_canon)::tinyint")  # nickname seed: bill ~ william
    add("eq_ln_ph", "(l.ln_ph = r.ln_ph)::tinyint")
    add("jw_full", "jaro_winkler_similarity(l.full_name, r.full_name)::float")
    # name frequency (a shared rare name is evidence, a common one is not)
    add("fn_freq_min", "least(l.fn_n, r.fn_n)")
    add("fn_freq_max", "greatest(l.fn_n, r.fn_n)")
    add("ln_freq_min", "least(l.ln_n, r.ln_n)")
    add("ln_freq_max", "greatest(l.ln_n, r.ln_n)")
    # e-mail local part against the other record's names (web sign-ups: kevin.calerdon@…)
    add(
        "jw_email_name",
        "greatest(jaro_winkler_similarity(l.email_local, regexp_replace(r.full_name, ' ', '')),"
        " jaro_winkler_similarity(r.email_local, regexp_replace(l.full_name, ' ', '')))::float",
    )
    add(
        "email_has_ln",
        "greatest(contains(l.email_local, r.ln)::int, contains(r.email_local, l.ln)::int)::tinyint",
    )
    add("eq_phone_tail", "(right(l.phone, 7) = right(r.phone, 7))::tinyint")
    # birth date typos
    add(
        "dob_dm_swap",
        "(substr(l.dob, 1, 4) = substr(r.dob, 1, 4) and substr(l.dob, 5, 2) = substr(r.dob, 7, 2)"
        " and substr(l.dob, 7, 2) = substr(r.dob, 5, 2))::tinyint",
    )
    add("dob_same_md", "(substr(l.dob, 5, 4) = substr(r.dob, 5, 4))::tinyint")
    add(
        "dob_year_diff",
        "least(abs(try_cast(substr(l.dob, 1, 4) as int) - try_cast(substr(r.dob, 1, 4) as int)), 20)::tinyint",
    )
    # street words shared, house number
    add(
        "street_jaccard",
        "case when l.street is not null and r.street is not null then"
        " len(list_intersect(string_split(l.street, ' '), string_split(r.street, ' ')))::float"
        " / len(list_distinct(list_concat(string_split(l.street, ' '), string_split(r.street, ' ')))) end",
    )
    add("eq_house", "(l.house = r.house)::tinyint")
    add("eq_postcode3", "(left(l.postcode, 3) = left(r.postcode, 3))::tinyint")
    add("n_fields_min", "least(l.n_fields, r.n_fields)::tinyint")
    add("n_fields_max", "greatest(l.n_fields, r.n_fields)::tinyint")
    add("source_pair", "(least(l.src_code, r.src_code) * 4 + greatest(l.src_code, r.src_code))::tinyint")
    return ",\n    ".join(f)


FEATURES_SQL = """
create or replace table feats as
with rr as (
    select recs.*,
           case when fn is not null then count(*) over (partition by fn) end as fn_n,
           case when ln is not null then count(*) over (partition by ln) end as ln_n,
           case source_system when 'crm' then 0 when 'erp' then 1 when 'web' then 2 else 3 end as src_code,
           hash(person_id) % {folds} as fold
    from recs
)
select l.id as id_l, r.id as id_r, (l.person_id = r.person_id) as is_match, l.fold as fold_l, r.fold as fold_r,
    {features}
from rr as l join rr as r on l.id < r.id
"""


def feature_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    cols = [r[0] for r in con.execute("describe feats").fetchall()]
    return [c for c in cols if c not in ("id_l", "id_r", "is_match", "fold_l", "fold_r", "pair_id", "hard")]


HARD = """
    greatest(coalesce(jw_fn, 0), coalesce(jw_ln, 0), coalesce(jw_swap_max, 0)) >= 0.7
    or coalesce(dl_email, 9) <= 2 or coalesce(dl_phone, 9) <= 2 or coalesce(dl_postcode, 9) <= 1
    or coalesce(dl_acct, 9) <= 2 or coalesce(dl_dob, 9) <= 2 or coalesce(dob_dm_swap, 0) = 1
    or coalesce(jw_street, 0) >= 0.8 or coalesce(jw_email_name, 0) >= 0.8 or coalesce(eq_phone_tail, 0) = 1
"""


def fetch(con: duckdb.DuckDBPyConnection, names: list[str], where: str, extra: str = "") -> tuple:
    cols = ", ".join(f"{n}::float as {n}" for n in names)
    res = con.execute(f"select pair_id, is_match, fold_l, fold_r{extra}, {cols} from feats where {where}").fetchnumpy()
    x = np.column_stack([np.asarray(res[n], dtype=np.float32) for n in names]) if len(res["pair_id"]) else None
    # masked (NULL) values come back as masked arrays: NaN for the model
    if x is not None:
        for j, n in enumerate(names):
            col = res[n]
            if np.ma.isMaskedArray(col):
                x[np.ma.getmaskarray(col), j] = np.nan
    return res, x


# ---------------------------------------------------------------------------------------------- metrics


def pairs(n: int) -> int:
    return n * (n - 1) // 2


def cluster_score(labels: np.ndarray, persons: list[str], mask: np.ndarray | None = None) -> dict:
    """Pairwise P / R / F1 of clusters vs persons (as bench/_compare.py score()); mask: only pairs of records
    inside it (both records), used for the thin-only figure."""
    idx = np.arange(len(persons)) if mask is None else np.flatnonzero(mask)
    cl = [labels[i] for i in idx]
    pe = [persons[i] for i in idx]
    tp = sum(pairs(n) for n in Counter(zip(pe, cl, strict=True)).values())
    true_p = sum(pairs(n) for n in Counter(pe).values())
    pred_p = sum(pairs(n) for n in Counter(cl).values())
    p = tp / pred_p if pred_p else 1.0
    r = tp / true_p if true_p else 1.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "true_pairs": true_p,
            "predicted_pairs": pred_p, "true_positive_pairs": tp}  # fmt: skip


def components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    g = coo_matrix((np.ones(len(left)), (left, right)), shape=(n, n))
    return connected_components(g, directed=False)[1]


def prf(tp: float, fp: float, fn: float) -> dict:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "tp": int(tp), "fp": int(fp),
            "fn": int(fn)}  # fmt: skip


# ---------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True, help="warehouse with the identity models built (read only)")
    ap.add_argument("--truth", required=True, help="truth/person_records.csv of the generated data set")
    ap.add_argument("--work", default="/tmp/identity_ceiling.duckdb", help="DuckDB file for the pair features")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--easy-rate", type=float, default=0.05, help="share of 'easy' negatives kept for training")
    ap.add_argument("--max-iter", type=int, default=300)
    ap.add_argument("--threads", type=int, default=1, help="DuckDB threads")
    ap.add_argument("--memory-limit", default="4GB", help="DuckDB memory_limit")
    ap.add_argument("--reuse", action="store_true", help="reuse the feature table of --work")
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    from sklearn.ensemble import HistGradientBoostingClassifier

    t0 = time.perf_counter()
    work = Path(args.work)
    if not args.reuse:
        for p in (work, Path(f"{work}.wal")):
            p.unlink(missing_ok=True)
    con = duckdb.connect(str(work))
    con.execute(f"set threads = {args.threads}; set memory_limit = '{args.memory_limit}'")
    con.execute("set preserve_insertion_order = false")
    con.execute(f"attach '{args.db}' as src (read_only)")
    if not args.reuse:
        con.execute(RECORDS_SQL, [args.truth])
        con.execute(FEATURES_SQL.format(folds=args.folds, features=_feature_sql()))
        # dense pair index 0 … n (n - 1) / 2 - 1 of (l, r), l < r, ids 1 … n
        n = con.execute("select count(*) from recs").fetchone()[0]
        con.execute("alter table feats add column pair_id bigint")
        con.execute(
            f"update feats set pair_id = (id_l - 1)::bigint * {n} - (id_l - 1)::bigint * id_l // 2 + id_r - id_l - 1"
        )
        con.execute(f"alter table feats add column hard boolean; update feats set hard = ({HARD})")
        log.info("features of %s pairs in %.0f s", con.execute("select count(*) from feats").fetchone()[0],
                 time.perf_counter() - t0)  # fmt: skip
    names = feature_names(con)
    n_rec, n_unlabeled = con.execute("select count(*), count(*) filter (where person_id is null) from recs").fetchone()
    n_pairs, n_true, n_hard, n_true_hard = con.execute(
        "select count(*), count(*) filter (where is_match), count(*) filter (where hard),"
        " count(*) filter (where hard and is_match) from feats"
    ).fetchone()
    log.info("records %s (%s without truth), pairs %s, true %s; hard %s (true %s)", n_rec, n_unlabeled, n_pairs,
             n_true, n_hard, n_true_hard)  # fmt: skip

    # ------------------------------------------------------------------ cross-validated out-of-fold scores
    rate = args.easy_rate
    sample = f"(hard or is_match or hash(pair_id + 7) % 100000 < {int(rate * 100000)})"
    score_sum = np.zeros(n_pairs)
    score_cnt = np.zeros(n_pairs, dtype=np.int8)
    cat = [names.index("source_pair")]
    for k in range(args.folds):
        res, x = fetch(con, names, f"fold_l <> {k} and fold_r <> {k} and {sample}", ", hard")
        y = res["is_match"].astype(int)
        w = np.where(res["hard"] | res["is_match"], 1.0, 1.0 / rate)
        clf = HistGradientBoostingClassifier(
            max_iter=args.max_iter, learning_rate=0.1, max_leaf_nodes=31, min_samples_leaf=20,
            l2_regularization=1.0, categorical_features=cat, early_stopping=True, validation_fraction=0.1,
            n_iter_no_change=20, random_state=k,
        )  # fmt: skip
        clf.fit(x, y, sample_weight=w)
        del x
        # score every pair touching fold k, in chunks of the left record id
        lo, hi = con.execute("select min(id_l), max(id_l) from feats").fetchone()
        step = 400
        for a in range(lo, hi + 1, step):
            r2, x2 = fetch(con, names, f"(fold_l = {k} or fold_r = {k}) and id_l >= {a} and id_l < {a + step}")
            if x2 is None:
                continue
            pid = np.asarray(r2["pair_id"], dtype=np.int64)
            score_sum[pid] += clf.predict_proba(x2)[:, 1]
            score_cnt[pid] += 1
            del x2
        log.info("fold %s: trained on %s pairs (%s true), %s iterations; %.0f s", k, len(y), int(y.sum()),
                 clf.n_iter_, time.perf_counter() - t0)  # fmt: skip
    assert score_cnt.min() >= 1, "a pair no model scored"
    sc = score_sum / score_cnt
    sc_all = sc
    del score_sum, score_cnt
    con.execute("create or replace temp table oof (pair_id bigint, score double)")
    con.register("oof_df", pd.DataFrame({"pair_id": np.arange(n_pairs, dtype=np.int64), "score": sc}))
    con.execute("insert into oof select * from oof_df")
    con.unregister("oof_df")

    # ------------------------------------------------------------------ pair-level F1 and threshold
    # only pairs with a score above 1e-4 matter for any sensible threshold; the rest are counted as negatives
    cand = con.execute(
        """
        select f.id_l, f.id_r, f.is_match, o.score from feats f join oof o using (pair_id) where o.score > 1e-4
        order by o.score desc
        """
    ).fetchnumpy()
    s, m = cand["score"], cand["is_match"].astype(int)
    ctp = np.cumsum(m)
    cfp = np.cumsum(1 - m)
    f1 = 2 * ctp / (ctp + cfp + n_true)
    best = int(np.argmax(f1))
    t_pair = float(s[best])
    pair_level = prf(ctp[best], cfp[best], n_true - ctp[best]) | {"threshold": t_pair}
    log.info("oracle, pairs: threshold %.4f  P %.4f R %.4f F1 %.4f", t_pair, pair_level["precision"],
             pair_level["recall"], pair_level["f1"])  # fmt: skip
    prec = ctp / (ctp + cfp)
    at_precision = {}
    for target in (0.995, 0.999):
        okp = np.flatnonzero(prec >= target)
        if len(okp):
            j = int(okp[np.argmax(ctp[okp])])
            at_precision[str(target)] = prf(ctp[j], cfp[j], n_true - ctp[j]) | {"threshold": float(s[j])}

    # ------------------------------------------------------------------ transitive closure
    recs = con.execute("select id, person_id, source_system from recs order by id").fetchall()  # fmt: skip
    persons = [r[1] if r[1] is not None else f"unknown:{r[0]}" for r in recs]
    thin_mask = np.array([r[2] in THIN for r in recs])
    idx_l, idx_r = cand["id_l"].astype(np.int64) - 1, cand["id_r"].astype(np.int64) - 1
    grid = sorted(
        set(
            np.round(
                np.concatenate([np.linspace(0.05, 0.95, 19), np.linspace(0.96, 0.999, 40), [0.9995, 0.9999, t_pair]]), 4
            )
        )
    )
    closure = []
    for t in grid:
        keep = s >= t
        lab = components(len(recs), idx_l[keep], idx_r[keep])
        closure.append((t, cluster_score(lab, persons), lab))
    t_cl, cl_best, lab_best = max(closure, key=lambda c: c[1]["f1"])
    cl_at_pair_t = next(c[1] for c in closure if c[0] == round(t_pair, 4))
    # precision-constrained: the best F1 whose precision is at least 0.995 (the issue's bar)
    ok = [c for c in closure if c[1]["precision"] >= 0.995]
    t_cl995, cl995, lab995 = max(ok, key=lambda c: c[1]["f1"]) if ok else (None, None, None)
    log.info("oracle, transitive closure: best threshold %.4f  P %.4f R %.4f F1 %.4f  (at the pair threshold: "
             "F1 %.4f; best with P >= 0.995: t %s F1 %s)", t_cl, cl_best["precision"], cl_best["recall"],
             cl_best["f1"], cl_at_pair_t["f1"], t_cl995, cl995 and round(cl995["f1"], 4))  # fmt: skip

    # constrained greedy clustering: edges by descending score; two clusters are joined only if no pair across
    # them scores below t_low (a cannot-link, as the project's birth-date conflict cut); same grid
    n = len(recs)

    def score_of(i: int, j: int) -> float:  # 0-based record indexes, dense pair index as in the feature table
        a, b = (i, j) if i < j else (j, i)
        return sc_all[a * n - a * (a + 1) // 2 + b - a - 1]

    def constrained(t: float, t_low: float) -> np.ndarray:
        parent = list(range(n))
        members = {i: [i] for i in range(n)}

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for i, j in zip(idx_l[s >= t].tolist(), idx_r[s >= t].tolist(), strict=True):  # s is sorted descending
            a, b = find(i), find(j)
            if a == b:
                continue
            if any(score_of(x, y) < t_low for x in members[a] for y in members[b]):
                continue
            if len(members[a]) < len(members[b]):
                a, b = b, a
            parent[b] = a
            members[a] += members.pop(b)
        return np.array([find(i) for i in range(n)])

    cons = []
    for t_low in (0.001, 0.01, 0.05, 0.2):
        for t in grid:
            lab = constrained(t, t_low)
            cons.append((t, t_low, cluster_score(lab, persons), lab))
    t_cn, tl_cn, cn_best, lab_cn = max(cons, key=lambda c: c[2]["f1"])
    ok = [c for c in cons if c[2]["precision"] >= 0.995]
    cn995 = max(ok, key=lambda c: c[2]["f1"]) if ok else None
    log.info("oracle, constrained clustering: t %.4f, cannot-link below %s: P %.4f R %.4f F1 %.4f; best with "
             "P >= 0.995: %s", t_cn, tl_cn, cn_best["precision"], cn_best["recall"], cn_best["f1"],
             cn995 and (cn995[0], cn995[1], round(cn995[2]["f1"], 4)))  # fmt: skip
    if cn_best["f1"] > cl_best["f1"]:  # the groups below use the better of the two clusterings
        lab_best, best_kind = lab_cn, "constrained"
    else:
        best_kind = "closure"
    if cn995 is not None:
        lab995 = cn995[3]

    # ------------------------------------------------------------------ groups: thin records
    thin_only = cluster_score(lab_best, persons, thin_mask)
    # pairs touching a thin record vs rich-rich pairs (pair-level on closure labels)
    src_thin = thin_mask

    def closure_pairs_by(sel) -> dict:
        """Pairwise P/R/F1 of the closure clusters over the record pairs selected by sel(i, j)."""
        tp = fp = fn = 0
        by_cl: dict = {}
        for i, c in enumerate(lab_best):
            by_cl.setdefault(c, []).append(i)
        by_pe: dict = {}
        for i, p in enumerate(persons):
            by_pe.setdefault(p, []).append(i)
        for members in by_cl.values():
            for a in range(len(members)):
                for b in range(a + 1, len(members)):
                    i, j = members[a], members[b]
                    if sel(i, j):
                        if persons[i] == persons[j]:
                            tp += 1
                        else:
                            fp += 1
        for members in by_pe.values():
            for a in range(len(members)):
                for b in range(a + 1, len(members)):
                    i, j = members[a], members[b]
                    if sel(i, j) and lab_best[i] != lab_best[j]:
                        fn += 1
        return prf(tp, fp, fn)

    touching_thin = closure_pairs_by(lambda i, j: src_thin[i] or src_thin[j])
    rich_rich = closure_pairs_by(lambda i, j: not (src_thin[i] or src_thin[j]))

    # information-free true pairs: no non-missing field within one edit (names also crosswise)
    info_free = con.execute(
        """
        select count(*),
               count(*) filter (where l_thin and r_thin),
               count(*) filter (where l_thin or r_thin)
        from (
            select f.*, l.source_system in ('web', 'telephony') as l_thin, r.source_system in ('web', 'telephony')
                   as r_thin
            from feats f join recs l on l.id = f.id_l join recs r on r.id = f.id_r
            where f.is_match
        )
        where coalesce(dl_fn, 9) > 1 and coalesce(dl_ln, 9) > 1 and coalesce(dl_swap_min, 9) > 1
          and coalesce(dl_email, 9) > 1 and coalesce(dl_phone, 9) > 1 and coalesce(dl_postcode, 9) > 1
          and coalesce(dl_street, 9) > 1 and coalesce(dl_city, 9) > 1 and coalesce(dl_acct, 9) > 1
          and coalesce(dl_dob, 9) > 1
        """
    ).fetchone()
    log.info("information-free true pairs: %s of %s (both thin %s, touching a thin record %s)", info_free[0], n_true,
             info_free[1], info_free[2])  # fmt: skip

    # ------------------------------------------------------------------ the project against the oracle
    proj = con.execute(
        """
        select r.id, m.customer_key from recs r
        join src.marts.customer_identity_map m using (source_system, source_record_id) order by r.id
        """
    ).fetchall()
    proj_lab = np.full(len(recs), -1, dtype=np.int64)
    keymap: dict[str, int] = {}
    for i, key in proj:
        proj_lab[i - 1] = keymap.setdefault(key, len(keymap))
    for i in range(len(recs)):
        if proj_lab[i] < 0:
            proj_lab[i] = len(keymap) + i
    project = cluster_score(proj_lab, persons)
    project_thin = cluster_score(proj_lab, persons, thin_mask)
    con.register("proj_df", pd.DataFrame({"id": np.arange(1, len(recs) + 1), "plab": proj_lab,
                                                             "olab": lab_best, "olab995": lab995 if lab995 is not None
                                                             else lab_best}))  # fmt: skip
    con.execute("create or replace temp table lab as select * from proj_df")
    groups = con.execute(
        """
        with sc as (
            select least(l.id, r.id) as id_l, greatest(l.id, r.id) as id_r, p.decision_reason, p.match_probability
            from src.intermediate.int_identity__pair_scores p
            join recs l on l.customer_record_key = p.left_record_key
            join recs r on r.customer_record_key = p.right_record_key
        ),
        t as (
            select f.id_l, f.id_r, o.score, pl.plab = pr.plab as proj_same, pl.olab = pr.olab as oracle_same,
                   pl.olab995 = pr.olab995 as oracle995_same,
                   coalesce(sc.decision_reason, 'never_compared') as grp
            from feats f join oof o using (pair_id)
            join lab pl on pl.id = f.id_l join lab pr on pr.id = f.id_r
            left join sc on sc.id_l = f.id_l and sc.id_r = f.id_r
            where f.is_match
        )
        select grp, count(*) filter (where not proj_same) as project_missed,
               count(*) filter (where not proj_same and score >= ?) as oracle_pair_finds,
               count(*) filter (where not proj_same and oracle_same) as oracle_closure_finds,
               count(*) filter (where not proj_same and oracle995_same) as oracle995_closure_finds,
               count(*) filter (where proj_same and not oracle_same) as project_finds_oracle_misses
        from t group by grp order by project_missed desc
        """,
        [t_pair],
    ).fetchall()
    group_rows = [dict(zip(("group", "project_missed", "oracle_pair_finds", "oracle_closure_finds",
                            "oracle995_closure_finds", "project_finds_oracle_misses"), g, strict=True))
                  for g in groups]  # fmt: skip
    cand_rows = con.execute(
        """
        select count(*) filter (where f.is_match and c.l is null and o.score >= ?),
               count(*) filter (where f.is_match and c.l is null)
        from feats f join oof o using (pair_id)
        left join (select least(l.id, r.id) as l, greatest(l.id, r.id) as r
                   from src.intermediate.int_identity__candidate_pairs p
                   join recs l on l.customer_record_key = p.left_record_key
                   join recs r on r.customer_record_key = p.right_record_key) c on c.l = f.id_l and c.r = f.id_r
        """,
        [t_pair],
    ).fetchone()

    result = {
        "records": n_rec, "pairs": n_pairs, "true_pairs": n_true, "features": names,
        "oracle_pairs": pair_level,
        "oracle_closure_best": cl_best | {"threshold": t_cl},
        "oracle_closure_at_pair_threshold": cl_at_pair_t,
        "oracle_closure_precision_995": (cl995 | {"threshold": t_cl995}) if cl995 else None,
        "oracle_pairs_at_precision": at_precision,
        "oracle_constrained_best": cn_best | {"threshold": t_cn, "cannot_link_below": tl_cn},
        "oracle_constrained_precision_995": (cn995[2] | {"threshold": cn995[0], "cannot_link_below": cn995[1]})
        if cn995 else None,
        "groups_use": best_kind,
        "oracle_closure_thin_only": thin_only,
        "oracle_closure_touching_thin": touching_thin,
        "oracle_closure_rich_rich": rich_rich,
        "project": project, "project_thin_only": project_thin,
        "information_free_true_pairs": {"all": info_free[0], "both_thin": info_free[1], "touching_thin": info_free[2]},
        "project_missed_by_group": group_rows,
        "true_pairs_not_candidates": cand_rows[1], "of_which_oracle_pair_finds": cand_rows[0],
        "seconds": time.perf_counter() - t0,
    }  # fmt: skip
    report(result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, default=float))
    return 0


def report(r: dict) -> None:
    def row(name: str, d: dict) -> str:
        return f"  {name:34} P {d['precision']:.4f}  R {d['recall']:.4f}  F1 {d['f1']:.4f}"

    out = [f"\n== identity ceiling: {r['records']} records, {r['pairs']:,} pairs, {r['true_pairs']:,} true"]
    out.append(row("oracle, pairs (no closure)", r["oracle_pairs"]) + f"  (t {r['oracle_pairs']['threshold']:.3f})")
    out.append(row("oracle, transitive closure", r["oracle_closure_best"])
               + f"  (t {r['oracle_closure_best']['threshold']:.3f})")  # fmt: skip
    if r["oracle_closure_precision_995"]:
        out.append(row("oracle, closure, P >= 0.995", r["oracle_closure_precision_995"])
                   + f"  (t {r['oracle_closure_precision_995']['threshold']:.3f})")  # fmt: skip
    for k, d in r["oracle_pairs_at_precision"].items():
        out.append(row(f"oracle, pairs, P >= {k}", d) + f"  (t {d['threshold']:.4f})")
    c = r["oracle_constrained_best"]
    out.append(row("oracle, constrained clustering", c) + f"  (t {c['threshold']:.4f}, cannot-link < "
               f"{c['cannot_link_below']})")  # fmt: skip
    if r["oracle_constrained_precision_995"]:
        c = r["oracle_constrained_precision_995"]
        out.append(row("oracle, constrained, P >= 0.995", c) + f"  (t {c['threshold']:.4f}, cannot-link < "
                   f"{c['cannot_link_below']})")  # fmt: skip
    out.append(f"  (thin / group figures below: the {r['groups_use']} clustering at its best F1)")
    out.append(row("project (customer_identity_map)", r["project"]))
    out.append(row("oracle, both thin", r["oracle_closure_thin_only"])
               + f"  ({r['oracle_closure_thin_only']['true_pairs']} true pairs)")  # fmt: skip
    out.append(row("project, both thin", r["project_thin_only"]))
    out.append(row("oracle, touching thin", r["oracle_closure_touching_thin"]))
    out.append(row("oracle, rich-rich", r["oracle_closure_rich_rich"]))
    i = r["information_free_true_pairs"]
    out.append(
        f"  information-free true pairs: {i['all']} (both thin {i['both_thin']}, touching a thin record "
        f"{i['touching_thin']})"
    )
    out.append(f"  true pairs the project never compared: {r['true_pairs_not_candidates']}, "
               f"oracle (pairs) finds {r['of_which_oracle_pair_finds']}")  # fmt: skip
    out.append(f"  {'project missed, by group':32} {'missed':>7} {'oracle pair':>12} {'oracle clusters':>15} "
               f"{'clusters P>=.995':>16} {'(project finds, oracle misses)':>31}")  # fmt: skip
    for g in r["project_missed_by_group"]:
        out.append(f"  {g['group']:32} {g['project_missed']:>7} {g['oracle_pair_finds']:>12} "
                   f"{g['oracle_closure_finds']:>15} {g['oracle995_closure_finds']:>16} "
                   f"{g['project_finds_oracle_misses']:>31}")  # fmt: skip
    out.append(f"  {r['seconds']:.0f} s")
    log.info("\n".join(out))


if __name__ == "__main__":
    raise SystemExit(main())
