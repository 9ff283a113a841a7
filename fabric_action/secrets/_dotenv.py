"""The local ``.env`` secrets file: read with python-dotenv, refused when git tracks it."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path

from dotenv import dotenv_values

from ..errors import DotenvRefusedError

DEFAULT_GIT_TIMEOUT_S = 5.0
"""How long ``git ls-files`` may take before the file is refused, in seconds."""
_GIT_ENVIRONMENT = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_CEILING_DIRECTORIES")
"""Variables that would point git somewhere else than the folder holding the file."""


def enclosing_repository(directory: Path) -> Path | None:
    """Return the nearest folder at or above ``directory`` that has a ``.git`` entry."""
    for candidate in (directory, *directory.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def check_not_tracked(path: Path, *, timeout_s: float = DEFAULT_GIT_TIMEOUT_S) -> None:
    """Refuse ``path`` when git tracks it (a committed secrets file is a leaked one).

    Outside any repository the file is accepted without running git. Inside one, git
    must answer: when it is missing, times out or fails, the file is refused, because a
    check that cannot run must not pass.

    Raises:
        DotenvRefusedError: git tracks the file, or whether it does cannot be checked.
    """
    resolved = path.resolve()
    directory = resolved.parent
    if enclosing_repository(directory) is None:
        return
    git = shutil.which("git")
    if git is None:
        raise DotenvRefusedError(
            f"{path} is inside a git repository but git is not installed, so whether the file "
            "is tracked cannot be checked; install git or move the file out of the repository"
        )
    environment = {k: v for k, v in os.environ.items() if k not in _GIT_ENVIRONMENT}
    command = [git, "-c", "safe.directory=*", "-C", str(directory)]
    command += ["ls-files", "--error-unmatch", "--", resolved.name]
    try:
        # A fixed argument list, no shell: nothing from the file's name is interpreted.
        completed = subprocess.run(  # noqa: S603
            command, capture_output=True, timeout=timeout_s, env=environment, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise DotenvRefusedError(
            f"git did not answer within {timeout_s:g} s whether {path} is tracked; the file is "
            "refused until it can be checked"
        ) from exc
    if completed.returncode == 0:
        raise DotenvRefusedError(
            f"{path} is tracked by git, so its secrets are in the repository history: rotate "
            f"them, run 'git rm --cached {path.name}', add it to .gitignore, and keep secrets "
            "in Key Vault"
        )
    if completed.returncode != 1:
        detail = completed.stderr.decode("utf-8", errors="replace").strip()
        raise DotenvRefusedError(
            f"git could not tell whether {path} is tracked (exit {completed.returncode}: "
            f"{detail}); the file is refused until it can be checked"
        )


class DotenvFile:
    """A ``.env`` file of secrets, read once with python-dotenv into memory only.

    Values never reach ``os.environ`` (``dotenv_values``, not ``load_dotenv``), and
    ``${VAR}`` references are kept literally: interpolation would pull unrelated process
    variables into secrets. A missing file is an empty one.

    Args:
        path: The file (typically ``.env`` at the repository root).
        git_timeout_s: Time allowed for the git tracking check, in seconds (default 5).
    """

    def __init__(self, path: Path, *, git_timeout_s: float = DEFAULT_GIT_TIMEOUT_S) -> None:
        self.path = path
        self._git_timeout_s = git_timeout_s
        self._lock = threading.Lock()
        self._values: dict[str, str] | None = None

    def values(self) -> dict[str, str]:
        """Return the file's keys and values (keys without a value are left out).

        Raises:
            DotenvRefusedError: see :func:`check_not_tracked`.
        """
        with self._lock:
            if self._values is None:
                self._values = self._read()
            return self._values

    def _read(self) -> dict[str, str]:
        if not self.path.is_file():
            return {}
        check_not_tracked(self.path, timeout_s=self._git_timeout_s)
        loaded = dotenv_values(self.path, interpolate=False, encoding="utf-8")
        return {key: value for key, value in loaded.items() if value is not None}
