"""Reading the file: size limit, encodings, empty files and the top-level shape."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
import yaml

from fabric_action.config._limits import ParseLimits
from fabric_action.config._reader import read_config_file
from fabric_action.errors import ConfigFileError, ConfigProblem


def problems(path: Path, **limits: int) -> list[ConfigProblem]:
    with pytest.raises(ConfigFileError) as raised:
        read_config_file(path, file=path.name, limits=ParseLimits(**limits))
    return list(raised.value.problems)


def only(path: Path, **limits: int) -> tuple[str, int | None, int | None, str]:
    [problem] = problems(path, **limits)
    return problem.code, problem.line, problem.column, problem.message


def test_reads_yaml_and_json_by_extension(tmp_path: Path) -> None:
    (tmp_path / "c.yml").write_text("a: yes\n")
    (tmp_path / "c.JSON").write_text('{"a": 1e2}')

    yml = read_config_file(tmp_path / "c.yml", file="c.yml", limits=ParseLimits())
    jsn = read_config_file(tmp_path / "c.JSON", file="c.JSON", limits=ParseLimits())

    assert (yml.file, yml.data, yml.position(("a",))) == ("c.yml", {"a": "yes"}, (1, 4))
    assert jsn.data == {"a": 100.0}


def test_size_limit_is_checked_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "c.yml"
    path.write_text("a: [" + "1, " * 100 + "1]\n")

    code, line, _, message = only(path, max_bytes=100)

    assert (code, line) == ("file.too-large", None)
    assert message.startswith("the file is larger than the 100-byte limit")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a named pipe")
def test_special_files_are_bounded_by_what_is_read(tmp_path: Path) -> None:
    # A FIFO reports size 0; the read itself must stop at the limit.
    path = tmp_path / "fifo.yml"
    os.mkfifo(path)

    def feed() -> None:
        with path.open("wb") as stream:
            stream.write(b"a: 1\n" * 100)

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        assert only(path, max_bytes=50)[0] == "file.too-large"
    finally:
        writer.join(timeout=5)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert only(tmp_path / "absent.yml")[0] == "file.not-found"
    assert only(tmp_path)[0::3] == ("file.unreadable", "this is a directory, not a config file")


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.yml"
    path.write_text("a: 1\n")

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)

    code, _, _, message = only(path)

    assert (code, message) == ("file.unreadable", "cannot read the file: Permission denied")


def test_not_utf8_names_the_byte_and_its_place(tmp_path: Path) -> None:
    path = tmp_path / "c.yml"
    path.write_bytes(b"a: 1\nb: caf\xe9\n")

    code, line, column, message = only(path)

    assert (code, line, column) == ("file.encoding", 2, 7)
    assert message == (
        "the file is not valid UTF-8: byte 0xe9 at byte offset 11 (invalid continuation "
        "byte); save the file as UTF-8"
    )


@pytest.mark.parametrize(
    ("encoding", "name"), [("utf-16", "UTF-16"), ("utf-16-be", None), ("utf-32", "UTF-32")]
)
def test_wide_encodings_with_a_byte_order_mark(
    tmp_path: Path, encoding: str, name: str | None
) -> None:
    path = tmp_path / "c.yml"
    raw = "a: 1\n".encode(encoding)
    path.write_bytes(raw if name else b"\xfe\xff" + raw)

    code, line, column, message = only(path)

    assert (code, line, column) == ("file.encoding", 1, 1)
    assert message.startswith(f"the file is {name or 'UTF-16'} ")


def test_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "c.yml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\n")

    assert read_config_file(path, file="c.yml", limits=ParseLimits()).data == {"a": 1}


@pytest.mark.parametrize(
    ("text", "where", "character"),
    [
        ("a: 1\nb: x\x00\n", (2, 5), "U+0000"),
        ("a: \x7f\n", (1, 4), "U+007F"),
        ("\x1b", (1, 1), "U+001B"),
    ],
)
def test_control_characters(
    tmp_path: Path, text: str, where: tuple[int, int], character: str
) -> None:
    path = tmp_path / "c.yml"
    path.write_text(text)

    code, line, column, message = only(path)

    assert (code, (line, column)) == ("file.control-character", where)
    assert f"the control character {character} is not allowed" in message


@pytest.mark.parametrize("text", ["", "   \n\n", "# only a comment\n", "---\n", "null\n"])
def test_empty_files(tmp_path: Path, text: str) -> None:
    path = tmp_path / "c.yml"
    path.write_text(text)

    assert only(path)[0:2] == ("file.empty", None)


@pytest.mark.parametrize(("text", "kind"), [("- a\n", "a list"), ("just text\n", "a single value")])
def test_top_level_must_be_a_mapping(tmp_path: Path, text: str, kind: str) -> None:
    path = tmp_path / "c.yml"
    path.write_text(text)

    code, line, _, message = only(path)

    assert (code, line) == ("file.not-a-mapping", 1)
    assert message.startswith(f"the file holds {kind};")


def test_non_fatal_problems_are_reported_together(tmp_path: Path) -> None:
    path = tmp_path / "c.yml"
    path.write_text("a: 1\na: 2\nb: !!binary aGk=\n")

    assert [problem.code for problem in problems(path)] == ["syntax.duplicate-key", "syntax.tag"]


def test_both_yaml_parsers_can_be_used(tmp_path: Path) -> None:
    path = tmp_path / "c.yml"
    path.write_text("a: [1, 2]\n")

    for parser in (yaml.SafeLoader, yaml.CSafeLoader):
        document = read_config_file(path, file="c.yml", limits=ParseLimits(), event_source=parser)
        assert document.data == {"a": [1, 2]}


def test_json_fatal_error_becomes_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text('{"a": 1,\n "a": 2,\n}')

    assert [(p.code, p.line) for p in problems(path)] == [
        ("syntax.duplicate-key", 2),
        ("syntax.json", 2),
    ]
