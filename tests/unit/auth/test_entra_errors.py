"""MSAL error dicts become EntraTokenError: code, ids, a next step, never a secret."""

from __future__ import annotations

import pytest

from fabric_action.auth._entra_errors import entra_error
from fabric_action.errors import AuthError, EntraTokenError, ExitCode

WRONG_SECRET = {
    "error": "invalid_client",
    "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret "
    "being sent is the value.\r\nTrace ID: t-1\r\nCorrelation ID: c-1\r\nTimestamp: 2026",
    "error_codes": [7000215],
    "timestamp": "2026-01-01 00:00:00Z",
    "trace_id": "t-1",
    "correlation_id": "c-1",
}


def test_wrong_secret_message_has_code_hint_ids_and_description() -> None:
    error = entra_error(WRONG_SECRET, scope="https://x/.default", who="client secret of app a")

    assert isinstance(error, AuthError)
    assert error.exit_code is ExitCode.AUTH_ERROR
    assert (error.error, error.error_codes, error.aadsts) == (
        "invalid_client",
        (7000215,),
        "AADSTS7000215",
    )
    assert (error.correlation_id, error.trace_id) == ("c-1", "t-1")
    assert str(error) == (
        "Entra ID refused a token for https://x/.default (client secret of app a): "
        "invalid_client AADSTS7000215: the client secret is wrong: use the secret's Value "
        "(not its Secret ID). Entra said: Invalid client secret provided. Ensure the secret "
        "being sent is the value. (correlation id c-1, trace id t-1)"
    )


def test_secret_values_are_blanked_even_if_entra_echoed_them() -> None:
    echoed = dict(WRONG_SECRET, error_description="AADSTS7000215: got 'hunter2' for app.")

    error = entra_error(echoed, scope="s", who="w", redactions=("hunter2", ""))

    assert "hunter2" not in str(error)
    assert "got '***' for app." in str(error)


@pytest.mark.parametrize(
    ("code", "hint"),
    [
        (700016, "check clientId and tenantId"),
        (90002, "check tenantId"),
        (700027, "upload the certificate"),
        (700024, "validity window"),
        (700213, "federated credential for exactly this subject"),
        (700211, "trusts this issuer"),
        (700212, "api://AzureADTokenExchange"),
        (7000222, "expired"),
    ],
)
def test_hints_by_aadsts_code(code: int, hint: str) -> None:
    error = entra_error({"error": "invalid_client", "error_codes": [code]}, scope="s", who="w")

    assert hint in str(error)
    assert f"AADSTS{code}" in str(error)


def test_hint_by_error_when_the_code_is_unknown() -> None:
    error = entra_error(
        {"error": "unauthorized_client", "error_codes": ["123"]}, scope="s", who="w"
    )

    assert error.error_codes == (123,)
    assert "the app cannot use this flow here" in str(error)


def test_bare_result_still_gives_a_useful_error() -> None:
    error = entra_error({}, scope="s", who="w")

    assert isinstance(error, EntraTokenError)
    assert (error.error, error.error_codes, error.aadsts) == ("unknown_error", (), "")
    assert (
        str(error) == "Entra ID refused a token for s (w): unknown_error: see Entra's description."
    )


def test_long_descriptions_are_shortened_and_bad_codes_ignored() -> None:
    error = entra_error(
        {"error": "x", "error_description": "y" * 1000, "error_codes": ["n/a", None]},
        scope="s",
        who="w",
    )

    assert error.error_codes == ()
    assert "y" * 297 + "..." in str(error)
    assert "y" * 298 not in str(error)
