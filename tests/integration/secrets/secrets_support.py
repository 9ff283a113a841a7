"""Helpers for the secrets integration tests (fixtures live in conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fabric_action.secrets import SecretManager
from fabric_emulator.testing import RunningEmulator

ManagerFactory = Callable[..., SecretManager]


class RecordingSink:
    """A CI adapter stand-in that records every value it is asked to mask."""

    def __init__(self) -> None:
        self.masked: list[str] = []

    def mask(self, value: str) -> None:
        self.masked.append(value)


def seed(emulator: RunningEmulator, name: str, value: str, **extra: Any) -> dict[str, Any]:
    """Add a secret version through the control API."""
    return dict(emulator.control("PUT", f"keyvault/secrets/{name}", {"value": value, **extra}))


def vault_requests(emulator: RunningEmulator) -> list[tuple[str, str, int]]:
    """Return (method, path, status) of every Key Vault request so far."""
    return [
        (entry["method"], entry["path"], entry["status"])
        for entry in emulator.requests_log()
        if entry["path"].startswith("/secrets")
    ]
