"""A resolved secret is checked against its field, and the verdict never quotes the value."""

from __future__ import annotations

import pytest
from config_unit_support import FakeSecret

from fabric_action.config._secret_values import secret_value_problem

PEM = (
    "-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY-----\n"
    "-----BEGIN CERTIFICATE-----\nMIIDdz\n-----END CERTIFICATE-----\n"
)
GUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("client_secret", "Ab1~cD2.eF3_gH4-iJ5"),
        ("certificate", PEM),
        ("certificate", PEM.replace("PRIVATE KEY", "RSA PRIVATE KEY")),
        ("connection_string", "InstrumentationKey=k;IngestionEndpoint=https://x/"),
        ("connection_string", "instrumentationkey=k"),
        ("connection", GUID),
        ("connection", GUID.upper()),
    ],
)
def test_values_fit_for_their_field_pass(field: str, value: str) -> None:
    assert secret_value_problem(field, FakeSecret(value)) is None


@pytest.mark.parametrize(
    ("field", "value", "start"),
    [
        ("client_secret", "", "the value is empty"),
        ("certificate", " \n\t", "the value is empty"),
        ("client_secret", "Xy7Secret Zq9Tail", "the value contains whitespace or a line break"),
        ("client_secret", "Xy7Secret\nZq9Tail", "the value contains whitespace or a line break"),
        ("certificate", "Xy7Secret-not-pem", "the value is not a PEM private key"),
        ("certificate", PEM.partition("-----BEGIN CERT")[0], "the value is not a PEM private key"),
        ("connection_string", "Xy7Secret=Zq9Tail", "the value is not an Application Insights"),
        ("connection", "Xy7Secret-Zq9Tail", "the value is not a Fabric connection id"),
        ("connection", f" {GUID}", "the value is not a Fabric connection id"),
    ],
)
def test_unfit_values_are_described_without_being_quoted(
    field: str, value: str, start: str
) -> None:
    problem = secret_value_problem(field, FakeSecret(value))

    assert problem is not None
    assert problem.startswith(start)
    for piece in ("Xy7Secret", "Zq9Tail", "MIIEvQ"):
        assert piece not in problem


def test_fields_without_a_shape_only_need_a_value() -> None:
    assert secret_value_problem("other", FakeSecret("anything at all")) is None
    assert secret_value_problem("other", FakeSecret("")) is not None
