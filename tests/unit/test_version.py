import tomllib
from importlib import metadata
from pathlib import Path

import pytest

import fabric_action
from fabric_action import _version

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_version_is_the_installed_metadata_version_from_pyproject() -> None:
    with (REPO_ROOT / "pyproject.toml").open("rb") as pyproject:
        declared = tomllib.load(pyproject)["project"]["version"]

    assert fabric_action.__version__ == declared


def test_missing_distribution_falls_back_to_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_installed(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", not_installed)

    assert _version.read_version() == "0.0.0+unknown"


def test_version_is_read_for_the_fabric_action_distribution(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[str] = []

    def fake_version(name: str) -> str:
        asked.append(name)
        return "9.9.9"

    monkeypatch.setattr(metadata, "version", fake_version)

    assert _version.read_version() == "9.9.9"
    assert asked == ["fabric-action"]
