"""Graph service principals, directory objects and key-segment addressing over HTTPS."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from graph_support import DEFAULT_SP_ID, GraphClient, graph_error, group_id, ok, user_id

from fabric_emulator._directory import DEFAULT_CLIENT_ID
from fabric_emulator.testing import RunningEmulator

SP_SUMMARY = {
    "id": DEFAULT_SP_ID,
    "appId": DEFAULT_CLIENT_ID,
    "displayName": "fabric-action (emulator)",
    "servicePrincipalType": "Application",
}
SUMMARY_SELECT = "id,appId,displayName,servicePrincipalType"


@pytest.fixture
def graph(emulator: RunningEmulator) -> Iterator[GraphClient]:
    """A Graph client for the default app (Directory.Read.All)."""
    client = GraphClient(emulator)
    yield client
    client.close()


def test_filter_by_app_id(graph: GraphClient, emulator: RunningEmulator) -> None:
    body = ok(
        graph.get("/servicePrincipals", params={"$filter": f"appId eq '{DEFAULT_CLIENT_ID}'"})
    )
    assert body["@odata.context"] == f"{emulator.base_url}/v1.0/$metadata#servicePrincipals"
    [principal] = body["value"]
    assert {key: principal[key] for key in SP_SUMMARY} == SP_SUMMARY
    assert principal["appOwnerOrganizationId"] == emulator.emulator.directory.tenant_id
    empty = ok(graph.get("/servicePrincipals", params={"$filter": "appId eq 'unknown'"}))
    assert empty["value"] == []


def test_alternate_key_by_app_id(graph: GraphClient, emulator: RunningEmulator) -> None:
    body = ok(
        graph.get(f"/servicePrincipals(appId='{DEFAULT_CLIENT_ID}')?$select={SUMMARY_SELECT}")
    )
    assert body == {
        "@odata.context": f"{emulator.base_url}/v1.0/$metadata#servicePrincipals"
        f"({SUMMARY_SELECT})/$entity",
        **SP_SUMMARY,
    }
    encoded = ok(graph.get(f"/servicePrincipals(appId=%27{DEFAULT_CLIENT_ID}%27)"))
    assert encoded["id"] == DEFAULT_SP_ID


def test_alternate_key_not_found_and_unknown_segment(graph: GraphClient) -> None:
    graph_error(
        graph.get("/servicePrincipals(appId='no-such-app')"), 404, "Request_ResourceNotFound"
    )
    error = graph_error(graph.get("/gadgets"), 400, "BadRequest")
    assert error["message"] == "Resource not found for the segment 'gadgets'."
    graph_error(graph.get("/servicePrincipals(colour='blue')"), 400, "BadRequest")


def test_key_segments_for_users_and_groups(graph: GraphClient) -> None:
    assert ok(graph.get("/users('carol@contoso.test')"))["id"] == user_id("carol")
    group = ok(graph.get(f"/groups('{group_id('Fabric Admins')}')?$select=displayName"))
    assert group["displayName"] == "Fabric Admins"


def test_service_principal_by_object_id(graph: GraphClient) -> None:
    body = ok(graph.get(f"/servicePrincipals/{DEFAULT_SP_ID.upper()}?$select={SUMMARY_SELECT}"))
    assert {key: body[key] for key in SP_SUMMARY} == SP_SUMMARY
    graph_error(
        graph.get("/servicePrincipals/00000000-0000-0000-0000-0000000000dd"),
        404,
        "Request_ResourceNotFound",
    )


def test_get_by_ids_returns_typed_objects(graph: GraphClient, emulator: RunningEmulator) -> None:
    ids = [user_id("alice"), group_id("BI Developers"), DEFAULT_SP_ID, "unknown-id"]
    body = ok(graph.post("/directoryObjects/getByIds?$select=id,displayName", json={"ids": ids}))
    assert body["@odata.context"] == f"{emulator.base_url}/v1.0/$metadata#directoryObjects"
    assert body["value"] == [
        {
            "@odata.type": "#microsoft.graph.user",
            "id": user_id("alice"),
            "displayName": "Alice Admin",
        },
        {
            "@odata.type": "#microsoft.graph.group",
            "id": group_id("BI Developers"),
            "displayName": "BI Developers",
        },
        {
            "@odata.type": "#microsoft.graph.servicePrincipal",
            "id": DEFAULT_SP_ID,
            "displayName": "fabric-action (emulator)",
        },
    ]


def test_get_by_ids_filters_by_types_and_validates(graph: GraphClient) -> None:
    ids = [user_id("alice"), group_id("BI Developers"), DEFAULT_SP_ID]
    body = ok(
        graph.post("/directoryObjects/getByIds", json={"ids": ids, "types": ["Group", "user"]})
    )
    assert [item["@odata.type"] for item in body["value"]] == [
        "#microsoft.graph.user",
        "#microsoft.graph.group",
    ]
    user = body["value"][0]
    assert user["userPrincipalName"] == "alice@contoso.test"
    graph_error(graph.post("/directoryObjects/getByIds", json={}), 400, "Request_BadRequest")
    graph_error(graph.post("/directoryObjects/getByIds", json=[]), 400, "BadRequest")


def test_directory_object_by_id(graph: GraphClient) -> None:
    body = ok(graph.get(f"/directoryObjects/{group_id('Fabric Admins')}"))
    assert body["@odata.type"] == "#microsoft.graph.group"
    assert body["@odata.context"].endswith("/v1.0/$metadata#directoryObjects/$entity")


def test_service_principal_membership(graph: GraphClient, emulator: RunningEmulator) -> None:
    with emulator.emulator.lock:
        emulator.emulator.directory.groups[group_id("Fabric Admins")].members.append(DEFAULT_SP_ID)
    body = ok(
        graph.post(
            f"/servicePrincipals/{DEFAULT_SP_ID}/checkMemberGroups",
            json={"groupIds": [group_id("Fabric Admins"), group_id("BI Developers")]},
        )
    )
    assert body["value"] == [group_id("Fabric Admins")]
    members = ok(graph.get(f"/groups/{group_id('Fabric Admins')}/members?$select=id"))["value"]
    assert members[-1] == {"@odata.type": "#microsoft.graph.servicePrincipal", "id": DEFAULT_SP_ID}


def test_me_is_refused_for_an_app_token(graph: GraphClient) -> None:
    error = graph_error(graph.get("/me"), 400, "BadRequest")
    assert "delegated" in error["message"]
