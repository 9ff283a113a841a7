"""The rules of a parameter file, validated and typed, each with its place."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigProblem
from ._file_filters import FilePattern
from ._yaml_source import Place

ALL_ENVIRONMENTS = "_all_"
"""fabric-cicd's ``_ALL_`` key (any case): the only key, it applies to every environment."""


def value_for_environment(values: Mapping[str, Any], environment: str) -> tuple[bool, Any]:
    """Return ``(True, value)`` for *environment*'s value, ``(False, None)`` if it has none.

    fabric-cicd's ``process_environment_key``: a lone ``_ALL_`` key (any case) applies to
    every environment (validation refuses it beside others); other keys are
    case-sensitive environment names.
    """
    if len(values) == 1:
        key = next(iter(values))
        if key.lower() == ALL_ENVIRONMENTS:
            return True, values[key]
    if environment in values:
        return True, values[environment]
    return False, None


@dataclass(frozen=True, kw_only=True)
class RuleFilter:
    """The optional ``item_type``/``item_name``/``file_path`` filters of a rule.

    None means "no filter"; a rule applies to a file when every given filter matches.
    """

    item_types: tuple[str, ...] | None = None
    item_names: tuple[str, ...] | None = None
    file_paths: tuple[FilePattern, ...] | None = None

    def matches(self, item_type: str, item_name: str, path: str) -> bool:
        """Return whether the rule applies to the file at repository-relative *path*."""
        if self.item_types is not None and item_type not in self.item_types:
            return False
        if self.item_names is not None and item_name not in self.item_names:
            return False
        return self.file_paths is None or any(pattern.matches(path) for pattern in self.file_paths)


@dataclass(frozen=True, kw_only=True)
class FindReplaceRule:
    """A ``find_replace`` entry.

    Attributes:
        place: Where the entry starts.
        label: ``find_replace[<index>]``.
        find_value: Text, regex, or a ``$workspace`` variable resolved per target.
        is_regex: ``is_regex: "true"``; the pattern has exactly one capturing group, and
            only that group is replaced.
        ignore_case: ``ignore_case: "true"``.
        replace_value: Environment -> replacement text (or dynamic variable).
        filter: The rule's filters.
    """

    place: Place
    label: str
    find_value: str
    is_regex: bool
    ignore_case: bool
    replace_value: Mapping[str, str]
    filter: RuleFilter


@dataclass(frozen=True, kw_only=True)
class KeyValueRule:
    """A ``key_value_replace`` entry: set the value at a JSONPath of JSON or YAML files.

    Attributes:
        expression: The compiled ``jsonpath_ng.ext`` expression of ``find_key``.
        replace_value: Environment -> value of any YAML type (strings may be variables).
    """

    place: Place
    label: str
    find_key: str
    expression: Any
    replace_value: Mapping[str, Any]
    filter: RuleFilter


@dataclass(frozen=True)
class SparkPoolTarget:
    """The pool an environment's ``instance_pool_id`` becomes: its name and type."""

    pool_type: str
    name: str


@dataclass(frozen=True, kw_only=True)
class SparkPoolRule:
    """A ``spark_pool`` entry: an Environment's pool id, mapped to a pool of the target.

    Attributes:
        item_names: Environments it applies to; None for every Environment.
    """

    place: Place
    label: str
    instance_pool_id: str
    replace_value: Mapping[str, SparkPoolTarget]
    item_names: tuple[str, ...] | None


@dataclass(frozen=True, kw_only=True)
class ModelBindingRule:
    """Semantic models bound to connections, per environment.

    Attributes:
        model_names: The semantic models' display names.
        connection_ids: Environment -> connection ids (new format); the legacy format's
            single id is stored under ``_ALL_``.
    """

    place: Place
    model_names: tuple[str, ...]
    connection_ids: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True, kw_only=True)
class SemanticModelBindingRules:
    """``semantic_model_binding`` (and the deprecated ``gateway_binding``).

    Attributes:
        legacy: The list format (and gateway_binding): explicit models only.
        default: The new format's ``default.connection_id`` (environment -> ids), applied
            to every semantic model of the repository that no entry names.
        models: Explicit entries, in file order.
    """

    legacy: bool
    default: Mapping[str, tuple[str, ...]] | None
    models: tuple[ModelBindingRule, ...]


@dataclass(frozen=True, kw_only=True)
class ParameterSet:
    """A validated parameter file for one environment.

    Attributes:
        environment: The environment the values are chosen for (case-sensitive, as
            fabric-cicd's ``environment``).
        files: The parameter file and its ``extend`` templates, as shown in problems.
        find_replace: Rules, in file order (templates after the file that extends them).
        key_value_replace: Rules, in file order.
        spark_pool: Rules, in file order.
        semantic_model_binding: The binding rules, if any.
        warnings: What does not stop a deployment but may surprise: rules skipped for
            this environment, filters that match nothing, deprecated keys.
    """

    environment: str
    files: tuple[str, ...] = ()
    find_replace: tuple[FindReplaceRule, ...] = ()
    key_value_replace: tuple[KeyValueRule, ...] = ()
    spark_pool: tuple[SparkPoolRule, ...] = ()
    semantic_model_binding: SemanticModelBindingRules | None = None
    warnings: tuple[ConfigProblem, ...] = field(default=())
