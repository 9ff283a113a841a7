"""Fabric item types, and the per-type rules of the Git folder format.

Item types are wire strings. :class:`ItemType` names the types the REST API documents
today (reference/fabric-api.md §9.2, the ``ItemType`` enum of the spec) so code can
compare against a name instead of a literal; an item of any other type is still read,
rendered and deployed unchanged (the enum is ``modelAsString`` and grows over time).
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import PurePosixPath


class ItemType(StrEnum):
    """The item types Fabric's REST API documents (spec ``ItemType``, 51 values)."""

    ANOMALY_DETECTOR = "AnomalyDetector"
    APACHE_AIRFLOW_JOB = "ApacheAirflowJob"
    APP_BACKEND = "AppBackend"
    AZURE_DATABRICKS_STORAGE = "AzureDatabricksStorage"
    COPY_JOB = "CopyJob"
    COSMOS_DB_DATABASE = "CosmosDBDatabase"
    DASHBOARD = "Dashboard"
    DATA_AGENT = "DataAgent"
    DATA_BUILD_TOOL_JOB = "DataBuildToolJob"
    DATA_PIPELINE = "DataPipeline"
    DATAFLOW = "Dataflow"
    DATAMART = "Datamart"
    DIGITAL_TWIN_BUILDER = "DigitalTwinBuilder"
    DIGITAL_TWIN_BUILDER_FLOW = "DigitalTwinBuilderFlow"
    ENVIRONMENT = "Environment"
    EVENT_SCHEMA_SET = "EventSchemaSet"
    EVENTHOUSE = "Eventhouse"
    EVENTSTREAM = "Eventstream"
    GRAPH_MODEL = "GraphModel"
    GRAPH_QUERY_SET = "GraphQuerySet"
    GRAPHQL_API = "GraphQLApi"
    KQL_DASHBOARD = "KQLDashboard"
    KQL_DATABASE = "KQLDatabase"
    KQL_QUERYSET = "KQLQueryset"
    LAKEHOUSE = "Lakehouse"
    MAP = "Map"
    MIRRORED_AZURE_DATABRICKS_CATALOG = "MirroredAzureDatabricksCatalog"
    MIRRORED_CATALOG = "MirroredCatalog"
    MIRRORED_DATABASE = "MirroredDatabase"
    MIRRORED_WAREHOUSE = "MirroredWarehouse"
    ML_EXPERIMENT = "MLExperiment"
    ML_MODEL = "MLModel"
    MOUNTED_DATA_FACTORY = "MountedDataFactory"
    NOTEBOOK = "Notebook"
    ONTOLOGY = "Ontology"
    OPERATIONS_AGENT = "OperationsAgent"
    ORG_APP = "OrgApp"
    ORG_APP_AUDIENCE = "OrgAppAudience"
    PAGINATED_REPORT = "PaginatedReport"
    PLAN = "Plan"
    REFLEX = "Reflex"
    REPORT = "Report"
    SEMANTIC_MODEL = "SemanticModel"
    SNOWFLAKE_DATABASE = "SnowflakeDatabase"
    SPARK_JOB_DEFINITION = "SparkJobDefinition"
    SQL_DATABASE = "SQLDatabase"
    SQL_ENDPOINT = "SQLEndpoint"
    USER_DATA_FUNCTION = "UserDataFunction"
    VARIABLE_LIBRARY = "VariableLibrary"
    WAREHOUSE = "Warehouse"
    WAREHOUSE_SNAPSHOT = "WarehouseSnapshot"


KNOWN_ITEM_TYPES = frozenset(member.value for member in ItemType)
"""Every documented type name, for validating ``$items.<type>...`` references."""

ZERO_GUID = "00000000-0000-0000-0000-000000000000"
"""The placeholder id of exports: a ``.platform`` logicalId, a workspace id to fill in."""

PLATFORM_FILE = ".platform"
CHILDREN_FOLDER = ".children"

_EXCLUDED_PART_PATTERNS: dict[str, re.Pattern[str]] = {
    # fabric-cicd 1.4.0 constants.EXCLUDE_PATH_REGEX_MAPPING, applied with re.match to
    # the part path: a ".pbi" folder holds Power BI Desktop's local cache and settings.
    ItemType.DATA_AGENT.value: re.compile(r".*\.pbi[/\\].*"),
    ItemType.REPORT.value: re.compile(r".*\.pbi[/\\].*"),
    ItemType.SEMANTIC_MODEL.value: re.compile(r".*\.pbi[/\\].*"),
    ItemType.EVENTHOUSE.value: re.compile(r".*\.children[/\\].*"),
}


def is_excluded_part(item_type: str, part_path: str) -> bool:
    """Return whether a file of an item folder is not part of the item's definition.

    Mirrors fabric-cicd: ``.pbi/`` folders of Report, SemanticModel and DataAgent, and the
    ``.children/`` folder of an Eventhouse (its KQL databases are items of their own).
    """
    pattern = _EXCLUDED_PART_PATTERNS.get(item_type)
    return pattern is not None and pattern.match(part_path) is not None


_DEFINITION_FORMATS: dict[str, str] = {
    # fabric-cicd sends SparkJobDefinitionV2 always, ipynb for notebooks stored as .ipynb.
    ItemType.SPARK_JOB_DEFINITION.value: "SparkJobDefinitionV2",
}


def definition_format(item_type: str, part_paths: tuple[str, ...]) -> str | None:
    """Return the ``definition.format`` to send for an item, or None to leave it out."""
    if item_type == ItemType.NOTEBOOK.value:
        is_ipynb = any(PurePosixPath(path).suffix == ".ipynb" for path in part_paths)
        return "ipynb" if is_ipynb else None
    return _DEFINITION_FORMATS.get(item_type)
