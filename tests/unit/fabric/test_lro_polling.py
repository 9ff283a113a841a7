"""Long-running operations on a fake clock: Retry-After per poll, statuses, results, hosts."""

from __future__ import annotations

import logging
from email.utils import formatdate
from typing import Any

import pytest
from fabric_fakes import (
    API,
    REDIRECT,
    accepted,
    fabric_error,
    make_client,
    respond,
    script,
    state,
)

from fabric_action.errors import (
    DeadlineExceededError,
    FabricActionError,
    NotFoundError,
    OperationFailedError,
    ServiceError,
    UntrustedRedirectError,
)
from fabric_action.fabric import (
    Definition,
    DefinitionPart,
    Lro,
    LroOptions,
    LroStatus,
    Request,
    Response,
)
from fabric_action.reliability import FakeClock

OPERATION = f"{REDIRECT}/v1/operations/op-1"
DEFINITION = {
    "definition": {"parts": [{"path": "a.py", "payload": "eA==", "payloadType": "InlineBase64"}]}
}


def paths(requests: list[Request]) -> list[str]:
    return [f"{r.method} {r.url}" for r in requests]


def test_each_poll_waits_the_last_retry_after_or_the_default() -> None:
    clock = FakeClock()
    in_30_s = formatdate(clock.now() + 50, usegmt=True)  # polled 30 s after "now + 20"
    client, transport, _ = make_client(
        script(
            [
                accepted("op-1", retry_after="20"),
                state("Running", retry_after="5"),
                state("NotStarted"),  # no Retry-After: the default interval, 5 s
                state("Running", retry_after=in_30_s),  # an HTTP-date is a moment
                state("Succeeded", location=f"{OPERATION}/result"),
                respond(200, DEFINITION),
            ]
        ),
        clock=clock,
    )
    handle = client.items.begin_get_definition("ws", "item")
    assert handle.next_poll_at_s == clock.monotonic() + 20
    assert clock.sleeps == []
    definition = handle.result()
    assert definition == Definition(parts=(DefinitionPart(path="a.py", payload="eA=="),))
    assert clock.sleeps == [20.0, 5.0, 5.0, 20.0]
    assert paths(transport.requests)[1:] == [f"GET {OPERATION}"] * 4 + [f"GET {OPERATION}/result"]
    assert transport.requests[0].idempotent is True  # getDefinition only reads
    assert handle.polls == 4 and handle.status == "Succeeded"


@pytest.mark.parametrize("final", ["Succeeded", "SUCCEEDED", "completed", "Deduped"])
def test_success_statuses_compare_without_case(final: str) -> None:
    client, transport, _ = make_client(
        script(
            [
                accepted("op-1", retry_after="1"),
                state("running", retry_after="1"),
                state("InProgress", retry_after="1"),
                state("notstarted", retry_after="1"),
                state("SomethingNew", retry_after="1"),  # unknown: keep polling
                state(final),  # no Location: no result
            ]
        )
    )
    assert client.items.begin_update_definition("ws", "item", Definition(parts=())).result() is None
    assert len(transport.requests) == 6


@pytest.mark.parametrize("final", ["Failed", "failed", "Canceled", "Cancelled", "UNDEFINED"])
def test_failure_statuses_raise_with_the_operations_code_and_request_id(final: str) -> None:
    error = {
        "errorCode": "DefinitionCorrupted",
        "message": "bad parts",
        "requestId": "rid-operation",
        "moreDetails": [{"errorCode": "PartMissing", "message": "x"}],
    }
    client, transport, _ = make_client(
        script([accepted("op-1", retry_after="1"), state(final, error=error)])
    )
    with pytest.raises(OperationFailedError) as caught:
        client.items.create("ws", display_name="nb", item_type="Notebook", definition=Definition())
    assert (caught.value.error_code, caught.value.request_id) == (
        "DefinitionCorrupted",
        "rid-operation",
    )
    assert f"ended {final}" in str(caught.value) and "details: PartMissing" in str(caught.value)
    assert len(transport.requests) == 2  # no result fetched, nothing resent


def test_a_failure_without_an_error_uses_its_status_and_the_polls_request_id() -> None:
    client, _, _ = make_client(
        script(
            [
                accepted("op-1", retry_after="1"),
                respond(200, {"status": "Undefined", "error": None}, request_id="rid-poll"),
            ]
        )
    )
    with pytest.raises(OperationFailedError) as caught:
        client.items.begin_get_definition("ws", "item").result()
    assert (caught.value.error_code, caught.value.request_id) == ("Undefined", "rid-poll")
    assert caught.value.status == 200
    client2, _, _ = make_client(
        script(
            [
                accepted("op-1", retry_after="1"),
                respond(200, {"status": "Failed", "error": {"errorCode": "E"}}, request_id="rp"),
            ]
        )
    )
    with pytest.raises(OperationFailedError) as second:
        client2.items.begin_get_definition("ws", "item").result()
    assert (second.value.error_code, second.value.request_id) == ("E", "rp")


def test_operation_has_no_result_is_tolerated_and_other_result_errors_raise() -> None:
    client, _, _ = make_client(
        script(
            [
                accepted("op-1", retry_after="1"),
                state("Succeeded", location=f"{OPERATION}/result"),
                fabric_error(400, "OperationHasNoResult"),
                accepted("op-2", retry_after="1"),
                state("Succeeded", location=f"{REDIRECT}/v1/operations/op-2/result"),
                fabric_error(404, "OperationNotFound", request_id="rid-gone"),
            ]
        )
    )
    assert client.items.begin_update_definition("ws", "i", Definition()).result() is None
    with pytest.raises(NotFoundError) as caught:
        client.items.get_definition("ws", "i")
    assert (caught.value.error_code, caught.value.request_id) == ("OperationNotFound", "rid-gone")


def test_a_new_location_is_followed_and_untrusted_hosts_are_never_called() -> None:
    moved = "https://api.fabric.test/v1/operations/op-1"
    client, transport, _ = make_client(
        script(
            [
                accepted("op-1", retry_after="1"),
                state("Running", retry_after="1", location=moved),
                state("Running", retry_after="1", location="https://evil.test/v1/operations/op-1"),
            ]
        )
    )
    handle = client.items.begin_get_definition("ws", "item")
    with pytest.raises(UntrustedRedirectError) as caught:
        handle.result()
    assert caught.value.url == "https://evil.test/v1/operations/op-1"
    assert "lro_redirect_hosts" in str(caught.value)
    assert paths(transport.requests)[1:] == [f"GET {OPERATION}", f"GET {moved}"]
    assert handle.location == moved  # what a journal would store to resume

    started: list[str] = []
    client2, transport2, _ = make_client(
        script([accepted("op-9", retry_after="1", host="https://evil.test")])
    )
    with pytest.raises(UntrustedRedirectError):
        client2.items.begin_get_definition("ws", "item")
    assert started == [] and len(transport2.requests) == 1

    client3, transport3, _ = make_client(
        script(
            [
                accepted("op-1", retry_after="1"),
                state("Succeeded", location="https://evil.test/result"),
            ]
        )
    )
    with pytest.raises(UntrustedRedirectError):
        client3.items.get_definition("ws", "item")
    assert len(transport3.requests) == 2


def test_on_started_hears_id_and_location_before_any_poll() -> None:
    heard: list[tuple[str, str, int]] = []
    transport_ref: list[Any] = []

    def on_started(operation_id: str, location: str) -> None:
        heard.append((operation_id, location, len(transport_ref[0].requests)))

    client, transport, _ = make_client(
        script([accepted("op-1", retry_after="1"), state("Succeeded")])
    )
    transport_ref.append(transport)
    handle = client.items.begin_update_definition(
        "ws", "item", Definition(), update_metadata=True, on_started=on_started
    )
    assert heard == [("op-1", OPERATION, 1)]
    assert (handle.operation_id, handle.location) == ("op-1", OPERATION)
    assert "updateMetadata=true" in transport.requests[0].url
    handle.result()
    assert len(transport.requests) == 2


def test_inline_answers_and_bare_202s_complete_without_polling() -> None:
    item = {"id": "i-1", "type": "Notebook", "displayName": "nb"}
    client, transport, _ = make_client(
        script(
            [
                respond(201, item),
                respond(202, None, headers={"x-ms-operation-id": "op-7", "Retry-After": "0"}),
                state("Succeeded"),
                respond(202, None),
            ]
        )
    )
    created = client.items.begin_create("ws", display_name="nb", item_type="Notebook")
    assert created.done() and created.result().id == "i-1" and created.polls == 0
    by_id = client.items.begin_update_definition("ws", "item", Definition())
    assert by_id.location == f"{API}/operations/op-7"
    assert by_id.result() is None
    assert transport.requests[2].url == f"{API}/operations/op-7"
    bare = client.items.begin_update_definition("ws", "item", Definition())
    assert bare.done() and bare.operation_id == ""


def test_a_retry_after_past_the_deadline_fails_fast_without_sleeping() -> None:
    client, _, clock = make_client(
        script([accepted("op-1", retry_after="60")]), lro=LroOptions(background=False, timeout_s=30)
    )
    with pytest.raises(DeadlineExceededError, match="resumed from"):
        client.items.begin_get_definition("ws", "item")
    assert clock.sleeps == []

    client2, transport2, clock2 = make_client(
        script([accepted("op-1", retry_after="20"), state("Running", retry_after="20")]),
        lro=LroOptions(background=False, timeout_s=30),
    )
    handle = client2.items.begin_get_definition("ws", "item")
    with pytest.raises(DeadlineExceededError, match="Running"):
        handle.result()
    assert clock2.sleeps == [20.0] and len(transport2.requests) == 2


def test_resume_polls_at_once_and_sends_nothing_again() -> None:
    client, transport, clock = make_client(
        script([state("Succeeded", location=f"{OPERATION}/result"), respond(200, {"x": 1})])
    )
    handle = client.resume_operation(OPERATION)
    assert handle.operation_id == "op-1"
    assert handle.result() == {"x": 1}
    assert [r.method for r in transport.requests] == ["GET", "GET"]
    assert clock.sleeps == []
    with pytest.raises(UntrustedRedirectError):
        client.resume_operation("https://evil.test/v1/operations/x")


def test_a_poll_that_keeps_failing_ends_the_operation_with_the_typed_error() -> None:
    failures: list[Response | BaseException] = [fabric_error(500, "InternalServerError")] * 4
    client, transport, _ = make_client(script([accepted("op-1", retry_after="1"), *failures]))
    handle = client.items.begin_get_definition("ws", "item")
    with pytest.raises(ServiceError) as caught:
        handle.result()
    assert caught.value.status == 500
    assert handle.exception() is caught.value
    assert len(transport.requests) == 5  # 1 POST, 1 poll + 3 retries


def test_done_callbacks_run_once_and_their_errors_are_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client, _, _ = make_client(script([accepted("op-1", retry_after="1"), state("Succeeded")]))
    handle = client.items.begin_update_definition("ws", "item", Definition())
    seen: list[Lro[Any]] = []
    handle.add_done_callback(seen.append)
    handle.add_done_callback(lambda _: (_ for _ in ()).throw(RuntimeError("boom")))
    with caplog.at_level(logging.ERROR, logger="fabric_action.fabric"):
        handle.result()
    assert seen == [handle]
    assert "done-callback" in caplog.text
    handle.add_done_callback(seen.append)  # already done: called at once
    assert seen == [handle, handle]
    handle.set_result(None)  # a second completion is ignored
    assert "done" in repr(handle)


def test_handles_left_pending_fail_on_close_and_nothing_is_scheduled_after() -> None:
    client, _, _ = make_client(script([accepted("op-1", retry_after="100")]))
    handle = client.items.begin_get_definition("ws", "item")
    assert client.operations.pending == 1 and client.operations.next_due_s == 100.0
    assert "op-1" in repr(handle)
    client.close()
    assert handle.done()
    with pytest.raises(FabricActionError, match="closed before the operation finished"):
        handle.result()
    with pytest.raises(FabricActionError, match="poller is closed"):
        client.operations.schedule(Lro(what="late", step=lambda _: None), delay_s=0)  # type: ignore[arg-type,return-value]


def test_status_parsing_and_handles_without_a_step() -> None:
    assert LroStatus.parse(" deduped ") is LroStatus.DEDUPED
    assert LroStatus.parse("Queued") is None
    assert LroStatus.SUCCEEDED.succeeded and not LroStatus.RUNNING.failed
    orphan: Lro[int] = Lro(what="orphan")
    with pytest.raises(FabricActionError, match="nothing to poll"):
        orphan.poll_once()
    with pytest.raises(DeadlineExceededError, match="not finished"):
        orphan.result()
    assert orphan.next_poll_at_s is None and repr(orphan) == "<Lro 'orphan' - pending>"
