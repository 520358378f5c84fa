"""Genesys staging on the reference conversation (values computed by hand from the JSON) and on a
conversation landed live and later complete."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import duckdb
import pytest
from conftest import query, run_dbt

from loaders.landing import land_files

LIVE_ID = "00000000-0000-4000-8000-0000000000aa"
PADDED_ID = "00000000-0000-4000-8000-0000000000bb"


@pytest.fixture(scope="module")
def staged(tmp_path_factory, reference_page: Path) -> Path:
    work = tmp_path_factory.mktemp("staging_genesys")
    page = json.loads(reference_page.read_text())
    complete = copy.deepcopy(page["conversations"][0])
    complete["conversationId"] = LIVE_ID
    live = copy.deepcopy(complete)
    del live["conversationEnd"]
    for participant in live["participants"]:  # a live record has fewer participants and an open segment
        participant["sessions"][0]["segments"][-1].pop("segmentEnd", None)
    live["participants"] = live["participants"][:3]
    padded = copy.deepcopy(complete)  # participant data as agents and scripts type it: padded, blank, mixed case
    padded["conversationId"] = PADDED_ID
    customer = next(p for p in padded["participants"] if p["purpose"] == "customer")
    customer["attributes"].update(
        {"CRM_LeadId": "  00Q-77 ", "CRM_AccountId": "   ", "CampaignID": "\tCAMP_X ", "LeadSource": " web",
         "context.email": "  Jane.Doe@Example.COM "}
    )

    files = []
    for name, doc in (("p1_live.json", {"conversations": [live], "cursor": "c1"}), ("p2.json", page),
                      ("p3_complete.json", {"conversations": [complete, padded]})):
        path = work / name
        path.write_text(json.dumps(doc))
        files.append(path)
    db = work / "w.duckdb"
    con = duckdb.connect(str(db))
    land_files(con, "genesys_conversations", files)
    con.close()
    result = run_dbt(db, "build", "--select", "staging.genesys")
    assert result.returncode == 0, result.stdout[-3000:]
    assert not result.failures()
    return db


REF_ID = "5f2e8a3b-9c41-4d7e-b0a6-3e1f7c9d2a84"


def test_reference_conversation_queue_wait_transfers_ivr_agents(staged: Path) -> None:
    [(wait, transfers, ivr)] = query(
        staged,
        """select sum(metric_seconds) filter (where metric_name = 'tAcd' and purpose = 'acd'),
                  sum(metric_value) filter (where metric_name = 'nTransferred' and purpose = 'agent'),
                  sum(metric_seconds) filter (where metric_name = 'tIvr')
           from staging.stg_genesys__session_metrics where conversation_id = ?""",
        [REF_ID],
    )
    assert wait == pytest.approx(73.342, abs=1e-9)  # tAcd 73 342 ms
    assert transfers == 1  # one nTransferred on agent A, although 4 segments say disconnectType=transfer
    assert ivr == pytest.approx(51.309, abs=1e-9)  # tIvr 51 309 ms
    [(agents,)] = query(
        staged,
        "select count(distinct user_id) from staging.stg_genesys__sessions "
        "where conversation_id = ? and purpose = 'agent'",
        [REF_ID],
    )
    assert agents == 2
    [(start, end, duration)] = query(
        staged,
        "select conversation_started_at::varchar, conversation_ended_at::varchar, conversation_duration_seconds "
        "from staging.stg_genesys__conversations where conversation_id = ?",
        [REF_ID],
    )
    assert (start, end) == ("2024-05-14 14:02:11.12", "2024-05-14 14:13:35.64")
    assert float(duration) == pytest.approx(684.52, abs=1e-9)


def test_reference_attributes_and_e164(staged: Path) -> None:
    [(account, attrs)] = query(
        staged,
        "select attr_crm_account_id, attributes['ivr.Intent'] from staging.stg_genesys__participants "
        "where conversation_id = ? and purpose = 'customer'",
        [REF_ID],
    )
    assert (account, attrs) == ("ACC-000482913", "billing_refund")
    rows = query(
        staged,
        "select distinct ani_e164, dnis_e164 from staging.stg_genesys__sessions where conversation_id = ?",
        [REF_ID],
    )
    assert rows == [("+13175550142", "+18005550199")]


def test_live_then_complete_appears_once_complete(staged: Path) -> None:
    rows = query(
        staged,
        "select is_complete, version_count, participant_count from staging.stg_genesys__conversations "
        "where conversation_id = ?",
        [LIVE_ID],
    )
    assert rows == [(True, 2, 5)]
    [(participants,)] = query(
        staged, "select count(*) from staging.stg_genesys__participants where conversation_id = ?", [LIVE_ID]
    )
    assert participants == 5


def test_participant_attributes_are_trimmed_once_in_staging(staged: Path) -> None:
    """Downstream models (identity, attribution, engagement) read these columns as they are: a padded id must
    already be clean here, a blank one null, and context.email normalised like every email."""
    rows = query(
        staged,
        "select attr_crm_lead_id, attr_crm_account_id, attr_campaign_id, attr_lead_source, attr_context_email "
        "from staging.stg_genesys__participants where conversation_id = ? and purpose = 'customer'",
        [PADDED_ID],
    )
    assert rows == [("00Q-77", None, "CAMP_X", "web", "jane.doe@example.com")]
