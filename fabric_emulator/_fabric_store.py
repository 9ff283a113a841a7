"""Fabric's state: capacities, workspaces, role assignments, folders, items, operations."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from fabric_emulator._directory import Directory, stable_id


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
class FabricStore:
    """Everything the emulated Fabric tenant holds."""

    capacities: dict[str, Capacity] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Serialise for the state snapshot and the state file."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FabricStore:
        """Rebuild from :meth:`to_json` output."""
        return cls(
            capacities={k: Capacity(**v) for k, v in data.get("capacities", {}).items()},
        )


def default_fabric_store(directory: Directory) -> FabricStore:
    """Build the Fabric tenant a newcomer gets: one active F64 capacity."""
    admins = [app.object_id for app in directory.apps.values()]
    capacity = Capacity(
        id=stable_id("capacity", "F64"),
        display_name="Emulator F64",
        sku="F64",
        region="West Europe",
        admins=admins,
    )
    return FabricStore(capacities={capacity.id: capacity})
