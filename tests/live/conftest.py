"""The opt-in live suite: ``fabric-action deploy`` against a real Fabric tenant.

It runs only when asked for by marker (``pytest -m live tests/live``) *and* given an
identity and a workspace; otherwise every live test is reported as skipped, with the
reason saying what to set. A plain ``pytest`` (``make test``) never runs it, even on a
machine that has the variables set.

Variables:

- ``FABRIC_TENANT_ID``, ``FABRIC_CLIENT_ID``: the service principal.
- one credential: ``FABRIC_CLIENT_SECRET``; or ``FABRIC_CERTIFICATE_PATH`` (PEM or PFX,
  with ``FABRIC_CERTIFICATE_PASSWORD`` if it is encrypted); or, in CI, the job's OIDC
  token (GitHub: ``permissions: id-token: write``; Azure DevOps: ``SYSTEM_OIDCREQUESTURI``,
  ``SYSTEM_ACCESSTOKEN`` and ``AZURESUBSCRIPTION_SERVICE_CONNECTION_ID``).
- ``FABRIC_LIVE_WORKSPACE``: the display name of an existing, disposable workspace the
  service principal is Admin of. It must start with ``fabric-action-live-`` unless
  ``FABRIC_LIVE_I_UNDERSTAND=1`` says the workspace may be written to anyway.
- ``FABRIC_ACTION_CLOUD`` (+ ``_REDIRECT_URL``, ``FABRIC_ACTION_CA_BUNDLE``): as for the
  product; ``emulator:<base_url>`` runs the suite against a fabric_emulator.

The suite touches nothing but that workspace, and in it only the items it creates (their
names carry a per-run token; orphans are never deleted); it deletes them at the end.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from live_support import LIVE_MARKER, missing_variables, usage


def _live_selected(config: pytest.Config) -> bool:
    """Return whether ``-m`` asks for the live tests by name (``live``, ``live and x``)."""
    expression = str(config.getoption("markexpr", "") or "")
    return re.search(r"(?<!not )\blive\b", expression) is not None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip every live test unless ``-m live`` selected it and the variables are set."""
    live = [item for item in items if item.get_closest_marker(LIVE_MARKER)]
    if not live:
        return
    if not _live_selected(config):
        reason = f"live test, not selected: {usage()}"
    else:
        missing = missing_variables()
        if not missing:
            return
        reason = f"live test, not configured: set {', '.join(missing)}. {usage()}"
    for item in live:
        item.add_marker(pytest.mark.skip(reason=reason))
