"""Microsoft Graph over the same pipeline: the directory reads that name principals.

The config may name a principal by object id and type (no Graph call at all, no Graph
permission needed) or by user principal name, display name or app id, which Graph turns
into an object id (reference §13). Lookups are cached per client, so a principal named
in several workspaces costs one call.

Requests go through the client stack like Fabric's, so they are retried, rate-limited
and authorised with the Graph scope (see :func:`scoped_bearer_policy`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote, urlencode

from fabric_action.errors import (
    AmbiguousPrincipalError,
    ConfigError,
    GraphPermissionError,
    NotFoundError,
    PermissionDeniedError,
    UnknownPrincipalError,
)

from ._bodies import parse_body
from ._errors_map import service_error
from ._messages import Request, Response
from ._models import MalformedBodyError, PrincipalType
from ._paging import iter_graph_values

__all__ = [
    "DirectoryObject",
    "GraphClient",
    "PrincipalLike",
    "PrincipalQuery",
    "ResolvedPrincipal",
]

_ODATA_TYPES = {
    "#microsoft.graph.user": PrincipalType.USER,
    "#microsoft.graph.group": PrincipalType.GROUP,
    "#microsoft.graph.serviceprincipal": PrincipalType.SERVICE_PRINCIPAL,
}
_PERMISSION_FOR = {
    PrincipalType.USER: "User.Read.All",
    PrincipalType.GROUP: "GroupMember.Read.All",
    PrincipalType.SERVICE_PRINCIPAL: "Application.Read.All",
}
_DENIED = "authorization_requestdenied"
OBJECT_ID = "object_id"
USER_PRINCIPAL_NAME = "user_principal_name"
DISPLAY_NAME = "display_name"
APP_ID = "app_id"


@dataclass(frozen=True, kw_only=True)
class DirectoryObject:
    """A user, group or service principal as Graph describes it.

    Attributes:
        id: Object id (the Fabric ``principal.id``).
        type: ``User``, ``Group`` or ``ServicePrincipal`` (Fabric's spelling).
        display_name: Display name.
        user_principal_name: A user's UPN.
        app_id: A service principal's app (client) id.
        mail: Mail address, if any.
    """

    id: str
    type: str
    display_name: str = ""
    user_principal_name: str | None = None
    app_id: str | None = None
    mail: str | None = None

    @classmethod
    def from_json(cls, data: Any, *, kind: str | None = None) -> DirectoryObject:
        """Read a Graph object; ``kind`` (Fabric's type name) wins over its ``@odata.type``."""
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            raise MalformedBodyError("directory object: the field 'id' is missing")
        odata = str(data.get("@odata.type", "")).casefold()
        found = str(kind) if kind else str(_ODATA_TYPES.get(odata, odata.rpartition(".")[2]))

        def text(name: str) -> str | None:
            value = data.get(name)
            return value if isinstance(value, str) and value else None

        return cls(
            id=data["id"],
            type=found,
            display_name=text("displayName") or "",
            user_principal_name=text("userPrincipalName"),
            app_id=text("appId"),
            mail=text("mail"),
        )


class PrincipalLike(Protocol):
    """How the config names a principal (``fabric_action.config.Principal`` fits)."""

    @property
    def value(self) -> str:
        """The object id, UPN, display name or app id, as written."""
        ...

    @property
    def type(self) -> str:
        """``User``, ``Group``, ``ServicePrincipal`` or ``ServicePrincipalProfile``."""
        ...

    @property
    def lookup(self) -> str:
        """``object_id``, ``user_principal_name``, ``display_name`` or ``app_id``."""
        ...


@dataclass(frozen=True, kw_only=True)
class PrincipalQuery:
    """A principal named without the config package (same fields as its ``Principal``)."""

    value: str
    type: str
    lookup: str = OBJECT_ID


@dataclass(frozen=True, kw_only=True)
class ResolvedPrincipal:
    """A principal ready for a Fabric role assignment.

    Attributes:
        id: Object id.
        type: Fabric principal type.
        display_name: Name, when Graph was asked (None for one given by id).
    """

    id: str
    type: str
    display_name: str | None = None


class GraphClient:
    """Read users, groups and service principals from Microsoft Graph ``/v1.0``.

    Thread-safe.

    Args:
        send: The pipeline's ``send`` (its auth policy must use the Graph scope for
            Graph URLs: :func:`scoped_bearer_policy` does).
        graph_base: ``https://graph.microsoft.com/v1.0``.
        is_allowed_host: The token allow-list (``@odata.nextLink`` is checked).
    """

    def __init__(
        self,
        send: Callable[[Request], Response],
        *,
        graph_base: str,
        is_allowed_host: Callable[[str], bool],
    ) -> None:
        self._send = send
        self.base_url = graph_base.rstrip("/")
        self._is_allowed_host = is_allowed_host
        self._lock = threading.Lock()
        self._resolved: dict[tuple[str, str, str], ResolvedPrincipal] = {}

    # -- reads -------------------------------------------------------------------------

    def get_user(self, id_or_upn: str) -> DirectoryObject:
        """Return a user by object id or UPN (a guest's ``#EXT#`` is encoded).

        Raises:
            NotFoundError: ``Request_ResourceNotFound``.
            GraphPermissionError: The app lacks ``User.Read.All``.
        """
        path = f"users/{quote(id_or_upn, safe='@')}"
        response = self._get(self._url(path), PrincipalType.USER, f"get user {id_or_upn}")
        return parse_body(
            response,
            lambda data: DirectoryObject.from_json(data, kind=PrincipalType.USER),
            what=f"get user {id_or_upn}",
        )

    def find_users(self, display_name: str) -> list[DirectoryObject]:
        """Return the users with this display name."""
        return self._filter("users", "displayName", display_name, PrincipalType.USER)

    def get_group(self, group_id: str) -> DirectoryObject:
        """Return a group by object id."""
        path = f"groups/{quote(group_id, safe='')}"
        response = self._get(self._url(path), PrincipalType.GROUP, f"get group {group_id}")
        return parse_body(
            response,
            lambda data: DirectoryObject.from_json(data, kind=PrincipalType.GROUP),
            what=f"get group {group_id}",
        )

    def find_groups(self, display_name: str) -> list[DirectoryObject]:
        """Return the groups with this display name (``$filter=displayName eq '...'``)."""
        return self._filter("groups", "displayName", display_name, PrincipalType.GROUP)

    def find_service_principals(self, display_name: str) -> list[DirectoryObject]:
        """Return the service principals with this display name."""
        return self._filter(
            "servicePrincipals", "displayName", display_name, PrincipalType.SERVICE_PRINCIPAL
        )

    def get_service_principal(self, app_id: str) -> DirectoryObject | None:
        """Return the service principal of an app id (``$filter=appId eq '...'``), if any."""
        found = self._filter("servicePrincipals", "appId", app_id, PrincipalType.SERVICE_PRINCIPAL)
        return found[0] if found else None

    def list_group_members(
        self, group_id: str, *, transitive: bool = False
    ) -> list[DirectoryObject]:
        """Return a group's members (``transitive``: nested groups' members too)."""
        relation = "transitiveMembers" if transitive else "members"
        url = self._url(f"groups/{quote(group_id, safe='')}/{relation}")
        return list(
            self._values(url, PrincipalType.GROUP, f"list members of group {group_id}", None)
        )

    # -- resolution ----------------------------------------------------------------------

    def resolve_principal(self, principal: PrincipalLike) -> ResolvedPrincipal:
        """Return the object id and type of a principal the config names.

        A principal given by object id is returned as it is, with no Graph call. A UPN,
        display name or app id is looked up once and cached.

        Raises:
            UnknownPrincipalError: Graph has no such principal.
            AmbiguousPrincipalError: The display name matches 2 or more principals.
            GraphPermissionError: The app may not read that part of the directory.
            ConfigError: The lookup kind does not fit the type.
        """
        kind, lookup, value = str(principal.type), str(principal.lookup), principal.value
        if lookup == OBJECT_ID:
            return ResolvedPrincipal(id=value, type=kind)
        key = (kind.casefold(), lookup, value.casefold())
        with self._lock:
            cached = self._resolved.get(key)
        if cached is not None:
            return cached
        resolved = self._resolve(kind, lookup, value)
        with self._lock:
            self._resolved[key] = resolved
        return resolved

    def _resolve(self, kind: str, lookup: str, value: str) -> ResolvedPrincipal:
        found: DirectoryObject | None
        if lookup == USER_PRINCIPAL_NAME and kind == PrincipalType.USER:
            try:
                found = self.get_user(value)
            except NotFoundError:
                found = None
        elif lookup == APP_ID and kind == PrincipalType.SERVICE_PRINCIPAL:
            found = self.get_service_principal(value)
        elif lookup == DISPLAY_NAME and kind in _PERMISSION_FOR:
            finders = {
                PrincipalType.USER: self.find_users,
                PrincipalType.GROUP: self.find_groups,
                PrincipalType.SERVICE_PRINCIPAL: self.find_service_principals,
            }
            matches = finders[PrincipalType(kind)](value)
            if len(matches) > 1:
                raise AmbiguousPrincipalError(
                    f"{kind} '{value}': {len(matches)} principals have this display name "
                    f"({', '.join(m.id for m in matches)}); give the object id in the config "
                    "(principal: <object id>) to say which one",
                    principal=value,
                    principal_type=kind,
                    matches=[m.id for m in matches],
                )
            found = matches[0] if matches else None
        else:
            raise ConfigError(
                f"{kind} '{value}': a {kind} cannot be looked up by {lookup}; give its "
                "object id" + (" (a UPN names users only)" if lookup == USER_PRINCIPAL_NAME else "")
            )
        if found is None:
            raise UnknownPrincipalError(
                f"{kind} '{value}' was not found in the directory (looked up by {lookup}); "
                "check the spelling, or give the object id",
                principal=value,
                principal_type=kind,
            )
        return ResolvedPrincipal(id=found.id, type=kind, display_name=found.display_name or None)

    # -- plumbing ------------------------------------------------------------------------

    def _url(self, path: str, params: list[tuple[str, str]] | None = None) -> str:
        url = f"{self.base_url}/{path}"
        return f"{url}?{urlencode(params, quote_via=quote, safe='$')}" if params else url

    def _filter(
        self, collection: str, field: str, value: str, kind: PrincipalType
    ) -> list[DirectoryObject]:
        escaped = value.replace("'", "''")
        url = self._url(collection, [("$filter", f"{field} eq '{escaped}'")])
        return list(self._values(url, kind, f"find {collection} with {field} '{value}'", kind))

    def _values(
        self, url: str, kind: PrincipalType, what: str, object_type: str | None
    ) -> Iterator[DirectoryObject]:
        for value in iter_graph_values(
            lambda page_url: self._get(page_url, kind, what),
            url,
            what=what,
            is_allowed_host=self._is_allowed_host,
        ):
            try:
                yield DirectoryObject.from_json(value, kind=object_type)
            except MalformedBodyError:
                continue  # an object we cannot name is no candidate

    def _get(self, url: str, kind: PrincipalType, what: str) -> Response:
        response = self._send(Request(method="GET", url=url))
        if response.status < 400:
            return response
        error = service_error(response, what=f"Microsoft Graph: {what}")
        if isinstance(error, PermissionDeniedError) and error.error_code.casefold() == _DENIED:
            needed = _PERMISSION_FOR[kind]
            raise GraphPermissionError(
                f"Microsoft Graph: {what}: the deploying app may not read this part of the "
                f"directory (Authorization_RequestDenied). Grant it the application "
                f"permission {needed} (or Directory.Read.All) with admin consent, or name "
                "principals by object id and type in the config, which needs no Graph call",
                status=error.status,
                error_code=error.error_code,
                request_id=error.request_id,
            ) from error
        raise error
