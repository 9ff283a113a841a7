"""Long-running operations through the real client against the emulator.

Time: the client's EmulatorSyncedClock drives the emulator's frozen clock, so "the
operation runs 30 s" and "the client waited Retry-After" are measured on one clock.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

import pytest
from client_support import EmulatorSyncedClock
from fabric_client_support import driven, fabric_log, last_seq, make_client

from fabric_action.errors import OperationFailedError
from fabric_action.fabric import (
    Definition,
    DefinitionPart,
    FabricClient,
    Item,
    LroOptions,
    PipelineOptions,
)
from fabric_action.reliability import RateLimitOptions
from fabric_emulator.testing import RunningEmulator


@pytest.fixture
def clock(emulator: RunningEmulator) -> EmulatorSyncedClock:
    return EmulatorSyncedClock(emulator.emulator.clock)


@pytest.fixture
def client(emulator: RunningEmulator, clock: EmulatorSyncedClock) -> Any:
    client = make_client(emulator, clock)
    yield client
    client.close()


@pytest.fixture
def workspace_id(client: FabricClient) -> str:
    return client.workspaces.create("lro-tests").id


def notebook(text: str = "print(1)\n") -> Definition:
    return Definition(parts=(DefinitionPart.from_bytes("notebook-content.py", text.encode()),))


def polls(emulator: RunningEmulator, since: int) -> list[dict[str, Any]]:
    return [e for e in fabric_log(emulator, since) if "/v1/operations/" in e["path"]]


def test_running_then_succeeded_waits_retry_after_between_polls(
    emulator: RunningEmulator, client: FabricClient, workspace_id: str, clock: EmulatorSyncedClock
) -> None:
    emulator.emulator.update_config({"lro_duration_s": 30, "lro_retry_after_s": 7})
    since = last_seq(emulator)
    started_at = clock.monotonic()
    item = client.items.create(
        workspace_id, display_name="slow", item_type="Notebook", definition=notebook()
    )
    assert item.display_name == "slow"
    state_polls = [e for e in polls(emulator, since) if not e["path"].endswith("/result")]
    # 202 says Retry-After 7; the operation ends 30 s after it started: polls at 7, 14,
    # 21, 28 find it Running, the one at 35 finds it Succeeded, then /result.
    assert len(state_polls) == 5
    post = next(e for e in fabric_log(emulator, since) if e["method"] == "POST")
    times = [post["at_s"]] + [e["at_s"] for e in state_polls]
    assert [round(b - a, 6) for a, b in itertools.pairwise(times)] == [7.0] * 5
    assert [e["status"] for e in polls(emulator, since)] == [200] * 6
    assert polls(emulator, since)[-1]["path"].endswith("/result")
    assert clock.monotonic() - started_at == pytest.approx(35.0)


def test_location_on_the_redirect_host_is_polled_with_the_token(
    emulator: RunningEmulator, client: FabricClient, workspace_id: str
) -> None:
    emulator.emulator.update_config({"profile": "realism", "lro_duration_s": 3})
    since = last_seq(emulator)
    item = client.items.create(
        workspace_id, display_name="redirected", item_type="Notebook", definition=notebook()
    )
    definition = client.items.get_definition(workspace_id, item.id)
    assert "notebook-content.py" in [part.path for part in definition.parts]
    operation_calls = polls(emulator, since)
    assert operation_calls and {e["listener"] for e in operation_calls} == {"redirect"}
    assert all(e["authorization"] and e["status"] == 200 for e in operation_calls)
    assert {
        e["listener"] for e in fabric_log(emulator, since) if "/operations/" not in e["path"]
    } == {"main"}


@pytest.mark.parametrize("outcome", ["Failed", "Undefined"])
def test_failed_and_undefined_operations_raise_with_code_and_request_id(
    emulator: RunningEmulator, client: FabricClient, workspace_id: str, outcome: str
) -> None:
    emulator.set_faults([{"route": "/v1/workspaces/*/items", "lro_outcome": outcome}])
    since = last_seq(emulator)
    with pytest.raises(OperationFailedError) as caught:
        client.items.create(
            workspace_id,
            display_name=f"doomed-{outcome}",
            item_type="Notebook",
            definition=notebook(),
        )
    last_poll = polls(emulator, since)[-1]
    assert caught.value.request_id == last_poll["request_id"]
    assert caught.value.error_code == ("OperationFailed" if outcome == "Failed" else "Undefined")
    assert caught.value.status == 200
    assert outcome in str(caught.value) and last_poll["request_id"] in str(caught.value)
    assert not last_poll["path"].endswith("/result")  # a failed operation has no result


def test_on_started_gets_id_and_location_before_the_first_poll(
    emulator: RunningEmulator, client: FabricClient, workspace_id: str
) -> None:
    emulator.emulator.update_config({"lro_duration_s": 5})
    recorded: list[tuple[str, str, int]] = []

    def on_started(operation_id: str, location: str) -> None:
        recorded.append((operation_id, location, len(polls(emulator, 0))))

    before = len(polls(emulator, 0))
    handle = client.items.begin_create(
        workspace_id,
        display_name="journaled",
        item_type="Notebook",
        definition=notebook(),
        on_started=on_started,
    )
    assert len(recorded) == 1
    operation_id, location, polls_seen = recorded[0]
    assert polls_seen == before  # nothing polled yet when the journal was told
    assert location == f"{emulator.base_url}/v1/operations/{operation_id}"
    assert handle.operation_id == operation_id and handle.location == location
    assert handle.next_poll_at_s is not None
    assert handle.result().display_name == "journaled"
    assert handle.next_poll_at_s is None


def test_a_new_client_resumes_polling_from_a_stored_location(
    emulator: RunningEmulator, clock: EmulatorSyncedClock, workspace_id: str
) -> None:
    emulator.emulator.update_config({"lro_duration_s": 60})
    journal: dict[str, str] = {}
    first = make_client(emulator, clock)
    first.items.begin_create(
        workspace_id,
        display_name="survivor",
        item_type="Notebook",
        definition=notebook(),
        on_started=lambda op, loc: journal.update(operation_id=op, location=loc),
    )
    first.close()  # the process "dies" with the operation running
    since = last_seq(emulator)

    second = make_client(emulator, clock)
    try:
        resumed = second.resume_operation(
            journal["location"], parse=Item.from_json, what="resume create 'survivor'"
        )
        assert resumed.operation_id == journal["operation_id"]
        item = resumed.result()
    finally:
        second.close()
    assert isinstance(item, Item) and item.display_name == "survivor"
    log = fabric_log(emulator, since)
    assert [e for e in log if e["method"] == "POST"] == []  # nothing sent again
    assert log[0]["path"] == f"/v1/operations/{journal['operation_id']}"
    assert log[0]["status"] == 200


def test_200_concurrent_operations_are_polled_by_a_bounded_pool(
    emulator: RunningEmulator, clock: EmulatorSyncedClock
) -> None:
    """No thread waits per operation: 200 LROs, 1 scheduler + at most 3 poll threads."""
    emulator.emulator.update_config({"lro_duration_s": 10, "lro_retry_after_s": 2})
    threads: dict[str, set[int]] = {}
    client = make_client(
        emulator,
        clock,
        lro=LroOptions(max_concurrent_polls=3),
        # No quota pacing: its waits would move the clock while the test creates.
        pipeline_options=PipelineOptions(rate_limit=RateLimitOptions(enabled=False)),
        record_threads=threads,
    )
    workspace = client.workspaces.create("many-lros")
    handles = [
        client.items.begin_create(
            workspace.id, display_name=f"nb-{n}", item_type="Notebook", definition=notebook()
        )
        for n in range(200)
    ]
    # Every create returned at once: 200 operations wait on one scheduler, no thread each.
    assert sum(handle.done() for handle in handles) == 0
    assert client.operations.pending == 200
    assert threading.current_thread().ident in threads["other"]
    with driven(client, clock):
        items = [handle.result(timeout_s=600) for handle in handles]
        lro_threads = [t.name for t in threading.enumerate() if t.name.startswith("fabric-lro")]
    client.close()
    assert sorted(item.display_name for item in items) == sorted(f"nb-{n}" for n in range(200))
    assert len(threads["operations"]) <= 3
    assert threading.current_thread().ident not in threads["operations"]
    # 1 scheduler + 3 pollers, whatever the number of operations.
    assert len(lro_threads) <= 1 + 3 and "fabric-lro-scheduler" in lro_threads
    state_polls = [e for e in fabric_log(emulator) if e["path"].startswith("/v1/operations/")]
    assert len(state_polls) >= 200 * 2  # each waited while Running, then fetched /result


def test_a_create_without_fetching_the_result_finds_the_item_by_type_and_name(
    emulator: RunningEmulator, client: FabricClient, workspace_id: str
) -> None:
    since = last_seq(emulator)
    asked: list[tuple[str, str]] = []

    def locate(item_type: str, display_name: str) -> Item | None:
        asked.append((item_type, display_name))
        return client.items.find(workspace_id, item_type, display_name)

    handle = client.items.begin_create(
        workspace_id,
        display_name="no-result",
        item_type="Notebook",
        definition=notebook(),
        fetch_result=False,
        locate=locate,
    )
    item = handle.result()
    assert (item.type, item.display_name) == ("Notebook", "no-result")
    assert asked == [("Notebook", "no-result")]
    assert polls(emulator, since)  # it ran as an operation
    assert not [e for e in fabric_log(emulator, since) if e["path"].endswith("/result")]


def test_a_shell_lakehouse_create_answers_201_without_an_operation(
    emulator: RunningEmulator, client: FabricClient, workspace_id: str
) -> None:
    since = last_seq(emulator)
    item = client.items.begin_create(
        workspace_id,
        display_name="lh",
        item_type="Lakehouse",
        creation_payload={"enableSchemas": True},
        fetch_result=False,
    ).result()
    assert item.type == "Lakehouse"
    posts = [e for e in fabric_log(emulator, since) if e["method"] == "POST"]
    assert [e["status"] for e in posts] == [201]
    assert not polls(emulator, since)


@pytest.mark.parametrize("outcome", ["Succeeded", "Failed"])
def test_a_publish_without_its_result_costs_no_result_call_and_still_fails_loudly(
    emulator: RunningEmulator, client: FabricClient, workspace_id: str, outcome: str
) -> None:
    environment = client.items.create(workspace_id, display_name="env", item_type="Environment")
    if outcome == "Failed":
        emulator.set_faults(
            [{"route": "/v1/workspaces/*/environments/*/staging/publish", "lro_outcome": "Failed"}]
        )
    since = last_seq(emulator)
    handle = client.typed.begin_publish_environment(
        workspace_id, environment.id, fetch_result=False
    )
    if outcome == "Failed":
        with pytest.raises(OperationFailedError):
            handle.result()
    else:
        assert handle.result().state == "Success"
    assert polls(emulator, since)  # the operation was polled...
    assert not [e for e in polls(emulator, since) if e["path"].endswith("/result")]  # ...only
