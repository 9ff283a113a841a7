"""HTTP(S) listeners in front of an :class:`Emulator`: a main host and a redirect host."""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from fabric_emulator._app import Emulator
from fabric_emulator._http import Headers, Request
from fabric_emulator._tls import TlsMaterial, ensure_tls_material

_MAX_BODY_BYTES = 256 * 1024 * 1024


class _Listener(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(
        self,
        address: tuple[str, int],
        emulator: Emulator,
        *,
        name: str,
        scheme: str,
        tls: TlsMaterial | None,
    ) -> None:
        super().__init__(address, _Handler)
        self.emulator = emulator
        self.listener_name = name
        self.scheme = scheme
        self._tls_context = tls.server_context() if tls else None

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        if self._tls_context is not None:
            # The handshake runs lazily in the handler thread, so a slow client never
            # blocks the accept loop.
            connection = self._tls_context.wrap_socket(
                connection, server_side=True, do_handshake_on_connect=False
            )
        return connection, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that hang up (tests drop connections on purpose)."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Buffer the response so headers and body leave in one segment: written apart, they
    # meet Nagle's algorithm and delayed ACKs, which cost 40 ms per keep-alive request.
    wbufsize = 256 * 1024
    server: _Listener

    def setup(self) -> None:
        """Disable Nagle's algorithm on the connection."""
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def version_string(self) -> str:
        """Name the server the way the Server header shows it."""
        return "fabric-emulator"

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log; the request log keeps everything."""

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY_BYTES:
            raise ValueError("request body too large")
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        body = self._read_body()
        path, _, query = self.path.partition("?")
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        request = Request(
            method=self.command,
            path=path,
            query_string=query,
            headers=Headers(dict(self.headers.items())),
            body=body,
            host=host,
            scheme=self.server.scheme,
            listener=self.server.listener_name,
        )
        response = self.server.emulator.handle(request)
        if response.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
        self.wfile.flush()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve  # noqa: N815


@dataclass(kw_only=True)
class EmulatorServer:
    """Run an emulator on a main listener and a redirect listener (both loopback).

    Attributes:
        emulator: The application to serve.
        host: Interface to bind (default 127.0.0.1; the emulator never listens elsewhere
            unless told).
        port: Main port (0 picks a free one).
        redirect_port: Port of the second "redirect" host (0 picks a free one).
        tls: Serve HTTPS with the emulator's own CA (default True).
        state_dir: Where the CA and keys are kept (default ``.emulator`` in the cwd).
    """

    emulator: Emulator
    host: str = "127.0.0.1"
    port: int = 0
    redirect_port: int = 0
    tls: bool = True
    state_dir: Path = field(default_factory=lambda: Path(".emulator"))
    _listeners: list[_Listener] = field(default_factory=list, init=False)
    _threads: list[threading.Thread] = field(default_factory=list, init=False)
    tls_material: TlsMaterial | None = field(default=None, init=False)

    @property
    def scheme(self) -> str:
        """``https`` or ``http``."""
        return "https" if self.tls else "http"

    @property
    def base_url(self) -> str:
        """Base URL of the main listener."""
        return self.emulator.main_base_url

    @property
    def redirect_base_url(self) -> str:
        """Base URL of the redirect listener (a different host name, ``localhost``)."""
        return self.emulator.redirect_base_url

    @property
    def ca_path(self) -> Path | None:
        """The CA bundle clients must trust (None over plain HTTP)."""
        return self.tls_material.ca_path if self.tls_material else None

    def start(self) -> EmulatorServer:
        """Bind both listeners and serve in background threads."""
        self.tls_material = ensure_tls_material(self.state_dir) if self.tls else None
        main = _Listener(
            (self.host, self.port),
            self.emulator,
            name="main",
            scheme=self.scheme,
            tls=self.tls_material,
        )
        redirect = _Listener(
            (self.host, self.redirect_port),
            self.emulator,
            name="redirect",
            scheme=self.scheme,
            tls=self.tls_material,
        )
        self._listeners = [main, redirect]
        main_port = main.server_address[1]
        redirect_port = redirect.server_address[1]
        self.emulator.main_base_url = f"{self.scheme}://{self.host}:{main_port}"
        self.emulator.redirect_base_url = f"{self.scheme}://localhost:{redirect_port}"
        for listener in self._listeners:
            thread = threading.Thread(
                target=listener.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"emulator-{listener.listener_name}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop serving and close the sockets."""
        # shutdown() waits for the serve loop's next poll: stop both loops at once.
        stoppers = [
            threading.Thread(target=listener.shutdown, daemon=True) for listener in self._listeners
        ]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join(timeout=5)
        for listener in self._listeners:
            listener.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._listeners.clear()
        self._threads.clear()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
