"""Shared fixtures: a project root, a dbt runner against a throw-away DuckDB file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from loaders.synthetic.generator import dbt_reference_time

ROOT = Path(__file__).resolve().parents[2]
# a complete details job result page as Genesys Cloud returns it, kept in the repo so tests are self-contained;
# a link to the one copy, the fake Genesys's package data (loaders/synthetic/fake_genesys/)
REFERENCE_PAGE = ROOT / "tests" / "fixtures" / "genesys_conversation_job_page.example.json"
BIN = Path(sys.executable).parent
GENERATED_REFERENCE_TIME = dbt_reference_time()


@dataclass
class DbtResult:
    returncode: int
    stdout: str
    results: list[dict]

    def failures(self) -> list[dict]:
        # exposures report 'no-op'; anything else that is not a pass is a failure
        return [r for r in self.results if r["status"] not in ("success", "pass", "warn", "skipped", "no-op")]


def run_dbt(db_path: Path, *args: str, vars: dict | None = None) -> DbtResult:
    """Run dbt (a real subprocess, as a user would) against `db_path`; target/ and logs/ go beside it."""
    work = db_path.parent
    # generated data ends at the generator's reference time: measure windows from it, not from today (unless the
    # test set CX_REFERENCE_TIME itself: the nightly tests build each night with its own)
    env = dict(os.environ, CX_DUCKDB_PATH=str(db_path), DBT_PROFILES_DIR=str(ROOT),
               CX_REFERENCE_TIME=os.environ.get("CX_REFERENCE_TIME", GENERATED_REFERENCE_TIME))
    cmd = [
        str(BIN / "dbt"),
        *args,
        "--project-dir",
        str(ROOT),
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
    ]
    if vars:
        cmd += ["--vars", json.dumps(vars)]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    results_file = work / "target" / "run_results.json"
    results = json.loads(results_file.read_text())["results"] if results_file.exists() else []
    return DbtResult(proc.returncode, proc.stdout + proc.stderr, results)


def query(db_path: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="session")
def reference_page() -> Path:
    if not REFERENCE_PAGE.exists():
        pytest.fail(f"the reference example is missing: {REFERENCE_PAGE}")
    return REFERENCE_PAGE


@dataclass
class Warehouse:
    data_dir: Path  # generated files, with truth/ beside them
    db: Path
    build: DbtResult


SAMPLE_SEED = 7
SAMPLE_CUSTOMERS = 400


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory) -> Warehouse:
    """The generated sample (demo profile scaled to 400 customers), landed and built with `dbt build` once
    per test session. Tests read it; none may write to it."""
    from loaders.landing import land_directory
    from loaders.synthetic.generator import generate

    work = tmp_path_factory.mktemp("sample")
    data_dir = work / "data"
    generate("demo", SAMPLE_SEED, data_dir, overrides={"customers": SAMPLE_CUSTOMERS})
    db = work / "warehouse.duckdb"
    con = duckdb.connect(str(db))
    land_directory(con, data_dir)
    con.close()
    build = run_dbt(db, "build")
    return Warehouse(data_dir, db, build)
