"""What the Fabric client returns: small frozen dataclasses read tolerantly from JSON.

Tolerant means: optional fields may be missing or ``null`` (production omits an empty
``description`` about one time in ten), unknown fields are ignored, unknown item types
and enum values are kept as the service spelled them, and timestamps parse with or
without a ``Z`` (production sends LRO times without one). Only what identifies a resource
(its ``id``) is required; a body without it raises :class:`MalformedBodyError`, which the
client turns into :class:`~fabric_action.errors.UnexpectedResponseError` with the
request id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "Capacity",
    "Folder",
    "Item",
    "MalformedBodyError",
    "Principal",
    "PrincipalType",
    "RoleAssignment",
    "Workspace",
    "WorkspaceRole",
    "optional_text",
    "parse_timestamp",
    "require_object",
    "required_text",
]


class WorkspaceRole(StrEnum):
    """Fabric workspace roles (wire spelling). Fields typed ``str`` accept these."""

    ADMIN = "Admin"
    MEMBER = "Member"
    CONTRIBUTOR = "Contributor"
    VIEWER = "Viewer"


class PrincipalType(StrEnum):
    """Fabric principal types (wire spelling); new values are passed through as text."""

    USER = "User"
    GROUP = "Group"
    SERVICE_PRINCIPAL = "ServicePrincipal"
    SERVICE_PRINCIPAL_PROFILE = "ServicePrincipalProfile"
    ENTIRE_TENANT = "EntireTenant"


class MalformedBodyError(ValueError):
    """A response body lacks what identifies the resource, or has the wrong shape."""


def require_object(data: Any, what: str) -> Mapping[str, Any]:
    """Return ``data`` if it is a JSON object; raise :class:`MalformedBodyError` if not."""
    if not isinstance(data, Mapping):
        raise MalformedBodyError(f"{what}: expected a JSON object, got {type(data).__name__}")
    return data


def required_text(data: Mapping[str, Any], name: str, what: str) -> str:
    """Return the non-empty string ``data[name]``; raise :class:`MalformedBodyError` if absent."""
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise MalformedBodyError(f"{what}: the field {name!r} is missing")
    return value


def optional_text(data: Mapping[str, Any], name: str) -> str | None:
    """Return ``data[name]`` if it is a non-empty string, else None (missing, null, "")."""
    value = data.get(name)
    return value if isinstance(value, str) and value else None


def parse_timestamp(value: Any) -> datetime | None:
    """Parse a Fabric timestamp; no zone means UTC; anything unreadable gives None.

    Accepts ``2026-04-19T10:53:46.2561218`` (production's LRO form: 7 fractional digits,
    no ``Z``), ``...Z`` and explicit offsets.
    """
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, kw_only=True)
class Workspace:
    """A workspace (``Workspace`` from lists, ``WorkspaceInfo`` from a get).

    Attributes:
        id: Workspace id.
        display_name: Name, unique in the tenant (compared case-insensitively).
        description: Description ("" when the service left it out).
        type: ``Workspace``, ``Personal`` or ``AdminWorkspace`` (passed through).
        capacity_id: The assigned capacity, if any.
        capacity_region: The capacity's region, if reported.
        capacity_assignment_progress: ``Completed``, ``InProgress`` or ``Failed`` (get only).
        domain_id: The domain, if any.
    """

    id: str
    display_name: str
    description: str = ""
    type: str = "Workspace"
    capacity_id: str | None = None
    capacity_region: str | None = None
    capacity_assignment_progress: str | None = None
    domain_id: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Workspace:
        """Read a workspace body."""
        body = require_object(data, "workspace")
        return cls(
            id=required_text(body, "id", "workspace"),
            display_name=optional_text(body, "displayName") or "",
            description=optional_text(body, "description") or "",
            type=optional_text(body, "type") or "Workspace",
            capacity_id=optional_text(body, "capacityId"),
            capacity_region=optional_text(body, "capacityRegion"),
            capacity_assignment_progress=optional_text(body, "capacityAssignmentProgress"),
            domain_id=optional_text(body, "domainId"),
        )


@dataclass(frozen=True, kw_only=True)
class Capacity:
    """A capacity the caller administers.

    Attributes:
        id: Capacity id.
        display_name: Its name.
        sku: ``F64``, ``P1``... (passed through).
        region: Azure region name.
        state: ``Active`` or ``Inactive`` (passed through).
    """

    id: str
    display_name: str = ""
    sku: str = ""
    region: str = ""
    state: str = ""

    @classmethod
    def from_json(cls, data: Any) -> Capacity:
        """Read a capacity body."""
        body = require_object(data, "capacity")
        return cls(
            id=required_text(body, "id", "capacity"),
            display_name=optional_text(body, "displayName") or "",
            sku=optional_text(body, "sku") or "",
            region=optional_text(body, "region") or "",
            state=optional_text(body, "state") or "",
        )


@dataclass(frozen=True, kw_only=True)
class Principal:
    """The principal of a role assignment.

    Attributes:
        id: Entra object id.
        type: A :class:`PrincipalType` value (unknown types passed through).
        display_name: Name, when the service reported it (lists and gets, not creates).
        user_principal_name: A user's UPN, when reported.
        app_id: A service principal's app (client) id, when reported.
        group_type: A group's ``SecurityGroup`` / ``DistributionList``, when reported.
    """

    id: str
    type: str
    display_name: str | None = None
    user_principal_name: str | None = None
    app_id: str | None = None
    group_type: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Principal:
        """Read a ``principal`` object."""
        body = require_object(data, "principal")

        def detail(section: str, name: str) -> str | None:
            value = body.get(section)
            return optional_text(value, name) if isinstance(value, Mapping) else None

        return cls(
            id=required_text(body, "id", "principal"),
            type=optional_text(body, "type") or "",
            display_name=optional_text(body, "displayName"),
            user_principal_name=detail("userDetails", "userPrincipalName"),
            app_id=detail("servicePrincipalDetails", "aadAppId"),
            group_type=detail("groupDetails", "groupType"),
        )


@dataclass(frozen=True, kw_only=True)
class RoleAssignment:
    """A workspace role assignment; its id is, in practice, the principal's object id.

    Attributes:
        id: Assignment id.
        principal: Who holds the role.
        role: A :class:`WorkspaceRole` value.
    """

    id: str
    principal: Principal
    role: str

    @classmethod
    def from_json(cls, data: Any) -> RoleAssignment:
        """Read a role assignment body."""
        body = require_object(data, "role assignment")
        principal = Principal.from_json(body.get("principal"))
        return cls(
            id=optional_text(body, "id") or principal.id,
            principal=principal,
            role=optional_text(body, "role") or "",
        )


@dataclass(frozen=True, kw_only=True)
class Folder:
    """A workspace folder.

    Attributes:
        id: Folder id.
        display_name: Name, unique among its siblings (case-insensitively).
        workspace_id: The workspace holding it ("" if the body left it out).
        parent_folder_id: The parent folder; None at the workspace root.
    """

    id: str
    display_name: str
    workspace_id: str = ""
    parent_folder_id: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Folder:
        """Read a folder body."""
        body = require_object(data, "folder")
        return cls(
            id=required_text(body, "id", "folder"),
            display_name=optional_text(body, "displayName") or "",
            workspace_id=optional_text(body, "workspaceId") or "",
            parent_folder_id=optional_text(body, "parentFolderId"),
        )


@dataclass(frozen=True, kw_only=True)
class Item:
    """A workspace item.

    Attributes:
        id: Item id.
        type: Item type as the service spells it (``Notebook``...; unknown types kept).
        display_name: Name, unique per type in the workspace (case-insensitively).
        description: Description ("" when left out).
        workspace_id: The workspace ("" if the body left it out).
        folder_id: The folder; None at the workspace root.
    """

    id: str
    type: str
    display_name: str
    description: str = ""
    workspace_id: str = ""
    folder_id: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Item:
        """Read an item body (also the typed endpoints' bodies: ``properties`` ignored)."""
        body = require_object(data, "item")
        return cls(
            id=required_text(body, "id", "item"),
            type=optional_text(body, "type") or "",
            display_name=optional_text(body, "displayName") or "",
            description=optional_text(body, "description") or "",
            workspace_id=optional_text(body, "workspaceId") or "",
            folder_id=optional_text(body, "folderId"),
        )
