"""Load ``parameter.yml`` (and its ``extend`` templates) into a :class:`ParameterSet`.

Compatible with fabric-cicd 1.4.0's ``Parameter`` class: the same file location
(``<repository>/parameter.yml`` unless a path is given; a relative path is relative to
the repository), the same ``$ENV:<NAME>`` substitution in the raw text (only when
environment-variable replacement is on, fabric-cicd's
``enable_environment_variable_replacement`` flag), the same template merge (lists
appended, mappings merged, anything else paired for validation) and the same rules.

Every problem is reported at once, with ``file:line``, as
:class:`~fabric_action.errors.ParameterError`. Where fabric-cicd only logs and carries on
without part of the file (a template that is missing, invalid or nested; an ``extend``
that is not a list; an explicitly named parameter file that does not exist), that is an
error here too, because a deployment without the rules it was given is the silent
failure users report.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from ..errors import ParameterError
from ._binding_rules import binding_rules
from ._model import Repository
from ._parameter_checks import RuleContext
from ._parameter_model import ParameterSet
from ._parameter_rules import find_replace_rule, key_value_rule, spark_pool_rule
from ._problems import problem
from ._repository_checks import check_rules_against_repository
from ._yaml_source import Place, Places, load_yaml, read_text_file, substitute_environment_variables

DEFAULT_PARAMETER_FILE = "parameter.yml"
_LIST_PARAMETERS = ("find_replace", "key_value_replace", "spark_pool")
_PARAMETERS = (*_LIST_PARAMETERS, "semantic_model_binding", "gateway_binding")


def _read_document(
    path: Path, shown: str, context: RuleContext, environ: Mapping[str, str] | None
) -> dict[str, Any] | None:
    text, problems = read_text_file(str(path), shown=shown)
    context.problems.extend(problems)
    if text is None:
        return None
    if environ is not None:
        text = substitute_environment_variables(text, environ)
    document, problems = load_yaml(text, file=shown, places=context.places)
    context.problems.extend(problems)
    if problems:
        return None
    if document is None:
        context.problems.append(
            problem("parameter.empty", "is empty; remove it or add rules", file=shown)
        )
        return None
    if not isinstance(document, dict):
        message = "must be a mapping of parameter names (find_replace, key_value_replace, ...)"
        context.problems.append(problem("parameter.shape", message, file=shown, line=1))
        return None
    return document


def _merge(places: Places, base: dict[Any, Any], template: dict[Any, Any]) -> dict[Any, Any]:
    """Merge a template into the base like fabric-cicd's ``_merge_template_dict``."""
    result = dict(base)
    places.copy_keys(base, result)
    places.record(result, None, places.of(base) or Place("", None))
    for key, template_value in template.items():  # a template never has "extend" here
        if key not in result:
            result[key] = template_value
            places.record(result, key, places.of(template, key) or Place("", None))
            continue
        base_value = result[key]
        if isinstance(base_value, list) and isinstance(template_value, list):
            merged = base_value + template_value
            sources = [(base_value, i) for i in range(len(base_value))]
            sources += [(template_value, i) for i in range(len(template_value))]
            for index, (source, source_index) in enumerate(sources):
                places.record(merged, index, places.of(source, source_index) or Place("", None))
            places.record(merged, None, places.of(base_value) or Place("", None))
            result[key] = merged
        elif isinstance(base_value, dict) and isinstance(template_value, dict):
            result[key] = _merge(places, base_value, template_value)
        else:
            pair = [base_value, template_value]
            places.record(pair, 0, places.of(base, key) or Place("", None))
            places.record(pair, 1, places.of(template, key) or Place("", None))
            result[key] = pair
    return result


def _extend(
    document: dict[str, Any],
    path: Path,
    context: RuleContext,
    environ: Mapping[str, str] | None,
    files: list[str],
) -> dict[str, Any]:
    templates = document["extend"]
    if not isinstance(templates, list) or not templates:
        message = "extend must be a non-empty list of template parameter files"
        context.error("parameter.extend", message, document, "extend", "extend")
        return {key: value for key, value in document.items() if key != "extend"}
    merged = document
    seen: set[str] = set()
    for index, entry in enumerate(templates):
        where = f"extend[{index}]"
        if not isinstance(entry, str) or not entry:
            context.error(
                "parameter.extend", f"{where} must be a file path", templates, index, where
            )
            continue
        if entry in seen:
            message = f"{where}: {entry!r} is listed twice; the repeat is skipped"
            context.warn("parameter.extend", message, templates, index, where)
            continue
        seen.add(entry)
        template_path = (path.parent / entry).resolve()
        shown = (path.parent / entry).as_posix()
        if not template_path.is_file():
            context.error(
                "parameter.extend",
                f"{where}: template {entry!r} does not exist",
                templates,
                index,
                where,
            )
            continue
        template = _read_document(template_path, shown, context, environ)
        if template is None:
            continue
        files.append(shown)
        if "extend" in template:
            message = f"{where}: template {entry!r} has its own extend; templates cannot nest"
            context.error("parameter.extend", message, templates, index, where)
            continue
        merged = _merge(context.places, merged, template)
    return {key: value for key, value in merged.items() if key != "extend"}


def _validate_document(context: RuleContext, document: dict[str, Any], shown: str) -> ParameterSet:
    for key in document:
        if key not in _PARAMETERS:
            message = f"{key!r} is not a parameter; supported: {', '.join(_PARAMETERS)}"
            context.error("parameter.unknown-key", message, document, key, str(key))
    if not any(key in document for key in _PARAMETERS):
        context.problems.append(problem("parameter.empty", "defines no parameters", file=shown))
    rules: dict[str, list[Any]] = {name: [] for name in _LIST_PARAMETERS}
    builders = {
        "find_replace": find_replace_rule,
        "key_value_replace": key_value_rule,
        "spark_pool": spark_pool_rule,
    }
    for name in _LIST_PARAMETERS:
        entries = document.get(name)
        if name in document and not isinstance(entries, list):
            context.error(
                "parameter.shape", f"{name} must be a list of rules", document, name, name
            )
            continue
        for index, entry in enumerate(entries or []):
            if not isinstance(entry, dict):
                message = (
                    f"{name}[{index}] must be a mapping of keys (find_value, replace_value...)"
                )
                context.error("parameter.shape", message, entries, index, f"{name}[{index}]")
                continue
            rule = builders[name](context, entry, f"{name}[{index}]")
            if rule is not None:
                rules[name].append(rule)
    return ParameterSet(
        environment=context.environment,
        find_replace=tuple(rules["find_replace"]),
        key_value_replace=tuple(rules["key_value_replace"]),
        spark_pool=tuple(rules["spark_pool"]),
        semantic_model_binding=binding_rules(context, document),
    )


def load_parameters(
    repository_root: str | Path,
    *,
    environment: str,
    parameter_file: str | Path | None = None,
    environment_variables: bool = False,
    environ: Mapping[str, str] | None = None,
    repository: Repository | None = None,
    item_types_in_scope: Collection[str] | None = None,
) -> ParameterSet:
    """Load and validate the parameter file of a repository for one environment.

    Args:
        repository_root: The items directory (fabric-cicd's ``repository_directory``).
        environment: The environment whose values are used (case-sensitive).
        parameter_file: The file; relative paths are relative to *repository_root*.
            None means ``<repository_root>/parameter.yml``, and no parameters when that
            file does not exist (a named file that does not exist is an error).
        environment_variables: Replace ``$ENV:<NAME>`` tokens (default off, as in
            fabric-cicd, where the ``enable_environment_variable_replacement`` flag turns
            it on).
        environ: Where ``$ENV:`` tokens are looked up; ``os.environ`` when None.
        repository: When given, filters and binding names that match nothing in it are
            reported in :attr:`ParameterSet.warnings`.
        item_types_in_scope: When given, ``item_type`` filters outside it are warned about.

    Returns:
        The validated rules (empty when there is no parameter file).

    Raises:
        ParameterError: With every problem of the file and its templates.
    """
    if not environment:
        raise ValueError("environment must be a non-empty environment name")
    root = Path(repository_root)
    named = parameter_file is not None
    path = Path(parameter_file) if parameter_file is not None else Path(DEFAULT_PARAMETER_FILE)
    path = path if path.is_absolute() else root / path
    shown = path.as_posix()
    if not named and not path.exists():
        return ParameterSet(environment=environment)
    lookup = (os.environ if environ is None else environ) if environment_variables else None
    context = RuleContext(Places(), environment, root, environment_variables)
    files = [shown]
    document = _read_document(path, shown, context, lookup)
    parameters = ParameterSet(environment=environment)
    if document is not None:
        if "extend" in document:
            document = _extend(document, path, context, lookup, files)
        parameters = _validate_document(context, document, shown)
        if repository is not None:
            check_rules_against_repository(context, parameters, repository, item_types_in_scope)
    if context.problems:
        raise ParameterError(context.problems)
    return ParameterSet(
        environment=environment,
        files=tuple(files),
        find_replace=parameters.find_replace,
        key_value_replace=parameters.key_value_replace,
        spark_pool=parameters.spark_pool,
        semantic_model_binding=parameters.semantic_model_binding,
        warnings=tuple(context.warnings),
    )
