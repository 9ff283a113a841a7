import pytest

from fabric_action.ci import LocalAdapter


def test_set_output_prints_name_equals_value(capsys: pytest.CaptureFixture[str]) -> None:
    LocalAdapter().set_output("version", "0.1.0")

    assert capsys.readouterr().out == "version=0.1.0\n"


def test_set_output_uses_the_same_name_rule_as_ci(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match="invalid step output name"):
        LocalAdapter().set_output("bad name", "x")

    assert capsys.readouterr().out == ""


def test_mask_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    LocalAdapter().mask("s3cret")

    assert capsys.readouterr() == ("", "")


def test_error_goes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    LocalAdapter().error("config file missing")

    assert capsys.readouterr() == ("", "fabric-action: error: config file missing\n")


def test_name_is_local() -> None:
    assert LocalAdapter().name == "local"


def test_warning_goes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    LocalAdapter().warning("drift: Notebook/nb was changed", file="a.yml", line=3)

    assert capsys.readouterr() == ("", "fabric-action: warning: drift: Notebook/nb was changed\n")


def test_error_with_a_place_prints_the_message_only(capsys: pytest.CaptureFixture[str]) -> None:
    # The message names its place itself (file:line:column); file/line anchor CI annotations.
    LocalAdapter().error("a.yml:3:5: bad", file="a.yml", line=3)

    assert capsys.readouterr() == ("", "fabric-action: error: a.yml:3:5: bad\n")


def test_summary_is_written_nowhere(capsys: pytest.CaptureFixture[str]) -> None:
    LocalAdapter().append_summary("| = | Notebook `nb` | unchanged |\n")

    assert capsys.readouterr() == ("", "")


def test_masked_values_are_redacted_from_outputs_and_messages(
    capsys: pytest.CaptureFixture[str],
) -> None:
    adapter = LocalAdapter()
    adapter.mask("s3cret\nsecond-line")

    adapter.set_output("token", "x s3cret y")
    adapter.error("failed with s3cret")
    adapter.warning("saw second-line")

    assert capsys.readouterr() == (
        "token=x *** y\n",
        "fabric-action: error: failed with ***\nfabric-action: warning: saw ***\n",
    )
