"""CI OIDC token sources: the exact request, a fresh token per call, retries, clear refusals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import requests_mock

from fabric_action.auth import PUBLIC_CLOUD, AzureDevOpsIdTokenSource, GitHubIdTokenSource
from fabric_action.errors import AuthError
from fabric_action.reliability import FakeClock

GITHUB_URL = "https://pipelines.actions.githubusercontent.com/abc/idtoken?api-version=2.0"
REQUEST_TOKEN = "gh-request-token-XYZ"
ADO_URI = (
    "https://dev.azure.com/contoso/0000/_apis/distributedtask/hubs/build/plans/p/jobs/j/oidctoken"
)
ACCESS_TOKEN = "ado-access-token-XYZ"
CONNECTION = "6d2a4c9e-1111-4000-8000-000000000000"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"


@pytest.fixture
def adapter() -> requests_mock.Adapter:
    return requests_mock.Adapter()


@pytest.fixture
def session(adapter: requests_mock.Adapter) -> Iterator[requests.Session]:
    session = PUBLIC_CLOUD.http_session({})
    session.mount("https://", adapter)
    yield session
    session.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _github(session: requests.Session, clock: FakeClock, **kwargs: Any) -> GitHubIdTokenSource:
    return GitHubIdTokenSource(
        request_url=kwargs.pop("request_url", GITHUB_URL),
        request_token=REQUEST_TOKEN,
        session=session,
        clock=clock,
        **kwargs,
    )


def _ado(session: requests.Session, clock: FakeClock, **kwargs: Any) -> AzureDevOpsIdTokenSource:
    return AzureDevOpsIdTokenSource(
        request_uri=ADO_URI + "/",
        service_connection_id=CONNECTION,
        access_token=ACCESS_TOKEN,
        session=session,
        clock=clock,
        **kwargs,
    )


def test_github_request_is_the_documented_one(
    adapter: requests_mock.Adapter, session: requests.Session, clock: FakeClock
) -> None:
    adapter.register_uri("GET", GITHUB_URL, json={"count": 1, "value": JWT})
    masked: list[str] = []

    token = _github(session, clock, mask=masked.append)()

    request = adapter.last_request
    assert request is not None
    assert token == JWT
    assert masked == [JWT]
    assert request.url == GITHUB_URL + "&audience=api%3A%2F%2FAzureADTokenExchange"
    assert request.headers["Authorization"] == f"Bearer {REQUEST_TOKEN}"
    assert request.headers["Accept"] == "application/json"
    assert request.timeout == (10.0, 30.0)  # type: ignore[comparison-overlap]  # stub says int


def test_github_url_without_query_and_custom_audience(
    adapter: requests_mock.Adapter, session: requests.Session, clock: FakeClock
) -> None:
    adapter.register_uri("GET", "https://gh.example/token", json={"value": JWT})

    _github(session, clock, request_url="https://gh.example/token", audience="api://Other")()

    assert adapter.last_request is not None
    assert adapter.last_request.url == "https://gh.example/token?audience=api%3A%2F%2FOther"


def test_every_call_fetches_a_new_token(
    adapter: requests_mock.Adapter, session: requests.Session, clock: FakeClock
) -> None:
    adapter.register_uri("GET", GITHUB_URL, [{"json": {"value": f"{JWT}{n}"}} for n in range(3)])
    source = _github(session, clock)

    tokens = [source(), source(), source()]

    assert tokens == [f"{JWT}0", f"{JWT}1", f"{JWT}2"]
    assert adapter.call_count == 3


def test_azure_devops_request_is_what_azure_identity_sends(
    adapter: requests_mock.Adapter, session: requests.Session, clock: FakeClock
) -> None:
    adapter.register_uri("POST", ADO_URI, json={"oidcToken": JWT})

    token = _ado(session, clock)()

    request = adapter.last_request
    assert request is not None
    assert token == JWT
    assert request.url == f"{ADO_URI}?api-version=7.1&serviceConnectionId={CONNECTION}"
    assert request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-TFS-FedAuthRedirect"] == "Suppress"
    assert not request.body


def test_transient_failures_are_retried_on_the_clock(
    adapter: requests_mock.Adapter, session: requests.Session, clock: FakeClock
) -> None:
    adapter.register_uri(
        "GET",
        GITHUB_URL,
        [
            {"exc": requests.exceptions.ConnectTimeout},
            {"exc": requests.exceptions.ChunkedEncodingError},
            {"status_code": 503},
            {"json": {"value": JWT}},
        ],
    )

    assert _github(session, clock, attempts=4)() == JWT
    assert clock.sleeps == [1.0, 2.0, 4.0]


def test_retry_after_is_honoured_and_capped(
    adapter: requests_mock.Adapter, session: requests.Session, clock: FakeClock
) -> None:
    adapter.register_uri(
        "POST",
        ADO_URI,
        [
            {"status_code": 429, "headers": {"Retry-After": "7"}},
            {"status_code": 429, "headers": {"Retry-After": "9999"}},
            {"json": {"oidcToken": JWT}},
        ],
    )

    assert _ado(session, clock)() == JWT
    assert clock.sleeps == [7.0, 30.0]


@pytest.mark.parametrize("retry_after", ["soon", "0", ""])
def test_unusable_retry_after_falls_back_to_backoff(
    adapter: requests_mock.Adapter, session: requests.Session, clock: FakeClock, retry_after: str
) -> None:
    adapter.register_uri(
        "GET",
        GITHUB_URL,
        [
            {"status_code": 503, "headers": {"Retry-After": retry_after}},
            {"json": {"value": JWT}},
        ],
    )

    _github(session, clock)()

    assert clock.sleeps == [1.0]


def test_giving_up_after_the_last_attempt(
    adapter: requests_mock.Adapter, session: requests.Session, clock: FakeClock
) -> None:
    adapter.register_uri("GET", GITHUB_URL, status_code=502)

    with pytest.raises(AuthError) as caught:
        _github(session, clock, attempts=2)()

    assert str(caught.value) == (
        "could not get an OIDC token from GitHub at "
        "https://pipelines.actions.githubusercontent.com/abc/idtoken after 2 attempts: HTTP 502"
    )
    assert adapter.call_count == 2
    assert clock.sleeps == [1.0]


@pytest.mark.parametrize(
    ("exc", "message"),
    [
        (requests.exceptions.SSLError, "TLS verification failed"),
        (requests.exceptions.TooManyRedirects, "TooManyRedirects"),
    ],
)
def test_permanent_request_failures_are_not_retried(
    adapter: requests_mock.Adapter,
    session: requests.Session,
    clock: FakeClock,
    exc: type[Exception],
    message: str,
) -> None:
    adapter.register_uri("GET", GITHUB_URL, exc=exc)

    with pytest.raises(AuthError, match=message):
        _github(session, clock)()

    assert adapter.call_count == 1
    assert clock.sleeps == []


def test_a_malformed_request_url_is_reported_without_its_port(
    session: requests.Session, clock: FakeClock
) -> None:
    with pytest.raises(AuthError) as caught:
        _github(session, clock, request_url="https://gh.example:99999/x")()

    assert "GitHub OIDC token request to https://gh.example/x failed" in str(caught.value)


def test_attempts_must_be_positive(session: requests.Session, clock: FakeClock) -> None:
    with pytest.raises(ValueError, match="attempts"):
        _github(session, clock, attempts=0)


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (401, {"message": f"bad token {REQUEST_TOKEN}"}, "id-token: write"),
        (403, "not json", "ACTIONS_ID_TOKEN_REQUEST_TOKEN was not accepted"),
        (400, {"message": 42}, "check ACTIONS_ID_TOKEN_REQUEST_URL"),
    ],
)
def test_github_refusals(
    adapter: requests_mock.Adapter,
    session: requests.Session,
    clock: FakeClock,
    status: int,
    body: Any,
    expected: str,
) -> None:
    kwargs = {"json": body} if isinstance(body, dict) else {"text": body}
    adapter.register_uri("GET", GITHUB_URL, status_code=status, **kwargs)

    with pytest.raises(AuthError, match=expected) as caught:
        _github(session, clock)()

    assert REQUEST_TOKEN not in str(caught.value)
    assert f"HTTP {status}" in str(caught.value)
    assert adapter.call_count == 1


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, "SYSTEM_ACCESSTOKEN: \\$\\(System.AccessToken\\)"),
        (404, f"service connection {CONNECTION} was not found"),
        (400, "check SYSTEM_OIDCREQUESTURI"),
    ],
)
def test_azure_devops_refusals(
    adapter: requests_mock.Adapter,
    session: requests.Session,
    clock: FakeClock,
    status: int,
    expected: str,
) -> None:
    adapter.register_uri(
        "POST", ADO_URI, status_code=status, json={"message": "TF400813: not authorized."}
    )

    with pytest.raises(AuthError, match=expected) as caught:
        _ado(session, clock)()

    assert "TF400813: not authorized." in str(caught.value)
    assert ACCESS_TOKEN not in str(caught.value)


@pytest.mark.parametrize(
    "body", [{"value": ""}, {"value": "not-a-jwt"}, {"count": 0}, ["x"], {"value": 7}]
)
def test_answers_without_a_token(
    adapter: requests_mock.Adapter, session: requests.Session, clock: FakeClock, body: Any
) -> None:
    adapter.register_uri("GET", GITHUB_URL, json=body)

    with pytest.raises(AuthError, match="without a token \\('value' missing or not a JWT\\)"):
        _github(session, clock)()


def test_messages_never_show_userinfo_or_query(
    adapter: requests_mock.Adapter, session: requests.Session, clock: FakeClock
) -> None:
    adapter.register_uri("GET", requests_mock.ANY, status_code=500)
    url = "https://user:pw@gh.example:8443/token?sig=SECRETSIG"

    with pytest.raises(AuthError) as caught:
        _github(session, clock, request_url=url, attempts=1)()

    assert "https://gh.example:8443/token after 1 attempts" in str(caught.value)
    assert "SECRETSIG" not in str(caught.value)
    assert "pw" not in str(caught.value)


def test_describe_and_close(session: requests.Session, clock: FakeClock) -> None:
    ado = _ado(session, clock)

    assert _github(session, clock).describe() == "GitHub Actions OIDC token"
    assert CONNECTION in ado.describe()
    ado.close()
