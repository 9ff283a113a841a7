"""file_path entries that fabric-cicd would refuse, or that could never name a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from fabric_action.items._file_filters import FilePatternError, compile_file_pattern


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("a/*]", "unmatched"),
        ("a/[*", "unclosed"),
        ("a/{*", "unclosed"),
        ("a/[x}*", "unmatched"),
        ("/**/x.json", "cannot start with"),
        ("a//*.json", "invalid wildcard combination"),
        ("**/**/x", "invalid wildcard combination"),
        ("a**/x*", "whole path component"),
        ("*[]x", "invalid character class"),
        ("*[-a]", "invalid character class"),
        ("*.{json,yml}", "brace sets"),
        ("*/..%2f*.json", "traversal"),
        ("Data/*/", "names directories"),
        ("Data/**", "names directories"),
        ("Data/x**y/*", "whole path component"),
        ("..", "inside the repository"),
        ("../outside.json", "inside the repository"),
        ("/", "inside the repository"),
    ],
)
def test_refused_patterns(pattern, message):
    with pytest.raises(FilePatternError, match=message):
        compile_file_pattern(pattern, root=Path("/repo"))


def test_plain_paths_normalise_separators():
    pattern = compile_file_pattern("Data\\nb.Notebook\\notebook-content.py", root=Path("/repo"))
    assert pattern.relative == "Data/nb.Notebook/notebook-content.py"
    assert pattern.matches("Data/nb.Notebook/notebook-content.py")
    assert not pattern.matches("Data/nb.Notebook")
