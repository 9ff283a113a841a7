"""Prepare a running fabric_emulator for the ``local`` environment of fabric-action.yml.

fabric-action deploys into workspaces that exist, signed in as an app whose client id is
a GUID. This script makes the emulator match ``environments.local`` of the config:

1. registers the emulator's built-in app (secret ``emulator-secret``) under the local
   environment's client id as well;
2. creates the environment's workspaces on its capacity, unless they exist.

Then it prints the variables that point fabric-action at the emulator. Run it again at
will; it changes nothing the second time.

    python -m fabric_emulator --port 8765 --redirect-port 8766 &
    python examples/sales-analytics/local_emulator.py --ca .emulator/emulator-ca.pem
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path
from typing import Any

import requests
import yaml

CONFIG = Path(__file__).with_name("fabric-action.yml")
BUILT_IN_APP = "fabric-action-dev"
FABRIC_SCOPE = "https://api.fabric.microsoft.com/.default"
TIMEOUT_S = (5.0, 30.0)


def _local_environment(config: Path) -> dict[str, Any]:
    document = yaml.safe_load(config.read_text(encoding="utf-8"))
    return dict(document["environments"]["local"])


def _register_app(session: requests.Session, base_url: str, client_id: str) -> str:
    """Register the built-in app under *client_id*; return the tenant id."""
    state = session.get(f"{base_url}/_emulator/state", timeout=TIMEOUT_S)
    state.raise_for_status()
    directory = state.json()["directory"]
    if client_id not in directory["apps"]:
        app = copy.deepcopy(directory["apps"][BUILT_IN_APP])
        app["client_id"] = client_id
        directory["apps"][client_id] = app
        seeded = session.post(
            f"{base_url}/_emulator/seed", json={"directory": directory}, timeout=TIMEOUT_S
        )
        seeded.raise_for_status()
    return str(directory["tenant_id"])


def _token(session: requests.Session, base_url: str, tenant_id: str, client_id: str) -> str:
    response = session.post(
        f"{base_url}/{tenant_id}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": "emulator-secret",
            "scope": FABRIC_SCOPE,
        },
        timeout=TIMEOUT_S,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def prepare(base_url: str, ca: str | bool, config: Path = CONFIG) -> dict[str, str]:
    """Make the emulator at *base_url* ready for ``deploy --environment local``.

    Returns:
        Workspace key -> workspace id, for every workspace of the local environment.
    """
    local = _local_environment(config)
    client_id = str(local["auth"]["client_id"])
    with requests.Session() as session:
        session.trust_env = False
        session.verify = ca
        tenant_id = _register_app(session, base_url, client_id)
        if tenant_id != str(local["auth"]["tenant_id"]):
            sys.exit(f"the emulator's tenant is {tenant_id}, the config names another")
        token = _token(session, base_url, tenant_id, client_id)
        session.headers["Authorization"] = f"Bearer {token}"
        listed = session.get(f"{base_url}/v1/workspaces", timeout=TIMEOUT_S)
        listed.raise_for_status()
        existing = {w["displayName"]: w["id"] for w in listed.json()["value"]}
        ids = {}
        for key, workspace in local["workspaces"].items():
            name = workspace["name"]
            if name not in existing:
                body = {"displayName": name, "capacityId": local["defaults"]["capacity"]}
                created = session.post(f"{base_url}/v1/workspaces", json=body, timeout=TIMEOUT_S)
                created.raise_for_status()
                existing[name] = created.json()["id"]
            ids[key] = existing[name]
        return ids


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="https://127.0.0.1:8765", help="the emulator")
    parser.add_argument("--redirect-url", default="https://localhost:8766", help="its LRO host")
    parser.add_argument("--ca", default=".emulator/emulator-ca.pem", help="its CA certificate")
    args = parser.parse_args()
    ca = str(Path(args.ca).resolve())
    for key, workspace_id in prepare(args.url, ca).items():
        print(f"# workspace {key}: {workspace_id}")
    print(f"export FABRIC_ACTION_CLOUD=emulator:{args.url}")
    print(f"export FABRIC_ACTION_CLOUD_REDIRECT_URL={args.redirect_url}")
    print(f"export FABRIC_ACTION_CA_BUNDLE={ca}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
