"""Drive ``fabric-action deploy`` against the in-process emulator, as a user would.

The CLI reaches the emulator through ``FABRIC_ACTION_CLOUD=emulator:<base_url>`` (with
the redirect host and the emulator CA in ``FABRIC_ACTION_CLOUD_REDIRECT_URL`` and
``FABRIC_ACTION_CA_BUNDLE``). The config validates client ids as GUIDs, so the test
registers the emulator's default app under a GUID client id (same service principal,
same secret ``emulator-secret``, read from ``.env`` by the local tier).
"""

from __future__ import annotations

import base64
import copy
import json
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fabric_action.cli import main
from fabric_emulator.testing import RunningEmulator

SAMPLE = Path(__file__).resolve().parents[3] / "examples/fabric-cicd-sample/workspace"
CLIENT_ID = "0ec5ae2c-1c7a-4b0a-8b5e-0000000000aa"
WORKSPACE_NAME = "Sales Analytics (DEV)"
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
READ_POSTS = ("/getDefinition",)


def writes(log: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Return the write calls to Fabric (getDefinition is a POST that only reads)."""
    return [
        (entry["method"], entry["path"])
        for entry in log
        if entry["path"].startswith("/v1/")
        and entry["method"] in WRITE_METHODS
        and not entry["path"].endswith(READ_POSTS)
    ]


def register_guid_app(emulator: RunningEmulator) -> str:
    """Register the default app under :data:`CLIENT_ID`; return the tenant id."""
    directory = emulator.state()["directory"]
    app = copy.deepcopy(directory["apps"]["fabric-action-dev"])
    app["client_id"] = CLIENT_ID
    directory["apps"][CLIENT_ID] = app
    emulator.control("POST", "seed", {"directory": directory})
    return str(directory["tenant_id"])


@dataclass
class Project:
    """A repository in tmp_path holding the sample, a config and a ``.env``."""

    root: Path
    emulator: RunningEmulator
    fabric: Any
    workspace_id: str

    @property
    def config(self) -> Path:
        return self.root / "fabric-action.yml"

    @property
    def items(self) -> Path:
        return self.root / "workspace"

    def mark(self) -> int:
        entries = self.emulator.requests_log()
        return int(entries[-1]["seq"]) if entries else 0

    def deploy(self, *extra: str) -> tuple[int, list[dict[str, Any]], float]:
        """Run ``fabric-action deploy``; return exit code, requests made, seconds taken."""
        mark = self.mark()
        began = time.perf_counter()
        code = main(["deploy", "--config", str(self.config), "--environment", "DEV", *extra])
        return code, self.emulator.requests_log(since=mark), time.perf_counter() - began

    def items_by_key(self) -> dict[tuple[str, str], dict[str, Any]]:
        state = self.emulator.state()["fabric"]["items"].values()
        return {
            (i["type"], i["display_name"]): i
            for i in state
            if i["workspace_id"] == self.workspace_id
        }

    def definition(self, item_id: str) -> dict[str, str]:
        """``getDefinition`` through REST, as ``{path: text}`` (``.platform`` left out)."""
        response = self.fabric.post(
            f"/v1/workspaces/{self.workspace_id}/items/{item_id}/getDefinition"
        )
        body = finish(self.fabric, response)
        return {
            p["path"]: base64.b64decode(p["payload"]).decode("utf-8")
            for p in body["definition"]["parts"]
            if p["path"] != ".platform"
        }


def finish(fabric: Any, response: Any) -> Any:
    """Follow a 202 to its result."""
    if response.status_code != 202:
        assert response.status_code in (200, 201), response.text
        return response.json() if response.content else None
    location = response.headers["Location"]
    for _ in range(100):
        state = fabric.get(location)
        if state.json()["status"] == "Succeeded":
            result = state.headers.get("Location")
            return fabric.get(result).json() if result else None
        location = state.headers.get("Location", location)
    raise AssertionError("operation did not finish")


def make_project(
    tmp_path: Path,
    emulator: RunningEmulator,
    fabric: Any,
    monkeypatch: pytest.MonkeyPatch,
    *,
    delete_orphans: bool = True,
) -> Project:
    """Copy the sample into a git repository with a config, and create the workspace."""
    tenant_id = register_guid_app(emulator)
    root = tmp_path / "repo"
    shutil.copytree(SAMPLE, root / "workspace")
    (root / "fabric-action.yml").write_text(
        "version: 1\nproject: sales\n"
        f"auth: {{tenant_id: {tenant_id}, client_id: {CLIENT_ID}, "
        "client_secret: '${secret:fabric-client-secret}'}\n"
        "environments:\n  DEV:\n    tier: local\n    workspaces:\n      sales:\n"
        f"        name: {WORKSPACE_NAME}\n"
        "        items: {source: workspace, parameters: parameter.yml, "
        f"delete_orphans: {str(delete_orphans).lower()}}}\n",
        encoding="utf-8",
    )
    (root / ".env").write_text("fabric-client-secret=emulator-secret\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    monkeypatch.setenv("FABRIC_ACTION_CLOUD", f"emulator:{emulator.base_url}")
    monkeypatch.setenv("FABRIC_ACTION_CLOUD_REDIRECT_URL", emulator.redirect_base_url)
    monkeypatch.setenv("FABRIC_ACTION_CA_BUNDLE", str(emulator.ca_path))
    for name in ("GITHUB_ACTIONS", "TF_BUILD", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    capacity = fabric.get("/v1/capacities").json()["value"][0]["id"]
    created = fabric.post(
        "/v1/workspaces", json={"displayName": WORKSPACE_NAME, "capacityId": capacity}
    )
    assert created.status_code == 201, created.text
    return Project(root=root, emulator=emulator, fabric=fabric, workspace_id=created.json()["id"])


def plan_json(path: Path) -> dict[str, Any]:
    """Read a saved plan."""
    return dict(json.loads(path.read_text(encoding="utf-8")))
