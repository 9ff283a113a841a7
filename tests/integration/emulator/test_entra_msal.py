"""MSAL against the emulated Entra over HTTPS: secrets, certificates, JWKS-verified tokens."""

from __future__ import annotations

import datetime
from typing import Any

import jwt
import msal
import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from fabric_emulator.testing import RunningEmulator

FABRIC_SCOPE = ["https://api.fabric.microsoft.com/.default"]
TIMEOUT = (5.0, 10.0)


def _app(
    emulator: RunningEmulator, session: requests.Session, credential: Any
) -> msal.ConfidentialClientApplication:
    return msal.ConfidentialClientApplication(
        emulator.client_id,
        client_credential=credential,
        authority=emulator.authority,
        instance_discovery=False,
        http_client=session,
    )


def _verified_claims(
    session: requests.Session, emulator: RunningEmulator, token: str, audience: str
) -> dict[str, Any]:
    """Verify ``token`` the way a resource would: JWKS from the discovery document."""
    discovery_url = f"{emulator.authority}/v2.0/.well-known/openid-configuration"
    jwks_uri = session.get(discovery_url, timeout=TIMEOUT).json()["jwks_uri"]
    jwks = jwt.PyJWKSet.from_dict(session.get(jwks_uri, timeout=TIMEOUT).json())
    key = jwks[jwt.get_unverified_header(token)["kid"]]
    claims: dict[str, Any] = jwt.decode(
        token,
        key,
        algorithms=["RS256"],
        audience=audience,
        options={"require": ["exp", "tid", "oid", "appid"]},
    )
    return claims


def test_the_emulator_ca_is_what_makes_tls_work(emulator: RunningEmulator) -> None:
    untrusting = requests.Session()
    untrusting.trust_env = False  # certifi's bundle only: the emulator CA is not in it

    with pytest.raises(requests.exceptions.SSLError):
        untrusting.get(f"{emulator.authority}/discovery/v2.0/keys", timeout=TIMEOUT)
    untrusting.close()


def test_msal_gets_a_fabric_token_with_the_secret(
    emulator: RunningEmulator, ca_session: requests.Session
) -> None:
    app = _app(emulator, ca_session, emulator.client_secret)

    result = app.acquire_token_for_client(FABRIC_SCOPE)
    cached = app.acquire_token_for_client(FABRIC_SCOPE)

    assert result["token_source"] == "identity_provider"
    assert (result["token_type"], result["expires_in"]) == ("Bearer", 3599)
    assert cached["token_source"] == "cache"
    claims = _verified_claims(
        ca_session, emulator, result["access_token"], "https://api.fabric.microsoft.com"
    )
    directory = emulator.emulator.directory
    assert claims["tid"] == directory.tenant_id
    assert claims["oid"] == directory.apps[emulator.client_id].object_id
    assert claims["appid"] == emulator.client_id
    assert claims["exp"] == int(emulator.emulator.clock.now()) + 3599
    token_posts = [
        entry for entry in emulator.requests_log() if entry["path"].endswith("/oauth2/v2.0/token")
    ]
    assert [entry["status"] for entry in token_posts] == [200]


def test_wrong_secret_gives_msal_the_invalid_client_dict(
    emulator: RunningEmulator, ca_session: requests.Session
) -> None:
    result = _app(emulator, ca_session, "not-the-secret").acquire_token_for_client(FABRIC_SCOPE)

    assert "access_token" not in result
    assert result["error"] == "invalid_client"
    assert result["error_codes"] == [7000215]


def test_unknown_tenant_makes_msal_refuse_the_authority(
    emulator: RunningEmulator, ca_session: requests.Session
) -> None:
    with pytest.raises(ValueError, match="Unable to get authority configuration"):
        msal.ConfidentialClientApplication(
            emulator.client_id,
            client_credential=emulator.client_secret,
            authority=f"{emulator.base_url}/not-a-tenant",
            instance_discovery=False,
            http_client=ca_session,
        )


@pytest.mark.parametrize(
    ("scope", "audience"),
    [
        ("https://graph.microsoft.com/.default", "https://graph.microsoft.com"),
        ("https://vault.azure.net/.default", "https://vault.azure.net"),
    ],
)
def test_msal_tokens_for_other_resources(
    emulator: RunningEmulator, ca_session: requests.Session, scope: str, audience: str
) -> None:
    result = _app(emulator, ca_session, emulator.client_secret).acquire_token_for_client([scope])

    claims = _verified_claims(ca_session, emulator, result["access_token"], audience)
    assert claims["aud"] == audience


# -- certificate credentials -------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate() -> tuple[str, str]:
    """Return ``(private key PEM, self-signed certificate PEM)``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fabric-action-dev")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


def _register_certificate(emulator: RunningEmulator, pem: str) -> None:
    with emulator.emulator.lock:
        emulator.emulator.directory.apps[emulator.client_id].certificates.append(pem)


def test_msal_certificate_credential_with_registered_certificate(
    emulator: RunningEmulator, ca_session: requests.Session, certificate: tuple[str, str]
) -> None:
    key_pem, cert_pem = certificate
    _register_certificate(emulator, cert_pem)
    credential = {"private_key": key_pem, "public_certificate": cert_pem}  # PS256, x5t#S256

    result = _app(emulator, ca_session, credential).acquire_token_for_client(FABRIC_SCOPE)

    assert result.get("token_type") == "Bearer", result


def test_msal_legacy_thumbprint_credential_with_registered_public_key(
    emulator: RunningEmulator, ca_session: requests.Session, certificate: tuple[str, str]
) -> None:
    key_pem, cert_pem = certificate
    public_pem = (
        x509.load_pem_x509_certificate(cert_pem.encode())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    _register_certificate(emulator, public_pem)
    credential = {"private_key": key_pem, "thumbprint": "AB" * 20}  # RS256, x5t

    result = _app(emulator, ca_session, credential).acquire_token_for_client(FABRIC_SCOPE)

    assert result.get("token_type") == "Bearer", result


def test_msal_certificate_credential_without_registration_is_refused(
    emulator: RunningEmulator, ca_session: requests.Session, certificate: tuple[str, str]
) -> None:
    key_pem, cert_pem = certificate
    credential = {"private_key": key_pem, "public_certificate": cert_pem}

    result = _app(emulator, ca_session, credential).acquire_token_for_client(FABRIC_SCOPE)

    assert (result["error"], result["error_codes"]) == ("invalid_client", [700027])
