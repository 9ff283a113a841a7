"""Fixtures shared by every test layer: an in-process emulator and clients for it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from fabric_emulator import EmulatorConfig
from fabric_emulator.testing import RunningEmulator, running_emulator

TIMEOUT_S = (5.0, 30.0)


@pytest.fixture(scope="session")
def emulator_state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the emulator CA and signing key, shared by the whole run."""
    return tmp_path_factory.mktemp("emulator-state")


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    """Settings of the ``emulator`` fixture; override this fixture to change them."""
    return EmulatorConfig()


@pytest.fixture
def emulator(
    emulator_state_dir: Path, emulator_config: EmulatorConfig
) -> Iterator[RunningEmulator]:
    """A fresh HTTPS emulator on free loopback ports, frozen clock (tests advance it)."""
    with running_emulator(
        config=emulator_config, state_dir=emulator_state_dir, clock_scale=0.0
    ) as running:
        yield running


class FabricApi:
    """A thin test client: a session that trusts only the emulator CA, with a token."""

    def __init__(self, emulator: RunningEmulator) -> None:
        self.emulator = emulator
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.verify = emulator.verify
        self.session.headers["Authorization"] = f"Bearer {emulator.fabric_token()}"

    def url(self, path: str) -> str:
        """Return an absolute URL for ``/v1/...`` or a full URL as given."""
        return path if path.startswith("http") else f"{self.emulator.base_url}{path}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send a request with the test timeout."""
        return self.session.request(method, self.url(path), timeout=TIMEOUT_S, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        """GET."""
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        """POST."""
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        """PATCH."""
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        """DELETE."""
        return self.request("DELETE", path, **kwargs)


@pytest.fixture
def fabric(emulator: RunningEmulator) -> Iterator[FabricApi]:
    """A Fabric REST client for the default app (needs the Entra token route)."""
    api = FabricApi(emulator)
    yield api
    api.session.close()
