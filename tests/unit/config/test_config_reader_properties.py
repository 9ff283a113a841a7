"""Property tests: the readers agree with the reference parsers on ordinary documents."""

from __future__ import annotations

import json
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from fabric_action.config._json_reader import JsonComposer
from fabric_action.config._limits import ParseLimits
from fabric_action.config._yaml_reader import YamlComposer, resolve_plain_scalar

_KEYS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
)
_DOCUMENTS = st.dictionaries(
    _KEYS,
    st.recursive(
        _SCALARS,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(_KEYS, children, max_size=4)
        ),
        max_leaves=20,
    ),
    max_size=5,
)


@settings(max_examples=100, deadline=None)
@given(document=_DOCUMENTS, indent=st.sampled_from([None, 0, 2, "\t"]), ascii_only=st.booleans())
def test_json_reader_equals_json_loads(
    document: dict[str, Any], indent: int | str | None, ascii_only: bool
) -> None:
    text = json.dumps(document, indent=indent, ensure_ascii=ascii_only)

    composer = JsonComposer(text, "c.json", ParseLimits(max_nodes=10**6))

    assert composer.compose() == json.loads(text)
    assert composer.problems == []
    assert composer.value_positions[()] == (1, 1)


# YAML's own dumper quotes every string that would resolve to something else under
# YAML 1.1, but leaves plain a few that YAML 1.2's core schema reads as numbers ("08",
# "0E0"). Those strings are where the two schemas differ on purpose; the scalar table in
# test_config_yaml_reader.py pins how we read them. Here: structure and everything else.
_YAML_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")), max_size=12).filter(
        lambda text: resolve_plain_scalar(text) == text
    )
)
_YAML_DOCUMENTS = st.dictionaries(
    _KEYS.filter(lambda key: key.strip() == key and key not in ("<<", "")),
    st.recursive(
        _YAML_SCALARS,
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.from_regex(r"[a-z]{1,6}", fullmatch=True), children, max_size=4)
        ),
        max_leaves=20,
    ),
    max_size=5,
)


@settings(max_examples=100, deadline=None)
@given(document=_YAML_DOCUMENTS, flow=st.booleans())
def test_yaml_reader_reads_back_what_pyyaml_writes(document: dict[str, Any], flow: bool) -> None:
    text = yaml.safe_dump(document, default_flow_style=flow, allow_unicode=True)

    composer = YamlComposer(text, "c.yml", ParseLimits(max_nodes=10**6))

    assert composer.compose() == yaml.safe_load(text)
    assert composer.problems == []
