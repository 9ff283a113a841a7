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
