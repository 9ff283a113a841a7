"""Where recorded production traffic legitimately breaks Microsoft's Swagger spec.

A case that meets one of these names it; everything else in its response is still checked.
Each deviation tolerates only the violations whose JSON path (or header) and message match
its two patterns, must actually occur (one that no longer does has to be removed from the
case), and asserts separately what production sends instead. Sources are
``../shared/reference/fabric-api.md`` sections, marked [R] for recorded traffic.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import requests
import swagger

from fabric_emulator import Profile

BOTH_PROFILES = frozenset(Profile)


@dataclass(frozen=True)
class Deviation:
    """A documented, narrow disagreement between the spec and production."""

    name: str
    reason: str
    where: str
    """Pattern of :attr:`swagger.Violation.where` (``body $.error``, ``header Location``)."""
    message: str
    """Pattern of :attr:`swagger.Violation.message`."""
    production: Callable[[requests.Response], None]
    """Assert what production sends instead."""
    profiles: frozenset[Profile] = BOTH_PROFILES
    """Profiles that show the deviation; the others must conform fully."""

    def explains(self, violation: swagger.Violation) -> bool:
        """Return whether ``violation`` is the disagreement this deviation documents."""
        return (
            re.fullmatch(self.where, violation.where) is not None
            and re.fullmatch(self.message, violation.message) is not None
        )


def _description_left_out(response: requests.Response) -> None:
    body = response.json()
    entries = body.get("value", [body])
    assert any("description" not in entry for entry in entries), body


WORKSPACE_WITHOUT_DESCRIPTION = Deviation(
    name="workspace-description-omitted",
    reason=(
        "Workspace.description is required by the spec, but production leaves an empty "
        "description out of workspace bodies (§1 'Null/empty fields' [R]); the realism "
        "profile copies that, the default profile always sends it."
    ),
    where=r"body \$(\.value\[\d+\])?",
    message=r"'description' is a required property",
    production=_description_left_out,
    profiles=frozenset({Profile.REALISM}),
)


def _error_is_null(response: requests.Response) -> None:
    assert response.json()["error"] is None


OPERATION_ERROR_NULL = Deviation(
    name="operation-error-null",
    reason=(
        "OperationState.error is an ErrorResponse (no x-nullable), but production sends "
        '"error": null for every operation that has not failed (§5.2 [R]).'
    ),
    where=r"body \$\.error",
    message=r"None is not of type 'object'",
    production=_error_is_null,
)


def _percent_null_while_running(response: requests.Response) -> None:
    body = response.json()
    assert (body["status"], body["percentComplete"]) == ("Running", None), body


RUNNING_PERCENT_NULL = Deviation(
    name="running-percent-complete-null",
    reason=(
        "OperationState.percentComplete is an integer (no x-nullable), but production sends "
        '"percentComplete": null while an operation runs (§5.2 [R]); the realism profile '
        "copies that, the default profile sends 0."
    ),
    where=r"body \$\.percentComplete",
    message=r"None is not of type 'integer'",
    production=_percent_null_while_running,
    profiles=frozenset({Profile.REALISM}),
)


_MISSING = r"missing \(the spec declares it for this status\)"


def _location_points_at_result(response: requests.Response) -> None:
    headers = response.headers
    assert "Retry-After" not in headers
    operation_id = headers["x-ms-operation-id"]
    assert headers["Location"].endswith(f"/v1/operations/{operation_id}/result"), headers


SUCCEEDED_WITHOUT_RETRY_AFTER = Deviation(
    name="succeeded-state-without-retry-after",
    reason=(
        "GetOperationState declares Location, x-ms-operation-id and Retry-After on every 200, "
        "but once an operation has succeeded production drops Retry-After and points "
        "Location at /result (§5.2 [R]; Microsoft's own GetLongRunningOperationStateCompleted "
        "example has no Retry-After either)."
    ),
    where=r"header Retry-After",
    message=_MISSING,
    production=_location_points_at_result,
)


def _no_polling_headers(response: requests.Response) -> None:
    sent = [
        name
        for name in ("Location", "x-ms-operation-id", "Retry-After")
        if name in response.headers
    ]
    assert not sent, sent


_POLLING_HEADER = r"header (Location|x-ms-operation-id|Retry-After)"

SUCCEEDED_WITHOUT_POLLING_HEADERS = Deviation(
    name="resultless-success-without-polling-headers",
    reason=(
        "GetOperationState declares Location, x-ms-operation-id and Retry-After on every 200, "
        "but production sends none of them for an operation that succeeded without a result, "
        "such as updateDefinition (§5.2 [R]); clients such as fabric-cicd stop polling when "
        "Location is absent."
    ),
    where=_POLLING_HEADER,
    message=_MISSING,
    production=_no_polling_headers,
)

FAILED_WITHOUT_POLLING_HEADERS = Deviation(
    name="failed-state-without-polling-headers",
    reason=(
        "GetOperationState declares Location, x-ms-operation-id and Retry-After on every 200. "
        "No recording shows production's headers on a Failed state (§5.2 records only its "
        "body, with error filled in), and no client reads them: fabric-cicd, fabric-cli and "
        "fabric-sdk-go all stop at Failed. The emulator answers it like a finished operation "
        "without a result, which production does send without them; this is the emulator's "
        "choice, not a recording."
    ),
    where=_POLLING_HEADER,
    message=_MISSING,
    production=_no_polling_headers,
)


def _unbound_references_have_null_id(response: requests.Response) -> None:
    unbound = [entry for entry in response.json()["value"] if entry.get("id") is None]
    assert unbound, response.json()
    assert all(entry["connectivityType"] == "None" and "id" in entry for entry in unbound), unbound


UNBOUND_ITEM_CONNECTION_ID_NULL = Deviation(
    name="unbound-item-connection-id-null",
    reason=(
        "ItemConnection.id is a uuid (no x-nullable), but the emulator lists a data source "
        'reference that is bound to no connection as {"id": null, "connectivityType": "None", '
        '"connectionDetails": {...}} (fabric_emulator/_routes_fabric_connections.py; pinned by '
        "tests/integration/emulator/test_connections.py). No recording shows production's "
        "unbound reference; fabric-cicd copies the entry and overwrites id, and "
        "fabric_action reads a null or absent id alike. This is the emulator's choice, not a "
        "recording."
    ),
    where=r"body \$\.value\[\d+\]\.id",
    message=r"None is not of type 'string'",
    production=_unbound_references_have_null_id,
)


_PROVISIONED_LATER = ("connectionString", "queryServiceUri", "ingestionServiceUri")


def _provisioned_attributes_left_out(response: requests.Response) -> None:
    properties = response.json()["properties"]
    assert not [name for name in _PROVISIONED_LATER if name in properties], properties


ATTRIBUTES_BEFORE_PROVISIONING = Deviation(
    name="attributes-absent-while-provisioning",
    reason=(
        "WarehouseProperties requires connectionString, and EventhouseProperties and "
        "KQLDatabaseProperties require queryServiceUri and ingestionServiceUri, but production "
        "provisions them after the item exists (reference §9.1 and fabric-cicd, which retries "
        "GET <type>s/{id} until the attribute appears). While a test's provisioning delay "
        "runs (PUT /_emulator/provisioning) the emulator leaves them out; no recording shows "
        "production's interim body, so this is the emulator's choice. Once provisioned (the "
        "default, delay 0) the bodies conform fully."
    ),
    where=r"body \$\.properties",
    message=r"'(connectionString|queryServiceUri|ingestionServiceUri)' is a required property",
    production=_provisioned_attributes_left_out,
)
