"""A local Microsoft cloud for fabric-action: Entra, Fabric REST, Graph, Key Vault and more.

Start it with ``python -m fabric_emulator`` or, in tests, :func:`fabric_emulator.testing.
running_emulator`. It imports nothing from ``fabric_action``.
"""

from importlib import metadata

try:
    __version__ = metadata.version("fabric-action")
except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0.0.0+unknown"

from fabric_emulator._app import Context, Emulator
from fabric_emulator._clock import EmulatorClock
from fabric_emulator._config import EmulatorConfig, Profile
from fabric_emulator._faults import FaultRule, LroOutcome
from fabric_emulator._server import EmulatorServer

__all__ = [
    "Context",
    "Emulator",
    "EmulatorClock",
    "EmulatorConfig",
    "EmulatorServer",
    "FaultRule",
    "LroOutcome",
    "Profile",
    "__version__",
]
