"""Validate ``find_replace``, ``key_value_replace`` and ``spark_pool`` entries into rules.

The checks are fabric-cicd 1.4.0's (``Parameter._validate_parameter`` and the dynamic
variable checks), with every problem collected instead of the first, and a few things it
lets through refused because they would silently do nothing or fail only mid-deployment:
a regex without exactly one capturing group (fabric-cicd raises at the first text file),
a ``find_value`` starting with ``$`` that is not a ``$workspace`` variable (same), empty
filters (never match) and unsupported keys.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from jsonpath_ng.ext import parse as parse_jsonpath  # type: ignore[import-untyped]

from ._dynamic_variables import (
    ENVIRONMENT_PREFIX,
    ITEMS_PREFIX,
    WORKSPACE_PREFIX,
    DynamicVariableError,
    parse_dynamic_variable,
)
from ._parameter_checks import (
    FILTER_KEYS,
    RuleContext,
    check_environments,
    check_keys,
    check_replace_value_mapping,
    check_variables,
    rule_filter,
    texts,
)
from ._parameter_model import FindReplaceRule, KeyValueRule, SparkPoolRule, SparkPoolTarget

_POOL_TYPES = ("Capacity", "Workspace")


def _flag(context: RuleContext, entry: Mapping[str, Any], key: str, label: str) -> bool:
    value = entry.get(key)
    if value is None:
        return False
    if not isinstance(value, str):
        message = (
            f'{label}.{key} must be the string "true" or "false" (quote it: fabric-cicd '
            "refuses a YAML boolean here)"
        )
        context.error("parameter.type", message, entry, key, f"{label}.{key}")
        return False
    return value.lower() == "true"


def _find_value_checks(
    context: RuleContext, entry: Mapping[str, Any], label: str, is_regex: bool
) -> str:
    find_value = entry.get("find_value")
    if not isinstance(find_value, str) or not find_value:
        message = f"{label}.find_value must be a non-empty string"
        context.error("parameter.type", message, entry, "find_value", f"{label}.find_value")
        return ""
    path = f"{label}.find_value"
    if find_value.startswith(ITEMS_PREFIX):
        message = (
            f"{path}: {find_value!r} cannot be found in a source file: $items variables "
            "resolve to the target's items; put the source value here instead"
        )
        context.error("parameter.variable", message, entry, "find_value", path)
    elif find_value.startswith(WORKSPACE_PREFIX):
        if is_regex:
            message = f"{path}: a $workspace variable cannot be combined with is_regex"
            context.error("parameter.variable", message, entry, "find_value", path)
        else:
            try:
                parse_dynamic_variable(find_value)
            except DynamicVariableError as exc:
                context.error("parameter.variable", f"{path}: {exc}", entry, "find_value", path)
    elif find_value.startswith("$") and not find_value.startswith(ENVIRONMENT_PREFIX):
        message = (
            f"{path}: {find_value!r} starts with '$' but is no $workspace variable; "
            "fabric-cicd fails on it mid-deployment (escape the text or use is_regex)"
        )
        context.error("parameter.variable", message, entry, "find_value", path)
    if is_regex:
        try:
            pattern = re.compile(find_value)
        except re.error as exc:
            message = f"{path}: {find_value!r} is not a valid regular expression: {exc}"
            context.error("parameter.regex", message, entry, "find_value", path)
        else:
            if pattern.groups != 1:
                message = (
                    f"{path}: the regex must have exactly one capturing group (the part that "
                    f"is replaced); it has {pattern.groups}"
                )
                context.error("parameter.regex", message, entry, "find_value", path)
    return find_value


def find_replace_rule(context: RuleContext, entry: Any, label: str) -> FindReplaceRule | None:
    """Validate one ``find_replace`` entry."""
    optional = ("is_regex", "ignore_case", *FILTER_KEYS)
    if not check_keys(
        context, entry, label, required=("find_value", "replace_value"), optional=optional
    ):
        return None
    is_regex_value = entry.get("is_regex")
    is_regex = _flag(context, entry, "is_regex", label)
    if isinstance(is_regex_value, str) and is_regex_value and not is_regex:
        message = (
            f'{label}.is_regex is {is_regex_value!r}, not "true": the find_value is plain text'
        )
        context.warn("parameter.regex-ignored", message, entry, "is_regex", f"{label}.is_regex")
    ignore_case = _flag(context, entry, "ignore_case", label)
    find_value = _find_value_checks(context, entry, label, is_regex)
    values = check_replace_value_mapping(context, entry, label)
    filters = rule_filter(context, entry, label)
    if values is None:
        return None
    for environment, value in values.items():
        if not isinstance(value, str) or not value:
            message = f"{label}.replace_value.{environment} must be a non-empty string"
            context.error("parameter.type", message, values, environment, f"{label}.replace_value")
    check_environments(context, values, label)
    check_variables(context, values, label)
    return FindReplaceRule(
        place=context.place(entry),
        label=label,
        find_value=find_value,
        is_regex=is_regex,
        ignore_case=ignore_case,
        replace_value=values,
        filter=filters,
    )


def key_value_rule(context: RuleContext, entry: Any, label: str) -> KeyValueRule | None:
    """Validate one ``key_value_replace`` entry."""
    if not check_keys(
        context, entry, label, required=("find_key", "replace_value"), optional=FILTER_KEYS
    ):
        return None
    find_key = entry.get("find_key")
    path = f"{label}.find_key"
    expression: Any = None
    if not isinstance(find_key, str) or not find_key.strip():
        context.error(
            "parameter.type", f"{path} must be a non-empty string", entry, "find_key", path
        )
    elif not find_key.strip().startswith("$"):
        message = f"{path}: {find_key!r} must be an absolute JSONPath starting with '$'"
        context.error("parameter.jsonpath", message, entry, "find_key", path)
    else:
        try:
            expression = parse_jsonpath(find_key)
        except Exception as exc:  # jsonpath-ng raises plain Exception subclasses
            message = f"{path}: {find_key!r} is not a valid JSONPath: {exc}"
            context.error("parameter.jsonpath", message, entry, "find_key", path)
    values = check_replace_value_mapping(context, entry, label)
    filters = rule_filter(context, entry, label)
    if values is None:
        return None
    first_environment, first_value = next(iter(values.items()))
    for environment, value in values.items():
        if value is None:
            message = f"{label}.replace_value.{environment} has no value"
            context.error("parameter.type", message, values, environment, f"{label}.replace_value")
        elif type(value) is not type(first_value):
            message = (
                f"{label}.replace_value.{environment} is a {type(value).__name__} but "
                f"{first_environment} is a {type(first_value).__name__}; give every "
                "environment a value of the same type"
            )
            context.error("parameter.type", message, values, environment, f"{label}.replace_value")
    check_environments(context, values, label)
    check_variables(context, values, label)
    if expression is None:
        return None
    return KeyValueRule(
        place=context.place(entry),
        label=label,
        find_key=find_key,
        expression=expression,
        replace_value=values,
        filter=filters,
    )


def _pool_target(
    context: RuleContext, values: dict[str, Any], environment: str, label: str
) -> SparkPoolTarget | None:
    target = values[environment]
    path = f"{label}.replace_value.{environment}"
    if not isinstance(target, dict) or set(target) != {"type", "name"}:
        message = f"{path} must be a mapping with exactly 'type' and 'name'"
        context.error("parameter.spark-pool", message, values, environment, path)
        return None
    if not all(isinstance(target[key], str) and target[key] for key in ("type", "name")):
        context.error(
            "parameter.spark-pool",
            f"{path}: type and name must be non-empty strings",
            target,
            None,
            path,
        )
        return None
    if target["type"] not in _POOL_TYPES:
        message = f"{path}.type must be Capacity or Workspace, not {target['type']!r}"
        context.error("parameter.spark-pool", message, target, "type", path)
        return None
    return SparkPoolTarget(pool_type=target["type"], name=target["name"])


def spark_pool_rule(context: RuleContext, entry: Any, label: str) -> SparkPoolRule | None:
    """Validate one ``spark_pool`` entry."""
    required = ("instance_pool_id", "replace_value")
    if not check_keys(context, entry, label, required=required, optional=("item_name",)):
        return None
    pool_id = entry.get("instance_pool_id")
    if not isinstance(pool_id, str) or not pool_id:
        path = f"{label}.instance_pool_id"
        context.error(
            "parameter.type", f"{path} must be a non-empty string", entry, "instance_pool_id", path
        )
    item_names = entry.get("item_name")
    names = texts(context, entry, "item_name", label) if item_names else None
    values = check_replace_value_mapping(context, entry, label)
    if values is None:
        return None
    targets = {env: _pool_target(context, values, env, label) for env in values}
    check_environments(context, values, label)
    if not isinstance(pool_id, str) or not pool_id or None in targets.values():
        return None
    return SparkPoolRule(
        place=context.place(entry),
        label=label,
        instance_pool_id=pool_id,
        replace_value={env: target for env, target in targets.items() if target is not None},
        item_names=names,
    )
