"""Fabric items from Git folders: read, parameterise, check and fingerprint. Pure, no HTTP.

The pieces, in the order a deployment uses them::

    repository = read_repository("workspace")                    # items, parts, folders
    items = select_items(repository, ItemFilter(item_types=...))  # what this run deploys
    parameters = load_parameters("workspace", environment="PROD", repository=repository)
    check_reference_coverage(items, repository=repository, parameters=parameters,
                             source_workspace_ids=[...]).raise_for_errors()
    for item in items:                                            # in dependency order
        item_dependencies(item, repository=repository, parameters=parameters)
        rendered = render_item(item, repository=repository, resolver=target,
                               parameters=parameters)             # what is sent
        definition_hash(item.item_type, rendered.parts)           # change detection

Rendering and parameterisation reproduce fabric-cicd 1.4.0 byte for byte (its
``parameter.yml`` included); what the target knows is asked of a :class:`TargetResolver`.
"""

from ._content_kind import classify_content
from ._coverage import (
    CoverageFinding,
    CoverageReport,
    FindingKind,
    check_reference_coverage,
)
from ._dependencies import item_dependencies
from ._intents import (
    DEFAULT_VALUE_SET,
    ConnectionBinding,
    ValueSetActivation,
    semantic_model_bindings,
    value_set_activation,
)
from ._item_types import KNOWN_ITEM_TYPES, ZERO_GUID, ItemType
from ._model import DefinitionPart, ItemKey, Repository, SourceItem, parts_from_wire
from ._normalise import definition_hash, normalise_definition
from ._parameter_load import DEFAULT_PARAMETER_FILE, load_parameters
from ._parameter_model import ParameterSet
from ._planning_resolver import PlanningResolver
from ._reader import DEFAULT_MAX_PART_BYTES, ReadOptions, read_repository
from ._render import RenderedItem, render_item
from ._resolver import (
    ItemAttribute,
    ItemReference,
    MappingResolver,
    TargetResolver,
    WorkspaceLister,
)
from ._selection import ItemFilter, select_items

__all__ = [
    "DEFAULT_MAX_PART_BYTES",
    "DEFAULT_PARAMETER_FILE",
    "DEFAULT_VALUE_SET",
    "KNOWN_ITEM_TYPES",
    "ZERO_GUID",
    "ConnectionBinding",
    "CoverageFinding",
    "CoverageReport",
    "DefinitionPart",
    "FindingKind",
    "ItemAttribute",
    "ItemFilter",
    "ItemKey",
    "ItemReference",
    "ItemType",
    "MappingResolver",
    "ParameterSet",
    "PlanningResolver",
    "ReadOptions",
    "RenderedItem",
    "Repository",
    "SourceItem",
    "TargetResolver",
    "ValueSetActivation",
    "WorkspaceLister",
    "check_reference_coverage",
    "classify_content",
    "definition_hash",
    "item_dependencies",
    "load_parameters",
    "normalise_definition",
    "parts_from_wire",
    "read_repository",
    "render_item",
    "select_items",
    "semantic_model_bindings",
    "value_set_activation",
]
