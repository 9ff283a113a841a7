"""The opt-in live suite (tests/live) run against the emulator, as CI would run it live.

``pytest -m live tests/live`` runs in a subprocess with the live variables pointed at an
in-process emulator (``FABRIC_ACTION_CLOUD=emulator:<url>``), so the suite is proven to
pass (not skip) where it should, and to refuse a workspace it must not touch.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import pytest
from auth_support import make_certificate, register_certificate
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from deploy_support import CLIENT_ID, register_guid_app

from fabric_emulator import EmulatorConfig, Profile
from fabric_emulator.testing import RunningEmulator

pytestmark = pytest.mark.timeout(600)

ROOT = Path(__file__).resolve().parents[3]
LIVE_TESTS = 6
SAFE_WORKSPACE = "fabric-action-live-emulator"
_CLEARED_PREFIXES = ("FABRIC_", "COV_CORE_", "GITHUB_", "ACTIONS_", "SYSTEM_", "AZURE")
_CLEARED = ("TF_BUILD", "PYTEST_ADDOPTS")


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    """The realism profile (eventual consistency, realistic bodies), polls without waits."""
    return EmulatorConfig(profile=Profile.REALISM, lro_retry_after_s=0)


def _create_workspace(fabric: Any, name: str) -> str:
    capacity = fabric.get("/v1/capacities").json()["value"][0]["id"]
    created = fabric.post("/v1/workspaces", json={"displayName": name, "capacityId": capacity})
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def _live_environ(emulator: RunningEmulator, tenant_id: str, **live: str) -> dict[str, str]:
    environ = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(_CLEARED_PREFIXES) and name not in _CLEARED
    }
    environ.update(
        FABRIC_ACTION_CLOUD=f"emulator:{emulator.base_url}",
        FABRIC_ACTION_CLOUD_REDIRECT_URL=emulator.redirect_base_url,
        FABRIC_ACTION_CA_BUNDLE=str(emulator.ca_path),
        FABRIC_TENANT_ID=tenant_id,
        FABRIC_CLIENT_ID=CLIENT_ID,
        **live,
    )
    return environ


def _run_live_suite(environ: dict[str, str], junit: Path) -> tuple[int, str, dict[str, str]]:
    """Run the suite; return exit code, output, and each test's outcome by name."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-m",
            "live",
            "tests/live",
            "-p",
            "no:cacheprovider",
            "-q",
            "-rA",
            f"--junitxml={junit}",
        ],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )
    outcomes = {}
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        kinds = [child.tag for child in case if child.tag in ("skipped", "failure", "error")]
        outcomes[case.attrib["name"]] = kinds[0] if kinds else "passed"
    return result.returncode, result.stdout + result.stderr, outcomes


def _items_of(emulator: RunningEmulator, workspace_id: str) -> list[str]:
    items = emulator.state()["fabric"]["items"].values()
    return [i["display_name"] for i in items if i["workspace_id"] == workspace_id]


def test_the_live_suite_passes_against_the_emulator_and_cleans_up(
    tmp_path: Path, emulator: RunningEmulator, fabric: Any
) -> None:
    tenant_id = register_guid_app(emulator)
    workspace_id = _create_workspace(fabric, SAFE_WORKSPACE)
    bystander = _create_workspace(fabric, "Someone else's workspace")
    environ = _live_environ(
        emulator,
        tenant_id,
        FABRIC_CLIENT_SECRET=emulator.client_secret,
        FABRIC_LIVE_WORKSPACE=SAFE_WORKSPACE,
    )

    code, output, outcomes = _run_live_suite(environ, tmp_path / "junit.xml")

    assert code == 0, output
    assert len(outcomes) == LIVE_TESTS, output
    assert set(outcomes.values()) == {"passed"}, output
    assert _items_of(emulator, workspace_id) == []  # created, then deleted
    assert _items_of(emulator, bystander) == []
    log = emulator.requests_log()
    deletes = [e for e in log if e["method"] == "DELETE"]
    assert len(deletes) == 2
    assert all(e["path"].startswith(f"/v1/workspaces/{workspace_id}/items/") for e in deletes)
    assert not [e for e in log if bystander in e["path"]]


def test_the_live_suite_signs_in_with_a_password_protected_pfx(
    tmp_path: Path, emulator: RunningEmulator, fabric: Any
) -> None:
    tenant_id = register_guid_app(emulator)
    _create_workspace(fabric, SAFE_WORKSPACE)
    key_pem, cert_pem = make_certificate()
    register_certificate(emulator, cert_pem)
    pfx = tmp_path / "app.pfx"
    pfx.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"fabric-action",
            serialization.load_pem_private_key(key_pem.encode(), None),  # type: ignore[arg-type]
            x509.load_pem_x509_certificate(cert_pem.encode()),
            None,
            serialization.BestAvailableEncryption(b"pfx-pa55"),
        )
    )
    environ = _live_environ(
        emulator,
        tenant_id,
        FABRIC_CERTIFICATE_PATH=str(pfx),
        FABRIC_CERTIFICATE_PASSWORD="pfx-pa55",
        FABRIC_LIVE_WORKSPACE=SAFE_WORKSPACE,
    )

    code, output, outcomes = _run_live_suite(environ, tmp_path / "junit.xml")

    assert code == 0, output
    assert set(outcomes.values()) == {"passed"} and len(outcomes) == LIVE_TESTS, output
    assert key_pem.splitlines()[1] not in output


def test_the_live_suite_refuses_a_workspace_without_the_safety_prefix(
    tmp_path: Path, emulator: RunningEmulator, fabric: Any
) -> None:
    tenant_id = register_guid_app(emulator)
    workspace_id = _create_workspace(fabric, "Sales (PROD)")
    mark = emulator.requests_log()[-1]["seq"]
    environ = _live_environ(
        emulator,
        tenant_id,
        FABRIC_CLIENT_SECRET=emulator.client_secret,
        FABRIC_LIVE_WORKSPACE="Sales (PROD)",
    )

    code, output, outcomes = _run_live_suite(environ, tmp_path / "junit.xml")

    assert code == 1, output
    assert set(outcomes.values()) == {"error"}, output
    assert "does not start with 'fabric-action-live-'" in output
    assert "FABRIC_LIVE_I_UNDERSTAND=1" in output
    # Not even signed in, and the workspace untouched. (The emulator is shared with
    # other tests, so only requests for this tenant or this workspace are looked at.)
    sent = [
        e
        for e in emulator.requests_log(since=mark)
        if tenant_id in e["path"] or workspace_id in e["path"]
    ]
    assert sent == []
    assert _items_of(emulator, workspace_id) == []


def test_without_the_marker_or_the_variables_the_live_tests_skip_saying_what_to_set(
    tmp_path: Path,
) -> None:
    environ = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(_CLEARED_PREFIXES) and name not in _CLEARED
    }
    unselected = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/live", "-p", "no:cacheprovider", "-q", "-rs"],
        cwd=ROOT,
        env={**environ, "FABRIC_TENANT_ID": "t", "FABRIC_CLIENT_ID": "c"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    code, output, outcomes = _run_live_suite(environ, tmp_path / "junit.xml")

    assert unselected.returncode == 0, unselected.stdout
    assert f"{LIVE_TESTS} skipped" in unselected.stdout
    assert "live test, not selected: run `pytest -m live tests/live`" in unselected.stdout
    assert code == 0, output
    assert set(outcomes.values()) == {"skipped"} and len(outcomes) == LIVE_TESTS
    assert "not configured: set FABRIC_TENANT_ID, FABRIC_CLIENT_ID, FABRIC_LIVE_WORKSPACE" in (
        output
    )
