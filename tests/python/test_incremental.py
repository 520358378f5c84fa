"""Nightly incremental builds equal one full refresh (issue 16).

A small generated data set holds its last days back (``--hold-out-days``). Warehouse B is built the way a site
runs nightly: land the history, ``dbt build``; then per held-out day, land that day's files and ``dbt build``
again (incremental models process only what was landed since), each build with that night's reference time.
Warehouse A is a copy of B's raw data (same rows, same landing times) built once with ``--full-refresh``.
Every mart must be equal row for row, and so must every incremental model.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from conftest import BIN, ROOT, query, run_dbt

from loaders.compare import compare
from loaders.landing import land_directory
from loaders.synthetic.generator import generate

HELD_OUT_DAYS = 3
VOLUMES = {"customers": 500, "conversations": 2500, "touches": 2500, "conversions": 150, "crm_events": 3000}
# logs of what each run changed: one full refresh writes one entry per record, nightly runs one per change
RUN_LOGS = frozenset({"customer_key_events", "int_identity__key_assignments",
                      # every version's blocking keys: nightly runs keep the old versions' keys, a full refresh has none
                      "int_identity__block_keys"})


def _land(db: Path, directory: Path) -> None:
    con = duckdb.connect(str(db))
    try:
        land_directory(con, directory)
    finally:
        con.close()


def _build(db: Path, reference_time: datetime, *args: str) -> None:
    os.environ["CX_REFERENCE_TIME"] = reference_time.strftime("%Y-%m-%d %H:%M:%S")
    try:
        # identity re-estimates its parameters every night here, as a full refresh does (by default weekly:
        # test_frozen_parameters_score_only_changed_pairs)
        result = run_dbt(db, "build", *args, vars={"identity_weights_max_age_days": 0})
    finally:
        del os.environ["CX_REFERENCE_TIME"]
    assert result.returncode == 0 and not result.failures(), result.stdout[-4000:]


def _incremental_models() -> set[str]:
    return {
        path.stem
        for path in (ROOT / "models").rglob("*.sql")
        if "materialized='incremental'" in path.read_text(encoding="utf-8").replace('"', "'")
    }


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("incremental")
    data = root / "data"
    # 20 customer records a day change (email, phone, address, last name): blocks, pairs and clusters must follow
    manifest = generate("demo", 11, data, VOLUMES, hold_out_days=HELD_OUT_DAYS, changed_records_per_day=20)
    days = list(manifest["held_out_days"]["days"])
    nightly = root / "nightly" / "warehouse.duckdb"
    nightly.parent.mkdir()
    _land(nightly, data)
    first_day = datetime.fromisoformat(days[0])
    _build(nightly, first_day)  # the night before the first held-out day
    for day in days:
        _land(nightly, data / "days" / day)
        _build(nightly, datetime.fromisoformat(day) + timedelta(days=1))

    full = root / "full" / "warehouse.duckdb"
    full.parent.mkdir()
    shutil.copy(nightly, full)  # the same raw rows, landed at the same times
    _build(full, datetime.fromisoformat(days[-1]) + timedelta(days=1), "--full-refresh")
    return nightly, full


def test_nightly_incremental_builds_equal_one_full_refresh(warehouses: tuple[Path, Path]) -> None:
    nightly, full = warehouses
    con = duckdb.connect()
    con.execute(f"attach '{nightly}' as nightly (read_only)")
    con.execute(f"attach '{full}' as full_refresh (read_only)")
    equal, differences = compare(con, "nightly", "full_refresh", ("marts",), skip=RUN_LOGS)
    assert not differences, "\n".join(map(str, differences))
    assert {"dim_customers", "customer_identity_map", "fct_conversation_effort", "fct_attribution_credit",
            "contact_engagement_profile"} <= set(equal)
    assert len(equal) >= 20
    # the incremental models themselves, wherever they live
    incremental = _incremental_models()
    equal_inner, differences = compare(con, "nightly", "full_refresh", ("staging", "intermediate"), skip=RUN_LOGS)
    differences = [d for d in differences if d.relation in incremental]
    assert not differences, "\n".join(map(str, differences))
    assert incremental - RUN_LOGS <= set(equal_inner) | set(equal)
    # the data really arrived night by night: the held-out days' rows were landed by later loads
    loads = con.execute("select count(distinct _loaded_at) from nightly.raw.genesys_conversations").fetchone()[0]
    assert loads >= HELD_OUT_DAYS + 1


def test_key_assignments_agree_on_each_records_current_key(warehouses: tuple[Path, Path]) -> None:
    """The assignment log (customer_key_events' input) differs by design — one entry per record from a full refresh,
    one per change from nightly runs — but its latest entry per record must agree, and with the identity map."""
    nightly, full = warehouses
    con = duckdb.connect()
    con.execute(f"attach '{nightly}' as nightly (read_only)")
    con.execute(f"attach '{full}' as full_refresh (read_only)")
    latest = """
        select customer_record_key, arg_max(customer_key, assigned_at) as customer_key
        from {db}.intermediate.int_identity__key_assignments group by 1
    """
    query = f"({latest.format(db='nightly')}) except ({latest.format(db='full_refresh')})"
    assert con.execute(query).fetchall() == []
    # and both agree with the identity map
    current = "select customer_record_key, customer_key from nightly.marts.customer_identity_map"
    assert con.execute(f"({latest.format(db='nightly')}) except ({current})").fetchall() == []


def test_json_payloads_are_identical_text(warehouses: tuple[Path, Path]) -> None:
    """The exporter compares payload hashes: an incremental build must not give a re-ordered JSON text."""
    nightly, full = warehouses
    con = duckdb.connect()
    con.execute(f"attach '{nightly}' as nightly (read_only)")
    con.execute(f"attach '{full}' as full_refresh (read_only)")
    for mart, key in (("export__journey_external_events", "payload_hash"),
                      ("export__participant_attributes", "payload_hash")):
        query = f"select {key} from nightly.marts.{mart} except select {key} from full_refresh.marts.{mart}"
        assert con.execute(query).fetchall() == [], mart


def test_engagement_snapshots_meet_the_nights_before_at_any_time_of_day(
    warehouses: tuple[Path, Path], tmp_path: Path
) -> None:
    """Two more nights, at 02:30 and the next day at 02:10, with nothing landed. The past snapshots sit on
    midnights, so the second night computes two snapshots (now, and the midnight just passed) of every contact
    whose inputs did not change, all 14 of a contact whose inputs changed (an event that was in the future is
    valid now), and the engagement models equal a full refresh at the same time."""
    nightly, _ = warehouses
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(nightly, db)
    features = "intermediate.int_engagement__contact_features_daily"
    last = query(db, f"select max(snapshot_at) from {features}")[0][0]
    selection = ("--select", "int_engagement__contact_features_daily+", "--exclude", "resource_type:unit_test")
    digests = f"select contact_key, min(inputs_digest) from {features} group by 1"
    _build(db, last + timedelta(hours=2, minutes=30), *selection)
    before = dict(query(db, digests))
    second = last + timedelta(days=1, hours=2, minutes=10)
    _build(db, second, *selection)
    after = dict(query(db, digests))
    assert set(before) == set(after) and len(after) > 100
    changed = sum(before[key] != after[key] for key in after)
    latest = f"select count(*) from {features} where computed_at = (select max(computed_at) from {features})"
    computed = query(db, latest)
    assert computed[0][0] == 14 * changed + 2 * (len(after) - changed)
    assert query(db, f"select count(distinct snapshot_at), min(snapshot_at), max(snapshot_at) from {features}") == [
        (14, datetime.combine(second.date(), datetime.min.time()) - timedelta(days=12), second)]
    full = tmp_path / "full.duckdb"
    shutil.copy(db, full)
    _build(full, second, "--full-refresh", *selection)
    con = duckdb.connect()
    con.execute(f"attach '{db}' as nightly (read_only)")
    con.execute(f"attach '{full}' as full_refresh (read_only)")
    equal, differences = compare(con, "nightly", "full_refresh", ("intermediate", "marts"), skip=RUN_LOGS)
    assert not differences, "\n".join(map(str, differences))
    assert {"int_engagement__contact_features_daily", "int_engagement__contact_scores_daily",
            "contact_engagement_profile", "contact_engagement_score_history", "outbound_eligibility"} <= set(equal)


HAND_MAPPING = "id=source_record_id,first=first_name,last=last_name,email=email,phone=phone,changed=updated_at"


def _land_people(db: Path, path: Path, rows: list[str], source_system: str = "hand") -> None:
    path.write_text("id,first,last,email,phone,changed\n" + "\n".join(rows) + "\n", encoding="utf-8")
    landed = subprocess.run(
        [str(BIN / "cx"), "load", "customers", str(path), "--source-system", source_system, "--map", HAND_MAPPING,
         "--db", str(db), "--quiet"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert landed.returncode == 0, landed.stdout + landed.stderr


def test_candidate_pairs_follow_changed_records_and_block_sizes(tmp_path: Path) -> None:
    """By hand, on the seed's blocking rules (phone: no cap; phone_tail, the last 7 digits: at most 5 records).
    Night 1: A and B share an email, A and C a phone. Night 2: B's new version has its own email (A-B goes); E
    shares D's email (D-E comes); F, G, H, I have other phones ending like A's, so the phone_tail block holds 6
    records and is skipped (A-C keeps only phone). Night 3: I's new phone leaves that block: 5 records, usable
    again, so A, C, F, G, H pair among themselves although none of them changed. A full refresh agrees.

    Scores: the parameters estimated on night 1 are kept (weekly by default), so nights 2 and 3 score only the
    pairs candidate generation recomputed (D-E keeps night 2's score on night 3), and rescoring every pair from
    scratch with the same parameters gives the same table."""
    db = tmp_path / "warehouse.duckdb"
    assert run_dbt(db, "seed").returncode == 0
    selection = ("--select", "+int_identity__pair_scores")
    pairs_sql = """
        select
            least(left_record.source_record_id, right_record.source_record_id) || '-'
            || greatest(left_record.source_record_id, right_record.source_record_id),
            pairs.blocking_rules
        from intermediate.int_identity__candidate_pairs as pairs
        inner join intermediate.int_identity__records as left_record
            on pairs.left_record_key = left_record.customer_record_key
        inner join intermediate.int_identity__records as right_record
            on pairs.right_record_key = right_record.customer_record_key
        order by 1
    """
    columns = "pair_id, pair_key, left_record_key, right_record_key, blocking_rules, blocking_rule_count"
    everything = f"select {columns} from intermediate.int_identity__candidate_pairs order by pair_key"
    weights_sql = """
        select * from intermediate.int_identity__comparison_weights
        natural full join (select comparison, level_order, m_probability as m, estimated_at as m_at
                           from intermediate.int_identity__m_probabilities)
        natural full join (select comparison, level_order, u_probability as u, estimated_at as u_at
                           from intermediate.int_identity__u_probabilities)
        order by comparison, level_order
    """
    frequencies_sql = "select * from intermediate.int_identity__value_frequencies order by comparison, feature_value"
    scores_sql = ("select pair_key, blocking_rules, match_weight, match_probability, score_decision, explanation "
                  "from intermediate.int_identity__pair_scores order by pair_key")
    pairs_key_sql = pairs_sql.replace("pairs.blocking_rules", "pairs.pair_key").replace("order by 1", "")

    def night(number: int, rows: list[str]) -> list[tuple]:
        _land_people(db, tmp_path / f"night{number}.csv", rows)
        built = run_dbt(db, "run", *selection)
        assert built.returncode == 0, built.stdout[-3000:]
        return query(db, pairs_sql)

    first = night(1, [
        "A,Ann,Archer,shared@example.com,+12025550101,2026-01-01T00:00:00Z",
        "B,Bob,Brown,shared@example.com,+12025550102,2026-01-01T00:00:00Z",
        "C,Cid,Cole,,+12025550101,2026-01-01T00:00:00Z",
        "D,Dee,Dunn,dee@example.com,,2026-01-01T00:00:00Z",
    ])
    assert first == [("A-B", "email"), ("A-C", "phone,phone_tail")]
    weights, frequencies = query(db, weights_sql), query(db, frequencies_sql)
    second = night(2, [
        "B,Bob,Brown,bob@example.com,+12025550102,2026-01-02T00:00:00Z",
        "E,Eve,Evans,dee@example.com,,2026-01-02T00:00:00Z",
        "F,Fay,Ford,,+13125550101,2026-01-02T00:00:00Z",
        "G,Gus,Grant,,+14155550101,2026-01-02T00:00:00Z",
        "H,Hal,Hill,,+16175550101,2026-01-02T00:00:00Z",
        "I,Ian,Ives,,+17185550101,2026-01-02T00:00:00Z",
    ])
    assert second == [("A-C", "phone"), ("D-E", "email")]
    # mark D-E's stored score: a run that scored it again would overwrite the mark
    con = duckdb.connect(str(db))
    con.execute("update intermediate.int_identity__pair_scores set match_weight = -999 where pair_key = "
                f"(select pair_key from ({pairs_key_sql}) as labelled (label, pair_key) where label = 'D-E')")
    con.close()
    third = night(3, ["I,Ian,Ives,,+17185550199,2026-01-03T00:00:00Z"])
    tail_only = [f"{a}-{b}" for a, b in
                 [("A", "F"), ("A", "G"), ("A", "H"), ("C", "F"), ("C", "G"), ("C", "H"), ("F", "G"), ("F", "H"),
                  ("G", "H")]]
    assert third == sorted([("A-C", "phone,phone_tail"), ("D-E", "email")] + [(p, "phone_tail") for p in tail_only])
    # the parameters of night 1, untouched
    assert query(db, weights_sql) == weights and query(db, frequencies_sql) == frequencies
    scored = query(db, scores_sql)
    assert [row[0] for row in scored] == [row[1] for row in query(db, everything)]  # every candidate, no other pair
    marked = [row for row in scored if row[2] == -999]
    assert len(marked) == 1  # D-E was not scored again on night 3
    rescored = run_dbt(db, "run", "--full-refresh", "--select", "int_identity__pair_scores")
    assert rescored.returncode == 0, rescored.stdout[-3000:]
    fresh = query(db, scores_sql)
    assert [row for row in fresh if row[0] != marked[0][0]] == [row for row in scored if row != marked[0]]
    assert [row[2] for row in fresh if row[0] == marked[0][0]] != [-999]
    incremental = query(db, everything)
    assert run_dbt(db, "run", "--full-refresh", *selection).returncode == 0
    assert query(db, everything) == incremental


def _delivery(received: str, contact: str, kind: str, at: str, attributes: dict) -> str:
    return json.dumps({"received_at": received, "headers": {"X-Request-Id": f"req-{received}"},
                       "body": {"contact_id": contact, "event_type": kind, "event_timestamp": at,
                                "attributes": attributes}})


def test_a_late_retry_merges_into_its_event_as_a_full_refresh_would(tmp_path: Path) -> None:
    """By hand: night 1 lands INV-1 (first at 10:00:05, a retry at 10:30:00, same body) and SES-1. Night 2 lands
    an earlier delivery of INV-1 (09:59:00) whose body differs (tx_amount 11.0), and a new event SES-2. INV-1 is
    then 3 deliveries, first 09:59:00 (its body wins: 11.0), last still 10:30:00, conflicting bodies; SES-1 is
    untouched; SES-2 is new. A full refresh over the same raw rows gives the same tables."""
    models = ["stg_crm__events", "int_engagement__events_deduplicated", "int_engagement__event_attributes",
              "int_engagement__events_normalized"]
    db = tmp_path / "warehouse.duckdb"
    assert run_dbt(db, "seed", "--select", "engagement_event_taxonomy", "engagement_attribute_registry").returncode == 0
    night_1 = tmp_path / "night1" / "crm"
    night_2 = tmp_path / "night2" / "crm"
    night_1.mkdir(parents=True)
    night_2.mkdir(parents=True)
    invoice = {"crm_record_id": "INV-1", "tx_amount": 10.0}
    (night_1 / "events.ndjson").write_text("\n".join([
        _delivery("2026-10-30T10:00:05Z", "C1", "invoice.paid", "2026-10-30T10:00:00Z", invoice),
        _delivery("2026-10-30T10:30:00Z", "C1", "invoice.paid", "2026-10-30T10:00:00Z", invoice),
        _delivery("2026-10-30T09:00:01Z", "C1", "web.session", "2026-10-30T09:00:00Z", {"crm_record_id": "SES-1"}),
    ]) + "\n")
    (night_2 / "events.ndjson").write_text("\n".join([
        _delivery("2026-10-30T09:59:00Z", "C1", "invoice.paid", "2026-10-30T10:00:00Z",
                  {"crm_record_id": "INV-1", "tx_amount": 11.0}),
        _delivery("2026-10-31T00:10:02Z", "C1", "web.session", "2026-10-31T00:10:00Z", {"crm_record_id": "SES-2"}),
    ]) + "\n")
    columns = ("crm_record_id, delivery_count, first_received_at, last_received_at, has_conflicting_retries, "
               "first_delivery_key is not null")
    dedup = f"select {columns} from intermediate.int_engagement__events_deduplicated order by crm_record_id"
    values = ("select crm_record_id, transaction_value from intermediate.int_engagement__events_normalized "
              "order by crm_record_id")

    _land(db, night_1.parent)
    assert run_dbt(db, "run", "--select", *models).returncode == 0
    night_1_rows = query(db, dedup)
    _land(db, night_2.parent)
    assert run_dbt(db, "run", "--select", *models).returncode == 0
    incremental = query(db, dedup), query(db, values)
    ts = datetime.fromisoformat
    assert incremental[0] == [
        ("INV-1", 3, ts("2026-10-30 09:59:00"), ts("2026-10-30 10:30:00"), True, True),
        ("SES-1", 1, ts("2026-10-30 09:00:01"), ts("2026-10-30 09:00:01"), False, True),
        ("SES-2", 1, ts("2026-10-31 00:10:02"), ts("2026-10-31 00:10:02"), False, True),
    ]
    assert incremental[1] == [("INV-1", 11.0), ("SES-1", None), ("SES-2", None)]
    assert night_1_rows[1] == incremental[0][1]  # SES-1 was not touched by night 2
    assert run_dbt(db, "run", "--full-refresh", "--select", *models).returncode == 0
    assert (query(db, dedup), query(db, values)) == incremental


def test_events_follow_their_fate_and_their_contact_without_a_new_delivery(tmp_path: Path) -> None:
    """By hand: E-2 (timestamp 18:00, received 18:00:05) is landed before a night whose reference time is 12:00,
    so it is 6 h in the future: rejected, not exported; E-1 (10:00) is exported. The next night lands nothing and
    runs at midnight: E-2 is valid now and must be exported although no delivery of it arrived (the watermark
    alone would miss it). Contact C1 has no CRM record, so its events' profile key is 'crm:C1'. The third night
    lands a CRM record whose id is C1: identity now knows the contact, and both events must move to its customer
    key, again with no new delivery. Full refreshes give the same tables."""
    db = tmp_path / "warehouse.duckdb"
    assert run_dbt(db, "seed").returncode == 0
    crm = tmp_path / "night1" / "crm"
    crm.mkdir(parents=True)
    (crm / "events.ndjson").write_text("\n".join([
        _delivery("2026-10-30T10:00:05Z", "C1", "invoice.paid", "2026-10-30T10:00:00Z",
                  {"crm_record_id": "E-1", "tx_amount": 10.0}),
        _delivery("2026-10-30T18:00:05Z", "C1", "web.session", "2026-10-30T18:00:00Z", {"crm_record_id": "E-2"}),
    ]) + "\n")
    _land(db, crm.parent)
    exported = ("select e.crm_record_id from marts.export__journey_external_events as x inner join "
                "intermediate.int_engagement__events_validated as e on x.export_key = e.request_id order by 1")
    rejected = "select count(*) from intermediate.int_engagement__event_fates where fate = 'reject'"

    def night(reference: str, *args: str) -> None:
        os.environ["CX_REFERENCE_TIME"] = reference
        try:
            result = run_dbt(db, "run", "--select", "+export__journey_external_events", *args)
        finally:
            del os.environ["CX_REFERENCE_TIME"]
        assert result.returncode == 0, result.stdout[-3000:]

    night("2026-10-30 12:00:00")
    assert query(db, exported) == [("E-1",)] and query(db, rejected) == [(1,)]
    night("2026-10-31 00:00:00")
    assert query(db, exported) == [("E-1",), ("E-2",)] and query(db, rejected) == [(0,)]
    payloads = "select export_key, payload, payload_hash from marts.export__journey_external_events order by 1"
    incremental = query(db, payloads)
    night("2026-10-31 00:00:00", "--full-refresh")
    assert query(db, payloads) == incremental

    keys = ("select crm_record_id, contact_key, customer_key, event_sequence "
            "from intermediate.int_engagement__events_validated order by 1")
    assert query(db, keys) == [("E-1", "crm:C1", None, 1), ("E-2", "crm:C1", None, 2)]
    _land_people(db, tmp_path / "night3.csv", ["C1,Cy,Cole,cy@example.com,,2026-10-30T00:00:00Z"], "crm")
    night("2026-10-31 00:00:00")
    customer = query(db, "select customer_key from intermediate.int_identity__clusters")
    assert len(customer) == 1 and customer[0][0] is not None
    assert query(db, keys) == [("E-1", customer[0][0], customer[0][0], 1), ("E-2", customer[0][0], customer[0][0], 2)]
    validated = "select * from intermediate.int_engagement__events_validated order by event_key"
    incremental = query(db, validated)
    night("2026-10-31 00:00:00", "--full-refresh")
    assert query(db, validated) == incremental


# each incremental model's watermark column, as a table built before issue 16 lacked it
WATERMARKS = {
    "staging.base_genesys__conversations_latest": "last_loaded_at",
    "staging.stg_genesys__participants": "conversation_loaded_at",
    "staging.stg_genesys__sessions": "conversation_loaded_at",
    "staging.stg_genesys__segments": "conversation_loaded_at",
    "staging.stg_genesys__session_metrics": "conversation_loaded_at",
    "staging.stg_marketing__touches": "_loaded_at",
    "staging.stg_crm__customer_records": "_loaded_at",
    "intermediate.int_identity__records": "loaded_at",
    "intermediate.int_identity__field_survivorship": "record_loaded_at",
    "marts.export__journey_external_events": "event_loaded_at",
    "intermediate.int_engagement__events_validated": "last_loaded_at",
    "intermediate.int_engagement__contact_features_daily": "inputs_digest",
    "intermediate.int_engagement__contact_scores_daily": "features_computed_at",
    "intermediate.int_effort__conversation_inputs": "inputs_loaded_at",
    "intermediate.int_engagement__events_deduplicated": "last_loaded_at",
    "intermediate.int_engagement__event_attributes": "event_loaded_at",
    "intermediate.int_engagement__events_normalized": "last_loaded_at",
    "intermediate.int_identity__record_pair_levels": "records_loaded_at",
    "intermediate.int_identity__candidate_pairs": "records_loaded_at",
    "intermediate.int_identity__comparison_levels": "pairs_computed_at",
    "intermediate.int_identity__pair_scores": "pairs_computed_at",
    "intermediate.int_identity__comparison_weights": "estimated_at",
    "intermediate.int_identity__value_frequencies": "estimated_at",
    "intermediate.int_identity__m_probabilities": "estimated_at",
    "intermediate.int_identity__u_probabilities": "estimated_at",
}


def test_a_table_built_before_the_watermark_existed_is_rebuilt_not_broken(warehouses: tuple[Path, Path]) -> None:
    """Upgrading: an incremental model whose table has no watermark column yet runs its full-build SQL (every key
    replaced, the column added), so a plain `dbt build` after an upgrade gives the full refresh's tables."""
    nightly, full = warehouses
    upgraded = nightly.parent.parent / "upgraded" / "warehouse.duckdb"
    upgraded.parent.mkdir()
    shutil.copy(nightly, upgraded)
    con = duckdb.connect(str(upgraded))
    for relation, column in WATERMARKS.items():
        con.execute(f"alter table {relation} drop column {column}")
    con.close()
    listed = {relation.split(".")[1] for relation in WATERMARKS}
    # every incremental model with a watermark is listed (the identity logs keep history; fct_interaction_attribution
    # reads everything every run: neither has a watermark)
    unwatermarked = {"int_identity__record_first_seen", "fct_interaction_attribution"}
    assert _incremental_models() - RUN_LOGS - unwatermarked == listed
    days = sorted(p.name for p in (nightly.parent.parent / "data" / "days").iterdir())
    _build(upgraded, datetime.fromisoformat(days[-1]) + timedelta(days=1))
    con = duckdb.connect()
    con.execute(f"attach '{upgraded}' as upgraded (read_only)")
    con.execute(f"attach '{full}' as full_refresh (read_only)")
    _, differences = compare(con, "upgraded", "full_refresh", ("marts",), skip=RUN_LOGS)
    assert not differences, "\n".join(map(str, differences))
    # the added watermark column comes last in an upgraded table: compared by name
    _, differences = compare(con, "upgraded", "full_refresh", ("staging", "intermediate"), skip=RUN_LOGS, by_name=True)
    differences = [d for d in differences if d.relation in listed]
    assert not differences, "\n".join(map(str, differences))
