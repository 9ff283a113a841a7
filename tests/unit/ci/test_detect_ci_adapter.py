from pathlib import Path

import pytest

from fabric_action.ci import AzureDevOpsAdapter, GitHubAdapter, LocalAdapter, detect_ci_adapter


def test_github_actions_true_selects_github() -> None:
    assert isinstance(detect_ci_adapter({"GITHUB_ACTIONS": "true"}), GitHubAdapter)


@pytest.mark.parametrize("value", ["True", "true", "TRUE"])
def test_tf_build_true_selects_azure_devops(value: str) -> None:
    assert isinstance(detect_ci_adapter({"TF_BUILD": value}), AzureDevOpsAdapter)


def test_github_wins_when_both_are_set() -> None:
    environ = {"GITHUB_ACTIONS": "true", "TF_BUILD": "True"}

    assert isinstance(detect_ci_adapter(environ), GitHubAdapter)


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"GITHUB_ACTIONS": "false"},
        {"GITHUB_ACTIONS": "True"},
        {"CI": "true"},
        {"TF_BUILD": "False"},
        {"TF_BUILD": ""},
        {"TF_BUILD": "1"},
    ],
)
def test_anything_else_selects_local(environ: dict[str, str]) -> None:
    assert isinstance(detect_ci_adapter(environ), LocalAdapter)


def test_github_adapter_uses_the_given_environment(tmp_path: Path) -> None:
    output = tmp_path / "set_output"
    adapter = detect_ci_adapter({"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(output)})

    adapter.set_output("answer", "42")

    assert output.read_text(encoding="utf-8").startswith("answer<<ghadelimiter_")


def test_azure_devops_adapter_uses_the_given_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    adapter = detect_ci_adapter({"TF_BUILD": "True", "AGENT_TEMPDIRECTORY": str(tmp_path)})

    adapter.append_summary("# hello")

    [summary] = tmp_path.iterdir()
    assert capsys.readouterr().out == f"##vso[task.uploadsummary]{summary}\n"
