"""Directory objects as Microsoft Graph renders them: users, groups and service principals.

Each entity type lists the properties Graph returns without ``$select`` (``defaults``),
the ones ``$select`` may name (``properties``) and the ones ``$filter`` may use with their
EDM type (``filterable``). Properties the emulator does not model are ``null`` or ``[]``,
as Graph sends them for a tenant that never set them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fabric_emulator._directory import AppRegistration, Directory, Group, User

STRING = "Edm.String"
BOOLEAN = "Edm.Boolean"
STRINGS = "Collection(Edm.String)"


@dataclass(frozen=True, kw_only=True)
class EntityType:
    """One Graph entity type: its names and which properties each query option may use."""

    name: str
    """The type name, as in ``#microsoft.graph.user``."""
    resource: str
    """The name Graph's filter errors use (``User``)."""
    defaults: tuple[str, ...]
    properties: tuple[str, ...]
    filterable: Mapping[str, str]

    @property
    def odata_type(self) -> str:
        """Return the ``@odata.type`` annotation value."""
        return f"#microsoft.graph.{self.name}"


_USER_DEFAULTS = (
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
)
USER = EntityType(
    name="user",
    resource="User",
    defaults=_USER_DEFAULTS,
    properties=(
        *_USER_DEFAULTS,
        "accountEnabled",
        "userType",
        "mailNickname",
        "otherMails",
        "proxyAddresses",
        "onPremisesSyncEnabled",
        "employeeId",
        "department",
        "companyName",
        "deletedDateTime",
    ),
    filterable={
        "id": STRING,
        "userPrincipalName": STRING,
        "displayName": STRING,
        "mail": STRING,
        "mailNickname": STRING,
        "userType": STRING,
        "accountEnabled": BOOLEAN,
        "givenName": STRING,
        "surname": STRING,
    },
)
_GROUP_PROPERTIES = (
    "id",
    "deletedDateTime",
    "classification",
    "description",
    "displayName",
    "expirationDateTime",
    "groupTypes",
    "isAssignableToRole",
    "mail",
    "mailEnabled",
    "mailNickname",
    "membershipRule",
    "membershipRuleProcessingState",
    "onPremisesSyncEnabled",
    "preferredDataLocation",
    "preferredLanguage",
    "proxyAddresses",
    "resourceBehaviorOptions",
    "resourceProvisioningOptions",
    "securityEnabled",
    "theme",
    "visibility",
)
GROUP = EntityType(
    name="group",
    resource="Group",
    defaults=_GROUP_PROPERTIES,
    properties=_GROUP_PROPERTIES,
    filterable={
        "id": STRING,
        "displayName": STRING,
        "description": STRING,
        "mail": STRING,
        "mailNickname": STRING,
        "mailEnabled": BOOLEAN,
        "securityEnabled": BOOLEAN,
        "groupTypes": STRINGS,
    },
)
_SERVICE_PRINCIPAL_PROPERTIES = (
    "id",
    "deletedDateTime",
    "accountEnabled",
    "alternativeNames",
    "appDisplayName",
    "appDescription",
    "appId",
    "appOwnerOrganizationId",
    "appRoleAssignmentRequired",
    "description",
    "displayName",
    "homepage",
    "notes",
    "servicePrincipalNames",
    "servicePrincipalType",
    "signInAudience",
    "tags",
)
SERVICE_PRINCIPAL = EntityType(
    name="servicePrincipal",
    resource="ServicePrincipal",
    defaults=_SERVICE_PRINCIPAL_PROPERTIES,
    properties=_SERVICE_PRINCIPAL_PROPERTIES,
    filterable={
        "id": STRING,
        "appId": STRING,
        "displayName": STRING,
        "servicePrincipalType": STRING,
        "accountEnabled": BOOLEAN,
        "servicePrincipalNames": STRINGS,
        "tags": STRINGS,
    },
)
DIRECTORY_OBJECT = EntityType(
    name="directoryObject",
    resource="DirectoryObject",
    defaults=("id", "deletedDateTime"),
    properties=tuple(
        dict.fromkeys((*USER.properties, *GROUP.properties, *SERVICE_PRINCIPAL.properties))
    ),
    filterable={"id": STRING},
)
"""The base type of mixed collections (``members``, ``getByIds``): ``$select`` may name
any property of a derived type; each object carries only the ones its type has."""

ENTITY_TYPES = {entity.name.lower(): entity for entity in (USER, GROUP, SERVICE_PRINCIPAL)}


@dataclass(frozen=True, kw_only=True)
class GraphObject:
    """A directory object found by id, with its type and every property Graph knows."""

    entity: EntityType
    data: dict[str, Any]

    @property
    def id(self) -> str:
        """Return the object id."""
        return str(self.data["id"])


def _nickname(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "", text) or "group"


def user_object(user: User) -> GraphObject:
    """Render a user; ``userType`` is ``Guest`` for an ``#EXT#`` principal name."""
    upn = user.user_principal_name
    return GraphObject(
        entity=USER,
        data={
            "businessPhones": [],
            "displayName": user.display_name,
            "givenName": None,
            "jobTitle": None,
            "mail": user.mail,
            "mobilePhone": None,
            "officeLocation": None,
            "preferredLanguage": None,
            "surname": None,
            "userPrincipalName": upn,
            "id": user.id,
            "accountEnabled": user.account_enabled,
            "userType": "Guest" if "#EXT#" in upn.upper() else "Member",
            "mailNickname": upn.split("@", 1)[0].split("#EXT#", 1)[0],
            "otherMails": [],
            "proxyAddresses": [f"SMTP:{user.mail}"] if user.mail else [],
            "onPremisesSyncEnabled": None,
            "employeeId": None,
            "department": None,
            "companyName": None,
            "deletedDateTime": None,
        },
    )


def group_object(group: Group) -> GraphObject:
    """Render a group."""
    return GraphObject(
        entity=GROUP,
        data={
            "id": group.id,
            "deletedDateTime": None,
            "classification": None,
            "description": group.description,
            "displayName": group.display_name,
            "expirationDateTime": None,
            "groupTypes": list(group.group_types),
            "isAssignableToRole": None,
            "mail": group.mail,
            "mailEnabled": group.mail_enabled,
            "mailNickname": _nickname(
                group.mail.split("@")[0] if group.mail else group.display_name
            ),
            "membershipRule": None,
            "membershipRuleProcessingState": None,
            "onPremisesSyncEnabled": None,
            "preferredDataLocation": None,
            "preferredLanguage": None,
            "proxyAddresses": [f"SMTP:{group.mail}"] if group.mail else [],
            "resourceBehaviorOptions": [],
            "resourceProvisioningOptions": [],
            "securityEnabled": group.security_enabled,
            "theme": None,
            "visibility": "Private" if "Unified" in group.group_types else None,
        },
    )


def service_principal_object(app: AppRegistration, tenant_id: str) -> GraphObject:
    """Render the service principal of an app registration."""
    return GraphObject(
        entity=SERVICE_PRINCIPAL,
        data={
            "id": app.object_id,
            "deletedDateTime": None,
            "accountEnabled": True,
            "alternativeNames": [],
            "appDisplayName": app.display_name,
            "appDescription": None,
            "appId": app.client_id,
            "appOwnerOrganizationId": tenant_id,
            "appRoleAssignmentRequired": False,
            "description": None,
            "displayName": app.display_name,
            "homepage": None,
            "notes": None,
            "servicePrincipalNames": [app.client_id],
            "servicePrincipalType": app.service_principal_type,
            "signInAudience": "AzureADMyOrg",
            "tags": [],
        },
    )


def all_users(directory: Directory) -> list[GraphObject]:
    """Return every user, in directory order."""
    return [user_object(user) for user in directory.users.values()]


def all_groups(directory: Directory) -> list[GraphObject]:
    """Return every group, in directory order."""
    return [group_object(group) for group in directory.groups.values()]


def all_service_principals(directory: Directory) -> list[GraphObject]:
    """Return every service principal, in directory order."""
    return [service_principal_object(app, directory.tenant_id) for app in directory.apps.values()]


def find_user(directory: Directory, key: str) -> User | None:
    """Return a user by object id or user principal name, both case-insensitively."""
    lowered = key.lower()
    return next(
        (
            user
            for user in directory.users.values()
            if user.id.lower() == lowered or user.user_principal_name.lower() == lowered
        ),
        None,
    )


def find_group(directory: Directory, object_id: str) -> Group | None:
    """Return a group by object id (case-insensitive)."""
    found = directory.groups.get(object_id)
    if found is not None:
        return found
    lowered = object_id.lower()
    return next((group for group in directory.groups.values() if group.id.lower() == lowered), None)


def find_service_principal(
    directory: Directory, *, object_id: str | None = None, app_id: str | None = None
) -> AppRegistration | None:
    """Return the app whose service principal has this object id or app id."""
    for app in directory.apps.values():
        if object_id is not None and app.object_id.lower() == object_id.lower():
            return app
        if app_id is not None and app.client_id.lower() == app_id.lower():
            return app
    return None


def find_object(directory: Directory, object_id: str) -> GraphObject | None:
    """Return any directory object (user, group, service principal) by object id."""
    group = find_group(directory, object_id)
    if group is not None:
        return group_object(group)
    user = directory.users.get(object_id) or next(
        (u for u in directory.users.values() if u.id.lower() == object_id.lower()), None
    )
    if user is not None:
        return user_object(user)
    app = find_service_principal(directory, object_id=object_id)
    return service_principal_object(app, directory.tenant_id) if app is not None else None


def resolve(directory: Directory, object_ids: Iterable[str]) -> list[GraphObject]:
    """Return the objects these ids name, skipping ids no object has (as Graph does)."""
    found = (find_object(directory, object_id) for object_id in object_ids)
    return [item for item in found if item is not None]


def transitive_member_ids(directory: Directory, group: Group) -> list[str]:
    """Return the ids of every direct and nested member, nested groups included, once each."""
    seen = {group.id.lower()}
    ordered: list[str] = []
    pending = [group]
    while pending:
        current = pending.pop(0)
        for member_id in current.members:
            if member_id.lower() in seen:
                continue
            seen.add(member_id.lower())
            ordered.append(member_id)
            nested = find_group(directory, member_id)
            if nested is not None:
                pending.append(nested)
    return ordered


def direct_group_ids(directory: Directory, object_id: str) -> list[str]:
    """Return the ids of the groups that list ``object_id`` as a direct member."""
    lowered = object_id.lower()
    return [
        group.id
        for group in directory.groups.values()
        if any(member.lower() == lowered for member in group.members)
    ]


def transitive_group_ids(directory: Directory, object_id: str) -> list[str]:
    """Return the ids of every group ``object_id`` belongs to, directly or through nesting."""
    seen = {object_id.lower()}
    ordered: list[str] = []
    pending = [object_id]
    while pending:
        for group_id in direct_group_ids(directory, pending.pop(0)):
            if group_id.lower() in seen:
                continue
            seen.add(group_id.lower())
            ordered.append(group_id)
            pending.append(group_id)
    return ordered
