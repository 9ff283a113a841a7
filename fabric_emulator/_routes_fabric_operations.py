"""Routes of ``/v1/operations``."""

from __future__ import annotations

from fabric_emulator._lro import get_operation_result, get_operation_state
from fabric_emulator._router import Router, Surface


def register(router: Router) -> None:
    """Add the long-running-operation routes."""
    router.add("GET", "/v1/operations/{operationId}", get_operation_state, surface=Surface.FABRIC)
    router.add(
        "GET",
        "/v1/operations/{operationId}/result",
        get_operation_result,
        surface=Surface.FABRIC,
    )
