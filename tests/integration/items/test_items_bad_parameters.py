"""The bad-parameter corpus: each file is a ParameterError with its code at file:line.

tests/data/items/bad_parameters/*.yml each start with three comment lines: the problem
``code`` expected, its ``line`` (or ``none``), and what fabric-cicd 1.4.0 does with the
same file. Where fabric-cicd ``rejects`` it, its own validation is run too and must fail;
where it ``accepts`` it (or only fails mid-publish, or crashes), fabric-action is
deliberately stricter, and the header says why.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from fabric_action.errors import ConfigError, ParameterError
from fabric_action.items import load_parameters, read_repository

CORPUS = Path(__file__).resolve().parents[2] / "data/items/bad_parameters"
CASES = sorted(CORPUS.glob("*.yml"))


def _header(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()[:3]
    return dict(re.fullmatch(r"# (\w[\w-]*): (.*)", line).groups() for line in lines)  # type: ignore[union-attr]


@pytest.mark.parametrize("case", CASES, ids=[case.stem for case in CASES])
def test_bad_parameter_file_is_a_config_error_at_its_line(case, oracle_repository, fabric_cicd):
    header = _header(case)
    target = oracle_repository / "parameter.yml"
    shutil.copyfile(case, target)
    with pytest.raises(ParameterError) as raised:
        load_parameters(
            oracle_repository, environment="PROD", repository=read_repository(oracle_repository)
        )
    assert isinstance(raised.value, ConfigError)
    codes = [(problem.code, problem.line) for problem in raised.value.problems]
    expected_line = None if header["line"] == "none" else int(header["line"])
    assert (header["code"], expected_line) in codes, codes
    for problem in raised.value.problems:
        assert problem.file == target.as_posix()
        assert problem.message
    if header["fabric-cicd"] == "rejects":
        from fabric_cicd._parameter._parameter import Parameter  # noqa: PLC0415

        types = list(fabric_cicd.constants.ACCEPTED_ITEM_TYPES)
        assert Parameter(oracle_repository, types, "PROD")._validate_parameter_file() is False


def test_every_corpus_file_says_what_fabric_cicd_does():
    verdicts = {_header(case)["fabric-cicd"].split(" ")[0] for case in CASES}
    assert verdicts <= {"rejects", "accepts", "fails-at-publish", "crashes"}
    assert len(CASES) >= 30


def test_all_problems_of_a_file_are_reported_at_once(oracle_repository):
    (oracle_repository / "parameter.yml").write_text(
        "find_replace:\n"
        '  - find_value: "(a"\n'
        '    is_regex: "true"\n'
        "    replace_value: {PROD: b}\n"
        "    colour: blue\n"
        "key_value_replace:\n"
        '  - find_key: "a.b"\n'
        "    replace_value: {PROD: b}\n"
        "spark_pool: {}\n",
        encoding="utf-8",
    )
    with pytest.raises(ParameterError) as raised:
        load_parameters(oracle_repository, environment="PROD")
    assert [(p.code, p.line) for p in raised.value.problems] == [
        ("parameter.unknown-key", 5),
        ("parameter.regex", 2),
        ("parameter.jsonpath", 7),
        ("parameter.shape", 9),
    ]
    assert "parameter.yml:5" in str(raised.value)
