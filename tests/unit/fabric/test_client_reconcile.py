"""Creates after a lost response: look up by natural key, then resend only if absent."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fabric_fakes import accepted, fabric_error, make_client, respond, script, state

from fabric_action.errors import (
    ConflictError,
    OperationFailedError,
    ResponseLostError,
    UnexpectedResponseError,
)
from fabric_action.fabric import Definition, DefinitionPart, Request, create_reconciled
from fabric_action.fabric._reconcile import DEFAULT_CREATE_ATTEMPTS

LOST = ResponseLostError("connection reset after sending", method="POST", url="https://x/")


def query(request: Request) -> dict[str, list[str]]:
    return parse_qs(urlsplit(request.url).query)


class Sequence:
    """``send`` answers from a script; ``lookup`` from another; both count calls."""

    def __init__(self, sends: list[Any], lookups: list[Any]) -> None:
        self.sends, self.lookups = list(sends), list(lookups)
        self.sent = self.looked = 0

    def send(self) -> str:
        self.sent += 1
        answer = self.sends.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return str(answer)

    def lookup(self) -> str | None:
        self.looked += 1
        answer = self.lookups.pop(0)
        return None if answer is None else str(answer)


def conflict(code: str) -> ConflictError:
    return ConflictError("taken", status=400, error_code=code, request_id="r")


def test_a_lost_response_whose_create_was_applied_is_found_not_resent() -> None:
    calls = Sequence([LOST], ["found"])
    outcome = create_reconciled(send=calls.send, lookup=calls.lookup, what="create x")
    assert (outcome.value, outcome.found_by_lookup, outcome.attempts) == ("found", True, 1)
    assert (calls.sent, calls.looked) == (1, 1)


def test_a_lost_create_that_was_not_applied_is_sent_again() -> None:
    calls = Sequence([LOST, "created"], [None])
    outcome = create_reconciled(send=calls.send, lookup=calls.lookup, what="create x")
    assert (outcome.value, outcome.found_by_lookup, outcome.attempts) == ("created", False, 2)


@pytest.mark.parametrize(
    "code",
    [
        "ItemDisplayNameAlreadyInUse",
        "WorkspaceNameAlreadyExists",
        "FolderDisplayNameAlreadyInUse",
        "PrincipalAlreadyHasWorkspaceRolePermissions",
    ],
)
def test_name_taken_after_a_lost_attempt_means_it_is_ours(code: str) -> None:
    # The lookup missed it (a listing that lags), the resend says "taken": look again.
    calls = Sequence([LOST, conflict(code)], [None, "ours"])
    outcome = create_reconciled(send=calls.send, lookup=calls.lookup, what="create x")
    assert (outcome.value, outcome.found_by_lookup, outcome.attempts) == ("ours", True, 2)


def test_conflicts_that_are_not_ours_are_raised() -> None:
    first = Sequence([conflict("ItemDisplayNameAlreadyInUse")], [])
    with pytest.raises(ConflictError):  # no earlier attempt was lost: someone else's item
        create_reconciled(send=first.send, lookup=first.lookup, what="x")
    assert first.looked == 0
    other = Sequence([LOST, conflict("ItemDisplayNameNotAvailableYet")], [None])
    with pytest.raises(ConflictError, match="taken"):
        create_reconciled(send=other.send, lookup=other.lookup, what="x")
    missing = Sequence([LOST, conflict("WorkspaceNameAlreadyExists")], [None, None])
    with pytest.raises(ConflictError):
        create_reconciled(send=missing.send, lookup=missing.lookup, what="x")


def test_every_attempt_lost_and_never_found_raises_the_lost_response() -> None:
    calls = Sequence([LOST] * 3, [None] * 3)
    with pytest.raises(ResponseLostError):
        create_reconciled(send=calls.send, lookup=calls.lookup, what="x", attempts=3)
    assert (calls.sent, calls.looked) == (3, 3)
    with pytest.raises(ValueError, match="attempts"):
        create_reconciled(send=calls.send, lookup=calls.lookup, what="x", attempts=0)


def test_creates_are_never_resent_blindly_by_the_pipeline() -> None:
    workspace = {"id": "ws-1", "displayName": "Sales"}
    client, transport, _ = make_client(
        script([LOST, respond(200, {"value": [{"id": "other", "displayName": "x"}, workspace]})])
    )
    assert client.workspaces.create("SALES", description="d", capacity_id="c").id == "ws-1"
    post, lookup = transport.requests
    assert post.method == "POST" and post.is_idempotent is False
    assert json.loads(post.body or b"") == {
        "displayName": "SALES",
        "description": "d",
        "capacityId": "c",
    }
    assert lookup.method == "GET" and lookup.url.endswith("/v1/workspaces")


def test_a_folder_is_looked_up_under_its_parent() -> None:
    folder = {"id": "f-2", "displayName": "Child", "parentFolderId": "P-1"}
    client, transport, _ = make_client(
        script(
            [
                LOST,
                respond(200, {"value": [{"id": "f-9", "displayName": "child"}, folder]}),
            ]
        )
    )
    assert client.folders.create("ws", "child", parent_folder_id="p-1").id == "f-2"
    assert json.loads(transport.requests[0].body or b"") == {
        "displayName": "child",
        "parentFolderId": "p-1",
    }
    assert query(transport.requests[1]) == {"rootFolderId": ["p-1"], "recursive": ["false"]}


def test_a_found_item_gets_its_definition_again() -> None:
    """The item exists but the operation filling its definition was lost with the 202."""
    platform = json.dumps({"metadata": {"type": "Notebook", "displayName": "From Platform"}})
    definition = Definition(
        parts=(
            DefinitionPart.from_bytes("notebook-content.py", b"print(1)"),
            DefinitionPart.from_bytes(".platform", platform.encode()),
        )
    )
    found = {"id": "i-7", "type": "Notebook", "displayName": "from platform", "workspaceId": "ws"}
    client, transport, _ = make_client(
        script(
            [
                LOST,
                respond(200, {"value": [found]}),
                accepted("op-1", retry_after="1"),
                state("Succeeded"),
            ]
        )
    )
    started: list[str] = []
    item = client.items.create(
        "ws",
        display_name="ignored",
        item_type="Notebook",
        description="d",
        folder_id="f-1",
        definition=definition,
        on_started=lambda operation_id, _: started.append(operation_id),
    )
    assert item.id == "i-7"
    post, lookup, update, _ = transport.requests
    assert post.is_idempotent is False
    assert json.loads(post.body or b"")["folderId"] == "f-1"
    assert query(lookup) == {"type": ["Notebook"]}
    assert update.url.endswith("/items/i-7/updateDefinition") and update.is_idempotent is True
    assert json.loads(update.body or b"") == {"definition": definition.to_json()}
    assert started == ["op-1"]


def test_an_item_operation_without_a_result_is_looked_up() -> None:
    found = {"id": "i-3", "type": "Notebook", "displayName": "nb"}
    client, _, _ = make_client(
        script(
            [
                accepted("op-1", retry_after="1"),
                state("Succeeded"),
                respond(200, {"value": [found]}),
                accepted("op-2", retry_after="1"),
                state("Succeeded"),
                respond(200, {"value": []}),
            ]
        )
    )
    assert client.items.create("ws", display_name="nb", item_type="Notebook").id == "i-3"
    with pytest.raises(UnexpectedResponseError, match="without the item"):
        client.items.create("ws", display_name="nb", item_type="Notebook")


def test_a_role_held_with_another_role_is_not_ours() -> None:
    theirs = {"id": "p-1", "principal": {"id": "P-1", "type": "User"}, "role": "Admin"}
    client, transport, _ = make_client(
        script(
            [
                LOST,
                respond(200, {"value": [theirs]}),
                fabric_error(409, "PrincipalAlreadyHasWorkspaceRolePermissions"),
                respond(200, {"value": [theirs]}),
            ]
        )
    )
    with pytest.raises(ConflictError) as caught:
        client.role_assignments.add("ws", principal_id="p-1", principal_type="User", role="Viewer")
    assert caught.value.error_code == "PrincipalAlreadyHasWorkspaceRolePermissions"
    assert [r.method for r in transport.requests] == ["POST", "GET", "POST", "GET"]
    mine = {"id": "p-1", "principal": {"id": "p-1", "type": "User"}, "role": "viewer"}
    client2, _, _ = make_client(script([LOST, respond(200, {"value": [mine]})]))
    added = client2.role_assignments.add(
        "ws", principal_id="p-1", principal_type="User", role="Viewer"
    )
    assert added.principal.id == "p-1"


ENVIRONMENT = "/v1/workspaces/ws/environments/env"


def environment(state_name: str) -> Any:
    return respond(200, {"id": "env", "properties": {"publishDetails": {"state": state_name}}})


def test_a_lost_publish_that_is_running_is_awaited_through_the_environment() -> None:
    client, transport, clock = make_client(
        script([LOST, environment("Running"), environment("running"), environment("Success")])
    )
    state_ = client.typed.publish_environment("ws", "env")
    assert state_.state == "Success"
    assert [(r.method, urlsplit(r.url).path) for r in transport.requests] == [
        ("POST", f"{ENVIRONMENT}/staging/publish"),
        ("GET", ENVIRONMENT),
        ("GET", ENVIRONMENT),
        ("GET", ENVIRONMENT),
    ]
    assert clock.sleeps == [5.0, 5.0]  # the default interval: no Retry-After here


def test_a_lost_publish_that_is_not_running_is_sent_again_and_failures_raise() -> None:
    published = {"publishDetails": {"state": "Success", "startTime": "2026-04-19T10:53:46.25"}}
    client, transport, _ = make_client(
        script([LOST, environment("Success"), respond(200, published)])
    )
    assert client.typed.publish_environment("ws", "env").start_time is not None
    assert [r.method for r in transport.requests] == ["POST", "GET", "POST"]
    failing, _, _ = make_client(script([LOST, environment("Running"), environment("Failed")]))
    with pytest.raises(OperationFailedError) as caught:
        failing.typed.publish_environment("ws", "env")
    assert caught.value.error_code == "Failed"


def test_a_publish_lost_again_is_sent_up_to_create_attempts_then_the_loss_raises() -> None:
    published = {"publishDetails": {"state": "Success"}}
    lost_twice = [LOST, environment("Success"), LOST, environment("Success")]
    client, transport, _ = make_client(script([*lost_twice, respond(200, published)]))
    assert client.typed.publish_environment("ws", "env").state == "Success"
    assert [r.method for r in transport.requests] == ["POST", "GET", "POST", "GET", "POST"]
    always_lost = [LOST, environment("Success")] * DEFAULT_CREATE_ATTEMPTS
    failing, transport, _ = make_client(script(always_lost))
    with pytest.raises(ResponseLostError):
        failing.typed.publish_environment("ws", "env")
    assert [r.method for r in transport.requests].count("POST") == DEFAULT_CREATE_ATTEMPTS == 4


def test_lookups_that_find_nothing_lead_to_a_resend() -> None:
    folder = {"id": "f-1", "displayName": "x"}
    role = {"id": "p", "principal": {"id": "p", "type": "User"}, "role": "Viewer"}
    client, transport, _ = make_client(
        script(
            [
                LOST,
                respond(200, {"value": [{"id": "f-0", "displayName": "x", "parentFolderId": "q"}]}),
                respond(201, folder),
                LOST,
                respond(200, {"value": []}),
                respond(201, role),
            ]
        )
    )
    assert client.folders.create("ws", "x").id == "f-1"
    assert (
        client.role_assignments.add(
            "ws", principal_id="p", principal_type="User", role="Viewer"
        ).role
        == "Viewer"
    )
    assert [r.method for r in transport.requests] == ["POST", "GET", "POST"] * 2
