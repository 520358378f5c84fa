"""The project on Apache Spark (issue 17): the same data built on DuckDB and on a local Spark (dbt-spark's
`session` method, Parquet tables, the raw sources read from the lake `cx lake export` writes) gives the same
marts, row for row.

The comparison reads Spark's Parquet tables with DuckDB (loaders/compare.py: compare_engines): columns by name,
rows one by one after sorting, doubles within 1e-9, JSON by meaning. Its own tests below show it fails on a
real difference. The lake export is idempotent and replaces a table whole.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import duckdb
import pytest
from conftest import BIN, GENERATED_REFERENCE_TIME, ROOT, run_dbt

from loaders.compare import compare_engines, compare_rows
from loaders.lake import export_raw
from loaders.landing import land_directory
from loaders.synthetic.generator import generate

DEMO_SEED = 42
# the demo profile scaled down: a local Spark spends most of a model's time planning and compiling its query
# (seconds each, whatever the rows), so a smaller data set changes the coverage, not the time, much
VOLUMES = {"customers": 150, "conversations": 600, "touches": 600, "conversions": 60, "crm_events": 800}
# the project's default vars on both engines (every EM, prior and conflict-cut round: Spark stages the rounds,
# macros/cross_db/staged_ctes.sql)
VARS: dict = {}
# unit tests Spark cannot plan: their fixtures are CTEs, so the rounds they test cannot be staged (tag's yml says why)
SPARK_EXCLUDED = ("--exclude", "tag:duckdb_only")
TIMINGS = ROOT / "target" / "spark_timings.json"  # what this test measured (README "Running on Apache Spark")


def _mart_models() -> set[str]:
    return {p.stem for p in (ROOT / "models" / "marts").rglob("*.sql")}


def _run_spark(work: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        DBT_PROFILES_DIR=str(ROOT),
        CX_SPARK_DIR=str(work / "spark"),
        CX_LAKE_DIR=str(work / "lake"),
        CX_REFERENCE_TIME=GENERATED_REFERENCE_TIME,
    )
    cmd = [str(BIN / "dbt"), *args, "--target", "spark", "--project-dir", str(ROOT),
           "--target-path", str(work / "target-spark"), "--log-path", str(work / "logs-spark"),
           "--vars", json.dumps(VARS)]
    return subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=1200)


def _counts(results: list[dict]) -> dict[str, int]:
    """Nodes a dbt command ran, by kind (model, seed, operation = hook)."""
    counts: dict[str, int] = {}
    for r in results:
        kind = r["unique_id"].split(".")[0]
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def _results(work: Path) -> list[dict]:
    return json.loads((work / "target-spark" / "run_results.json").read_text())["results"]


@pytest.fixture(scope="module")
def demo_on_both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    """One generated data set landed once, built with `dbt seed` + `dbt run` on DuckDB and on Spark."""
    if shutil.which("java") is None:
        pytest.fail("no Java runtime: `make spark-install` installs openjdk-17-jre-headless")
    work = tmp_path_factory.mktemp("spark")
    data = work / "data"
    generate("demo", DEMO_SEED, data, overrides=VOLUMES)
    db = work / "warehouse.duckdb"
    con = duckdb.connect(str(db))
    try:
        land_directory(con, data)
        export_raw(con, work / "lake")
    finally:
        con.close()
    timings: dict = {}
    started = time.monotonic()
    for args in (("seed",), ("run",)):
        result = run_dbt(db, *args, vars=VARS)
        assert result.returncode == 0 and not result.failures(), result.stdout[-4000:]
        timings[f"duckdb_{args[0]}_nodes"] = _counts(result.results)
    timings["duckdb_s"] = round(time.monotonic() - started, 1)
    started = time.monotonic()
    # one `dbt build` on Spark: seeds, models and every data and unit test (DuckDB's run in the other test files)
    proc = _run_spark(work, "build", *SPARK_EXCLUDED)
    failed = [r["unique_id"] for r in _results(work)
              if r["status"] not in ("success", "pass") and not r["unique_id"].startswith("exposure.")]
    assert proc.returncode == 0 and not failed, (failed, proc.stdout[-6000:])
    timings["spark_seed_nodes"] = timings["spark_run_nodes"] = _counts(_results(work))
    timings["spark_s"] = round(time.monotonic() - started, 1)
    TIMINGS.parent.mkdir(exist_ok=True)
    TIMINGS.write_text(json.dumps(timings, indent=2))
    return db, work / "spark" / "warehouse", timings


def test_every_mart_built_on_spark_equals_duckdbs(demo_on_both) -> None:
    db, spark_warehouse, _ = demo_on_both
    con = duckdb.connect()
    try:
        con.execute("set timezone = 'UTC'")
        con.execute(f"attach '{db}' as duck (read_only)")
        equal, differences = compare_engines(con, "duck", spark_warehouse, "marts")
    finally:
        con.close()
    assert not differences, "\n".join(str(d) for d in differences)
    # every mart model, none left out because one engine did not build it
    assert set(equal) == _mart_models()


def test_both_engines_ran_every_model_and_seed(demo_on_both) -> None:
    _, _, timings = demo_on_both
    seeds = len(list((ROOT / "seeds").glob("*.csv")))
    assert timings["duckdb_seed_nodes"]["seed"] == timings["spark_seed_nodes"]["seed"] == seeds
    # every model of the project (dbt runs all but the ephemeral ones), the same on both
    assert timings["duckdb_run_nodes"]["model"] == timings["spark_run_nodes"]["model"] >= len(_mart_models()) + 60


def test_every_data_and_unit_test_passes_on_spark(demo_on_both) -> None:
    """`dbt build` on Spark ran the project's every test (a failure fails the fixture, which names it)."""
    _, _, timings = demo_on_both
    listed = subprocess.run(
        [str(BIN / "dbt"), "ls", "--resource-type", "test", "--resource-type", "unit_test", "--output", "name",
         *SPARK_EXCLUDED, "--project-dir", str(ROOT), "--quiet"],
        cwd=ROOT, env=dict(os.environ, DBT_PROFILES_DIR=str(ROOT)), capture_output=True, text=True, check=True,
    ).stdout.split()
    ran = timings["spark_run_nodes"].get("test", 0) + timings["spark_run_nodes"].get("unit_test", 0)
    assert ran == len(listed) > 400


# --- the comparison itself ------------------------------------------------------------------------------------

def _pair(first: str, second: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"create table a as {first}")
    con.execute(f"create table b as {second}")
    return con


def test_compare_rows_accepts_float_noise_json_key_order_and_row_order() -> None:
    con = _pair(
        """select * from (values (1, 0.1 + 0.2, '{"x": 1, "y": [1, 2], "u": 0.00031055900621118014}'::json),
           (2, 1e6 / 3, '{}'::json)) as t(id, amount, payload)""",
        """select * from (values (2, 333333.33333333337, '{}'),
           (1, 0.30000000000000004, '{"y":[1,2],"x":1.0,"u":0.0003105590062111801}')) as t(id, amount, payload)""",
    )
    assert compare_rows(con, "a", "b") is None


def test_compare_rows_finds_a_value_beyond_the_tolerance_a_missing_row_and_a_changed_text() -> None:
    base = "select * from (values (1, 0.5, 'a'), (2, 0.25, 'b')) as t(id, share, label)"
    con = _pair(base, "select * from (values (1, 0.500000002, 'a'), (2, 0.25, 'b')) as t(id, share, label)")
    diff = compare_rows(con, "a", "b")
    assert diff is not None and diff.only_first == 1
    con = _pair(base, "select * from (values (1, 0.5, 'a')) as t(id, share, label)")
    diff = compare_rows(con, "a", "b")
    assert diff is not None and diff.rows == (2, 1)
    con = _pair(base, "select * from (values (1, 0.5, 'a'), (2, 0.25, 'B')) as t(id, share, label)")
    assert compare_rows(con, "a", "b") is not None
    con = _pair("""select * from (values (1, '{"u": 0.5, "v": [1, 2]}'::json)) as t(id, payload)""",
                """select * from (values (1, '{"v": [1, 2], "u": 0.500001}'::json)) as t(id, payload)""")
    assert compare_rows(con, "a", "b") is not None  # a number inside JSON beyond the tolerance
    con = _pair(base, "select id, share from (values (1, 0.5), (2, 0.25)) as t(id, share)")
    assert "columns differ: label" in compare_rows(con, "a", "b").reason


# --- the lake -------------------------------------------------------------------------------------------------

def test_lake_export_writes_every_raw_table_and_a_rerun_replaces_it_whole(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema raw")
    con.execute("create table raw.crm_events (contact_id varchar, payload json, _loaded_at timestamp)")
    con.execute("""insert into raw.crm_events values ('c1', '{"a": 1}', '2026-01-01 10:00:00'),
                   ('c2', null, '2026-01-02 11:00:00')""")
    con.execute("create table raw._rejects (kind varchar, reason varchar)")
    lake = tmp_path / "lake"
    first = {e.table: e.rows for e in export_raw(con, lake)}
    assert first == {"crm_events": 2, "_rejects": 0}
    reader = duckdb.connect()
    files = f"read_parquet('{lake}/raw/crm_events/*.parquet')"
    rows = reader.execute(f"select contact_id, payload, _loaded_at from {files} order by 1").fetchall()
    assert [(r[0], r[1], str(r[2])) for r in rows] == [
        ("c1", '{"a": 1}', "2026-01-01 10:00:00"), ("c2", None, "2026-01-02 11:00:00")]
    export_raw(con, lake)  # idempotent: the same files, no second copy
    assert sorted(p.name for p in (lake / "raw" / "crm_events").iterdir()) == ["part-0.parquet"]
    con.execute("delete from raw.crm_events where contact_id = 'c2'")
    export_raw(con, lake)
    count = reader.execute(f"select count(*) from {files}").fetchone()[0]
    assert count == 1
    assert sorted(p.name for p in (lake / "raw").iterdir()) == ["_rejects", "crm_events"]  # no staging left
