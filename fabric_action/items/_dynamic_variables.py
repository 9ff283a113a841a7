"""Dynamic replacement variables of parameter.yml: parse them, then resolve them.

The syntax is fabric-cicd 1.4.0's (``_parameter/_utils.parse_dynamic_variable``):

* ``$items.<type>.<name>.$<attribute>`` (legacy: ``...<name>.<attribute>``), attribute
  one of ``id``, ``sqlendpoint``, ``sqlendpointid``, ``queryserviceuri`` (any case);
* ``$workspace.$id`` (also ``$workspace.id``), ``$workspace.$name``,
  ``$workspace.$name_encoded`` (URL-encoded);
* ``$workspace.<name>`` or ``$workspace.<name>.$id``: another workspace's id;
* ``$workspace.<name>.$items.<type>.<name>.$<attribute>``: an item of another workspace.

The item type must be a documented Fabric type (fabric-cicd accepts only the 31 types it
deploys; every one of those is accepted here too).
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from enum import StrEnum

from ._item_types import KNOWN_ITEM_TYPES
from ._resolver import ItemAttribute, ItemReference, TargetResolver, WorkspaceLister

ITEMS_PREFIX = "$items."
WORKSPACE_PREFIX = "$workspace."
ENVIRONMENT_PREFIX = "$ENV:"
_CROSS_WORKSPACE_SEPARATOR = ".$items."
_ATTRIBUTES = tuple(attribute.value for attribute in ItemAttribute)
_CROSS_FORMAT = "$workspace.name.$items.type.name.$attribute"


class VariableKind(StrEnum):
    """What a dynamic variable names."""

    WORKSPACE = "workspace"
    ITEM = "item"


class WorkspaceAttribute(StrEnum):
    """What a ``$workspace`` variable of the target workspace yields."""

    ID = "id"
    NAME = "name"
    NAME_ENCODED = "name_encoded"


_FIXED_WORKSPACE_VARIABLES = {
    "$workspace.id": WorkspaceAttribute.ID,
    "$workspace.$id": WorkspaceAttribute.ID,
    "$workspace.$name": WorkspaceAttribute.NAME,
    "$workspace.$name_encoded": WorkspaceAttribute.NAME_ENCODED,
}


class DynamicVariableError(ValueError):
    """A dynamic variable is malformed, or names something that does not exist."""


@dataclass(frozen=True)
class DynamicVariable:
    """A parsed dynamic variable.

    Attributes:
        kind: Whether it names a workspace or an item.
        workspace_attribute: For the target workspace's own variables; else None.
        workspace_name: Another workspace, by display name; None for the target.
        item: For item variables, the reference to look up.
    """

    kind: VariableKind
    workspace_attribute: WorkspaceAttribute | None = None
    workspace_name: str | None = None
    item: ItemReference | None = None


def _components(variable: str, items_info: str) -> tuple[str, str]:
    item_type, separator, item_name = items_info.partition(".")
    item_type, item_name = item_type.strip(), (item_name if separator else "").strip()
    if not item_type and not item_name:
        raise DynamicVariableError(f"item type and item name are missing in {variable!r}")
    if not item_type:
        raise DynamicVariableError(f"item type is missing in {variable!r}")
    if not item_name:
        raise DynamicVariableError(f"item name is missing in {variable!r}")
    if item_type not in KNOWN_ITEM_TYPES:
        raise DynamicVariableError(
            f"item type {item_type!r} in {variable!r} is not a Fabric item type "
            "(type names are case-sensitive, e.g. Lakehouse)"
        )
    return item_type, item_name


def _attribute(variable: str, attribute: str) -> ItemAttribute:
    lowered = attribute.lower()
    if lowered in _ATTRIBUTES:
        return ItemAttribute(lowered)
    raise DynamicVariableError(
        f"attribute {attribute!r} in {variable!r} is not one of {', '.join(_ATTRIBUTES)}"
    )


def _item_variable(variable: str) -> DynamicVariable:
    rest = variable.removeprefix(ITEMS_PREFIX)
    if ".$" in rest:
        items_info, attribute = rest.rsplit(".$", 1)
    else:
        head, _, tail = rest.partition(".")
        if "." not in tail:
            raise DynamicVariableError(f"{variable!r} is not $items.<type>.<name>.$<attribute>")
        cut = tail.rfind(".")
        items_info, attribute = f"{head}.{tail[:cut]}", tail[cut + 1 :].strip()
    item_type, item_name = _components(variable, items_info)
    reference = ItemReference(item_type, item_name, _attribute(variable, attribute))
    return DynamicVariable(VariableKind.ITEM, item=reference)


def _cross_workspace_item_variable(variable: str, rest: str) -> DynamicVariable:
    workspace_name, _, items_part = rest.partition(_CROSS_WORKSPACE_SEPARATOR)
    if rest.startswith(ITEMS_PREFIX) or not workspace_name.strip():
        raise DynamicVariableError(f"the workspace name is missing in {variable!r}")
    if ".$" not in items_part:
        raise DynamicVariableError(
            f"{variable!r} has no attribute; expected {_CROSS_FORMAT} with the attribute "
            f"one of {', '.join(_ATTRIBUTES)}"
        )
    items_info, attribute_text = items_part.rsplit(".$", 1)
    if attribute_text.lower() not in _ATTRIBUTES:
        raise DynamicVariableError(
            f"attribute {attribute_text!r} in {variable!r} is not one of {', '.join(_ATTRIBUTES)}"
        )
    item_type, item_name = _components(variable, items_info)
    name = workspace_name.strip()
    reference = ItemReference(item_type, item_name, ItemAttribute(attribute_text.lower()), name)
    return DynamicVariable(VariableKind.ITEM, workspace_name=name, item=reference)


def parse_dynamic_variable(variable: str) -> DynamicVariable:
    """Parse a ``$items.`` or ``$workspace.`` variable without resolving it.

    Raises:
        DynamicVariableError: When the variable is malformed (the message says how).
    """
    if variable.startswith(ITEMS_PREFIX):
        return _item_variable(variable)
    if not variable.startswith(WORKSPACE_PREFIX):
        raise DynamicVariableError(
            f"{variable!r} is not a dynamic variable: expected $items.<type>.<name>.$<attribute>, "
            "$workspace.$id, $workspace.$name, $workspace.$name_encoded, $workspace.<name>.$id "
            "or $workspace.<name>.$items.<type>.<name>.$<attribute>"
        )
    fixed = _FIXED_WORKSPACE_VARIABLES.get(variable)
    if fixed is not None:
        return DynamicVariable(VariableKind.WORKSPACE, workspace_attribute=fixed)
    rest = variable.removeprefix(WORKSPACE_PREFIX)
    if rest.startswith(ITEMS_PREFIX) or _CROSS_WORKSPACE_SEPARATOR in rest:
        return _cross_workspace_item_variable(variable, rest)
    if rest.startswith("$"):
        raise DynamicVariableError(
            f"{variable!r} is not a variable of the target workspace; use one of "
            f"{', '.join(_FIXED_WORKSPACE_VARIABLES)}"
        )
    if ".$" in rest and not rest.endswith(".$id"):
        attribute = rest.rsplit(".$", 1)[1]
        raise DynamicVariableError(
            f"attribute {attribute!r} in {variable!r} is not supported for a workspace; use $id"
        )
    name = rest.removesuffix(".$id").strip()
    if not name:
        raise DynamicVariableError(f"the workspace name is missing in {variable!r}")
    return DynamicVariable(VariableKind.WORKSPACE, workspace_name=name)


def _no_workspace(value: str, name: str, resolver: TargetResolver) -> str:
    message = f"{value}: no workspace named {name!r}"
    if isinstance(resolver, WorkspaceLister):
        names = sorted(resolver.visible_workspace_names(), key=str.casefold)
        shown = ", ".join(repr(n) for n in names[:20]) + (" ..." if len(names) > 20 else "")
        message += (
            f" is visible to the deploying identity (visible: {shown})"
            if names
            else " is visible to the deploying identity (it sees no workspace)"
        )
    return message


def resolve_value(value: str, resolver: TargetResolver) -> str:
    """Return what a replace value stands for in the target: itself, or a variable's value.

    Plain values (and ``$ENV:`` tokens, already substituted when the file was read) come
    back unchanged, as in fabric-cicd's ``extract_replace_value``.

    Raises:
        DynamicVariableError: When the variable is malformed or what it names is missing.
    """
    if not value.startswith("$") or value.startswith(ENVIRONMENT_PREFIX):
        return value
    variable = parse_dynamic_variable(value)
    if variable.item is not None:
        if variable.workspace_name is not None and (
            resolver.workspace_id_by_name(variable.workspace_name) is None
        ):
            raise DynamicVariableError(_no_workspace(value, variable.workspace_name, resolver))
        found = resolver.item_attribute(variable.item)
        if not found:
            raise DynamicVariableError(f"{value}: no {variable.item} (is it deployed?)")
        return found
    if variable.workspace_name is not None:
        workspace_id = resolver.workspace_id_by_name(variable.workspace_name)
        if workspace_id is None:
            raise DynamicVariableError(_no_workspace(value, variable.workspace_name, resolver))
        return workspace_id
    if variable.workspace_attribute is WorkspaceAttribute.ID:
        return resolver.workspace_id
    name = resolver.workspace_name()
    if not name:
        raise DynamicVariableError(f"{value}: the target workspace's name is not known")
    if variable.workspace_attribute is WorkspaceAttribute.NAME_ENCODED:
        return urllib.parse.quote(name, safe="")
    return name
