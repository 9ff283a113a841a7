"""``auth.certificate`` takes PEM or base64 PKCS#12; ``auth.certificate_password`` opens it."""

from __future__ import annotations

import base64

import pytest
from config_unit_support import (
    AUTH,
    CLIENT,
    TENANT,
    FakeSecret,
    FakeSecrets,
    Repository,
    codes,
    config_text,
    indent,
    place_of,
    workspace,
)

from fabric_action.config import SecretRef, format_effective_config, resolve_config_secrets
from fabric_action.config._secret_values import secret_value_problem

PASSWORD = "Pfx-Pa55.word"
CERT_AUTH = (
    f"auth: {{tenant_id: {TENANT}, client_id: {CLIENT}, certificate: '${{secret:cert}}', "
    "certificate_password: '${secret:cert-password}'}\n"
)
# The outer shape of a PFX: SEQUENCE { INTEGER 3, ... } (the content is not opened here).
PFX_SHORT = bytes([0x30, 0x10, 0x02, 0x01, 0x03]) + bytes(14)
PFX_LONG = bytes([0x30, 0x82, 0x08, 0x89, 0x02, 0x01, 0x03]) + bytes(40)
PFX_INDEFINITE = bytes([0x30, 0x80, 0x02, 0x01, 0x03]) + bytes(20)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@pytest.mark.parametrize(
    "value",
    [
        _b64(PFX_SHORT),
        _b64(PFX_LONG),
        _b64(PFX_INDEFINITE),
        "\n".join(_b64(PFX_LONG)[i : i + 16] for i in range(0, len(_b64(PFX_LONG)), 16)),
    ],
    ids=["short-length", "long-length", "indefinite-length", "wrapped-lines"],
)
def test_a_base64_pkcs12_is_a_certificate(value: str) -> None:
    assert secret_value_problem("certificate", FakeSecret(value)) is None


@pytest.mark.parametrize(
    "value",
    [
        "Xy7Secret-not-base64!",
        _b64(b"Xy7Secret, base64 but no DER"),
        _b64(bytes([0x30, 0x10, 0x02, 0x01, 0x01]) + bytes(14)),  # version 1: not a PFX
        _b64(bytes([0x30, 0x03])),
        "-----BEGIN CERTIFICATE-----\nXy7Secret\n-----END CERTIFICATE-----\n",
    ],
    ids=["not-base64", "not-der", "not-version-3", "too-short", "pem-without-key"],
)
def test_neither_pem_nor_pkcs12_says_which_forms_are_accepted(value: str) -> None:
    problem = secret_value_problem("certificate", FakeSecret(value))

    assert problem is not None
    assert problem.startswith(
        "the value is not a PEM private key with its certificate, nor the base64 of a "
        "PKCS#12 (.pfx) file"
    )
    assert "Xy7Secret" not in problem


def test_a_certificate_password_needs_only_a_value() -> None:
    assert secret_value_problem("certificate_password", FakeSecret("p w")) is None
    assert secret_value_problem("certificate_password", FakeSecret(" ")) is not None


def test_the_password_is_resolved_masked_and_shown_as_a_secret(repo: Repository) -> None:
    text = config_text("dev:\n" + indent(workspace()), auth=CERT_AUTH)
    secrets = FakeSecrets({"cert": _b64(PFX_SHORT), "cert-password": PASSWORD})

    offline = repo.load(text)
    config = resolve_config_secrets(offline, secrets)

    assert offline.auth.certificate_password == SecretRef("cert-password")
    password = config.auth.certificate_password
    assert password is not None and password.require().reveal() == PASSWORD
    assert config.sources["auth.certificate_password"].line == 3
    shown = format_effective_config(config)
    assert "auth.certificate_password" in shown
    assert "*** (secret cert-password)" in shown
    assert PASSWORD not in shown and PASSWORD not in repr(config)
    assert secrets.asked == ["cert", "cert-password"]


def test_a_blank_password_is_refused_where_it_is_named(repo: Repository) -> None:
    text = config_text("dev:\n" + indent(workspace()), auth=CERT_AUTH)

    problems = repo.problems(
        text, secrets=FakeSecrets({"cert": _b64(PFX_SHORT), "cert-password": " "})
    )

    assert codes(problems) == ["reference.invalid-secret-value"]
    assert (problems[0].line, problems[0].column) == place_of(text, "'${secret:cert-password}'")
    assert "${secret:cert-password} cannot be used here: the value is empty" in str(problems[0])


def test_a_password_without_a_certificate_is_a_problem_and_null_clears_it(
    repo: Repository,
) -> None:
    lone = config_text(
        "dev:\n" + indent("auth: {certificate_password: '${secret:pw}'}\n" + workspace()),
        auth=AUTH,
    )
    cleared = lone.replace("{certificate_password: '${secret:pw}'}", "{certificate_password: null}")

    [problem] = repo.problems(lone)
    config = repo.load(cleared)

    assert problem.code == "auth.password-without-certificate"
    assert (problem.line, problem.column) == place_of(lone, "'${secret:pw}'")
    assert "set auth.certificate too, or remove certificate_password" in problem.message
    assert config.auth.certificate_password is None


def test_the_password_field_takes_only_a_secret_reference(repo: Repository) -> None:
    text = config_text(
        "dev:\n" + indent(workspace()),
        auth=CERT_AUTH.replace("'${secret:cert-password}'", "Xy7Plaintext"),
    )

    problems = repo.problems(text)

    assert codes(problems) == ["schema.anyOf"]
    assert "Xy7Plaintext" not in str(problems[0])


def test_a_secret_reference_elsewhere_names_the_password_field_too(repo: Repository) -> None:
    text = config_text("dev:\n" + indent(workspace(name="${secret:x}")))

    [problem] = repo.problems(text)

    assert problem.code == "reference.misplaced-secret"
    assert "auth.certificate_password" in problem.message
