"""Turn ``auth.certificate`` (a secret holding PEM) into the deploying app's credential.

The secret holds the RSA private key and its certificate as PEM blocks, the key not
encrypted: the config has no password field, and the vault (or the untracked ``.env`` of
the local tier) is what protects the value. Everything Entra would refuse later with a
bare AADSTS code is checked here first, before any request, so the message can say what
is wrong, where the value came from and what to do: an encrypted key, a missing key or
certificate, a key of another certificate, a certificate that has expired or is not
valid yet (on the run's clock). The key never appears in a message; the SHA-1 thumbprint
(what the portal's "Certificates & secrets" lists) does.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from cryptography import x509

from fabric_action.auth import CertificateCredential
from fabric_action.config import EffectiveConfig
from fabric_action.errors import AuthError

__all__ = ["EXPIRY_WARNING_DAYS", "LoadedCertificate", "load_certificate"]

EXPIRY_WARNING_DAYS = 30
"""A certificate that expires within this many days is used, with a warning."""

_ENCRYPTED_MARKERS = ("-----BEGIN ENCRYPTED PRIVATE KEY-----", "Proc-Type: 4,ENCRYPTED")


@dataclass(frozen=True, kw_only=True)
class LoadedCertificate:
    """The credential and what to tell the user about it.

    Attributes:
        credential: The app's certificate credential (MSAL signs an assertion with it).
        thumbprint: The certificate's SHA-1 thumbprint, upper-case hex.
        notice: One line naming the app, the thumbprint and the expiry date.
        warning: Why the certificate needs attention soon, or "".
    """

    credential: CertificateCredential
    thumbprint: str
    notice: str
    warning: str = ""


def load_certificate(config: EffectiveConfig, *, now_s: float) -> LoadedCertificate:
    """Build the certificate credential ``config.auth.certificate`` names.

    Args:
        config: The configuration, secrets resolved.
        now_s: The run's wall-clock time (seconds since the epoch), to check validity.

    Raises:
        AuthError: The secret's key is encrypted, lacks the key or the certificate, the
            key belongs to another certificate, or the certificate is outside its
            validity period.
        ConfigError: The config was loaded without resolving its secrets.
    """
    auth = config.auth
    reference = auth.certificate
    assert reference is not None, "the caller checks that auth.certificate is set"
    where = (
        f"secret {reference.name!r} "
        f"(auth.certificate, {config.sources['auth.certificate'].location})"
    )
    text = reference.require().reveal()
    if any(marker in text for marker in _ENCRYPTED_MARKERS):
        raise AuthError(
            f"the private key in the {where} is encrypted, and auth.certificate takes no "
            "password: store the key unencrypted in the secret (the vault protects it), "
            "e.g. `openssl pkey -in key.pem -out plain-key.pem`, then the key and the "
            "certificate PEM blocks together"
        )
    credential = CertificateCredential.from_pem(
        text, where=where, tenant_id=auth.tenant_id, client_id=auth.client_id
    )
    certificate = x509.load_pem_x509_certificate(credential.certificate_pem.encode("ascii"))
    thumbprint = credential.sha1_thumbprint
    now = datetime.datetime.fromtimestamp(now_s, datetime.UTC)
    not_before, not_after = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    renew = (
        f"create a new certificate, upload its public part to app {auth.client_id} "
        "(Entra ID > App registrations > Certificates & secrets) and store its key and "
        f"certificate in secret {reference.name!r}"
    )
    if now > not_after:
        raise AuthError(
            f"the certificate {thumbprint} in the {where} expired on {_day(not_after)}: {renew}"
        )
    if now < not_before:
        raise AuthError(
            f"the certificate {thumbprint} in the {where} is not valid before "
            f"{not_before.isoformat()}: check the machine's clock, or use a certificate "
            "that is already valid"
        )
    days_left = (not_after - now).days
    warning = (
        f"the certificate {thumbprint} of app {auth.client_id} expires on "
        f"{_day(not_after)} ({days_left} day(s) from now): {renew}"
        if days_left < EXPIRY_WARNING_DAYS
        else ""
    )
    return LoadedCertificate(
        credential=credential,
        thumbprint=thumbprint,
        notice=(
            f"authenticating as app {auth.client_id} with certificate {thumbprint} "
            f"(valid until {_day(not_after)})"
        ),
        warning=warning,
    )


def _day(moment: datetime.datetime) -> str:
    return moment.date().isoformat()
