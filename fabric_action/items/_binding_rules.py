"""Validate ``semantic_model_binding`` (both formats) and the deprecated ``gateway_binding``.

New format (fabric-cicd 1.4.0)::

    semantic_model_binding:
      default: {connection_id: {PROD: <guid>, _ALL_: ...}}
      models:
        - semantic_model_name: [Sales Model]
          connection_id: {PROD: [<guid>, <guid>]}

Legacy format: a list of ``{connection_id: <guid>, semantic_model_name: <name or list>}``;
``gateway_binding`` entries (``gateway_id``, ``dataset_name``) are legacy entries under
another name. Stricter than fabric-cicd: unknown keys inside ``default`` and ``models``
entries are refused, and ``gateway_binding`` beside the new format is an error (fabric-cicd
drops it with a warning).
"""

from __future__ import annotations

import re
from typing import Any

from ._parameter_checks import RuleContext, check_environments, check_keys, texts
from ._parameter_model import ALL_ENVIRONMENTS, ModelBindingRule, SemanticModelBindingRules

_GUID = re.compile(r"^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}$")
_LEGACY_KEYS = ("connection_id", "semantic_model_name")
_NEW_KEYS = ("default", "models")


def _guid(
    context: RuleContext, value: Any, container: object, key: object, path: str
) -> str | None:
    if isinstance(value, str) and _GUID.match(value):
        return value
    context.error(
        "parameter.connection-id",
        f"{path}: {value!r} is not a connection id (GUID)",
        container,
        key,
        path,
    )
    return None


def _connection_ids(
    context: RuleContext, entry: dict[str, Any], path: str
) -> dict[str, tuple[str, ...]] | None:
    """Validate a new-format ``connection_id``: environment -> GUID or list of GUIDs."""
    value = entry.get("connection_id")
    if not isinstance(value, dict) or not value:
        message = (
            f"{path}.connection_id must map environments (or _ALL_) to connection ids, e.g. "
            "{PROD: <guid>}"
        )
        context.error("parameter.connection-id", message, entry, "connection_id", path)
        return None
    result: dict[str, tuple[str, ...]] = {}
    for environment, ids in value.items():
        where = f"{path}.connection_id.{environment}"
        listed = ids if isinstance(ids, list) else [ids]
        if not listed:
            context.error(
                "parameter.connection-id", f"{where} is an empty list", value, environment, where
            )
            continue
        checked = [_guid(context, one, value, environment, where) for one in listed]
        if all(checked):
            result[str(environment)] = tuple(one for one in checked if one)
    check_environments(context, value, path, "connection_id")
    return result


def _model_names(context: RuleContext, entry: dict[str, Any], path: str) -> tuple[str, ...]:
    if not entry.get("semantic_model_name"):
        message = f"{path}.semantic_model_name must name one or more semantic models"
        context.error("parameter.missing-key", message, entry, "semantic_model_name", path)
        return ()
    return texts(context, entry, "semantic_model_name", path) or ()


def _new_format(context: RuleContext, value: dict[str, Any]) -> SemanticModelBindingRules | None:
    label = "semantic_model_binding"
    legacy = [key for key in _LEGACY_KEYS if key in value]
    if legacy:
        message = f"{label} mixes the list format's keys with default/models; use one format"
        context.error("parameter.binding-format", message, value, legacy[0], label)
        return None
    check_keys(context, value, label, required=(), optional=_NEW_KEYS)
    if not any(key in value for key in _NEW_KEYS):
        context.error(
            "parameter.missing-key", f"{label} needs 'default' or 'models'", value, path=label
        )
        return None
    default: dict[str, tuple[str, ...]] | None = None
    if "default" in value:
        section = value["default"]
        if check_keys(
            context,
            section,
            f"{label}.default",
            required=("connection_id",),
            optional=(),
            at=(value, "default"),
        ):
            default = _connection_ids(context, section, f"{label}.default")
    models: list[ModelBindingRule] = []
    if "models" in value:
        entries = value["models"]
        if not isinstance(entries, list) or not entries:
            message = f"{label}.models must be a non-empty list"
            context.error("parameter.shape", message, value, "models", f"{label}.models")
            entries = []
        for index, entry in enumerate(entries):
            path = f"{label}.models[{index}]"
            if not check_keys(
                context, entry, path, required=_LEGACY_KEYS, optional=(), at=(entries, index)
            ):
                continue
            names = _model_names(context, entry, path)
            ids = _connection_ids(context, entry, path)
            if ids is not None:
                models.append(
                    ModelBindingRule(
                        place=context.place(entry), model_names=names, connection_ids=ids
                    )
                )
    _warn_duplicates(context, models, value)
    return SemanticModelBindingRules(legacy=False, default=default, models=tuple(models))


def _legacy_format(context: RuleContext, entries: list[Any], label: str) -> list[ModelBindingRule]:
    models: list[ModelBindingRule] = []
    for index, entry in enumerate(entries):
        path = f"{label}[{index}]"
        if isinstance(entry, dict) and any(key in entry for key in _NEW_KEYS):
            message = f"{path} mixes default/models with the list format; use one format"
            context.error("parameter.binding-format", message, entry, path=path)
            continue
        if not check_keys(
            context, entry, path, required=_LEGACY_KEYS, optional=(), at=(entries, index)
        ):
            continue
        names = _model_names(context, entry, path)
        connection = entry.get("connection_id")
        if isinstance(connection, dict):
            message = (
                f"{path}.connection_id: per-environment connection ids need the default/models "
                "format; the list format takes one connection id for every environment"
            )
            context.error("parameter.binding-format", message, entry, "connection_id", path)
            continue
        connection_id = _guid(context, connection, entry, "connection_id", f"{path}.connection_id")
        if connection_id is not None:
            ids = {ALL_ENVIRONMENTS: (connection_id,)}
            models.append(
                ModelBindingRule(place=context.place(entry), model_names=names, connection_ids=ids)
            )
    return models


def _gateway_entries(context: RuleContext, document: dict[str, Any]) -> list[Any]:
    entries = document["gateway_binding"]
    if not isinstance(entries, list):
        message = "gateway_binding must be a list"
        context.error("parameter.shape", message, document, "gateway_binding", "gateway_binding")
        return []
    converted: list[Any] = []
    for index, entry in enumerate(entries):
        path = f"gateway_binding[{index}]"
        if check_keys(
            context,
            entry,
            path,
            required=("gateway_id", "dataset_name"),
            optional=(),
            at=(entries, index),
        ):
            renamed = {
                "connection_id": entry["gateway_id"],
                "semantic_model_name": entry["dataset_name"],
            }
            context.places.record(renamed, None, context.place(entry))
            for new, old in (
                ("connection_id", "gateway_id"),
                ("semantic_model_name", "dataset_name"),
            ):
                context.places.record(renamed, new, context.place(entry, old))
            converted.append(renamed)
    return converted


def _warn_duplicates(
    context: RuleContext, models: list[ModelBindingRule], container: object
) -> None:
    names = [name for model in models for name in model.model_names]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        message = (
            f"semantic model(s) {', '.join(repeated)} appear in more than one binding entry; "
            "the last entry wins"
        )
        context.warn(
            "parameter.binding-duplicate", message, container, path="semantic_model_binding"
        )


def binding_rules(
    context: RuleContext, document: dict[str, Any]
) -> SemanticModelBindingRules | None:
    """Validate ``semantic_model_binding`` and ``gateway_binding`` of a loaded document."""
    value = document.get("semantic_model_binding")
    gateway = document.get("gateway_binding")
    if gateway is not None:
        message = "gateway_binding is deprecated; move its entries to semantic_model_binding"
        context.warn(
            "parameter.deprecated", message, document, "gateway_binding", "gateway_binding"
        )
        if isinstance(value, dict):
            message = (
                "gateway_binding cannot be combined with the default/models format of "
                "semantic_model_binding (fabric-cicd would drop it); move its entries to models"
            )
            context.error(
                "parameter.binding-format", message, document, "gateway_binding", "gateway_binding"
            )
            gateway = None
    if value is None and gateway is None:
        return None
    if isinstance(value, dict):
        return _new_format(context, value)
    if value is not None and not isinstance(value, list):
        message = "semantic_model_binding must be a list (legacy) or a mapping with default/models"
        context.error(
            "parameter.shape", message, document, "semantic_model_binding", "semantic_model_binding"
        )
        return None
    models = _legacy_format(context, value or [], "semantic_model_binding")
    if gateway is not None:
        models += _legacy_format(context, _gateway_entries(context, document), "gateway_binding")
    _warn_duplicates(context, models, document)
    return SemanticModelBindingRules(legacy=True, default=None, models=tuple(models))
