"""Validate config data against the shipped JSON Schema and say what is wrong in words.

jsonschema's own messages ("Additional properties are not allowed ('x' was
unexpected)") name neither the place nor the fix, and ``best_match`` hides all but one
error. Here every error is kept and turned into a sentence with a JSON path; an
``x-expected`` annotation in the schema says what a pattern, format or ``anyOf`` wants.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from referencing import Registry
from referencing.jsonschema import DRAFT202012

from ..errors import ConfigProblem
from ._document import JsonPath, show_value

SCHEMA_ID = "urn:fabric-action:config:v1"
"""The ``$id`` of the config schema."""

SCHEMA_RESOURCE = "schema/fabric-action.schema.json"
"""Where the schema lives inside the ``fabric_action.config`` package."""


@dataclass(frozen=True)
class Finding:
    """One schema violation, before it is placed in a file or a layer.

    Attributes:
        code: ``schema.<keyword>``.
        message: What is wrong, in words.
        path: Where in the validated data.
        at_key: The fault is the key itself (an unknown or badly named key).
        missing_key: For ``required``: the key that is missing under *path*.
    """

    code: str
    message: str
    path: JsonPath
    at_key: bool = False
    missing_key: str | None = None


PlaceProblem = Callable[[Finding], ConfigProblem]
"""Build a problem from a finding; the caller knows where things are."""

_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


@cache
def load_schema() -> Mapping[str, Any]:
    """Return the config schema shipped with the package (read once)."""
    text = resources.files(__package__).joinpath(SCHEMA_RESOURCE).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def draft_2020_12_validator() -> Any:
    """Return jsonschema's ``Draft202012Validator`` class, imported on first use.

    The ``uri`` format is checked by ``rfc3986-validator`` (a dependency for that reason);
    ``uuid`` needs nothing. The ``format-nongpl`` extra is not used: it also pulls
    ``rfc3987_syntax``, which builds parsers on import (about 3 s per run) for ``iri``
    formats this schema does not use.
    """
    from jsonschema import Draft202012Validator  # noqa: PLC0415

    return Draft202012Validator


@cache
def _validator(definition: str | None) -> Any:
    validator_class = draft_2020_12_validator()
    schema = load_schema()
    if definition is not None:
        # Merged values are resolved: a "${env:NAME}" left in one is literal text (from
        # an input or variable) or already reported as unresolved, never a reference.
        schema = {**schema, "$defs": {**schema["$defs"], "envRef": False}}
    registry: Registry[Any] = Registry().with_resource(
        SCHEMA_ID, DRAFT202012.create_resource(schema)
    )
    target = schema if definition is None else {"$ref": f"{SCHEMA_ID}#/$defs/{definition}"}
    return validator_class(target, registry=registry, format_checker=validator_class.FORMAT_CHECKER)


def validate(
    data: Mapping[str, Any],
    place: PlaceProblem,
    *,
    definition: str | None = None,
    skip: Collection[JsonPath] = (),
) -> list[ConfigProblem]:
    """Return one problem per schema violation in *data* (all of them, none hidden).

    Args:
        data: The document (or the effective environment).
        place: Builds each problem at its path.
        definition: Validate against ``$defs/<definition>`` instead of the whole schema.
        skip: Paths whose violations are not reported (known to be wrong already).
    """
    problems: list[ConfigProblem] = []
    for error in _validator(definition).iter_errors(data):
        problems.extend(
            place(finding) for finding in describe_error(error) if finding.path not in skip
        )
    return list(dict.fromkeys(problems))  # "required" repeats itself per missing key


def describe_error(error: Any) -> list[Finding]:
    """Return the findings of one jsonschema ``ValidationError``."""
    path: JsonPath = tuple(error.absolute_path)
    keyword: str = error.validator
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    expected: str | None = schema.get("x-expected")
    instance = error.instance
    if "propertyNames" in error.absolute_schema_path:
        wanted = expected or "an allowed name"
        message = f"{instance!r} is not {wanted}"
        return [Finding("schema.propertyNames", message, (*path, instance), at_key=True)]
    if keyword == "additionalProperties":
        return _unknown_keys(instance, schema, path)
    if keyword == "required":
        return [
            Finding("schema.required", f"missing required key {name!r}", path, missing_key=name)
            for name in error.validator_value
            if name not in instance
        ]
    if keyword == "dependentRequired":
        return [
            Finding("schema.dependentRequired", f"{name!r} needs {needed!r} too", path)
            for name, needs in error.validator_value.items()
            if name in instance
            for needed in needs
            if needed not in instance
        ]
    # A secret field's value is never echoed: a literal secret must not reach the log.
    shown = "this value" if schema.get("x-sensitive") else show_value(instance)
    text = _message(keyword, error.validator_value, instance, expected, shown)
    return [Finding(f"schema.{keyword}", text or error.message, path)]


def _message(
    keyword: str, rule: Any, instance: Any, expected: str | None, shown: str
) -> str | None:
    if keyword == "type":
        wanted = " or ".join(_TYPE_WORDS[name] for name in _as_list(rule))
        return f"must be {wanted}, not {_kind(instance)}" + (
            f" ({shown})" if _is_scalar(instance) else ""
        )
    if keyword == "enum":
        choices = [str(choice) for choice in rule]
        return f"{shown} is not one of {', '.join(choices)}" + _suggest(instance, choices)
    if keyword == "const":
        return f"must be {expected or repr(rule)}, not {shown}"
    if keyword == "minLength":
        return "must not be empty" if rule == 1 else f"must be at least {rule} characters long"
    if keyword == "maxLength":
        return f"is too long: {len(instance)} characters, at most {rule} allowed"
    if keyword in ("pattern", "format", "anyOf"):
        fallback = {
            "pattern": f"text matching {rule}",
            "format": f"a valid {rule}",
            "anyOf": "one of the allowed forms",
        }[keyword]
        return f"{shown} is not {expected or fallback}"
    if keyword == "minimum":
        return f"must be at least {rule}, not {shown}"
    if keyword == "maximum":
        return f"must be at most {rule}, not {shown}"
    if keyword == "minProperties":
        return f"is empty; it needs {expected or f'at least {rule} entries'}"
    return None


def _unknown_keys(
    instance: Mapping[str, Any], schema: Mapping[str, Any], path: JsonPath
) -> list[Finding]:
    allowed = sorted(schema.get("properties", {}))
    found = []
    for key in instance:
        if key in allowed:
            continue
        message = f"unknown key {key!r}" + _suggest(key, allowed)
        message += f" (allowed here: {', '.join(allowed)})"
        found.append(Finding("schema.additionalProperties", message, (*path, key), at_key=True))
    return found


def _suggest(value: object, choices: Iterable[str]) -> str:
    if not isinstance(value, str):
        return ""
    options = list(choices)
    folded = {choice.casefold(): choice for choice in options}
    match = folded.get(value.casefold()) or next(
        iter(difflib.get_close_matches(value, options, n=1, cutoff=0.75)), None
    )
    return f"; did you mean {match!r}?" if match else ""


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _is_scalar(value: object) -> bool:
    return value is not None and not isinstance(value, Mapping | list)


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return "null"
