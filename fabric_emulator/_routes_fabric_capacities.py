"""Routes of ``/v1/capacities`` and the capacity checks workspace routes share (reference §8).

A caller sees a capacity when it is one of the capacity's admins, directly or through a
group. ``GET /v1/capacities/{id}`` answers 404 ``CapacityNotFound`` for a capacity the
caller cannot see, as for one that does not exist: the spec lists only capacities the
principal can access, and Fabric hides what a caller may not read rather than confirm it.
"""

from __future__ import annotations

from typing import Any

from fabric_emulator._app import Context
from fabric_emulator._fabric_common import paginated
from fabric_emulator._fabric_store import Capacity
from fabric_emulator._http import FabricError, Response
from fabric_emulator._router import Router, Surface

ACTIVE = "Active"


def caller_principal_ids(context: Context) -> set[str]:
    """Return the caller's object id and the ids of the groups it belongs to."""
    identity = context.require_identity()
    ids = {identity.object_id}
    ids.update(
        group.id
        for group in context.emulator.directory.groups.values()
        if identity.object_id in group.members
    )
    return ids


def is_capacity_admin(context: Context, capacity: Capacity) -> bool:
    """Return whether the caller administers ``capacity``, directly or through a group."""
    return not caller_principal_ids(context).isdisjoint(capacity.admins)


def capacity_json(capacity: Capacity) -> dict[str, Any]:
    """Render a Capacity the way the spec defines it (every field required)."""
    return {
        "id": capacity.id,
        "displayName": capacity.display_name,
        "sku": capacity.sku,
        "region": capacity.region,
        "state": capacity.state,
    }


def _capacity_not_found(capacity_id: str) -> FabricError:
    return FabricError(
        404,
        "CapacityNotFound",
        "The requested capacity was not found",
        related_resource={"resourceId": capacity_id, "resourceType": "Capacity"},
    )


def assignable_capacity(context: Context, capacity_id: object) -> Capacity:
    """Return the capacity the caller may put a workspace on.

    Raises:
        FabricError: 400 ``InvalidInput`` when ``capacity_id`` is not a string;
            404 ``CapacityNotFound`` when no such capacity exists; 403
            ``InsufficientPermissionsOverCapacity`` when the caller is not its admin;
            400 ``CapacityNotInActiveState`` when it is paused.
    """
    if not isinstance(capacity_id, str) or not capacity_id:
        raise FabricError(400, "InvalidInput", "The field 'capacityId' must be a capacity id")
    capacity = context.emulator.fabric.capacities.get(capacity_id.lower())
    if capacity is None:
        raise _capacity_not_found(capacity_id)
    if not is_capacity_admin(context, capacity):
        raise FabricError(
            403,
            "InsufficientPermissionsOverCapacity",
            "The caller must be an admin or contributor of the capacity",
            related_resource={"resourceId": capacity.id, "resourceType": "Capacity"},
        )
    if capacity.state != ACTIVE:
        raise FabricError(
            400,
            "CapacityNotInActiveState",
            f"The capacity is {capacity.state}; only an Active capacity can take workspaces",
            related_resource={"resourceId": capacity.id, "resourceType": "Capacity"},
        )
    return capacity


def list_capacities(context: Context) -> Response:
    """``GET /v1/capacities``: the capacities the caller administers, one page at a time."""
    visible = [
        capacity_json(capacity)
        for capacity in context.emulator.fabric.capacities.values()
        if is_capacity_admin(context, capacity)
    ]
    return paginated(context, visible)


def get_capacity(context: Context) -> Response:
    """``GET /v1/capacities/{capacityId}``: one capacity the caller administers."""
    capacity_id = context.params["capacityId"]
    capacity = context.emulator.fabric.capacities.get(capacity_id.lower())
    if capacity is None or not is_capacity_admin(context, capacity):
        raise _capacity_not_found(capacity_id)
    return Response.json(200, capacity_json(capacity))


def register(router: Router) -> None:
    """Add the capacity routes."""
    router.add("GET", "/v1/capacities", list_capacities, surface=Surface.FABRIC)
    router.add("GET", "/v1/capacities/{capacityId}", get_capacity, surface=Surface.FABRIC)
