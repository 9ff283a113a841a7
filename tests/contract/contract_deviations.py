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
