"""The item types Fabric knows, their REST collection names and definition rules.

The ``ItemType`` enum of the spec is open (``modelAsString``, reference §9.2): a type not
listed here is still accepted and stored as sent; it only has no typed endpoint.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

KNOWN_ITEM_TYPES: tuple[str, ...] = (
    "Dashboard",
    "Report",
    "SemanticModel",
    "PaginatedReport",
    "Datamart",
    "Lakehouse",
    "Eventhouse",
    "Environment",
    "KQLDatabase",
    "KQLQueryset",
    "KQLDashboard",
    "DataPipeline",
    "Notebook",
    "SparkJobDefinition",
    "MLExperiment",
    "MLModel",
    "Warehouse",
    "Eventstream",
    "SQLEndpoint",
    "MirroredWarehouse",
    "MirroredDatabase",
    "Reflex",
    "GraphQLApi",
    "MountedDataFactory",
    "SQLDatabase",
    "CopyJob",
    "VariableLibrary",
    "Dataflow",
    "ApacheAirflowJob",
    "WarehouseSnapshot",
    "DigitalTwinBuilder",
    "DigitalTwinBuilderFlow",
    "MirroredAzureDatabricksCatalog",
    "Map",
    "AnomalyDetector",
    "UserDataFunction",
    "GraphModel",
    "GraphQuerySet",
    "SnowflakeDatabase",
    "OperationsAgent",
    "CosmosDBDatabase",
    "Ontology",
    "EventSchemaSet",
    "DataAgent",
    "MirroredCatalog",
    "AppBackend",
    "OrgApp",
    "OrgAppAudience",
    "DataBuildToolJob",
    "AzureDatabricksStorage",
    "Plan",
)
"""The 51 values of the spec's ``ItemType`` enum (reference §9.2) [S]."""

TYPES_WITHOUT_DEFINITION = frozenset({"Dashboard", "Datamart", "SQLEndpoint", "MirroredWarehouse"})
"""Types whose definition the public API neither returns nor accepts [K]: their
``getDefinition``/``updateDefinition`` answer 400 ``OperationNotSupportedForItem``."""

_TYPE_SHAPE = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,99}$")
_BY_LOWER: Mapping[str, str] = {name.lower(): name for name in KNOWN_ITEM_TYPES}


def is_valid_type_name(value: str) -> bool:
    """Return whether ``value`` looks like an item type (a word of letters and digits).

    Unknown but well-formed types pass: the enum grows over time and clients must pass
    them through (STYLE rule 5). Only malformed ones are ``InvalidItemType``.
    """
    return bool(_TYPE_SHAPE.match(value))


def canonical_type(value: str) -> str:
    """Return the service's spelling of a known type (``notebook`` → ``Notebook``)."""
    return _BY_LOWER.get(value.lower(), value)


def _lower_camel(type_name: str) -> str:
    """Lower the leading capital run: ``SQLEndpoint`` → ``sqlEndpoint``, ``Map`` → ``map``."""
    run = re.match(r"^[A-Z]+", type_name)
    if run is None:
        return type_name
    head = run.group(0)
    if len(head) > 1 and len(head) < len(type_name):
        head = head[:-1]  # the last capital starts the next word: "SQLE" → "sql" + "E"
    return head.lower() + type_name[len(head) :]


def _plural(word: str) -> str:
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("x", "s")):
        return word + "es"
    return word + "s"


def collection_names(type_name: str) -> tuple[str, ...]:
    """Return the URL segments of a type's typed endpoints (``/workspaces/{ws}/<segment>``).

    The first is the REST name (``variableLibraries``, ``reflexes``); the second, when it
    differs, is fabric-cicd's naive ``type.lower() + "s"`` (``variablelibrarys``) [C
    ``FabricWorkspace._get_item_attribute``]. Routes compare literals case-insensitively,
    so ``VariableLibraries`` (what fabric-cicd sends for PATCH) matches the first.
    """
    proper = _plural(_lower_camel(type_name))
    naive = type_name.lower() + "s"
    return (proper,) if naive == proper.lower() else (proper, naive)
