"""The emulated Key Vault over HTTPS: the challenge, secrets and versions, errors, faults.

Most tests drive it with the real azure-keyvault-secrets client and an azure-identity
credential pointed at the emulator's Entra; the wire-level tests use a CA-pinned session.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.core.exceptions import ResourceNotFoundError as AzureNotFound
from azure.identity import ClientSecretCredential
from azure.keyvault.secrets import SecretClient
from azure.keyvault.secrets._shared import http_challenge_cache

from fabric_emulator._tokens import FABRIC_AUDIENCE, KEY_VAULT_AUDIENCE, mint_access_token
from fabric_emulator.testing import RunningEmulator

TIMEOUT = (5.0, 10.0)
API = "api-version=2026-04-01"


@pytest.fixture(autouse=True)
def _fresh_challenge_cache() -> Iterator[None]:
    """The SDK caches challenges per vault host for the whole process."""
    http_challenge_cache.clear()
    yield
    http_challenge_cache.clear()


@pytest.fixture
def credential(emulator: RunningEmulator) -> Iterator[ClientSecretCredential]:
    """An azure-identity credential for the default app, against the emulator's Entra."""
    made = ClientSecretCredential(
        emulator.tenant,
        emulator.client_id,
        emulator.client_secret,
        authority=emulator.base_url,
        disable_instance_discovery=True,
        connection_verify=str(emulator.ca_path),
    )
    yield made
    made.close()


@pytest.fixture
def client(emulator: RunningEmulator, credential: ClientSecretCredential) -> Iterator[SecretClient]:
    """The real SecretClient with the emulator as its vault (no retries: faults fail fast)."""
    made = SecretClient(
        emulator.base_url,
        credential,
        verify_challenge_resource=False,
        connection_verify=str(emulator.ca_path),
        retry_total=0,
    )
    yield made
    made.close()


def _token(emulator: RunningEmulator, audience: str = KEY_VAULT_AUDIENCE, **claims: Any) -> str:
    app = emulator.emulator.directory.apps[emulator.client_id]
    return mint_access_token(
        emulator.emulator.keys,
        issuer_base="https://sts.windows.net",
        tenant_id=claims.get("tenant_id", emulator.emulator.directory.tenant_id),
        audience=audience,
        object_id=app.object_id,
        app_id=app.client_id,
        now_epoch_s=emulator.emulator.clock.now(),
        lifetime_s=claims.get("lifetime_s", 3599),
    )


def _vault(
    session: requests.Session,
    emulator: RunningEmulator,
    method: str,
    path: str,
    *,
    token: str | None = None,
    query: str = API,
    body: Any = None,
) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return session.request(
        method,
        f"{emulator.base_url}{path}?{query}",
        headers=headers,
        json=body,
        timeout=TIMEOUT,
    )


def _seed(emulator: RunningEmulator, name: str, value: str, **extra: Any) -> dict[str, Any]:
    return dict(emulator.control("PUT", f"keyvault/secrets/{name}", {"value": value, **extra}))


# -- the challenge flow ---------------------------------------------------------------------


def test_sdk_runs_the_challenge_then_reads_with_a_vault_token(
    emulator: RunningEmulator, client: SecretClient
) -> None:
    _seed(emulator, "db-password", "s3cr3t")

    secret = client.get_secret("db-password")

    assert (secret.name, secret.value, secret.properties.enabled) == ("db-password", "s3cr3t", True)
    log = [
        (e["method"], e["path"], e["status"], e["authorization"]) for e in emulator.requests_log()
    ]
    vault_calls = [entry for entry in log if entry[1].startswith("/secrets")]
    assert vault_calls == [
        ("GET", "/secrets/db-password/", 401, False),
        ("GET", "/secrets/db-password/", 200, True),
    ]
    assert any(path.endswith("/oauth2/v2.0/token") for _, path, _, _ in log)


def test_challenge_header_names_the_tenant_authority_and_the_vault_resource(
    emulator: RunningEmulator, ca_session: requests.Session
) -> None:
    response = _vault(ca_session, emulator, "GET", "/secrets/anything/")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == (
        f'Bearer authorization="{emulator.base_url}/{emulator.tenant}", '
        'resource="https://vault.azure.net"'
    )
    assert response.json() == {
        "error": {
            "code": "Unauthorized",
            "message": "AKV10000: Request is missing a Bearer or PoP token.",
        }
    }
    assert response.headers["x-ms-request-id"] == response.headers["RequestId"]


@pytest.mark.parametrize(
    ("make_token", "expected"),
    [
        (lambda e: _token(e, audience=FABRIC_AUDIENCE), "InvalidToken"),
        (lambda e: _token(e, tenant_id="00000000-0000-0000-0000-000000000000"), "AKV10032"),
        (lambda e: "not-a-jwt", "InvalidToken"),
    ],
    ids=["fabric-audience", "other-tenant", "malformed"],
)
def test_wrong_tokens_get_the_challenge(
    emulator: RunningEmulator, ca_session: requests.Session, make_token: Any, expected: str
) -> None:
    _seed(emulator, "db-password", "s3cr3t")

    response = _vault(
        ca_session, emulator, "GET", "/secrets/db-password", token=make_token(emulator)
    )

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Bearer authorization="')
    assert response.json()["error"]["code"] == "Unauthorized"
    assert expected in response.json()["error"]["message"]
    assert "s3cr3t" not in response.text


def test_expired_token_gets_the_challenge(
    emulator: RunningEmulator, ca_session: requests.Session
) -> None:
    _seed(emulator, "db-password", "s3cr3t")
    token = _token(emulator, lifetime_s=60)
    fresh = _vault(ca_session, emulator, "GET", "/secrets/db-password", token=token)
    emulator.advance(61)

    expired = _vault(ca_session, emulator, "GET", "/secrets/db-password", token=token)

    assert fresh.status_code == 200
    assert expired.status_code == 401
    assert "TokenExpired" in expired.json()["error"]["message"]
    assert "WWW-Authenticate" in expired.headers


def test_sdk_fails_when_the_vault_keeps_refusing_its_token(
    emulator: RunningEmulator, client: SecretClient
) -> None:
    """The SDK's token is valid by the real clock but expired by the emulator's."""
    _seed(emulator, "db-password", "s3cr3t")
    client.get_secret("db-password")
    emulator.advance(4000)

    with pytest.raises(ClientAuthenticationError) as caught:
        client.get_secret("db-password")

    assert caught.value.status_code == 401


def test_vault_access_can_be_limited_to_some_apps(
    emulator: RunningEmulator, client: SecretClient
) -> None:
    _seed(emulator, "db-password", "s3cr3t")
    emulator.control("PUT", "keyvault/access", {"allowed_client_ids": ["someone-else"]})

    with pytest.raises(HttpResponseError) as caught:
        client.get_secret("db-password")
    emulator.control("PUT", "keyvault/access", {"allowed_client_ids": None})

    assert caught.value.status_code == 403
    assert caught.value.error is not None
    assert caught.value.error.innererror == {"code": "ForbiddenByRbac"}
    assert client.get_secret("db-password").value == "s3cr3t"


# -- secrets, versions, errors --------------------------------------------------------------


def test_set_through_the_api_creates_versions_and_get_reads_each(client: SecretClient) -> None:
    first = client.set_secret("api-key", "one", content_type="text/plain", tags={"team": "data"})
    second = client.set_secret("API-KEY", "two")

    latest = client.get_secret("api-key")
    old = client.get_secret("api-key", first.properties.version)
    versions = [p.version for p in client.list_properties_of_secret_versions("api-key")]

    assert (latest.value, latest.properties.version) == ("two", second.properties.version)
    assert (old.value, old.properties.content_type, old.properties.tags) == (
        "one",
        "text/plain",
        {"team": "data"},
    )
    assert latest.name == "api-key"  # the first spelling is kept: names are case-insensitive
    assert versions == [first.properties.version, second.properties.version]
    assert first.properties.version is not None
    assert len(first.properties.version) == 32


def test_disabled_secret_answers_403_forbidden_secret_disabled(
    emulator: RunningEmulator, client: SecretClient
) -> None:
    _seed(emulator, "old-key", "gone", enabled=False)

    with pytest.raises(HttpResponseError) as caught:
        client.get_secret("old-key")

    error = caught.value.error
    assert caught.value.status_code == 403
    assert error is not None
    assert (error.code, error.innererror) == ("Forbidden", {"code": "SecretDisabled"})
    assert [p.enabled for p in client.list_properties_of_secrets()] == [False]


def test_disabling_through_the_api_hides_the_value(client: SecretClient) -> None:
    client.set_secret("rotating", "v1")

    updated = client.update_secret_properties("rotating", enabled=False)

    assert updated.enabled is False
    with pytest.raises(HttpResponseError, match="disabled secret"):
        client.get_secret("rotating")


def test_missing_secret_and_version_answer_404_secret_not_found(client: SecretClient) -> None:
    client.set_secret("present", "x")

    with pytest.raises(AzureNotFound) as missing:
        client.get_secret("absent")
    with pytest.raises(AzureNotFound) as missing_version:
        client.get_secret("present", "0" * 32)

    for caught in (missing, missing_version):
        assert caught.value.error is not None
        assert caught.value.error.code == "SecretNotFound"
    assert "(name/id) absent was not found" in str(missing.value)


def test_list_pages_with_next_link(emulator: RunningEmulator, client: SecretClient) -> None:
    for index in range(30):
        _seed(emulator, f"secret-{index:02d}", str(index))

    names = [p.name for p in client.list_properties_of_secrets(max_page_size=7)]

    assert names == [f"secret-{index:02d}" for index in range(30)]
    pages = [e for e in emulator.requests_log() if e["path"] == "/secrets" and e["status"] == 200]
    assert len(pages) == 5
    assert "$skiptoken=28" in pages[-1]["query"]


@pytest.mark.parametrize(
    ("method", "path", "query", "body", "message"),
    [
        ("GET", "/secrets/x", "", None, "'api-version' query parameter is missing"),
        ("GET", "/secrets/x", "api-version=1.0", None, "version (1.0) is not recognized"),
        ("GET", "/secrets/bad_name", API, None, "invalid name: bad_name"),
        ("PUT", "/secrets/x", API, {"nope": 1}, "'value' is required"),
        ("PUT", "/secrets/x", API, [1], "must be a JSON object"),
        ("PUT", "/secrets/x", API, {"value": "v", "tags": {"a": 1}}, "'tags'"),
        ("PUT", "/secrets/x", API, {"value": "v", "attributes": []}, "'attributes'"),
        ("PUT", "/secrets/x", API, {"value": "v", "attributes": {"enabled": "no"}}, "enabled"),
        ("PUT", "/secrets/x", API, {"value": "v", "attributes": {"exp": "soon"}}, "exp"),
        ("GET", "/secrets", API + "&maxresults=26", None, "maxresults"),
        ("GET", "/secrets", API + "&$skiptoken=abc", None, "$skiptoken"),
    ],
)
def test_bad_requests_get_key_vault_bad_parameter(
    emulator: RunningEmulator,
    ca_session: requests.Session,
    method: str,
    path: str,
    query: str,
    body: Any,
    message: str,
) -> None:
    response = _vault(
        ca_session, emulator, method, path, token=_token(emulator), query=query, body=body
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadParameter"
    assert message in response.json()["error"]["message"]


def test_invalid_json_body_is_bad_parameter(
    emulator: RunningEmulator, ca_session: requests.Session
) -> None:
    response = ca_session.put(
        f"{emulator.base_url}/secrets/x?{API}",
        data=b"{not json",
        headers={"Authorization": f"Bearer {_token(emulator)}"},
        timeout=TIMEOUT,
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadParameter"


def test_put_with_attributes_round_trips_them(
    emulator: RunningEmulator, ca_session: requests.Session
) -> None:
    body = {"value": "v", "attributes": {"enabled": True, "nbf": 1000, "exp": 2000}, "tags": None}

    response = _vault(
        ca_session, emulator, "PUT", "/secrets/timed", token=_token(emulator), body=body
    )

    attributes = response.json()["attributes"]
    assert (attributes["nbf"], attributes["exp"], attributes["enabled"]) == (1000, 2000, True)
    assert attributes["recoveryLevel"] == "Recoverable+Purgeable"
    assert response.json()["id"].startswith(f"{emulator.base_url}/secrets/timed/")


def test_versions_of_an_unknown_secret_are_an_empty_list(
    emulator: RunningEmulator, ca_session: requests.Session
) -> None:
    response = _vault(
        ca_session, emulator, "GET", "/secrets/ghost/versions", token=_token(emulator)
    )

    assert response.json() == {"value": [], "nextLink": None}


# -- faults, control routes, reset ----------------------------------------------------------


def test_fault_rules_on_secrets_make_the_vault_fail(
    emulator: RunningEmulator, client: SecretClient
) -> None:
    _seed(emulator, "db-password", "s3cr3t")
    emulator.set_faults([{"route": "/secrets/**", "error_rate": 1.0, "error_statuses": [503]}])

    with pytest.raises(HttpResponseError) as caught:
        client.get_secret("db-password")

    assert caught.value.status_code == 503
    assert caught.value.error is not None and caught.value.error.code == "ServiceUnavailable"
    assert emulator.requests_log()[-1]["injected"] == ["error"]


def test_control_routes_seed_describe_and_validate(
    emulator: RunningEmulator, ca_session: requests.Session
) -> None:
    created = _seed(
        emulator, "seeded", "value-not-shown", contentType="text/plain", tags={"a": "b"}
    )
    described = emulator.control("GET", "keyvault")
    refusals = [
        ca_session.put(
            f"{emulator.base_url}/_emulator/keyvault/secrets/{name}", json=body, timeout=TIMEOUT
        )
        for name, body in [
            ("bad_name", {"value": "v"}),
            ("ok", {"value": 1}),
            ("ok", {"value": "v", "extra": True}),
            ("ok", {"value": "v", "enabled": "false"}),
            ("ok", {"value": "v", "contentType": 3}),
        ]
    ]
    access = ca_session.put(
        f"{emulator.base_url}/_emulator/keyvault/access", json={"x": 1}, timeout=TIMEOUT
    )

    assert created["name"] == "seeded"
    assert described["value"][0]["versions"][0]["version"] == created["version"]
    assert described["allowed_client_ids"] is None
    assert "value-not-shown" not in str(described)
    assert [response.status_code for response in refusals] == [400] * 5
    assert access.status_code == 400


def test_reset_empties_the_vault(emulator: RunningEmulator) -> None:
    _seed(emulator, "seeded", "v")

    emulator.control("POST", "reset")

    assert emulator.control("GET", "keyvault")["value"] == []
