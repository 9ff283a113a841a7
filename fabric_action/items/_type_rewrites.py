"""Per-type rewrites fabric-cicd 1.4.0 makes before the generic ones.

* Report ``definition.pbir``: a ``byPath`` dataset reference (how Power BI Desktop
  points at a model in the same repository) becomes the ``byConnection`` block below,
  naming the model's logical id, which the logical-id step then turns into the deployed
  model's id; the REST API accepts only ``byConnection`` (``_items/_report.py``).
* Environment ``Setting/Sparkcompute.yml``: ``instance_pool_id`` becomes the id of the
  target's pool that a ``spark_pool`` rule names (``_items/_environment.py``). The file
  is written back with ``yaml.dump(sort_keys=False)`` whenever it has that key.
* KQLQueryset ``RealTimeQueryset.json`` / KQLDashboard ``RealTimeDashboard.json``: an
  empty ``clusterUri`` of a data source becomes its KQL database's query service URI
  (``_items/_kqlqueryset.py``, ``_items/_kqldashboard.py``).

The output formats (``json.dumps(indent=4)`` and ``indent=2``, ASCII escapes) are
fabric-cicd's, so the bytes match.
"""

from __future__ import annotations

import json
import posixpath
from pathlib import PurePosixPath
from typing import Any

import yaml

from ._item_types import ZERO_GUID, ItemType
from ._model import Repository, SourceItem
from ._parameter_model import ParameterSet, value_for_environment
from ._problems import PartRenderError, problem
from ._resolver import ItemAttribute, ItemReference, TargetResolver

REPORT_SCHEMA = "https://developer.microsoft.com/json-schemas/fabric/item/report/definitionProperties/1.0.0/schema.json"


def _json(text: str, file: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        found = problem(
            "source.json",
            f"is not valid JSON: {exc.msg}",
            file=file,
            line=exc.lineno,
            column=exc.colno,
        )
        raise PartRenderError(found) from exc


def bind_report_by_connection(
    text: str, *, item: SourceItem, repository: Repository, file: str
) -> str:
    """Rewrite a report's ``byPath`` model reference into fabric-cicd's ``byConnection`` block."""
    body = _json(text, file)
    reference = body.get("datasetReference") if isinstance(body, dict) else None
    if not isinstance(reference, dict) or reference.get("byPath") is None:
        return text
    by_path = reference["byPath"]
    relative = by_path.get("path") if isinstance(by_path, dict) else None
    if not isinstance(relative, str):
        raise PartRenderError(
            problem("source.report", "datasetReference.byPath has no path", file=file)
        )
    model_directory = posixpath.normpath(
        posixpath.join(item.directory, relative.replace("\\", "/"))
    )
    model = repository.at(model_directory)
    if model is None or model.item_type != ItemType.SEMANTIC_MODEL.value:
        message = (
            f"datasetReference.byPath {relative!r} names no semantic model of the repository "
            f"({model_directory}); deploy the model with the report or bind it byConnection"
        )
        raise PartRenderError(problem("source.report-model", message, file=file))
    if model.logical_id == ZERO_GUID:
        message = (
            f"the semantic model {model.directory} has the all-zero logicalId, so the report "
            "cannot be bound to it; give the model a unique logicalId"
        )
        raise PartRenderError(problem("source.report-model", message, file=file))
    body["$schema"] = REPORT_SCHEMA
    body["datasetReference"] = {
        "byConnection": {
            "connectionString": None,
            "pbiServiceModelId": None,
            "pbiModelVirtualServerName": "sobe_wowvirtualserver",
            "pbiModelDatabaseName": f"{model.logical_id}",
            "name": "EntityDataSource",
            "connectionType": "pbiServiceXmlaStyleLive",
        }
    }
    return json.dumps(body, indent=4)


def rewrite_instance_pool(
    text: str,
    *,
    item: SourceItem,
    parameters: ParameterSet | None,
    resolver: TargetResolver,
    file: str,
) -> str:
    """Point an Environment's ``instance_pool_id`` at the target's pool (``spark_pool`` rules)."""
    if "instance_pool_id" not in text:
        return text
    try:
        body = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PartRenderError(
            problem("source.yaml", f"is not valid YAML: {exc}", file=file)
        ) from exc
    if not isinstance(body, dict):
        return text
    if "instance_pool_id" in body and parameters is not None:
        for rule in parameters.spark_pool:
            names_match = rule.item_names is None or item.display_name in rule.item_names
            if rule.instance_pool_id != body["instance_pool_id"] or not names_match:
                continue
            where = f"{rule.label} ({rule.place})"
            has_value, target = value_for_environment(rule.replace_value, parameters.environment)
            if not has_value:
                message = f"{where} has no pool for environment {parameters.environment!r}"
                raise PartRenderError(
                    problem(
                        "parameter.spark-pool", message, file=rule.place.file, line=rule.place.line
                    )
                )
            pool_id = resolver.spark_pool_id(target.name, target.pool_type)
            if pool_id is None:
                message = (
                    f"{where}: the target has no {target.pool_type} pool named {target.name!r}"
                )
                raise PartRenderError(
                    problem(
                        "parameter.spark-pool", message, file=rule.place.file, line=rule.place.line
                    )
                )
            body["instance_pool_id"] = pool_id
            break
    return str(yaml.dump(body, default_flow_style=False, sort_keys=False))


def _cluster_uri(resolver: TargetResolver, database_name: str, file: str) -> str:
    reference = ItemReference(
        ItemType.KQL_DATABASE.value, database_name, ItemAttribute.QUERY_SERVICE_URI
    )
    uri = resolver.item_attribute(reference)
    if not uri:
        message = (
            f"the KQL database {database_name!r} has no query service URI in the target (deployed?)"
        )
        raise PartRenderError(problem("source.kql", message, file=file))
    return uri


def fill_cluster_uris(
    text: str, *, item: SourceItem, repository: Repository, resolver: TargetResolver, file: str
) -> str:
    """Fill empty ``clusterUri`` values of a KQL queryset's or dashboard's data sources.

    A queryset names its database by logical id (which must be a repository item); a
    dashboard names it by display name (any KQL database of the target).
    """
    body = _json(text, file)
    if item.item_type == ItemType.KQL_QUERYSET.value:
        queryset = body.get("queryset") if isinstance(body, dict) else None
        sources = queryset.get("dataSources") if isinstance(queryset, dict) else None
        if not sources:
            return text
        databases = [
            other for other in repository.items if other.item_type == ItemType.KQL_DATABASE.value
        ]
        for source in sources:
            if source.get("clusterUri") == "":
                logical_id = source.get("databaseItemId")
                database = next((db for db in databases if db.logical_id == logical_id), None)
                if database is None:
                    message = f"names a KQL database (logicalId {logical_id}) the repository lacks"
                    raise PartRenderError(problem("source.kql", message, file=file))
                source["clusterUri"] = _cluster_uri(resolver, database.display_name, file)
        return json.dumps(body, indent=2)
    sources = body.get("dataSources") if isinstance(body, dict) else None
    for source in sources or []:
        if not source:
            raise PartRenderError(problem("source.kql", "has an empty data source", file=file))
        if source.get("clusterUri") == "":
            source["clusterUri"] = _cluster_uri(resolver, str(source.get("name")), file)
    return json.dumps(body, indent=2)


def rewrite_for_type(
    text: str,
    *,
    item: SourceItem,
    path: str,
    repository: Repository,
    parameters: ParameterSet | None,
    resolver: TargetResolver,
    file: str,
) -> str:
    """Apply the rewrite of the part's item type, if it has one (see the module docstring)."""
    name = PurePosixPath(path)
    if item.item_type == ItemType.REPORT.value and name.name == "definition.pbir":
        return bind_report_by_connection(text, item=item, repository=repository, file=file)
    if item.item_type == ItemType.ENVIRONMENT.value and (name.name, name.parent.name) == (
        "Sparkcompute.yml",
        "Setting",
    ):
        return rewrite_instance_pool(
            text, item=item, parameters=parameters, resolver=resolver, file=file
        )
    if item.item_type in (ItemType.KQL_QUERYSET.value, ItemType.KQL_DASHBOARD.value):
        return fill_cluster_uris(
            text, item=item, repository=repository, resolver=resolver, file=file
        )
    return text
