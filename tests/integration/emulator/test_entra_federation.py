"""The secretless flow end to end: CI OIDC token -> Entra client assertion -> Fabric token.

GitHub's and Azure DevOps' token endpoints are the emulator's; the clients are the real
msal and azure-identity, talking HTTPS to loopback only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import jwt
import msal
import pytest
import requests

from fabric_emulator._directory import FederatedCredential
from fabric_emulator.testing import RunningEmulator

FABRIC_SCOPE = ["https://api.fabric.microsoft.com/.default"]
FEDERATED_AUDIENCE = "api://AzureADTokenExchange"
DEFAULT_REQUEST_TOKEN = "emulator-github-request-token"
TIMEOUT = (5.0, 10.0)
GITHUB_URL = "/_oidc/github/token?api-version=2.0"


def _github_fetcher(
    session: requests.Session,
    emulator: RunningEmulator,
    request_token: str = DEFAULT_REQUEST_TOKEN,
    calls: list[str] | None = None,
) -> Callable[[], str]:
    """Return what a workflow step would pass to msal: fetch a fresh GitHub ID token."""

    def fetch() -> str:
        response = session.get(
            f"{emulator.base_url}{GITHUB_URL}",
            params={"audience": FEDERATED_AUDIENCE},
            headers={"Authorization": f"Bearer {request_token}"},
            timeout=TIMEOUT,
        )
        response.raise_for_status()
        token = str(response.json()["value"])
        if calls is not None:
            calls.append(token)
        return token

    return fetch


def _msal_with_assertion(
    emulator: RunningEmulator, session: requests.Session, assertion: Callable[[], str]
) -> msal.ConfidentialClientApplication:
    return msal.ConfidentialClientApplication(
        emulator.client_id,
        client_credential={"client_assertion": assertion},
        authority=emulator.authority,
        instance_discovery=False,
        http_client=session,
    )


def _verify_emulator_jwt(emulator: RunningEmulator, token: str, audience: str) -> dict[str, Any]:
    claims: dict[str, Any] = emulator.emulator.keys.decode(
        token, audience=audience, now_epoch_s=emulator.emulator.clock.now()
    )
    return claims


# -- GitHub ----------------------------------------------------------------------------


def test_github_token_endpoint_mints_github_shaped_tokens(
    emulator: RunningEmulator, ca_session: requests.Session
) -> None:
    response = ca_session.get(
        f"{emulator.base_url}{GITHUB_URL}&audience=api%3A%2F%2FAzureADTokenExchange",
        headers={"Authorization": f"Bearer {DEFAULT_REQUEST_TOKEN}"},
        timeout=TIMEOUT,
    )
    body = response.json()
    claims = _verify_emulator_jwt(emulator, body["value"], FEDERATED_AUDIENCE)

    assert response.status_code == 200
    assert body["count"] == len(body["value"])
    assert claims["iss"] == "https://token.actions.githubusercontent.com"
    assert claims["sub"] == "repo:contoso/sales-analytics:ref:refs/heads/main"
    assert (claims["repository"], claims["ref"]) == ("contoso/sales-analytics", "refs/heads/main")
    assert claims["job_workflow_ref"].startswith("contoso/sales-analytics/.github/workflows/")
    assert {"sha", "workflow", "run_id", "jti"} <= set(claims)
    assert "environment" not in claims
    assert claims["iat"] == int(emulator.emulator.clock.now())
    assert claims["exp"] == claims["iat"] + 300
    assert jwt.get_unverified_header(body["value"])["kid"] == emulator.emulator.keys.kid


def test_github_default_audience_is_the_owner_url(
    emulator: RunningEmulator, ca_session: requests.Session
) -> None:
    response = ca_session.get(
        f"{emulator.base_url}{GITHUB_URL}",
        headers={"Authorization": f"Bearer {DEFAULT_REQUEST_TOKEN}"},
        timeout=TIMEOUT,
    )

    claims = jwt.decode(response.json()["value"], options={"verify_signature": False})
    assert claims["aud"] == "https://github.com/contoso"


@pytest.mark.parametrize("authorization", [None, "Bearer unknown-token", "Basic abc"])
def test_github_token_endpoint_refuses_unknown_request_tokens(
    emulator: RunningEmulator, ca_session: requests.Session, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}

    response = ca_session.get(f"{emulator.base_url}{GITHUB_URL}", headers=headers, timeout=TIMEOUT)

    assert response.status_code == 401
    assert response.json()["typeKey"] == "UnauthorizedRequestException"


def test_msal_exchanges_a_github_token_for_a_fabric_token(
    emulator: RunningEmulator, ca_session: requests.Session
) -> None:
    fetched: list[str] = []
    app = _msal_with_assertion(
        emulator, ca_session, _github_fetcher(ca_session, emulator, calls=fetched)
    )

    result = app.acquire_token_for_client(FABRIC_SCOPE)
    again = app.acquire_token_for_client(FABRIC_SCOPE)

    assert result.get("token_type") == "Bearer", result
    assert again["token_source"] == "cache"
    assert len(fetched) == 1
    claims = _verify_emulator_jwt(
        emulator, result["access_token"], "https://api.fabric.microsoft.com"
    )
    assert claims["appid"] == emulator.client_id
    assert claims["oid"] == emulator.emulator.directory.apps[emulator.client_id].object_id


def test_registered_environment_job_matches_the_environment_credential(
    emulator: RunningEmulator, ca_session: requests.Session
) -> None:
    job = emulator.control("POST", "oidc/github", {"environment": "prod"})
    fetch = _github_fetcher(ca_session, emulator, job["request_token"])

    result = _msal_with_assertion(emulator, ca_session, fetch).acquire_token_for_client(
        FABRIC_SCOPE
    )

    assert job["subject"] == "repo:contoso/sales-analytics:environment:prod"
    assert job["request_url"] == f"{emulator.base_url}{GITHUB_URL}"
    assert result.get("token_type") == "Bearer", result


def test_mismatched_subject_is_refused_with_700213(
    emulator: RunningEmulator, ca_session: requests.Session
) -> None:
    job = emulator.control("POST", "oidc/github", {"ref": "refs/heads/feature/x"})
    fetch = _github_fetcher(ca_session, emulator, job["request_token"])

    result = _msal_with_assertion(emulator, ca_session, fetch).acquire_token_for_client(
        FABRIC_SCOPE
    )

    assert (result["error"], result["error_codes"]) == ("invalid_client", [700213])


def test_immutable_subject_needs_its_own_credential(
    emulator: RunningEmulator, ca_session: requests.Session
) -> None:
    job = emulator.control("POST", "oidc/github", {"immutable_subject": True})
    fetch = _github_fetcher(ca_session, emulator, job["request_token"])
    refused = _msal_with_assertion(emulator, ca_session, fetch).acquire_token_for_client(
        FABRIC_SCOPE
    )
    with emulator.emulator.lock:
        app = emulator.emulator.directory.apps[emulator.client_id]
        app.federated_credentials.append(
            FederatedCredential(
                name="github-immutable",
                issuer="https://token.actions.githubusercontent.com",
                subject=job["subject"],
            )
        )

    accepted = _msal_with_assertion(emulator, ca_session, fetch).acquire_token_for_client(
        FABRIC_SCOPE
    )

    assert re.fullmatch(r"repo:contoso@\d+/sales-analytics@\d+:ref:refs/heads/main", job["subject"])
    assert refused["error_codes"] == [700213]
    assert accepted.get("token_type") == "Bearer", accepted


def test_expired_github_assertion_is_refused_with_700024(
    emulator: RunningEmulator, ca_session: requests.Session
) -> None:
    stale = _github_fetcher(ca_session, emulator)()
    emulator.advance(600)

    result = _msal_with_assertion(emulator, ca_session, lambda: stale).acquire_token_for_client(
        FABRIC_SCOPE
    )

    assert (result["error"], result["error_codes"]) == ("invalid_client", [700024])


def test_a_fresh_assertion_after_the_clock_moved_still_works(
    emulator: RunningEmulator, ca_session: requests.Session
) -> None:
    emulator.advance(3600)
    fetch = _github_fetcher(ca_session, emulator)

    result = _msal_with_assertion(emulator, ca_session, fetch).acquire_token_for_client(
        FABRIC_SCOPE
    )

    assert result.get("token_type") == "Bearer", result


def test_github_control_route_lists_and_validates(emulator: RunningEmulator) -> None:
    listed = emulator.control("GET", "oidc/github")["value"]
    bad = emulator.session.post(
        f"{emulator.base_url}/_emulator/oidc/github",
        json={"repository": "no-owner"},
        timeout=TIMEOUT,
    )

    assert [job["request_token"] for job in listed] == [DEFAULT_REQUEST_TOKEN]
    assert bad.status_code == 400
    assert bad.json()["errorCode"] == "InvalidRequest"


def test_reset_forgets_registered_jobs_and_restores_the_default(
    emulator: RunningEmulator, ca_session: requests.Session
) -> None:
    job = emulator.control("POST", "oidc/github", {"request_token": "mine", "ref": "refs/tags/v1"})
    emulator.control("POST", "reset")

    tokens = [item["request_token"] for item in emulator.control("GET", "oidc/github")["value"]]

    assert job["request_token"] == "mine"
    assert tokens == [DEFAULT_REQUEST_TOKEN]


# -- Azure DevOps ----------------------------------------------------------------------


def _connection(emulator: RunningEmulator, name: str) -> dict[str, Any]:
    connections = emulator.control("GET", "oidc/azuredevops")["value"]
    return next(item for item in connections if item["name"] == name)


def _ado_token(
    session: requests.Session,
    connection: dict[str, Any],
    *,
    query: dict[str, str] | None = None,
    access_token: str | None = None,
) -> requests.Response:
    params = (
        {"api-version": "7.1-preview.1", "serviceConnectionId": connection["service_connection_id"]}
        if query is None
        else query
    )
    return session.post(
        connection["oidc_request_uri"],
        params=params,
        headers={
            "Authorization": f"Bearer {access_token or connection['system_access_token']}",
            "Content-Type": "application/json",
            "X-TFS-FedAuthRedirect": "Suppress",
        },
        timeout=TIMEOUT,
    )


@pytest.mark.parametrize(
    ("name", "issuer_pattern", "subject_pattern"),
    [
        (
            "fabric-prod",
            r"https://login\.microsoftonline\.com/[0-9a-f-]{36}/v2\.0",
            r"/eid1/c/pub/t/[\w-]{22}/a/rISbSSETf0KqFyZ8ppdXmA/sc/[0-9a-f-]{36}/[0-9a-f-]{36}",
        ),
        (
            "fabric-prod-legacy",
            r"https://vstoken\.dev\.azure\.com/[0-9a-f-]{36}",
            r"sc://contoso/sales-analytics/fabric-prod-legacy",
        ),
    ],
)
def test_azure_devops_oidc_tokens_of_both_issuers(
    emulator: RunningEmulator,
    ca_session: requests.Session,
    name: str,
    issuer_pattern: str,
    subject_pattern: str,
) -> None:
    connection = _connection(emulator, name)

    response = _ado_token(ca_session, connection)
    claims = _verify_emulator_jwt(emulator, response.json()["oidcToken"], FEDERATED_AUDIENCE)

    assert response.status_code == 200
    assert (claims["iss"], claims["sub"]) == (connection["issuer"], connection["subject"])
    assert re.fullmatch(issuer_pattern, claims["iss"])
    assert re.fullmatch(subject_pattern, claims["sub"])
    assert claims["exp"] == claims["iat"] + 300


@pytest.mark.parametrize("name", ["fabric-prod", "fabric-prod-legacy"])
def test_azure_pipelines_credential_gets_a_fabric_token(
    emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    identity = pytest.importorskip("azure.identity")
    connection = _connection(emulator, name)
    monkeypatch.setenv("SYSTEM_OIDCREQUESTURI", connection["oidc_request_uri"])
    credential = identity.AzurePipelinesCredential(
        tenant_id=emulator.tenant,
        client_id=emulator.client_id,
        service_connection_id=connection["service_connection_id"],
        system_access_token=connection["system_access_token"],
        authority=emulator.base_url,
        connection_verify=str(emulator.ca_path),
    )

    token = credential.get_token(FABRIC_SCOPE[0])
    credential.close()

    claims = _verify_emulator_jwt(emulator, token.token, "https://api.fabric.microsoft.com")
    assert claims["appid"] == emulator.client_id
    oidc_posts = [entry for entry in emulator.requests_log() if "/_oidc/" in entry["path"]]
    assert [(entry["method"], entry["status"]) for entry in oidc_posts] == [("POST", 200)]
    assert "api-version=7.1&serviceConnectionId=" in oidc_posts[0]["query"]


def test_registered_connection_is_refused_until_a_credential_trusts_it(
    emulator: RunningEmulator, ca_session: requests.Session
) -> None:
    connection = emulator.control(
        "POST",
        "oidc/azuredevops",
        {"name": "fabric-test", "issuer": "legacy", "system_access_token": "job-token"},
    )
    assertion = _ado_token(ca_session, connection).json()["oidcToken"]
    app = _msal_with_assertion(emulator, ca_session, lambda: assertion)
    refused = app.acquire_token_for_client(FABRIC_SCOPE)
    with emulator.emulator.lock:
        emulator.emulator.directory.apps[emulator.client_id].federated_credentials.append(
            FederatedCredential(
                name="ado-test", issuer=connection["issuer"], subject=connection["subject"]
            )
        )

    accepted = _msal_with_assertion(emulator, ca_session, lambda: assertion)
    result = accepted.acquire_token_for_client(FABRIC_SCOPE)

    assert connection["system_access_token"] == "job-token"
    assert connection["subject"] == "sc://contoso/sales-analytics/fabric-test"
    assert refused["error_codes"] == [700213]
    assert result.get("token_type") == "Bearer", result


def test_azure_devops_endpoint_refusals(
    emulator: RunningEmulator, ca_session: requests.Session
) -> None:
    connection = _connection(emulator, "fabric-prod")
    other_project = dict(
        connection,
        oidc_request_uri=connection["oidc_request_uri"].replace(
            connection["project_id"], "00000000-0000-0000-0000-000000000000"
        ),
    )
    release_hub = dict(
        connection, oidc_request_uri=connection["oidc_request_uri"].replace("/build/", "/nope/")
    )
    sc_id = connection["service_connection_id"]

    answers = {
        "no-token": _ado_token(ca_session, connection, access_token="stranger"),
        "no-api-version": _ado_token(ca_session, connection, query={"serviceConnectionId": sc_id}),
        "no-connection": _ado_token(ca_session, connection, query={"api-version": "7.1"}),
        "unknown-connection": _ado_token(
            ca_session,
            connection,
            query={
                "api-version": "7.1",
                "serviceConnectionId": "6d2a4c9e-0000-4000-8000-000000000000",
            },
        ),
        "other-project": _ado_token(ca_session, other_project),
        "unknown-hub": _ado_token(ca_session, release_hub),
    }

    assert {name: (r.status_code, r.json()["typeKey"]) for name, r in answers.items()} == {
        "no-token": (401, "UnauthorizedRequestException"),
        "no-api-version": (400, "VssVersionNotSpecifiedException"),
        "no-connection": (400, "InvalidRequestException"),
        "unknown-connection": (404, "ServiceEndpointNotFoundException"),
        "other-project": (404, "ServiceEndpointNotFoundException"),
        "unknown-hub": (404, "HubNotFoundException"),
    }


def test_azure_devops_control_route_validates(emulator: RunningEmulator) -> None:
    response = emulator.session.post(
        f"{emulator.base_url}/_emulator/oidc/azuredevops",
        json={"name": "x", "issuer": "github"},
        timeout=TIMEOUT,
    )

    assert response.status_code == 400
    assert response.json()["errorCode"] == "InvalidRequest"
