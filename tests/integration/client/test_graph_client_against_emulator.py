"""GraphClient over the client stack against the emulator's Microsoft Graph ``/v1.0``.

Principals come as the config builds them (``fabric_action.config.Principal``), so this
also proves the config's type fits what the client asks for.
"""

from __future__ import annotations

from typing import Any

import pytest
from client_support import EmulatorSyncedClock
from fabric_client_support import fabric_log, last_seq, make_client

from fabric_action.config import Principal, PrincipalLookup, PrincipalType
from fabric_action.errors import (
    AmbiguousPrincipalError,
    ConfigError,
    GraphPermissionError,
    PermissionDeniedError,
    UnknownPrincipalError,
)
from fabric_action.fabric import FabricClient, ResolvedPrincipal
from fabric_emulator._directory import Group, User, stable_id
from fabric_emulator.testing import RunningEmulator

GUEST_UPN = "dave_fabrikam.test#EXT#@contoso.test"


@pytest.fixture
def client(emulator: RunningEmulator) -> Any:
    client = make_client(emulator, EmulatorSyncedClock(emulator.emulator.clock))
    yield client
    client.close()


def graph_calls(emulator: RunningEmulator, since: int) -> list[dict[str, Any]]:
    return [e for e in fabric_log(emulator, since) if e["path"].startswith("/v1.0/")]


def principal(value: str, kind: PrincipalType, lookup: PrincipalLookup) -> Principal:
    return Principal(value=value, type=kind, lookup=lookup)


def test_a_principal_given_by_object_id_and_type_needs_no_graph_call(
    emulator: RunningEmulator, client: FabricClient
) -> None:
    emulator.emulator.directory.apps["fabric-action-dev"].graph_permissions = []  # not needed
    since = last_seq(emulator)
    group_id = stable_id("group", "Data Engineers")
    resolved = client.graph.resolve_principal(
        principal(group_id, PrincipalType.GROUP, PrincipalLookup.OBJECT_ID)
    )
    assert resolved == ResolvedPrincipal(id=group_id, type="Group")
    assert graph_calls(emulator, since) == []
    assert [e for e in emulator.requests_log(since) if "/oauth2/" in e["path"]] == []


def test_upn_group_name_and_app_id_are_looked_up_once_each(
    emulator: RunningEmulator, client: FabricClient
) -> None:
    guest_id = stable_id("user", GUEST_UPN)
    emulator.emulator.directory.users[guest_id] = User(
        id=guest_id, user_principal_name=GUEST_UPN, display_name="Dave (guest)"
    )
    since = last_seq(emulator)
    lookups = [
        principal("alice@contoso.test", PrincipalType.USER, PrincipalLookup.USER_PRINCIPAL_NAME),
        principal(GUEST_UPN, PrincipalType.USER, PrincipalLookup.USER_PRINCIPAL_NAME),
        principal("Data Engineers", PrincipalType.GROUP, PrincipalLookup.DISPLAY_NAME),
        principal("fabric-action-dev", PrincipalType.SERVICE_PRINCIPAL, PrincipalLookup.APP_ID),
        principal("Carol Viewer", PrincipalType.USER, PrincipalLookup.DISPLAY_NAME),
    ]
    resolved = [client.graph.resolve_principal(p) for p in lookups]
    again = [client.graph.resolve_principal(p) for p in lookups]
    assert resolved == again
    assert [(r.id, r.type) for r in resolved] == [
        (stable_id("user", "alice@contoso.test"), "User"),
        (guest_id, "User"),
        (stable_id("group", "Data Engineers"), "Group"),
        (stable_id("sp", "fabric-action-dev"), "ServicePrincipal"),
        (stable_id("user", "carol@contoso.test"), "User"),
    ]
    assert resolved[1].display_name == "Dave (guest)"
    calls = graph_calls(emulator, since)
    assert len(calls) == len(lookups)  # the second round came from the cache
    assert all(e["status"] == 200 and e["authorization"] for e in calls)
    assert calls[1]["path"] == "/v1.0/users/dave_fabrikam.test%23EXT%23@contoso.test"
    assert "displayName%20eq%20%27Data%20Engineers%27" in calls[2]["query"]
    assert "appId%20eq%20%27fabric-action-dev%27" in calls[3]["query"]


def test_group_names_with_quotes_and_members(
    emulator: RunningEmulator, client: FabricClient
) -> None:
    group_id = stable_id("group", "O'Brien's team")
    alice = stable_id("user", "alice@contoso.test")
    engineers = stable_id("group", "Data Engineers")
    emulator.emulator.directory.groups[group_id] = Group(
        id=group_id, display_name="O'Brien's team", members=[alice, engineers]
    )
    found = client.graph.find_groups("O'Brien's team")
    assert [g.id for g in found] == [group_id]
    direct = client.graph.list_group_members(group_id)
    assert {(m.id, m.type) for m in direct} == {(alice, "User"), (engineers, "Group")}
    nested = client.graph.list_group_members(group_id, transitive=True)
    assert stable_id("user", "bob@contoso.test") in {m.id for m in nested}
    assert client.graph.get_group(group_id).display_name == "O'Brien's team"
    assert client.graph.get_user("bob@contoso.test").display_name == "Bob Builder"


def test_an_ambiguous_group_name_is_a_config_error_naming_every_match(
    emulator: RunningEmulator, client: FabricClient
) -> None:
    for n in range(120):  # more than one Graph page (100)
        group_id = stable_id("group", f"many-{n}")
        emulator.emulator.directory.groups[group_id] = Group(id=group_id, display_name="Many")
    since = last_seq(emulator)
    with pytest.raises(AmbiguousPrincipalError) as caught:
        client.graph.resolve_principal(
            principal("many", PrincipalType.GROUP, PrincipalLookup.DISPLAY_NAME)
        )
    assert isinstance(caught.value, ConfigError)
    assert len(caught.value.matches) == 120
    assert "object id" in str(caught.value)
    assert len(graph_calls(emulator, since)) == 2  # both pages read


def test_unknown_principals_are_config_errors(client: FabricClient) -> None:
    with pytest.raises(UnknownPrincipalError) as user:
        client.graph.resolve_principal(
            principal(
                "nobody@contoso.test", PrincipalType.USER, PrincipalLookup.USER_PRINCIPAL_NAME
            )
        )
    assert "nobody@contoso.test" in str(user.value) and user.value.principal_type == "User"
    with pytest.raises(UnknownPrincipalError):
        client.graph.resolve_principal(
            principal("No Such Group", PrincipalType.GROUP, PrincipalLookup.DISPLAY_NAME)
        )
    with pytest.raises(UnknownPrincipalError):
        client.graph.resolve_principal(
            principal("not-an-app", PrincipalType.SERVICE_PRINCIPAL, PrincipalLookup.APP_ID)
        )


def test_a_missing_graph_permission_says_which_one_to_grant(
    emulator: RunningEmulator, client: FabricClient
) -> None:
    emulator.emulator.directory.apps["fabric-action-dev"].graph_permissions = []
    since = last_seq(emulator)
    with pytest.raises(GraphPermissionError) as caught:
        client.graph.resolve_principal(
            principal("Data Engineers", PrincipalType.GROUP, PrincipalLookup.DISPLAY_NAME)
        )
    error = caught.value
    assert isinstance(error, PermissionDeniedError)
    assert (error.status, error.error_code) == (403, "Authorization_RequestDenied")
    assert "GroupMember.Read.All" in str(error) and "object id" in str(error)
    assert error.request_id == graph_calls(emulator, since)[-1]["request_id"]
    with pytest.raises(GraphPermissionError, match=r"User\.Read\.All"):
        client.graph.get_user("alice@contoso.test")
    with pytest.raises(GraphPermissionError, match=r"Application\.Read\.All"):
        client.graph.get_service_principal("fabric-action-dev")
