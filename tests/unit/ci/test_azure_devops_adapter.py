import io
from pathlib import Path

import pytest

from fabric_action.ci import AzureDevOpsAdapter
from fabric_action.ci._azure_devops import escape_data, escape_property, format_command


def lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().out.splitlines()


def test_name_is_azure_devops() -> None:
    assert AzureDevOpsAdapter({}).name == "azure-devops"


def test_escaping_follows_task_lib() -> None:
    assert escape_data("100%\r\nx;y]z") == "100%AZP25%0D%0Ax;y]z"
    assert escape_property("100%\r\nx;y]z") == "100%AZP25%0D%0Ax%3By%5Dz"
    # '%' first: a literal escape sequence in the value is not decoded by the agent.
    assert escape_data("%0A") == "%AZP250A"


def test_format_command_leaves_out_missing_properties() -> None:
    assert format_command("task.setsecret", {}, "v") == "##vso[task.setsecret]v"
    assert format_command("a.b", {"x": "1", "y": None}, "") == "##vso[a.b x=1]"


def test_set_output_writes_exact_bytes(capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    AzureDevOpsAdapter({}).set_output("summary", "caf\u00e9: 2 changes; 100%\nnext]")

    assert capfdbinary.readouterr().out == (
        b"##vso[task.setvariable variable=summary;isOutput=true]"
        b"caf\xc3\xa9: 2 changes; 100%AZP25%0Anext]\n"
    )


@pytest.mark.parametrize("name", ["", "a;b", "a]b", "two\nlines", "1x"])
def test_invalid_output_name_is_refused_and_nothing_printed(
    capsys: pytest.CaptureFixture[str], name: str
) -> None:
    with pytest.raises(ValueError, match="invalid step output name"):
        AzureDevOpsAdapter({}).set_output(name, "v")

    assert capsys.readouterr().out == ""


def test_mask_registers_each_non_blank_line(capsys: pytest.CaptureFixture[str]) -> None:
    AzureDevOpsAdapter({}).mask("first;line]\n\n  \n100%\r\nlast")

    assert lines(capsys) == [
        "##vso[task.setsecret]first;line]",
        "##vso[task.setsecret]100%AZP25",
        "##vso[task.setsecret]last",
    ]


@pytest.mark.parametrize("kind", ["error", "warning"])
def test_issue_with_a_place(capsys: pytest.CaptureFixture[str], kind: str) -> None:
    adapter = AzureDevOpsAdapter({})

    getattr(adapter, kind)("bad: 50%\nsee docs", file="cfg;x]/a.yml", line=12)
    getattr(adapter, kind)("no place")
    getattr(adapter, kind)("a line needs a file", line=3)

    assert lines(capsys) == [
        f"##vso[task.logissue type={kind};sourcepath=cfg%3Bx%5D/a.yml;linenumber=12]"
        "bad: 50%AZP25%0Asee docs",
        f"##vso[task.logissue type={kind}]no place",
        f"##vso[task.logissue type={kind}]a line needs a file",
    ]


def test_summary_is_a_new_file_under_the_agent_temp_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    adapter = AzureDevOpsAdapter({"AGENT_TEMPDIRECTORY": str(tmp_path)})

    adapter.append_summary("### caf\u00e9\r\n| a |")
    adapter.append_summary("second\n")

    commands = lines(capsys)
    paths = [Path(c.removeprefix("##vso[task.uploadsummary]")) for c in commands]
    assert all(c.startswith("##vso[task.uploadsummary]/") for c in commands)
    assert [p.parent for p in paths] == [tmp_path, tmp_path]
    assert [p.read_bytes() for p in paths] == [b"### caf\xc3\xa9\n| a |\n", b"second\n"]
    assert all(p.name.startswith("fabric-action-summary-") and p.suffix == ".md" for p in paths)


def test_summary_outside_an_agent_goes_to_the_temp_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))

    AzureDevOpsAdapter({"AGENT_TEMPDIRECTORY": ""}).append_summary("x")

    [written] = tmp_path.iterdir()
    assert lines(capsys) == [f"##vso[task.uploadsummary]{written}"]


def test_masked_values_never_reach_outputs_summary_or_issues(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "s3c;ret]%\nline-two"
    adapter = AzureDevOpsAdapter({"AGENT_TEMPDIRECTORY": str(tmp_path)})
    adapter.mask(secret)
    capsys.readouterr()

    adapter.set_output("value", f"<{secret}>")
    adapter.error(f"failed: {secret}", file="a.yml", line=1)
    adapter.warning("line-two seen")
    adapter.append_summary(f"| {secret} |")

    out = capsys.readouterr().out
    assert "s3c" not in out and "line-two" not in out
    assert out.splitlines()[:3] == [
        "##vso[task.setvariable variable=value;isOutput=true]<***>",
        "##vso[task.logissue type=error;sourcepath=a.yml;linenumber=1]failed: ***",
        "##vso[task.logissue type=warning]*** seen",
    ]
    [summary] = tmp_path.iterdir()
    assert summary.read_text(encoding="utf-8") == "| *** |\n"


def test_stdout_without_a_buffer_is_written_as_text(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text_only = io.StringIO()
    monkeypatch.setattr("sys.stdout", text_only)

    AzureDevOpsAdapter({}).set_output("a", "b")

    assert text_only.getvalue() == "##vso[task.setvariable variable=a;isOutput=true]b\n"
