"""Queue KPIs (issue 18): marts.fct_queue_performance against the fake's aggregates query, which computes them in
Python from its own conversation store — the SQL and the fake share no code."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from conftest import BIN, Warehouse, query

from loaders.genesys import FakeClock, GenesysClient
from loaders.kpis import verify_kpis
from loaders.synthetic.fake_genesys import FakeConfig, FakeGenesys


def fake_for(warehouse: Warehouse) -> FakeGenesys:
    return FakeGenesys(FakeConfig(rate_allowed=100_000), data_dir=warehouse.data_dir / "genesys" / "conversations")


def check(fake: FakeGenesys, db: Path):  # type: ignore[no-untyped-def]
    con = duckdb.connect(str(db), read_only=True)
    try:
        with GenesysClient.from_env(fake.client_env(), clock=FakeClock(), rng=random.Random(1)) as client:
            return verify_kpis(client, con)
    finally:
        con.close()


@pytest.fixture()
def broken_copy(sample_warehouse: Warehouse, tmp_path: Path) -> Path:
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(sample_warehouse.db, db)
    return db


def test_mart_matches_the_aggregates_endpoint(sample_warehouse: Warehouse) -> None:
    assert sample_warehouse.build.failures() == []
    rows = query(sample_warehouse.db, "select count(*), sum(offered), sum(answered), sum(abandoned) "
                                      "from marts.fct_queue_performance")[0]
    assert rows[0] > 100 and rows[1] > 0 and rows[2] > 0 and rows[3] > 0
    with fake_for(sample_warehouse) as fake:
        result = check(fake, sample_warehouse.db)
    assert result.differences == []
    assert result.cells == rows[0]  # the endpoint reported no cell the mart lacks, nor the reverse
    assert result.values == rows[0] * 22


def test_mart_counts_are_consistent_with_each_other(sample_warehouse: Warehouse) -> None:
    # every answer and abandon follows an offer (an offer may still be waiting at the end: live conversations);
    # answered within the service level never exceeds answered; short abandons are part of abandons
    rows = query(sample_warehouse.db, """
        select sum(offered), sum(answered), sum(abandoned), sum(flow_outs), sum(answered_within_service_level),
               sum(short_abandoned), sum(service_level_denominator)
        from marts.fct_queue_performance""")[0]
    offered, answered, abandoned, flow_outs, within, short, denominator = rows
    assert answered + abandoned + flow_outs <= offered  # answers after a transfer-to-queue are offered again
    assert within <= answered and short <= abandoned and denominator == answered + abandoned - short


def test_a_broken_mart_value_is_reported(sample_warehouse: Warehouse, broken_copy: Path) -> None:
    con = duckdb.connect(str(broken_copy))
    key, handle, offered = con.execute(
        "select queue_performance_key, handle_ms_total, offered from marts.fct_queue_performance "
        "where handle_ms_total > 0 and offered > 0 order by queue_performance_key limit 1").fetchone()
    con.execute("update marts.fct_queue_performance set handle_ms_total = handle_ms_total + 1000, "
                "offered = offered + 2 where queue_performance_key = ?", [key])
    con.close()
    with fake_for(sample_warehouse) as fake:
        result = check(fake, broken_copy)
        env = dict(os.environ, **fake.client_env(), CX_DUCKDB_PATH=str(broken_copy))
        cli = subprocess.run([str(BIN / "cx"), "verify", "kpis", "--quiet"], env=env, capture_output=True,
                             text=True, timeout=600)
    found = {(d.metric, d.mart, d.genesys) for d in result.differences}
    assert found == {("tHandle.sum", handle + 1000, handle), ("nOffered.count", offered + 2, offered)}
    assert cli.returncode == 1
    assert "2 differ" in cli.stdout and "tHandle.sum" in cli.stdout
