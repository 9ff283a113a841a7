"""Fixtures for emulator integration tests: a CA-pinned session and an in-process caller.

``emulator`` (HTTPS, frozen clock) and ``emulator_state_dir`` come from tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

from fabric_emulator import Emulator, EmulatorClock
from fabric_emulator._http import Headers, Request, Response
from fabric_emulator.testing import RunningEmulator

LOCAL_HOST = "127.0.0.1:8443"
"""The host an in-process request pretends to come to (``https://127.0.0.1:8443``)."""


@pytest.fixture
def ca_session(emulator: RunningEmulator) -> Iterator[requests.Session]:
    """A session that trusts only the emulator CA and ignores REQUESTS_CA_BUNDLE & co."""
    session = requests.Session()
    session.trust_env = False
    session.verify = str(emulator.ca_path)
    yield session
    session.close()


@pytest.fixture
def local_emulator(emulator_state_dir: Path) -> Emulator:
    """An emulator without sockets, frozen clock, sharing the run's signing key."""
    return Emulator(clock=EmulatorClock(scale=0.0), state_dir=emulator_state_dir)


@pytest.fixture
def call(local_emulator: Emulator) -> Callable[..., Response]:
    """Return a function that runs a request through ``local_emulator.handle``."""

    def send(
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        query: str = "",
    ) -> Response:
        all_headers = dict(headers or {})
        body = b""
        if form is not None:
            body = urlencode(form).encode("ascii")
            all_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        return local_emulator.handle(
            Request(
                method=method,
                path=path,
                query_string=query,
                headers=Headers(all_headers),
                body=body,
                host=LOCAL_HOST,
                scheme="https",
            )
        )

    return send
