"""What the live suite needs: its settings, a small repository, and a write counter.

There is no emulator request log in a live run, so writes are counted on the client
side: :class:`WriteCounter` wraps :meth:`RequestsTransport.send` while ``deploy`` runs
in this process and keeps every POST/PATCH/PUT/DELETE sent to the Fabric API (except
``getDefinition``, a POST that only reads). The deploy report says the same from the
planner's side; the tests check both.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from fabric_action.cli import main
from fabric_action.fabric import RequestsTransport

LIVE_MARKER = "live"
SAFE_PREFIX = "fabric-action-live-"
"""A workspace whose name starts with this is one the suite may write to."""
UNDERSTAND_VARIABLE = "FABRIC_LIVE_I_UNDERSTAND"
REQUIRED = ("FABRIC_TENANT_ID", "FABRIC_CLIENT_ID", "FABRIC_LIVE_WORKSPACE")
ENVIRONMENT = "LIVE"
SECRET_NAME = "fabric-live-credential"
_WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})


def usage() -> str:
    """Return how to run the suite, for skip reasons."""
    return (
        "run `pytest -m live tests/live` with FABRIC_TENANT_ID, FABRIC_CLIENT_ID, "
        "FABRIC_LIVE_WORKSPACE (an existing disposable workspace named "
        f"'{SAFE_PREFIX}...' the service principal is Admin of) and one of "
        "FABRIC_CLIENT_SECRET, FABRIC_CERTIFICATE_PATH (+ FABRIC_CERTIFICATE_PASSWORD) or a "
        "CI OIDC token; FABRIC_ACTION_CLOUD=emulator:<url> targets an emulator"
    )


def credential_kind(environ: Mapping[str, str]) -> str:
    """Return ``client-secret``, ``certificate``, ``oidc``, or "" when none is available."""
    if environ.get("FABRIC_CLIENT_SECRET"):
        return "client-secret"
    if environ.get("FABRIC_CERTIFICATE_PATH"):
        return "certificate"
    if environ.get("ACTIONS_ID_TOKEN_REQUEST_URL") or environ.get("SYSTEM_OIDCREQUESTURI"):
        return "oidc"
    return ""


def missing_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """Return the variables the suite still needs (empty when it can run)."""
    environ = os.environ if environ is None else environ
    missing = [name for name in REQUIRED if not environ.get(name)]
    if not credential_kind(environ):
        missing.append("FABRIC_CLIENT_SECRET or FABRIC_CERTIFICATE_PATH (or CI OIDC)")
    return missing


@dataclass(frozen=True, kw_only=True)
class LiveTarget:
    """Who the suite signs in as and where it deploys.

    Attributes:
        tenant_id: Entra tenant.
        client_id: The service principal's application id.
        workspace: Display name of the disposable workspace.
        credential: ``client-secret``, ``certificate`` or ``oidc``.
        secret: The value the config's secret resolves to (secret text or PEM), "" for OIDC.
    """

    tenant_id: str
    client_id: str
    workspace: str
    credential: str
    secret: str = field(default="", repr=False)


def live_target(environ: Mapping[str, str]) -> LiveTarget:
    """Read the target from the environment, refusing a workspace that is not marked safe.

    Raises:
        pytest.fail.Exception: The workspace name lacks the safety prefix, or the
            certificate cannot be read.
    """
    workspace = environ["FABRIC_LIVE_WORKSPACE"]
    if not workspace.startswith(SAFE_PREFIX) and environ.get(UNDERSTAND_VARIABLE) != "1":
        pytest.fail(
            f"FABRIC_LIVE_WORKSPACE={workspace!r} does not start with {SAFE_PREFIX!r}: the "
            "live suite creates, changes and deletes items there, so it runs only in a "
            f"workspace named '{SAFE_PREFIX}...' (rename it), or set {UNDERSTAND_VARIABLE}=1 "
            "if this workspace is disposable",
            pytrace=False,
        )
    kind = credential_kind(environ)
    secret = ""
    if kind == "client-secret":
        secret = environ["FABRIC_CLIENT_SECRET"]
    elif kind == "certificate":
        secret = certificate_pem(
            Path(environ["FABRIC_CERTIFICATE_PATH"]), environ.get("FABRIC_CERTIFICATE_PASSWORD")
        )
    return LiveTarget(
        tenant_id=environ["FABRIC_TENANT_ID"],
        client_id=environ["FABRIC_CLIENT_ID"],
        workspace=workspace,
        credential=kind,
        secret=secret,
    )


def certificate_pem(path: Path, password: str | None) -> str:
    """Return the key (unencrypted PKCS#8) and certificate of a PEM or PFX file, as PEM.

    ``auth.certificate`` holds PEM with an unencrypted key, so the suite converts what
    it is given; the result only ever goes to the run's ``.env`` in a temporary folder.
    """
    where = f"FABRIC_CERTIFICATE_PATH={str(path)!r}"
    secret = password.encode() if password else None
    try:
        data = path.read_bytes()
        if b"-----BEGIN" in data:
            key: Any = serialization.load_pem_private_key(data, secret)
            certificate: x509.Certificate | None = x509.load_pem_x509_certificate(data)
        else:
            key, certificate, _ = pkcs12.load_key_and_certificates(data, secret)
    except (OSError, ValueError, TypeError) as exc:
        pytest.fail(
            f"{where} cannot be read as a PEM or PFX key and certificate "
            f"({type(exc).__name__}): check the path and FABRIC_CERTIFICATE_PASSWORD",
            pytrace=False,
        )
    if key is None or certificate is None:
        pytest.fail(f"{where} must hold both the private key and the certificate", pytrace=False)
    key_pem: bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return (key_pem + certificate.public_bytes(serialization.Encoding.PEM)).decode("ascii")


@dataclass(frozen=True, kw_only=True)
class LiveRepository:
    """The generated repository: a Notebook and a DataPipeline that runs it.

    Attributes:
        root: The repository (a git work tree in a temporary folder).
        notebook: The notebook's display name.
        pipeline: The pipeline's display name.
        prefix: What every item name of this run starts with.
    """

    root: Path
    notebook: str
    pipeline: str
    prefix: str

    @property
    def config(self) -> Path:
        """The config file."""
        return self.root / "fabric-action.yml"

    @property
    def notebook_source(self) -> Path:
        """The notebook's source file."""
        return self.root / "items" / f"{self.notebook}.Notebook" / "notebook-content.py"


def write_repository(root: Path, target: LiveTarget) -> LiveRepository:
    """Write the items, config and ``.env`` of one run under ``root`` (a new git repo)."""
    token = uuid.uuid4().hex[:8]
    prefix = f"fa_live_{token}_"
    repository = LiveRepository(
        root=root, notebook=f"{prefix}nb", pipeline=f"{prefix}pl", prefix=prefix
    )
    notebook_id, pipeline_id = str(uuid.uuid4()), str(uuid.uuid4())
    items = root / "items"
    _write_item(items, "Notebook", repository.notebook, notebook_id)
    _write_item(items, "DataPipeline", repository.pipeline, pipeline_id)
    repository.notebook_source.write_text(_notebook(f"fabric-action live test {token}"))
    activity = {
        "name": "Run notebook",
        "type": "TridentNotebook",
        "dependsOn": [],
        "typeProperties": {
            "notebookId": notebook_id,
            "workspaceId": "00000000-0000-0000-0000-000000000000",
        },
    }
    pipeline_file = items / f"{repository.pipeline}.DataPipeline" / "pipeline-content.json"
    pipeline_file.write_text(json.dumps({"properties": {"activities": [activity]}}, indent=2))
    secret_line = {
        "client-secret": "client_secret: '${secret:" + SECRET_NAME + "}', ",
        "certificate": "certificate: '${secret:" + SECRET_NAME + "}', ",
        "oidc": "",
    }[target.credential]
    repository.config.write_text(
        "version: 1\nproject: fabric-action-live\n"
        f"auth: {{{secret_line}tenant_id: {target.tenant_id}, client_id: {target.client_id}}}\n"
        f"environments:\n  {ENVIRONMENT}:\n    tier: local\n    workspaces:\n      live:\n"
        f"        name: {json.dumps(target.workspace)}\n"
        "        items: {source: items, delete_orphans: false}\n",
        encoding="utf-8",
    )
    dotenv = root / ".env"
    dotenv.touch(mode=0o600)
    if target.secret:
        dotenv.write_text(f'{SECRET_NAME}="{target.secret}"\n', encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return repository


def _write_item(items: Path, item_type: str, name: str, logical_id: str) -> None:
    folder = items / f"{name}.{item_type}"
    folder.mkdir(parents=True)
    platform = {
        "$schema": "https://developer.microsoft.com/json-schemas/fabric/gitIntegration/"
        "platformProperties/2.0.0/schema.json",
        "metadata": {"type": item_type, "displayName": name},
        "config": {"version": "2.0", "logicalId": logical_id},
    }
    (folder / ".platform").write_text(json.dumps(platform, indent=2), encoding="utf-8")


def _notebook(message: str) -> str:
    meta_kernel = '# META {\n# META   "kernel_info": {\n# META     "name": "synapse_pyspark"\n'
    meta_kernel += '# META   },\n# META   "dependencies": {}\n# META }\n'
    meta_cell = '# META {\n# META   "language": "python",\n'
    meta_cell += '# META   "language_group": "synapse_pyspark"\n# META }\n'
    return (
        "# Fabric notebook source\n\n# METADATA ********************\n\n"
        f"{meta_kernel}\n# CELL ********************\n\nprint({message!r})\n\n"
        f"# METADATA ********************\n\n{meta_cell}"
    )


class WriteCounter:
    """Counts the write calls the Fabric client sends while :meth:`counting` is active.

    Args:
        api_base: The Fabric API base URL (the cloud profile's ``fabric_api_base``).
    """

    def __init__(self, api_base: str) -> None:
        self._api_base = api_base.rstrip("/")

    @contextlib.contextmanager
    def counting(self) -> Iterator[list[tuple[str, str]]]:
        """Yield a list that fills with ``(method, path)`` of each write sent."""
        writes: list[tuple[str, str]] = []
        original = RequestsTransport.send
        api_base = self._api_base

        def send(transport: RequestsTransport, request: Any) -> Any:
            path = urlsplit(request.url).path
            if (
                request.method in _WRITES
                and request.url.startswith(api_base)
                and not path.endswith("/getDefinition")
            ):
                writes.append((request.method, path))
            return original(transport, request)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(RequestsTransport, "send", send)
            yield writes


@dataclass(frozen=True, kw_only=True)
class DeployRun:
    """One ``fabric-action deploy``: exit code, writes sent, and its report (if any)."""

    code: int
    writes: list[tuple[str, str]]
    report: dict[str, Any]

    def items(self) -> dict[str, dict[str, Any]]:
        """Return the report's items of the (only) workspace, by name."""
        return {i["name"]: i for i in self.report["workspaces"][0]["items"]}


def run_deploy(
    repository: LiveRepository, counter: WriteCounter, report: Path, *extra: str
) -> DeployRun:
    """Run ``fabric-action deploy`` in this process (so its writes can be counted)."""
    report.unlink(missing_ok=True)
    argv = ["deploy", "--config", str(repository.config), "--environment", ENVIRONMENT]
    with counter.counting() as writes:
        code = main([*argv, "--report", str(report), *extra])
    document = json.loads(report.read_text(encoding="utf-8")) if report.is_file() else {}
    return DeployRun(code=code, writes=list(writes), report=document)
