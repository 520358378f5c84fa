"""The fake Genesys Cloud itself: shapes, semantics, limits, write endpoints, faults (raw httpx over 127.0.0.1)."""

from __future__ import annotations

import base64
from datetime import date

import httpx
import pytest

from loaders.synthetic.fake_genesys import ConversationStore, FakeConfig, FakeGenesys, FaultConfig
from loaders.synthetic.fake_genesys.sample import sample_conversations

API = "/api/v2"
QUERY = f"{API}/analytics/conversations/details/query"
JOBS = f"{API}/analytics/conversations/details/jobs"


@pytest.fixture()
def convs() -> list[dict]:
    return sample_conversations(date(2024, 5, 14), days=2, per_day=3, live_every=4)


def session(fake: FakeGenesys) -> httpx.Client:
    basic = base64.b64encode(f"{fake.config.client_id}:{fake.config.client_secret}".encode()).decode()
    token = httpx.post(f"{fake.url}/oauth/token", data={"grant_type": "client_credentials"},
                       headers={"Authorization": f"Basic {basic}"}).json()["access_token"]
    return httpx.Client(base_url=fake.url, headers={"Authorization": f"Bearer {token}"})


def test_token_endpoint_and_error_body_shape(convs: list[dict]) -> None:
    with FakeGenesys(FakeConfig(), ConversationStore(convs)) as fake:
        bad = httpx.post(f"{fake.url}/oauth/token", data={"grant_type": "client_credentials"}, auth=("x", "y"))
        anonymous = httpx.post(f"{fake.url}{QUERY}", json={})
        with session(fake) as http:
            ok = http.post(QUERY, json={"interval": "2024-05-14T00:00:00Z/2024-05-15T00:00:00Z"})
    assert bad.status_code == 401
    body = bad.json()
    assert set(body) == {"message", "code", "status", "contextId", "details", "errors"}
    assert body["code"] == "bad.credentials" and body["contextId"] == bad.headers["ININ-Correlation-Id"]
    assert anonymous.status_code == 401
    assert ok.status_code == 200
    assert {"inin-ratelimit-count", "inin-ratelimit-allowed", "inin-ratelimit-reset", "inin-correlation-id"} <= set(
        ok.headers)


def test_query_is_by_touched_start_day_without_attributes_jobs_by_lifetime_with_attributes(convs: list[dict]) -> None:
    crossing = convs[2]  # 2024-05-14 23:55 -> 2024-05-15 00:06
    live = convs[3]  # 2024-05-15 00:00:07, no conversationEnd
    assert "conversationEnd" not in live
    with FakeGenesys(FakeConfig(job_pending_polls=0), ConversationStore(convs)) as fake, session(fake) as http:
        # a one-hour interval touches the whole day of 2024-05-15 for the query
        q = http.post(QUERY, json={"interval": "2024-05-15T10:00:00Z/2024-05-15T11:00:00Z"}).json()
        job_id = http.post(JOBS, json={"interval": "2024-05-15T00:00:00Z/2024-05-16T00:00:00Z"}).json()["jobId"]
        assert http.get(f"{JOBS}/{job_id}").json()["state"] == "FULFILLED"
        j = http.get(f"{JOBS}/{job_id}/results").json()
        later = http.post(JOBS, json={"interval": "2024-05-20T00:00:00Z/2024-05-21T00:00:00Z"}).json()["jobId"]
        http.get(f"{JOBS}/{later}")
        only_live = http.get(f"{JOBS}/{later}/results").json()
    q_ids = [c["conversationId"] for c in q["conversations"]]
    assert q_ids == [c["conversationId"] for c in convs[3:]] and q["totalHits"] == 3
    assert all("attributes" not in p for c in q["conversations"] for p in c["participants"])
    j_ids = [c["conversationId"] for c in j["conversations"]]
    assert crossing["conversationId"] in j_ids and live["conversationId"] in j_ids
    assert j["conversations"][0]["participants"][0]["attributes"]
    assert "cursor" not in j and "dataAvailabilityDate" in j
    assert [c["conversationId"] for c in only_live["conversations"]] == [live["conversationId"]]


def test_query_limits_and_job_cursor_paging(convs: list[dict]) -> None:
    with FakeGenesys(FakeConfig(job_pending_polls=0), ConversationStore(convs)) as fake, session(fake) as http:
        week = http.post(QUERY, json={"interval": "2024-05-01T00:00:00Z/2024-05-09T00:00:00Z"})
        filtered = http.post(QUERY, json={"interval": "2024-05-01T00:00:00Z/2024-05-09T00:00:00Z",
                                          "segmentFilters": [{"type": "and", "predicates": [
                                              {"dimension": "mediaType", "value": "voice"}]}]})
        big_page = http.post(QUERY, json={"interval": "2024-05-14T00:00:00Z/2024-05-15T00:00:00Z",
                                          "paging": {"pageSize": 101, "pageNumber": 1}})
        deep = http.post(QUERY, json={"interval": "2024-05-14T00:00:00Z/2024-05-15T00:00:00Z",
                                      "paging": {"pageSize": 100, "pageNumber": 1001}})
        no_interval = http.post(QUERY, json={})
        job = http.post(JOBS, json={"interval": "2024-05-14T00:00:00Z/2024-05-16T00:00:00Z"})
        job_id = job.json()["jobId"]
        http.get(f"{JOBS}/{job_id}")
        seen, cursor, pages = [], None, 0
        while True:
            params = {"pageSize": 2, **({"cursor": cursor} if cursor else {})}
            page = http.get(f"{JOBS}/{job_id}/results", params=params).json()
            pages += 1
            seen += [c["conversationId"] for c in page["conversations"]]
            cursor = page.get("cursor")
            if not cursor:
                break
        bad_cursor = http.get(f"{JOBS}/{job_id}/results", params={"cursor": "bm9wZTox"})
        deleted = http.delete(f"{JOBS}/{job_id}")
        gone = http.get(f"{JOBS}/{job_id}")
    assert week.status_code == 400 and "7 days" in week.json()["message"]
    assert filtered.status_code == 200
    assert big_page.status_code == 400 and deep.status_code == 400
    assert deep.json()["message"] == "Pagination may not exceed 100000 results."
    assert no_interval.status_code == 400
    assert job.status_code == 202
    assert seen == [c["conversationId"] for c in convs] and pages == 3
    assert bad_cursor.status_code == 400
    assert deleted.status_code == 204 and gone.status_code == 404


def test_window_rate_limit_answers_429_with_retry_after(convs: list[dict]) -> None:
    with FakeGenesys(FakeConfig(rate_allowed=3, rate_window_s=30), ConversationStore(convs)) as fake:
        with session(fake) as http:
            replies = [http.get(f"{JOBS}/availability") for _ in range(4)]
    assert [r.status_code for r in replies] == [200, 200, 200, 429]
    assert [r.headers["inin-ratelimit-count"] for r in replies] == ["1", "2", "3", "4"]
    limited = replies[-1]
    assert limited.json()["code"] == "too.many.requests.retry.after"
    assert 1 <= int(limited.headers["Retry-After"]) <= 30 and limited.headers["inin-ratelimit-allowed"] == "3"
    assert len(fake.limit_events) == 1 and len(fake.accepted()) == 3


def test_write_endpoints_validate_record_and_store(convs: list[dict]) -> None:
    conv = convs[0]
    cid, pid = conv["conversationId"], conv["participants"][0]["participantId"]
    faults = FaultConfig(patch_404_first_n=2)
    with FakeGenesys(FakeConfig(faults=faults), ConversationStore(convs)) as fake, session(fake) as http:
        patch_url = f"{API}/conversations/{cid}/participants/{pid}/attributes"
        patches = [http.patch(patch_url, json={"attributes": {"ces_score": "3.2"}}) for _ in range(3)]
        not_string = http.patch(patch_url, json={"attributes": {"ces_score": 3.2}})
        unknown = http.patch(f"{API}/conversations/nope/participants/{pid}/attributes",
                             json={"attributes": {"a": "b"}})
        enrich = {"matchingIdentifiers": [{"type": "Email", "value": "a@example.com"}], "action": "Upsert",
                  "contact": {"firstName": "A"}}
        created = http.post(f"{API}/externalcontacts/contacts/enrich", json=enrich)
        updated = http.post(f"{API}/externalcontacts/contacts/enrich", json=enrich)
        bulk_ok = http.post(f"{API}/externalcontacts/bulk/contacts/enrich",
                            json={"entities": [{**enrich, "id": "op1"}, {**enrich, "action": "Nope", "id": "op2"}]})
        bulk_big = http.post(f"{API}/externalcontacts/bulk/contacts/enrich", json={"entities": [enrich] * 11})
        event = {"id": "e1", "dateCreated": "2024-05-14T10:00:00Z", "attributes": {"k": "v"}}
        events = [http.post(f"{API}/journey/externalevents/configurations/cfg1/events",
                            json={"entities": [event, {"id": "e2"}]}) for _ in range(2)]
        contacts = [{"id": f"c{i}", "data": {"phone": f"+1555000{i:04d}"}, "callable": True} for i in range(1000)]
        added = http.post(f"{API}/outbound/contactlists/L1/contacts", json=contacts, params={"priority": "true"})
        too_many = http.post(f"{API}/outbound/contactlists/L1/contacts",
                             json=contacts + [{"id": "x", "data": {}}])
    assert [r.status_code for r in patches] == [404, 404, 202]
    assert not_string.status_code == 400 and unknown.status_code == 404
    assert fake.api.state.participant_attributes[(cid, pid)] == {"ces_score": "3.2"}
    assert created.status_code == 201 and updated.status_code == 200
    assert created.json()["id"] == updated.json()["id"]
    assert bulk_ok.status_code == 200 and bulk_ok.json()["errorIndexes"] == [1]
    assert bulk_big.status_code == 400
    assert [r.json()["unprocessedEntities"][0]["originalRequestIndex"] for r in events] == [1, 1]
    assert list(fake.api.state.external_events["cfg1"]) == ["e1"]  # same id twice = one event
    assert added.status_code == 200 and len(added.json()) == 1000 and too_many.status_code == 400
    assert len(fake.api.state.contact_lists["L1"]) == 1000
    recorded = fake.accepted("POST", f"{API}/outbound/contactlists/L1/contacts")[0]
    assert recorded.query == {"priority": "true"} and recorded.body[0]["id"] == "c0"


def test_dropped_connection_and_injected_faults_are_not_recorded(convs: list[dict]) -> None:
    faults = FaultConfig(scripted=[("availability", "drop"), ("availability", "503")])
    with FakeGenesys(FakeConfig(faults=faults), ConversationStore(convs)) as fake, session(fake) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            http.get(f"{JOBS}/availability")
        assert http.get(f"{JOBS}/availability").status_code == 503
        assert http.get(f"{JOBS}/availability").status_code == 200
    assert len(fake.accepted()) == 1


def test_fault_decisions_are_deterministic_by_seed(convs: list[dict]) -> None:
    def statuses(seed: int) -> list[int]:
        faults = FaultConfig(seed=seed, rate_429=0.2, rate_5xx=0.2)
        with FakeGenesys(FakeConfig(faults=faults), ConversationStore(convs)) as fake, session(fake) as http:
            return [http.get(f"{JOBS}/availability").status_code for _ in range(30)]

    first = statuses(5)
    assert first == statuses(5) and first != statuses(6)
    assert {429, 200} <= set(first)
