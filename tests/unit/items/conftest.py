"""Fixtures of the items unit tests: write small repositories under tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from items_tree import Tree, write_tree


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[[Tree], Path]:
    """Return a function writing a repository under tmp_path/repo."""

    def make(tree: Tree) -> Path:
        return write_tree(tmp_path / "repo", tree)

    return make
