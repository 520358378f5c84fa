"""Genesys reference data (issue 18): generator-consistent entities, the fake's list endpoints, `cx extract
reference` (full snapshot, changes and tombstones only) and the dims / names the marts get from them."""

from __future__ import annotations

import json
import random
from pathlib import Path

import duckdb
import pytest
from conftest import Warehouse, query, run_dbt

from loaders.extract.reference import ENTITY_TYPES, list_all, run_reference_extract
from loaders.genesys import FakeClock, GenesysClient
from loaders.synthetic.fake_genesys import FakeGenesys
from loaders.synthetic.generator import generate
from loaders.synthetic.generator import ids as I

MARTS = ["dim_queues", "dim_users", "dim_wrapup_codes", "dim_divisions", "dim_flows", "dim_outbound_campaigns"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reference_gen")
    generate("demo", 11, out, {"customers": 150})
    return out


def reference_lines(root: Path) -> list[dict]:
    text = (root / "genesys" / "reference" / "reference.ndjson").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def client_for(fake: FakeGenesys) -> GenesysClient:
    return GenesysClient.from_env(fake.client_env(), clock=FakeClock(), rng=random.Random(3))


def conversation_ids(root: Path) -> dict[str, set[str]]:
    """Every id the generated conversations use, read from the page files (not from the generator's code)."""
    found: dict[str, set[str]] = {k: set() for k in ("queues", "users", "wrapup_codes", "flows",
                                                     "outbound_campaigns", "contact_lists", "divisions")}
    for page in (root / "genesys" / "conversations").rglob("*.json"):
        for conv in json.loads(page.read_text(encoding="utf-8"))["conversations"]:
            found["divisions"].update(conv.get("divisionIds", []))
            for part in conv["participants"]:
                if part.get("userId"):
                    found["users"].add(part["userId"])
                for sess in part["sessions"]:
                    if sess.get("flow"):
                        found["flows"].add(sess["flow"]["flowId"])
                    if sess.get("outboundCampaignId"):
                        found["outbound_campaigns"].add(sess["outboundCampaignId"])
                        found["contact_lists"].add(sess["outboundContactListId"])
                    for seg in sess["segments"]:
                        if seg.get("queueId"):
                            found["queues"].add(seg["queueId"])
                        if seg.get("wrapUpCode") and not seg["wrapUpCode"].startswith("ININ-"):
                            found["wrapup_codes"].add(seg["wrapUpCode"])
    return found


def test_generated_reference_covers_every_id_the_conversations_use(generated: Path) -> None:
    lines = reference_lines(generated)
    by_type: dict[str, set[str]] = {}
    for line in lines:
        by_type.setdefault(line["entityType"], set()).add(line["entity"]["id"])
    assert set(by_type) == set(ENTITY_TYPES)
    used = conversation_ids(generated)
    for entity_type, ids in used.items():
        assert ids, f"the conversations use no {entity_type}: the check would prove nothing"
        assert ids <= by_type[entity_type], (entity_type, sorted(ids - by_type[entity_type])[:3])
    # every queue has a service level for voice ('call') with the percentage and duration Genesys documents
    for line in lines:
        if line["entityType"] == "queues":
            sl = line["entity"]["mediaSettings"]["call"]["serviceLevel"]
            assert 0 < sl["percentage"] <= 1 and sl["durationMs"] > 0


def test_list_endpoint_pages_by_page_number_until_page_count(generated: Path) -> None:
    with FakeGenesys(data_dir=generated / "genesys" / "conversations") as fake, client_for(fake) as client:
        users, pages, complete = list_all(client, "/api/v2/users", {"state": "any"}, page_size=7)
        asked = [r.query for r in fake.accepted("GET", "/api/v2/users")]
    assert len(users) == len({u["id"] for u in users}) == len(I.AGENTS) == 60
    assert pages == 9 and complete  # ceil(60 / 7)
    assert [int(q["pageNumber"]) for q in asked] == list(range(1, 10))
    assert all(q["pageSize"] == "7" and q["state"] == "any" for q in asked)


def test_extract_lands_a_snapshot_once_and_marks_a_deleted_queue(generated: Path, tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    expected = reference_lines(generated)

    def extract() -> object:
        with client_for(fake) as client:
            return run_reference_extract(client, out_dir=tmp_path / "out",
                                         open_db=lambda: duckdb.connect(str(db)))

    with FakeGenesys(data_dir=generated / "genesys" / "conversations") as fake:
        first = extract()
        assert first.rows_landed == len(expected) and first.rows_rejected == 0
        # the landed entities are the generator's, key for key
        landed = {(t, k) for t, k in query(db, "select entity_type, entity_key from raw.genesys_reference")}
        assert landed == {(line["entityType"], line["entityKey"]) for line in expected}

        again = extract()
        assert again.rows_landed == 0 and again.file is None  # nothing changed: nothing written, nothing landed

        queue = I.QUEUES[0]
        members = [k for t, k in landed if t == "queue_members" and k.startswith(f"{queue.queue_id}/")]
        assert members
        fake.reference.delete("queues", queue.queue_id)
        third = extract()
        assert third.types["queues"].deleted == 1 and third.types["queue_members"].deleted == len(members)
        assert third.rows_landed == 1 + len(members)
        assert extract().rows_landed == 0  # the tombstones land once

    assert run_dbt(db, "build", "--select", "+dim_queues", "+dim_users").failures() == []
    rows = query(db, "select queue_id, queue_name, is_deleted, deleted_detected_at is not null, current_member_count "
                     "from marts.dim_queues")
    by_id = {r[0]: r[1:] for r in rows}
    assert len(by_id) == len(I.QUEUES)  # the deleted queue is kept ...
    assert by_id[queue.queue_id] == (queue.name, True, True, 0)  # ... with its name, marked deleted
    assert all(not v[1] for k, v in by_id.items() if k != queue.queue_id)


def test_marts_carry_the_names_of_the_generated_org(sample_warehouse: Warehouse) -> None:
    db = sample_warehouse.db
    assert [f for f in sample_warehouse.build.failures()] == []
    names = {q.queue_id: q.name for q in I.QUEUES}
    rows = query(db, "select first_queue_id, first_queue_name from marts.fct_conversation_effort "
                     "where first_queue_id is not null")
    assert rows and all(name == names[qid] for qid, name in rows)
    daily = query(db, "select queue_id, queue_name from marts.effort_daily")
    assert all(name == names.get(qid) for qid, name in daily)  # '(no queue)' has no name
    wrap_names = {w.code_id: w.name for w in I.WRAPUP_CODES} | {I.WRAPUP_TIMEOUT: "Wrap-up timeout (system)"}
    agents = {a.user_id: a.name for a in I.AGENTS}
    wraps = query(db, "select wrapup_code_id, wrapup_code_name, wrapup_agent_user_id, wrapup_agent_name "
                      "from marts.fct_conversation_effort where wrapup_code_id is not null")
    assert len(wraps) > 100
    assert all(name == wrap_names[code] and agent_name == agents[agent] for code, name, agent, agent_name in wraps)
    attributed = query(db, "select first_queue_id, first_queue_name, last_wrap_up_code, last_wrap_up_name "
                           "from marts.fct_interaction_attribution")
    assert sum(1 for row in attributed if row[0]) > 100 and sum(1 for row in attributed if row[2]) > 100
    assert all(queue_name == names.get(queue) for queue, queue_name, _, _ in attributed)
    assert all(wrap_name == wrap_names.get(code) for _, _, code, wrap_name in attributed)
    for mart in MARTS:
        assert query(db, f"select count(*) from marts.{mart}")[0][0] > 0, mart


def test_cursor_paged_teams_follow_next_uri(generated: Path) -> None:
    from loaders.synthetic.generator.reference import TEAMS

    with FakeGenesys(data_dir=generated / "genesys" / "conversations") as fake, client_for(fake) as client:
        teams, pages, complete = list_all(client, "/api/v2/teams", {}, page_size=4, cursor_paged=True)
        asked = [r.query for r in fake.accepted("GET", "/api/v2/teams")]
    assert sorted(t["name"] for t in teams) == sorted(TEAMS) and len(teams) == 6 and pages == 2 and complete
    assert "after" not in asked[0] and asked[1]["after"] == teams[3]["id"]  # the second page is nextUri's
    assert all("pageNumber" not in q for q in asked)
