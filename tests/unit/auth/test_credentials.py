"""Credentials: what each hands to MSAL, and certificate files checked before use."""

from __future__ import annotations

from pathlib import Path

import pytest
from auth_fakes import AppCertificate, make_certificate
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from fabric_action.auth import (
    CertificateCredential,
    ClientSecretCredential,
    CredentialKind,
    FederatedCredential,
)
from fabric_action.errors import AuthError

IDS = {"tenant_id": "t", "client_id": "app"}


def test_client_secret_is_handed_over_but_never_shown() -> None:
    credential = ClientSecretCredential(**IDS, secret="s3cr3t-value")

    assert credential.kind is CredentialKind.CLIENT_SECRET
    assert credential.msal_credential() == "s3cr3t-value"
    assert credential.redactions() == ("s3cr3t-value",)
    assert "s3cr3t" not in repr(credential)
    assert "s3cr3t" not in credential.describe()
    credential.close()


def test_certificate_from_a_combined_pem(certificate: AppCertificate, tmp_path: Path) -> None:
    credential = CertificateCredential.from_pem_file(certificate.write(tmp_path), **IDS)

    msal_credential = credential.msal_credential()
    assert msal_credential == {
        "private_key": certificate.key_pem,
        "public_certificate": certificate.cert_pem,
    }
    assert credential.kind is CredentialKind.CERTIFICATE
    assert len(credential.sha1_thumbprint) == 40
    assert credential.sha1_thumbprint in credential.describe()
    assert "PRIVATE KEY" not in repr(credential)
    assert credential.redactions() == (certificate.key_pem,)
    credential.close()


def test_certificate_first_then_key_and_extra_chain(
    certificate: AppCertificate, tmp_path: Path
) -> None:
    path = tmp_path / "chain.pem"
    path.write_text("subject=CN=x\n" + certificate.cert_pem + certificate.key_pem + "trailer\n")

    credential = CertificateCredential.from_pem_file(path, **IDS)

    assert credential.private_key_pem == certificate.key_pem
    assert credential.certificate_pem == certificate.cert_pem


def test_encrypted_key_with_password(certificate: AppCertificate, tmp_path: Path) -> None:
    encrypted = certificate.encrypted_key_pem("pa55")
    path = certificate.write(tmp_path, key_pem=encrypted)

    credential = CertificateCredential.from_pem_file(path, **IDS, password="pa55")

    assert credential.msal_credential()["passphrase"] == "pa55"
    assert "ENCRYPTED PRIVATE KEY" in credential.msal_credential()["private_key"]
    assert "pa55" not in repr(credential)
    assert set(credential.redactions()) == {encrypted, "pa55"}


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", "the key is encrypted: set certificatePassword"),
        ("wrong", "check the certificate password"),
    ],
)
def test_encrypted_key_password_problems(
    certificate: AppCertificate, tmp_path: Path, password: str, message: str
) -> None:
    path = certificate.write(tmp_path, key_pem=certificate.encrypted_key_pem("pa55"))

    with pytest.raises(AuthError, match=message) as caught:
        CertificateCredential.from_pem_file(path, **IDS, password=password)

    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_password_for_a_plain_key_is_refused(certificate: AppCertificate, tmp_path: Path) -> None:
    with pytest.raises(AuthError, match="not encrypted: leave the certificate password empty"):
        CertificateCredential.from_pem_file(certificate.write(tmp_path), **IDS, password="x")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("key-only", "has no certificate"),
        ("cert-only", "has no private key"),
        ("broken-cert", "certificate in the .* is not valid PEM"),
        ("broken-key", "cannot decrypt or parse the private key"),
    ],
)
def test_incomplete_pem_files(
    certificate: AppCertificate, tmp_path: Path, content: str, message: str
) -> None:
    texts = {
        "key-only": certificate.key_pem,
        "cert-only": certificate.cert_pem,
        "broken-cert": certificate.key_pem
        + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        "broken-key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
        + certificate.cert_pem,
    }
    path = tmp_path / "x.pem"
    path.write_text(texts[content])

    with pytest.raises(AuthError, match=message):
        CertificateCredential.from_pem_file(path, **IDS)


def test_key_of_another_certificate_is_refused(certificate: AppCertificate, tmp_path: Path) -> None:
    other = make_certificate("other")
    path = tmp_path / "mixed.pem"
    path.write_text(other.key_pem + certificate.cert_pem)

    with pytest.raises(AuthError, match="does not match its certificate"):
        CertificateCredential.from_pem_file(path, **IDS)


def test_non_rsa_keys_are_refused(certificate: AppCertificate, tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    path = tmp_path / "ec.pem"
    path.write_text(key_pem + certificate.cert_pem)

    with pytest.raises(AuthError, match="not RSA"):
        CertificateCredential.from_pem_file(path, **IDS)


@pytest.mark.parametrize("kind", ["missing", "binary"])
def test_unreadable_files(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "cert.pem"
    if kind == "binary":
        path.write_bytes(b"\xff\xfe\x00")

    with pytest.raises(AuthError, match=r"cannot read the certificate file .*certificatePath"):
        CertificateCredential.from_pem_file(path, **IDS)


class _Source:
    def __init__(self) -> None:
        self.closed = False

    def __call__(self) -> str:
        return "a.b.c"

    def describe(self) -> str:
        return "test issuer"

    def close(self) -> None:
        self.closed = True


def test_federated_credential_hands_msal_the_callable_itself() -> None:
    source = _Source()
    credential = FederatedCredential(**IDS, assertion=source, kind=CredentialKind.GITHUB_OIDC)

    assert credential.msal_credential() == {"client_assertion": source}
    assert credential.describe() == "test issuer for app app"
    assert credential.redactions() == ()
    credential.close()
    assert source.closed
