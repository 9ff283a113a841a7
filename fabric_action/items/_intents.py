"""What the deploy step must do after a definition is sent: bindings and value sets.

Rendered here as plain values (no HTTP), from the same rules fabric-cicd 1.4.0 follows:

* :func:`semantic_model_bindings`: which connections each semantic model is bound to
  (``_items/_semanticmodel.build_binding_mapping`` and ``..._legacy``): explicit entries
  first, then ``default`` for every other semantic model of the repository; names the
  repository lacks are skipped (and warned about when the parameters are loaded);
* :func:`value_set_activation`: which value set a VariableLibrary makes active
  (``_items/_variablelibrary.activate_value_set``): the set named like the environment
  when ``settings.json`` lists it in ``valueSetsOrder``, else ``Default value set``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import PurePosixPath

from ..errors import ItemSourceError
from ._item_types import ItemType
from ._model import ItemKey, Repository
from ._parameter_model import ParameterSet, value_for_environment
from ._problems import problem
from ._render import RenderedItem

DEFAULT_VALUE_SET = "Default value set"


@dataclass(frozen=True)
class ConnectionBinding:
    """Bind a semantic model to connections (``POST .../semanticModels/{id}/bindConnection``).

    Attributes:
        semantic_model: The model's display name.
        connection_ids: The connections, in the order given.
    """

    semantic_model: str
    connection_ids: tuple[str, ...]


@dataclass(frozen=True)
class ValueSetActivation:
    """Make a value set of a VariableLibrary active (``PATCH .../VariableLibraries/{id}``).

    Attributes:
        item: The VariableLibrary.
        value_set: The value set's name.
        matches_environment: False when the environment has no value set of its name and
            the default is used (fabric-cicd warns then).
    """

    item: ItemKey
    value_set: str
    matches_environment: bool


def semantic_model_bindings(
    parameters: ParameterSet, repository: Repository
) -> tuple[ConnectionBinding, ...]:
    """Return the connection bindings for the parameters' environment, by model name."""
    rules = parameters.semantic_model_binding
    if rules is None:
        return ()
    in_repository = {
        item.display_name
        for item in repository.items
        if item.item_type == ItemType.SEMANTIC_MODEL.value
    }
    mapping: dict[str, tuple[str, ...]] = {}
    explicit: set[str] = set()
    for rule in rules.models:
        has_ids, ids = value_for_environment(rule.connection_ids, parameters.environment)
        if not has_ids:
            continue
        explicit.update(rule.model_names)
        for name in rule.model_names:
            if name in in_repository:
                mapping[name] = ids
    if rules.default is not None:
        has_ids, ids = value_for_environment(rules.default, parameters.environment)
        if has_ids:
            for name in in_repository - explicit:
                mapping[name] = ids
    return tuple(ConnectionBinding(name, ids) for name, ids in sorted(mapping.items()))


def value_set_activation(rendered: RenderedItem, environment: str) -> ValueSetActivation | None:
    """Return the value set to activate for a rendered VariableLibrary.

    Returns:
        None when the item has no ``settings.json`` (fabric-cicd then leaves the active
        set alone) or is not a VariableLibrary.

    Raises:
        ItemSourceError: When ``settings.json`` is not JSON or has no ``valueSetsOrder``
            list (fabric-cicd fails with a KeyError there).
    """
    item = rendered.item
    if item.item_type != ItemType.VARIABLE_LIBRARY.value:
        return None
    settings = next(
        (p for p in rendered.parts if PurePosixPath(p.path).name == "settings.json"), None
    )
    if settings is None:
        return None
    file = f"{item.directory}/{settings.path}"
    try:
        document = json.loads(settings.text)
    except json.JSONDecodeError as exc:
        message = f"is not valid JSON: {exc.msg}"
        raise ItemSourceError(
            [problem("source.json", message, file=file, line=exc.lineno)]
        ) from exc
    order = document.get("valueSetsOrder") if isinstance(document, dict) else None
    if not isinstance(order, list):
        message = "has no valueSetsOrder list; list the value sets (valueSets/<name>.json) in it"
        raise ItemSourceError([problem("source.variable-library", message, file=file)])
    matched = environment in order
    return ValueSetActivation(item.key, environment if matched else DEFAULT_VALUE_SET, matched)
