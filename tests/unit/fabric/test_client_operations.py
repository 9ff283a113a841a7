"""What each operation sends: method, path, query, body, and whether it may be resent."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fabric_fakes import API, GRAPH, fabric_error, make_client, respond

from fabric_action.auth import PUBLIC_CLOUD
from fabric_action.errors import UnexpectedResponseError
from fabric_action.fabric import (
    BearerTokenPolicy,
    ClientOptions,
    Definition,
    FabricClient,
    MockTransport,
    Request,
    Response,
    scoped_bearer_policy,
)
from fabric_action.reliability import FakeClock

ITEM = {"id": "i", "type": "Notebook", "displayName": "n"}
FOLDER = {"id": "f", "displayName": "n"}
ROLE = {"id": "p", "principal": {"id": "p", "type": "User"}, "role": "Viewer"}


def answer(request: Request) -> Response:
    path = urlsplit(request.url).path
    if request.method == "DELETE":
        return fabric_error(404, "ItemNotFound") if "gone" in path else respond(200)
    if path.endswith("/getDefinition"):
        return respond(200, {"definition": {"parts": []}})
    if path.endswith("/move") and "/items/" in path:
        return respond(200, {"value": [ITEM]})
    if "/folders" in path:
        return respond(200, FOLDER)
    if "/roleAssignments" in path:
        return respond(200, ROLE)
    if "/workspaces/" in path and "/items" not in path:
        return respond(202 if path.endswith("Capacity") else 200, {"id": "w", "displayName": "n"})
    return respond(200, ITEM)


def sent(request: Request) -> tuple[str, str, dict[str, list[str]], Any, bool]:
    parts = urlsplit(request.url)
    body = json.loads(request.body) if request.body else None
    return (request.method, parts.path, parse_qs(parts.query), body, request.is_idempotent)


@pytest.fixture
def recorded() -> tuple[FabricClient, MockTransport]:
    client, transport, _ = make_client(answer)
    return client, transport


def test_updates_moves_and_capacity_calls_may_be_resent(
    recorded: tuple[FabricClient, MockTransport],
) -> None:
    client, transport = recorded
    client.workspaces.update("w", display_name="n2")
    client.workspaces.assign_to_capacity("w", "c")
    client.workspaces.unassign_from_capacity("w")
    client.role_assignments.update("w", "p", role="Member")
    client.folders.update("w", "f", display_name="x")
    client.folders.move("w", "f", target_folder_id="t")
    client.items.update("w", "i", display_name="x", description="d")
    assert [i.id for i in client.items.move("w", "i")] == ["i"]
    assert [sent(r) for r in transport.requests] == [
        ("PATCH", "/v1/workspaces/w", {}, {"displayName": "n2"}, True),
        ("POST", "/v1/workspaces/w/assignToCapacity", {}, {"capacityId": "c"}, True),
        ("POST", "/v1/workspaces/w/unassignFromCapacity", {}, None, True),
        ("PATCH", "/v1/workspaces/w/roleAssignments/p", {}, {"role": "Member"}, True),
        ("PATCH", "/v1/workspaces/w/folders/f", {}, {"displayName": "x"}, True),
        ("POST", "/v1/workspaces/w/folders/f/move", {}, {"targetFolderId": "t"}, True),
        ("PATCH", "/v1/workspaces/w/items/i", {}, {"displayName": "x", "description": "d"}, True),
        ("POST", "/v1/workspaces/w/items/i/move", {}, {}, True),
    ]
    assert transport.requests[1].headers["Content-Type"].startswith("application/json")


def test_creates_are_not_resent_and_send_only_what_was_given(
    recorded: tuple[FabricClient, MockTransport],
) -> None:
    client, transport = recorded
    client.workspaces.create("n")
    client.folders.create("w", "n")
    client.role_assignments.add("w", principal_id="p", principal_type="Group", role="Viewer")
    client.items.create(
        "w", display_name="n", item_type="Lakehouse", creation_payload={"enableSchemas": True}
    )
    assert [sent(r) for r in transport.requests] == [
        ("POST", "/v1/workspaces", {}, {"displayName": "n"}, False),
        ("POST", "/v1/workspaces/w/folders", {}, {"displayName": "n"}, False),
        (
            "POST",
            "/v1/workspaces/w/roleAssignments",
            {},
            {"principal": {"id": "p", "type": "Group"}, "role": "Viewer"},
            False,
        ),
        (
            "POST",
            "/v1/workspaces/w/items",
            {},
            {"displayName": "n", "type": "Lakehouse", "creationPayload": {"enableSchemas": True}},
            False,
        ),
    ]


def test_reads_filters_and_deletes(recorded: tuple[FabricClient, MockTransport]) -> None:
    client, transport = recorded
    client.workspaces.get("w w")
    client.capacities.get("c")
    client.role_assignments.get("w", "p")
    client.folders.get("w", "f")
    client.items.get("w", "i")
    assert client.items.delete("w", "i", hard=True) is True
    assert client.items.delete("w", "gone") is False
    assert client.folders.delete("w", "gone") is False
    assert client.role_assignments.delete("w", "gone") is False
    assert client.workspaces.delete("gone") is False
    client.items.get_definition("w", "i", format="ipynb")
    assert [
        (r.method, urlsplit(r.url).path, urlsplit(r.url).query) for r in transport.requests
    ] == [
        ("GET", "/v1/workspaces/w%20w", ""),
        ("GET", "/v1/capacities/c", ""),
        ("GET", "/v1/workspaces/w/roleAssignments/p", ""),
        ("GET", "/v1/workspaces/w/folders/f", ""),
        ("GET", "/v1/workspaces/w/items/i", ""),
        ("DELETE", "/v1/workspaces/w/items/i", "hardDelete=true"),
        ("DELETE", "/v1/workspaces/w/items/gone", ""),
        ("DELETE", "/v1/workspaces/w/folders/gone", ""),
        ("DELETE", "/v1/workspaces/w/roleAssignments/gone", ""),
        ("DELETE", "/v1/workspaces/gone", ""),
        ("POST", "/v1/workspaces/w/items/i/getDefinition", "format=ipynb"),
    ]


def test_list_queries_carry_their_filters() -> None:
    client, transport, _ = make_client(lambda _: respond(200, {"value": []}))
    client.workspaces.list(roles="Admin,Member")
    client.items.list("w", item_type="Report", root_folder_id="f", recursive=False)
    client.folders.list("w", root_folder_id="f")
    assert [parse_qs(urlsplit(r.url).query) for r in transport.requests] == [
        {"roles": ["Admin,Member"]},
        {"type": ["Report"], "rootFolderId": ["f"], "recursive": ["false"]},
        {"rootFolderId": ["f"], "recursive": ["true"]},
    ]


def test_the_graph_scope_goes_to_graph_urls_and_the_fabric_scope_elsewhere() -> None:
    class Tokens:
        def __init__(self) -> None:
            self.asked: list[str] = []
            self.dropped: list[str] = []

        def token(self, scope: str) -> str:
            self.asked.append(scope)
            return f"token-for-{scope}"

        def invalidate(self, scope: str, *, rejected_token: str | None = None) -> None:
            self.dropped.append(scope)

    tokens = Tokens()
    policy = scoped_bearer_policy(tokens, PUBLIC_CLOUD)
    assert isinstance(policy, BearerTokenPolicy)
    expired = Response(status=401, headers={"x-ms-public-api-error-code": "TokenExpired"})
    seen: list[str] = []

    def server(request: Request) -> Response:
        seen.append(request.headers.get("Authorization", ""))
        return expired if len(seen) == 1 else Response(status=200)

    policy.send(Request(method="GET", url="https://GRAPH.microsoft.com/v1.0/users/x"), server)
    policy.send(Request(method="GET", url="https://api.fabric.microsoft.com/v1/items"), server)
    policy.send(Request(method="GET", url="https://evil.test/v1.0/users"), server)
    assert tokens.asked == [PUBLIC_CLOUD.graph_scope] * 2 + [PUBLIC_CLOUD.fabric_scope]
    assert tokens.dropped == [PUBLIC_CLOUD.graph_scope]
    assert seen[-1] == ""  # no token for a host outside the allow-list


def test_for_cloud_builds_the_stack_and_closes_it() -> None:
    class Tokens:
        def token(self, scope: str) -> str:
            return "t"

        def invalidate(self, scope: str, *, rejected_token: str | None = None) -> None:
            """Nothing cached."""

    transport = MockTransport(lambda request: respond(200, {"value": []}))
    with FabricClient.for_cloud(
        PUBLIC_CLOUD, Tokens(), clock=FakeClock(), transport=transport
    ) as client:
        assert client.capacities.list() == []
        assert client.graph.base_url == PUBLIC_CLOUD.graph_base
    assert transport.requests[0].url == f"{PUBLIC_CLOUD.fabric_api_base}/capacities"
    assert transport.requests[0].headers["Authorization"] == "Bearer t"
    with pytest.raises(ValueError, match="create_attempts"):
        ClientOptions(create_attempts=0)


def test_update_definition_waits_and_urls_accept_absolute_paths() -> None:
    client, transport, _ = make_client(lambda _: respond(200))
    client.items.update_definition("w", "i", Definition(), update_metadata=True)
    assert urlsplit(transport.requests[0].url).query == "updateMetadata=true"
    assert client._core.url(f"{API}/x", {"a": None}) == f"{API}/x"
    assert GRAPH.endswith("/v1.0")


def test_a_move_answer_without_items_is_unexpected() -> None:
    client, _, _ = make_client(lambda _: respond(200, {"items": []}))
    with pytest.raises(UnexpectedResponseError, match="expected"):
        client.items.move("w", "i", target_folder_id="f")
