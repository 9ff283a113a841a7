"""Fixtures of the deploy tests: the emulator answers LRO polls without a wait."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from fabric_emulator import EmulatorConfig, Profile

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(params=["default", "realism"])
def emulator_config(request: pytest.FixtureRequest) -> EmulatorConfig:
    """Both profiles; ``Retry-After: 0`` so the real clock of the CLI never waits."""
    profile = Profile.REALISM if request.param == "realism" else Profile.DEFAULT
    return EmulatorConfig(profile=profile, lro_retry_after_s=0)
