"""A repository of three semantic models bound through ``semantic_model_binding``.

Their M expressions name the emulator's default data sources (``_connections_store``):
Sales (SQL and a Data Lake), Finance (SQL) and Static (no data source at all).
"""

from __future__ import annotations

import json
from pathlib import Path

from fabric_emulator._directory import stable_id

SQL_ID = stable_id("connection", "emulator-sql")
GATEWAY_ID = stable_id("connection", "emulator-sql-gateway")
LAKE_ID = stable_id("connection", "emulator-lake")
UNKNOWN_ID = "5b0e1a7c-3f7e-4d2a-9b1e-000000000bad"
SQL_SOURCE = 'Sql.Database("emulator-sql.database.windows.net", "SalesDb")'
LAKE_SOURCE = 'AzureStorage.DataLake("https://emulatorlake.dfs.core.windows.net/landing/")'

PARAMETERS = f"""semantic_model_binding:
  default:
    connection_id:
      DEV: "{SQL_ID}"
  models:
    - semantic_model_name: "Sales Model"
      connection_id:
        DEV:
          - "{GATEWAY_ID}"
          - "{LAKE_ID}"
"""


def write_model(root: Path, name: str, sources: list[str], logical_id: str) -> None:
    folder = root / f"{name}.SemanticModel"
    (folder / "definition/tables").mkdir(parents=True)
    platform = {
        "$schema": "https://developer.microsoft.com/json-schemas/fabric/gitIntegration/"
        "platformProperties/2.0.0/schema.json",
        "metadata": {"type": "SemanticModel", "displayName": name},
        "config": {"version": "2.0", "logicalId": logical_id},
    }
    (folder / ".platform").write_text(json.dumps(platform, indent=2), encoding="utf-8")
    (folder / "definition.pbism").write_text('{"version": "4.2", "settings": {}}')
    (folder / "definition/database.tmdl").write_text("database\n\tcompatibilityLevel: 1604\n")
    (folder / "definition/model.tmdl").write_text("model Model\n\tculture: en-US\n\nref table T\n")
    steps = "".join(f"\t\t\t\t    S{n} = {source},\n" for n, source in enumerate(sources))
    table = (
        "table T\n\tcolumn A\n\t\tdataType: string\n\t\tsourceColumn: A\n\n"
        "\tpartition T = m\n\t\tmode: import\n\t\tsource =\n\t\t\t\tlet\n"
        f"{steps}\t\t\t\t    R = 1\n\t\t\t\tin\n\t\t\t\t    R\n"
    )
    (folder / "definition/tables/T.tmdl").write_text(table, encoding="utf-8")


def write_binding_repository(root: Path) -> None:
    """Write the three models and ``parameter.yml`` into the empty folder *root*."""
    write_model(root, "Sales Model", [SQL_SOURCE, LAKE_SOURCE], stable_id("lid", "sales"))
    write_model(root, "Finance Model", [SQL_SOURCE], stable_id("lid", "finance"))
    write_model(root, "Static Model", [], stable_id("lid", "static"))
    (root / "parameter.yml").write_text(PARAMETERS, encoding="utf-8")
