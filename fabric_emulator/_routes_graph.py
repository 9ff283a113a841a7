"""Microsoft Graph ``/v1.0``: the directory reads a deployment tool makes (reference §13).

Users by id or principal name, groups by name with their (transitive) members,
membership checks, service principals by app id and ``directoryObjects/getByIds``, over
the emulated directory. Each route needs an application permission of the calling app's
``graph_permissions`` (``Directory.Read.All`` covers all) and answers 403
``Authorization_RequestDenied`` without it; the middleware has already refused a missing
or non-Graph token with 401 ``InvalidAuthenticationToken``.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from fabric_emulator._app import Context
from fabric_emulator._graph_common import (
    API_VERSION,
    bad_request,
    graph_handler,
    graph_json,
    json_object_body,
    metadata_url,
    not_found,
    path_key,
    require_object_id,
    require_permission,
    string_list,
)
from fabric_emulator._graph_objects import (
    DIRECTORY_OBJECT,
    GROUP,
    SERVICE_PRINCIPAL,
    USER,
    GraphObject,
    all_groups,
    all_service_principals,
    all_users,
    direct_group_ids,
    find_group,
    find_object,
    find_service_principal,
    find_user,
    group_object,
    resolve,
    service_principal_object,
    transitive_group_ids,
    transitive_member_ids,
    user_object,
)
from fabric_emulator._graph_query import (
    collection_response,
    entity_response,
    parse_select,
    project,
)
from fabric_emulator._http import Response
from fabric_emulator._router import Handler, Router, Surface

USERS = "User.Read.All"
GROUPS = "GroupMember.Read.All"
APPLICATIONS = "Application.Read.All"
DIRECTORY = "Directory.Read.All"
_TYPE_PERMISSIONS = {"user": USERS, "group": GROUPS, "serviceprincipal": APPLICATIONS}
_CHECK_MEMBER_GROUPS_LIMIT = 20
_GET_BY_IDS_LIMIT = 1000
_KEY_SEGMENT = re.compile(r"^(?P<set>\w+)\((?P<key>.*)\)$", re.DOTALL)
_KEY = re.compile(r"^(?:(?P<name>\w+)=)?'(?P<value>(?:[^']|'')*)'$", re.DOTALL)


# -- users -------------------------------------------------------------------------------


def _user(context: Context, key: str) -> GraphObject:
    user = find_user(context.emulator.directory, key)
    if user is None:
        raise not_found(key)
    return user_object(user)


def _answer_user(context: Context, key: str) -> Response:
    select = parse_select(context, USER)
    require_permission(context, USERS)
    return entity_response(context, _user(context, key), entity_set="users", select=select)


def get_user(context: Context) -> Response:
    """``GET /v1.0/users/{id | userPrincipalName}``: one user (UPN case-insensitive)."""
    return _answer_user(context, path_key(context, "userId"))


def list_users(context: Context) -> Response:
    """``GET /v1.0/users``: users, with ``$filter``, ``$select`` and paging."""
    require_permission(context, USERS)
    return collection_response(
        context, all_users(context.emulator.directory), entity=USER, entity_set="users"
    )


# -- groups ------------------------------------------------------------------------------


def _group(context: Context, key: str) -> GraphObject:
    group = find_group(context.emulator.directory, require_object_id(key))
    if group is None:
        raise not_found(key)
    return group_object(group)


def _answer_group(context: Context, key: str) -> Response:
    select = parse_select(context, GROUP)
    require_permission(context, GROUPS)
    return entity_response(context, _group(context, key), entity_set="groups", select=select)


def list_groups(context: Context) -> Response:
    """``GET /v1.0/groups``: groups, e.g. ``$filter=displayName eq 'Data Engineers'``."""
    require_permission(context, GROUPS)
    return collection_response(
        context, all_groups(context.emulator.directory), entity=GROUP, entity_set="groups"
    )


def get_group(context: Context) -> Response:
    """``GET /v1.0/groups/{id}``: one group."""
    return _answer_group(context, path_key(context, "groupId"))


def _members(context: Context, *, transitive: bool) -> Response:
    require_permission(context, GROUPS)
    directory = context.emulator.directory
    key = path_key(context, "groupId")
    group = find_group(directory, require_object_id(key))
    if group is None:
        raise not_found(key)
    ids = transitive_member_ids(directory, group) if transitive else group.members
    return collection_response(
        context,
        resolve(directory, ids),
        entity=DIRECTORY_OBJECT,
        entity_set="directoryObjects",
        annotate=True,
    )


def list_members(context: Context) -> Response:
    """``GET /v1.0/groups/{id}/members``: direct members, each with ``@odata.type``."""
    return _members(context, transitive=False)


def list_transitive_members(context: Context) -> Response:
    """``GET /v1.0/groups/{id}/transitiveMembers``: members of nested groups too."""
    return _members(context, transitive=True)


# -- membership of an object ---------------------------------------------------------------


def _subject(context: Context) -> GraphObject:
    """Return the object a ``/{set}/{id}/...`` membership route is about."""
    key = path_key(context, "objectId")
    directory = context.emulator.directory
    entity_set = context.route.pattern.split("/")[2]
    if entity_set == "users":
        return _user(context, key)
    found = find_object(directory, require_object_id(key))
    wanted = {"groups": GROUP, "servicePrincipals": SERVICE_PRINCIPAL}.get(entity_set)
    if found is None or (wanted is not None and found.entity is not wanted):
        raise not_found(key)
    return found


def check_member_groups(context: Context) -> Response:
    """``POST /v1.0/{users|groups|servicePrincipals|directoryObjects}/{id}/checkMemberGroups``.

    Answers which of ``groupIds`` (at most 20) the object belongs to, directly or through
    nested groups.
    """
    require_permission(context, GROUPS)
    subject = _subject(context)
    body = json_object_body(context)
    wanted = string_list(body, "groupIds", limit=_CHECK_MEMBER_GROUPS_LIMIT, required=True)
    member_of = {
        group_id.lower(): group_id
        for group_id in transitive_group_ids(context.emulator.directory, subject.id)
    }
    matches = list(dict.fromkeys(member_of[g.lower()] for g in wanted if g.lower() in member_of))
    return graph_json(
        context,
        {
            "@odata.context": metadata_url(context, "Collection(Edm.String)"),
            "value": matches,
        },
    )


def _member_of(context: Context, *, transitive: bool) -> Response:
    require_permission(context, GROUPS)
    subject = _subject(context)
    directory = context.emulator.directory
    ids = (transitive_group_ids if transitive else direct_group_ids)(directory, subject.id)
    return collection_response(
        context,
        resolve(directory, ids),
        entity=DIRECTORY_OBJECT,
        entity_set="directoryObjects",
        annotate=True,
    )


def list_member_of(context: Context) -> Response:
    """``GET /v1.0/{set}/{id}/memberOf``: the groups the object is a direct member of."""
    return _member_of(context, transitive=False)


def list_transitive_member_of(context: Context) -> Response:
    """``GET /v1.0/{set}/{id}/transitiveMemberOf``: every group, nesting included."""
    return _member_of(context, transitive=True)


# -- service principals and directory objects ------------------------------------------------


def _answer_service_principal(
    context: Context, *, object_id: str | None = None, app_id: str | None = None
) -> Response:
    select = parse_select(context, SERVICE_PRINCIPAL)
    require_permission(context, APPLICATIONS)
    directory = context.emulator.directory
    if object_id is not None:
        require_object_id(object_id)
    app = find_service_principal(directory, object_id=object_id, app_id=app_id)
    if app is None:
        raise not_found(object_id or app_id or "")
    item = service_principal_object(app, directory.tenant_id)
    return entity_response(context, item, entity_set="servicePrincipals", select=select)


def list_service_principals(context: Context) -> Response:
    """``GET /v1.0/servicePrincipals``: e.g. ``$filter=appId eq '{appId}'``."""
    require_permission(context, APPLICATIONS)
    return collection_response(
        context,
        all_service_principals(context.emulator.directory),
        entity=SERVICE_PRINCIPAL,
        entity_set="servicePrincipals",
    )


def get_service_principal(context: Context) -> Response:
    """``GET /v1.0/servicePrincipals/{id}``: one service principal by object id."""
    return _answer_service_principal(context, object_id=path_key(context, "objectId"))


def get_directory_object(context: Context) -> Response:
    """``GET /v1.0/directoryObjects/{id}``: any object, with its ``@odata.type``."""
    select = parse_select(context, DIRECTORY_OBJECT)
    require_permission(context, DIRECTORY)
    key = path_key(context, "objectId")
    found = find_object(context.emulator.directory, require_object_id(key))
    if found is None:
        raise not_found(key)
    return entity_response(
        context, found, entity_set="directoryObjects", select=select, annotate=True
    )


def get_by_ids(context: Context) -> Response:
    """``POST /v1.0/directoryObjects/getByIds``: objects by id, optionally of some ``types``.

    Ids that name nothing are left out, as Graph does. The caller needs the read
    permission of every requested type (all three when ``types`` is absent).
    """
    body = json_object_body(context)
    ids = string_list(body, "ids", limit=_GET_BY_IDS_LIMIT, required=True)
    types = {name.lower() for name in string_list(body, "types", limit=50, required=False)}
    needed = [_TYPE_PERMISSIONS.get(name, DIRECTORY) for name in sorted(types)]
    require_permission(context, *(needed or _TYPE_PERMISSIONS.values()))
    select = parse_select(context, DIRECTORY_OBJECT)
    found = resolve(context.emulator.directory, dict.fromkeys(ids))
    wanted = [item for item in found if not types or item.entity.name.lower() in types]
    return graph_json(
        context,
        {
            "@odata.context": metadata_url(context, "directoryObjects"),
            "value": [project(item, select, annotate=True) for item in wanted],
        },
    )


# -- key-segment addressing and odd corners ---------------------------------------------------


def get_by_key_segment(context: Context) -> Response:
    """``GET /v1.0/servicePrincipals(appId='…')``, ``/users('…')``, ``/groups('…')``.

    Any other single segment under ``/v1.0`` is 400 ``BadRequest`` "Resource not found
    for the segment", as Graph answers an unknown entity set.
    """
    segment = unquote(context.params["segment"])
    found = _KEY_SEGMENT.match(segment)
    key = _KEY.match(found.group("key").strip()) if found else None
    if found is None or key is None:
        raise bad_request("BadRequest", f"Resource not found for the segment '{segment}'.")
    entity_set, name = found.group("set"), (key.group("name") or "").lower()
    value = key.group("value").replace("''", "'")
    if entity_set == "servicePrincipals" and name in ("", "id", "appid"):
        if name == "appid":
            return _answer_service_principal(context, app_id=value)
        return _answer_service_principal(context, object_id=value)
    if entity_set == "users" and name in ("", "id", "userprincipalname"):
        return _answer_user(context, value)
    if entity_set == "groups" and name in ("", "id"):
        return _answer_group(context, value)
    raise bad_request("BadRequest", f"Resource not found for the segment '{found.group('set')}'.")


def get_me(context: Context) -> Response:
    """``GET /v1.0/me``: refused, as Graph refuses it for an app-only token."""
    raise bad_request("BadRequest", "/me request is only valid with delegated authentication flow.")


def register(router: Router) -> None:
    """Add the Graph routes."""
    base = f"/{API_VERSION}"

    def add(method: str, pattern: str, handler: Handler) -> None:
        router.add(
            method, base + pattern, graph_handler(handler), surface=Surface.GRAPH, mutating=False
        )

    add("GET", "/users", list_users)
    add("GET", "/users/{userId}", get_user)
    add("GET", "/groups", list_groups)
    add("GET", "/groups/{groupId}", get_group)
    add("GET", "/groups/{groupId}/members", list_members)
    add("GET", "/groups/{groupId}/transitiveMembers", list_transitive_members)
    add("GET", "/servicePrincipals", list_service_principals)
    add("GET", "/servicePrincipals/{objectId}", get_service_principal)
    add("GET", "/directoryObjects/{objectId}", get_directory_object)
    add("POST", "/directoryObjects/getByIds", get_by_ids)
    for entity_set in ("users", "groups", "servicePrincipals", "directoryObjects"):
        add("POST", f"/{entity_set}/{{objectId}}/checkMemberGroups", check_member_groups)
        add("GET", f"/{entity_set}/{{objectId}}/memberOf", list_member_of)
        add("GET", f"/{entity_set}/{{objectId}}/transitiveMemberOf", list_transitive_member_of)
    add("GET", "/me", get_me)
    add("GET", "/{segment}", get_by_key_segment)
