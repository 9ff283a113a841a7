"""A small repository and the identities ``deploy`` signs in with, for the auth tests.

The repository holds a Notebook and a DataPipeline that runs it (by the notebook's
logical id, which deploy rewires to the deployed id). Certificates are generated here
with ``cryptography``: self-signed RSA, valid or not as a test needs.
"""

from __future__ import annotations

import base64
import datetime
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from deploy_support import CLIENT_ID, register_guid_app

from fabric_action.cli import main
from fabric_emulator.testing import RunningEmulator

NOTEBOOK = "nb_auth"
PIPELINE = "pl_auth"
_NOTEBOOK_LOGICAL_ID = "7d3c4b1e-0f6a-4c55-9d1e-2b8f9a7c6e51"


def make_certificate(
    *,
    valid_from_days: float = -1.0,
    valid_until_days: float = 365.0,
    password: bytes | None = None,
) -> tuple[str, str]:
    """Return ``(private key PEM, self-signed certificate PEM)``, validity relative to now."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fabric-action-deploy")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + datetime.timedelta(days=valid_from_days))
        .not_valid_after(now + datetime.timedelta(days=valid_until_days))
        .sign(key, hashes.SHA256())
    )
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    ).decode()
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


def thumbprint(cert_pem: str) -> str:
    """Return the SHA-1 thumbprint the portal shows."""
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    return cert.fingerprint(hashes.SHA1()).hex().upper()


def register_certificate(emulator: RunningEmulator, cert_pem: str) -> None:
    """Upload ``cert_pem`` to the app :data:`CLIENT_ID` through the control API."""
    directory = emulator.state()["directory"]
    directory["apps"][CLIENT_ID]["certificates"].append(cert_pem)
    emulator.control("POST", "seed", {"directory": directory})


def write_small_repository(root: Path) -> None:
    """Write the Notebook and the DataPipeline that runs it under ``root/workspace``."""
    items = root / "workspace"
    notebook = items / f"{NOTEBOOK}.Notebook"
    pipeline = items / f"{PIPELINE}.DataPipeline"
    notebook.mkdir(parents=True)
    pipeline.mkdir(parents=True)
    _platform(notebook, "Notebook", NOTEBOOK, _NOTEBOOK_LOGICAL_ID)
    _platform(pipeline, "DataPipeline", PIPELINE, "0b6f1f7e-3f1c-4d7e-8a43-5c2d9e8f7a60")
    (notebook / "notebook-content.py").write_text(
        "# Fabric notebook source\n\n# CELL ********************\n\nprint('auth')\n",
        encoding="utf-8",
    )
    activity = {
        "name": "Run notebook",
        "type": "TridentNotebook",
        "typeProperties": {
            "notebookId": _NOTEBOOK_LOGICAL_ID,
            "workspaceId": "00000000-0000-0000-0000-000000000000",
        },
    }
    (pipeline / "pipeline-content.json").write_text(
        json.dumps({"properties": {"activities": [activity]}}, indent=2), encoding="utf-8"
    )


def _platform(folder: Path, item_type: str, name: str, logical_id: str) -> None:
    document = {
        "$schema": "https://developer.microsoft.com/json-schemas/fabric/gitIntegration/"
        "platformProperties/2.0.0/schema.json",
        "metadata": {"type": item_type, "displayName": name},
        "config": {"version": "2.0", "logicalId": logical_id},
    }
    (folder / ".platform").write_text(json.dumps(document, indent=2), encoding="utf-8")


def make_auth_project(
    tmp_path: Path,
    emulator: RunningEmulator,
    fabric: Any,
    monkeypatch: pytest.MonkeyPatch,
    *,
    auth_line: str,
    dotenv: str,
    workspace_name: str = "Auth (DEV)",
) -> tuple[Path, str]:
    """Write the small repository with ``auth: {<ids>, <auth_line>}``; return config, ws id.

    Args:
        tmp_path: Where the repository goes (``tmp_path/repo``).
        emulator: The emulator (the GUID app is registered on it).
        fabric: A Fabric REST client of the same service principal.
        monkeypatch: Points the CLI at the emulator.
        auth_line: Extra ``auth`` keys, e.g. ``certificate: '${secret:fabric-certificate}'``
            ("" for none: the CI's OIDC token).
        dotenv: The ``.env`` text.
        workspace_name: The workspace to create and deploy into.
    """
    tenant_id = register_guid_app(emulator)
    root = tmp_path / "repo"
    write_small_repository(root)
    extra = f", {auth_line}" if auth_line else ""
    config = root / "fabric-action.yml"
    config.write_text(
        "version: 1\nproject: auth\n"
        f"auth: {{tenant_id: {tenant_id}, client_id: {CLIENT_ID}{extra}}}\n"
        "environments:\n  DEV:\n    tier: local\n    workspaces:\n      main:\n"
        f"        name: {workspace_name}\n"
        "        items: {source: workspace, delete_orphans: false}\n",
        encoding="utf-8",
    )
    (root / ".env").write_text(dotenv, encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    monkeypatch.setenv("FABRIC_ACTION_CLOUD", f"emulator:{emulator.base_url}")
    monkeypatch.setenv("FABRIC_ACTION_CLOUD_REDIRECT_URL", emulator.redirect_base_url)
    monkeypatch.setenv("FABRIC_ACTION_CA_BUNDLE", str(emulator.ca_path))
    for name in (
        "GITHUB_ACTIONS",
        "TF_BUILD",
        "GITHUB_OUTPUT",
        "GITHUB_STEP_SUMMARY",
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        "SYSTEM_OIDCREQUESTURI",
        "AZURE_CLIENT_SECRET",
        "AZURE_CLIENT_CERTIFICATE_PATH",
    ):
        monkeypatch.delenv(name, raising=False)
    capacity = fabric.get("/v1/capacities").json()["value"][0]["id"]
    created = fabric.post(
        "/v1/workspaces", json={"displayName": workspace_name, "capacityId": capacity}
    )
    assert created.status_code == 201, created.text
    return config, str(created.json()["id"])


def dotenv_entry(name: str, value: str) -> str:
    """Return a ``.env`` line holding a multi-line value (python-dotenv's quoting)."""
    return f'{name}="{value}"\n'


def make_pkcs12(key_pem: str, cert_pem: str, *, password: bytes | None = None) -> str:
    """Return the base64 of a PFX holding the key and certificate (Key Vault's form).

    Key Vault stores a certificate of content type ``application/x-pkcs12`` as a secret
    whose value is exactly this, without a password; ``password`` protects the file the
    way an uploaded ``.pfx`` is.
    """
    key = serialization.load_pem_private_key(key_pem.encode(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    data = pkcs12.serialize_key_and_certificates(
        b"fabric-action-deploy",
        key,
        x509.load_pem_x509_certificate(cert_pem.encode()),
        None,
        encryption,
    )
    return base64.b64encode(data).decode("ascii")


def deploy(config: Path, *extra: str) -> int:
    """Run ``fabric-action deploy`` for environment DEV in-process; return the exit code."""
    return main(["deploy", "--config", str(config), "--environment", "DEV", *extra])


def token_posts(log: list[dict[str, Any]]) -> list[int]:
    """Return the statuses of the Entra token requests in a request log."""
    return [
        int(e["status"])
        for e in log
        if e["method"] == "POST" and e["path"].endswith("/oauth2/v2.0/token")
    ]


def deployed(emulator: RunningEmulator, workspace_id: str) -> dict[str, str]:
    """Return display name -> type of the workspace's items."""
    items = emulator.state()["fabric"]["items"].values()
    return {i["display_name"]: i["type"] for i in items if i["workspace_id"] == workspace_id}
