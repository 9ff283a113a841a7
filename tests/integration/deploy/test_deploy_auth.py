"""``fabric-action deploy`` signs in with a certificate or a CI OIDC token (emulated Entra).

``auth.certificate`` names a secret holding the PEM key and certificate; the local tier
reads it from ``.env``. The certificate is uploaded to the app through the emulator's
control API, as an admin would upload it in the portal.
"""

from __future__ import annotations

import json
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
    register_certificate,
    thumbprint,
    token_posts,
)
from deploy_support import CLIENT_ID, writes

from fabric_emulator import EmulatorConfig, Profile
from fabric_emulator.testing import RunningEmulator

pytestmark = pytest.mark.timeout(60)

CERTIFICATE_AUTH = "certificate: '${secret:fabric-certificate}'"
GITHUB_REQUEST_TOKEN = "emulator-github-request-token"  # the emulator's default
SYSTEM_ACCESS_TOKEN = "emulator-system-access-token"  # the emulator's default


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    """One profile: these tests are about signing in, the deploy tests cover both."""
    return EmulatorConfig(profile=Profile.DEFAULT, lro_retry_after_s=0)


# -- certificate -------------------------------------------------------------------------


def test_deploys_with_a_registered_certificate_and_shows_only_its_thumbprint(
    tmp_path: Path,
    emulator: RunningEmulator,
    fabric: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key_pem, cert_pem = make_certificate()
    config, workspace_id = make_auth_project(
        tmp_path,
        emulator,
        fabric,
        monkeypatch,
        auth_line=CERTIFICATE_AUTH,
        dotenv=dotenv_entry("fabric-certificate", key_pem + cert_pem),
    )
    register_certificate(emulator, cert_pem)
    mark = emulator.requests_log()[-1]["seq"]

    report = tmp_path / "report.json"
    code = deploy(config, "--report", str(report))

    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert deployed(emulator, workspace_id) == {NOTEBOOK: "Notebook", PIPELINE: "DataPipeline"}
    assert json.loads(report.read_text())["status"] == "succeeded"
    log = emulator.requests_log(since=mark)
    assert token_posts(log) == [200]
    assert f"certificate {thumbprint(cert_pem)}" in captured.err
    assert f"app {CLIENT_ID}" in captured.err
    key_body = key_pem.splitlines()[1]
    assert key_body not in captured.err + captured.out
    assert key_body not in report.read_text()
    assert "warning" not in captured.err


def test_a_certificate_close_to_expiry_works_with_a_warning(
    tmp_path: Path,
    emulator: RunningEmulator,
    fabric: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key_pem, cert_pem = make_certificate(valid_until_days=5)
    config, _ = make_auth_project(
        tmp_path,
        emulator,
        fabric,
        monkeypatch,
        auth_line=CERTIFICATE_AUTH,
        dotenv=dotenv_entry("fabric-certificate", key_pem + cert_pem),
    )
    register_certificate(emulator, cert_pem)

    code = deploy(config, "--dry-run")

    err = capsys.readouterr().err
    assert code == 0, err
    assert f"warning: the certificate {thumbprint(cert_pem)} of app {CLIENT_ID} expires" in err
    assert "upload its public part" in err


def test_an_unregistered_certificate_is_an_auth_error_naming_the_fix(
    tmp_path: Path,
    emulator: RunningEmulator,
    fabric: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key_pem, cert_pem = make_certificate()
    config, workspace_id = make_auth_project(
        tmp_path,
        emulator,
        fabric,
        monkeypatch,
        auth_line=CERTIFICATE_AUTH,
        dotenv=dotenv_entry("fabric-certificate", key_pem + cert_pem),
    )
    mark = emulator.requests_log()[-1]["seq"]

    code = deploy(config)

    err = capsys.readouterr().err
    log = emulator.requests_log(since=mark)
    assert (code, writes(log)) == (3, []), err
    assert token_posts(log) and set(token_posts(log)) == {401}
    assert "AADSTS700027" in err and "upload the certificate" in err
    assert key_pem.splitlines()[1] not in err
    assert deployed(emulator, workspace_id) == {}


def _bad_secret(case: str) -> str:
    """Return the ``.env`` value of a bad-certificate case (keys are made per test)."""
    if case == "expired":
        return "".join(make_certificate(valid_from_days=-60, valid_until_days=-1))
    if case == "not-yet-valid":
        return "".join(make_certificate(valid_from_days=2, valid_until_days=30))
    if case == "encrypted-key":
        return "".join(make_certificate(password=b"pa55word"))
    if case == "key-of-another-certificate":
        return make_certificate()[0] + make_certificate()[1]
    if case == "not-a-certificate":
        garbage = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"
        return make_certificate()[0] + garbage
    assert case == "key-only"
    return make_certificate()[0]


_BAD_CASES: list[tuple[str, int, str]] = [
    (
        "expired",
        3,
        r"the certificate [0-9A-F]{40} in the secret 'fabric-certificate' "
        r"\(auth.certificate, .*fabric-action.yml:3:.*\) expired on \d{4}-\d\d-\d\d: "
        r"create a new certificate, upload its public part",
    ),
    ("not-yet-valid", 3, r"is not valid before .*check the machine's clock"),
    (
        "encrypted-key",
        3,
        r"the private key in the secret 'fabric-certificate' .* is encrypted, and "
        r"auth.certificate takes no password: store the key unencrypted",
    ),
    (
        "key-of-another-certificate",
        3,
        r"the private key in the secret 'fabric-certificate' .* does not match its "
        r"certificate",
    ),
    (
        "not-a-certificate",
        3,
        r"the certificate in the secret 'fabric-certificate' .* is not valid PEM",
    ),
    ("key-only", 2, r"not a PEM private key with its certificate"),
]


@pytest.mark.parametrize(
    ("case", "code", "message"),
    [pytest.param(*row, id=row[0]) for row in _BAD_CASES],
)
def test_a_bad_certificate_stops_before_any_request_with_what_where_and_what_to_do(
    tmp_path: Path,
    emulator: RunningEmulator,
    fabric: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    case: str,
    code: int,
    message: str,
) -> None:
    config, workspace_id = make_auth_project(
        tmp_path,
        emulator,
        fabric,
        monkeypatch,
        auth_line=CERTIFICATE_AUTH,
        dotenv=dotenv_entry("fabric-certificate", secret := _bad_secret(case)),
    )
    mark = emulator.requests_log()[-1]["seq"]

    result = deploy(config)

    err = capsys.readouterr().err
    assert result == code, (case, err)
    sent = [e for e in emulator.requests_log(since=mark) if not e["path"].startswith("/_emu")]
    assert sent == [], case  # not even a token request
    assert re.search(message, err), (case, err)
    assert "Traceback" not in err
    assert not [line for line in secret.splitlines() if len(line) > 40 and line in err]
    assert deployed(emulator, workspace_id) == {}


# -- federated (OIDC) --------------------------------------------------------------------


def test_deploys_with_github_oidc_and_no_secret_in_the_config(
    tmp_path: Path,
    emulator: RunningEmulator,
    fabric: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config, workspace_id = make_auth_project(
        tmp_path, emulator, fabric, monkeypatch, auth_line="", dotenv=""
    )
    monkeypatch.setenv(
        "ACTIONS_ID_TOKEN_REQUEST_URL", f"{emulator.base_url}/_oidc/github/token?api-version=2.0"
    )
    monkeypatch.setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", GITHUB_REQUEST_TOKEN)
    mark = emulator.requests_log()[-1]["seq"]

    code = deploy(config)

    assert code == 0, capsys.readouterr().err
    assert deployed(emulator, workspace_id) == {NOTEBOOK: "Notebook", PIPELINE: "DataPipeline"}
    log = emulator.requests_log(since=mark)
    oidc = [e for e in log if e["path"] == "/_oidc/github/token"]
    assert [(e["method"], e["status"]) for e in oidc] == [("GET", 200)]
    assert token_posts(log) == [200]


def test_deploys_with_azure_devops_oidc(
    tmp_path: Path,
    emulator: RunningEmulator,
    fabric: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config, workspace_id = make_auth_project(
        tmp_path, emulator, fabric, monkeypatch, auth_line="", dotenv=""
    )
    connection = emulator.control("GET", "oidc/azuredevops")["value"][0]
    monkeypatch.setenv("SYSTEM_OIDCREQUESTURI", connection["oidc_request_uri"])
    monkeypatch.setenv("SYSTEM_ACCESSTOKEN", SYSTEM_ACCESS_TOKEN)
    monkeypatch.setenv(
        "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID", connection["service_connection_id"]
    )
    mark = emulator.requests_log()[-1]["seq"]

    code = deploy(config)

    assert code == 0, capsys.readouterr().err
    assert deployed(emulator, workspace_id) == {NOTEBOOK: "Notebook", PIPELINE: "DataPipeline"}
    log = emulator.requests_log(since=mark)
    oidc = [e for e in log if e["path"].startswith("/_oidc/azuredevops/")]
    assert [(e["method"], e["status"]) for e in oidc] == [("POST", 200)]


def test_without_a_secret_a_certificate_or_oidc_the_error_says_what_to_set(
    tmp_path: Path,
    emulator: RunningEmulator,
    fabric: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config, _ = make_auth_project(tmp_path, emulator, fabric, monkeypatch, auth_line="", dotenv="")

    code = deploy(config)

    err = capsys.readouterr().err
    assert code == 3, err
    assert "no credential found" in err and "id-token: write" in err
