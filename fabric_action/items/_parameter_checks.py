"""Checks shared by every kind of parameter rule, each problem placed at its key's line."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigProblem
from ._dynamic_variables import ENVIRONMENT_PREFIX, DynamicVariableError, parse_dynamic_variable
from ._file_filters import FilePattern, FilePatternError, compile_file_pattern
from ._parameter_model import ALL_ENVIRONMENTS, RuleFilter
from ._problems import problem
from ._yaml_source import Place, Places

FILTER_KEYS = ("item_type", "item_name", "file_path")


@dataclass
class RuleContext:
    """What rule checks need, and where they put what they find."""

    places: Places
    environment: str
    root: Path
    environment_variables_enabled: bool
    problems: list[ConfigProblem] = field(default_factory=list)
    warnings: list[ConfigProblem] = field(default_factory=list)

    def place(self, container: object, key: Hashable | None = None) -> Place:
        """Return where ``container[key]`` is (the container's place if unknown)."""
        return self.places.of(container, key) or Place("", None)

    def _problem(
        self, code: str, message: str, container: object, key: Hashable | None, path: str
    ) -> ConfigProblem:
        where = self.place(container, key)
        return problem(code, message, file=where.file, line=where.line, path=path)

    def error(
        self,
        code: str,
        message: str,
        container: object,
        key: Hashable | None = None,
        path: str = "",
    ) -> None:
        """Record a problem that makes the parameter file invalid."""
        self.problems.append(self._problem(code, message, container, key, path))

    def warn(
        self,
        code: str,
        message: str,
        container: object,
        key: Hashable | None = None,
        path: str = "",
    ) -> None:
        """Record a warning (the file stays valid)."""
        self.warnings.append(self._problem(code, message, container, key, path))


def check_keys(
    context: RuleContext,
    entry: Any,
    label: str,
    *,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    at: tuple[object, Hashable] | None = None,
) -> bool:
    """Check that *entry* is a mapping with the required keys and no others.

    Returns:
        Whether the entry can be checked further (a mapping with every required key).

    Args:
        at: ``(container, key)`` holding *entry*, to place the problem when *entry* is not
            a mapping (a plain value has no place of its own).
    """
    if not isinstance(entry, dict):
        container, key = at if at is not None else (entry, None)
        context.error(
            "parameter.shape", f"{label} must be a mapping of keys", container, key, label
        )
        return False
    allowed = required + optional
    valid = True
    for key in entry:
        if key not in allowed:
            # Recorded, but the entry is still checked so every problem shows at once.
            message = f"{label} has the unsupported key {key!r}; allowed: {', '.join(allowed)}"
            context.error("parameter.unknown-key", message, entry, key, path=f"{label}.{key}")
    for key in required:
        if key not in entry:
            context.error("parameter.missing-key", f"{label} needs {key!r}", entry, path=label)
            valid = False
    return valid


def texts(
    context: RuleContext, entry: Mapping[str, Any], key: str, label: str
) -> tuple[str, ...] | None:
    """Return a string-or-list-of-strings value as a tuple; None when absent or invalid."""
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(text, str) for text in value):
        message = f"{label}.{key} must be a string or a list of strings"
        context.error("parameter.type", message, entry, key, path=f"{label}.{key}")
        return None
    if not value or not all(value):
        message = (
            f"{label}.{key} is empty; an empty filter never matches (fabric-cicd skips the "
            "rule silently); remove the key or name what it should match"
        )
        context.error("parameter.empty-filter", message, entry, key, path=f"{label}.{key}")
        return None
    return tuple(value)


def rule_filter(context: RuleContext, entry: Mapping[str, Any], label: str) -> RuleFilter:
    """Return the rule's ``item_type``/``item_name``/``file_path`` filters."""
    paths = texts(context, entry, "file_path", label)
    patterns: list[FilePattern] = []
    for text in paths or ():
        try:
            patterns.append(compile_file_pattern(text, root=context.root))
        except FilePatternError as exc:
            path = f"{label}.file_path"
            context.error(
                "parameter.file-path", f"{label}.file_path: {exc}", entry, "file_path", path
            )
    return RuleFilter(
        item_types=texts(context, entry, "item_type", label),
        item_names=texts(context, entry, "item_name", label),
        file_paths=tuple(patterns) if paths is not None else None,
    )


def check_environments(
    context: RuleContext, values: Mapping[Any, Any], label: str, field_name: str = "replace_value"
) -> None:
    """Refuse ``_ALL_`` beside other keys; warn when the environment has no value."""
    keys = [key for key in values if isinstance(key, str)]
    all_keys = [key for key in keys if key.lower() == ALL_ENVIRONMENTS]
    if all_keys and len(values) > 1:
        message = (
            f"{label}.{field_name} has {all_keys[0]!r} beside other environments; "
            f"{all_keys[0]!r} applies to every environment and must be the only key"
        )
        context.error(
            "parameter.all-environments", message, values, all_keys[0], f"{label}.{field_name}"
        )
        return
    if not all_keys and context.environment not in values:
        near = [key for key in keys if key.lower() == context.environment.lower()]
        hint = f" (it has {near[0]!r}; environment keys are case-sensitive)" if near else ""
        message = (
            f"{label} has no {field_name} for environment {context.environment!r}{hint}; skipped"
        )
        context.warn("parameter.no-environment", message, values, path=f"{label}.{field_name}")


def check_variables(context: RuleContext, values: Mapping[Any, Any], label: str) -> None:
    """Check every ``$``-prefixed replace value: ``$ENV:`` tokens and dynamic variables."""
    for environment, value in values.items():
        if not isinstance(value, str) or not value.startswith("$"):
            continue
        path = f"{label}.replace_value.{environment}"
        if value.startswith(ENVIRONMENT_PREFIX):
            active = (
                environment == context.environment or str(environment).lower() == ALL_ENVIRONMENTS
            )
            if not context.environment_variables_enabled:
                message = (
                    f"{path}: {value!r} needs environment variable replacement, which is off "
                    "(fabric-cicd's enable_environment_variable_replacement flag)"
                )
                context.error("parameter.env-disabled", message, values, environment, path)
            elif active:
                message = f"{path}: {value!r} names an environment variable that is not set"
                context.error("parameter.env-unset", message, values, environment, path)
            continue
        try:
            parse_dynamic_variable(value)
        except DynamicVariableError as exc:
            context.error("parameter.variable", f"{path}: {exc}", values, environment, path)


def check_replace_value_mapping(
    context: RuleContext, entry: Mapping[str, Any], label: str
) -> dict[str, Any] | None:
    """Return ``replace_value`` when it is a non-empty mapping with string keys."""
    values = entry.get("replace_value")
    if not isinstance(values, dict) or not values:
        message = f"{label}.replace_value must be a mapping of environment to value"
        context.error("parameter.type", message, entry, "replace_value", f"{label}.replace_value")
        return None
    for key in values:
        if not isinstance(key, str):
            message = f"{label}.replace_value key {key!r} must be an environment name"
            context.error("parameter.type", message, values, key, f"{label}.replace_value")
            return None
    return values
