"""The Entra routes in process: discovery, keys, and every token-endpoint answer.

Each refusal is pinned to Entra's HTTP status, ``error`` and AADSTS code; nothing here
reads the human-readable description except to check its ``AADSTSnnn:`` prefix.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from fabric_emulator import Emulator
from fabric_emulator._directory import FederatedCredential
from fabric_emulator._entra_federation import FEDERATED_AUDIENCE, GITHUB_ISSUER
from fabric_emulator._http import Response

Call = Callable[..., Response]
CLIENT_ID = "fabric-action-dev"
SECRET = "emulator-secret"
FABRIC_SCOPE = "https://api.fabric.microsoft.com/.default"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
BASE = "https://127.0.0.1:8443"
TOKEN_PATH = "/emulator/oauth2/v2.0/token"
GITHUB_MAIN = "repo:contoso/sales-analytics:ref:refs/heads/main"


def _body(response: Response) -> Any:
    return json.loads(response.body)


def _secret_form(**overrides: str) -> dict[str, str]:
    form = {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "scope": FABRIC_SCOPE,
    }
    form.update(overrides)
    return {key: value for key, value in form.items() if value != "<omit>"}


def _assertion_form(assertion: str) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_assertion_type": JWT_BEARER,
        "client_assertion": assertion,
        "scope": FABRIC_SCOPE,
    }


def _assert_entra_error(response: Response, status: int, error: str, code: int) -> None:
    body = _body(response)
    assert (response.status, body["error"], body["error_codes"]) == (status, error, [code])
    assert body["error_description"].startswith(f"AADSTS{code}:")
    assert body["trace_id"] == response.headers["RequestId"]


def _github_claims(emulator: Emulator, **overrides: Any) -> dict[str, Any]:
    now = int(emulator.clock.now())
    claims: dict[str, Any] = {
        "iss": GITHUB_ISSUER,
        "sub": GITHUB_MAIN,
        "aud": FEDERATED_AUDIENCE,
        "iat": now,
        "nbf": now,
        "exp": now + 300,
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


# -- discovery and keys -----------------------------------------------------------------


def test_discovery_document_points_at_the_listener(call: Call, local_emulator: Emulator) -> None:
    response = call("GET", "/emulator/v2.0/.well-known/openid-configuration")
    document = _body(response)
    tenant_id = local_emulator.directory.tenant_id

    assert response.status == 200
    assert document["issuer"] == f"{BASE}/{tenant_id}/v2.0"
    assert document["token_endpoint"] == f"{BASE}/{tenant_id}/oauth2/v2.0/token"
    assert document["jwks_uri"] == f"{BASE}/{tenant_id}/discovery/v2.0/keys"
    assert document["authorization_endpoint"].startswith(f"{BASE}/{tenant_id}/")
    assert document["device_authorization_endpoint"].startswith(f"{BASE}/{tenant_id}/")
    assert "private_key_jwt" in document["token_endpoint_auth_methods_supported"]
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
    assert "code" in document["response_types_supported"]


def test_discovery_answers_for_the_tenant_id_too(call: Call, local_emulator: Emulator) -> None:
    tenant_id = local_emulator.directory.tenant_id
    response = call("GET", f"/{tenant_id.upper()}/v2.0/.well-known/openid-configuration")

    assert response.status == 200


@pytest.mark.parametrize(
    "path",
    ["/contoso/v2.0/.well-known/openid-configuration", "/contoso/discovery/v2.0/keys"],
)
def test_unknown_tenant_is_invalid_tenant(call: Call, path: str) -> None:
    _assert_entra_error(call("GET", path), 400, "invalid_tenant", 90002)


def test_keys_route_serves_the_emulator_jwks(call: Call, local_emulator: Emulator) -> None:
    response = call("GET", "/emulator/discovery/v2.0/keys")

    assert _body(response) == local_emulator.keys.jwks()


# -- client secret ----------------------------------------------------------------------


def test_secret_grant_returns_entras_four_fields(call: Call, local_emulator: Emulator) -> None:
    local_emulator.update_config({"token_lifetime_s": 600})
    response = call("POST", TOKEN_PATH, form=_secret_form())
    body = _body(response)

    assert response.status == 200
    assert set(body) == {"token_type", "expires_in", "ext_expires_in", "access_token"}
    assert (body["token_type"], body["expires_in"], body["ext_expires_in"]) == ("Bearer", 600, 600)
    claims = local_emulator.keys.decode(
        body["access_token"],
        audience="https://api.fabric.microsoft.com",
        now_epoch_s=local_emulator.clock.now(),
    )
    assert claims["exp"] == int(local_emulator.clock.now()) + 600
    assert claims["tid"] == local_emulator.directory.tenant_id


def test_secret_in_http_basic_is_accepted(call: Call) -> None:
    basic = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
    form = _secret_form(client_id="<omit>", client_secret="<omit>")

    response = call("POST", TOKEN_PATH, form=form, headers={"Authorization": f"Basic {basic}"})

    assert response.status == 200


def test_tenant_id_in_the_path_is_accepted(call: Call, local_emulator: Emulator) -> None:
    path = f"/{local_emulator.directory.tenant_id}/oauth2/v2.0/token"

    assert call("POST", path, form=_secret_form()).status == 200


@pytest.mark.parametrize(
    ("scope", "audience"),
    [
        ("https://api.fabric.microsoft.com/.default", "https://api.fabric.microsoft.com"),
        (
            "https://API.fabric.microsoft.com/.default openid profile",
            "https://api.fabric.microsoft.com",
        ),
        (
            "https://analysis.windows.net/powerbi/api/.default",
            "https://analysis.windows.net/powerbi/api",
        ),
        ("https://graph.microsoft.com/.default", "https://graph.microsoft.com"),
        ("00000003-0000-0000-c000-000000000000/.default", "00000003-0000-0000-c000-000000000000"),
        ("https://vault.azure.net/.default", "https://vault.azure.net"),
        ("https://monitor.azure.com//.default", "https://monitor.azure.com/"),
    ],
)
def test_scope_sets_the_audience(
    call: Call, local_emulator: Emulator, scope: str, audience: str
) -> None:
    response = call("POST", TOKEN_PATH, form=_secret_form(scope=scope))
    token = _body(response)["access_token"]

    assert jwt.decode(token, options={"verify_signature": False})["aud"] == audience


@pytest.mark.parametrize(
    ("path", "form", "status", "error", "code"),
    [
        ("/contoso/oauth2/v2.0/token", _secret_form(), 400, "invalid_request", 90002),
        (TOKEN_PATH, {}, 400, "invalid_request", 900144),
        (TOKEN_PATH, _secret_form(grant_type="password"), 400, "unsupported_grant_type", 70003),
        (TOKEN_PATH, _secret_form(client_id="<omit>"), 400, "invalid_request", 900144),
        (TOKEN_PATH, _secret_form(scope="<omit>"), 400, "invalid_request", 900144),
        (TOKEN_PATH, _secret_form(client_id="nobody"), 400, "unauthorized_client", 700016),
        (TOKEN_PATH, _secret_form(client_secret="<omit>"), 401, "invalid_client", 7000216),
        (TOKEN_PATH, _secret_form(client_secret="wrong"), 401, "invalid_client", 7000215),
        (TOKEN_PATH, _secret_form(client_secret="géheim"), 401, "invalid_client", 7000215),
        (
            TOKEN_PATH,
            _secret_form(scope="https://api.fabric.microsoft.com/Item.ReadWrite.All"),
            400,
            "invalid_scope",
            1002012,
        ),
        (
            TOKEN_PATH,
            _secret_form(scope=f"{FABRIC_SCOPE} https://vault.azure.net/.default"),
            400,
            "invalid_scope",
            70011,
        ),
        (TOKEN_PATH, _secret_form(scope="openid"), 400, "invalid_scope", 70011),
        (
            TOKEN_PATH,
            _secret_form(scope="https://contoso.example/.default"),
            400,
            "invalid_resource",
            500011,
        ),
    ],
    ids=[
        "unknown-tenant",
        "empty-body",
        "grant-type",
        "no-client-id",
        "no-scope",
        "unknown-client",
        "no-credential",
        "wrong-secret",
        "non-ascii-secret",
        "not-dot-default",
        "two-resources",
        "only-openid",
        "unknown-resource",
    ],
)
def test_token_refusals(
    call: Call, path: str, form: dict[str, str], status: int, error: str, code: int
) -> None:
    _assert_entra_error(call("POST", path, form=form), status, error, code)


def test_json_body_reads_as_missing_grant_type(call: Call) -> None:
    response = call(
        "POST",
        TOKEN_PATH,
        form=_secret_form(),
        headers={"Content-Type": "application/json"},
    )

    _assert_entra_error(response, 400, "invalid_request", 900144)


def test_wrong_secret_in_http_basic_is_invalid_client(call: Call) -> None:
    basic = base64.b64encode(f"{CLIENT_ID}:nope".encode()).decode()
    form = _secret_form(client_secret="<omit>")

    response = call("POST", TOKEN_PATH, form=form, headers={"Authorization": f"Basic {basic}"})

    _assert_entra_error(response, 401, "invalid_client", 7000215)


def test_get_on_the_token_endpoint_is_not_allowed(call: Call) -> None:
    assert call("GET", TOKEN_PATH).status == 405


# -- federated assertions -----------------------------------------------------------------


def test_federated_assertion_signed_by_the_emulator_is_accepted(
    call: Call, local_emulator: Emulator
) -> None:
    assertion = local_emulator.keys.sign(_github_claims(local_emulator))

    assert call("POST", TOKEN_PATH, form=_assertion_form(assertion)).status == 200


def test_federated_assertion_with_list_audience_is_accepted(
    call: Call, local_emulator: Emulator
) -> None:
    claims = _github_claims(local_emulator, aud=["other", FEDERATED_AUDIENCE])
    assertion = local_emulator.keys.sign(claims)

    assert call("POST", TOKEN_PATH, form=_assertion_form(assertion)).status == 200


def _foreign_key_token(claims: dict[str, Any], *, kid: str) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


@pytest.mark.parametrize(
    ("make_assertion", "status", "error", "code"),
    [
        (lambda e: "not.a.jwt", 400, "invalid_request", 50027),
        (lambda e: "", 400, "invalid_request", 90014),
        (
            lambda e: jwt.encode(_github_claims(e), "k" * 32, algorithm="HS256"),
            400,
            "invalid_request",
            5002738,
        ),
        (
            lambda e: e.keys.sign(_github_claims(e, iss="https://gitlab.com")),
            400,
            "invalid_client",
            700211,
        ),
        (
            lambda e: e.keys.sign(_github_claims(e, sub="repo:contoso/other:ref:refs/heads/main")),
            400,
            "invalid_client",
            700213,
        ),
        (
            lambda e: e.keys.sign(_github_claims(e, aud="api://SomethingElse")),
            400,
            "invalid_client",
            700212,
        ),
        (
            lambda e: e.keys.sign(_github_claims(e, exp=int(e.clock.now()))),
            400,
            "invalid_client",
            700024,
        ),
        (
            lambda e: e.keys.sign(_github_claims(e, nbf=int(e.clock.now()) + 301)),
            400,
            "invalid_client",
            700024,
        ),
        (
            lambda e: e.keys.sign(_github_claims(e, nbf=10**20)),
            400,
            "invalid_client",
            700024,
        ),
        (
            lambda e: e.keys.sign(_github_claims(e, exp=None)),
            400,
            "invalid_request",
            50027,
        ),
        (
            lambda e: _foreign_key_token(_github_claims(e), kid="someone-else"),
            401,
            "invalid_client",
            700027,
        ),
        (
            lambda e: _foreign_key_token(_github_claims(e), kid=e.keys.kid),
            401,
            "invalid_client",
            700027,
        ),
    ],
    ids=[
        "malformed",
        "empty-assertion",
        "hs256",
        "unknown-issuer",
        "wrong-subject",
        "wrong-audience",
        "expired",
        "not-yet-valid",
        "absurd-nbf",
        "no-exp",
        "unknown-kid",
        "forged-with-our-kid",
    ],
)
def test_federated_assertion_refusals(
    call: Call,
    local_emulator: Emulator,
    make_assertion: Callable[[Emulator], str],
    status: int,
    error: str,
    code: int,
) -> None:
    response = call("POST", TOKEN_PATH, form=_assertion_form(make_assertion(local_emulator)))

    _assert_entra_error(response, status, error, code)


def test_nbf_may_lead_by_the_clock_skew(call: Call, local_emulator: Emulator) -> None:
    claims = _github_claims(local_emulator, nbf=int(local_emulator.clock.now()) + 300)

    response = call("POST", TOKEN_PATH, form=_assertion_form(local_emulator.keys.sign(claims)))

    assert response.status == 200


def test_wrong_assertion_type_is_invalid_request(call: Call, local_emulator: Emulator) -> None:
    form = _assertion_form(local_emulator.keys.sign(_github_claims(local_emulator)))
    form["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:saml2-bearer"

    _assert_entra_error(call("POST", TOKEN_PATH, form=form), 400, "invalid_request", 90014)


def test_audience_is_checked_on_the_credential_with_the_subject(
    call: Call, local_emulator: Emulator
) -> None:
    app = local_emulator.directory.apps[CLIENT_ID]
    app.federated_credentials.append(
        FederatedCredential(
            name="custom-audience",
            issuer=GITHUB_ISSUER,
            subject="repo:contoso/custom:ref:refs/heads/main",
            audiences=["api://custom"],
        )
    )
    sub = "repo:contoso/custom:ref:refs/heads/main"
    accepted = local_emulator.keys.sign(_github_claims(local_emulator, sub=sub, aud="api://custom"))
    refused = local_emulator.keys.sign(_github_claims(local_emulator, sub=sub))

    assert call("POST", TOKEN_PATH, form=_assertion_form(accepted)).status == 200
    _assert_entra_error(
        call("POST", TOKEN_PATH, form=_assertion_form(refused)), 400, "invalid_client", 700212
    )


# -- certificate assertions ------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _certificate_assertion(
    key: Any, *, algorithm: str = "RS256", now_s: float | None = None, **overrides: Any
) -> str:
    now = time.time() if now_s is None else now_s
    claims: dict[str, Any] = {
        "iss": CLIENT_ID,
        "sub": CLIENT_ID,
        "aud": f"{BASE}{TOKEN_PATH}",
        "jti": "1",
        "iat": int(now),
        "exp": int(now) + 600,
    }
    claims.update(overrides)
    return jwt.encode(claims, key, algorithm=algorithm, headers={"x5t": "thumb"})


def test_certificate_assertion_with_registered_key_is_accepted(
    call: Call, local_emulator: Emulator, certificate_key: rsa.RSAPrivateKey
) -> None:
    local_emulator.directory.apps[CLIENT_ID].certificates.append(_public_pem(certificate_key))
    now = local_emulator.clock.now()
    tenant_id = local_emulator.directory.tenant_id

    for assertion in (
        _certificate_assertion(certificate_key, now_s=now),
        _certificate_assertion(certificate_key, algorithm="PS256", now_s=now),
        _certificate_assertion(
            certificate_key, now_s=now, aud=f"{BASE}/{tenant_id}/oauth2/v2.0/token"
        ),
    ):
        assert call("POST", TOKEN_PATH, form=_assertion_form(assertion)).status == 200


@pytest.mark.parametrize(
    ("overrides", "status", "error", "code"),
    [
        ({"sub": "someone-else"}, 401, "invalid_client", 700021),
        (
            {"aud": "https://login.microsoftonline.com/emulator/oauth2/v2.0/token"},
            401,
            "invalid_client",
            50012,
        ),
        ({"exp": 1}, 400, "invalid_client", 700024),
    ],
    ids=["subject-not-client", "audience-not-this-sts", "expired"],
)
def test_certificate_assertion_refusals(
    call: Call,
    local_emulator: Emulator,
    certificate_key: rsa.RSAPrivateKey,
    overrides: dict[str, Any],
    status: int,
    error: str,
    code: int,
) -> None:
    local_emulator.directory.apps[CLIENT_ID].certificates.append(_public_pem(certificate_key))
    assertion = _certificate_assertion(
        certificate_key, now_s=local_emulator.clock.now(), **overrides
    )

    response = call("POST", TOKEN_PATH, form=_assertion_form(assertion))

    _assert_entra_error(response, status, error, code)


def test_certificate_assertion_needs_a_registered_key(
    call: Call, local_emulator: Emulator, certificate_key: rsa.RSAPrivateKey
) -> None:
    assertion = _certificate_assertion(certificate_key, now_s=local_emulator.clock.now())

    response = call("POST", TOKEN_PATH, form=_assertion_form(assertion))

    _assert_entra_error(response, 401, "invalid_client", 700027)


def test_certificate_assertion_signed_by_another_key_is_refused(
    call: Call, local_emulator: Emulator, certificate_key: rsa.RSAPrivateKey
) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    local_emulator.directory.apps[CLIENT_ID].certificates.extend(["not a pem", _public_pem(other)])
    assertion = _certificate_assertion(certificate_key, now_s=local_emulator.clock.now())

    response = call("POST", TOKEN_PATH, form=_assertion_form(assertion))

    _assert_entra_error(response, 401, "invalid_client", 700027)


def test_certificate_assertion_with_ec_key_is_unsupported(
    call: Call, local_emulator: Emulator
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    assertion = _certificate_assertion(key, algorithm="ES256", now_s=local_emulator.clock.now())

    response = call("POST", TOKEN_PATH, form=_assertion_form(assertion))

    _assert_entra_error(response, 400, "invalid_request", 5002738)
