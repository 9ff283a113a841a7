"""Apply ``key_value_replace`` and ``find_replace`` rules to one text part.

A port of fabric-cicd 1.4.0's ``FabricWorkspace._replace_parameters`` (with
``extract_find_value``, ``replace_key_value`` and ``check_replacement``), so the bytes it
produces are the same. That includes its side effects, kept on purpose:

* ``key_value_replace`` runs first. A file its filters select is parsed as JSON, else as
  YAML (a mapping or list), and is written back even when the JSONPath matches nothing:
  JSON as ``json.dumps(data)`` (one line, ASCII escapes), YAML as
  ``yaml.dump(default_flow_style=False, allow_unicode=True)`` (keys sorted);
* a regex rule replaces only its one capturing group, in every match;
* an ``ignore_case`` plain rule matches case-insensitively, a plain rule is ``str.replace``;
* a ``$workspace`` find value is resolved for every file, selected or not.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from ._dynamic_variables import DynamicVariableError, resolve_value
from ._parameter_model import FindReplaceRule, KeyValueRule, ParameterSet, value_for_environment
from ._problems import PartRenderError, problem
from ._resolver import TargetResolver


def _rule_problem(rule: FindReplaceRule | KeyValueRule, code: str, message: str) -> PartRenderError:
    return PartRenderError(
        problem(
            code,
            message,
            file=rule.place.file,
            line=rule.place.line,
            path=rule.label,
        )
    )


def _resolve(
    rule: FindReplaceRule | KeyValueRule, value: str, resolver: TargetResolver, where: str
) -> str:
    try:
        return resolve_value(value, resolver)
    except DynamicVariableError as exc:
        raise _rule_problem(rule, "parameter.unresolved", f"{exc} (needed for {where})") from exc


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True


def _is_structured_yaml(text: str) -> bool:
    try:
        return isinstance(yaml.safe_load(text), dict | list)
    except yaml.YAMLError:
        return False


def _replace_key_value(
    rule: KeyValueRule,
    text: str,
    environment: str,
    resolver: TargetResolver,
    where: str,
    *,
    is_yaml: bool,
) -> str:
    data: Any = yaml.safe_load(text) if is_yaml else json.loads(text)
    has_value, value = value_for_environment(rule.replace_value, environment)
    try:
        matches = rule.expression.find(data)
    except Exception as exc:  # jsonpath-ng raises what the data raises
        message = f"cannot evaluate {rule.find_key} in {where}: {exc!r}"
        raise _rule_problem(rule, "parameter.jsonpath", message) from exc
    for match in matches:
        if not has_value:
            continue
        processed = _resolve(rule, value, resolver, where) if isinstance(value, str) else value
        try:
            match.full_path.update(data, processed)
        except Exception as exc:  # e.g. NotImplementedError for `len`
            message = f"cannot set {rule.find_key} in {where}: {exc!r}"
            raise _rule_problem(rule, "parameter.jsonpath", message) from exc
    if is_yaml:
        return str(yaml.dump(data, default_flow_style=False, allow_unicode=True))
    return json.dumps(data)


def _find(
    rule: FindReplaceRule, text: str, selected: bool, resolver: TargetResolver, where: str
) -> tuple[str, bool]:
    """Return the (resolved) find value and whether it occurs in *text* (``extract_find_value``)."""
    find_value = rule.find_value
    if find_value.startswith("$"):
        # A $workspace variable (validation allows no other): resolved even for files
        # the filters skip, as fabric-cicd does; it is never empty once resolved.
        find_value = _resolve(rule, find_value, resolver, where)
    if not selected:
        return find_value, False
    if rule.is_regex:
        flags = re.IGNORECASE if rule.ignore_case else 0
        first = re.search(find_value, text, flags)
        if first is not None and not first.group(1):
            message = f"the regex {find_value!r} captured an empty value in {where}"
            raise _rule_problem(rule, "parameter.regex", message)
        return find_value, first is not None
    if rule.ignore_case:
        return find_value, find_value.lower() in text.lower()
    return find_value, find_value in text


def _replace_group(replacement: str) -> Any:
    def replace(match: re.Match[str]) -> str:
        whole = match.group(0)
        start = match.start(0)
        return whole[: match.start(1) - start] + replacement + whole[match.end(1) - start :]

    return replace


def _constant(replacement: str) -> Any:
    def replace(_match: re.Match[str]) -> str:
        return replacement

    return replace


def apply_parameters(
    text: str,
    *,
    item_type: str,
    item_name: str,
    path: str,
    parameters: ParameterSet,
    resolver: TargetResolver,
) -> str:
    """Return *text* with the parameter rules applied, as fabric-cicd applies them.

    Args:
        text: The part's text.
        item_type: The item's type (for ``item_type`` filters).
        item_name: The item's display name (for ``item_name`` filters).
        path: The part's repository-relative POSIX path (for ``file_path`` filters).
        parameters: The rules and the environment.
        resolver: Answers dynamic variables.

    Raises:
        PartRenderError: When a variable does not resolve, a regex captures nothing, or a
            value cannot be set at its JSONPath; placed at the rule's line.
    """
    environment = parameters.environment
    for kv_rule in parameters.key_value_replace:
        if not kv_rule.filter.matches(item_type, item_name, path):
            continue
        if _is_json(text):
            text = _replace_key_value(kv_rule, text, environment, resolver, path, is_yaml=False)
        elif _is_structured_yaml(text):
            text = _replace_key_value(kv_rule, text, environment, resolver, path, is_yaml=True)
    for rule in parameters.find_replace:
        selected = rule.filter.matches(item_type, item_name, path)
        pattern, found = _find(rule, text, selected, resolver, path)
        has_value, value = value_for_environment(rule.replace_value, environment)
        if not (selected and has_value and found):
            continue
        # Validation refuses empty replace values and variables never resolve to "", so
        # fabric-cicd's "skip an empty replacement" never applies here.
        replacement = _resolve(rule, value, resolver, path)
        if rule.is_regex:
            flags = re.IGNORECASE if rule.ignore_case else 0
            text = re.sub(pattern, _replace_group(replacement), text, flags=flags)
        elif rule.ignore_case:
            text = re.sub(re.escape(pattern), _constant(replacement), text, flags=re.IGNORECASE)
        else:
            text = text.replace(pattern, replacement)
    return text
