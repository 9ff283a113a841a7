"""Warn about parameter rules whose filters or names match nothing in the repository.

fabric-cicd logs these as "skipped" lines deep in its output; they are the usual reason
a parameter "does not work" (fabric-cicd #209, #311). They stay warnings, not errors: one
parameter file often serves repositories or scopes where some rules do not apply.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from ._item_types import ItemType
from ._model import Repository
from ._parameter_checks import RuleContext
from ._parameter_model import FindReplaceRule, KeyValueRule, ParameterSet, RuleFilter
from ._problems import problem
from ._yaml_source import Place


def _warn(context: RuleContext, place: Place, label: str, message: str) -> None:
    context.warnings.append(
        problem(
            "parameter.no-match",
            f"{label}: {message}",
            file=place.file,
            line=place.line,
            path=label,
        )
    )


def _check_filter(
    context: RuleContext,
    *,
    place: Place,
    label: str,
    rule_filter: RuleFilter,
    repository: Repository,
    scope: Collection[str] | None,
) -> None:
    types = {item.item_type for item in repository.items}
    names = {item.display_name for item in repository.items}
    for item_type in rule_filter.item_types or ():
        if scope is not None and item_type not in scope:
            _warn(
                context, place, label, f"item_type {item_type!r} is not in the item types in scope"
            )
        elif item_type not in types:
            _warn(context, place, label, f"no item of type {item_type!r} in the repository")
    for name in rule_filter.item_names or ():
        if name not in names:
            _warn(context, place, label, f"no item named {name!r} in the repository")
    paths = [f"{item.directory}/{part.path}" for item in repository.items for part in item.parts]
    for pattern in rule_filter.file_paths or ():
        if not any(pattern.matches(path) for path in paths):
            _warn(context, place, label, f"file_path {pattern.text!r} names no file of any item")


def _names_of(repository: Repository, item_type: str) -> set[str]:
    return {item.display_name for item in repository.items if item.item_type == item_type}


def _check_names(
    context: RuleContext,
    *,
    place: Place,
    label: str,
    wanted: Iterable[str],
    have: set[str],
    what: str,
) -> None:
    for name in wanted:
        if name not in have:
            _warn(context, place, label, f"no {what} named {name!r} in the repository")


def check_rules_against_repository(
    context: RuleContext,
    parameters: ParameterSet,
    repository: Repository,
    scope: Collection[str] | None,
) -> None:
    """Add a warning for every filter value or named item the repository does not have."""
    text_rules: list[FindReplaceRule | KeyValueRule] = [
        *parameters.find_replace,
        *parameters.key_value_replace,
    ]
    for text_rule in text_rules:
        _check_filter(
            context,
            place=text_rule.place,
            label=text_rule.label,
            rule_filter=text_rule.filter,
            repository=repository,
            scope=scope,
        )
    environments = _names_of(repository, ItemType.ENVIRONMENT.value)
    for pool_rule in parameters.spark_pool:
        _check_names(
            context,
            place=pool_rule.place,
            label=pool_rule.label,
            wanted=pool_rule.item_names or (),
            have=environments,
            what="Environment",
        )
    bindings = parameters.semantic_model_binding
    models = _names_of(repository, ItemType.SEMANTIC_MODEL.value)
    for binding in bindings.models if bindings else ():
        _check_names(
            context,
            place=binding.place,
            label="semantic_model_binding",
            wanted=binding.model_names,
            have=models,
            what="SemanticModel",
        )
