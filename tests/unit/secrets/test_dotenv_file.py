"""DotenvFile: python-dotenv into memory only, refused when git tracks the file."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from fabric_action.errors import DotenvRefusedError
from fabric_action.secrets import DotenvFile, check_not_tracked
from fabric_action.secrets import _dotenv as dotenv_module

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        env={**os.environ, **GIT_ENV},
        timeout=30,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A fresh git repository with one commit."""
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q")
    (root / "README.md").write_text("x\n", encoding="utf-8")
    _git(root, "add", "README.md")
    _git(root, "commit", "-q", "-m", "init")
    return root


def test_values_are_read_into_memory_not_the_environment(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text(
        "FABRIC_CLIENT_SECRET=from-file-1\nQUOTED='a b'\nREF=${HOME}\nBARE\n", encoding="utf-8"
    )

    values = DotenvFile(path).values()

    assert values == {"FABRIC_CLIENT_SECRET": "from-file-1", "QUOTED": "a b", "REF": "${HOME}"}
    assert "FABRIC_CLIENT_SECRET" not in os.environ


def test_file_is_read_once(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("A=1\n", encoding="utf-8")
    dotenv = DotenvFile(path)
    first = dotenv.values()
    path.write_text("A=2\n", encoding="utf-8")

    assert dotenv.values() is first


def test_missing_file_is_empty(tmp_path: Path) -> None:
    assert DotenvFile(tmp_path / ".env").values() == {}


def test_tracked_file_is_refused_with_what_to_do(repo: Path) -> None:
    path = repo / ".env"
    path.write_text("A=committed\n", encoding="utf-8")
    _git(repo, "add", ".env")

    with pytest.raises(DotenvRefusedError) as caught:
        DotenvFile(path).values()

    message = str(caught.value)
    assert "tracked by git" in message
    assert "git rm --cached .env" in message
    assert "committed" not in message


def test_untracked_file_in_a_repository_is_accepted(repo: Path) -> None:
    (repo / ".gitignore").write_text(".env\n", encoding="utf-8")
    path = repo / ".env"
    path.write_text("A=local\n", encoding="utf-8")

    assert DotenvFile(path).values() == {"A": "local"}


def test_file_in_a_subfolder_of_a_repository_is_checked(repo: Path) -> None:
    folder = repo / "config"
    folder.mkdir()
    path = folder / ".env"
    path.write_text("A=1\n", encoding="utf-8")
    _git(repo, "add", "config/.env")

    with pytest.raises(DotenvRefusedError, match="tracked by git"):
        check_not_tracked(path)


def test_outside_a_repository_git_is_not_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / ".env"
    path.write_text("A=1\n", encoding="utf-8")
    monkeypatch.setattr(dotenv_module, "enclosing_repository", lambda _: None)
    monkeypatch.setattr(shutil, "which", _fail)

    assert DotenvFile(path).values() == {"A": "1"}


def _fail(*_: Any, **__: Any) -> Any:
    raise AssertionError("git must not be looked up outside a repository")


def test_missing_git_inside_a_repository_refuses(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = repo / ".env"
    path.write_text("A=1\n", encoding="utf-8")
    monkeypatch.setattr(shutil, "which", lambda _: None)

    with pytest.raises(DotenvRefusedError, match="git is not installed"):
        check_not_tracked(path)


def test_git_timeout_refuses(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = repo / ".env"
    path.write_text("A=1\n", encoding="utf-8")

    def slow(command: list[str], **kwargs: Any) -> Any:
        raise subprocess.TimeoutExpired(command, kwargs["timeout"])

    monkeypatch.setattr(subprocess, "run", slow)

    with pytest.raises(DotenvRefusedError, match=r"within 0\.5 s"):
        check_not_tracked(path, timeout_s=0.5)


def test_git_failure_refuses_with_its_message(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / ".git").write_text("gitdir: /nonexistent/place\n", encoding="utf-8")
    path = broken / ".env"
    path.write_text("A=1\n", encoding="utf-8")

    with pytest.raises(DotenvRefusedError, match=r"could not tell .* \(exit 128"):
        check_not_tracked(path)


def test_environment_pointing_git_elsewhere_is_ignored(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    _git(other, "init", "-q")
    path = repo / ".env"
    path.write_text("A=1\n", encoding="utf-8")
    _git(repo, "add", ".env")
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))

    with pytest.raises(DotenvRefusedError, match="tracked by git"):
        check_not_tracked(path)
