"""Long-running operations: start, report state, hand out results (reference §5)."""

from __future__ import annotations

from typing import Any

from fabric_emulator._app import Context
from fabric_emulator._fabric_common import new_id
from fabric_emulator._fabric_store import Operation
from fabric_emulator._faults import LroOutcome
from fabric_emulator._http import FabricError, Response


def start_operation(
    context: Context,
    *,
    kind: str,
    result: Any = None,
    has_result: bool = True,
    duration_s: float | None = None,
) -> Operation:
    """Record an operation that finishes after the configured (or faulted) duration.

    A fault rule on the initiating route may keep it Running longer and make it end
    ``Failed`` or ``Undefined``; the change it stands for is applied either way, as in
    production where a failed LRO can leave partial work behind.
    """
    base = context.config.lro_duration_s if duration_s is None else duration_s
    outcome = context.faults.lro_outcome
    error = None
    if outcome is LroOutcome.FAILED:
        error = {
            "errorCode": "OperationFailed",
            "message": "The operation failed (injected by the emulator).",
            "moreDetails": [],
        }
    operation = Operation(
        id=new_id(),
        kind=kind,
        owner=context.require_identity().object_id,
        created_s=context.now,
        done_s=context.now + base + context.faults.lro_running_s,
        final_status=outcome.value,
        result=result if outcome is LroOutcome.SUCCEEDED else None,
        has_result=has_result and outcome is LroOutcome.SUCCEEDED,
        error=error,
    )
    context.emulator.fabric.operations[operation.id] = operation
    return operation


def operation_url(context: Context, operation: Operation) -> str:
    """Return the operation's state URL on the LRO host."""
    return f"{context.lro_base_url}/v1/operations/{operation.id}"


def accepted(context: Context, operation: Operation) -> Response:
    """Answer 202 with Location, x-ms-operation-id and Retry-After.

    The body is empty in the default profile (as the spec says) and the literal ``null``
    in the realism profile (as production sends).
    """
    headers = {
        "Location": operation_url(context, operation),
        "x-ms-operation-id": operation.id,
        "Retry-After": str(context.config.lro_retry_after_s),
    }
    if context.config.realism:
        return Response.json(202, None, headers=headers)
    return Response.empty(202, headers=headers)


def status_of(operation: Operation, now_s: float) -> str:
    """Return the operation's status at emulator time ``now_s``."""
    if now_s < operation.done_s:
        return "Running"
    return operation.final_status


def _operation_for(context: Context) -> Operation:
    operation = context.emulator.fabric.operations.get(context.params["operationId"])
    if operation is None or operation.owner != context.require_identity().object_id:
        raise FabricError(404, "OperationNotFound", "The operation was not found")
    return operation


def get_operation_state(context: Context) -> Response:
    """``GET /v1/operations/{id}``: the state, with Location as real clients need it."""
    operation = _operation_for(context)
    status = status_of(operation, context.now)
    done = status != "Running"
    body: dict[str, Any] = {
        "status": status,
        "createdTimeUtc": context.timestamp(operation.created_s),
        "lastUpdatedTimeUtc": context.timestamp(operation.done_s if done else operation.created_s),
        "percentComplete": 100 if done else (None if context.config.realism else 0),
        "error": operation.error if status == "Failed" else None,
    }
    headers: dict[str, str] = {}
    if not done:
        headers = {
            "Location": operation_url(context, operation),
            "x-ms-operation-id": operation.id,
            "Retry-After": str(context.config.lro_retry_after_s),
        }
    elif status == "Succeeded" and operation.has_result:
        headers = {
            "Location": operation_url(context, operation) + "/result",
            "x-ms-operation-id": operation.id,
        }
    return Response.json(200, body, headers=headers)


def get_operation_result(context: Context) -> Response:
    """``GET /v1/operations/{id}/result``: the result, or 400 ``OperationHasNoResult``."""
    operation = _operation_for(context)
    status = status_of(operation, context.now)
    if status == "Running":
        raise FabricError(400, "OperationNotSucceeded", "The operation has not completed yet")
    if status != "Succeeded":
        raise FabricError(400, "OperationNotSucceeded", f"The operation ended {status}")
    if not operation.has_result:
        raise FabricError(400, "OperationHasNoResult", "The operation has no result")
    return Response.json(200, operation.result, content_type="application/json")
