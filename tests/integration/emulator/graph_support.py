"""A Graph client for the emulator tests: CA-pinned HTTPS, a token from the token endpoint."""

from __future__ import annotations

from typing import Any

import requests

from fabric_emulator._directory import DEFAULT_CLIENT_ID, Group, stable_id
from fabric_emulator.testing import RunningEmulator

TIMEOUT_S = (5.0, 30.0)
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
FABRIC_SCOPE = "https://api.fabric.microsoft.com/.default"
GRAPH_JSON = (
    "application/json;odata.metadata=minimal;odata.streaming=true;"
    "IEEE754Compatible=false;charset=utf-8"
)


def user_id(alias: str) -> str:
    """Return the seeded object id of ``alias@contoso.test``."""
    return stable_id("user", f"{alias}@contoso.test")


def group_id(name: str) -> str:
    """Return the seeded object id of a group."""
    return stable_id("group", name)


DEFAULT_SP_ID = stable_id("sp", DEFAULT_CLIENT_ID)


def token(emulator: RunningEmulator, scope: str = GRAPH_SCOPE) -> str:
    """Get an app-only token for the default app from the emulator's token endpoint."""
    session = requests.Session()
    session.trust_env = False
    session.verify = str(emulator.ca_path)
    with session:
        response = session.post(
            f"{emulator.authority}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": emulator.client_id,
                "client_secret": emulator.client_secret,
                "scope": scope,
            },
            timeout=TIMEOUT_S,
        )
    response.raise_for_status()
    return str(response.json()["access_token"])


class GraphClient:
    """Calls ``/v1.0/...`` with a Graph token; trusts only the emulator CA."""

    def __init__(self, emulator: RunningEmulator, *, scope: str = GRAPH_SCOPE) -> None:
        self.emulator = emulator
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.verify = str(emulator.ca_path)
        self.session.headers["Authorization"] = f"Bearer {token(emulator, scope)}"

    def url(self, path: str) -> str:
        """Return an absolute URL for ``/v1.0/...`` or a full URL as given."""
        return path if path.startswith("http") else f"{self.emulator.base_url}/v1.0{path}"

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        """GET."""
        return self.session.get(self.url(path), timeout=TIMEOUT_S, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        """POST."""
        return self.session.post(self.url(path), timeout=TIMEOUT_S, **kwargs)

    def close(self) -> None:
        """Close the session."""
        self.session.close()


def ok(response: requests.Response) -> dict[str, Any]:
    """Assert a Graph success with Graph's headers; return the body."""
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == GRAPH_JSON
    assert response.headers["request-id"]
    assert response.headers["client-request-id"]
    body: dict[str, Any] = response.json()
    return body


def graph_error(response: requests.Response, status: int, code: str) -> dict[str, Any]:
    """Assert a Graph error body with ``code``; return its ``error`` object."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code, error
    assert set(error) == {"code", "message", "innerError"}
    assert {"date", "request-id", "client-request-id"} <= set(error["innerError"])
    return error


def add_group(
    emulator: RunningEmulator, name: str, members: list[str], *, key: str | None = None
) -> Group:
    """Add a group to the running emulator's directory."""
    group = Group(id=stable_id("group", key or name), display_name=name, members=members)
    with emulator.emulator.lock:
        emulator.emulator.directory.groups[group.id] = group
    return group


def set_graph_permissions(emulator: RunningEmulator, permissions: list[str]) -> None:
    """Replace the default app's Graph application permissions."""
    with emulator.emulator.lock:
        emulator.emulator.directory.apps[DEFAULT_CLIENT_ID].graph_permissions = permissions
