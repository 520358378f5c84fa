"""GenesysClient against the fake Genesys Cloud over real HTTP on 127.0.0.1 (and a few MockTransport cases)."""

from __future__ import annotations

import base64
import logging
import random
from datetime import date

import httpx
import pytest

from loaders.genesys import (
    REGIONS,
    FakeClock,
    GenesysApiError,
    GenesysClient,
    GenesysConfigError,
    GenesysSettings,
    region_hosts,
)
from loaders.synthetic.fake_genesys import ConversationStore, FakeConfig, FakeGenesys, FaultConfig
from loaders.synthetic.fake_genesys.sample import sample_conversations

QUERY = "/api/v2/analytics/conversations/details/query"
DAY = {"interval": "2024-05-14T00:00:00.000Z/2024-05-15T00:00:00.000Z", "paging": {"pageSize": 100, "pageNumber": 1}}


@pytest.fixture()
def store() -> ConversationStore:
    return ConversationStore(sample_conversations(date(2024, 5, 14), days=2, per_day=3))


def make_fake(store: ConversationStore, **faults: object) -> FakeGenesys:
    return FakeGenesys(FakeConfig(faults=FaultConfig(**faults)), store)  # type: ignore[arg-type]


def client_for(fake: FakeGenesys, clock: FakeClock | None = None, **kwargs: object) -> GenesysClient:
    return GenesysClient.from_env(fake.client_env(), clock=clock or FakeClock(), rng=random.Random(1), **kwargs)


# -- regions and configuration ------------------------------------------------------------------------
def test_region_host_table_matches_the_reference() -> None:
    assert len(REGIONS) == 18
    assert region_hosts("us-east-1").api_base_url == "https://api.mypurecloud.com"
    assert region_hosts("eu-west-1").login_base_url == "https://login.mypurecloud.ie"
    assert region_hosts("ap-southeast-2").api_base_url == "https://api.mypurecloud.com.au"
    assert region_hosts("us-east-2").login_base_url == "https://login.use2.us-gov-pure.cloud"
    assert region_hosts("eusc-de-east-1").api_base_url == "https://api.edee1.eusc-pure.cloud"
    assert region_hosts("mypurecloud.de").region == "eu-central-1"
    for hosts in REGIONS.values():
        assert hosts.login_base_url == hosts.api_base_url.replace("//api.", "//login.")
    with pytest.raises(ValueError, match="unknown Genesys Cloud region"):
        region_hosts("mars-north-1")


def test_settings_from_env_region_base_urls_and_credentials() -> None:
    env = {"GENESYS_CLIENT_ID": "id", "GENESYS_CLIENT_SECRET": "s3cr3t", "GENESYS_REGION": "eu-central-1"}
    settings = GenesysSettings.from_env(env)
    assert settings.api_base_url == "https://api.mypurecloud.de"
    assert settings.login_base_url == "https://login.mypurecloud.de"
    assert "s3cr3t" not in repr(settings)
    explicit = GenesysSettings.from_env({**env, "GENESYS_API_BASE_URL": "http://127.0.0.1:9"})
    assert explicit.api_base_url == explicit.login_base_url == "http://127.0.0.1:9"
    with pytest.raises(GenesysConfigError, match="GENESYS_CLIENT_ID"):
        GenesysSettings.from_env({"GENESYS_REGION": "eu-west-1"})
    with pytest.raises(GenesysConfigError, match="unknown"):
        GenesysSettings.from_env({**env, "GENESYS_REGION": "nowhere"})


@pytest.mark.parametrize("variable, value", [
    ("GENESYS_API_BASE_URL", "not a url"),
    ("GENESYS_API_BASE_URL", "api.mypurecloud.com"),  # no scheme
    ("GENESYS_API_BASE_URL", "ftp://api.mypurecloud.com"),
    ("GENESYS_API_BASE_URL", "https://"),
    ("GENESYS_API_BASE_URL", "https://api.mypurecloud.com/?x=1"),
    ("GENESYS_LOGIN_BASE_URL", "login.mypurecloud.com"),
])
def test_a_base_url_that_is_not_a_url_is_refused_up_front_naming_the_variable(variable: str, value: str) -> None:
    env = {"GENESYS_CLIENT_ID": "id", "GENESYS_CLIENT_SECRET": "s3cr3t-value", "GENESYS_API_BASE_URL":
           "https://api.mypurecloud.com", variable: value}
    with pytest.raises(GenesysConfigError) as info:
        GenesysSettings.from_env(env)
    message = str(info.value)
    assert variable in message and repr(value) in message
    assert "s3cr3t-value" not in message


def test_a_bad_base_url_sends_nothing_and_is_not_retried() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:  # pragma: no cover - must not be reached
        calls.append(str(request.url))
        return httpx.Response(200, json={})

    env = {"GENESYS_CLIENT_ID": "id", "GENESYS_CLIENT_SECRET": "s3cr3t-value", "GENESYS_API_BASE_URL": "not a url"}
    clock = FakeClock()
    with pytest.raises(GenesysConfigError, match="GENESYS_API_BASE_URL"):
        GenesysClient.from_env(env, clock=clock, transport=httpx.MockTransport(handler))
    assert calls == [] and clock.sleeps == []


@pytest.mark.parametrize("variable, value", [("GENESYS_REQUESTS_PER_MINUTE", "lots"),
                                             ("GENESYS_REQUESTS_PER_MINUTE", "0"),
                                             ("GENESYS_RATE_WINDOW_S", "-1"),
                                             ("GENESYS_RATE_WINDOW_S", "soon")])
def test_numeric_settings_are_validated_naming_the_variable(variable: str, value: str) -> None:
    env = {"GENESYS_CLIENT_ID": "id", "GENESYS_CLIENT_SECRET": "s3cr3t-value", variable: value}
    with pytest.raises(GenesysConfigError) as info:
        GenesysSettings.from_env(env)
    assert variable in str(info.value) and repr(value) in str(info.value)


# -- tokens -----------------------------------------------------------------------------------------------
def test_token_is_cached_and_renewed_before_expiry(store: ConversationStore) -> None:
    clock = FakeClock()
    fake = FakeGenesys(FakeConfig(token_ttl_s=3600), store)
    with fake, client_for(fake, clock, token_renew_margin_s=300) as client:
        client.post(QUERY, DAY)
        client.post(QUERY, DAY)
        assert fake.counts["tokens_issued"] == 1
        clock.advance(3600 - 301)  # still inside the validity minus the margin
        client.post(QUERY, DAY)
        assert fake.counts["tokens_issued"] == 1
        clock.advance(2)  # inside the renewal margin: renewed before the server would refuse it
        client.post(QUERY, DAY)
        assert fake.counts["tokens_issued"] == 2
        assert fake.counts["unauthorized_401"] == 0


def test_token_renewed_once_on_401(store: ConversationStore) -> None:
    fake = make_fake(store)
    with fake, client_for(fake) as client:
        client.post(QUERY, DAY)
        fake.revoke_all_tokens()
        assert client.post(QUERY, DAY).status_code == 200
        assert fake.counts["tokens_issued"] == 2
        assert client.stats.token_renewals_on_401 == 1


def test_token_revoked_by_injected_expiry_is_renewed(store: ConversationStore) -> None:
    fake = make_fake(store, scripted=[("details/query", "expire_token")])
    with fake, client_for(fake) as client:
        assert client.post(QUERY, DAY).status_code == 200
        assert fake.counts["unauthorized_401"] == 0  # the 401 came from the fault itself
        assert fake.counts["tokens_issued"] == 2


def test_second_401_after_renewal_is_an_error(store: ConversationStore) -> None:
    fake = FakeGenesys(FakeConfig(token_ttl_s=0), store)  # every token is expired on arrival
    with fake, client_for(fake) as client:
        with pytest.raises(GenesysApiError) as info:
            client.post(QUERY, DAY)
    assert info.value.status == 401
    assert fake.counts["tokens_issued"] == 2


def test_a_401_after_a_renewal_and_a_long_429_wait_renews_again(store: ConversationStore) -> None:
    # the token expires, is renewed, the request then waits out a 429 and the new token has expired too:
    # not "credentials refused" — renew again (bounded) and carry on
    clock = FakeClock()
    fake = make_fake(store, scripted=[("details/query", "expire_token"), ("details/query", "429"),
                                      ("details/query", "expire_token"), ("details/query", "503"),
                                      ("details/query", "expire_token")], retry_after_s=900)
    with fake, client_for(fake, clock) as client:
        assert client.post(QUERY, DAY).status_code == 200
    assert client.stats.token_renewals_on_401 == 3
    assert fake.counts["tokens_issued"] == 4
    assert len(fake.accepted("POST", QUERY)) == 1


def test_401_renewals_inside_one_request_are_bounded(store: ConversationStore) -> None:
    faults = [("details/query", kind) for _ in range(6) for kind in ("expire_token", "429")]
    fake = make_fake(store, scripted=faults, retry_after_s=1)
    with fake, client_for(fake, max_401_renewals=3) as client, pytest.raises(GenesysApiError) as info:
        client.post(QUERY, DAY)
    assert info.value.status == 401 and client.stats.token_renewals_on_401 == 3


def test_bad_credentials_name_the_token_request(store: ConversationStore) -> None:
    with make_fake(store) as fake:
        env = {**fake.client_env(), "GENESYS_CLIENT_SECRET": "wrong"}
        with GenesysClient.from_env(env, clock=FakeClock()) as client, pytest.raises(GenesysApiError) as info:
            client.post(QUERY, DAY)
    assert "POST /oauth/token failed with HTTP 401 (bad.credentials)" in str(info.value)
    assert "wrong" not in str(info.value)


# -- retries ----------------------------------------------------------------------------------------------
def test_retry_after_is_honoured_with_the_injected_sleep(store: ConversationStore) -> None:
    clock = FakeClock()
    fake = make_fake(store, scripted=[("details/query", "429")], retry_after_s=7)
    with fake, client_for(fake, clock) as client:
        assert client.post(QUERY, DAY).status_code == 200
    assert 7 in clock.sleeps
    assert client.stats.rate_limited == 1 and client.stats.retries == 1
    assert len(fake.accepted("POST", QUERY)) == 1


@pytest.mark.parametrize("status", ["502", "503", "504", "drop"])
def test_5xx_and_dropped_connections_are_retried_with_backoff(store: ConversationStore, status: str) -> None:
    clock = FakeClock()
    fake = make_fake(store, scripted=[("details/query", status), ("details/query", status)])
    with fake, client_for(fake, clock) as client:
        assert client.post(QUERY, DAY).status_code == 200
    assert client.stats.retries == 2
    assert len(clock.sleeps) >= 2 and 0.25 <= clock.sleeps[0] <= 0.5 and 0.5 <= clock.sleeps[1] <= 1.0
    assert len(fake.accepted("POST", QUERY)) == 1


def test_slow_responses_time_out_and_are_retried(store: ConversationStore) -> None:
    fake = make_fake(store, scripted=[("details/query", "slow")], slow_s=1.0)
    with fake, client_for(fake, timeout_s=0.3) as client:
        assert client.post(QUERY, DAY).status_code == 200
    assert client.stats.network_errors == 1


def test_retry_budget_is_bounded(store: ConversationStore) -> None:
    fake = make_fake(store, rate_5xx=1.0)
    with fake, client_for(fake, max_retries=3) as client, pytest.raises(GenesysApiError) as info:
        client.post(QUERY, DAY)
    assert info.value.retries_exhausted and info.value.status in (502, 503, 504)
    assert client.stats.requests == 4


@pytest.mark.parametrize("status", ["400", "403"])
def test_no_retry_on_400_and_403_and_the_error_names_the_request(store: ConversationStore, status: str) -> None:
    fake = make_fake(store, scripted=[("details/query", status)])
    with fake, client_for(fake) as client, pytest.raises(GenesysApiError) as info:
        client.post(QUERY, DAY)
    err = info.value
    assert err.status == int(status) and client.stats.requests == 1 and client.stats.retries == 0
    assert err.correlation_id and err.correlation_id in str(err)
    assert str(err).startswith(f"POST {QUERY} failed with HTTP {status}")
    assert err.api_message in str(err) and err.api_message


def test_real_400_from_validation_carries_the_api_message(store: ConversationStore) -> None:
    with make_fake(store) as fake, client_for(fake) as client, pytest.raises(GenesysApiError) as info:
        client.post(QUERY, {**DAY, "paging": {"pageSize": 500, "pageNumber": 1}})
    assert "paging.pageSize must be between 1 and 100" in str(info.value)
    assert len(fake.accepted()) == 1


def test_429_without_retry_after_falls_back_to_ratelimit_reset_then_backoff() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3600})
        calls.append(1)
        if len(calls) == 1:
            return httpx.Response(429, headers={"inin-ratelimit-reset": "11"}, json={"message": "slow down"})
        if len(calls) == 2:
            return httpx.Response(429, json={"message": "slow down"})
        return httpx.Response(200, json={})

    clock = FakeClock()
    settings = GenesysSettings("http://127.0.0.1:9", "http://127.0.0.1:9", "id", "secret")
    with GenesysClient(settings, clock=clock, transport=httpx.MockTransport(handler), rng=random.Random(3),
                       backoff_base_s=1.0) as client:
        client.get("/api/v2/anything")
    assert clock.sleeps[0] == pytest.approx(11)
    assert 1.0 <= clock.sleeps[1] <= 2.0  # second 429: exponential back-off with jitter


# -- request paths built from data ----------------------------------------------------------------------
HOSTILE_PATHS = [
    "/api/v2/conversations/x/../../../users/me?a=/participants/p/attributes",  # issue 13: PATCH /api/users/me
    "/api/v2/../users/me",
    "/api/v2/conversations/./x",
    "/api/v2/conversations/%2e%2e/%2E%2E/users/me",
    "/api/v2/conversations/x%2F..%2F..%2Fusers%2Fme/participants/p/attributes",
    "/api/v2/conversations/x%252e%252e%252fusers/participants/p/attributes",
    "/api/v2/conversations/x\\..\\..\\users\\me",
    "/api/v2/conversations/x#/../../users/me",
    "/api/v2/conversations//users/me",
    "/api/v2/conversations/x y\n/participants",
    "https://evil.example/api/v2/conversations",
    "//evil.example/api/v2/conversations",
    "http://127.0.0.1:1/api/v2/conversations",
    "/api/users/me",
    "api/v2/conversations",
    "",
]


@pytest.mark.parametrize("path", HOSTILE_PATHS)
def test_a_path_that_leaves_api_v2_is_refused_and_nothing_is_sent(store: ConversationStore, path: str) -> None:
    from loaders.genesys import GenesysPathError

    with make_fake(store) as fake, client_for(fake) as client:
        with pytest.raises(GenesysPathError) as info:
            client.patch(path, {"attributes": {"a": "b"}})
        assert fake.received == []  # not even a token request: nothing left the process
        assert fake.received_outside() == []
    assert "nothing was sent" in str(info.value) and "/users/me" not in str(info.value)


def test_segments_from_data_are_percent_encoded_and_unusable_ones_refused() -> None:
    from loaders.genesys import GenesysPathError, check_api_path, segment, segment_problem

    assert segment("5f2e8a3b-9c41-4d7e-b0a6-3e1f7c9d2a84") == "5f2e8a3b-9c41-4d7e-b0a6-3e1f7c9d2a84"
    assert segment("a b:c@d+e") == "a%20b%3Ac%40d%2Be"
    check_api_path("PATCH", f"/api/v2/conversations/{segment('a b')}/participants/p/attributes")
    for value, problem in (("x/../../users/me", "'/'"), ("..", "dot segment"), ("a?b", "'?'"), ("a#", "'#'"),
                           ("%2e%2e", "'%'"), ("a\\b", "backslash"), ("", "empty"), ("a\x00", "control")):
        assert problem in segment_problem(value), value
        with pytest.raises(GenesysPathError):
            segment(value)


# -- logs -------------------------------------------------------------------------------------------------
def test_logs_carry_no_secrets_tokens_or_pii(store: ConversationStore, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fake = make_fake(store, scripted=[("details/query", "429"), ("details/query", "503"),
                                      ("details/query", "expire_token"), ("details/jobs", "400")])
    with fake, client_for(fake) as client:
        client.post(QUERY, DAY)
        with pytest.raises(GenesysApiError):
            client.post("/api/v2/analytics/conversations/details/jobs", {"interval": DAY["interval"]})
        tokens = fake.issued_tokens
    text = caplog.text
    secret = fake.config.client_secret
    basic = base64.b64encode(f"{fake.config.client_id}:{secret}".encode()).decode()
    assert tokens and all(token not in text for token in tokens)
    assert secret not in text and basic not in text and "Bearer" not in text
    assert "+1317555" not in text and "Indianapolis" not in text  # PII from the conversations
    assert "POST /api/v2/analytics/conversations/details/query -> 429" in text  # paths and statuses are logged


def test_interaction_ids_never_reach_log_text() -> None:
    # seed 004, edge case 4: interaction ids are not to be written to logs; programs still get the full path
    from loaders.genesys.errors import GenesysApiError, GenesysTransportError, loggable_path

    conversation, participant = "5f2e8a3b-9c41-4d7e-b0a6-3e1f7c9d2a84", "11111111-aaaa-4bbb-8ccc-000000000001"
    path = f"/api/v2/conversations/{conversation}/participants/{participant}/attributes"
    assert loggable_path(path) == "/api/v2/conversations/{id}/participants/{id}/attributes"
    assert loggable_path("/api/v2/externalcontacts/bulk/contacts/enrich") == (
        "/api/v2/externalcontacts/bulk/contacts/enrich"
    )
    error = GenesysApiError("PATCH", path, 410, "gone", "gone", "corr-1")
    assert error.path == path and conversation not in str(error) and participant not in str(error)
    assert conversation not in str(GenesysTransportError("PATCH", path, 3, OSError("reset")))
    # ids that are not UUIDs (or are percent-encoded) are masked too
    assert loggable_path("/api/v2/conversations/conv-0001/participants/a%20b/attributes") == (
        "/api/v2/conversations/{id}/participants/{id}/attributes")
