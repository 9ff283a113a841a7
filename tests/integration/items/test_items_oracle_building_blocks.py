"""Building blocks against fabric-cicd's own functions: variables, file paths, text detection."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fabric_action.items import classify_content
from fabric_action.items._dynamic_variables import DynamicVariableError, parse_dynamic_variable
from fabric_action.items._file_filters import FilePatternError, compile_file_pattern

VARIABLES = [
    "$items.Lakehouse.lh_main.$id",
    "$items.Lakehouse.lh_main.$SqlEndpoint",
    "$items.Lakehouse.lh.main.$sqlendpointid",
    "$items.Eventhouse.eh.$queryserviceuri",
    "$items.Lakehouse.lh_main.id",
    "$items.Lakehouse.my.lake.house.sqlendpoint",
    "$items.Lakehouse. spaced .$id",
    "$workspace.id",
    "$workspace.$id",
    "$workspace.$name",
    "$workspace.$name_encoded",
    "$workspace.Shared Data",
    "$workspace.Shared Data.$id",
    "$workspace.Shared.$items.Lakehouse.lh.$id",
    "$workspace.Shared.$items.Warehouse.wh.$SQLENDPOINT",
    # malformed
    "$items.Lakehouse",
    "$items.Lakehouse.lh",
    "$items.Lakehouse.lh.$nope",
    "$items..lh.$id",
    "$items.Lakehouse..$id",
    "$items...$id",
    "$items.Lakehose.lh.$id",
    "$items.lakehouse.lh.$id",
    "$workspace.$owner",
    "$workspace.$items.Lakehouse.lh.$id",
    "$workspace..$items.Lakehouse.lh.$id",
    "$workspace.Shared.$items.Lakehouse.lh",
    "$workspace.Shared.$items.Lakehouse.lh.$nope",
    "$workspace.Shared.$items.Lakehouse.$id",
    "$workspace.Shared.$name",
    "$workspace. .$id",
    "$workspace.",
    "$other.thing",
    "$",
]


@pytest.mark.parametrize("variable", VARIABLES)
def test_dynamic_variables_parse_like_fabric_cicd(fabric_cicd, variable):
    from fabric_cicd._common._exceptions import ParsingError  # noqa: PLC0415
    from fabric_cicd._parameter._utils import parse_dynamic_variable as theirs  # noqa: PLC0415

    try:
        expected = theirs(variable)
    except ParsingError:
        with pytest.raises(DynamicVariableError):
            parse_dynamic_variable(variable)
        return
    parsed = parse_dynamic_variable(variable)
    assert parsed.kind.value == expected.kind
    assert parsed.workspace_name == expected.workspace_name
    if parsed.item is None:
        assert parsed.workspace_attribute is not None or expected.attribute == "id"
        assert expected.item_type is None
        if parsed.workspace_attribute is not None:
            assert parsed.workspace_attribute.value == expected.attribute
    else:
        assert (parsed.item.item_type, parsed.item.item_name, parsed.item.attribute.value) == (
            expected.item_type,
            expected.item_name,
            expected.attribute,
        )


FILES = [
    "a.json",
    ".hidden.json",
    "Data/nb.Notebook/notebook-content.py",
    "Data/nb.Notebook/.platform",
    "Data/pl.DataPipeline/pipeline-content.json",
    "Data/Deep/x.Notebook/notebook-content.py",
    "Data/Deep/x.Notebook/conf/a.json",
    "Reporting/r.Report/definition.pbir",
    "Reporting/r.Report/StaticResources/b.png",
    "[odd]/name with space.json",
]

PATTERNS = [
    "a.json",
    "/a.json",
    "\\a.json",
    "./a.json",
    "Data/nb.Notebook/notebook-content.py",
    "Data//nb.Notebook/notebook-content.py",
    "Data/nb.Notebook/../pl.DataPipeline/pipeline-content.json",
    "missing.json",
    "*.json",
    "**/*.json",
    "**/notebook-content.py",
    "Data/**/*.py",
    "Data/*/notebook-content.py",
    "Data/**/conf/*.json",
    "**/.platform",
    "**/*",
    "Data/nb.Notebook/notebook-content.[pq]y",
    "Data/nb.Notebook/notebook-content.[!p]y",
    "Data/?b.Notebook/*",
    "*/*/*",
    "Reporting/**/*.p*",
    "**/[[]odd]/*",
    "[odd]/*.json",
    "./Data/*/pipeline-content.json",
]


@pytest.mark.skipif(
    sys.version_info[:2] != (3, 11), reason="fabric-cicd's matching is Path.glob of Python 3.11"
)
@pytest.mark.parametrize("pattern", PATTERNS)
def test_file_path_filters_match_what_fabric_cicd_resolves(fabric_cicd, tmp_path, pattern):
    from fabric_cicd._parameter._utils import process_input_path  # noqa: PLC0415

    root = tmp_path / "repo"
    for relative in FILES:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text("x", encoding="utf-8")
    resolved = process_input_path(root, pattern) or []
    theirs = {path.relative_to(root.resolve()).as_posix() for path in resolved}
    try:
        compiled = compile_file_pattern(pattern, root=root)
    except FilePatternError:
        assert theirs == set(), "we refuse a pattern fabric-cicd matches with"
        return
    assert {path for path in FILES if compiled.matches(path)} == theirs


def test_absolute_wildcards_are_relative_to_the_repository(fabric_cicd, tmp_path):
    from fabric_cicd._parameter._utils import process_input_path  # noqa: PLC0415

    root = tmp_path / "repo"
    (root / "Data").mkdir(parents=True)
    (root / "Data/a.json").write_text("{}", encoding="utf-8")
    pattern = f"{root.as_posix()}/Data/*.json"
    assert [p.name for p in process_input_path(root, pattern)] == ["a.json"]
    assert compile_file_pattern(pattern, root=root).matches("Data/a.json")
    with pytest.raises(FilePatternError, match="outside the repository"):
        compile_file_pattern(f"{tmp_path.as_posix()}/other/*.json", root=root)


SIGNATURES = [
    b"",
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff\xe0",
    b"GIF89a",
    b"BM",
    b"%PDF-1.7\n",
    b"PK\x03\x04",
    b"\x1f\x8b\x08",
    b"{\\rtf1",
    b"\x7fELF",
    b"ID3",
    b"wOFF",
    b"SQLite format 3\x00",
    b"\x00asm",
    b'{"a": 1}',
    b"plain",
]


@given(
    prefix=st.sampled_from(SIGNATURES),
    rest=st.binary(max_size=48) | st.text(max_size=48).map(str.encode),
)
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_text_detection_matches_fabric_cicd(fabric_cicd, prefix, rest):
    from fabric_cicd._common._check_utils import check_file_type  # noqa: PLC0415

    data = prefix + rest
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory, "part")
        path.write_bytes(data)
        theirs = check_file_type(path)
        payload, is_text = classify_content(data)
        try:
            utf8 = data.decode("utf-8") is not None
        except UnicodeDecodeError:
            utf8 = False
        # fabric-cicd reads "text" with universal newlines; a non-UTF-8 "text" file is
        # the one deliberate difference (it would send it empty; we send its bytes).
        assert is_text == (theirs == "text" and utf8)
        if is_text:
            assert payload == path.read_text(encoding="utf-8").encode("utf-8")
        else:
            assert payload == data
    assert os.path.exists(directory) is False


def test_a_non_utf8_text_file_is_sent_as_bytes_not_empty(fabric_cicd, tmp_path):
    # The one deliberate difference in text detection: fabric-cicd sends such a file empty.
    from fabric_cicd._common._file import File  # noqa: PLC0415

    latin1 = "Straße;Größe\n".encode("latin-1")
    (tmp_path / "data.csv").write_bytes(latin1)
    assert File(tmp_path, tmp_path / "data.csv").base64_payload["payload"] == ""
    assert classify_content(latin1) == (latin1, False)
