"""Run every emulator contract test under both profiles of the emulator."""

from __future__ import annotations

import pytest

from fabric_emulator import EmulatorConfig, Profile


@pytest.fixture(params=list(Profile), ids=str)
def emulator_config(request: pytest.FixtureRequest) -> EmulatorConfig:
    """Settings of the ``emulator`` fixture: the ``default`` and the ``realism`` profile.

    Realism omits optional fields, sends ``null`` 202 bodies and timestamps without ``Z``,
    so a response that conforms in one profile may not in the other.
    """
    return EmulatorConfig(profile=request.param)
