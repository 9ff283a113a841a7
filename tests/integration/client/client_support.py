"""Test doubles for the client stack against the emulator: one clock, real tokens."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from collections.abc import Callable
from urllib.parse import urlsplit

from fabric_action.fabric import Pipeline
from fabric_action.reliability import FakeClock
from fabric_emulator import EmulatorClock
from fabric_emulator.testing import RunningEmulator

FABRIC_SCOPE = "https://api.fabric.microsoft.com/.default"


class EmulatorSyncedClock(FakeClock):
    """A FakeClock whose every sleep and advance also moves the emulator's clock.

    The client waits on fake time and the emulator counts quotas and token lifetimes on
    its own (frozen) clock; moving both together keeps them in agreement, so "slept
    Retry-After" means the same thing on both sides.
    """

    def __init__(self, emulator_clock: EmulatorClock) -> None:
        super().__init__(start_s=emulator_clock.now())
        self._emulator_clock = emulator_clock

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        if seconds > 0:
            self._emulator_clock.advance(seconds)

    def advance(self, seconds: float) -> None:
        super().advance(seconds)
        self._emulator_clock.advance(seconds)


class EmulatorTokens:
    """A tiny token provider over the emulator's real token endpoint, with a cache."""

    def __init__(self, emulator: RunningEmulator) -> None:
        self._emulator = emulator
        self._token: str | None = None
        self.fetched = 0
        self.invalidated = 0

    def token(self, scope: str) -> str:
        assert scope == FABRIC_SCOPE
        if self._token is None:
            self._token = self._emulator.fabric_token()
            self.fetched += 1
        return self._token

    def invalidate(self, scope: str, *, rejected_token: str | None = None) -> None:
        self._token = None
        self.invalidated += 1


class AllowList:
    """The cloud profile's allow-list, reduced to what the auth policy asks."""

    def __init__(self, *base_urls: str) -> None:
        self.hosts = {urlsplit(url).netloc.lower() for url in base_urls}

    def is_allowed_host(self, url: str) -> bool:
        return urlsplit(url).netloc.lower() in self.hosts


PipelineFactory = Callable[..., Pipeline]


class ConnectProxy:
    """A minimal HTTP CONNECT proxy on loopback that records the tunnels it opens."""

    def __init__(self) -> None:
        self.tunnels: list[str] = []
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = self.request.recv(4096)
                    if not chunk:
                        return
                    head += chunk
                method, target = head.split(b" ")[:2]
                if method != b"CONNECT":
                    self.request.sendall(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")
                    return
                host, port = target.decode().rsplit(":", 1)
                proxy.tunnels.append(target.decode())
                with socket.create_connection((host, int(port)), timeout=10) as upstream:
                    self.request.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                    forward = threading.Thread(
                        target=_pipe, args=(self.request, upstream), daemon=True
                    )
                    forward.start()
                    _pipe(upstream, self.request)
                    forward.join(10)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()


def _pipe(source: socket.socket, target: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            target.sendall(chunk)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)
