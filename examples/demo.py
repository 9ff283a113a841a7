"""``make demo``: a local Fabric tenant, a workspace in it, and a Git repository deployed to it.

What it does, all on loopback and in a few seconds:

1. starts the emulator in-process over HTTPS, with a CA of its own in a temp directory;
2. gets a token from the emulator's Entra token endpoint with azure-identity's
   ``ClientSecretCredential`` (app ``fabric-action-dev``, the emulator's published
   test secret), as a CI job would from Entra ID;
3. creates the workspace "Sales Analytics (PROD)" on the default capacity and gives the
   group "Data Engineers" the Contributor role, through the Fabric REST API;
4. deploys ``examples/fabric-cicd-sample`` into it with Microsoft's fabric-cicd 1.4.0
   (the peer baseline, until fabric-action's own deploy lands), environment PROD;
5. prints the workspace, its folder tree with item ids, what fabric-cicd rewired, the
   HTTP calls from the emulator's request log, and the elapsed time.

Nothing is left behind: the CA and signing key live in a temporary directory that is
removed on exit, fabric-cicd's file log and HTTP trace stay off.

Usage: ``python examples/demo.py [--profile default|realism] [--verbose]``.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import sys
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import requests

from fabric_emulator import EmulatorConfig, Profile
from fabric_emulator.testing import RunningEmulator, running_emulator

SAMPLE_REPOSITORY = Path(__file__).resolve().parent / "fabric-cicd-sample" / "workspace"
ENVIRONMENT = "PROD"
WORKSPACE_NAME = "Sales Analytics (PROD)"
GROUP_NAME = "Data Engineers"
GROUP_ROLE = "Contributor"
FABRIC_SCOPE = "https://api.fabric.microsoft.com/.default"
TIMEOUT_S = (5.0, 30.0)
LOOPBACK = "127.0.0.1,localhost"

# fabric-cicd reads these at import: a file log, an HTTP trace file or a non-Microsoft
# root URL in the caller's environment would write files or stop the import.
_FABRIC_CICD_VARIABLES = (
    "FABRIC_CICD_FILE_LOGGING_ENABLED",
    "FABRIC_CICD_HTTP_TRACE_ENABLED",
    "FABRIC_CICD_HTTP_TRACE_FILE",
    "DEFAULT_API_ROOT_URL",
    "FABRIC_API_ROOT_URL",
)


class _Notes(logging.Handler):
    """Keep fabric-cicd's warnings for the summary instead of interleaving them."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _import_fabric_cicd(verbose: bool) -> tuple[ModuleType, _Notes]:
    """Import fabric-cicd with no files and no polling sleeps; contain its logging."""
    for name in _FABRIC_CICD_VARIABLES:
        os.environ.pop(name, None)
    # The emulator's LROs end at once; fabric-cicd would otherwise sleep 1 s before each poll.
    os.environ["FABRIC_CICD_RETRY_DELAY_OVERRIDE_SECONDS"] = "0"
    hook = sys.excepthook
    import fabric_cicd  # noqa: PLC0415 - only after the environment above is set

    sys.excepthook = hook  # keep full tracebacks for the demo's own errors
    package_logger = logging.getLogger("fabric_cicd")
    if not verbose:
        for handler in package_logger.handlers:
            handler.setLevel(logging.CRITICAL)
    notes = _Notes()
    package_logger.addHandler(notes)
    return fabric_cicd, notes


class _Fabric:
    """A small Fabric REST client that trusts only the emulator's CA."""

    def __init__(self, emulator: RunningEmulator, token: str) -> None:
        self.base_url = emulator.base_url
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.verify = emulator.verify
        self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, body: Any = None) -> requests.Response:
        url = path if path.startswith("https://") else self.base_url + path
        response = self.session.request(method, url, json=body, timeout=TIMEOUT_S)
        response.raise_for_status()
        return response

    def get(self, path: str) -> Any:
        return self.call("GET", path).json()

    def post(self, path: str, body: Any = None) -> Any:
        response = self.call("POST", path, body)
        if response.status_code != 202:
            return response.json() if response.content else None
        return self._operation_result(response)

    def _operation_result(self, accepted: requests.Response) -> Any:
        location = accepted.headers["Location"]
        for _ in range(1000):
            state = self.call("GET", location)
            status = state.json()["status"]
            if status == "Succeeded":
                result = state.headers.get("Location")
                return self.get(result) if result else None
            if status not in ("NotStarted", "Running"):
                raise RuntimeError(f"operation {location} ended {status}: {state.text}")
            location = state.headers["Location"]
            time.sleep(0.01)
        raise RuntimeError(f"operation {location} did not finish")

    def definition(self, workspace_id: str, item_id: str) -> dict[str, str]:
        """``getDefinition`` as ``{part path: text}``."""
        result = self.post(f"/v1/workspaces/{workspace_id}/items/{item_id}/getDefinition")
        return {
            part["path"]: base64.b64decode(part["payload"]).decode("utf-8")
            for part in result["definition"]["parts"]
        }

    def close(self) -> None:
        self.session.close()


def _claims(token: str) -> dict[str, Any]:
    """The token's claims, for display only (the emulator verifies the signature)."""
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


def _group_id(emulator: RunningEmulator, name: str) -> str:
    """Look the group up in the emulator's directory (fabric-action will ask Graph)."""
    for group in emulator.state()["directory"]["groups"].values():
        if group.get("display_name") == name:
            return str(group["id"])
    raise LookupError(f"the emulator's directory has no group {name!r}")


def _tree(items: list[dict[str, Any]], folders: list[dict[str, Any]]) -> list[str]:
    """Render folders and items as an indented tree, names in one column, then type and id."""
    rows: list[tuple[int, str, str, str]] = []

    def walk(parent: str | None, depth: int) -> None:
        children = sorted(
            (f for f in folders if f.get("parentFolderId") == parent),
            key=lambda f: f["displayName"].lower(),
        )
        for folder in children:
            rows.append((depth, folder["displayName"] + "/", "", ""))
            walk(folder["id"], depth + 1)
        for item in sorted(
            (i for i in items if i.get("folderId") == parent),
            key=lambda i: i["displayName"].lower(),
        ):
            rows.append((depth, item["displayName"], item["type"], item["id"]))

    walk(None, 2)
    width = max(2 * depth + len(name) for depth, name, _, _ in rows)
    type_width = max(len(kind) for _, _, kind, _ in rows)
    return [
        (f"{'  ' * depth}{name}".ljust(width + 2) + f"{kind.ljust(type_width)}  {item_id}").rstrip()
        for depth, name, kind, item_id in rows
    ]


def _by_method(entries: Iterable[dict[str, Any]]) -> str:
    counts = Counter(entry["method"] for entry in entries)
    order = ["GET", "POST", "PATCH", "PUT", "DELETE"]
    methods = sorted(counts, key=lambda m: (order.index(m) if m in order else len(order), m))
    total = sum(counts.values())
    return f"{total:3d} calls: " + ", ".join(f"{m} {counts[m]}" for m in methods)


def _meta_lakehouse(notebook_source: str) -> str:
    """The default lakehouse id from a Fabric notebook's ``# META`` header."""
    lines = notebook_source.splitlines()
    start = lines.index("# META {")
    end = lines.index("# META }", start)
    header = json.loads("\n".join(line.removeprefix("# META") for line in lines[start : end + 1]))
    return str(header["dependencies"]["lakehouse"]["default_lakehouse"])


def _deploy(cicd: ModuleType, workspace_id: str, credential: Any) -> None:
    workspace = cicd.FabricWorkspace(
        workspace_id=workspace_id,
        repository_directory=str(SAMPLE_REPOSITORY),
        environment=ENVIRONMENT,
        token_credential=credential,
    )
    cicd.publish_all_items(workspace)
    cicd.unpublish_all_orphan_items(workspace)


def _rewired(fabric: _Fabric, workspace_id: str, ids: dict[tuple[str, str], str]) -> list[str]:
    """What fabric-cicd rewrote, read back from the deployed definitions."""
    notebook = fabric.definition(workspace_id, ids["Notebook", "nb_ingest_sales"])
    pipeline = json.loads(
        fabric.definition(workspace_id, ids["DataPipeline", "pl_daily_ingest"])[
            "pipeline-content.json"
        ]
    )
    activity = pipeline["properties"]["activities"][0]["typeProperties"]
    pbir = json.loads(
        fabric.definition(workspace_id, ids["Report", "Sales Report"])["definition.pbir"]
    )
    library = fabric.get(
        f"/v1/workspaces/{workspace_id}/variableLibraries/"
        f"{ids['VariableLibrary', 'vl_sales_settings']}"
    )
    names = {item_id: name for (_, name), item_id in ids.items()}

    def named(item_id: str) -> str:
        return f"{names.get(item_id, '?')} ({item_id})"

    return [
        "nb_ingest_sales default lakehouse  -> "
        + named(_meta_lakehouse(notebook["notebook-content.py"])),
        f"pl_daily_ingest runs notebook      -> {named(activity['notebookId'])}",
        "pl_daily_ingest notebook workspace -> "
        + ("this workspace" if activity["workspaceId"] == workspace_id else "ANOTHER workspace"),
        "Sales Report bound to              -> "
        + named(pbir["datasetReference"]["byConnection"]["pbiModelDatabaseName"]),
        "vl_sales_settings value set        -> " + library["properties"]["activeValueSetName"],
    ]


def main(argv: list[str] | None = None) -> int:
    """Run the demo; return the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--profile", choices=[p.value for p in Profile], default="default")
    parser.add_argument("--verbose", action="store_true", help="show fabric-cicd's own log")
    args = parser.parse_args(argv)
    started = time.monotonic()
    cicd, notes = _import_fabric_cicd(args.verbose)
    from azure.identity import ClientSecretCredential  # noqa: PLC0415 - after the env is set

    config = EmulatorConfig(profile=Profile(args.profile))
    with running_emulator(config=config) as emulator:
        # fabric-cicd sends its requests with requests.request(): it trusts
        # REQUESTS_CA_BUNDLE and honours proxies unless NO_PROXY exempts loopback.
        os.environ["REQUESTS_CA_BUNDLE"] = str(emulator.ca_path)
        os.environ["NO_PROXY"] = os.environ["no_proxy"] = LOOPBACK
        cicd.constants.DEFAULT_API_ROOT_URL = emulator.base_url
        cicd.constants.FABRIC_API_ROOT_URL = emulator.base_url
        credential = ClientSecretCredential(
            tenant_id=emulator.tenant,
            client_id=emulator.client_id,
            client_secret=emulator.client_secret,
            authority=emulator.base_url,
            disable_instance_discovery=True,
        )
        token = credential.get_token(FABRIC_SCOPE)
        fabric = _Fabric(emulator, token.token)
        try:
            capacity = fabric.get("/v1/capacities")["value"][0]
            workspace = fabric.post(
                "/v1/workspaces", {"displayName": WORKSPACE_NAME, "capacityId": capacity["id"]}
            )
            workspace_id = workspace["id"]
            fabric.post(
                f"/v1/workspaces/{workspace_id}/roleAssignments",
                {
                    "principal": {"id": _group_id(emulator, GROUP_NAME), "type": "Group"},
                    "role": GROUP_ROLE,
                },
            )
            before_deploy = emulator.requests_log()[-1]["seq"]
            deploy_started = time.monotonic()
            _deploy(cicd, workspace_id, credential)
            deploy_s = time.monotonic() - deploy_started
            after_deploy = emulator.requests_log()[-1]["seq"]
            ws = f"/v1/workspaces/{workspace_id}"
            items = fabric.get(f"{ws}/items")["value"]
            folders = fabric.get(f"{ws}/folders")["value"]
            roles = fabric.get(f"{ws}/roleAssignments")["value"]
            ids = {(item["type"], item["displayName"]): item["id"] for item in items}
            rewired = _rewired(fabric, workspace_id, ids)
            log = [e for e in emulator.requests_log() if not e["path"].startswith("/_emulator/")]
        finally:
            fabric.close()
            credential.close()
        claims = _claims(token.token)
        base_url, redirect_url, ca_path, tenant = (
            emulator.base_url,
            emulator.redirect_base_url,
            emulator.ca_path,
            emulator.tenant,
        )

    cicd_calls = [e for e in log if before_deploy < e["seq"] <= after_deploy]
    own_calls = [e for e in log if not before_deploy < e["seq"] <= after_deploy]
    lines = [
        "fabric-action demo: the sample repository deployed into a local Fabric tenant",
        "",
        f"Emulator    {base_url} (LRO redirect host {redirect_url}), profile {args.profile}",
        f"            TLS CA {ca_path} (temporary)",
        f"Token       app {claims.get('appid')} in tenant {tenant} ({claims.get('tid')}), "
        f"from the Entra token endpoint, valid {int(claims['exp']) - int(claims['iat'])} s",
        f"Workspace   {workspace['displayName']}  {workspace_id}",
        f"            capacity {capacity['displayName']} ({capacity['sku']}, {capacity['region']})",
    ]
    for role in sorted(roles, key=lambda r: r["principal"].get("displayName", "")):
        principal = role["principal"]
        lines.append(
            f"            {role['role']:<11} {principal.get('displayName', principal['id'])}"
            f"  [{principal['type']}]"
        )
    lines += [
        f"Deployed    {SAMPLE_REPOSITORY.relative_to(SAMPLE_REPOSITORY.parents[2])}, "
        f"environment {ENVIRONMENT}, by fabric-cicd {cicd.constants.VERSION} "
        f"in {deploy_s:.2f} s",
        "",
        f"{len(items)} items in {len(folders)} folders:",
        f"  {workspace['displayName']}/",
        *_tree(items, folders),
        "",
        "Rewired by fabric-cicd (read back with getDefinition):",
        *(f"  {line}" for line in rewired),
    ]
    if notes.messages:
        lines += ["", "fabric-cicd said:", *(f"  {message}" for message in notes.messages)]
    lines += [
        "",
        "HTTP calls (emulator request log):",
        f"  fabric-cicd  {_by_method(cicd_calls)}",
        f"  this demo    {_by_method(own_calls)}  (token, workspace, role, read-back)",
        "",
        f"Elapsed     {time.monotonic() - started:.2f} s",
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
