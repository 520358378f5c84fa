"""Engagement domain on the generated sample (400 customers, landed and built once per session):
validation fates against the generator's truth, exactly-once, registry renames, queues and profile sanity."""

from __future__ import annotations

import csv
import hashlib

import pytest
from conftest import Warehouse, query

REASONS = {
    "missing_crm_record_id": "missing_required_field",
    "non_numeric_transaction_value": "bad_type",
    "array_value": "array_value",
}


@pytest.fixture(scope="module")
def built(sample_warehouse: Warehouse) -> Warehouse:
    failed = [r for r in sample_warehouse.build.failures() if "engagement" in r["unique_id"]]
    assert not failed, [(r["unique_id"], r.get("message")) for r in failed]
    return sample_warehouse


def truth_events(wh: Warehouse) -> list[dict]:
    with open(wh.data_dir / "truth" / "events.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def our_events(wh: Warehouse) -> dict[tuple, tuple]:
    rows = query(
        wh.db,
        """select n.contact_id, n.crm_event_kind, coalesce(n.crm_record_id, ''),
                  strftime(n.event_timestamp, '%Y-%m-%dT%H:%M:%SZ'),
                  f.fate, f.reject_queue, f.reject_reason, n.delivery_count, n.request_id, n.event_type
           from intermediate.int_engagement__events_normalized n
           join intermediate.int_engagement__event_fates f using (event_key)""",
    )
    return {r[:4]: r[4:] for r in rows}


def test_validation_fates_match_truth(built: Warehouse) -> None:
    truth, ours = truth_events(built), our_events(built)
    assert len(ours) == len(truth)  # one row per distinct event: retries collapsed, nothing lost
    matches = 0
    for t in truth:
        fate, queue, reason, *_ = ours[(t["contact_id"], t["event_type"], t["crm_record_id"], t["event_timestamp"])]
        expected = t["expected_fate"]
        if expected == "future":
            matches += (fate, queue, reason) == ("reject", "reconciliation", "future_event_timestamp")
        elif expected.startswith("reject:"):
            matches += (fate, queue, reason) == ("reject", "dead_letter", REASONS[expected.split(":", 1)[1]])
        else:
            matches += fate == expected
    assert matches / len(truth) >= 0.99, f"{matches}/{len(truth)} fates match the truth"


def test_retries_collapse_and_request_id_is_sha256_of_the_key(built: Warehouse) -> None:
    truth, ours = truth_events(built), our_events(built)
    retried = [t for t in truth if int(t["deliveries"]) > 1]
    assert retried, "the sample should contain retried webhooks"
    for t in retried:
        *_, deliveries, request_id, event_type = ours[
            (t["contact_id"], t["event_type"], t["crm_record_id"], t["event_timestamp"])
        ]
        assert deliveries == int(t["deliveries"])
        key = f"{t['contact_id']}|{event_type}|{t['crm_record_id']}"
        assert request_id == hashlib.sha256(key.encode()).hexdigest()
    [(dupes,)] = query(
        built.db,
        "select count(*) - count(distinct request_id) from intermediate.int_engagement__events_validated",
    )
    assert dupes == 0


def test_renamed_and_nested_fields_land_under_canonical_names(built: Warehouse) -> None:
    [(tx_amount_events, canonical, leftover_names)] = query(
        built.db,
        """select count(*),
                  count(*) filter (where v.transaction_value is not null
                                   and json_extract(v.attributes, '$.transaction_value') is not null),
                  count(*) filter (where json_extract(v.attributes, '$.tx_amount') is not null
                                   or json_extract(v.attributes, '$.product') is not null)
           from intermediate.int_engagement__events_validated v
           join staging.stg_crm__events d on d.crm_record_id = v.crm_record_id and d.contact_id = v.contact_id
           where json_extract(d.attributes, '$.tx_amount') is not null""",
    )
    assert tx_amount_events > 0 and canonical == tx_amount_events and leftover_names == 0
    [(nested, flattened)] = query(
        built.db,
        """select count(*), count(v.product_sku)
           from intermediate.int_engagement__events_validated v
           join staging.stg_crm__events d on d.crm_record_id = v.crm_record_id and d.contact_id = v.contact_id
           where json_extract(d.attributes, '$.product') is not null""",
    )
    assert nested > 0 and flattened == nested


def test_queues_hold_the_right_events(built: Warehouse) -> None:
    [(future_ok,)] = query(
        built.db,
        """select bool_and(event_timestamp > timestamp '2026-11-01 00:05:00'
                           or event_timestamp > first_received_at + interval 300 second)
           from marts.engagement_event_rejects where reject_queue = 'reconciliation'""",
    )
    [(backfill_ok, backfill_rows)] = query(
        built.db,
        "select bool_and(arrival_lag_hours > 7 * 24), count(*) from marts.engagement_backfill_queue",
    )
    [(stream_ok,)] = query(
        built.db,
        """select bool_and(first_received_at - event_timestamp <= interval 7 day
                           and event_timestamp <= timestamp '2026-11-01 00:05:00')
           from intermediate.int_engagement__events_validated""",
    )
    assert future_ok and backfill_ok and backfill_rows > 0 and stream_ok


def test_profile_scores_tiers_and_eligibility(built: Warehouse) -> None:
    [(contacts, bad_scores, bad_tiers, no_window)] = query(
        built.db,
        """select count(*),
                  count(*) filter (where propensity_score not between 0 and 1),
                  count(*) filter (where (propensity_score >= 0.75) <> (propensity_tier = 'high')
                                   or (propensity_score < 0.40) <> (propensity_tier = 'low')),
                  count(*) filter (where window_start_hour is null or timezone is null)
           from marts.contact_engagement_profile""",
    )
    assert contacts > 0 and bad_scores == 0 and bad_tiers == 0 and no_window == 0
    [(violations,)] = query(
        built.db,
        """select count(*) from marts.outbound_eligibility
           where propensity_tier not in ('high', 'moderate') or score_increase_24h < 0.10
              or last_outreach_at > timestamp '2026-11-01 00:00:00' - interval 72 hour""",
    )
    assert violations == 0
