"""`cx run` end to end against the fake Genesys Cloud over real HTTP: extract since the watermark (gated on the
details jobs' availability date), land an inbox, dbt build, export; the run lock, ops.runs, --dry-run.

`cx run` is started as a scheduler would start it: a separate process (``python -m loaders.cli run``), here
pointed at a fake Genesys served from this test process."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
from conftest import ROOT

from exporter.targets import TARGETS
from loaders.nightly import RUN_IN_PROGRESS_EXIT_CODE, RunLock, lock_path
from loaders.synthetic.fake_genesys import ConversationStore, FakeConfig, FakeGenesys, FaultConfig
from loaders.synthetic.fake_genesys.sample import sample_conversations
from loaders.synthetic.generator import dbt_reference_time, generate

JOBS = "/api/v2/analytics/conversations/details/jobs"
AVAILABILITY = f"{JOBS}/availability"
WINDOW_S = 1.0  # the fake's and the client's rate window, scaled from 60 s
EXPORT_MARTS = [f"export__{name}" for name in TARGETS]
INBOX_PARTS = ("customers", "crm", "marketing")  # the files a site drops; conversations come from the API


def cx_run(db: Path, fake: FakeGenesys | None, *args: str, extra_env: dict[str, str] | None = None,
           wait: bool = True) -> subprocess.CompletedProcess | subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENESYS_", "DBT_", "CX_"))}
    env.update(PYTHONPATH=str(ROOT), CX_DUCKDB_PATH=str(db), GENESYS_RATE_WINDOW_S=str(WINDOW_S),
               DBT_TARGET_PATH=str(db.parent / "target"), DBT_LOG_PATH=str(db.parent / "logs"))
    if fake is not None:
        env.update(fake.client_env())
    env.update(extra_env or {})
    cmd = [sys.executable, "-m", "loaders.cli", "run", "--quiet", "--poll-interval", "0.01",
           "--pages-dir", str(db.parent / "pages"), *args]
    if not wait:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def runs(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        exists = con.execute("select count(*) from information_schema.tables "
                             "where table_schema = 'ops' and table_name = 'runs'").fetchone()[0]
        if not exists:
            return []
        return con.execute("select run_id, step, status, rows, message, started_at, finished_at from ops.runs "
                           "order by started_at, step").fetchall()
    finally:
        con.close()


def steps_of_last_run(db: Path) -> dict[str, tuple[str, int | None, str]]:
    rows = runs(db)
    last = max(rows, key=lambda r: r[5])[0] if rows else None
    return {r[1]: (r[2], r[3], r[4]) for r in rows if r[0] == last}


def table_counts(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = con.execute("select table_schema, table_name from information_schema.tables "
                             "where table_type = 'BASE TABLE' order by 1, 2").fetchall()
        return {f"{s}.{t}": con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0] for s, t in tables}
    finally:
        con.close()


def export_requests(fake: FakeGenesys) -> list:
    return [r for r in fake.accepted() if not r.path.startswith("/api/v2/analytics/")]


def accepted_units(fake: FakeGenesys) -> Counter[str]:
    """Units the fake accepted (an enrich operation, an event, an outbound contact, a PATCH), per target."""
    seen: Counter[str] = Counter()
    for r in export_requests(fake):
        if r.status >= 300:
            continue
        if r.method == "PATCH":
            seen["participant_attributes"] += 1
        elif "/journey/" in r.path:
            seen["journey_external_events"] += len(r.body["entities"])
        elif "/outbound/" in r.path:
            seen["outbound_contacts"] += len(r.body)
        elif "/enrich" in r.path:
            seen["external_contacts"] += len(r.body["entities"])
    return seen


def file_records(inbox: Path) -> int:
    """Records in the inbox, counted from the files themselves: CSV rows after the header, NDJSON lines."""
    total = 0
    for path in sorted(inbox.rglob("*")):
        if path.suffix == ".csv":
            with path.open(encoding="utf-8", newline="") as fh:
                total += sum(1 for _ in csv.reader(fh)) - 1
        elif path.suffix == ".ndjson":
            total += sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return total


def served_conversations(directory: Path) -> set[str]:
    ids: set[str] = set()
    for path in directory.rglob("*.json"):
        ids.update(c["conversationId"] for c in json.loads(path.read_text(encoding="utf-8"))["conversations"])
    return ids


# -- the end-to-end runs on generated data ---------------------------------------------------------------
@dataclass
class Site:
    work: Path
    data_dir: Path
    inbox: Path
    db: Path
    fake: FakeGenesys
    reference_time: str
    first: subprocess.CompletedProcess
    jobs_after_first: int
    export_requests_after_first: int
    export_state_after_first: list[tuple]


def e2e_args(site_inbox: Path) -> list[str]:
    selector = [f"+{m}" for m in EXPORT_MARTS]
    # the export marts and everything upstream (the domains' data tests run in their own suites)
    return ["--inbox", str(site_inbox), "--select", *selector]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    work = tmp_path_factory.mktemp("cx_run")
    data_dir, inbox, db = work / "data", work / "inbox", work / "warehouse.duckdb"
    generate("demo", 42, data_dir, overrides={"customers": 300})
    for part in INBOX_PARTS:
        shutil.copytree(data_dir / part, inbox / part)
    store = ConversationStore.from_dir(data_dir / "genesys" / "conversations")
    # the data lake is complete up to 06:00 on the generated data's last day (its reference time is midnight)
    fake = FakeGenesys(FakeConfig(rate_allowed=300, rate_window_s=WINDOW_S,
                                  data_availability_date="2026-11-01T06:00:00.000Z"), store).start()
    reference_time = dbt_reference_time(data_dir)
    env = {"CX_REFERENCE_TIME": reference_time}
    first = cx_run(db, fake, "--since", "2026-06-01", *e2e_args(inbox), extra_env=env)
    con = duckdb.connect(str(db), read_only=True)
    state = con.execute("select target, export_key, payload_hash from ops.export_state order by 1, 2").fetchall() \
        if first.returncode == 0 else []
    con.close()
    yield Site(work, data_dir, inbox, db, fake, reference_time, first, len(fake.accepted("POST", JOBS)),
               len(export_requests(fake)), state)
    fake.stop()


def test_first_run_extracts_lands_builds_and_exports(site: Site) -> None:
    assert site.first.returncode == 0, site.first.stderr[-4000:]
    steps = steps_of_last_run(site.db)
    assert {s: v[0] for s, v in steps.items()} == {"run": "ok", "extract": "ok", "land": "ok", "build": "ok",
                                                  "export": "ok"}, steps
    # extract: every conversation the fake serves (all generated ones start in the 120 days before
    # 2026-11-01, inside [--since, availability day)), counted from the generated pages themselves
    served = served_conversations(site.data_dir / "genesys" / "conversations")
    assert steps["extract"][1] == len(served) > 1000
    con = duckdb.connect(str(site.db), read_only=True)
    try:
        landed_ids = {r[0] for r in con.execute("select distinct conversation_id from raw.genesys_conversations")
                      .fetchall()}
        raw_inbox_rows = sum(con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in (
            "crm_customer_records", "crm_conversions", "crm_events", "marketing_campaigns", "marketing_touches"))
        watermark = con.execute("select watermark from raw._extract_state "
                                "where source = 'genesys_conversations.jobs'").fetchone()[0]
        marts = {r[0]: con.execute(f"select count(*) from marts.{r[0]}").fetchone()[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}
    finally:
        con.close()
    assert landed_ids == served
    assert watermark == datetime(2026, 11, 1)  # complete days only: 06:00 on the 1st is not a complete day
    # land: every record in the inbox files but the one the generator cuts in half (crm events' last line)
    assert steps["land"][1] == raw_inbox_rows == file_records(site.inbox) - 1
    # build: every node dbt reports built or passed in its own run_results.json
    results = json.loads((site.db.parent / "target" / "run_results.json").read_text())["results"]
    built = [r for r in results if r["status"] in ("success", "pass", "warn")]
    assert steps["build"][1] == len(built) == len(results) > 50
    assert set(EXPORT_MARTS) <= set(marts) and all(marts[m] > 0 for m in EXPORT_MARTS), marts
    # export: every row of every export mart, each accepted once by the fake
    assert steps["export"][1] == sum(marts[m] for m in EXPORT_MARTS)
    assert accepted_units(site.fake) == {name: marts[f"export__{name}"] for name in TARGETS}
    # the run row spans its steps
    rows = [r for r in runs(site.db) if r[0] == max(runs(site.db), key=lambda r: r[5])[0]]
    whole = next(r for r in rows if r[1] == "run")
    assert all(whole[5] <= r[5] and r[6] <= whole[6] for r in rows)
    assert "build ok" in whole[4] and "export ok" in whole[4]
    # ops.* is never a dbt input
    manifest = json.loads((site.db.parent / "target" / "manifest.json").read_text())
    assert not [s for s in manifest["sources"].values() if s["schema"] == "ops"]
    # the summary table and no personal data in what the run printed
    assert "cx run" in site.first.stdout and "export" in site.first.stdout
    emails: list[str] = []
    for path in sorted((site.inbox / "customers").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            emails += [row["email"].strip() for row in csv.DictReader(fh) if "@" in (row.get("email") or "")][:100]
    output = site.first.stdout + site.first.stderr
    assert emails and not [e for e in emails if e and e in output]
    assert "fake-client-secret" not in output


def test_second_run_right_after_changes_nothing_and_exports_nothing(site: Site) -> None:
    assert site.first.returncode == 0, site.first.stderr[-2000:]
    before = table_counts(site.db)
    second = cx_run(site.db, site.fake, *e2e_args(site.inbox), extra_env={"CX_REFERENCE_TIME": site.reference_time})
    assert second.returncode == 0, second.stderr[-4000:]
    steps = steps_of_last_run(site.db)
    assert steps["extract"][:2] == ("nothing_new", 0), steps["extract"]
    assert "nothing new" in steps["extract"][2]
    assert steps["land"][:2] == ("ok", 0) and "already landed" in steps["land"][2]
    assert steps["build"][0] == "ok" and steps["export"][:2] == ("ok", 0)
    assert len(site.fake.accepted("POST", JOBS)) == site.jobs_after_first  # no job submitted
    assert len(export_requests(site.fake)) == site.export_requests_after_first  # nothing re-exported
    con = duckdb.connect(str(site.db), read_only=True)
    state = con.execute("select target, export_key, payload_hash from ops.export_state order by 1, 2").fetchall()
    con.close()
    assert state == site.export_state_after_first  # payload hashes unchanged
    after = table_counts(site.db)
    changed = {t: (before[t], after.get(t)) for t in before if before[t] != after.get(t)}
    # only the run logs grew (and dbt's tables were rebuilt to the same size)
    assert set(changed) <= {"ops.runs", "ops.export_runs"}, changed
    assert after["ops.runs"] == before["ops.runs"] + 5


def test_dry_run_changes_nothing_and_prints_the_plan(site: Site) -> None:
    assert site.first.returncode == 0, site.first.stderr[-2000:]
    extra = site.work / "inbox2"
    shutil.copytree(site.inbox, extra)
    (extra / "marketing" / "campaigns_late.csv").write_text(
        (site.inbox / "marketing" / "campaigns.csv").read_text(encoding="utf-8").splitlines()[0] + "\n",
        encoding="utf-8")
    before, mtime = table_counts(site.db), site.db.stat().st_mtime_ns
    requests_before = len(site.fake.accepted())
    dry = cx_run(site.db, site.fake, "--dry-run", *e2e_args(extra),
                 extra_env={"CX_REFERENCE_TIME": site.reference_time})
    assert dry.returncode == 0, dry.stderr[-3000:]
    assert table_counts(site.db) == before and site.db.stat().st_mtime_ns == mtime
    # one GET of the availability date, nothing else
    assert [(r.method, r.path) for r in site.fake.accepted()[requests_before:]] == [("GET", AVAILABILITY)]
    out = dry.stdout
    for needle in ("watermark", "2026-11-01T00:00:00.000Z", "data available until", "2026-11-01T06:00:00.000Z",
                   "nothing new", "dbt command", "dbt build", "export external_contacts", "campaigns_late.csv (new)"):
        assert needle in out, (needle, out)
    assert "customers_crm.csv (already landed" in out or "already landed" in out
    # a dry run against a warehouse that does not exist creates nothing
    fresh = site.work / "fresh" / "new.duckdb"
    dry = cx_run(fresh, site.fake, "--dry-run", "--since", "2026-10-28", "--inbox", str(site.inbox))
    assert dry.returncode == 0, dry.stderr[-3000:]
    assert "2026-10-28T00:00:00.000Z → 2026-11-01T00:00:00.000Z (4 daily jobs)" in dry.stdout, dry.stdout
    assert not fresh.exists() and not lock_path(fresh).exists()


# -- the availability gate, the lock: small fake data, no dbt --------------------------------------------
FIRST_DAY = date(2024, 5, 14)


def small_fake(availability: str, faults: FaultConfig | None = None) -> FakeGenesys:
    conversations = sample_conversations(FIRST_DAY, days=6, per_day=10, live_every=9)
    return FakeGenesys(FakeConfig(rate_window_s=WINDOW_S, data_availability_date=availability,
                                  faults=faults or FaultConfig()), ConversationStore(conversations))


def expected_ids(fake: FakeGenesys, start: datetime, end: datetime) -> set[str]:
    """Conversations whose lifetime overlaps [start, end), from the served conversations' own fields."""
    ids = set()
    for c in (s.body for s in fake.store._ordered()):
        begin = datetime.fromisoformat(c["conversationStart"].replace("Z", "+00:00"))
        finish = c.get("conversationEnd")
        finish_at = datetime.fromisoformat(finish.replace("Z", "+00:00")) if finish else None
        if begin < end and (finish_at is None or finish_at >= start):
            ids.add(c["conversationId"])
    return ids


QUICK = ("--skip-build", "--skip-export")


def test_the_watermark_never_passes_the_availability_date(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with small_fake("2024-05-17T06:30:00.000Z") as fake:
        first = cx_run(db, fake, "--since", "2024-05-14", *QUICK)
        assert first.returncode == 0, first.stderr[-3000:]
        intervals = [r.body["interval"] for r in fake.accepted("POST", JOBS)]
        assert intervals == [f"2024-05-{d}T00:00:00.000Z/2024-05-{d + 1}T00:00:00.000Z" for d in (14, 15, 16)]
        steps = steps_of_last_run(db)
        want = expected_ids(fake, datetime(2024, 5, 14, tzinfo=UTC), datetime(2024, 5, 17, tzinfo=UTC))
        assert steps["extract"][:2] == ("ok", len(want)), steps
        con = duckdb.connect(str(db), read_only=True)
        watermark = con.execute("select watermark from raw._extract_state").fetchone()[0]
        latest = con.execute("select max(conversation_start) from raw.genesys_conversations").fetchone()[0]
        landed = {r[0] for r in con.execute("select conversation_id from raw.genesys_conversations").fetchall()}
        con.close()
        assert watermark == datetime(2024, 5, 17) and landed == want
        assert str(latest) < "2024-05-17"  # nothing from the day the data lake does not hold completely

        # right after: nothing is available beyond the watermark -> no job at all, exit 0
        again = cx_run(db, fake, *QUICK)
        assert again.returncode == 0, again.stderr[-3000:]
        assert len(fake.accepted("POST", JOBS)) == 3
        assert steps_of_last_run(db)["extract"][:2] == ("nothing_new", 0)

        # the data lake moves on to 01:00 on the 19th: the days from the watermark minus the 2-day overlap to
        # the 19th, and the watermark stops at the 19th
        fake.config.data_availability_date = "2024-05-19T01:00:00.000Z"
        later = cx_run(db, fake, *QUICK)
        assert later.returncode == 0, later.stderr[-3000:]
        intervals = [r.body["interval"] for r in fake.accepted("POST", JOBS)][3:]
        assert [i[:10] for i in intervals] == ["2024-05-15", "2024-05-16", "2024-05-17", "2024-05-18"]
        con = duckdb.connect(str(db), read_only=True)
        assert con.execute("select watermark from raw._extract_state").fetchone()[0] == datetime(2024, 5, 19)
        con.close()
    assert steps_of_last_run(db)["extract"][0] == "ok"


def test_first_run_without_since_is_a_configuration_error(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with small_fake("2024-05-17T06:30:00.000Z") as fake:
        proc = cx_run(db, fake, *QUICK)
        assert fake.accepted() == []
    assert proc.returncode == 2 and "--since" in proc.stderr
    assert not db.exists() or runs(db) == []


def test_a_second_run_while_the_lock_is_held_exits_75_and_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with small_fake("2024-05-17T06:30:00.000Z") as fake:
        assert cx_run(db, fake, "--since", "2024-05-14", *QUICK).returncode == 0
        before, requests_before = table_counts(db), len(fake.received)
        with RunLock.acquire(db, "held-by-the-test") as lock:
            started = time.monotonic()
            second = cx_run(db, fake, *QUICK)
            assert time.monotonic() - started < 30
        assert second.returncode == RUN_IN_PROGRESS_EXIT_CODE, second.stderr
        assert "another cx run is in progress" in second.stderr
        assert f"pid {os.getpid()}" in second.stderr and lock.holder["started_at"] in second.stderr
        assert table_counts(db) == before and len(fake.received) == requests_before
        # released: the next run goes ahead
        assert cx_run(db, fake, *QUICK).returncode == 0


def _started_run(db: Path, fake, ready, what: str) -> subprocess.Popen:
    """A `cx run` in the background, returned once ``ready(process)`` holds (within 30 s)."""
    proc = cx_run(db, fake, "--since", "2024-05-14", *QUICK, wait=False)
    assert isinstance(proc, subprocess.Popen)
    deadline = time.monotonic() + 30
    while not ready(proc):
        if time.monotonic() >= deadline or proc.poll() is not None:
            proc.kill()
            raise AssertionError(f"the run never {what}")
        time.sleep(0.05)
    return proc


def test_two_real_runs_at_once_the_second_exits_75_naming_the_first(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    # the first run's availability request is answered after 6 s: it holds the run lock meanwhile
    faults = FaultConfig(scripted=[("GET " + AVAILABILITY, "slow")], slow_s=6.0)
    with small_fake("2024-05-17T06:30:00.000Z", faults) as fake:
        first = _started_run(db, fake, lambda p: f'"pid": {p.pid}' in (
            lock_path(db).read_text() if lock_path(db).exists() else ""), "took the lock")
        try:
            second = cx_run(db, fake, "--since", "2024-05-14", *QUICK)
            out, err = first.communicate(timeout=120)
        finally:
            if first.poll() is None:
                first.kill()
    assert second.returncode == RUN_IN_PROGRESS_EXIT_CODE, second.stderr
    assert f"pid {first.pid}" in second.stderr and re.search(r"started 20\d\d-\d\d-\d\dT", second.stderr)
    assert first.returncode == 0, err[-3000:]
    assert {r[0] for r in runs(db)} == {runs(db)[0][0]}  # one run recorded: the first
    assert len(fake.accepted("POST", JOBS)) == 3


def test_sigterm_is_recorded_as_a_failed_step_and_releases_the_lock(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    faults = FaultConfig(scripted=[("GET " + AVAILABILITY, "slow")], slow_s=8.0)
    with small_fake("2024-05-17T06:30:00.000Z", faults) as fake:
        proc = _started_run(db, fake, lambda p: any(t.startswith(AVAILABILITY) for _, t in list(fake.received)),
                            "asked for availability")
        try:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 1, err[-3000:]
        assert "interrupted" in err
        steps = steps_of_last_run(db)
        assert {s: v[0] for s, v in steps.items()} == {"run": "failed", "extract": "failed", "land": "skipped",
                                                      "build": "skipped", "export": "skipped"}
        assert "interrupted" in steps["extract"][2]
        assert fake.accepted("POST", JOBS) == []
        # the lock went with the process: the next run goes ahead
        assert cx_run(db, fake, "--since", "2024-05-14", *QUICK).returncode == 0


def test_a_lock_file_left_by_a_killed_run_does_not_block(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from loaders.nightly import RunLock; "
                               f"RunLock.acquire({str(db)!r}, 'doomed'); print('held', flush=True); time.sleep(120)"],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=10)
    assert f'"pid": {holder.pid}' in lock_path(db).read_text()  # the file is still there, naming the dead pid
    with small_fake("2024-05-17T06:30:00.000Z") as fake:
        proc = cx_run(db, fake, "--since", "2024-05-14", *QUICK)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert steps_of_last_run(db)["run"][0] == "ok"


def test_a_failed_build_stops_the_run_with_exit_1_and_names_the_step(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    empty_profiles = tmp_path / "no-profiles"
    empty_profiles.mkdir()
    proc = cx_run(db, None, "--skip-extract", "--skip-export", "--profiles-dir", str(empty_profiles))
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "the build step failed" in proc.stderr and "dbt build exited" in proc.stderr
    steps = steps_of_last_run(db)
    assert {s: v[0] for s, v in steps.items()} == {"run": "failed", "extract": "skipped", "land": "skipped",
                                                  "build": "failed", "export": "skipped"}
    assert steps["export"][2] == "not run: the build step failed"


def test_help_documents_the_exit_codes() -> None:
    proc = subprocess.run([sys.executable, "-m", "loaders.cli", "run", "--help"], cwd=ROOT, capture_output=True,
                          text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=60)
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    for needle in ("--skip-export", "--dry-run", "--inbox", "ops.runs", "75 another cx run holds the run lock",
                   "3 the warehouse", "2 bad arguments", "1 a step failed", "0 every step ok"):
        assert needle in text, needle
    top = subprocess.run([sys.executable, "-m", "loaders.cli", "--help"], cwd=ROOT, capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=60)
    assert " run " in top.stdout


def test_the_nightly_build_leaves_unit_tests_out_unless_asked() -> None:
    from loaders.nightly import RunOptions, dbt_command

    cmd = dbt_command(RunOptions(exclude=["tag:slow"]))
    assert cmd[1] == "build" and cmd[cmd.index("--exclude") + 1:] == ["tag:slow", "resource_type:unit_test"]
    assert "resource_type:unit_test" not in dbt_command(RunOptions(unit_tests=True))
