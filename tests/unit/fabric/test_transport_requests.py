"""The requests transport: timeouts on every call, error mapping, sessions, no redirects."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import requests
import requests_mock
from urllib3.exceptions import ClosedPoolError, MaxRetryError, NewConnectionError

from fabric_action.errors import (
    DeadlineExceededError,
    RequestNotSentError,
    ResponseLostError,
    TlsVerificationError,
)
from fabric_action.fabric import Request, RequestsTransport, TransportOptions
from fabric_action.reliability import Deadline, FakeClock


@pytest.fixture
def raw_server() -> Iterator[Callable[[Callable[[socket.socket], None]], str]]:
    """Start loopback TCP servers whose connection handling is a function."""
    listeners: list[socket.socket] = []
    stop = threading.Event()

    def start(handle: Callable[[socket.socket], None]) -> str:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.1)
        listeners.append(listener)

        def serve() -> None:
            while not stop.is_set():
                try:
                    connection, _ = listener.accept()
                except (TimeoutError, OSError):
                    continue
                threading.Thread(target=handle, args=(connection,), daemon=True).start()

        threading.Thread(target=serve, daemon=True).start()
        return f"http://127.0.0.1:{listener.getsockname()[1]}"

    yield start
    stop.set()
    for listener in listeners:
        listener.close()


def read_request(connection: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = int(probe.getsockname()[1])
    probe.close()
    return port


def get(url: str, **fields: object) -> Request:
    return Request(method="GET", url=url, **fields)  # type: ignore[arg-type]


def test_connection_refused_means_not_sent_and_names_method_and_url_without_credentials() -> None:
    transport = RequestsTransport()
    url = f"http://user:hunter2@127.0.0.1:{closed_port()}/v1/workspaces?secret=1"
    with pytest.raises(RequestNotSentError) as caught:
        transport.send(Request(method="POST", url=url, body=b"{}"))
    error = caught.value
    assert error.request_sent is False
    assert error.method == "POST"
    assert error.url.endswith("/v1/workspaces?...")
    assert "hunter2" not in str(error) and "hunter2" not in error.url
    assert "secret" not in str(error)
    assert "Connection refused" in str(error)


def test_a_connection_closed_after_sending_means_response_lost(
    raw_server: Callable[[Callable[[socket.socket], None]], str],
) -> None:
    def hang_up(connection: socket.socket) -> None:
        read_request(connection)
        connection.close()

    base = raw_server(hang_up)
    with pytest.raises(ResponseLostError) as caught:
        RequestsTransport().send(Request(method="POST", url=f"{base}/v1/items", body=b"{}"))
    assert caught.value.request_sent is True
    assert caught.value.method == "POST"
    assert "may have been applied" in str(caught.value)


def test_a_stalled_server_fails_within_the_read_timeout(
    raw_server: Callable[[Callable[[socket.socket], None]], str],
) -> None:
    release = threading.Event()

    def stall(connection: socket.socket) -> None:
        read_request(connection)
        release.wait(5)
        connection.close()

    base = raw_server(stall)
    transport = RequestsTransport(TransportOptions(read_timeout_s=0.2))
    started = time.monotonic()
    with pytest.raises(ResponseLostError, match="read timeout"):
        transport.send(get(f"{base}/v1/workspaces"))
    assert time.monotonic() - started < 1.5
    release.set()


def test_the_deadline_shortens_the_read_timeout(
    raw_server: Callable[[Callable[[socket.socket], None]], str],
) -> None:
    release = threading.Event()

    def stall(connection: socket.socket) -> None:
        read_request(connection)
        release.wait(5)
        connection.close()

    base = raw_server(stall)
    clock = FakeClock()
    started = time.monotonic()
    with pytest.raises(ResponseLostError):
        RequestsTransport().send(
            get(f"{base}/v1/workspaces", deadline=Deadline.after(0.2, clock=clock))
        )
    assert time.monotonic() - started < 1.5
    release.set()


def test_an_expired_deadline_sends_nothing() -> None:
    clock = FakeClock()
    deadline = Deadline.after(1.0, clock=clock)
    clock.advance(1.0)
    with requests_mock.Mocker() as mock:
        mock.get("https://api.fabric.test/v1/x", status_code=200)
        with pytest.raises(DeadlineExceededError):
            RequestsTransport().send(get("https://api.fabric.test/v1/x", deadline=deadline))
        assert mock.call_count == 0


def test_every_call_carries_connect_and_read_timeouts_clamped_to_the_deadline() -> None:
    clock = FakeClock()
    transport = RequestsTransport(TransportOptions(connect_timeout_s=10.0, read_timeout_s=120.0))
    with requests_mock.Mocker() as mock:
        mock.get("https://api.fabric.test/v1/x", status_code=200, text="{}")
        transport.send(get("https://api.fabric.test/v1/x"))
        transport.send(
            get("https://api.fabric.test/v1/x", deadline=Deadline.after(3.0, clock=clock))
        )
        transport.send(
            get("https://api.fabric.test/v1/x", deadline=Deadline.after(60.0, clock=clock))
        )
        assert [call.timeout for call in mock.request_history] == [
            (10.0, 120.0),
            (3.0, 3.0),
            (10.0, 60.0),
        ]


def test_redirects_are_returned_not_followed() -> None:
    with requests_mock.Mocker() as mock:
        mock.get(
            "https://api.fabric.test/v1/x",
            status_code=302,
            headers={"Location": "https://elsewhere.test/steal"},
        )
        mock.get("https://elsewhere.test/steal", status_code=200)
        response = RequestsTransport().send(
            get("https://api.fabric.test/v1/x", headers={"Authorization": "Bearer t"})
        )
        assert response.status == 302
        assert [call.hostname for call in mock.request_history] == ["api.fabric.test"]


def test_response_is_complete_with_case_insensitive_headers() -> None:
    with requests_mock.Mocker() as mock:
        mock.post(
            "https://api.fabric.test/v1/x",
            status_code=201,
            headers={"RequestId": "r-9"},
            json={"id": "1"},
        )
        response = RequestsTransport().send(
            Request(method="POST", url="https://api.fabric.test/v1/x", body=b'{"a": 1}')
        )
        assert (response.status, response.request_id, response.json()) == (201, "r-9", {"id": "1"})
        sent = mock.request_history[0]
        assert sent.body == b'{"a": 1}'
        assert sent.headers["User-Agent"].startswith("fabric-action/")


def test_one_session_per_host_reused_and_closed() -> None:
    transport = RequestsTransport(TransportOptions(pool_maxsize=5))
    with requests_mock.Mocker() as mock:
        mock.get(requests_mock.ANY, status_code=200)
        transport.send(get("https://a.test/1"))
        transport.send(get("https://A.test/2"))
        transport.send(get("https://b.test/1"))
    sessions = transport._sessions
    assert sorted(sessions) == ["https://a.test", "https://b.test"]
    session = sessions["https://a.test"]
    assert session.trust_env is False
    adapter = session.get_adapter("https://a.test/")
    assert isinstance(adapter, requests.adapters.HTTPAdapter)
    assert adapter._pool_maxsize == 5  # type: ignore[attr-defined]
    transport.close()
    assert transport._sessions == {}


def cert_failure() -> requests.exceptions.SSLError:
    verify = ssl.SSLCertVerificationError(1, "certificate verify failed")
    reason = MaxRetryError(None, "https://x/", reason=verify)  # type: ignore[arg-type]
    return requests.exceptions.SSLError(reason)


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (requests.exceptions.ConnectTimeout("connect timed out"), RequestNotSentError),
        (requests.exceptions.ProxyError("proxy refused"), RequestNotSentError),
        (requests.exceptions.SSLError("handshake eof"), RequestNotSentError),
        (
            requests.exceptions.ConnectionError(
                MaxRetryError(None, "/", reason=NewConnectionError(None, "refused"))  # type: ignore[arg-type]
            ),
            RequestNotSentError,
        ),
        (requests.exceptions.ConnectionError(ClosedPoolError(None, "closed")), RequestNotSentError),  # type: ignore[arg-type]
        (cert_failure(), TlsVerificationError),
        (requests.exceptions.ReadTimeout("read timed out"), ResponseLostError),
        (requests.exceptions.ConnectionError("Connection aborted"), ResponseLostError),
        (requests.exceptions.ConnectionError(), ResponseLostError),
        (requests.exceptions.ChunkedEncodingError("broken body"), ResponseLostError),
    ],
    ids=lambda value: type(value).__name__,
)
def test_requests_errors_map_to_sent_or_not_sent(
    raised: Exception, expected: type[Exception]
) -> None:
    with requests_mock.Mocker() as mock:
        mock.get("https://api.fabric.test/v1/x", exc=raised)
        with pytest.raises(expected) as caught:
            RequestsTransport().send(get("https://api.fabric.test/v1/x"))
    assert type(caught.value) is expected
    assert caught.value.__cause__ is raised


def test_malformed_urls_are_a_callers_bug_and_pass_through() -> None:
    with pytest.raises(requests.exceptions.MissingSchema):
        RequestsTransport().send(get("api.fabric.test/v1/x"))
    with pytest.raises(ValueError, match="label"):
        RequestsTransport().send(get("https://" + "a" * 70 + ".test/v1/x"))
    with pytest.raises(ValueError, match="IPv6"):
        RequestsTransport().send(get("https://[::1/bad"))


@pytest.mark.parametrize(
    "changes", [{"connect_timeout_s": 0}, {"read_timeout_s": -1}, {"pool_maxsize": 0}]
)
def test_options_reject_nonsense(changes: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        TransportOptions(**changes)  # type: ignore[arg-type]
