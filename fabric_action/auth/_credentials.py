"""What proves the app's identity to Entra: a secret, a certificate or a federated assertion.

Each credential turns into MSAL's ``client_credential`` argument. None keeps a token:
a federated credential calls its assertion source on every Entra token request, so a
CI OIDC token (five minutes of life) is never reused.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from fabric_action.errors import AuthError

_PASSWORD_SETTING = "certificatePassword / AZURE_CLIENT_CERTIFICATE_PASSWORD"  # noqa: S105
"""The settings that give a certificate file's password (the default ``password_field``)."""


class CredentialKind(StrEnum):
    """How the app authenticates to Entra (``auto`` picks from the settings and CI)."""

    AUTO = "auto"
    CLIENT_SECRET = "client-secret"  # noqa: S105 - a kind name
    CERTIFICATE = "certificate"
    GITHUB_OIDC = "github-oidc"
    AZURE_DEVOPS_OIDC = "azure-devops-oidc"


class AssertionSource(Protocol):
    """A callable that returns a fresh client assertion (a CI OIDC token) on every call."""

    def __call__(self) -> str:
        """Fetch a new assertion.

        Raises:
            AuthError: The issuer could not be reached or refused.
        """
        ...

    def describe(self) -> str:
        """Return where assertions come from, for messages (no secrets)."""
        ...

    def close(self) -> None:
        """Release the HTTP session."""
        ...


class Credential(Protocol):
    """An app identity MSAL can use: tenant, client id and ``client_credential``."""

    @property
    def kind(self) -> CredentialKind:
        """Which kind of credential this is."""
        ...

    @property
    def tenant_id(self) -> str:
        """Entra tenant id or domain."""
        ...

    @property
    def client_id(self) -> str:
        """Application (client) id."""
        ...

    def msal_credential(self) -> str | dict[str, Any]:
        """Return MSAL's ``client_credential`` argument."""
        ...

    def describe(self) -> str:
        """Return a secret-free description for messages."""
        ...

    def redactions(self) -> tuple[str, ...]:
        """Return the secret values that must never appear in a message."""
        ...

    def close(self) -> None:
        """Release resources (HTTP sessions of assertion sources)."""
        ...


@dataclass(frozen=True, kw_only=True)
class ClientSecretCredential:
    """An app id and one of its client secrets (sent as the ``client_secret`` form field)."""

    tenant_id: str
    client_id: str
    secret: str = field(repr=False)
    kind: CredentialKind = field(default=CredentialKind.CLIENT_SECRET, init=False)

    def msal_credential(self) -> str:
        """Return the secret itself, as MSAL expects."""
        return self.secret

    def describe(self) -> str:
        """Describe without the secret."""
        return f"client secret of app {self.client_id}"

    def redactions(self) -> tuple[str, ...]:
        """Return the secret."""
        return (self.secret,)

    def close(self) -> None:
        """Do nothing: a secret holds no resources."""


@dataclass(frozen=True, kw_only=True)
class CertificateCredential:
    """An app id and a certificate's private key; MSAL signs a PS256 assertion per request.

    Build it with :meth:`from_pem_file`, :meth:`from_pem` or :meth:`from_pkcs12`, which
    check the key and certificate first.
    """

    tenant_id: str
    client_id: str
    private_key_pem: str = field(repr=False)
    certificate_pem: str
    passphrase: str = field(default="", repr=False)
    kind: CredentialKind = field(default=CredentialKind.CERTIFICATE, init=False)

    @classmethod
    def from_pem_file(
        cls, path: str | Path, *, tenant_id: str, client_id: str, password: str = ""
    ) -> CertificateCredential:
        """Load a PEM file that holds the private key and its certificate.

        Raises:
            AuthError: The file is missing, has no key or certificate, the password is
                wrong, or the key does not belong to the certificate.
        """
        where = f"certificate file {str(path)!r}"
        try:
            text = Path(path).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise AuthError(
                f"cannot read the {where} ({type(exc).__name__}): check certificatePath "
                "/ AZURE_CLIENT_CERTIFICATE_PATH points at a PEM file"
            ) from None
        return cls.from_pem(
            text, where=where, tenant_id=tenant_id, client_id=client_id, password=password
        )

    @classmethod
    def from_pem(
        cls,
        text: str,
        *,
        where: str,
        tenant_id: str,
        client_id: str,
        password: str = "",
        password_field: str = _PASSWORD_SETTING,
    ) -> CertificateCredential:
        """Load PEM text that holds the private key and its certificate (a secret's value).

        Args:
            text: The PEM blocks; other text around them is ignored.
            where: Where the text came from, for messages (``secret 'x' (auth.certificate)``).
            tenant_id: Entra tenant id or domain.
            client_id: Application (client) id.
            password: Password of an encrypted private key ("" when it is not encrypted).
            password_field: The setting that gives *password*, for messages.

        Raises:
            AuthError: No key or certificate, the password is wrong, or the key does not
                belong to the certificate. Messages never hold the key or the password.
        """
        key_pem = _pem_block(text, "PRIVATE KEY")
        cert_pem = _pem_block(text, "CERTIFICATE")
        if not key_pem or not cert_pem:
            missing = "private key" if not key_pem else "certificate"
            raise AuthError(
                f"the {where} has no {missing}: it must hold both the private key and the "
                "certificate, in PEM"
            )
        key = _load_private_key(key_pem, password, where, password_field)
        certificate = _load_certificate(cert_pem, where)
        if not _same_public_key(key, certificate):
            raise AuthError(f"the private key in the {where} does not match its certificate")
        return cls(
            tenant_id=tenant_id,
            client_id=client_id,
            private_key_pem=key_pem,
            certificate_pem=cert_pem,
            passphrase=password,
        )

    @classmethod
    def from_pkcs12(
        cls,
        data: bytes,
        *,
        where: str,
        tenant_id: str,
        client_id: str,
        password: str = "",
        password_field: str = _PASSWORD_SETTING,
    ) -> CertificateCredential:
        """Load a PKCS#12 (PFX) file: what Key Vault stores (base64) for a certificate.

        The key is kept decrypted, in memory only, as PKCS#8 PEM for MSAL. A PFX that
        holds further certificates (a chain) is fine: the one of the key is used.

        Args:
            data: The PFX file's bytes.
            where: Where the data came from, for messages.
            tenant_id: Entra tenant id or domain.
            client_id: Application (client) id.
            password: The PFX's password ("" when it has none, as Key Vault's have none).
            password_field: The setting that gives *password*, for messages.

        Raises:
            AuthError: The password is wrong or missing, the data is not a PFX, it lacks
                the key or the certificate, or the key is not RSA. Messages never hold
                the key or the password.
        """
        loaded = _open_pkcs12(data, password, where, password_field)
        key = loaded.key
        if key is None:
            raise AuthError(
                f"the PKCS#12 (PFX) file in the {where} has no private key: export the "
                "certificate with its private key (Key Vault: the key must be exportable)"
            )
        if not isinstance(key, rsa.RSAPrivateKey):
            raise AuthError(
                f"the key in the {where} is not RSA: Entra accepts RSA certificates only"
            )
        pfx_certificates = [loaded.cert] if loaded.cert is not None else []
        candidates = [c.certificate for c in (*pfx_certificates, *loaded.additional_certs)]
        own = next((cert for cert in candidates if _same_public_key(key, cert)), None)
        if own is None:
            missing = (
                "does not hold the certificate of its private key"
                if candidates
                else "has no certificate"
            )
            raise AuthError(
                f"the PKCS#12 (PFX) file in the {where} {missing}: export the certificate "
                "and its private key together"
            )
        key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii")
        return cls(
            tenant_id=tenant_id,
            client_id=client_id,
            private_key_pem=key_pem,
            certificate_pem=own.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        )

    @property
    def sha1_thumbprint(self) -> str:
        """The certificate's SHA-1 thumbprint, upper-case hex (what the portal shows)."""
        cert = x509.load_pem_x509_certificate(self.certificate_pem.encode("ascii"))
        return cert.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303 - an identifier

    def msal_credential(self) -> dict[str, Any]:
        """Return ``{"private_key", "public_certificate"[, "passphrase"]}``.

        With the certificate MSAL computes the SHA-256 thumbprint and signs with PS256.
        """
        credential: dict[str, Any] = {
            "private_key": self.private_key_pem,
            "public_certificate": self.certificate_pem,
        }
        if self.passphrase:
            credential["passphrase"] = self.passphrase
        return credential

    def describe(self) -> str:
        """Describe by thumbprint."""
        return f"certificate {self.sha1_thumbprint} of app {self.client_id}"

    def redactions(self) -> tuple[str, ...]:
        """Return the key and the passphrase."""
        return tuple(value for value in (self.private_key_pem, self.passphrase) if value)

    def close(self) -> None:
        """Do nothing: a certificate holds no resources."""


@dataclass(frozen=True, kw_only=True)
class FederatedCredential:
    """An app id and a source of OIDC tokens Entra trusts (workload identity federation)."""

    tenant_id: str
    client_id: str
    assertion: AssertionSource
    kind: CredentialKind

    def msal_credential(self) -> dict[str, Callable[[], str]]:
        """Return ``{"client_assertion": callable}``: MSAL calls it per token request."""
        return {"client_assertion": self.assertion}

    def describe(self) -> str:
        """Describe the issuer and the app."""
        return f"{self.assertion.describe()} for app {self.client_id}"

    def redactions(self) -> tuple[str, ...]:
        """Return nothing: assertion sources keep their own secrets out of messages."""
        return ()

    def close(self) -> None:
        """Close the assertion source's session."""
        self.assertion.close()


def _pem_block(text: str, label: str) -> str:
    """Return the first PEM block whose label ends with ``label`` (any key flavour), or ""."""
    match = re.search(
        rf"-----BEGIN ((?:[A-Z0-9]+ )*{label})-----.*?-----END \1-----", text, re.DOTALL
    )
    return match.group(0) + "\n" if match else ""


def _load_private_key(
    key_pem: str, password: str, where: str, password_field: str
) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(
            key_pem.encode("ascii"), password.encode("utf-8") if password else None
        )
    except TypeError:
        hint = (
            f"the key is encrypted: set {password_field}"
            if not password
            else "the key is not encrypted: leave the certificate password empty (remove "
            f"{password_field})"
        )
        raise AuthError(f"cannot use the private key in the {where}: {hint}") from None
    except ValueError:
        raise AuthError(
            f"cannot decrypt or parse the private key in the {where}: check the "
            f"certificate password in {password_field}"
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise AuthError(f"the key in the {where} is not RSA: Entra accepts RSA certificates only")
    return key


def _open_pkcs12(
    data: bytes, password: str, where: str, password_field: str
) -> pkcs12.PKCS12KeyAndCertificates:
    """Open the PFX, telling a wrong password from a needless or missing one."""
    try:
        return pkcs12.load_pkcs12(data, password.encode("utf-8") if password else None)
    except ValueError:
        if password and _opens_without_password(data):
            raise AuthError(
                f"the PKCS#12 (PFX) file in the {where} has no password, but "
                f"{password_field} gives one: remove it"
            ) from None
        hint = (
            f"the password in {password_field} is wrong (or the file is damaged): store "
            "the PFX's password there"
            if password
            else f"it is password-protected (or damaged): give its password in {password_field}"
        )
        raise AuthError(f"cannot open the PKCS#12 (PFX) file in the {where}: {hint}") from None


def _opens_without_password(data: bytes) -> bool:
    try:
        pkcs12.load_pkcs12(data, None)
    except ValueError:
        return False
    return True


def _load_certificate(cert_pem: str, where: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(cert_pem.encode("ascii"))
    except ValueError:
        raise AuthError(f"the certificate in the {where} is not valid PEM") from None


def _same_public_key(key: rsa.RSAPrivateKey, certificate: x509.Certificate) -> bool:
    der = serialization.Encoding.DER
    info = serialization.PublicFormat.SubjectPublicKeyInfo
    return key.public_key().public_bytes(der, info) == certificate.public_key().public_bytes(
        der, info
    )
