"""Turn ``auth.certificate`` (a secret) into the deploying app's credential.

The secret holds the RSA private key and its certificate in one of two forms:

- PEM text, the key and certificate blocks (Key Vault's ``application/x-pem-file``
  certificates, or what a user stores): read as PEM whenever it has a ``-----BEGIN``
  line;
- the base64 of a PKCS#12 (.pfx) file: what Key Vault exposes for a certificate of the
  default content type ``application/x-pkcs12`` (no password), or a PFX a user uploaded.

``auth.certificate_password`` (another secret, optional) opens a password-protected PFX
or an encrypted PEM key; without it both are refused with what to set. The config layer
already refused a value of neither form (exit 2, with its file:line); here a value is
opened. Everything Entra would refuse later with a bare AADSTS code is checked first,
before any request, so the message can say what is wrong, where the value came from and
what to do: a wrong or missing password, a missing key or certificate, a key of another
certificate, a certificate that has expired or is not valid yet (on the run's clock).
The key and the password never appear in a message; the SHA-1 thumbprint (what the
portal's "Certificates & secrets" lists) does.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import re
from dataclasses import dataclass

from cryptography import x509

from fabric_action.auth import CertificateCredential
from fabric_action.config import EffectiveConfig
from fabric_action.errors import AuthError

__all__ = ["EXPIRY_WARNING_DAYS", "LoadedCertificate", "load_certificate"]

EXPIRY_WARNING_DAYS = 30
"""A certificate that expires within this many days is used, with a warning."""

_ENCRYPTED_MARKERS = ("-----BEGIN ENCRYPTED PRIVATE KEY-----", "Proc-Type: 4,ENCRYPTED")
_PEM_BEGIN = "-----BEGIN "
_WHITESPACE = re.compile(r"\s+")
_PASSWORD_FIELD = "auth.certificate_password"  # noqa: S105 - a field name


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
        AuthError: The secret is neither PEM nor base64 PKCS#12, its password is wrong or
            missing (or given for a value that has none), it lacks the key or the
            certificate, the key belongs to another certificate, or the certificate is
            outside its validity period.
        ConfigError: The config was loaded without resolving its secrets.
    """
    auth = config.auth
    reference = auth.certificate
    assert reference is not None, "the caller checks that auth.certificate is set"
    where = (
        f"secret {reference.name!r} "
        f"(auth.certificate, {config.sources['auth.certificate'].location})"
    )
    credential = _credential(config, reference.require().reveal(), where)
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


def _credential(config: EffectiveConfig, text: str, where: str) -> CertificateCredential:
    """Open the secret's value as PEM or as base64 PKCS#12, with the password if any."""
    auth = config.auth
    password_ref = auth.certificate_password
    if password_ref is None:
        password, password_field = "", f"{_PASSWORD_FIELD} (a ${{secret:NAME}})"
    else:
        password = password_ref.require().reveal()
        password_field = (
            f"{_PASSWORD_FIELD} (secret {password_ref.name!r}, "
            f"{config.sources[_PASSWORD_FIELD].location})"
        )
    if _PEM_BEGIN in text:
        if not password and any(marker in text for marker in _ENCRYPTED_MARKERS):
            raise AuthError(
                f"the private key in the {where} is encrypted, and auth.certificate takes "
                "no password: store the key unencrypted in the secret (the vault protects "
                "it), e.g. `openssl pkey -in key.pem -out plain-key.pem`, then the key and "
                f"the certificate PEM blocks together; or give its password in {password_field}"
            )
        return CertificateCredential.from_pem(
            text,
            where=where,
            tenant_id=auth.tenant_id,
            client_id=auth.client_id,
            password=password,
            password_field=password_field,
        )
    try:
        data = base64.b64decode(_WHITESPACE.sub("", text), validate=True)
    except (binascii.Error, ValueError):
        raise AuthError(
            f"the {where} is neither PEM (a private key and certificate blocks) nor the "
            "base64 of a PKCS#12 (.pfx) file: store one of these"
        ) from None
    return CertificateCredential.from_pkcs12(
        data,
        where=where,
        tenant_id=auth.tenant_id,
        client_id=auth.client_id,
        password=password,
        password_field=password_field,
    )


def _day(moment: datetime.datetime) -> str:
    return moment.date().isoformat()
