"""Graph users and groups over HTTPS against the seeded directory."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from graph_support import (
    GraphClient,
    add_group,
    graph_error,
    group_id,
    ok,
    user_id,
)

from fabric_emulator._directory import User, stable_id
from fabric_emulator.testing import RunningEmulator

ALICE: dict[str, object] = {
    "businessPhones": [],
    "displayName": "Alice Admin",
    "givenName": None,
    "jobTitle": None,
    "mail": "alice@contoso.test",
    "mobilePhone": None,
    "officeLocation": None,
    "preferredLanguage": None,
    "surname": None,
    "userPrincipalName": "alice@contoso.test",
    "id": user_id("alice"),
}


@pytest.fixture
def graph(emulator: RunningEmulator) -> Iterator[GraphClient]:
    """A Graph client for the default app (Directory.Read.All)."""
    client = GraphClient(emulator)
    yield client
    client.close()


def test_user_by_principal_name_has_the_default_properties(
    graph: GraphClient, emulator: RunningEmulator
) -> None:
    body = ok(graph.get("/users/alice@contoso.test"))
    assert body.pop("@odata.context") == f"{emulator.base_url}/v1.0/$metadata#users/$entity"
    assert body == ALICE


@pytest.mark.parametrize("key", ["ALICE@Contoso.TEST", user_id("alice"), user_id("alice").upper()])
def test_user_by_id_or_principal_name_in_any_case(graph: GraphClient, key: str) -> None:
    assert ok(graph.get(f"/users/{key}"))["id"] == user_id("alice")


def test_user_select_returns_only_the_selected_properties(
    graph: GraphClient, emulator: RunningEmulator
) -> None:
    body = ok(
        graph.get("/users/bob@contoso.test", params={"$select": "id,accountEnabled,userType"})
    )
    assert body == {
        "@odata.context": f"{emulator.base_url}/v1.0/$metadata#users(id,accountEnabled,userType)"
        "/$entity",
        "id": user_id("bob"),
        "accountEnabled": True,
        "userType": "Member",
    }


def test_guest_principal_name_is_url_decoded(graph: GraphClient, emulator: RunningEmulator) -> None:
    upn = "dave_fabrikam.test#EXT#@contoso.test"
    with emulator.emulator.lock:
        emulator.emulator.directory.users["guest"] = User(
            id=stable_id("user", upn), user_principal_name=upn, display_name="Dave Guest"
        )
    body = ok(graph.get(f"/users/{quote(upn, safe='@')}?$select=id,userType,userPrincipalName"))
    assert body["userPrincipalName"] == upn
    assert body["userType"] == "Guest"


def test_unknown_user_is_request_resource_not_found(graph: GraphClient) -> None:
    error = graph_error(graph.get("/users/nobody@contoso.test"), 404, "Request_ResourceNotFound")
    assert error["message"] == (
        "Resource 'nobody@contoso.test' does not exist or one of its queried "
        "reference-property objects are not present."
    )


def test_unknown_select_property_is_bad_request(graph: GraphClient) -> None:
    error = graph_error(
        graph.get("/users/alice@contoso.test?$select=id,shoeSize"), 400, "BadRequest"
    )
    assert "shoeSize" in error["message"]


def test_users_filter_by_principal_name(graph: GraphClient) -> None:
    body = ok(graph.get("/users", params={"$filter": "userPrincipalName eq 'CAROL@contoso.test'"}))
    assert [user["displayName"] for user in body["value"]] == ["Carol Viewer"]


def test_group_filter_by_display_name(graph: GraphClient, emulator: RunningEmulator) -> None:
    body = ok(
        graph.get(
            "/groups",
            params={
                "$filter": "displayName eq 'Data Engineers'",
                "$select": "id,displayName,securityEnabled,mailEnabled,groupTypes",
            },
        )
    )
    assert body == {
        "@odata.context": f"{emulator.base_url}/v1.0/$metadata#groups"
        "(id,displayName,securityEnabled,mailEnabled,groupTypes)",
        "value": [
            {
                "id": group_id("Data Engineers"),
                "displayName": "Data Engineers",
                "securityEnabled": True,
                "mailEnabled": False,
                "groupTypes": [],
            }
        ],
    }


def test_ambiguous_group_name_returns_every_match(
    graph: GraphClient, emulator: RunningEmulator
) -> None:
    twin = add_group(emulator, "Data Engineers", [], key="Data Engineers (EU)")
    body = ok(graph.get("/groups", params={"$filter": "displayName eq 'data engineers'"}))
    assert [group["id"] for group in body["value"]] == [group_id("Data Engineers"), twin.id]


def test_filter_quotes_and_operators(graph: GraphClient, emulator: RunningEmulator) -> None:
    quoted = add_group(emulator, "O'Brien's Team", [])
    cases = {
        "displayName eq 'O''Brien''s Team'": [quoted.id],
        "startswith(displayName,'fabric')": [group_id("Fabric Admins")],
        "startswith(displayName,'B') or displayName eq 'Fabric Admins'": [
            group_id("BI Developers"),
            group_id("Fabric Admins"),
        ],
        "(securityEnabled eq true and displayName in ('BI Developers', 'Nope'))": [
            group_id("BI Developers")
        ],
        "groupTypes/any(c:c eq 'Unified')": [],
        "mail eq null and displayName eq 'Fabric Admins'": [group_id("Fabric Admins")],
    }
    for expression, expected in cases.items():
        body = ok(graph.get("/groups", params={"$filter": expression, "$select": "id"}))
        assert [group["id"] for group in body["value"]] == expected, expression


@pytest.mark.parametrize(
    ("expression", "code"),
    [
        ("displayName eq 'Data Engineers", "Request_BadRequest"),
        ("displayName eq", "Request_BadRequest"),
        ("displayName = 'x'", "Request_BadRequest"),
        ("shoeSize eq 'x'", "Request_BadRequest"),
        ("securityEnabled eq 'yes'", "Request_BadRequest"),
        ("(displayName eq 'x'", "Request_BadRequest"),
        ("displayName eq 'x' and", "Request_BadRequest"),
        ("", "Request_BadRequest"),
        ("frobnicate(displayName)", "Request_BadRequest"),
        ("groupTypes eq 'Unified'", "Request_BadRequest"),
        ("(" * 100 + "displayName eq 'x'" + ")" * 100, "Request_BadRequest"),
        ("not displayName eq 'x'", "Request_UnsupportedQuery"),
        ("displayName ne 'x'", "Request_UnsupportedQuery"),
        ("endswith(displayName,'s')", "Request_UnsupportedQuery"),
    ],
)
def test_bad_filter_is_refused(graph: GraphClient, expression: str, code: str) -> None:
    graph_error(graph.get("/groups", params={"$filter": expression}), 400, code)


def test_top_pages_with_next_link(graph: GraphClient, emulator: RunningEmulator) -> None:
    seen: list[str] = []
    url = "/groups?$top=1&$select=displayName"
    for _ in range(10):
        body = ok(graph.get(url))
        assert len(body["value"]) == 1
        seen.append(body["value"][0]["displayName"])
        if "@odata.nextLink" not in body:
            break
        url = body["@odata.nextLink"]
        assert url.startswith(f"{emulator.base_url}/v1.0/groups?")
        assert "$top=1" in url and "$select=displayName" in url and "$skiptoken=" in url
    assert seen == ["Data Engineers", "BI Developers", "Fabric Admins"]


def test_bad_top_and_skip_token_are_refused(graph: GraphClient) -> None:
    for query in ("$top=0", "$top=1000", "$top=many", "$skiptoken=not-a-token"):
        graph_error(graph.get(f"/groups?{query}"), 400, "Request_BadRequest")


def test_count_needs_consistency_level(graph: GraphClient) -> None:
    graph_error(graph.get("/groups?$count=true"), 400, "Request_BadRequest")
    body = ok(graph.get("/groups?$count=true&$top=1", headers={"ConsistencyLevel": "eventual"}))
    assert body["@odata.count"] == 3 and len(body["value"]) == 1


def test_group_by_id(graph: GraphClient, emulator: RunningEmulator) -> None:
    body = ok(graph.get(f"/groups/{group_id('BI Developers')}"))
    assert body["@odata.context"] == f"{emulator.base_url}/v1.0/$metadata#groups/$entity"
    assert body["displayName"] == "BI Developers"
    assert body["securityEnabled"] is True and body["groupTypes"] == []


def test_group_not_found_and_malformed_id(graph: GraphClient) -> None:
    missing = "00000000-0000-0000-0000-0000000000aa"
    graph_error(graph.get(f"/groups/{missing}"), 404, "Request_ResourceNotFound")
    error = graph_error(graph.get("/groups/Data%20Engineers"), 400, "Request_BadRequest")
    assert error["message"] == "Invalid object identifier 'Data Engineers'."


def test_members_carry_their_odata_type(graph: GraphClient, emulator: RunningEmulator) -> None:
    body = ok(graph.get(f"/groups/{group_id('Data Engineers')}/members?$select=id,displayName"))
    assert body["@odata.context"].endswith("/v1.0/$metadata#directoryObjects(id,displayName)")
    assert body["value"] == [
        {
            "@odata.type": "#microsoft.graph.user",
            "id": user_id("alice"),
            "displayName": "Alice Admin",
        },
        {
            "@odata.type": "#microsoft.graph.user",
            "id": user_id("bob"),
            "displayName": "Bob Builder",
        },
    ]


def test_transitive_members_include_nested_groups_and_their_members(
    graph: GraphClient, emulator: RunningEmulator
) -> None:
    outer = add_group(
        emulator, "Platform", [group_id("BI Developers"), user_id("alice"), "dangling-id"]
    )
    with emulator.emulator.lock:  # a cycle must not loop
        emulator.emulator.directory.groups[group_id("BI Developers")].members.append(outer.id)
    direct = ok(graph.get(f"/groups/{outer.id}/members?$select=id"))["value"]
    assert [member["id"] for member in direct] == [group_id("BI Developers"), user_id("alice")]
    body = ok(graph.get(f"/groups/{outer.id}/transitiveMembers?$select=id"))
    assert body["value"] == [
        {"@odata.type": "#microsoft.graph.group", "id": group_id("BI Developers")},
        {"@odata.type": "#microsoft.graph.user", "id": user_id("alice")},
        {"@odata.type": "#microsoft.graph.user", "id": user_id("carol")},
    ]


def test_members_page_and_unknown_group(graph: GraphClient) -> None:
    body = ok(graph.get(f"/groups/{group_id('Data Engineers')}/members?$top=1"))
    assert len(body["value"]) == 1 and "@odata.nextLink" in body
    assert ok(graph.get(body["@odata.nextLink"]))["value"][0]["id"] == user_id("bob")
    missing = "00000000-0000-0000-0000-0000000000bb"
    graph_error(graph.get(f"/groups/{missing}/transitiveMembers"), 404, "Request_ResourceNotFound")


def test_check_member_groups_returns_the_matching_ids(
    graph: GraphClient, emulator: RunningEmulator
) -> None:
    nested = add_group(emulator, "All Engineers", [group_id("Data Engineers")])
    asked = [
        group_id("Data Engineers"),
        group_id("BI Developers"),
        nested.id.upper(),
        "00000000-0000-0000-0000-0000000000cc",
    ]
    response = graph.post("/users/bob@contoso.test/checkMemberGroups", json={"groupIds": asked})
    body = ok(response)
    assert body["@odata.context"].endswith("/v1.0/$metadata#Collection(Edm.String)")
    assert body["value"] == [group_id("Data Engineers"), nested.id]


def test_check_member_groups_validates_its_body(graph: GraphClient) -> None:
    path = f"/users/{user_id('alice')}/checkMemberGroups"
    graph_error(graph.post(path, json={}), 400, "Request_BadRequest")
    graph_error(graph.post(path, json={"groupIds": [1]}), 400, "Request_BadRequest")
    too_many = [stable_id("g", str(n)) for n in range(21)]
    graph_error(graph.post(path, json={"groupIds": too_many}), 400, "Request_BadRequest")
    graph_error(graph.post(path, data=b"{not json"), 400, "BadRequest")
    graph_error(
        graph.post("/users/nobody@contoso.test/checkMemberGroups", json={"groupIds": []}),
        404,
        "Request_ResourceNotFound",
    )


def test_transitive_member_of(graph: GraphClient, emulator: RunningEmulator) -> None:
    nested = add_group(emulator, "All Engineers", [group_id("Data Engineers")])
    body = ok(graph.get("/users/bob@contoso.test/transitiveMemberOf?$select=id,displayName"))
    assert body["value"] == [
        {
            "@odata.type": "#microsoft.graph.group",
            "id": group_id("Data Engineers"),
            "displayName": "Data Engineers",
        },
        {"@odata.type": "#microsoft.graph.group", "id": nested.id, "displayName": "All Engineers"},
    ]
    direct = ok(graph.get("/users/bob@contoso.test/memberOf?$select=id"))["value"]
    assert [group["id"] for group in direct] == [group_id("Data Engineers")]
