"""PKCS#12 (PFX) certificates: opened with or without a password, checked before use."""

from __future__ import annotations

import datetime
import re

import pytest
from auth_fakes import AppCertificate, make_certificate
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from fabric_action.auth import CertificateCredential
from fabric_action.errors import AuthError

IDS = {"tenant_id": "t", "client_id": "app", "where": "secret 'cert' (auth.certificate)"}
PASSWORD = "Pfx-Pa55.word"
FIELD = "auth.certificate_password (secret 'cert-password')"


def _pfx(
    certificate: AppCertificate,
    *,
    password: str = "",
    with_key: bool = True,
    with_certificate: bool = True,
    chain: tuple[x509.Certificate, ...] = (),
) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password.encode())
        if password
        else serialization.NoEncryption()
    )
    cert = x509.load_pem_x509_certificate(certificate.cert_pem.encode())
    return pkcs12.serialize_key_and_certificates(
        b"app",
        certificate.key if with_key else None,
        cert if with_certificate else None,
        list(chain) or None,
        encryption,
    )


@pytest.mark.parametrize("password", ["", PASSWORD])
def test_a_pfx_gives_the_key_in_plain_pem_and_its_certificate(
    certificate: AppCertificate, password: str
) -> None:
    credential = CertificateCredential.from_pkcs12(
        _pfx(certificate, password=password), **IDS, password=password, password_field=FIELD
    )

    assert credential.msal_credential() == {
        "private_key": certificate.key_pem,
        "public_certificate": certificate.cert_pem,
    }
    assert credential.passphrase == ""
    assert credential.redactions() == (certificate.key_pem,)
    assert PASSWORD not in repr(credential)
    assert "PRIVATE KEY" not in repr(credential)


def test_the_certificate_of_the_key_is_found_among_the_chain(
    certificate: AppCertificate,
) -> None:
    other = make_certificate("issuer")
    chain = (
        x509.load_pem_x509_certificate(other.cert_pem.encode()),
        x509.load_pem_x509_certificate(certificate.cert_pem.encode()),
    )

    credential = CertificateCredential.from_pkcs12(
        _pfx(certificate, with_certificate=False, chain=chain), **IDS
    )

    assert credential.certificate_pem == certificate.cert_pem


@pytest.mark.parametrize(
    ("stored", "given", "message"),
    [
        (
            PASSWORD,
            "Wrong-Pa55.word",
            rf"cannot open the PKCS#12 \(PFX\) file in the secret 'cert' \(auth.certificate\): "
            rf"the password in {re.escape(FIELD)} is wrong",
        ),
        (
            PASSWORD,
            "",
            r"it is password-protected \(or damaged\): give its password in " + re.escape(FIELD),
        ),
        ("", PASSWORD, rf"has no password, but {re.escape(FIELD)} gives one: remove it"),
    ],
    ids=["wrong", "missing", "needless"],
)
def test_password_problems_name_the_field_and_never_the_password(
    certificate: AppCertificate, stored: str, given: str, message: str
) -> None:
    with pytest.raises(AuthError, match=message) as caught:
        CertificateCredential.from_pkcs12(
            _pfx(certificate, password=stored), **IDS, password=given, password_field=FIELD
        )

    assert PASSWORD not in str(caught.value) and "Wrong-Pa55" not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_without_a_field_name_the_message_names_the_settings(
    certificate: AppCertificate,
) -> None:
    with pytest.raises(AuthError, match="give its password in certificatePassword"):
        CertificateCredential.from_pkcs12(_pfx(certificate, password=PASSWORD), **IDS)


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ({"with_key": False}, "has no private key: export the certificate with its"),
        ({"with_certificate": False}, "has no certificate: export the certificate and"),
    ],
    ids=["no-key", "no-certificate"],
)
def test_a_pfx_lacking_a_part_is_refused(
    certificate: AppCertificate, parts: dict[str, bool], message: str
) -> None:
    with pytest.raises(AuthError, match=message):
        CertificateCredential.from_pkcs12(_pfx(certificate, **parts), **IDS)


def test_a_pfx_whose_certificates_belong_to_other_keys_is_refused(
    certificate: AppCertificate,
) -> None:
    other = x509.load_pem_x509_certificate(make_certificate("other").cert_pem.encode())

    with pytest.raises(AuthError, match="does not hold the certificate of its private key"):
        CertificateCredential.from_pkcs12(
            _pfx(certificate, with_certificate=False, chain=(other,)), **IDS
        )


def test_a_pfx_with_a_key_that_is_not_rsa_is_refused() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ec")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    data = pkcs12.serialize_key_and_certificates(
        b"ec", key, cert, None, serialization.NoEncryption()
    )

    with pytest.raises(AuthError, match="is not RSA: Entra accepts RSA certificates only"):
        CertificateCredential.from_pkcs12(data, **IDS)


def test_bytes_that_are_no_pfx_are_refused_as_damaged() -> None:
    with pytest.raises(AuthError, match=r"cannot open .* password-protected \(or damaged\)"):
        CertificateCredential.from_pkcs12(b"\x30\x03\x02\x01\x03", **IDS)


def test_a_pem_password_problem_names_the_given_field(certificate: AppCertificate) -> None:
    text = certificate.encrypted_key_pem(PASSWORD) + certificate.cert_pem

    with pytest.raises(AuthError, match=rf"check the certificate password in {re.escape(FIELD)}"):
        CertificateCredential.from_pem(text, **IDS, password="wrong", password_field=FIELD)
    credential = CertificateCredential.from_pem(
        text, **IDS, password=PASSWORD, password_field=FIELD
    )
    assert credential.msal_credential()["passphrase"] == PASSWORD
