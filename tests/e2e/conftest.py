"""Fixtures of the end-to-end tests: loopback-only networking and a contained fabric-cicd.

``emulator``, ``emulator_config`` and ``fabric`` come from tests/conftest.py.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


class OffLoopbackError(RuntimeError):
    """A test tried to reach beyond loopback.

    Not an OSError on purpose: urllib3 turns OSErrors into connection errors, which
    fabric-cicd retries for five minutes; this one fails the call at once.
    """


def _is_loopback(host: Any) -> bool:
    if host is None:
        return True
    text = host.decode() if isinstance(host, bytes) else str(host)
    if text.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(text.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail any name lookup or connection that would leave the machine.

    fabric-cicd and azure-identity default to Microsoft's public hosts; a missed override
    must fail here, loudly, rather than reach the internet. Proxy variables are cleared
    so loopback traffic goes straight to the emulator.
    """
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    refused: list[str] = []

    def refuse(what: str) -> OffLoopbackError:
        refused.append(what)
        return OffLoopbackError(f"e2e tests stay on loopback; refused {what}")

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_loopback(host):
            raise refuse(f"to resolve {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    def check(address: Any) -> None:
        if isinstance(address, tuple) and not _is_loopback(address[0]):
            raise refuse(f"to connect to {address!r}")

    def connect(self: socket.socket, address: Any) -> None:
        check(address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(address)
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    yield
    # Fail even when a library swallowed the error.
    assert refused == [], f"attempts to leave loopback: {refused}"


@pytest.fixture(scope="session")
def fabric_cicd() -> Iterator[ModuleType]:
    """Import Microsoft's fabric-cicd, undoing what its import does to the whole process.

    Importing it sets the root logger to ERROR (which would hide other tests' log
    records from caplog) and replaces ``sys.excepthook``; both are put back. Its own
    ``fabric_cicd`` logger keeps its INFO console handler, so a failing test shows
    fabric-cicd's account of the deployment.
    """
    root = logging.getLogger()
    level, handlers, hook = root.level, list(root.handlers), sys.excepthook
    try:
        import fabric_cicd  # noqa: PLC0415 - the import itself is what is contained here
    finally:
        root.setLevel(level)
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
        sys.excepthook = hook
    yield fabric_cicd
