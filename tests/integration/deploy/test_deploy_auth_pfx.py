"""``auth.certificate`` as Key Vault stores it (base64 PKCS#12), and ``certificate_password``.

A certificate created in Key Vault is read as a secret whose value is the base64 of its
PFX, without a password; users also upload password-protected PFX files, or keep an
encrypted PEM key. Each is stored in the local tier's ``.env`` here and the deploy signs
in against the emulator's Entra, which knows the certificate (uploaded through the
control API). The password is never printed, and ``validate --show`` masks it.
"""

from __future__ import annotations

import base64
import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest
from auth_support import (
    NOTEBOOK,
    PIPELINE,
    deploy,
    deployed,
    dotenv_entry,
    make_auth_project,
    make_certificate,
    make_pkcs12,
    register_certificate,
    thumbprint,
    token_posts,
)
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from deploy_support import CLIENT_ID

from fabric_action._run_secrets import resolve_secrets_offline
from fabric_action.cli import main
from fabric_action.config import SecretRef, load_config
from fabric_action.errors import AuthError
from fabric_action.reliability import SystemClock
from fabric_action.scenarios.deploy._certificate import load_certificate
from fabric_action.secrets import Secret, SecretMasker
from fabric_emulator import EmulatorConfig, Profile
from fabric_emulator.testing import RunningEmulator

pytestmark = pytest.mark.timeout(60)

CERTIFICATE = "fabric-certificate"
PASSWORD_NAME = "fabric-certificate-password"
PASSWORD = "Pfx-Pa55word.k9Z"
WITH_PASSWORD = (
    f"certificate: '${{secret:{CERTIFICATE}}}', certificate_password: '${{secret:{PASSWORD_NAME}}}'"
)
WITHOUT_PASSWORD = f"certificate: '${{secret:{CERTIFICATE}}}'"


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    """One profile: these tests are about signing in."""
    return EmulatorConfig(profile=Profile.DEFAULT, lro_retry_after_s=0)


def _dotenv(certificate: str, password: str | None = None) -> str:
    text = dotenv_entry(CERTIFICATE, certificate)
    return text + (dotenv_entry(PASSWORD_NAME, password) if password is not None else "")


def _pfx_without_password() -> tuple[str, str, str]:
    key_pem, cert_pem = make_certificate()
    return make_pkcs12(key_pem, cert_pem), cert_pem, key_pem


def _pfx_with_password() -> tuple[str, str, str]:
    key_pem, cert_pem = make_certificate()
    return make_pkcs12(key_pem, cert_pem, password=PASSWORD.encode()), cert_pem, key_pem


def _encrypted_pem() -> tuple[str, str, str]:
    key_pem, cert_pem = make_certificate(password=PASSWORD.encode())
    return key_pem + cert_pem, cert_pem, key_pem


# -- signing in ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make_secret", "auth_line", "password"),
    [
        pytest.param(_pfx_without_password, WITHOUT_PASSWORD, None, id="key-vault-pfx"),
        pytest.param(_pfx_with_password, WITH_PASSWORD, PASSWORD, id="pfx-with-password"),
        pytest.param(_encrypted_pem, WITH_PASSWORD, PASSWORD, id="encrypted-pem"),
    ],
)
def test_deploys_with_the_certificate_in_each_stored_form(
    tmp_path: Path,
    emulator: RunningEmulator,
    fabric: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    make_secret: Any,
    auth_line: str,
    password: str | None,
) -> None:
    secret, cert_pem, key_pem = make_secret()
    config, workspace_id = make_auth_project(
        tmp_path,
        emulator,
        fabric,
        monkeypatch,
        auth_line=auth_line,
        dotenv=_dotenv(secret, password),
    )
    register_certificate(emulator, cert_pem)
    mark = emulator.requests_log()[-1]["seq"]

    report = tmp_path / "report.json"
    code = deploy(config, "--report", str(report))

    captured = capsys.readouterr()
    shown = captured.err + captured.out + report.read_text()
    assert code == 0, captured.err
    assert deployed(emulator, workspace_id) == {NOTEBOOK: "Notebook", PIPELINE: "DataPipeline"}
    assert token_posts(emulator.requests_log(since=mark)) == [200]
    assert (
        f"authenticating as app {CLIENT_ID} with certificate {thumbprint(cert_pem)}" in captured.err
    )
    assert secret.splitlines()[0][-40:] not in shown
    assert key_pem.splitlines()[1] not in shown
    assert PASSWORD not in shown


# -- refused before any request ----------------------------------------------------------


def _garbage() -> str:
    return "not a certificate, just text someone pasted"


def _pfx_of_a_key_only() -> str:
    key = serialization.load_pem_private_key(make_certificate()[0].encode(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    data = pkcs12.serialize_key_and_certificates(
        b"key-only", key, None, None, serialization.NoEncryption()
    )
    return base64.b64encode(data).decode("ascii")


_REFUSED: list[tuple[str, Any, str, str | None, int, str]] = [
    (
        "wrong-password",
        lambda: _pfx_with_password()[0],
        WITH_PASSWORD,
        "Wrong-Pa55word.q7X",
        3,
        r"cannot open the PKCS#12 \(PFX\) file in the secret 'fabric-certificate' "
        r"\(auth.certificate, .*fabric-action.yml:3:\d+\): the password in "
        r"auth.certificate_password \(secret 'fabric-certificate-password', "
        r".*fabric-action.yml:3:\d+\) is wrong",
    ),
    (
        "missing-password",
        lambda: _pfx_with_password()[0],
        WITHOUT_PASSWORD,
        None,
        3,
        r"cannot open the PKCS#12 \(PFX\) file in the secret 'fabric-certificate' .* "
        r"password-protected .*give its password in auth.certificate_password "
        r"\(a \$\{secret:NAME\}\)",
    ),
    (
        "password-for-a-key-vault-pfx",
        lambda: _pfx_without_password()[0],
        WITH_PASSWORD,
        PASSWORD,
        3,
        r"the PKCS#12 \(PFX\) file in the secret 'fabric-certificate' .* has no password, "
        r"but auth.certificate_password \(secret 'fabric-certificate-password'.*\) gives "
        r"one: remove it$",
    ),
    (
        "wrong-password-of-an-encrypted-pem",
        lambda: _encrypted_pem()[0],
        WITH_PASSWORD,
        "Wrong-Pa55word.q7X",
        3,
        r"cannot decrypt or parse the private key in the secret 'fabric-certificate' .*"
        r"check the certificate password in auth.certificate_password \(secret "
        r"'fabric-certificate-password'",
    ),
    (
        "encrypted-pem-without-password",
        lambda: _encrypted_pem()[0],
        WITHOUT_PASSWORD,
        None,
        3,
        r"is encrypted, .*or give its password in auth.certificate_password",
    ),
    (
        "pfx-without-certificate",
        _pfx_of_a_key_only,
        WITHOUT_PASSWORD,
        None,
        3,
        r"the PKCS#12 \(PFX\) file in the secret 'fabric-certificate' .* has no certificate",
    ),
    (
        "garbage",
        _garbage,
        WITHOUT_PASSWORD,
        None,
        2,
        r"fabric-action.yml:3:\d+: .*\$\{secret:fabric-certificate\} cannot be used here: "
        r"the value is not a PEM private key with its certificate, nor the base64 of a "
        r"PKCS#12 \(.pfx\) file",
    ),
    (
        "password-without-certificate",
        lambda: "",
        f"certificate_password: '${{secret:{PASSWORD_NAME}}}'",
        PASSWORD,
        2,
        r"fabric-action.yml:3:\d+: .*auth sets certificate_password but not certificate",
    ),
]


@pytest.mark.parametrize(
    ("case", "make_secret", "auth_line", "password", "code", "message"),
    [pytest.param(*row, id=row[0]) for row in _REFUSED],
)
def test_a_bad_certificate_or_password_stops_before_any_request(
    tmp_path: Path,
    emulator: RunningEmulator,
    fabric: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    case: str,
    make_secret: Any,
    auth_line: str,
    password: str | None,
    code: int,
    message: str,
) -> None:
    secret = make_secret()
    config, workspace_id = make_auth_project(
        tmp_path,
        emulator,
        fabric,
        monkeypatch,
        auth_line=auth_line,
        dotenv=_dotenv(secret, password) if secret else dotenv_entry(PASSWORD_NAME, PASSWORD),
    )
    mark = emulator.requests_log()[-1]["seq"]

    result = deploy(config)

    captured = capsys.readouterr()
    err = captured.err
    assert result == code, (case, err)
    sent = [e for e in emulator.requests_log(since=mark) if not e["path"].startswith("/_emu")]
    assert sent == [], case  # not even a token request
    assert re.search(message, err), (case, err)
    assert "Traceback" not in err
    for shown in (captured.err, captured.out):
        assert PASSWORD not in shown and "Wrong-Pa55word" not in shown
        assert not [line for line in secret.splitlines() if len(line) > 40 and line in shown]
    assert deployed(emulator, workspace_id) == {}


# -- validate and masking -----------------------------------------------------------------


def test_validate_show_masks_the_certificate_password(
    tmp_path: Path,
    emulator: RunningEmulator,
    fabric: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret, _, _ = _pfx_with_password()
    config, _ = make_auth_project(
        tmp_path,
        emulator,
        fabric,
        monkeypatch,
        auth_line=WITH_PASSWORD,
        dotenv=_dotenv(secret, PASSWORD),
    )

    code = main(["validate", "--config", str(config), "--environment", "DEV", "--show"])

    captured = capsys.readouterr()
    assert code == 0, captured.err
    [line] = [x for x in captured.out.splitlines() if x.startswith("auth.certificate_password")]
    assert re.match(rf"auth.certificate_password +\= \*\*\* \(secret {PASSWORD_NAME}, ", line)
    assert "fabric-action.yml:3:" in line
    assert PASSWORD not in captured.out + captured.err
    assert secret[:60] not in captured.out + captured.err


def test_the_certificate_password_is_registered_with_the_ci_masker(
    tmp_path: Path,
    emulator: RunningEmulator,
    fabric: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret, _, _ = _pfx_with_password()
    config_file, _ = make_auth_project(
        tmp_path,
        emulator,
        fabric,
        monkeypatch,
        auth_line=WITH_PASSWORD,
        dotenv=_dotenv(secret, PASSWORD),
    )
    masked: list[str] = []

    class Sink:
        def mask(self, value: str) -> None:
            masked.append(value)

    config = load_config(config_file, "DEV", environ={})
    resolved = resolve_secrets_offline(
        config, masker=SecretMasker(Sink()), dotenv_path=config_file.parent / ".env"
    )

    assert PASSWORD in masked and secret in masked
    password_ref = resolved.config.auth.certificate_password
    assert password_ref is not None and password_ref.name == PASSWORD_NAME
    assert password_ref.require().reveal() == PASSWORD
    assert "Pa55" not in repr(resolved.config.auth)


def test_a_value_of_neither_form_is_refused_when_it_reaches_thedeploy(
    tmp_path: Path,
    emulator: RunningEmulator,
    fabric: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The config check refuses it first; a value that bypassed it still gets a message."""
    config_file, _ = make_auth_project(
        tmp_path, emulator, fabric, monkeypatch, auth_line=WITHOUT_PASSWORD, dotenv=""
    )
    offline = load_config(config_file, "DEV", environ={})
    unchecked = SecretRef(CERTIFICATE, Secret("Xy7 not base64!"))
    config = dataclasses.replace(
        offline, auth=dataclasses.replace(offline.auth, certificate=unchecked)
    )

    with pytest.raises(AuthError) as caught:
        load_certificate(config, now_s=SystemClock().now())

    assert re.fullmatch(
        r"the secret 'fabric-certificate' \(auth.certificate, .*fabric-action.yml:3:\d+\) is "
        r"neither PEM \(a private key and certificate blocks\) nor the base64 of a PKCS#12 "
        r"\(.pfx\) file: store one of these",
        str(caught.value),
    )
    assert "Xy7" not in str(caught.value)
