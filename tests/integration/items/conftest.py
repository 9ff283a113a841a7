"""Fixtures of the items integration tests: a contained fabric-cicd, the oracle repository."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from oracle_repository import write_repository


@pytest.fixture(scope="session")
def fabric_cicd() -> Iterator[ModuleType]:
    """Import Microsoft's fabric-cicd, undoing what its import does to the whole process.

    Importing it sets the root logger to ERROR and replaces ``sys.excepthook``; both are
    put back (the same containment as tests/e2e/conftest.py).
    """
    root = logging.getLogger()
    level, handlers, hook = root.level, list(root.handlers), sys.excepthook
    try:
        import fabric_cicd  # noqa: PLC0415 - the import itself is what is contained here
    finally:
        root.setLevel(level)
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
        sys.excepthook = hook
    logging.getLogger("fabric_cicd").setLevel(logging.ERROR)
    yield fabric_cicd


@pytest.fixture
def oracle_repository(tmp_path: Path) -> Path:
    """The scenario repository of oracle_repository.py, written under tmp_path."""
    return write_repository(tmp_path / "workspace")
