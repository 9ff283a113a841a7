"""Tokens from the emulated Entra against a Fabric-surface route: accepted or refused.

A test-only route keeps these tests independent of the real Fabric routes.
"""

from __future__ import annotations

import pytest
import requests

from fabric_emulator import Context
from fabric_emulator._http import Response
from fabric_emulator._router import Surface
from fabric_emulator._tokens import SigningKeys, mint_access_token
from fabric_emulator.testing import RunningEmulator

TIMEOUT = (5.0, 10.0)
WHOAMI = "/v1/_entra_tests/whoami"


@pytest.fixture
def whoami(emulator: RunningEmulator) -> str:
    """Register a Fabric-surface route that echoes the caller; return its URL."""

    def echo(context: Context) -> Response:
        identity = context.require_identity()
        return Response.json(200, {"appId": identity.app_id, "audience": identity.audience})

    emulator.emulator.router.add("GET", WHOAMI, echo, surface=Surface.FABRIC)
    return f"{emulator.base_url}{WHOAMI}"


def _token(session: requests.Session, emulator: RunningEmulator, scope: str) -> str:
    response = session.post(
        f"{emulator.authority}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": emulator.client_id,
            "client_secret": emulator.client_secret,
            "scope": scope,
        },
        timeout=TIMEOUT,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def _get(session: requests.Session, url: str, token: str | None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return session.get(url, headers=headers, timeout=TIMEOUT)


def _assert_refused(response: requests.Response, code: str) -> None:
    assert response.status_code == 401
    assert response.headers["x-ms-public-api-error-code"] == code
    assert response.json()["errorCode"] == code


@pytest.mark.parametrize(
    "scope",
    [
        "https://api.fabric.microsoft.com/.default",
        "https://analysis.windows.net/powerbi/api/.default",
    ],
)
def test_fabric_and_power_bi_tokens_are_accepted(
    emulator: RunningEmulator, ca_session: requests.Session, whoami: str, scope: str
) -> None:
    response = _get(ca_session, whoami, _token(ca_session, emulator, scope))

    assert response.status_code == 200
    assert response.json()["appId"] == emulator.client_id


def test_missing_token_is_token_is_missing(ca_session: requests.Session, whoami: str) -> None:
    _assert_refused(_get(ca_session, whoami, None), "TokenIsMissing")


@pytest.mark.parametrize("garbage", ["garbage", "a.b.c", "eyJhbGciOiJub25lIn0.e30."])
def test_garbage_is_invalid_token(ca_session: requests.Session, whoami: str, garbage: str) -> None:
    _assert_refused(_get(ca_session, whoami, garbage), "InvalidToken")


def test_graph_token_is_invalid_token_on_fabric(
    emulator: RunningEmulator, ca_session: requests.Session, whoami: str
) -> None:
    graph_token = _token(ca_session, emulator, "https://graph.microsoft.com/.default")

    _assert_refused(_get(ca_session, whoami, graph_token), "InvalidToken")


def test_token_of_another_signing_key_is_invalid_token(
    emulator: RunningEmulator, ca_session: requests.Session, whoami: str
) -> None:
    directory = emulator.emulator.directory
    forged = mint_access_token(
        SigningKeys.generate(),
        issuer_base="https://sts.windows.net",
        tenant_id=directory.tenant_id,
        audience="https://api.fabric.microsoft.com",
        object_id=directory.apps[emulator.client_id].object_id,
        app_id=emulator.client_id,
        now_epoch_s=emulator.emulator.clock.now(),
        lifetime_s=3599,
    )

    _assert_refused(_get(ca_session, whoami, forged), "InvalidToken")


def test_token_expires_after_its_lifetime_on_the_emulator_clock(
    emulator: RunningEmulator, ca_session: requests.Session, whoami: str
) -> None:
    token = _token(ca_session, emulator, "https://api.fabric.microsoft.com/.default")
    lifetime_s = emulator.emulator.config.token_lifetime_s

    emulator.advance(lifetime_s - 1)
    still_valid = _get(ca_session, whoami, token)
    emulator.advance(1)

    assert still_valid.status_code == 200
    _assert_refused(_get(ca_session, whoami, token), "TokenExpired")
