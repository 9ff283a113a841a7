"""A seeded generator of a Fabric Git-format repository for the deploy benchmark.

The default shape is the one of the measured fabric-cicd baseline: 120 items of 7 types
(40 Notebooks, 20 DataPipelines each running two notebooks named by ``logicalId``,
15 SemanticModels, 15 Reports bound ``byPath`` to a model, 10 Environments, 10
Lakehouses, 10 VariableLibraries with ``DEV`` and ``PROD`` value sets) spread over 8
workspace folders two levels deep. The same seed writes the same bytes.

    python benchmarks/_repo_generator.py OUT_DIR [--seed N]
"""

from __future__ import annotations

import argparse
import json
import posixpath
import random
import uuid
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "DEFAULT_SEED",
    "FOLDERS",
    "GeneratedItem",
    "GeneratedRepository",
    "RepositoryShape",
    "generate_repository",
]

DEFAULT_SEED = 20_251_105
ZERO_GUID = "00000000-0000-0000-0000-000000000000"
PLATFORM_SCHEMA = (
    "https://developer.microsoft.com/json-schemas/fabric/gitIntegration/"
    "platformProperties/2.0.0/schema.json"
)
VL_SCHEMA = "https://developer.microsoft.com/json-schemas/fabric/item/variableLibrary/definition"

FOLDERS: tuple[str, ...] = (
    "Ingestion",
    "Ingestion/Raw",
    "Ingestion/Curated",
    "Transform",
    "Transform/Jobs",
    "Reporting",
    "Reporting/Finance",
    "Reporting/Sales",
)
"""The workspace folders (8, two levels deep); every one receives items."""


@dataclass(frozen=True, kw_only=True)
class RepositoryShape:
    """How many items of each type to write."""

    notebooks: int = 40
    pipelines: int = 20
    semantic_models: int = 15
    reports: int = 15
    environments: int = 10
    lakehouses: int = 10
    variable_libraries: int = 10

    @property
    def total(self) -> int:
        """All items."""
        return (
            self.notebooks
            + self.pipelines
            + self.semantic_models
            + self.reports
            + self.environments
            + self.lakehouses
            + self.variable_libraries
        )


@dataclass(frozen=True, kw_only=True)
class GeneratedItem:
    """One written item folder.

    Attributes:
        item_type: ``.platform`` ``metadata.type``.
        display_name: ``metadata.displayName``.
        logical_id: ``config.logicalId``.
        directory: The item folder, POSIX, relative to the repository root.
        references: ``(type, name)`` of the items it references.
    """

    item_type: str
    display_name: str
    logical_id: str
    directory: str
    references: tuple[tuple[str, str], ...] = ()


@dataclass(kw_only=True)
class GeneratedRepository:
    """What :func:`generate_repository` wrote."""

    root: Path
    seed: int
    items: list[GeneratedItem] = field(default_factory=list)

    @property
    def folders(self) -> tuple[str, ...]:
        """The workspace folders used (each item folder's parent path)."""
        used = {posixpath.dirname(item.directory) for item in self.items}
        return tuple(f for f in FOLDERS if f in used)

    def count(self, item_type: str) -> int:
        """Items of one type."""
        return sum(1 for item in self.items if item.item_type == item_type)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")


def _json(document: object) -> str:
    return json.dumps(document, indent=2) + "\n"


def _platform(item_type: str, name: str, description: str, logical_id: str) -> str:
    return _json(
        {
            "$schema": PLATFORM_SCHEMA,
            "metadata": {"type": item_type, "displayName": name, "description": description},
            "config": {"version": "2.0", "logicalId": logical_id},
        }
    )


def _notebook(index: int, rng: random.Random) -> str:
    rows = rng.randint(1_000, 90_000)
    return (
        "# Fabric notebook source\n\n"
        "# METADATA ********************\n\n"
        '# META {\n# META   "kernel_info": {\n# META     "name": "synapse_pyspark"\n'
        "# META   }\n# META }\n\n"
        "# PARAMETERS CELL ********************\n\n"
        'run_date = ""\n\n'
        "# CELL ********************\n\n"
        "from pyspark.sql import functions as F\n\n"
        f"frame = spark.range({rows}).withColumn('batch', F.lit({index}))\n"
        f"frame.write.mode('overwrite').saveAsTable('dbo.bench_{index:02d}')\n\n"
        '# METADATA ********************\n\n# META {\n# META   "language": "python",\n'
        '# META   "language_group": "synapse_pyspark"\n# META }\n'
    )


def _activity(name: str, notebook_logical_id: str, depends_on: list[str]) -> dict[str, object]:
    return {
        "name": name,
        "type": "TridentNotebook",
        "dependsOn": [{"activity": d, "dependencyConditions": ["Succeeded"]} for d in depends_on],
        "policy": {"timeout": "0.12:00:00", "retry": 1, "retryIntervalInSeconds": 300},
        "typeProperties": {
            "notebookId": notebook_logical_id,
            "workspaceId": ZERO_GUID,
            "parameters": {
                "run_date": {
                    "value": {"value": "@pipeline().parameters.run_date", "type": "Expression"},
                    "type": "string",
                }
            },
        },
    }


def _pipeline(first: GeneratedItem, second: GeneratedItem) -> str:
    return _json(
        {
            "properties": {
                "activities": [
                    _activity(f"Run {first.display_name}", first.logical_id, []),
                    _activity(
                        f"Run {second.display_name}",
                        second.logical_id,
                        [f"Run {first.display_name}"],
                    ),
                ],
                "parameters": {"run_date": {"type": "string", "defaultValue": ""}},
            }
        }
    )


def _model_parts(index: int) -> dict[str, str]:
    table = f"Fact{index:02d}"
    return {
        "definition.pbism": _json(
            {
                "$schema": "https://developer.microsoft.com/json-schemas/fabric/item/"
                "semanticModel/definitionProperties/1.0.0/schema.json",
                "version": "4.2",
                "settings": {},
            }
        ),
        "definition/database.tmdl": "database\n\tcompatibilityLevel: 1604\n",
        "definition/model.tmdl": (
            "model Model\n\tculture: en-US\n\tdefaultPowerBIDataSourceVersion: powerBI_V3\n"
            f'\nannotation PBI_QueryOrder = ["{table}"]\n\nref table {table}\n'
        ),
        f"definition/tables/{table}.tmdl": (
            f"table {table}\n\n"
            f"\tmeasure 'Total Amount' = SUM({table}[Amount])\n\t\tformatString: #,0.00\n\n"
            "\tcolumn Amount\n\t\tdataType: decimal\n\t\tsummarizeBy: sum\n"
            "\t\tsourceColumn: Amount\n\n"
            f"\tpartition {table} = m\n\t\tmode: import\n\t\tsource =\n"
            '\t\t\t\tlet\n\t\t\t\t    Source = #table({"Amount"}, {{1}})\n'
            "\t\t\t\tin\n\t\t\t\t    Source\n"
        ),
    }


def _report_parts(model_relative_path: str, index: int) -> dict[str, str]:
    return {
        "definition.pbir": _json(
            {"version": "4.0", "datasetReference": {"byPath": {"path": model_relative_path}}}
        ),
        "report.json": _json(
            {
                "config": '{"version":"5.59","activeSectionIndex":0}',
                "layoutOptimization": 0,
                "resourcePackages": [],
                "sections": [
                    {
                        "config": "{}",
                        "displayName": f"Page {index}",
                        "displayOption": 1,
                        "filters": "[]",
                        "height": 720.0,
                        "name": f"ReportSection{index:04d}",
                        "ordinal": 0,
                        "visualContainers": [],
                        "width": 1280.0,
                    }
                ],
            }
        ),
    }


def _environment_parts(rng: random.Random) -> dict[str, str]:
    executors = rng.randint(1, 4)
    return {
        "Setting/Sparkcompute.yml": (
            "enable_native_execution_engine: false\ndriver_cores: 4\ndriver_memory: 28g\n"
            "executor_cores: 4\nexecutor_memory: 28g\ndynamic_executor_allocation:\n"
            f"  enabled: true\n  min_executors: 1\n  max_executors: {executors}\n"
            "runtime_version: 1.3\n"
        ),
        "Libraries/PublicLibraries/environment.yml": (
            "dependencies:\n  - pip:\n      - semantic-link-labs==0.9.3\n"
        ),
    }


def _variable_library_parts(index: int) -> dict[str, str]:
    variables = [
        {"name": "storage_account", "note": "", "type": "String", "value": f"stbench{index:02d}"},
        {"name": "batch_size", "note": "", "type": "Integer", "value": 1000 + index},
    ]
    parts = {
        "settings.json": _json(
            {
                "$schema": f"{VL_SCHEMA}/settings/1.0.0/schema.json",
                "valueSetsOrder": ["DEV", "PROD"],
            }
        ),
        "variables.json": _json(
            {"$schema": f"{VL_SCHEMA}/variables/1.0.0/schema.json", "variables": variables}
        ),
    }
    for value_set in ("DEV", "PROD"):
        overrides = [{"name": "storage_account", "value": f"st{value_set.lower()}{index:02d}"}]
        parts[f"valueSets/{value_set}.json"] = _json(
            {
                "$schema": f"{VL_SCHEMA}/valueSet/1.0.0/schema.json",
                "name": value_set,
                "variableOverrides": overrides,
            }
        )
    return parts


def generate_repository(
    root: Path, *, seed: int = DEFAULT_SEED, shape: RepositoryShape | None = None
) -> GeneratedRepository:
    """Write the repository into *root* (created; must be empty or missing).

    Raises:
        FileExistsError: *root* exists and is not empty.
    """
    shape = shape or RepositoryShape()
    root = Path(root)
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} is not empty")
    root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    result = GeneratedRepository(root=root, seed=seed)

    plan: list[tuple[str, str, int]] = []
    for item_type, prefix, count in (
        ("Notebook", "nb_bench", shape.notebooks),
        ("DataPipeline", "pl_bench", shape.pipelines),
        ("SemanticModel", "Bench Model", shape.semantic_models),
        ("Report", "Bench Report", shape.reports),
        ("Environment", "env_bench", shape.environments),
        ("Lakehouse", "lh_bench", shape.lakehouses),
        ("VariableLibrary", "vl_bench", shape.variable_libraries),
    ):
        plan += [(item_type, f"{prefix}_{i:02d}", i) for i in range(1, count + 1)]
    # Spread items over the folders so each folder gets some (round robin over a shuffle).
    order = list(range(len(plan)))
    rng.shuffle(order)
    folder_of = {position: FOLDERS[rank % len(FOLDERS)] for rank, position in enumerate(order)}

    def new_id() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    def directory(position: int) -> str:
        item_type, name, _ = plan[position]
        return f"{folder_of[position]}/{name}.{item_type}"

    written: dict[tuple[str, str], GeneratedItem] = {}
    for position, (item_type, name, index) in enumerate(plan):
        logical_id = new_id()
        folder = directory(position)
        references: tuple[tuple[str, str], ...] = ()
        parts: dict[str, str]
        if item_type == "Notebook":
            parts = {"notebook-content.py": _notebook(index, rng)}
        elif item_type == "DataPipeline":
            notebooks = [i for (t, _), i in written.items() if t == "Notebook"]
            first, second = rng.sample(notebooks, 2)
            parts = {"pipeline-content.json": _pipeline(first, second)}
            references = (("Notebook", first.display_name), ("Notebook", second.display_name))
        elif item_type == "SemanticModel":
            parts = _model_parts(index)
        elif item_type == "Report":
            models = [i for (t, _), i in written.items() if t == "SemanticModel"]
            model = models[(index - 1) % len(models)]
            relative = posixpath.relpath(model.directory, folder)
            parts = _report_parts(relative, index)
            references = (("SemanticModel", model.display_name),)
        elif item_type == "Environment":
            parts = _environment_parts(rng)
        elif item_type == "Lakehouse":
            parts = {"lakehouse.metadata.json": '{"defaultSchema":"dbo"}\n'}
        else:
            parts = _variable_library_parts(index)
        description = f"Benchmark {item_type} {index}"
        parts[".platform"] = _platform(item_type, name, description, logical_id)
        for path, text in parts.items():
            _write(root / folder / path, text)
        item = GeneratedItem(
            item_type=item_type,
            display_name=name,
            logical_id=logical_id,
            directory=folder,
            references=references,
        )
        written[item_type, name] = item
        result.items.append(item)
    return result


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="empty or missing directory to write into")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    repository = generate_repository(args.out, seed=args.seed)
    print(f"wrote {len(repository.items)} items in {len(repository.folders)} folders to {args.out}")


if __name__ == "__main__":
    _main()
