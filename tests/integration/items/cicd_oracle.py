"""Run fabric-cicd 1.4.0's own publishers on a repository and capture what they send.

The oracle of the items tests: a real ``FabricWorkspace`` (its constructor validates the
parameter file with fabric-cicd's own ``Parameter`` class), its repository scan, and each
type's ``ItemPublisher.publish_one``, with a fake ``FabricEndpoint`` in place of HTTP. The
fake answers the lookups fabric-cicd makes (workspaces, items, typed item properties,
Spark pools) from a :class:`World`, the same world our side reads through a
``MappingResolver``, and records every definition and every value-set PATCH sent.
"""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from fabric_action.items import DefinitionPart, MappingResolver, RenderedItem

ROOT = "https://fabric.oracle.test"
TARGET_WORKSPACE_ID = "7a1c3e5f-1111-4a2b-8c3d-0123456789ab"
TARGET_WORKSPACE_NAME = "Sales PROD"


@dataclass
class Deployed:
    """An item of a workspace in the fake Fabric."""

    item_type: str
    name: str
    id: str
    properties: dict[str, Any] = field(default_factory=dict)


_ATTRIBUTE_PATHS = {
    # fabric-cicd constants.PROPERTY_PATH_ATTR_MAPPING (+ KQLDatabase, read by the KQL publishers)
    ("Lakehouse", "sqlendpoint"): ("sqlEndpointProperties", "connectionString"),
    ("Lakehouse", "sqlendpointid"): ("sqlEndpointProperties", "id"),
    ("MirroredDatabase", "sqlendpoint"): ("sqlEndpointProperties", "connectionString"),
    ("MirroredDatabase", "sqlendpointid"): ("sqlEndpointProperties", "id"),
    ("Warehouse", "sqlendpoint"): ("connectionString",),
    ("SQLDatabase", "sqlendpoint"): ("serverFqdn",),
    ("Eventhouse", "queryserviceuri"): ("queryServiceUri",),
    ("KQLDatabase", "queryserviceuri"): ("queryServiceUri",),
}


@dataclass
class World:
    """The target workspace, other workspaces and Spark pools both sides see."""

    items: list[Deployed] = field(default_factory=list)
    workspace_id: str = TARGET_WORKSPACE_ID
    workspace_name: str = TARGET_WORKSPACE_NAME
    other_workspaces: dict[str, tuple[str, list[Deployed]]] = field(default_factory=dict)
    spark_pools: list[dict[str, str]] = field(default_factory=list)

    def workspace_items(self, workspace_id: str) -> list[Deployed]:
        if workspace_id == self.workspace_id:
            return self.items
        for other_id, items in self.other_workspaces.values():
            if other_id == workspace_id:
                return items
        raise AssertionError(f"unknown workspace {workspace_id}")

    def resolver(self) -> MappingResolver:
        """Return our resolver over the same facts."""
        values: dict[tuple[str | None, str, str, str], str] = {}
        scopes: list[tuple[str | None, list[Deployed]]] = [(None, self.items)]
        scopes += [(name, items) for name, (_, items) in self.other_workspaces.items()]
        for workspace, items in scopes:
            for item in items:
                values[workspace, item.item_type, item.name, "id"] = item.id
                for (item_type, attribute), path in _ATTRIBUTE_PATHS.items():
                    if item_type != item.item_type:
                        continue
                    value: Any = item.properties
                    for key in path:
                        value = value.get(key, {}) if isinstance(value, dict) else {}
                    if isinstance(value, str) and value:
                        values[workspace, item.item_type, item.name, attribute] = value
        return MappingResolver(
            target_workspace_id=self.workspace_id,
            target_workspace_name=self.workspace_name,
            workspaces={
                name: workspace_id for name, (workspace_id, _) in self.other_workspaces.items()
            },
            items=values,
            spark_pools={(pool["name"], pool["type"]): pool["id"] for pool in self.spark_pools},
        )


@dataclass
class Sent:
    """What fabric-cicd sent for the repository."""

    definitions: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    value_sets: dict[tuple[str, str], str] = field(default_factory=dict)


class FakeEndpoint:
    """Stands in for ``FabricEndpoint``: answers GETs from the world, records writes."""

    def __init__(self, world: World, sent: Sent) -> None:
        self.world = world
        self.sent = sent
        self._names: dict[str, tuple[str, str]] = {}
        for item in world.items:
            self._names[item.id] = (item.item_type, item.name)

    def _workspace_body(self, workspace_id: str) -> dict[str, Any]:
        if workspace_id == self.world.workspace_id:
            name = self.world.workspace_name
        else:
            name = next(n for n, (i, _) in self.world.other_workspaces.items() if i == workspace_id)
        return {
            "id": workspace_id,
            "displayName": name,
            "capacityId": "c0ffee00-0000-0000-0000-000000000000",
        }

    def invoke(self, method: str, url: str, body: Any = "{}", **_: Any) -> dict[str, Any]:
        path = url.removeprefix(ROOT).split("?", 1)[0]
        parts = path.strip("/").split("/")
        answer: Any = {}
        if method == "GET" and path == "/v1/workspaces":
            ids = [(self.world.workspace_id)] + [i for i, _ in self.world.other_workspaces.values()]
            answer = {"value": [self._workspace_body(workspace_id) for workspace_id in ids]}
        elif method == "GET" and len(parts) == 3:
            answer = self._workspace_body(parts[2])
        elif method == "GET" and parts[3:] == ["items"]:
            items = self.world.workspace_items(parts[2])
            answer = {
                "value": [
                    {"id": i.id, "type": i.item_type, "displayName": i.name, "description": ""}
                    for i in items
                ]
            }
        elif method == "GET" and parts[3:] == ["spark", "pools"]:
            answer = {"value": self.world.spark_pools}
        elif method == "GET" and len(parts) == 5:
            item = next(i for i in self.world.workspace_items(parts[2]) if i.id == parts[4])
            properties = dict(item.properties)
            if item.item_type == "Lakehouse":
                sql = dict(properties.get("sqlEndpointProperties", {}))
                sql.setdefault("provisioningStatus", "Success")
                properties["sqlEndpointProperties"] = sql
            answer = {
                "id": item.id,
                "type": item.item_type,
                "displayName": item.name,
                "properties": properties,
            }
        elif method == "POST" and parts[5:] == ["updateDefinition"]:
            self.sent.definitions[self._names[parts[4]]] = body["definition"]
        elif method == "POST" and parts[3:] == ["items"]:
            raise AssertionError(
                f"fabric-cicd created {body['displayName']}: give it an id in the world"
            )
        elif method == "PATCH" and parts[3].lower() == "variablelibraries":
            self.sent.value_sets[self._names[parts[4]]] = body["properties"]["activeValueSetName"]
        elif method in ("POST", "PATCH"):
            pass  # environment publish, metadata updates: not compared
        else:
            raise AssertionError(f"unexpected call {method} {url}")
        return {"body": answer, "header": {}, "status_code": 200}


class _Credential:
    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken  # noqa: PLC0415 - fabric-cicd's dependency

        return AccessToken("oracle-token", 4_102_444_800)


@contextmanager
def feature_flags(cicd: ModuleType, *flags: str) -> Iterator[None]:
    """Turn fabric-cicd feature flags on for the block (its process-global set)."""
    saved = set(cicd.constants.FEATURE_FLAG)
    cicd.constants.FEATURE_FLAG.update(flags)
    try:
        yield
    finally:
        cicd.constants.FEATURE_FLAG.clear()
        cicd.constants.FEATURE_FLAG.update(saved)


def publish_with_fabric_cicd(
    cicd: ModuleType,
    repository: Path,
    world: World,
    *,
    environment: str,
    parameter_file: str | None = None,
    flags: tuple[str, ...] = (),
) -> Sent:
    """Publish every item of *repository* with fabric-cicd and return what it sent.

    Every repository item must already exist in the world (so fabric-cicd updates its
    definition, and logical ids resolve to the world's ids).
    """
    # Imported here, not at the top: importing fabric-cicd has process-wide side effects
    # that the fabric_cicd fixture contains.
    from fabric_cicd._items._base_publisher import ItemPublisher  # noqa: PLC0415
    from fabric_cicd.constants import ItemType  # noqa: PLC0415

    sent = Sent()
    with feature_flags(cicd, *flags):
        kwargs: dict[str, Any] = {"parameter_file_path": parameter_file} if parameter_file else {}
        workspace = cicd.FabricWorkspace(
            workspace_id=world.workspace_id,
            repository_directory=str(repository),
            token_credential=_Credential(),
            environment=environment,
            **kwargs,
        )
        workspace._api_root_url = ROOT
        workspace.endpoint = FakeEndpoint(world, sent)
        workspace._workspace_pools_cache_lock = threading.Lock()
        # publish_all_items' order: deployed items first, so repository items get their ids.
        workspace._refresh_deployed_items()
        workspace._refresh_repository_items()
        for by_name in workspace.repository_items.values():
            for item in by_name.values():
                assert item.guid, f"{item.name}.{item.type} is not in the world"
        for item_type, by_name in workspace.repository_items.items():
            publisher = ItemPublisher.create(ItemType(item_type), workspace)
            for name, item in by_name.items():
                publisher.publish_one(name, item)
    return sent


def decoded(definition: dict[str, Any]) -> dict[str, bytes]:
    """Return ``{path: bytes}`` of a sent definition."""
    return {part["path"]: base64.b64decode(part["payload"]) for part in definition["parts"]}


def ours(rendered: RenderedItem) -> dict[str, bytes]:
    """Return ``{path: bytes}`` of our rendered item."""
    return {part.path: part.data for part in rendered.parts}


def text_of(parts: dict[str, bytes], path: str) -> str:
    """Return one part's text."""
    return parts[path].decode("utf-8")


def guid_like(value: str) -> bool:
    """Return whether *value* looks like a GUID (helper for scenario assertions)."""
    return re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", value) is not None


__all__ = [
    "DefinitionPart",
    "Deployed",
    "Sent",
    "World",
    "decoded",
    "ours",
    "publish_with_fabric_cicd",
]
