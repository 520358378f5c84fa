"""Agents' presence and routing status (issue 18): users details jobs on the fake, `cx extract users-status`,
stg_genesys__user_status and agent_status_daily."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from conftest import Warehouse, query, run_dbt

from loaders.extract.users_status import run_users_status_extract
from loaders.genesys import FakeClock, GenesysClient
from loaders.landing import land_files
from loaders.synthetic.fake_genesys import FakeGenesys
from loaders.synthetic.generator import generate

DAYS = ("2026-10-12", "2026-10-13", "2026-10-14")
RECORDS = ("select user_id, status_kind, status, started_at, ended_at from staging.stg_genesys__user_status "
           "order by all")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("users_gen")
    generate("demo", 5, out, {"customers": 150})
    return out


def day_files(root: Path) -> list[Path]:
    return [root / "genesys" / "users" / f"user-details-{day}.ndjson" for day in DAYS]


def test_extract_returns_the_generated_days_and_lands_them_once(generated: Path, tmp_path: Path) -> None:
    db_extract, db_files = tmp_path / "extract.duckdb", tmp_path / "files.duckdb"
    expected = [json.loads(line) for f in day_files(generated) for line in f.read_text().splitlines() if line]
    assert len(expected) > 10

    def extract() -> object:
        with GenesysClient.from_env(fake.client_env(), clock=FakeClock(), rng=random.Random(2)) as client:
            return run_users_status_extract(
                client, since=datetime(2026, 10, 12, tzinfo=UTC), until=datetime(2026, 10, 15, tzinfo=UTC),
                out_dir=tmp_path / "out", open_db=lambda: duckdb.connect(str(db_extract)), poll_interval_s=0.0,
                page_size=4)

    with FakeGenesys(data_dir=generated / "genesys" / "conversations") as fake:
        first = extract()
        jobs = [r for r in fake.accepted("POST", "/api/v2/analytics/users/details/jobs")]
        assert [r.body["interval"] for r in jobs] == [
            f"{d}T00:00:00.000Z/{n}T00:00:00.000Z" for d, n in zip(DAYS, (*DAYS[1:], "2026-10-15"), strict=True)]
        assert first.days == 3 and first.user_details == len(expected) and first.rows_landed == len(expected)
        assert first.pages >= len(expected) // 4  # results were paged by cursor
        assert extract().rows_landed == 0  # the same days again: nothing new
    con = duckdb.connect(str(db_files))
    land_files(con, "genesys_user_details", day_files(generated))
    con.close()
    for db in (db_extract, db_files):
        assert run_dbt(db, "build", "--select", "stg_genesys__user_status").failures() == []
    # what the jobs returned is what the generator wrote, record for record
    assert query(db_extract, RECORDS) == query(db_files, RECORDS)


def test_agent_status_daily_covers_each_agent_day_and_its_interactions(sample_warehouse: Warehouse) -> None:
    db = sample_warehouse.db
    assert sample_warehouse.build.failures() == []
    per_day = query(db, "select status_kind, min(s), max(s), count(*) from (select status_date, user_id, "
                        "status_kind, sum(status_seconds) as s from marts.agent_status_daily group by all) group by 1")
    assert {k for k, *_ in per_day} == {"presence", "routing"}
    for _, low, high, n in per_day:  # the generator's agent-days cover 24 h of each kind
        assert n > 50 and abs(low - 86_400) < 1e-6 and abs(high - 86_400) < 1e-6
    # INTERACTING time of an agent-day lies between its longest session and the sum of its sessions, computed
    # here from the conversations' agent segments (the mart reads only users details)
    rows = query(db, """
        with sessions as (
            select p.user_id, s.session_key, min(s.segment_started_at) as t0, max(s.segment_ended_at) as t1
            from staging.stg_genesys__segments s
            join staging.stg_genesys__participants p using (conversation_id, participant_id)
            where s.purpose = 'agent'
            group by all
            having count(*) = count(s.segment_ended_at) and cast(t0 as date) = cast(t1 as date)
        ),
        per_day as (
            select user_id, cast(t0 as date) as d, max(epoch(t1) - epoch(t0)) as longest,
                   sum(epoch(t1) - epoch(t0)) as total
            from sessions group by all
        )
        select per_day.longest, per_day.total, a.status_seconds
        from per_day join marts.agent_status_daily a
          on a.user_id = per_day.user_id and a.status_date = per_day.d
         and a.status_kind = 'routing' and a.status = 'INTERACTING'""")
    assert len(rows) > 50
    assert all(longest - 1e-3 <= interacting for longest, _, interacting in rows)
    # sessions crossing midnight are left out of `total`, so allow their share on top
    assert sum(1 for _, total, interacting in rows if interacting <= total + 1e-3) >= 0.95 * len(rows)
