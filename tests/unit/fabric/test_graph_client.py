"""GraphClient: URLs and filters it sends, how it resolves principals, and its errors."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from fabric_fakes import GRAPH, allowed

from fabric_action.errors import (
    AmbiguousPrincipalError,
    ConfigError,
    GraphPermissionError,
    NotFoundError,
    ServiceError,
    UnknownPrincipalError,
)
from fabric_action.fabric import (
    DirectoryObject,
    GraphClient,
    PrincipalQuery,
    Request,
    ResolvedPrincipal,
    Response,
)


class FakeGraph:
    """Answers from a dict of path → body; records every request."""

    def __init__(self, routes: dict[str, Any]) -> None:
        self.routes = routes
        self.requests: list[Request] = []

    def __call__(self, request: Request) -> Response:
        self.requests.append(request)
        parts = urlsplit(request.url)
        key = unquote(parts.path.removeprefix("/v1.0/"))
        filters = parse_qs(parts.query).get("$filter")
        if filters:
            key += f"?{filters[0]}"
        answer = self.routes.get(key)
        if answer is None:
            return graph_error(404, "Request_ResourceNotFound")
        if isinstance(answer, Response):
            return answer
        return Response(status=200, headers={"request-id": "g-1"}, body=json.dumps(answer).encode())


def graph_error(status: int, code: str) -> Response:
    body = {"error": {"code": code, "message": "m", "innerError": {"request-id": "g-err"}}}
    return Response(status=status, body=json.dumps(body).encode())


def client(routes: dict[str, Any]) -> tuple[GraphClient, FakeGraph]:
    fake = FakeGraph(routes)
    return GraphClient(fake, graph_base=GRAPH, is_allowed_host=allowed), fake


def test_an_object_id_with_its_type_makes_no_call() -> None:
    graph, fake = client({})
    resolved = graph.resolve_principal(PrincipalQuery(value="id-1", type="ServicePrincipalProfile"))
    assert resolved == ResolvedPrincipal(id="id-1", type="ServicePrincipalProfile")
    assert fake.requests == []


def test_a_guest_upn_is_encoded_and_lookups_are_cached() -> None:
    upn = "dave_fabrikam.test#EXT#@contoso.test"
    graph, fake = client({f"users/{upn}": {"id": "u-1", "displayName": "Dave"}})
    query = PrincipalQuery(value=upn, type="User", lookup="user_principal_name")
    first = graph.resolve_principal(query)
    second = graph.resolve_principal(
        PrincipalQuery(value=upn.upper(), type="User", lookup="user_principal_name")
    )
    assert first == second == ResolvedPrincipal(id="u-1", type="User", display_name="Dave")
    assert len(fake.requests) == 1
    assert urlsplit(fake.requests[0].url).path == (
        "/v1.0/users/dave_fabrikam.test%23EXT%23@contoso.test"
    )


def test_filters_double_single_quotes() -> None:
    graph, fake = client(
        {"groups?displayName eq 'O''Brien'": {"value": [{"id": "g-1", "displayName": "O'Brien"}]}}
    )
    groups = graph.find_groups("O'Brien")
    assert [(g.id, g.type) for g in groups] == [("g-1", "Group")]
    assert urlsplit(fake.requests[0].url).query == ("$filter=displayName%20eq%20%27O%27%27Brien%27")


def test_display_names_resolve_to_exactly_one_principal() -> None:
    graph, _ = client(
        {
            "users?displayName eq 'Alice'": {"value": [{"id": "u-1", "displayName": "Alice"}]},
            "groups?displayName eq 'Twins'": {
                "value": [
                    {"id": "g-1", "displayName": "Twins"},
                    {"id": "g-2", "displayName": "Twins"},
                ]
            },
            "groups?displayName eq 'None'": {"value": []},
            "servicePrincipals?displayName eq 'Deployer'": {
                "value": [{"id": "s-1", "appId": "a-1", "displayName": "Deployer"}]
            },
            "servicePrincipals?appId eq 'a-1'": {
                "value": [{"id": "s-1", "appId": "a-1", "displayName": "Deployer"}]
            },
        }
    )
    by_name = PrincipalQuery(value="Alice", type="User", lookup="display_name")
    assert graph.resolve_principal(by_name).id == "u-1"
    sp = PrincipalQuery(value="Deployer", type="ServicePrincipal", lookup="display_name")
    assert graph.resolve_principal(sp).id == "s-1"
    app = PrincipalQuery(value="a-1", type="ServicePrincipal", lookup="app_id")
    assert graph.resolve_principal(app) == ResolvedPrincipal(
        id="s-1", type="ServicePrincipal", display_name="Deployer"
    )
    with pytest.raises(AmbiguousPrincipalError) as ambiguous:
        graph.resolve_principal(PrincipalQuery(value="Twins", type="Group", lookup="display_name"))
    assert ambiguous.value.matches == ("g-1", "g-2")
    assert isinstance(ambiguous.value, ConfigError) and "g-1, g-2" in str(ambiguous.value)
    with pytest.raises(UnknownPrincipalError, match="not found in the directory"):
        graph.resolve_principal(PrincipalQuery(value="None", type="Group", lookup="display_name"))
    with pytest.raises(UnknownPrincipalError):
        graph.resolve_principal(
            PrincipalQuery(value="x@y", type="User", lookup="user_principal_name")
        )


@pytest.mark.parametrize(
    ("kind", "lookup"),
    [
        ("Group", "user_principal_name"),
        ("User", "app_id"),
        ("ServicePrincipalProfile", "display_name"),
        ("User", "nickname"),
    ],
)
def test_lookups_that_do_not_fit_the_type_are_config_errors(kind: str, lookup: str) -> None:
    graph, fake = client({})
    with pytest.raises(ConfigError, match="object id"):
        graph.resolve_principal(PrincipalQuery(value="x", type=kind, lookup=lookup))
    assert fake.requests == []


def test_a_refused_read_names_the_permission_to_grant() -> None:
    denied = graph_error(403, "Authorization_RequestDenied")
    graph, _ = client(
        {"users/a@b": denied, "groups/g": denied, "groups?displayName eq 'G'": denied}
    )
    with pytest.raises(GraphPermissionError, match=r"User\.Read\.All") as caught:
        graph.get_user("a@b")
    assert (caught.value.status, caught.value.request_id) == (403, "g-err")
    with pytest.raises(GraphPermissionError, match=r"GroupMember\.Read\.All"):
        graph.resolve_principal(PrincipalQuery(value="G", type="Group", lookup="display_name"))
    with pytest.raises(GraphPermissionError):
        graph.get_group("g")


def test_other_errors_keep_their_type() -> None:
    graph, _ = client(
        {
            "groups/bad": graph_error(400, "Request_BadRequest"),
            "groups/auth": graph_error(401, "InvalidAuthenticationToken"),
        }
    )
    with pytest.raises(ServiceError) as bad:
        graph.get_group("bad")
    assert (type(bad.value), bad.value.error_code) == (ServiceError, "Request_BadRequest")
    with pytest.raises(NotFoundError):
        graph.get_group("missing")
    with pytest.raises(Exception) as auth:
        graph.get_group("auth")
    assert not isinstance(auth.value, GraphPermissionError)
    assert auth.value.error_code == "InvalidAuthenticationToken"  # type: ignore[attr-defined]


def test_members_are_typed_by_odata_across_pages_and_unreadable_entries_skipped() -> None:
    second_page = f"{GRAPH}/groups/g/transitiveMembers?$skiptoken=2"
    graph, fake = client(
        {
            "groups/g/transitiveMembers": {
                "value": [
                    {"@odata.type": "#microsoft.graph.user", "id": "u", "userPrincipalName": "a@b"},
                    {"@odata.type": "#microsoft.graph.group", "id": "g2"},
                    {"@odata.type": "#microsoft.graph.servicePrincipal", "id": "s", "appId": "x"},
                    {"@odata.type": "#microsoft.graph.device", "id": "d"},
                    {"@odata.type": "#microsoft.graph.user"},  # no id: skipped
                ],
                "@odata.nextLink": second_page,
            },
        }
    )
    answer = fake.__call__

    def paged(request: Request) -> Response:
        if request.url == second_page:
            fake.requests.append(request)
            late = {"value": [{"id": "late", "@odata.type": "#microsoft.graph.user"}]}
            return Response(status=200, body=json.dumps(late).encode())
        return answer(request)

    graph = GraphClient(paged, graph_base=GRAPH, is_allowed_host=allowed)
    members = graph.list_group_members("g", transitive=True)
    assert [(m.id, m.type) for m in members] == [
        ("u", "User"),
        ("g2", "Group"),
        ("s", "ServicePrincipal"),
        ("d", "device"),
        ("late", "User"),
    ]
    assert members[0].user_principal_name == "a@b" and members[2].app_id == "x"
    assert [urlsplit(r.url).path for r in fake.requests] == ["/v1.0/groups/g/transitiveMembers"] * 2
    assert DirectoryObject.from_json({"id": "x", "mail": ""}, kind="User").mail is None
