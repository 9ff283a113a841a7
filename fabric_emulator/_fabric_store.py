"""Fabric's state: capacities, workspaces, role assignments, folders, items, operations."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from fabric_emulator._connections_store import (
    Connection,
    connection_from_json,
    default_connections,
)
from fabric_emulator._directory import Directory, stable_id

ROLE_RANK = {"Viewer": 1, "Contributor": 2, "Member": 3, "Admin": 4}


@dataclass(kw_only=True)
class Capacity:
    """A Fabric capacity and who may assign workspaces to it."""

    id: str
    display_name: str
    sku: str
    region: str
    state: str = "Active"
    admins: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class RoleAssignment:
    """A workspace role of one principal; its id is the principal's object id."""

    principal_id: str
    principal_type: str
    role: str


@dataclass(kw_only=True)
class Workspace:
    """A workspace and its role assignments."""

    id: str
    display_name: str
    description: str = ""
    capacity_id: str | None = None
    capacity_assignment_progress: str = "Completed"
    domain_id: str | None = None
    roles: dict[str, RoleAssignment] = field(default_factory=dict)
    created_s: float = 0.0


@dataclass(kw_only=True)
class Folder:
    """A workspace folder."""

    id: str
    workspace_id: str
    display_name: str
    parent_folder_id: str | None = None


@dataclass(kw_only=True)
class DefinitionPart:
    """One part of an item definition, payload kept base64 as sent."""

    path: str
    payload: str
    payload_type: str = "InlineBase64"


@dataclass(kw_only=True)
class Item:
    """A workspace item with its definition and type-specific properties.

    ``parts`` never holds ``.platform`` (the service regenerates it on getDefinition).
    ``definition_updated_by``/``definition_updated_s`` record who last sent a definition
    and when (stamped into DataPipeline content). ``properties`` is emulator-side,
    type-specific state (a variable library's active value set, an environment's publish
    timings), rendered by the typed endpoints rather than returned verbatim.
    """

    id: str
    workspace_id: str
    type: str
    display_name: str
    description: str = ""
    folder_id: str | None = None
    definition_format: str | None = None
    parts: list[DefinitionPart] = field(default_factory=list)
    creation_payload: dict[str, Any] | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    created_s: float = 0.0
    updated_s: float = 0.0
    definition_updated_by: str = ""
    definition_updated_s: float = 0.0


@dataclass(kw_only=True)
class DeletedItem:
    """A soft-deleted item whose name stays reserved until ``reserved_until_s``."""

    id: str
    workspace_id: str
    type: str
    display_name: str
    reserved_until_s: float


@dataclass(kw_only=True)
class Operation:
    """A long-running operation and, once finished, its result.

    ``status`` is computed from emulator time: NotStarted until ``started_s``, Running
    until ``done_s``, then ``final_status``.
    """

    id: str
    kind: str
    owner: str
    created_s: float
    done_s: float
    final_status: str = "Succeeded"
    result: Any = None
    has_result: bool = False
    error: dict[str, Any] | None = None


@dataclass(kw_only=True)
class FabricStore:
    """Everything the emulated Fabric tenant holds."""

    capacities: dict[str, Capacity] = field(default_factory=dict)
    workspaces: dict[str, Workspace] = field(default_factory=dict)
    folders: dict[str, Folder] = field(default_factory=dict)
    items: dict[str, Item] = field(default_factory=dict)
    deleted_items: list[DeletedItem] = field(default_factory=list)
    operations: dict[str, Operation] = field(default_factory=dict)
    connections: dict[str, Connection] = field(default_factory=default_connections)
    """Tenant connections by id (``GET /v1/connections``); a seed without the key gets
    :func:`~fabric_emulator._connections_store.default_connections`."""

    def items_in(self, workspace_id: str) -> list[Item]:
        """Return a workspace's items in creation order."""
        return [item for item in self.items.values() if item.workspace_id == workspace_id]

    def folders_in(self, workspace_id: str) -> list[Folder]:
        """Return a workspace's folders in creation order."""
        return [f for f in self.folders.values() if f.workspace_id == workspace_id]

    def to_json(self) -> dict[str, Any]:
        """Serialise for the state snapshot and the state file."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FabricStore:
        """Rebuild from :meth:`to_json` output."""
        workspaces = {}
        for key, raw in data.get("workspaces", {}).items():
            roles = {k: RoleAssignment(**v) for k, v in raw.get("roles", {}).items()}
            workspaces[key] = Workspace(**{**raw, "roles": roles})
        items = {}
        for key, raw in data.get("items", {}).items():
            parts = [DefinitionPart(**part) for part in raw.get("parts", [])]
            items[key] = Item(**{**raw, "parts": parts})
        return cls(
            capacities={k: Capacity(**v) for k, v in data.get("capacities", {}).items()},
            workspaces=workspaces,
            folders={k: Folder(**v) for k, v in data.get("folders", {}).items()},
            items=items,
            deleted_items=[DeletedItem(**raw) for raw in data.get("deleted_items", [])],
            operations={k: Operation(**v) for k, v in data.get("operations", {}).items()},
            connections=(
                {k: connection_from_json(v) for k, v in data["connections"].items()}
                if "connections" in data
                else default_connections()
            ),
        )


def default_fabric_store(directory: Directory) -> FabricStore:
    """Build the Fabric tenant a newcomer gets: one active F64 capacity, no workspaces."""
    admins = [app.object_id for app in directory.apps.values()]
    capacity = Capacity(
        id=stable_id("capacity", "F64"),
        display_name="Emulator F64",
        sku="F64",
        region="West Europe",
        admins=admins,
    )
    return FabricStore(capacities={capacity.id: capacity})
