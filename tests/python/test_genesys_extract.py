"""Conversation extraction against the fake Genesys Cloud over real HTTP: jobs, sync query, faults, landing."""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from loaders.db import connect
from loaders.extract.conversations import (
    SOURCE_JOBS,
    ConversationExtractor,
    ExtractError,
    run_conversation_extract,
)
from loaders.extract.intervals import query_chunks, utc_days
from loaders.extract.pages import PageWriter
from loaders.extract.state import get_watermark, set_watermark
from loaders.genesys import FakeClock, GenesysApiError, GenesysClient
from loaders.synthetic.fake_genesys import ConversationStore, FakeConfig, FakeGenesys, FaultConfig
from loaders.synthetic.fake_genesys.sample import sample_conversations, write_job_pages

SINCE = datetime(2024, 5, 14, tzinfo=UTC)
UNTIL = datetime(2024, 5, 17, tzinfo=UTC)
JOBS = "/api/v2/analytics/conversations/details/jobs"
QUERY = "/api/v2/analytics/conversations/details/query"


def conversations() -> list[dict]:
    # 3 days x 25 (the last of each day crosses midnight) + every 9th one still live
    return sample_conversations(date(2024, 5, 14), days=3, per_day=25, live_every=9)


def client_for(fake: FakeGenesys, **kwargs: object) -> GenesysClient:
    return GenesysClient.from_env(fake.client_env(), clock=FakeClock(), rng=random.Random(7), **kwargs)


def pages_in(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.json"))}


def run(fake: FakeGenesys, out: Path, con=None, page_size: int = 10, **kwargs):  # type: ignore[no-untyped-def]
    with client_for(fake) as client:
        result, totals = run_conversation_extract(
            client, con, since=kwargs.pop("since", SINCE), until=kwargs.pop("until", UNTIL), out_dir=out,
            land=con is not None, extractor_options={"job_page_size": page_size, "poll_interval_s": 1.0},
            **kwargs,
        )
        return result, totals, client.stats


def raw_rows(con) -> list[tuple]:  # type: ignore[no-untyped-def]
    return con.execute(
        "select conversation_id, conversation_end, _record_hash, payload::varchar from raw.genesys_conversations "
        "order by conversation_id, _record_hash"
    ).fetchall()


def test_jobs_one_day_each_with_attributes_and_pages_as_received(tmp_path: Path) -> None:
    with FakeGenesys(FakeConfig(job_pending_polls=2), ConversationStore(conversations())) as fake:
        result, _, _ = run(fake, tmp_path)
        submitted = [r.body["interval"] for r in fake.accepted("POST", JOBS)]
        deleted = fake.accepted("DELETE", JOBS)
    assert submitted == [
        "2024-05-14T00:00:00.000Z/2024-05-15T00:00:00.000Z",
        "2024-05-15T00:00:00.000Z/2024-05-16T00:00:00.000Z",
        "2024-05-16T00:00:00.000Z/2024-05-17T00:00:00.000Z",
    ]
    assert len(deleted) == 3 and result.days == 3 and result.jobs == 3
    # lifetime overlap: the 2 conversations crossing midnight appear on 2 days, and the live ones (no end)
    # on every later day: 2 live on the 14th (+2 each) and 3 on the 15th (+1 each) -> 75 + 2 + 4 + 3
    assert result.unique_conversations == 75 and result.conversations == 84
    files = sorted(tmp_path.rglob("*.json"))
    assert [p.parent.name for p in files].count("2024-05-14") == 3  # 25 conversations in pages of 10
    assert all(re.fullmatch(r"job_[0-9a-f-]{36}_p\d{4}\.json", p.name) for p in files)
    first = json.loads(files[0].read_bytes())
    assert "cursor" in first and first["conversations"][0]["participants"][0]["attributes"]["CustomerTier"]
    assert files == sorted(result.pages)


def test_three_days_with_ten_percent_faults_yield_identical_pages_and_raw_rows(tmp_path: Path) -> None:
    store = ConversationStore(conversations())
    clean_out, faulty_out = tmp_path / "clean", tmp_path / "faulty"
    clean_db, faulty_db = connect(str(tmp_path / "clean.duckdb")), connect(str(tmp_path / "faulty.duckdb"))
    with FakeGenesys(FakeConfig(), store) as fake:
        clean, clean_totals, clean_stats = run(fake, clean_out, clean_db, page_size=5)
    # ~37 requests at 10 % -> this seed injects 2 x 429 (one burst of 2), 3 x 5xx and 1 dropped connection
    faults = FaultConfig(seed=33, rate_429=0.034, burst_429=2, rate_5xx=0.033, rate_drop=0.033, retry_after_s=3)
    with FakeGenesys(FakeConfig(faults=faults), store) as fake:
        faulty, faulty_totals, faulty_stats = run(fake, faulty_out, faulty_db, page_size=5)
        injected = dict(fake.faults.injected)
    assert injected.get("429", 0) >= 1 and injected.get("5xx", 0) >= 1 and injected.get("drop", 0) >= 1
    assert faulty_stats.retries == sum(injected.values()) > 0 and clean_stats.retries == 0
    assert pages_in(faulty_out) == pages_in(clean_out)
    assert (faulty.conversations, faulty.unique_conversations) == (clean.conversations, clean.unique_conversations)
    assert clean_totals is not None and faulty_totals is not None
    assert faulty_totals.rows_landed == clean_totals.rows_landed > 0
    assert raw_rows(faulty_db) == raw_rows(clean_db)
    assert len({r[0] for r in raw_rows(clean_db)}) == 75


def test_a_400_stops_the_extract_with_a_message_naming_the_request(tmp_path: Path) -> None:
    con = connect(str(tmp_path / "w.duckdb"))
    faults = FaultConfig(scripted=[("/results", "400")])
    with FakeGenesys(FakeConfig(faults=faults), ConversationStore(conversations())) as fake:
        with pytest.raises(GenesysApiError) as info:
            run(fake, tmp_path / "out", con)
        assert len(fake.accepted("DELETE", JOBS)) == 1  # the job is cleaned up anyway
    message = str(info.value)
    assert message.startswith(f"GET {JOBS}/") and "/results failed with HTTP 400 (bad.request)" in message
    assert "correlation id" in message
    assert get_watermark(con, SOURCE_JOBS) is None  # nothing half-done is marked done


def test_failed_job_state_is_an_error(tmp_path: Path) -> None:
    with FakeGenesys(FakeConfig(), ConversationStore(conversations())) as fake:
        original = fake.api.job_status

        def failing(match, query, body):  # type: ignore[no-untyped-def]
            reply = original(match, query, body)
            reply.body = {"state": "FAILED", "errorMessage": "datalake unavailable"}
            return reply

        fake.api.routes = [(v, p, failing if h == original else h) for v, p, h in fake.api.routes]
        with pytest.raises(ExtractError, match="ended FAILED: datalake unavailable"):
            run(fake, tmp_path)


@pytest.mark.parametrize("job_id", ["../../../users/me", "x/../../../users/me?a=", "%2e%2e%2fusers", "..",
                                    "a b", ""])
def test_a_job_id_that_is_not_a_plain_identifier_stops_the_extract_and_nothing_leaves_api_v2(
        tmp_path: Path, job_id: str) -> None:
    from loaders.synthetic.fake_genesys.api import Reply

    with FakeGenesys(FakeConfig(), ConversationStore(conversations())) as fake:
        fake.api.routes = [(v, p, (lambda m, q, b: Reply(202, {"jobId": job_id})) if h == fake.api.job_submit else h)
                           for v, p, h in fake.api.routes]
        with pytest.raises(ExtractError, match="job id") as info:
            run(fake, tmp_path / "out")
        assert fake.received_outside() == []
        assert [m for m, t in fake.received if t.startswith(JOBS + "/")] == []  # nothing sent for that job
    assert "/users/me" not in str(info.value)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_sync_query_pages_until_a_short_page_without_trusting_total_hits(tmp_path: Path) -> None:
    many = sample_conversations(date(2024, 5, 14), days=1, per_day=230)
    for skew in (-200, +500):
        out = tmp_path / str(skew)
        with FakeGenesys(FakeConfig(total_hits_skew=skew), ConversationStore(many)) as fake:
            result, _, _ = run(fake, out, sync=True, since=SINCE + timedelta(hours=12),
                               until=SINCE + timedelta(hours=13))
            bodies = [r.body for r in fake.accepted("POST", QUERY)]
        assert [b["paging"] for b in bodies] == [{"pageSize": 100, "pageNumber": n} for n in (1, 2, 3)]
        # the query returns the whole touched day, without participant attributes
        assert result.unique_conversations == 230
        page = json.loads(sorted(out.rglob("*.json"))[0].read_bytes())
        assert "totalHits" in page and all("attributes" not in p for p in page["conversations"][0]["participants"])
        assert sorted(out.rglob("*.json"))[0].name.startswith("query_20240514T120000Z_20240514T130000Z_p0001")


def test_sync_query_splits_long_windows_into_day_aligned_pieces_of_at_most_7_days() -> None:
    since = datetime(2024, 5, 1, 6, tzinfo=UTC)
    chunks = query_chunks(since, datetime(2024, 5, 20, tzinfo=UTC))
    assert [(a.isoformat()[:13], b.isoformat()[:13]) for a, b in chunks] == [
        ("2024-05-01T06", "2024-05-08T00"), ("2024-05-08T00", "2024-05-15T00"), ("2024-05-15T00", "2024-05-20T00"),
    ]
    assert all(b - a <= timedelta(days=7) for a, b in chunks)
    assert len(utc_days(since, datetime(2024, 5, 3, tzinfo=UTC))) == 2


def test_sync_extract_over_8_days_never_sends_a_longer_interval(tmp_path: Path) -> None:
    with FakeGenesys(FakeConfig(), ConversationStore(conversations())) as fake:
        result, _, _ = run(fake, tmp_path, sync=True, since=datetime(2024, 5, 10, tzinfo=UTC),
                           until=datetime(2024, 5, 18, tzinfo=UTC))
    assert result.queries == 2 and result.unique_conversations == 75


def test_incremental_from_watermark_minus_overlap_catches_late_completions(tmp_path: Path) -> None:
    con = connect(str(tmp_path / "w.duckdb"))
    convs = conversations()
    live_ids = {c["conversationId"] for c in convs if "conversationEnd" not in c}
    assert live_ids
    with FakeGenesys(FakeConfig(), ConversationStore(convs)) as fake:
        run(fake, tmp_path / "a", con)
    assert get_watermark(con, SOURCE_JOBS) == UNTIL
    # later: the live conversations have completed; a run without --since re-reads watermark - 2 days
    completed = [{**c, "conversationEnd": "2024-05-17T01:00:00.000Z"} if c["conversationId"] in live_ids else c
                 for c in convs]
    with FakeGenesys(FakeConfig(), ConversationStore(completed)) as fake:
        result, totals, _ = run(fake, tmp_path / "b", con, since=None, until=UNTIL + timedelta(days=1))
        intervals = [r.body["interval"][:10] for r in fake.accepted("POST", JOBS)]
    assert intervals == ["2024-05-15", "2024-05-16", "2024-05-17"]
    assert get_watermark(con, SOURCE_JOBS) == UNTIL + timedelta(days=1)
    ended = dict(con.execute(
        "select conversation_id, max(conversation_end) from raw.genesys_conversations group by 1").fetchall())
    late = [cid for cid in live_ids if ended.get(cid) is not None]
    assert late and totals is not None and totals.rows_landed >= len(late)


def test_watermark_is_checkpointed_per_completed_day_so_a_failed_run_resumes_at_the_failed_day(
        tmp_path: Path) -> None:
    from loaders.synthetic.fake_genesys.api import ApiError

    con = connect(str(tmp_path / "w.duckdb"))
    until = SINCE + timedelta(days=5)
    with FakeGenesys(FakeConfig(), ConversationStore(conversations())) as fake:
        submit = fake.api.job_submit

        def failing_on_day_3(match, query, body):  # type: ignore[no-untyped-def]
            if body["interval"].startswith("2024-05-16"):
                raise ApiError(400, "bad.request", "injected: day 3 fails")
            return submit(match, query, body)

        fake.api.routes = [(v, p, failing_on_day_3 if h == submit else h) for v, p, h in fake.api.routes]
        with pytest.raises(GenesysApiError):
            run(fake, tmp_path / "a", con, until=until)
    # days 1 and 2 were extracted and landed: the watermark is the end of day 2, not still unset
    assert get_watermark(con, SOURCE_JOBS) == SINCE + timedelta(days=2)
    landed = con.execute("select count(distinct conversation_id) from raw.genesys_conversations").fetchone()[0]
    assert landed > 0
    with FakeGenesys(FakeConfig(), ConversationStore(conversations())) as fake:
        run(fake, tmp_path / "b", con, since=None, until=until, overlap=timedelta(0))
        resumed = [r.body["interval"][:10] for r in fake.accepted("POST", JOBS)]
    assert resumed == ["2024-05-16", "2024-05-17", "2024-05-18"]  # day 3 onwards, not --since again
    assert get_watermark(con, SOURCE_JOBS) == until
    # with the default overlap (2 days) the next run re-reads the two days before the watermark
    with FakeGenesys(FakeConfig(), ConversationStore(conversations())) as fake:
        run(fake, tmp_path / "c", con, since=None, until=until + timedelta(days=1))
        again = [r.body["interval"][:10] for r in fake.accepted("POST", JOBS)]
    assert again == ["2024-05-17", "2024-05-18", "2024-05-19"]


def test_watermark_never_moves_backwards(tmp_path: Path) -> None:
    con = connect(str(tmp_path / "w.duckdb"))
    later = UNTIL + timedelta(days=10)
    set_watermark(con, SOURCE_JOBS, later)
    with FakeGenesys(FakeConfig(), ConversationStore(conversations())) as fake:
        run(fake, tmp_path / "a", con)  # an explicit backfill of [SINCE, UNTIL)
    assert get_watermark(con, SOURCE_JOBS) == later


def test_first_run_without_since_or_watermark_is_refused(tmp_path: Path) -> None:
    con = connect(str(tmp_path / "w.duckdb"))
    with FakeGenesys(FakeConfig(), ConversationStore(conversations())) as fake:
        with pytest.raises(ExtractError, match="no watermark .* pass --since"):
            run(fake, tmp_path, con, since=None)
    set_watermark(con, SOURCE_JOBS, UNTIL)
    assert get_watermark(con, SOURCE_JOBS) == UNTIL


def test_relanding_the_same_extract_adds_no_rows(tmp_path: Path) -> None:
    con = connect(str(tmp_path / "w.duckdb"))
    with FakeGenesys(FakeConfig(), ConversationStore(conversations())) as fake:
        _, first, _ = run(fake, tmp_path / "a", con)
        _, second, _ = run(fake, tmp_path / "b", con)
    assert first is not None and second is not None
    assert first.rows_landed == 75 and second.rows_landed == 0
    assert con.execute("select count(*) from raw.genesys_conversations").fetchone()[0] == 75


def test_fake_serves_a_generator_style_directory(tmp_path: Path) -> None:
    write_job_pages(conversations(), tmp_path / "genesys" / "conversations", per_page=20)
    with FakeGenesys(FakeConfig(), data_dir=tmp_path / "genesys" / "conversations") as fake:
        assert len(fake.store) == 75
        writer = PageWriter(tmp_path / "out")
        with client_for(fake) as client:
            extractor = ConversationExtractor(client, writer, poll_interval_s=0)
            result = extractor.extract_jobs(SINCE, SINCE + timedelta(days=1))
    assert result.unique_conversations == 25 and len(writer.written) == 1


def test_cli_extract_conversations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    from loaders.cli import main

    # allowed=6000/min: the client adapts to the announced limit, so the real-clock run stays fast
    with FakeGenesys(FakeConfig(rate_allowed=6000), ConversationStore(conversations())) as fake:
        for name, value in fake.client_env().items():
            monkeypatch.setenv(name, value)
        db, out = tmp_path / "w.duckdb", tmp_path / "out"
        code = main(["extract", "conversations", "--since", "2024-05-14", "--until", "2024-05-17",
                     "--db", str(db), "--out", str(out), "--poll-interval", "0", "--quiet"])
        assert code == 0
        again = main(["extract", "conversations", "--until", "2024-05-17", "--db", str(db), "--out", str(out),
                      "--poll-interval", "0", "--quiet"])
        assert again == 0
    printed = capsys.readouterr().out
    assert "pages" in printed and "retries" in printed and "429s" in printed
    assert len(list((out / "2024-05-16").glob("job_*_p0001.json"))) == 2  # once per run
    con = connect(str(db))
    assert con.execute("select count(distinct conversation_id) from raw.genesys_conversations").fetchone()[0] == 75


def test_another_process_can_write_the_warehouse_while_cx_extract_waits_on_the_api(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys
    import time

    from conftest import BIN, ROOT

    writer = ("import sys, time\nfrom loaders.db import connect\nt = time.monotonic()\n"
              "con = connect(sys.argv[1], wait=5)\ncon.execute('create or replace table main.w as select 1 x')\n"
              "con.close()\nprint(f'{time.monotonic() - t:.3f}')")
    db = tmp_path / "w.duckdb"
    slow = FaultConfig(rate_slow=1.0, slow_s=0.3)
    with FakeGenesys(FakeConfig(rate_allowed=6000, faults=slow), ConversationStore(conversations())) as fake:
        env = {**os.environ, **fake.client_env()}
        cmd = [str(BIN / "cx"), "extract", "conversations", "--since", "2024-05-14", "--until", "2024-05-17",
               "--db", str(db), "--out", str(tmp_path / "out"), "--poll-interval", "0", "--quiet"]
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while len(fake.accepted()) < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, "the extract finished before the second writer could try"
        other = subprocess.run([sys.executable, "-c", writer, str(db)], cwd=ROOT, capture_output=True, text=True,
                               timeout=60)
        mid_run = proc.poll() is None
        _, err = proc.communicate(timeout=120)
    assert other.returncode == 0, other.stderr[-2000:]
    assert float(other.stdout) < 2.0 and mid_run
    assert proc.returncode == 0, err[-2000:]
    con = connect(str(db))
    assert con.execute("select count(distinct conversation_id) from raw.genesys_conversations").fetchone()[0] == 75
    assert get_watermark(con, SOURCE_JOBS) == UNTIL
