"""A small repository whose parameter.yml reads every dynamic attribute and a Spark pool.

A notebook holds four placeholders that ``find_replace`` rules turn into the SQL endpoint
and endpoint id of a lakehouse, a warehouse's connection string and an eventhouse's query
service URI; a KQL queryset names the eventhouse's KQL database with an empty
``clusterUri``; an environment's ``instance_pool_id`` is mapped by a ``spark_pool`` rule to
the target's Capacity pool ``pool-dev``.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from deploy_support import Project, make_project

from fabric_action.ci import LocalAdapter
from fabric_action.config import load_config
from fabric_action.reliability import FakeClock
from fabric_action.scenarios.deploy import DeploySession, open_session
from fabric_action.secrets import SecretMasker
from fabric_emulator.testing import RunningEmulator

SOURCE_POOL = "5f0f5f5f-aaaa-4bbb-8ccc-0123456789ab"
POOL_NAME = "pool-dev"
LOGICAL = {
    "lh_raw": ("Lakehouse", "0f934629-d040-457b-bacc-ea8fb74fd730"),
    "wh_sales": ("Warehouse", "4e4e4e4e-0000-4000-8000-0000000000a1"),
    "eh_main": ("Eventhouse", "4e4e4e4e-0000-4000-8000-000000000001"),
    "db_main": ("KQLDatabase", "4e4e4e4e-0000-4000-8000-000000000002"),
    "qs_main": ("KQLQueryset", "4e4e4e4e-0000-4000-8000-000000000003"),
    "env_spark": ("Environment", "0d09331d-544e-4444-9669-4a6d9e9a9d56"),
    "nb_config": ("Notebook", "280f76b2-d793-48e7-be8b-e183484a45f2"),
}
PLACEHOLDERS = {
    "lh-sql.placeholder": "$items.Lakehouse.lh_raw.$sqlendpoint",
    "lh-sqlid.placeholder": "$items.Lakehouse.lh_raw.$sqlendpointid",
    "wh-sql.placeholder": "$items.Warehouse.wh_sales.$sqlendpoint",
    "eh-uri.placeholder": "$items.Eventhouse.eh_main.$queryserviceuri",
}
NOTEBOOK = "# Fabric notebook source\n\n# CELL ********************\n\n" + "".join(
    f'V{index} = "{find}"\n' for index, find in enumerate(PLACEHOLDERS)
)


def _platform(item_type: str, name: str, logical_id: str) -> str:
    document = {
        "$schema": "https://developer.microsoft.com/json-schemas/fabric/gitIntegration/platformProperties/2.0.0/schema.json",
        "metadata": {"type": item_type, "displayName": name},
        "config": {"version": "2.0", "logicalId": logical_id},
    }
    return json.dumps(document, indent=2) + "\n"


def parameters(pool_type: str = "Capacity") -> str:
    """Return the parameter.yml text (the spark_pool rule starts at line 1 + 5 * rules)."""
    lines = ["find_replace:"]
    for find, value in PLACEHOLDERS.items():
        lines += [
            f'  - find_value: "{find}"',
            "    replace_value:",
            f'      DEV: "{value}"',
            '    item_type: "Notebook"',
        ]
    lines += [
        "spark_pool:",
        f'  - instance_pool_id: "{SOURCE_POOL}"',
        "    replace_value:",
        "      DEV:",
        f'        type: "{pool_type}"',
        f'        name: "{POOL_NAME}"',
    ]
    return "\n".join(lines) + "\n"


def files(pool_type: str = "Capacity") -> dict[str, str]:
    """Return ``{path under the items folder: text}``."""
    queryset = {
        "queryset": {
            "dataSources": [
                {
                    "clusterUri": "",
                    "databaseItemId": LOGICAL["db_main"][1],
                    "type": "AzureDataExplorer",
                }
            ]
        }
    }
    tree = {
        "parameter.yml": parameters(pool_type),
        "Data/lh_raw.Lakehouse/lakehouse.metadata.json": '{"defaultSchema":"dbo"}',
        "Data/wh_sales.Warehouse/wh_sales.sqlproj": "<Project />\n",
        "RTI/eh_main.Eventhouse/EventhouseProperties.json": "{}",
        "RTI/eh_main.Eventhouse/.children/db_main.KQLDatabase/DatabaseProperties.json": (
            json.dumps(
                {"databaseType": "ReadWrite", "parentEventhouseItemId": LOGICAL["eh_main"][1]}
            )
        ),
        "RTI/eh_main.Eventhouse/.children/db_main.KQLDatabase/DatabaseSchema.kql": (
            ".create table T (a: int)\n"
        ),
        "RTI/qs_main.KQLQueryset/RealTimeQueryset.json": json.dumps(queryset),
        "Jobs/env_spark.Environment/Setting/Sparkcompute.yml": (
            f"enable_native_execution_engine: false\ninstance_pool_id: {SOURCE_POOL}\n"
            "driver_cores: 4\nruntime_version: 1.3\n"
        ),
        "Jobs/nb_config.Notebook/notebook-content.py": NOTEBOOK,
    }
    for name, (item_type, logical_id) in LOGICAL.items():
        folder = f"{name}.{item_type}"
        path = next(path for path in tree if folder in path.split("/"))
        directory = path[: path.index(folder) + len(folder)]
        tree[f"{directory}/.platform"] = _platform(item_type, name, logical_id)
    return tree


def attributes_project(
    tmp_path: Path,
    emulator: RunningEmulator,
    fabric: Any,
    monkeypatch: pytest.MonkeyPatch,
    *,
    pool_type: str = "Capacity",
) -> Project:
    """Return a project (config, ``.env``, empty target workspace) holding :func:`files`."""
    project = make_project(tmp_path, emulator, fabric, monkeypatch)
    shutil.rmtree(project.items)
    for relative, text in files(pool_type).items():
        path = project.items / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return project


def seed_pool(emulator: RunningEmulator, workspace_id: str, **pool: Any) -> dict[str, Any]:
    """Add a custom pool to a workspace through the control API; return it as listed."""
    seeded: dict[str, Any] = emulator.control(
        "POST", f"workspaces/{workspace_id}/spark/pools", pool
    )
    return seeded


class EmulatorClock(FakeClock):
    """A fake clock whose sleeps also move the (frozen) emulator clock forward."""

    def __init__(self, emulator: RunningEmulator) -> None:
        super().__init__()
        self._emulator = emulator

    def sleep(self, seconds: float) -> None:
        """Advance both clocks without waiting."""
        super().sleep(seconds)
        if seconds > 0:
            self._emulator.advance(seconds)


def session_on(project: Project, clock: FakeClock) -> DeploySession:
    """Open the deploy session the CLI would, on *clock* (env from ``make_project``)."""
    config = load_config(project.config, "DEV", environ=os.environ)
    return open_session(
        config,
        os.environ,
        masker=SecretMasker(LocalAdapter()),
        mask=None,
        dotenv_path=project.root / ".env",
        clock=clock,
    )
