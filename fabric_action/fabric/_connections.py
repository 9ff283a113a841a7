"""Tenant connections, an item's data source references, and semantic model binding.

``GET /v1/connections`` lists the connections the caller can use;
``GET /v1/workspaces/{ws}/items/{id}/connections`` lists what an item's data sources are
bound to (``connectivityType: None`` and no id while unbound); ``POST
/v1/workspaces/{ws}/semanticModels/{id}/bindConnection`` binds one data source of a
semantic model to a connection (or unbinds it with ``connectivityType: None``).

A bind names the data source by its ``connectionDetails``, which must equal the model's
exactly. Fabric lists an ``AzureDataLakeStorage`` connection's path without the trailing
``/`` the model's data source has, so :meth:`ConnectionBinding.to_connection` adds it back
(fabric-cicd's ``build_request_body``, issue #1128); without it Fabric answers 400
``BindConnectionDetailNotFound``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ._models import optional_text, require_object, required_text
from ._rest import RestCore, segment

__all__ = [
    "Connection",
    "ConnectionBinding",
    "ConnectionDetails",
    "ConnectionOperations",
    "ConnectivityType",
    "ItemConnection",
]

DATA_LAKE = "AzureDataLakeStorage"


class ConnectivityType(StrEnum):
    """How a connection connects (wire spelling); fields typed ``str`` pass others through."""

    SHAREABLE_CLOUD = "ShareableCloud"
    PERSONAL_CLOUD = "PersonalCloud"
    ON_PREMISES_GATEWAY = "OnPremisesGateway"
    ON_PREMISES_GATEWAY_PERSONAL = "OnPremisesGatewayPersonal"
    VIRTUAL_NETWORK_GATEWAY = "VirtualNetworkGateway"
    STREAMING_VIRTUAL_NETWORK_GATEWAY = "StreamingVirtualNetworkGateway"
    AUTOMATIC = "Automatic"
    NONE = "None"
    """Not bound (item connections) or unbind (bindConnection)."""


@dataclass(frozen=True, kw_only=True)
class ConnectionDetails:
    """What a connection (or a data source) points at.

    Attributes:
        type: ``SQL``, ``AzureDataLakeStorage``, ``Web``... (as the service spells it).
        path: ``server;database``, a URL... ("" when not reported).
    """

    type: str
    path: str = ""

    @property
    def bind_path(self) -> str:
        """Return the path a bind must send (a Data Lake path ends in ``/``)."""
        if self.type == DATA_LAKE and self.path and not self.path.endswith("/"):
            return f"{self.path}/"
        return self.path

    def same_source(self, other: ConnectionDetails) -> bool:
        """Return whether both name one data source (type and bind path, case-insensitively)."""
        return (
            self.type.casefold() == other.type.casefold()
            and self.bind_path.casefold() == other.bind_path.casefold()
        )

    def to_json(self) -> dict[str, str]:
        """Return the JSON form."""
        return {"type": self.type, "path": self.path}

    @classmethod
    def from_json(cls, data: Any) -> ConnectionDetails | None:
        """Read ``connectionDetails`` (None when absent or not an object)."""
        if not isinstance(data, dict):
            return None
        return cls(type=optional_text(data, "type") or "", path=optional_text(data, "path") or "")


@dataclass(frozen=True, kw_only=True)
class Connection:
    """A tenant connection (``GET /v1/connections``).

    Attributes:
        id: Connection id.
        display_name: Its name ("" when not reported).
        connectivity_type: ``ShareableCloud``, ``OnPremisesGateway``... (passed through).
        details: What it points at (None when not reported).
        gateway_id: The gateway it goes through, if any.
    """

    id: str
    display_name: str = ""
    connectivity_type: str = ""
    details: ConnectionDetails | None = None
    gateway_id: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Connection:
        """Read a connection body."""
        body = require_object(data, "connection")
        return cls(
            id=required_text(body, "id", "connection"),
            display_name=optional_text(body, "displayName") or "",
            connectivity_type=optional_text(body, "connectivityType") or "",
            details=ConnectionDetails.from_json(body.get("connectionDetails")),
            gateway_id=optional_text(body, "gatewayId"),
        )


@dataclass(frozen=True, kw_only=True)
class ItemConnection:
    """A data source reference of an item and what it is bound to.

    Attributes:
        connection_id: The bound connection (None while unbound).
        connectivity_type: ``None`` while unbound, else the connection's.
        details: The data source (type and path).
        display_name: The bound connection's name ("" when none).
        gateway_id: The bound connection's gateway, if any.
    """

    connection_id: str | None
    connectivity_type: str
    details: ConnectionDetails
    display_name: str = ""
    gateway_id: str | None = None

    @property
    def bound(self) -> bool:
        """Return whether a connection is bound to it."""
        return bool(self.connection_id) and self.connectivity_type != ConnectivityType.NONE

    @classmethod
    def from_json(cls, data: Any) -> ItemConnection:
        """Read one entry of an item's connection list."""
        body = require_object(data, "item connection")
        return cls(
            connection_id=optional_text(body, "id"),
            connectivity_type=optional_text(body, "connectivityType") or ConnectivityType.NONE,
            details=ConnectionDetails.from_json(body.get("connectionDetails"))
            or ConnectionDetails(type=""),
            display_name=optional_text(body, "displayName") or "",
            gateway_id=optional_text(body, "gatewayId"),
        )


@dataclass(frozen=True, kw_only=True)
class ConnectionBinding:
    """The body of one ``bindConnection``: which data source, bound to what.

    Attributes:
        connection_id: The connection (None to unbind).
        connectivity_type: The connection's, or ``None`` to unbind.
        details: The data source, spelled as the model's (Data Lake paths end in ``/``).
    """

    connection_id: str | None
    connectivity_type: str
    details: ConnectionDetails

    @classmethod
    def to_connection(cls, connection: Connection) -> ConnectionBinding:
        """Bind the data source ``connection`` points at to it (fabric-cicd's body)."""
        details = connection.details or ConnectionDetails(type="")
        return cls(
            connection_id=connection.id,
            connectivity_type=connection.connectivity_type,
            details=ConnectionDetails(type=details.type, path=details.bind_path),
        )

    @classmethod
    def restoring(cls, reference: ItemConnection) -> ConnectionBinding:
        """Put a data source back as ``reference`` shows it (an undo's body)."""
        if not reference.bound:
            return cls.unbinding(reference.details)
        return cls(
            connection_id=reference.connection_id,
            connectivity_type=reference.connectivity_type,
            details=reference.details,
        )

    @classmethod
    def unbinding(cls, details: ConnectionDetails) -> ConnectionBinding:
        """Unbind the data source ``details`` names."""
        return cls(connection_id=None, connectivity_type=ConnectivityType.NONE, details=details)

    def to_json(self) -> dict[str, Any]:
        """Return the request body (``id`` left out when unbinding)."""
        binding: dict[str, Any] = {}
        if self.connection_id:
            binding["id"] = self.connection_id
        binding["connectivityType"] = self.connectivity_type
        binding["connectionDetails"] = {"type": self.details.type, "path": self.details.path}
        return {"connectionBinding": binding}


class ConnectionOperations:
    """``/v1/connections``, ``.../items/{id}/connections`` and ``bindConnection``."""

    def __init__(self, core: RestCore) -> None:
        self._core = core

    def list_item_connections(self, workspace_id: str, item_id: str) -> list[ItemConnection]:
        """Return an item's data source references and their bindings (all pages).

        Raises:
            NotFoundError: ``ItemNotFound``.
        """
        return self._core.list(
            f"workspaces/{segment(workspace_id)}/items/{segment(item_id)}/connections",
            parse=ItemConnection.from_json,
            what=f"list the connections of item {item_id} of workspace {workspace_id}",
        )

    def list(self) -> list[Connection]:
        """Return every connection the caller can use (all pages)."""
        return self._core.list(
            "connections", parse=Connection.from_json, what="list the tenant's connections"
        )

    def bind_semantic_model(
        self, workspace_id: str, semantic_model_id: str, binding: ConnectionBinding
    ) -> None:
        """Bind (or unbind) one data source of a semantic model; retried (it converges).

        Raises:
            NotFoundError: ``ItemNotFound`` (no such semantic model).
            ServiceError: 400 ``BindConnectionDetailNotFound`` when the model has no data
                source with these details; 400 ``InvalidRequest`` for a connection that
                does not exist, is not shared with the caller, or does not fit.
        """
        action = (
            f"bind semantic model {semantic_model_id} to connection {binding.connection_id}"
            if binding.connection_id
            else f"unbind a data source of semantic model {semantic_model_id}"
        )
        self._core.call(
            "POST",
            f"workspaces/{segment(workspace_id)}/semanticModels/{segment(semantic_model_id)}"
            "/bindConnection",
            what=f"{action} ({binding.details.type} {binding.details.path})",
            body=binding.to_json(),
            idempotent=True,
        )
