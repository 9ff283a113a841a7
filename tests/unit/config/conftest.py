"""Fixtures for the config unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from config_unit_support import Repository


@pytest.fixture
def repo(tmp_path: Path) -> Repository:
    """A temporary repository with an ``items`` folder, for writing configs into."""
    return Repository(tmp_path)
