"""Check ``client_assertion`` JWTs the way Entra does, on the emulator clock.

Two kinds reach the token endpoint:

- **Certificate assertions** (``iss == sub == client_id``, ``aud`` = the token endpoint),
  signed with the private key of a certificate registered on the app. The emulator
  verifies them against the app's ``certificates`` (PEM public keys or certificates).
- **Federated assertions** from GitHub Actions or Azure DevOps. Their issuer, subject and
  audience must equal one of the app's federated identity credentials. Real Entra fetches
  the issuer's published keys; the emulator's OIDC endpoints sign with the emulator key,
  so that key (looked up by ``kid``) verifies every federated assertion, whatever issuer
  it names. That is what lets a workflow keep its production-looking configuration.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.types import Options

from fabric_emulator import _entra_errors as errors
from fabric_emulator._directory import AppRegistration, FederatedCredential
from fabric_emulator._tokens import SigningKeys

NOT_BEFORE_SKEW_S = 300
"""How far in the future ``nbf`` may be (Entra tolerates five minutes of clock skew)."""
_CERTIFICATE_ALGORITHMS = ("RS256", "PS256")
_FEDERATED_ALGORITHMS = ("RS256",)
_SIGNATURE_ONLY: Options = {
    "verify_aud": False,
    "verify_iss": False,
    "verify_exp": False,
    "verify_nbf": False,
    "verify_iat": False,
    "verify_sub": False,
    "verify_jti": False,
}
"""Claims are checked by hand against the emulator clock and the app's credentials."""


@dataclass(frozen=True, kw_only=True)
class AssertionCheck:
    """What an assertion is checked against.

    Attributes:
        app: The app named by ``client_id``.
        keys: The emulator's signing key (verifies federated assertions).
        token_endpoints: Audiences a certificate assertion may name (this tenant's token
            endpoints under the listener's base URL, by name and by id).
        now_epoch_s: Emulator time.
    """

    app: AppRegistration
    keys: SigningKeys
    token_endpoints: frozenset[str]
    now_epoch_s: float


def verify_client_assertion(assertion: str, check: AssertionCheck) -> None:
    """Accept ``assertion`` for ``check.app`` or raise the ``EntraError`` Entra would send.

    Raises:
        EntraError: ``invalid_request`` for a malformed JWT or unsupported algorithm,
            ``invalid_client`` for a signature, time-range or credential mismatch.
    """
    header, claims = _parse(assertion)
    if claims.get("iss") == check.app.client_id:
        _verify_certificate_assertion(assertion, header, claims, check)
    else:
        _verify_federated_assertion(assertion, header, claims, check)


def _parse(assertion: str) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        header = jwt.get_unverified_header(assertion)
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise errors.malformed_assertion() from exc
    if not isinstance(claims, dict) or not isinstance(claims.get("iss"), str):
        raise errors.malformed_assertion()
    return header, claims


def _verify_certificate_assertion(
    assertion: str, header: dict[str, Any], claims: dict[str, Any], check: AssertionCheck
) -> None:
    algorithm = _require_algorithm(header, _CERTIFICATE_ALGORITHMS)
    if claims.get("sub") != check.app.client_id:
        raise errors.assertion_client_mismatch()
    if not set(_audiences(claims)) & check.token_endpoints:
        raise errors.assertion_audience_not_realm()
    keys = [key for key in map(_rsa_public_key, check.app.certificates) if key is not None]
    if not keys:
        thumbprint = header.get("x5t#S256") or header.get("x5t") or ""
        raise errors.assertion_key_not_found(str(thumbprint))
    if not any(_signature_verifies(assertion, key, algorithm) for key in keys):
        raise errors.assertion_signature_invalid()
    _check_time_range(claims, check.now_epoch_s)


def _verify_federated_assertion(
    assertion: str, header: dict[str, Any], claims: dict[str, Any], check: AssertionCheck
) -> None:
    algorithm = _require_algorithm(header, _FEDERATED_ALGORITHMS)
    issuer = str(claims["iss"])
    trusted = [cred for cred in check.app.federated_credentials if cred.issuer == issuer]
    if not trusted:
        raise errors.no_fic_for_issuer(issuer)
    if header.get("kid") != check.keys.kid:
        raise errors.assertion_key_not_found(str(header.get("kid", "")))
    public_key = jwt.PyJWK(check.keys.jwks()["keys"][0]).key
    if not _signature_verifies(assertion, public_key, algorithm):
        raise errors.assertion_signature_invalid()
    _check_time_range(claims, check.now_epoch_s)
    _match_credential(trusted, subject=str(claims.get("sub", "")), audiences=_audiences(claims))


def _match_credential(
    trusted: Iterable[FederatedCredential], *, subject: str, audiences: list[str]
) -> None:
    """Find a credential with this subject, then check it accepts one of the audiences."""
    same_subject = [cred for cred in trusted if cred.subject == subject]
    if not same_subject:
        raise errors.no_fic_for_subject(subject)
    if not any(aud in cred.audiences for cred in same_subject for aud in audiences):
        raise errors.no_fic_for_audience(" ".join(audiences))


def _require_algorithm(header: dict[str, Any], supported: tuple[str, ...]) -> str:
    algorithm = str(header.get("alg", ""))
    if algorithm not in supported:
        raise errors.unsupported_assertion_algorithm(algorithm, ", ".join(supported))
    return algorithm


def _audiences(claims: dict[str, Any]) -> list[str]:
    audience = claims.get("aud")
    if isinstance(audience, str):
        return [audience]
    if isinstance(audience, list):
        return [str(item) for item in audience]
    return []


def _rsa_public_key(pem: str) -> rsa.RSAPublicKey | None:
    """Load a registered PEM certificate or public key; ignore anything else."""
    data = pem.encode("ascii", errors="replace")
    try:
        key = (
            x509.load_pem_x509_certificate(data).public_key()
            if b"-----BEGIN CERTIFICATE-----" in data
            else serialization.load_pem_public_key(data)
        )
    except ValueError:
        return None
    return key if isinstance(key, rsa.RSAPublicKey) else None


def _signature_verifies(assertion: str, key: Any, algorithm: str) -> bool:
    try:
        jwt.decode(assertion, key, algorithms=[algorithm], options=_SIGNATURE_ONLY)
    except jwt.PyJWTError:
        return False
    return True


def _check_time_range(claims: dict[str, Any], now_s: float) -> None:
    """Refuse an assertion that expired or is not valid yet (``nbf`` may lead by the skew)."""
    expires = claims.get("exp")
    not_before = claims.get("nbf", claims.get("iat", 0))
    if not isinstance(expires, int | float) or not isinstance(not_before, int | float):
        raise errors.malformed_assertion()
    if now_s >= expires or not_before > now_s + NOT_BEFORE_SKEW_S:
        raise errors.assertion_out_of_time_range(
            now_s=now_s, not_before_s=not_before, expires_s=expires
        )
