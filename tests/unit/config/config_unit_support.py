"""Helpers for the config unit tests: write a small repository with a config in it."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fabric_action.config import EffectiveConfig, SecretProvider, load_config
from fabric_action.errors import ConfigFileError, ConfigProblem

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT = "0ec5ae2c-1c7a-4b0a-8b5e-000000000001"
AUTH = f"auth: {{tenant_id: {TENANT}, client_id: {CLIENT}}}\n"


def config_text(environments: str, *, top: str = "", auth: str = AUTH) -> str:
    """Return a config with *top*-level lines and an indented *environments* block."""
    return (
        "version: 1\nproject: unit\n"
        + auth
        + textwrap.dedent(top)
        + "environments:\n"
        + textwrap.indent(textwrap.dedent(environments), "  ")
    )


def workspace(name: str = "unit-ws", *, extra: str = "", source: str = "items") -> str:
    """Return one workspace block (key ``engineering``) for an environment."""
    return (
        "workspaces:\n  engineering:\n"
        f"    name: {name}\n    items: {{source: {source}}}\n"
        + textwrap.indent(textwrap.dedent(extra), "    ")
    )


class Repository:
    """A temporary repository (with ``.git``) holding ``items/`` and a config file."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / ".git").mkdir(exist_ok=True)
        (root / "items").mkdir(exist_ok=True)
        (root / "items" / "parameter.yml").write_text("# parameters\n")

    def write(self, text: str, name: str = "fabric-action.yml") -> Path:
        """Write the config file and return its path."""
        path = self.root / name
        path.write_text(text, encoding="utf-8")
        return path

    def load(
        self,
        text: str,
        environment: str | None = "dev",
        *,
        environ: Mapping[str, str] | None = None,
        secrets: SecretProvider | None = None,
        name: str = "fabric-action.yml",
    ) -> EffectiveConfig:
        """Write *text* and load *environment* from it."""
        return load_config(
            self.write(text, name), environment, environ=environ or {}, secrets=secrets
        )

    def problems(
        self, text: str, environment: str | None = "dev", **kwargs: Any
    ) -> list[ConfigProblem]:
        """Write *text*, load it, and return the problems it must raise."""
        try:
            self.load(text, environment, **kwargs)
        except ConfigFileError as exc:
            return list(exc.problems)
        raise AssertionError("the config loaded without problems")


def place_of(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """Return the 1-based line and column where *needle* starts (its nth occurrence)."""
    index = -1
    for _ in range(occurrence):
        index = text.index(needle, index + 1)
    return text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)


def indent(text: str) -> str:
    """Indent every non-empty line by two spaces (one level under an environment)."""
    return "".join("  " + line if line.strip() else line for line in text.splitlines(True))


def codes(problems: list[ConfigProblem]) -> list[str]:
    """Return the problem codes, in order."""
    return [problem.code for problem in problems]


class FakeSecret:
    """A resolved secret: prints as ``***``."""

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """Return the plaintext."""
        return self._value

    def __repr__(self) -> str:
        return "***"


class FakeSecrets:
    """A secret provider with fixed secrets that records what it was asked for."""

    def __init__(
        self, secrets: Mapping[str, str], failures: Mapping[str, Exception] | None = None
    ) -> None:
        self._secrets = dict(secrets)
        self._failures = dict(failures or {})
        self.asked: list[str] = []

    def get(self, name: str) -> FakeSecret:
        """Return the secret, or raise like the SecretManager."""
        self.asked.append(name)
        if name in self._failures:
            raise self._failures[name]
        if name not in self._secrets:
            raise KeyError(name)
        return FakeSecret(self._secrets[name])
