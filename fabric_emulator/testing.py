"""Run the emulator in-process for tests, with a small control client."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from fabric_emulator._app import Emulator
from fabric_emulator._clock import EmulatorClock
from fabric_emulator._config import EmulatorConfig
from fabric_emulator._directory import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from fabric_emulator._server import EmulatorServer

_TIMEOUT_S = (5.0, 30.0)


@dataclass(kw_only=True)
class RunningEmulator:
    """A started emulator: its URLs, CA, the application object and a control client."""

    server: EmulatorServer
    session: requests.Session

    @property
    def emulator(self) -> Emulator:
        """The in-process application (state, clock, faults, log)."""
        return self.server.emulator

    @property
    def base_url(self) -> str:
        """``https://127.0.0.1:PORT``."""
        return self.server.base_url

    @property
    def redirect_base_url(self) -> str:
        """``https://localhost:PORT2``, the LRO redirect host."""
        return self.server.redirect_base_url

    @property
    def ca_path(self) -> Path | None:
        """The CA bundle to trust (None over HTTP)."""
        return self.server.ca_path

    @property
    def verify(self) -> str | bool:
        """What to pass as ``verify=`` to requests."""
        return str(self.ca_path) if self.ca_path else True

    @property
    def tenant(self) -> str:
        """The tenant segment of Entra URLs."""
        return self.emulator.config.tenant

    @property
    def authority(self) -> str:
        """The MSAL authority URL."""
        return f"{self.base_url}/{self.tenant}"

    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET

    def control(self, method: str, path: str, body: Any = None) -> Any:
        """Call the control API and return its JSON, raising on an error status."""
        response = self.session.request(
            method, f"{self.base_url}/_emulator/{path}", json=body, timeout=_TIMEOUT_S
        )
        response.raise_for_status()
        return response.json()

    def advance(self, seconds: float) -> None:
        """Move emulator time forward."""
        self.control("POST", "clock", {"advance_s": seconds})

    def set_faults(self, rules: list[dict[str, Any]], **plan: Any) -> None:
        """Replace the fault plan."""
        self.control("PUT", "faults", {"rules": rules, **plan})

    def requests_log(self, since: int = 0) -> list[dict[str, Any]]:
        """Return the request log."""
        return list(self.control("GET", f"requests?since={since}")["value"])

    def state(self) -> dict[str, Any]:
        """Return the state snapshot."""
        return dict(self.control("GET", "state"))

    def fabric_token(self) -> str:
        """Get an app-only Fabric token for the default app over the real token endpoint."""
        response = self.session.post(
            f"{self.authority}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "scope": "https://api.fabric.microsoft.com/.default",
            },
            timeout=_TIMEOUT_S,
        )
        response.raise_for_status()
        return str(response.json()["access_token"])


@contextlib.contextmanager
def running_emulator(
    *,
    config: EmulatorConfig | None = None,
    tls: bool = True,
    clock_scale: float = 1.0,
    state_dir: Path | None = None,
    state_file: Path | None = None,
) -> Iterator[RunningEmulator]:
    """Start an emulator on free loopback ports; stop it on exit.

    The control session trusts only the emulator's CA and ignores proxy and CA variables
    from the environment (this machine sets REQUESTS_CA_BUNDLE).
    """
    with contextlib.ExitStack() as stack:
        directory = state_dir or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        emulator = Emulator(
            config=config or EmulatorConfig(),
            clock=EmulatorClock(scale=clock_scale),
            state_dir=directory,
            state_file=state_file,
        )
        server = EmulatorServer(emulator=emulator, tls=tls, state_dir=directory)
        stack.enter_context(server)
        session = requests.Session()
        session.trust_env = False
        if server.ca_path:
            session.verify = str(server.ca_path)
        stack.callback(session.close)
        yield RunningEmulator(server=server, session=session)
