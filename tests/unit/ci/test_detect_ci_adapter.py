from pathlib import Path

import pytest

from fabric_action.ci import GitHubAdapter, LocalAdapter, detect_ci_adapter


def test_github_actions_true_selects_github() -> None:
    assert isinstance(detect_ci_adapter({"GITHUB_ACTIONS": "true"}), GitHubAdapter)


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"GITHUB_ACTIONS": "false"},
        {"GITHUB_ACTIONS": "True"},
        {"CI": "true"},
        {"TF_BUILD": "True"},
    ],
)
def test_anything_else_selects_local(environ: dict[str, str]) -> None:
    assert isinstance(detect_ci_adapter(environ), LocalAdapter)


def test_github_adapter_uses_the_given_environment(tmp_path: Path) -> None:
    output = tmp_path / "set_output"
    adapter = detect_ci_adapter({"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(output)})

    adapter.set_output("answer", "42")

    assert output.read_text(encoding="utf-8").startswith("answer<<ghadelimiter_")
