"""Helpers of the item, folder, definition, typed-endpoint and LRO tests.

Plain functions (no fixtures), so each test module states its own fixtures. Everything
goes over HTTPS to the in-process emulator; time only moves through ``emulator.advance``.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import requests

from fabric_emulator._fabric_store import RoleAssignment
from fabric_emulator._tokens import FABRIC_AUDIENCE, mint_access_token
from fabric_emulator.testing import RunningEmulator

TIMEOUT_S = (5.0, 30.0)
ZERO_ID = "00000000-0000-0000-0000-000000000000"


def b64(data: str | bytes) -> str:
    """Encode text or bytes as a base64 payload."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return base64.b64encode(raw).decode("ascii")


def unb64(payload: str) -> bytes:
    """Decode a payload (tolerating missing padding)."""
    return base64.b64decode(payload + "=" * (-len(payload) % 4))


def part(path: str, data: str | bytes | dict[str, Any]) -> dict[str, str]:
    """Build one InlineBase64 definition part (dicts are sent as compact JSON)."""
    content = json.dumps(data) if isinstance(data, dict) else data
    return {"path": path, "payload": b64(content), "payloadType": "InlineBase64"}


def platform(item_type: str, name: str, description: str | None = None) -> dict[str, str]:
    """Build a ``.platform`` part as fabric-cicd sends it (with a real logicalId)."""
    metadata = {"type": item_type, "displayName": name}
    if description is not None:
        metadata["description"] = description
    document = {
        "$schema": "https://developer.microsoft.com/json-schemas/fabric/gitIntegration/"
        "platformProperties/2.0.0/schema.json",
        "metadata": metadata,
        "config": {"version": "2.0", "logicalId": "99b570c5-0c79-9dc4-4c9b-fa16c621384c"},
    }
    return part(".platform", document)


def parts_by_path(definition: dict[str, Any]) -> dict[str, bytes]:
    """Return ``{path: decoded bytes}`` of a returned definition."""
    return {p["path"]: unb64(p["payload"]) for p in definition["parts"]}


def default_object_id(emulator: RunningEmulator) -> str:
    """Return the object id of the default app's service principal."""
    return emulator.emulator.directory.apps[emulator.client_id].object_id


def session_for(emulator: RunningEmulator, object_id: str) -> requests.Session:
    """Return a session whose token says it is ``object_id`` (minted, not from Entra)."""
    token = mint_access_token(
        emulator.emulator.keys,
        issuer_base="https://sts.windows.net",
        tenant_id=emulator.emulator.directory.tenant_id,
        audience=FABRIC_AUDIENCE,
        object_id=object_id,
        app_id=emulator.client_id,
        now_epoch_s=emulator.emulator.clock.now(),
        lifetime_s=3599,
    )
    session = requests.Session()
    session.trust_env = False
    session.verify = emulator.verify
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def grant(emulator: RunningEmulator, workspace_id: str, principal_id: str, role: str) -> None:
    """Give ``principal_id`` a workspace role directly in the store."""
    with emulator.emulator.lock:
        workspace = emulator.emulator.fabric.workspaces[workspace_id]
        workspace.roles[principal_id] = RoleAssignment(
            principal_id=principal_id, principal_type="User", role=role
        )


def set_config(emulator: RunningEmulator, **changes: Any) -> None:
    """Change emulator settings through the control API."""
    emulator.control("PATCH", "config", changes)


def create_workspace(fabric: Any, name: str = "Sales Analytics") -> str:
    """Create a workspace (the caller becomes Admin) and return its id."""
    response = fabric.post("/v1/workspaces", json={"displayName": name})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def assert_error(response: requests.Response, status: int, code: str) -> dict[str, Any]:
    """Assert a Fabric error by status and errorCode (header and body); return the body."""
    assert response.status_code == status, response.text
    assert response.headers["x-ms-public-api-error-code"] == code
    body: dict[str, Any] = response.json()
    assert body["errorCode"] == code
    assert body["requestId"] == response.headers["RequestId"]
    return body


def wait_for(fabric: Any, accepted: requests.Response) -> requests.Response:
    """Poll a 202's operation (clock frozen, operations already due) and return the state."""
    assert accepted.status_code == 202, accepted.text
    state: requests.Response = fabric.get(accepted.headers["Location"])
    assert state.status_code == 200, state.text
    return state


def lro_result(fabric: Any, accepted: requests.Response) -> Any:
    """Follow a finished 202 to its ``/result`` and return the JSON."""
    state = wait_for(fabric, accepted)
    assert state.json()["status"] == "Succeeded", state.text
    result = fabric.get(state.headers["Location"])
    assert result.status_code == 200, result.text
    return result.json()


def create_item(fabric: Any, workspace_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Create an item, following the LRO when the service answers 202; return the item."""
    response = fabric.post(f"/v1/workspaces/{workspace_id}/items", json=body)
    if response.status_code == 201:
        created: dict[str, Any] = response.json()
        return created
    result: dict[str, Any] = lro_result(fabric, response)
    return result


def get_definition(fabric: Any, workspace_id: str, item_id: str, **params: str) -> Any:
    """Call getDefinition the way fabric-cicd does (body ``"{}"``) and return the definition."""
    response = fabric.post(
        f"/v1/workspaces/{workspace_id}/items/{item_id}/getDefinition", json="{}", params=params
    )
    if response.status_code == 200:
        return response.json()["definition"]
    return lro_result(fabric, response)["definition"]
