"""A repository with one item of each shape the oracle tests need, and its target world.

Every item carries the kinds of values rules rewrite: ids of the "sandbox" source
workspace and its lakehouse, the all-zero workspace id, logical ids of other items,
environment-specific strings, JSON and YAML keys, a report bound byPath, a Spark pool,
KQL data sources with empty cluster URIs, and a binary part that no rule may touch.
"""

from __future__ import annotations

import json
from pathlib import Path

from cicd_oracle import Deployed, World

ZERO = "00000000-0000-0000-0000-000000000000"
SANDBOX_WORKSPACE = "1c5bef57-6285-420b-a061-3ecb79400b5a"
SANDBOX_LAKEHOUSE = "b13145dc-7c9e-4977-ac55-cdd908b70030"
SANDBOX_POOL = "5f0f5f5f-aaaa-4bbb-8ccc-0123456789ab"
SANDBOX_CONNECTION = "9d9d9d9d-1111-4222-8333-444455556666"

LOGICAL = {
    "lh_main": "0f934629-d040-457b-bacc-ea8fb74fd730",
    "nb_main": "280f76b2-d793-48e7-be8b-e183484a45f2",
    "nb_ipynb": "3a1f0c55-7d7e-4e55-9b1e-5a5a5a5a5a5a",
    "pl_main": "d3b412ea-26dc-4c00-8f37-509a4123a04e",
    "env_main": "0d09331d-544e-4444-9669-4a6d9e9a9d56",
    "sm_main": "1ab01d93-8f73-41f0-953c-3c974874921a",
    "rp_main": "efb272be-1fa9-4f3d-a054-cf7ba5a193be",
    "vl_main": "c688e01c-b4eb-47b1-9c9e-bbda4201aad3",
    "eh_main": "4e4e4e4e-0000-4000-8000-000000000001",
    "db_main": "4e4e4e4e-0000-4000-8000-000000000002",
    "qs_main": "4e4e4e4e-0000-4000-8000-000000000003",
    "dash_main": "4e4e4e4e-0000-4000-8000-000000000004",
    "rx_main": "4e4e4e4e-0000-4000-8000-000000000005",
    "sjd_main": "4e4e4e4e-0000-4000-8000-000000000006",
}

TYPES = {
    "lh_main": "Lakehouse",
    "nb_main": "Notebook",
    "nb_ipynb": "Notebook",
    "pl_main": "DataPipeline",
    "env_main": "Environment",
    "sm_main": "SemanticModel",
    "rp_main": "Report",
    "vl_main": "VariableLibrary",
    "eh_main": "Eventhouse",
    "db_main": "KQLDatabase",
    "qs_main": "KQLQueryset",
    "dash_main": "KQLDashboard",
    "rx_main": "Reflex",
    "sjd_main": "SparkJobDefinition",
}

PNG = (
    bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")
    + b"\x00" * 16
)


def platform(item_type: str, name: str, logical_id: str) -> str:
    """Return a ``.platform`` file as Fabric's Git integration writes it."""
    document = {
        "$schema": "https://developer.microsoft.com/json-schemas/fabric/gitIntegration/platformProperties/2.0.0/schema.json",
        "metadata": {"type": item_type, "displayName": name, "description": f"{name} (ÄÖ)"},
        "config": {"version": "2.0", "logicalId": logical_id},
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


NOTEBOOK = f"""# Fabric notebook source

# METADATA ********************

# META {{
# META   "dependencies": {{
# META     "lakehouse": {{
# META       "default_lakehouse": "{SANDBOX_LAKEHOUSE}",
# META       "default_lakehouse_name": "lh_main",
# META       "default_lakehouse_workspace_id": "{SANDBOX_WORKSPACE}",
# META       "known_lakehouses": [{{"id": "{SANDBOX_LAKEHOUSE}"}}]
# META     }},
# META     "environment": {{
# META       "environmentId": "{LOGICAL["env_main"]}",
# META       "workspaceId": "{ZERO}"
# META     }}
# META   }}
# META }}

# CELL ********************

LANDING = "abfss://landing@stsalessandbox.dfs.core.windows.net/sales"
SERVER = "Sandbox-SQL.database.windows.net"
TABLE = "sales_v1"
RUN = "run=sandbox-2024"
"""

PIPELINE = {
    "properties": {
        "activities": [
            {
                "name": "Ingest ü",
                "type": "TridentNotebook",
                "typeProperties": {
                    "notebookId": LOGICAL["nb_main"],
                    "workspaceId": ZERO,
                    "parameters": {"run_date": {"value": "", "type": "string"}},
                },
            },
            {
                "name": "Copy",
                "type": "Copy",
                "typeProperties": {"connection": SANDBOX_CONNECTION, "batch": 10},
            },
        ],
        "parameters": {
            "target_env": {"type": "string", "defaultValue": "sandbox"},
            "batch_size": {"type": "int", "defaultValue": 100},
        },
    }
}


def files() -> dict[str, str | bytes]:
    """Return ``{repository path: content}`` of the scenario repository."""
    tree: dict[str, str | bytes] = {
        "Data/lh_main.Lakehouse/lakehouse.metadata.json": '{"defaultSchema":"dbo"}',
        "Data/nb_main.Notebook/notebook-content.py": NOTEBOOK,
        "Data/nb_ipynb.Notebook/notebook-content.ipynb": json.dumps(
            {
                "cells": [{"cell_type": "code", "source": ["print('stsalessandbox')"]}],
                "metadata": {"trident": {"lakehouse": {"default_lakehouse": SANDBOX_LAKEHOUSE}}},
            },
            indent=1,
        ),
        "Data/pl_main.DataPipeline/pipeline-content.json": json.dumps(
            PIPELINE, indent=2, ensure_ascii=False
        ),
        "Data/env_main.Environment/Setting/Sparkcompute.yml": (
            f"enable_native_execution_engine: false\ninstance_pool_id: {SANDBOX_POOL}\n"
            "driver_cores: 4\nruntime_version: 1.3\n"
        ),
        "Data/env_main.Environment/Libraries/PublicLibraries/environment.yml": (
            "dependencies:\n  - pip:\n      - great-expectations==0.18.19\n      -"
            " sandbox-tools==1.0\n"
        ),
        "Reporting/sm_main.SemanticModel/definition.pbism": '{"version": "4.2", "settings": {}}\n',
        "Reporting/sm_main.SemanticModel/definition/model.tmdl": (
            "model Model\n\tculture: en-US\n\nref table Sales\n"
        ),
        "Reporting/sm_main.SemanticModel/definition/tables/Sales.tmdl": (
            "table Sales\n\tlineageTag: 6a1f3c2e-0b7d-4e55-9a3c-2f4d8e1b7c90\n\n"
            "\tpartition Sales = m\n"
            '\t\tsource = Sql.Database("sandbox-lh.datawarehouse.fabric.microsoft.com", '
            '"lh_main")\n'
        ),
        "Reporting/sm_main.SemanticModel/.pbi/localSettings.json": '{"userConsent": {}}',
        "Reporting/rp_main.Report/definition.pbir": json.dumps(
            {
                "version": "4.0",
                "datasetReference": {"byPath": {"path": "../sm_main.SemanticModel"}},
            },
            indent=2,
        ),
        "Reporting/rp_main.Report/report.json": (
            '{"config": "{}", "sections": [], "title": "Sales \u2013 Sandbox"}'
        ),
        "Reporting/rp_main.Report/StaticResources/RegisteredResources/logo.png": PNG,
        "Reporting/rp_main.Report/.pbi/cache.abf": b"\x00\x01cache",
        "vl_main.VariableLibrary/settings.json": json.dumps(
            {"valueSetsOrder": ["DEV", "PROD"]}, indent=2
        ),
        "vl_main.VariableLibrary/variables.json": json.dumps(
            {"variables": [{"name": "account", "type": "String", "value": "stsalessandbox"}]},
            indent=2,
        ),
        "vl_main.VariableLibrary/valueSets/PROD.json": json.dumps(
            {"name": "PROD", "variableOverrides": [{"name": "account", "value": "stsalesprod"}]},
            indent=2,
        ),
        "RTI/eh_main.Eventhouse/EventhouseProperties.json": "{}",
        "RTI/eh_main.Eventhouse/.children/db_main.KQLDatabase/DatabaseProperties.json": json.dumps(
            {"databaseType": "ReadWrite", "parentEventhouseItemId": LOGICAL["eh_main"]}, indent=2
        ),
        "RTI/eh_main.Eventhouse/.children/db_main.KQLDatabase/DatabaseSchema.kql": (
            ".create table T (a: int)\n"
        ),
        "RTI/qs_main.KQLQueryset/RealTimeQueryset.json": json.dumps(
            {
                "queryset": {
                    "dataSources": [
                        {
                            "clusterUri": "",
                            "databaseItemId": LOGICAL["db_main"],
                            "type": "AzureDataExplorer",
                        }
                    ]
                }
            }
        ),
        "RTI/dash_main.KQLDashboard/RealTimeDashboard.json": json.dumps(
            {"dataSources": [{"name": "db_main", "clusterUri": "", "workspace": ZERO}]}
        ),
        "RTI/rx_main.Reflex/ReflexEntities.json": json.dumps(
            [
                {
                    "definition": '{"name":"workspaceId","type":"string","value":"' + ZERO + '"}',
                    "workspaceId": ZERO,
                }
            ]
        ),
        "Jobs/sjd_main.SparkJobDefinition/SparkJobDefinitionV1.json": json.dumps(
            {"defaultLakehouseArtifactId": LOGICAL["lh_main"], "workspaceId": ZERO}
        ),
    }
    for name, logical_id in LOGICAL.items():
        folder = f"{name}.{TYPES[name]}"
        path = next(path for path in tree if folder in path.split("/"))
        directory = path[: path.index(folder) + len(folder)]
        tree[f"{directory}/.platform"] = platform(TYPES[name], name, logical_id)
    return tree


def write_repository(root: Path, tree: dict[str, str | bytes] | None = None) -> Path:
    """Write the scenario repository (or *tree*) under *root* and return *root*."""
    for relative, content in (tree or files()).items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    return root


def world() -> World:
    """Return the target: every repository item deployed, plus a shared workspace."""
    items = []
    for index, name in enumerate(LOGICAL, start=1):
        item_type = TYPES[name]
        properties: dict[str, object] = {}
        if item_type == "Lakehouse":
            properties = {
                "sqlEndpointProperties": {
                    "connectionString": "prod-lh.datawarehouse.fabric.microsoft.com",
                    "id": "5e5e5e5e-0000-4000-8000-00000000aaaa",
                    "provisioningStatus": "Success",
                }
            }
        if item_type in ("Eventhouse", "KQLDatabase"):
            properties = {"queryServiceUri": f"https://{name}.kusto.fabric.microsoft.com"}
        items.append(Deployed(item_type, name, f"deadbeef-0000-4000-8000-{index:012d}", properties))
    items.append(
        Deployed(
            "Warehouse",
            "wh_prod",
            "deadbeef-1111-4000-8000-000000000001",
            {"connectionString": "wh.prod"},
        )
    )
    shared = [
        Deployed(
            "Lakehouse",
            "lh_shared",
            "abcdef00-2222-4000-8000-000000000001",
            {
                "sqlEndpointProperties": {
                    "connectionString": "shared-lh.sql",
                    "id": "abcdef00-2222-4000-8000-00000000000f",
                }
            },
        )
    ]
    return World(
        items=items,
        other_workspaces={
            "Shared Data": ("abcdef00-3333-4000-8000-000000000000", shared),
            "Sandbox": (SANDBOX_WORKSPACE, [Deployed("Lakehouse", "lh_main", SANDBOX_LAKEHOUSE)]),
        },
        spark_pools=[
            {
                "name": "pool-prod",
                "type": "Workspace",
                "id": "9f9f9f9f-0000-4000-8000-000000000001",
            },
            {"name": "pool-prod", "type": "Capacity", "id": "9f9f9f9f-0000-4000-8000-000000000002"},
        ],
    )
