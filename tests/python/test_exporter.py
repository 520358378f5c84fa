"""`cx export` against the fake Genesys Cloud over real HTTP, on a generated, landed and dbt-built warehouse.

One warehouse per module (demo profile, seed 42, 300 customers); every test exports from its own copy of
the database so ops.* starts empty. The fault-free baseline (a full export, then a second run) is shared.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from conftest import BIN, ROOT, run_dbt

from exporter.runner import Exporter, ExportOptions, TargetSummary
from exporter.targets import TARGETS, Unit, interpret_bulk_enrich, interpret_journey_events
from loaders.genesys import GenesysClient
from loaders.synthetic.fake_genesys import ConversationStore, FakeConfig, FakeGenesys, FaultConfig

WINDOW_S = 1.0  # the fake's rate window, scaled from 60 s so a full export takes seconds
EXPORT_MARTS = [f"export__{name}" for name in TARGETS]


@dataclass
class Built:
    data_dir: Path
    db: Path
    store: ConversationStore
    work: Path

    def copy(self, name: str) -> Path:
        target = self.work / f"{name}.duckdb"
        shutil.copy(self.db, target)
        return target


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    work = tmp_path_factory.mktemp("exporter")
    data_dir, db = work / "data", work / "warehouse.duckdb"
    for args in (["generate", "--profile", "demo", "--seed", "42", "--customers", "300", "--out", str(data_dir)],
                 ["load", str(data_dir), "--db", str(db)]):
        proc = subprocess.run([str(BIN / "cx"), *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-2000:]
    selector = " ".join(f"+{m}" for m in EXPORT_MARTS)
    # seeds and models upstream of the export marts (their data tests run in the domains' own suites)
    result = run_dbt(db, "build", "--select", selector, "--exclude", "resource_type:test", "resource_type:unit_test")
    assert result.returncode == 0, result.stdout[-3000:]
    store = ConversationStore.from_dir(data_dir / "genesys" / "conversations")
    return Built(data_dir, db, store, work)


def built_targets(db: Path) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = {r[0] for r in con.execute("select table_name from information_schema.tables "
                                           "where table_schema = 'marts'").fetchall()}
    finally:
        con.close()
    return [name for name in TARGETS if f"export__{name}" in names]


def fake_for(built: Built, faults: FaultConfig | None = None) -> FakeGenesys:
    return FakeGenesys(FakeConfig(rate_allowed=300, rate_window_s=WINDOW_S, faults=faults or FaultConfig()),
                       built.store)


def export(db: Path, fake: FakeGenesys, **options: Any) -> list[TargetSummary]:
    names = options.pop("names", None)
    client = GenesysClient.from_env(fake.client_env(), rate_window_s=WINDOW_S, backoff_base_s=0.01)
    opts = ExportOptions(**{"workers": 8, "not_found_backoff_s": 0.02, "transient_backoff_s": 0.05, **options})
    exporter = Exporter(db, client, opts)  # the file, as `cx export` passes it: its lock taken per step
    try:
        return exporter.run(names)
    finally:
        exporter.close()
        client.close()


def by_target(summaries: list[TargetSummary]) -> dict[str, TargetSummary]:
    return {s.target: s for s in summaries}


def fake_records(fake: FakeGenesys) -> dict[str, Any]:
    """Everything the fake accepted, as comparable plain data."""
    state = fake.api.state
    return {
        "participant_attributes": {f"{c}/{p}": v for (c, p), v in state.participant_attributes.items()},
        "contact_lists": state.contact_lists,
        "external_events": state.external_events,
        "contacts": state.contacts,
    }


def accepted_units(fake: FakeGenesys) -> Counter[str]:
    """Each unit the fake accepted, counted once per accepting request (duplicates show as counts > 1)."""
    seen: Counter[str] = Counter()
    for r in fake.accepted():
        if r.status >= 300:
            continue
        if r.method == "PATCH":
            seen[r.path] += 1
        elif "/journey/" in r.path:
            seen.update(f"event:{e['id']}" for e in r.body["entities"])
        elif "/outbound/" in r.path:
            seen.update(f"contact:{c['id']}" for c in r.body)
        elif "/enrich" in r.path:
            seen.update(f"enrich:{json.dumps(e['matchingIdentifiers'], sort_keys=True)}" for e in r.body["entities"])
    return seen


def mart_rows(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"select count(*) from marts.export__{t}").fetchone()[0] for t in built_targets(db)}
    finally:
        con.close()


@dataclass
class Baseline:
    first: dict[str, TargetSummary]
    second: dict[str, TargetSummary]
    records: dict[str, Any]
    units: Counter[str]
    requests_second_run: int
    log: str


@pytest.fixture(scope="module")
def baseline(built: Built) -> Baseline:
    """A fault-free full export and a second run with no data change, with every log line captured."""
    db = built.copy("baseline")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        with fake_for(built) as fake:
            first = by_target(export(db, fake))
            before = len(fake.accepted())
            second = by_target(export(db, fake))
            requests_second = len(fake.accepted()) - before
            return Baseline(first, second, fake_records(fake), accepted_units(fake), requests_second,
                            stream.getvalue())
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


# -- must show -------------------------------------------------------------------------------------------
def test_full_export_then_unchanged_second_run_sends_nothing(built: Built, baseline: Baseline) -> None:
    rows = mart_rows(built.db)
    assert "participant_attributes" in rows and rows["participant_attributes"] > 1000
    for target, n in rows.items():
        first, second = baseline.first[target], baseline.second[target]
        assert (first.status, first.sent, first.dead_lettered, first.unsent) == ("done", n, 0, 0), first
        assert (second.status, second.sent, second.unchanged, second.requests) == ("done", 0, n, 0), second
    assert baseline.requests_second_run == 0
    assert all(count == 1 for count in baseline.units.values())
    assert len(baseline.records["participant_attributes"]) == rows["participant_attributes"]
    if "outbound_contacts" in rows:
        first = baseline.first["outbound_contacts"]
        assert first.requests == -(-rows["outbound_contacts"] // 1000)  # ≤ 1,000 contacts per request
    one = next(iter(baseline.records["participant_attributes"].values()))
    assert set(one) >= {"cx_ces_score", "cx_ces_high_effort"} and all(isinstance(v, str) for v in one.values())


def test_journey_entity_ids_are_deterministic_uuids_of_the_request_id(built: Built, baseline: Baseline) -> None:
    if "journey_external_events" not in mart_rows(built.db):
        pytest.skip("journey export mart not built")
    con = duckdb.connect(str(built.db), read_only=True)
    rows = con.execute("select export_key, entity_id from marts.export__journey_external_events").fetchall()
    con.close()
    for request_id, entity_id in rows[:200]:
        digest = hashlib.md5(f"cx-analytics:journey-event:{request_id}".encode()).hexdigest()
        expected = f"{digest[:8]}-{digest[8:12]}-3{digest[13:16]}-8{digest[17:20]}-{digest[20:32]}"
        assert entity_id == expected and uuid.UUID(entity_id).version == 3
    events = next(iter(baseline.records["external_events"].values()))
    assert {e for e in events} == {r[1] for r in rows}


def test_ten_percent_faults_end_in_the_same_accepted_records(built: Built, baseline: Baseline) -> None:
    faults = FaultConfig(seed=11, rate_429=0.04, rate_5xx=0.03, rate_drop=0.03, retry_after_s=0.02)
    db = built.copy("faults")
    with fake_for(built, faults) as fake:
        summaries = by_target(export(db, fake))
        injected = dict(fake.faults.injected)
        records, units = fake_records(fake), accepted_units(fake)
    assert injected.get("429", 0) > 10 and injected.get("5xx", 0) > 10 and injected.get("drop", 0) > 10, injected
    assert all(s.status in ("done", "not built") and s.unsent == 0 and s.dead_lettered == 0
               for s in summaries.values()), summaries
    assert records == baseline.records  # none missing
    assert units == baseline.units and all(c == 1 for c in units.values())  # none duplicated


def test_killed_export_resumes_to_the_same_final_state(built: Built, baseline: Baseline) -> None:
    db = built.copy("killed")
    rng = random.Random(2024)
    kill_after = rng.randint(150, 900)  # accepted requests before the kill: somewhere mid-run
    with fake_for(built) as fake:
        env = dict(os.environ, **fake.client_env(), GENESYS_RATE_WINDOW_S=str(WINDOW_S))
        cmd = [str(BIN / "cx"), "export", "--db", str(db), "--quiet", "--workers", "4"]
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while len(fake.accepted()) < kill_after and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert proc.poll() is None, "the export finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        _, killed_err = proc.communicate(timeout=30)
        at_kill = len(fake.accepted())
        rerun = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        records, units = fake_records(fake), accepted_units(fake)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert 0 < at_kill < sum(baseline.units.values())
    assert records == baseline.records
    assert set(units) == set(baseline.units)
    resent = sum(c - 1 for c in units.values())
    assert resent <= 4 * TARGETS["outbound_contacts"].max_units  # at most the batches in flight
    if "participant_attributes" in mart_rows(built.db):
        patches_resent = sum(c - 1 for k, c in units.items() if k.startswith("/api/v2/conversations/"))
        assert patches_resent <= 4  # 4 workers: at most 4 PATCHes were in flight
    assert "Traceback" not in rerun.stderr + killed_err


WRITER = """
import sys, time
from loaders.db import connect
started = time.monotonic()
con = connect(sys.argv[1], wait=5)  # a short wait covers a state commit in progress, not a whole run
con.execute("create or replace table main.other_writer as select 1 as x")
con.close()
print(f"{time.monotonic() - started:.3f}")
"""


def test_another_process_can_write_the_warehouse_while_an_export_waits_on_the_api(built: Built) -> None:
    db = built.copy("concurrent")
    slow = FaultConfig(rate_slow=1.0, slow_s=0.25)  # every request is answered after 0.25 s
    with fake_for(built, slow) as fake:
        env = dict(os.environ, **fake.client_env(), GENESYS_RATE_WINDOW_S=str(WINDOW_S))
        cmd = [str(BIN / "cx"), "export", "--db", str(db), "--quiet", "--workers", "2",
               "--target", "participant_attributes", "--limit", "60"]
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while len(fake.accepted("PATCH")) < 6 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, "the export finished before the second writer could try"
        waits = []
        for _ in range(3):  # a load, a dbt build, another load: each gets in while the export is mid-run
            writer = subprocess.run([sys.executable, "-c", WRITER, str(db)], cwd=ROOT, capture_output=True,
                                    text=True, timeout=60)
            assert writer.returncode == 0, writer.stderr[-2000:]
            waits.append(float(writer.stdout))
        mid_run = proc.poll() is None
        _, err = proc.communicate(timeout=120)
        patched = len({r.path for r in fake.accepted("PATCH") if r.status < 300})
    assert mid_run and proc.returncode == 0, err[-2000:]
    assert max(waits) < 2.0, waits  # never held for long
    assert patched == 60
    con = duckdb.connect(str(db), read_only=True)
    acked = con.execute("select count(*) from ops.export_state where target = 'participant_attributes'").fetchone()
    other = con.execute("select count(*) from main.other_writer").fetchone()
    con.close()
    assert acked == (60,) and other == (1,)


HOLDER = """
import sys, time
from loaders.db import connect
con = connect(sys.argv[1], wait=10)
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def test_a_warehouse_locked_past_the_wait_mid_run_stops_cleanly_and_the_next_run_completes(built: Built) -> None:
    import threading

    db = built.copy("locked_mid_run")
    slow = FaultConfig(rate_slow=1.0, slow_s=0.2)
    with fake_for(built, slow) as fake:
        result: list[list[TargetSummary]] = []
        thread = threading.Thread(target=lambda: result.append(export(
            db, fake, names=["participant_attributes", "outbound_contacts"], limit=40, workers=2, run_wait_s=0.5)))
        thread.start()
        deadline = time.monotonic() + 60
        while len(fake.accepted("PATCH")) < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), "4"], cwd=ROOT, stdout=subprocess.PIPE,
                                  text=True)
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        thread.join(timeout=60)
        holder.wait(timeout=30)
        first = by_target(result[0])
        again = by_target(export(db, fake, names=["participant_attributes", "outbound_contacts"], limit=40))
        patched = {r.path for r in fake.accepted("PATCH") if r.status < 300}
    stopped = first["participant_attributes"]
    assert (stopped.status, stopped.locked) == ("aborted", True), stopped
    assert "still locked" in stopped.message and f"PID {holder.pid}" in stopped.message
    assert "sent again on the next run" in stopped.message
    assert first["outbound_contacts"].status == "aborted"  # the run stopped: later targets not started
    assert again["participant_attributes"].status == "done"
    # every one of the first 40 rows is delivered and recorded (the unrecorded ones were sent again)
    first_40 = _first_conversations(db, 40)
    assert all(any(f"/conversations/{cid}/" in p for p in patched) for cid in first_40)
    con = duckdb.connect(str(db), read_only=True)
    acked = {r[0] for r in con.execute(
        "select export_key from ops.export_state where target = 'participant_attributes'").fetchall()}
    con.close()
    assert set(first_40) <= acked


def test_logs_of_a_full_export_hold_no_pii_or_secrets(built: Built, baseline: Baseline) -> None:
    log_text = baseline.log
    assert "participant_attributes" in log_text and "sent" in log_text  # the log really was captured
    emails, phones, names = set(), set(), set()
    for path in (built.data_dir / "customers").glob("*.csv"):
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if (row.get("email") or "").strip():
                    emails.add(row["email"].strip().lower())
                phone = (row.get("phone") or "").strip()
                if phone:
                    phones.add(phone)
                    digits = re.sub(r"\D", "", phone)
                    if len(digits) >= 7:
                        phones.add(digits)
                for column in ("first_name", "last_name"):
                    name = (row.get(column) or "").strip()
                    if len(name) >= 3:
                        names.add(name)
                if row.get("first_name") and row.get("last_name"):
                    names.add(f"{row['first_name'].strip()} {row['last_name'].strip()}")
    assert len(emails) > 100 and len(phones) > 100 and len(names) > 100
    lowered = log_text.lower()
    words = set(re.findall(r"[^\W\d_]+", log_text))  # letter runs: a name is leaked when it is one
    digit_runs = set(re.findall(r"\d{7,}", re.sub(r"[\s().-]", "", log_text)))
    leaked = [e for e in emails if e in lowered]
    leaked += [p for p in phones if p in log_text or re.sub(r"\D", "", p) in digit_runs]
    leaked += [n for n in names if (" " not in n and n in words) or (" " in n and n in log_text)]
    assert not leaked, f"PII in the export log: {leaked[:5]}"
    for secret in ("fake-client-secret", "Bearer ", "access_token"):
        assert secret not in log_text


# -- failure handling ------------------------------------------------------------------------------------
def _first_conversations(db: Path, n: int) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return [r[0] for r in con.execute(
            "select conversation_id from marts.export__participant_attributes order by export_key limit ?", [n]
        ).fetchall()]
    finally:
        con.close()


def test_dead_letters_404_backoff_and_expiry(built: Built) -> None:
    db = built.copy("dead")
    first = _first_conversations(db, 3)
    scripted = [(f"PATCH /api/v2/conversations/{cid}/", status) for cid, status in zip(first, ("410", "409", "400"),
                                                                                       strict=True)]
    faults = FaultConfig(patch_404_first_n=1, scripted=scripted)
    with fake_for(built, faults) as fake:
        run1 = by_target(export(db, fake, names=["participant_attributes"], limit=20))["participant_attributes"]
        con = duckdb.connect(str(db), read_only=True)
        letters = con.execute("select export_key, http_status, reason, api_message, attempts "
                              "from ops.export_dead_letters order by export_key").fetchall()
        con.close()
        # the next run re-sends the dead letters (the fake accepts them now) and resolves them
        # (the three are the first keys, so --limit 3 selects exactly them)
        run2 = by_target(export(db, fake, names=["participant_attributes"], limit=3))["participant_attributes"]
    assert (run1.sent, run1.dead_lettered, run1.unsent) == (17, 3, 0)
    assert run1.retried == 17  # every accepted conversation was 404 ("not yet visible") once, then retried
    assert {(k, s, r) for k, s, r, _, _ in letters} == {
        (first[0], 410, "Score Calculation Failed"), (first[1], 409, "Score Calculation Failed"),
        (first[2], 400, "rejected by the API (bad request)")}
    assert all(message for *_, message, _ in letters)  # the API's message is kept (in ops, not in logs)
    assert (run2.sent, run2.retried, run2.dead_lettered) == (3, 3, 0)

    # a dead letter older than the allowed age is not sent again
    db2 = built.copy("expired")
    with fake_for(built, FaultConfig(scripted=[(f"PATCH /api/v2/conversations/{first[0]}/", "410")])) as fake:
        export(db2, fake, names=["participant_attributes"], limit=5)
        before = len(fake.accepted())
        again = by_target(export(db2, fake, names=["participant_attributes"], limit=5,
                                 dead_letter_max_age=timedelta(0)))["participant_attributes"]
        later = fake.accepted()[before:]
    assert not any(first[0] in r.path for r in later)  # the expired dead letter was not sent
    assert (again.expired, again.sent, again.retried) == (1, 5, 0)
    con = duckdb.connect(str(db2), read_only=True)
    expired = con.execute("select count(*) from ops.export_dead_letters where expired_at is not null").fetchone()[0]
    con.close()
    assert expired == 1


def test_404_that_never_clears_is_dead_lettered_after_the_retries(built: Built) -> None:
    db = built.copy("notfound")
    with fake_for(built, FaultConfig(patch_404_first_n=10)) as fake:
        s = by_target(export(db, fake, names=["participant_attributes"], limit=2, not_found_retries=2))
        sends = [r for r in fake.accepted("PATCH")]
    summary = s["participant_attributes"]
    assert (summary.sent, summary.dead_lettered) == (0, 2)
    assert len(sends) == 2 * 3  # first send + 2 retries each


def test_403_stops_the_target_naming_it_and_400_splits_a_batch(built: Built) -> None:
    if "outbound_contacts" not in mart_rows(built.db):
        pytest.skip("outbound export mart not built")
    db = built.copy("forbidden")
    with fake_for(built, FaultConfig(scripted=[("POST /api/v2/outbound/", "403")])) as fake:
        s = by_target(export(db, fake, names=["outbound_contacts", "journey_external_events"]))
    stopped = s["outbound_contacts"]
    assert stopped.status == "stopped" and stopped.sent == 0 and stopped.unsent == stopped.pending
    assert "outbound_contacts" in stopped.message and "/api/v2/outbound/contactlists/" in stopped.message
    assert "403" in stopped.message
    assert s["journey_external_events"].status in ("done", "not built")

    db = built.copy("split")
    with fake_for(built, FaultConfig(scripted=[("POST /api/v2/outbound/", "400")])) as fake:
        s = by_target(export(db, fake, names=["outbound_contacts"]))["outbound_contacts"]
        sizes = [len(r.body) for r in fake.accepted("POST", "/api/v2/outbound/") if r.status < 300]
    # the whole batch was refused once: split in halves, both accepted — nothing dead-lettered for it
    assert s.sent == s.pending and s.dead_lettered == 0 and len(sizes) == 2


HOSTILE_IDS = [  # (mart column, value): each must be dead-lettered, none may reach a path outside /api/v2/
    ("conversation_id", "x/../../../users/me?a="),  # issue 13: became an authenticated PATCH /api/users/me
    ("participant_id", "../../../../users/me"),
    ("conversation_id", "%2e%2e%2f%2e%2e%2fusers%2fme"),
    ("participant_id", "p#/../../../users/me"),
    ("conversation_id", "..\\..\\users"),
]


def _plant_hostile_ids(db: Path, n: int) -> list[str]:
    """Put HOSTILE_IDS into the first rows of the participant mart (request_path rebuilt the mart's way)."""
    keys = _first_conversations(db, n)
    con = duckdb.connect(str(db))
    try:
        for key, (column, value) in zip(keys, HOSTILE_IDS, strict=False):
            con.execute(f"update marts.export__participant_attributes set {column} = ? where export_key = ?",
                        [value, key])
            con.execute("update marts.export__participant_attributes set request_path = '/api/v2/conversations/' "
                        "|| conversation_id || '/participants/' || participant_id || '/attributes' "
                        "where export_key = ?", [key])
    finally:
        con.close()
    return keys


def test_hostile_ids_are_dead_lettered_naming_the_field_and_nothing_leaves_api_v2(built: Built) -> None:
    db = built.copy("hostile")
    keys = _plant_hostile_ids(db, 10)
    with fake_for(built) as fake:
        s = by_target(export(db, fake, names=["participant_attributes"], limit=10))["participant_attributes"]
        outside = fake.received_outside()
        patches = [t for m, t in fake.received if m == "PATCH"]
    assert outside == []
    assert not any(".." in t or "users" in t or "%" in t for t in patches), patches
    assert (s.status, s.sent, s.dead_lettered, s.unsent) == ("done", 10 - len(HOSTILE_IDS), len(HOSTILE_IDS), 0)
    con = duckdb.connect(str(db), read_only=True)
    letters = dict(con.execute("select export_key, reason from ops.export_dead_letters").fetchall())
    con.close()
    assert set(letters) == set(keys[:len(HOSTILE_IDS)])
    for key, (column, value) in zip(keys, HOSTILE_IDS, strict=False):
        assert letters[key].startswith(f"unsafe request path: {column} ") and value not in letters[key]


def test_request_paths_are_rebuilt_from_encoded_segments_or_refused_naming_the_field() -> None:
    from exporter.targets import UnsafePathError

    patch = TARGETS["participant_attributes"]
    unit = Unit("k", "PATCH", "/ignored", "{}", "h", fields={"conversationId": "c 1", "participantId": "p:2"})
    assert patch.request_path(unit) == "/api/v2/conversations/c%201/participants/p%3A2/attributes"
    journey = TARGETS["journey_external_events"]
    ok = "/api/v2/journey/externalevents/configurations/00000000-0000-0000-0000-000000000001/events"
    assert journey.request_path(Unit("k", "POST", ok, "{}", "h")) == ok
    for path, field in (("/api/v2/journey/externalevents/configurations/a/../b/events", "request_path"),
                        ("/api/v2/journey/externalevents/configurations/%2e%2e/events", "configurationId"),
                        ("/api/v2/journey/externalevents/configurations/../events", "configurationId"),
                        ("/api/v2/users/me", "request_path")):
        with pytest.raises(UnsafePathError) as info:
            journey.request_path(Unit("k", "POST", path, "{}", "h"))
        assert info.value.field.startswith(field) and "users" not in str(info.value)


def test_dry_run_writes_requests_and_changes_nothing(built: Built, tmp_path: Path) -> None:
    db = built.copy("dry")
    out = tmp_path / "dry"
    proc = subprocess.run([str(BIN / "cx"), "export", "--dry-run", "--db", str(db), "--out", str(out), "--quiet"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={k: v for k, v in os.environ.items() if not k.startswith("GENESYS_")})
    assert proc.returncode == 0, proc.stderr[-2000:]
    for target, n in mart_rows(db).items():
        lines = [json.loads(line) for line in (out / f"{target}.ndjson").read_text().splitlines()]
        assert sum(len(line["keys"]) for line in lines) == n
        assert all(len(line["keys"]) <= TARGETS[target].max_units for line in lines)
    con = duckdb.connect(str(db), read_only=True)
    schemas = {r[0] for r in con.execute("select schema_name from information_schema.schemata").fetchall()}
    con.close()
    assert "ops" not in schemas


def _pii_values(db: Path) -> set[str]:
    """Every personal value the golden profiles hold (what --redact must not write)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("select first_name, last_name, email, phone_e164, street, city, postcode "
                           "from marts.dim_customers").fetchall()
    finally:
        con.close()
    return {str(v) for row in rows for v in row if v is not None and str(v).strip()}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_dry_run_files_are_private_and_redact_replaces_personal_values(built: Built, tmp_path: Path) -> None:
    db = built.copy("dry_private")
    pii = _pii_values(db)
    assert len(pii) > 500
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENESYS_")}
    full, redacted = tmp_path / "full" / "out", tmp_path / "redacted"
    redacted.mkdir(mode=0o755)
    (redacted / "external_contacts.ndjson").write_text("old\n")
    (redacted / "external_contacts.ndjson").chmod(0o644)  # an earlier run's file, readable by others
    for out, extra in ((full, []), (redacted, ["--redact"])):
        proc = subprocess.run(["sh", "-c", 'umask 022 && exec "$@"', "sh", str(BIN / "cx"), "export", "--dry-run",
                               "--db", str(db), "--out", str(out), "--quiet", *extra],
                              cwd=ROOT, capture_output=True, text=True, timeout=60, env=env)
        assert proc.returncode == 0, proc.stderr[-2000:]
    targets = built_targets(db)
    assert _mode(full) == 0o700  # created by the run
    for out in (full, redacted):
        for target in targets:
            assert _mode(out / f"{target}.ndjson") == 0o600, (out, target)

    def lines(out: Path, target: str) -> list[dict[str, Any]]:
        return [json.loads(line) for line in (out / f"{target}.ndjson").read_text().splitlines()]

    # without --redact the payloads are complete (the behaviour kept), with it no personal value is left
    assert pii & {v for line in lines(full, "external_contacts") for v in _strings(line["body"])}
    for target in targets:
        values = {v for line in lines(redacted, target) for v in _strings(line)}
        assert not (pii & values), (target, sorted(pii & values)[:5])
    # keys, ids and non-personal values stay; only personal values became the marker
    contact_full = lines(full, "external_contacts")[0]["body"]["entities"][0]
    contact = lines(redacted, "external_contacts")[0]["body"]["entities"][0]
    assert contact["action"] == "Upsert" and set(contact["contact"]) == set(contact_full["contact"])
    assert contact["contact"]["firstName"] == "[redacted]" and contact["contact"]["customFields"] == (
        contact_full["contact"]["customFields"])
    assert contact["contact"]["address"]["countryCode"] == contact_full["contact"]["address"]["countryCode"]
    for ident, ident_full in zip(contact["matchingIdentifiers"], contact_full["matchingIdentifiers"], strict=True):
        assert ident["type"] == ident_full["type"]
        assert ident["value"] == ("[redacted]" if ident["type"] in ("Phone", "Email") else ident_full["value"])
    if "outbound_contacts" in targets:
        row = lines(redacted, "outbound_contacts")[0]["body"][0]
        row_full = lines(full, "outbound_contacts")[0]["body"][0]
        assert row["data"]["PhoneNumber"] == "[redacted]" and row["callable"] == row_full["callable"]
        assert {k: v for k, v in row["data"].items() if k != "PhoneNumber"} == {
            k: v for k, v in row_full["data"].items() if k != "PhoneNumber"}
        assert row["phoneNumberStatus"] == row_full["phoneNumberStatus"]
    for target in ("participant_attributes", "journey_external_events"):  # no personal data in them
        if target in targets:
            assert lines(redacted, target) == lines(full, target)


def test_dead_letters_of_a_redact_run_hold_no_personal_values(built: Built) -> None:
    pii = _pii_values(built.db)
    payloads = {}
    for redact in (False, True):
        db = built.copy(f"dead_redact_{redact}")
        with fake_for(built, FaultConfig(scripted=[("POST /api/v2/externalcontacts/bulk/", "400")])) as fake:
            s = by_target(export(db, fake, names=["external_contacts"], limit=1, redact=redact))
        assert s["external_contacts"].dead_lettered == 1
        con = duckdb.connect(str(db), read_only=True)
        payloads[redact] = con.execute("select payload, api_message from ops.export_dead_letters").fetchone()
        con.close()
    full, redacted = (json.loads(payloads[r][0]) for r in (False, True))
    assert pii & set(_strings(full))  # dead letters keep the full payload unless --redact
    assert not pii & set(_strings(redacted)) and "[redacted]" in payloads[True][0]
    assert redacted["contact"]["customFields"] == full["contact"]["customFields"]
    assert payloads[True][1]  # the API's message is kept


def test_redaction_rule_replaces_personal_values_and_keeps_the_rest() -> None:
    from exporter.redact import MARKER, redact_message, redact_payload

    enrich = {"matchingIdentifiers": [{"type": "ExternalId", "value": "cust-1", "externalSource": {"id": "s"}},
                                      {"type": "Phone", "value": "+15551234567"},
                                      {"type": "Email", "value": "ann@example.com"}],
              "action": "Upsert",
              "contact": {"firstName": "Ann", "lastName": "Lee", "personalEmail": "ann@example.com",
                          "cellPhone": {"e164": "+15551234567"},
                          "address": {"address1": "1 Main St", "city": "Springfield", "postalCode": "12345",
                                      "countryCode": "US"},
                          "customFields": {"cx_ces_last_number": 3.5, "cx_propensity_tier_text": "high"}}}
    out = json.loads(redact_payload(json.dumps(enrich)))
    assert [i["value"] for i in out["matchingIdentifiers"]] == ["cust-1", MARKER, MARKER]
    contact = out["contact"]
    assert [contact[k] for k in ("firstName", "lastName", "personalEmail")] == [MARKER] * 3
    assert contact["cellPhone"] == {"e164": MARKER}
    assert contact["address"] == {"address1": MARKER, "city": MARKER, "postalCode": MARKER, "countryCode": "US"}
    assert contact["customFields"] == enrich["contact"]["customFields"] and out["action"] == "Upsert"
    dialer = {"id": "c1", "data": {"PhoneNumber": "+15551234567", "PropensityTier": "high"}, "callable": True,
              "phoneNumberStatus": {"PhoneNumber": {"callable": True}}}
    out = json.loads(redact_payload(json.dumps(dialer)))
    assert out["data"] == {"PhoneNumber": MARKER, "PropensityTier": "high"}
    assert out["phoneNumberStatus"] == dialer["phoneNumberStatus"] and out["callable"] is True
    event = {"id": "e", "attributes": {"event_type": "web.session", "note": "call me at +44 20 7946 0958",
                                       "contact": "bob@example.org", "pages_viewed": 3}}
    out = json.loads(redact_payload(json.dumps(event)))
    assert out["attributes"] == {"event_type": "web.session", "note": f"call me at {MARKER}",
                                 "contact": MARKER, "pages_viewed": 3}
    message = "Invalid email ann@example.com for Ann Lee (+15551234567)"
    assert redact_message(message, json.dumps(enrich)) == f"Invalid email {MARKER} for {MARKER} {MARKER} ({MARKER})"


def test_cli_help_documents_dry_run_permissions_and_redact() -> None:
    proc = subprocess.run([str(BIN / "cx"), "export", "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=30)
    text = " ".join(proc.stdout.split())
    assert "--redact" in text and "0600" in text and "0700" in text and "personal data" in text


# -- per-entity answers inside a 200 ---------------------------------------------------------------------
def _units(n: int) -> list[Unit]:
    return [Unit(f"k{i}", "POST", "/x", json.dumps({"i": i}), f"h{i}") for i in range(n)]


def test_partial_failures_inside_a_200_are_decided_per_entity() -> None:
    units = _units(3)
    journey = httpx.Response(200, json={"unprocessedEntities": [
        {"originalRequestIndex": 1, "isRetryable": True, "statusCode": 503, "errorMessage": "busy"},
        {"originalRequestIndex": 2, "isRetryable": False, "statusCode": 400, "errorMessage": "bad"}]})
    out = interpret_journey_events(TARGETS["journey_external_events"], units, journey)
    assert [(o.ok, o.retryable, o.status) for o in out] == [(True, False, 200), (False, True, 503), (False, False, 400)]
    enrich = httpx.Response(200, json={"results": [
        {"success": True}, {"success": False, "error": {"status": 429, "code": "too.many.requests"}},
        {"success": False, "error": {"status": 409, "code": "conflict", "message": "exists"}}]})
    out = interpret_bulk_enrich(TARGETS["external_contacts"], units, enrich)
    assert [(o.ok, o.retryable, o.status) for o in out] == [(True, False, 200), (False, True, 429), (False, False, 409)]
    short = interpret_bulk_enrich(TARGETS["external_contacts"], units, httpx.Response(200, json={"results": []}))
    assert all(not o.ok and o.retryable for o in short)


def test_cli_help_lists_targets() -> None:
    proc = subprocess.run([str(BIN / "cx"), "export", "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=30)
    assert proc.returncode == 0
    for name in TARGETS:
        assert name in proc.stdout
    assert "--dry-run" in proc.stdout and "--limit" in proc.stdout


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
