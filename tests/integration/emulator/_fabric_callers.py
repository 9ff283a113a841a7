"""Callers of the emulated Fabric API for the workspace, role and capacity tests.

``Caller`` acts as any app registration with a token minted by the emulator's own key,
so a test can add a second (or third) principal without the Entra token endpoint.
"""

from __future__ import annotations

from typing import Any, Protocol

import requests

from fabric_emulator._directory import AppRegistration, stable_id
from fabric_emulator._tokens import FABRIC_AUDIENCE, mint_access_token
from fabric_emulator.testing import RunningEmulator

TIMEOUT_S = (5.0, 30.0)


class FabricClient(Protocol):
    """What the tests need of a client: the shape of the ``fabric`` fixture."""

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        """GET."""

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        """POST."""

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        """PATCH."""

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        """DELETE."""


class Caller:
    """A Fabric REST client acting as one app registration."""

    def __init__(self, emulator: RunningEmulator, app: AppRegistration) -> None:
        self.emulator = emulator
        self.app = app
        token = mint_access_token(
            emulator.emulator.keys,
            issuer_base="https://sts.windows.net",
            tenant_id=emulator.emulator.directory.tenant_id,
            audience=FABRIC_AUDIENCE,
            object_id=app.object_id,
            app_id=app.client_id,
            now_epoch_s=emulator.emulator.clock.now(),
            lifetime_s=3599,
        )
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.verify = emulator.verify
        self.session.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send a request to ``/v1/...`` or to a full URL."""
        url = path if path.startswith("http") else f"{self.emulator.base_url}{path}"
        return self.session.request(method, url, timeout=TIMEOUT_S, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        """GET."""
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        """POST."""
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        """PATCH."""
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        """DELETE."""
        return self.request("DELETE", path, **kwargs)

    def close(self) -> None:
        """Close the session."""
        self.session.close()


def add_app(
    emulator: RunningEmulator, name: str, *, can_create_workspaces: bool = True
) -> AppRegistration:
    """Register another app (and its service principal) in the emulated directory."""
    app = AppRegistration(
        client_id=stable_id("test-app", name),
        display_name=name,
        object_id=stable_id("test-sp", name),
        can_create_workspaces=can_create_workspaces,
    )
    with emulator.emulator.lock:
        emulator.emulator.directory.apps[app.client_id] = app
    return app


def default_app(emulator: RunningEmulator) -> AppRegistration:
    """Return the app the ``fabric`` fixture signs in as."""
    return emulator.emulator.directory.apps[emulator.client_id]


def user_id(alias: str) -> str:
    """Return the object id of a seeded user (``alice``, ``bob``, ``carol``)."""
    return stable_id("user", f"{alias}@contoso.test")


def group_id(name: str) -> str:
    """Return the object id of a seeded group (``Data Engineers``...)."""
    return stable_id("group", name)


def assert_fabric_error(response: requests.Response, status: int, code: str) -> dict[str, Any]:
    """Check a Fabric error: status, errorCode, its header, requestId == RequestId."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["errorCode"] == code, body
    assert response.headers["x-ms-public-api-error-code"] == code
    assert body["requestId"] == response.headers["RequestId"]
    assert body["message"]
    return body


def create_workspace(client: FabricClient, name: str, **fields: Any) -> dict[str, Any]:
    """Create a workspace and return its body, failing the test on any error."""
    response = client.post("/v1/workspaces", json={"displayName": name, **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def add_role(
    client: FabricClient, workspace_id: str, principal_id: str, principal_type: str, role: str
) -> requests.Response:
    """Ask for a role assignment and return the raw response."""
    return client.post(
        f"/v1/workspaces/{workspace_id}/roleAssignments",
        json={"principal": {"id": principal_id, "type": principal_type}, "role": role},
    )
