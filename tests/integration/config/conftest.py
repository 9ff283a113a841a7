"""Fixtures for running ``fabric-action validate`` on the config corpus."""

from __future__ import annotations

import os

import pytest
from config_cli_support import clean_environ


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run without CI, input, flag and config variables in the process environment."""
    for name in set(os.environ) - set(clean_environ()):
        monkeypatch.delenv(name)
