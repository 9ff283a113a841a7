"""The sample repository (examples/fabric-cicd-sample) renders as fabric-cicd publishes it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cicd_oracle import Deployed, World, decoded, publish_with_fabric_cicd
from oracle_compare import assert_same_as_fabric_cicd

from fabric_action.items import check_reference_coverage, read_repository, select_items

SAMPLE = Path(__file__).resolve().parents[3] / "examples/fabric-cicd-sample/workspace"
SANDBOX_WORKSPACE = "1c5bef57-6285-420b-a061-3ecb79400b5a"
SANDBOX_LAKEHOUSE = "b13145dc-7c9e-4977-ac55-cdd908b70030"


def _sample_world() -> World:
    names = {
        ("VariableLibrary", "vl_sales_settings"),
        ("Lakehouse", "lh_raw"),
        ("Environment", "env_spark"),
        ("Notebook", "nb_ingest_sales"),
        ("SemanticModel", "Sales Model"),
        ("Report", "Sales Report"),
        ("DataPipeline", "pl_daily_ingest"),
    }
    items = []
    for index, (item_type, name) in enumerate(sorted(names), start=1):
        properties = {}
        if item_type == "Lakehouse":
            properties = {
                "sqlEndpointProperties": {
                    "connectionString": "prod-lh-raw.sql",
                    "id": "5e5e5e5e-0000-4000-8000-000000000001",
                }
            }
        items.append(Deployed(item_type, name, f"cafe0000-0000-4000-8000-{index:012d}", properties))
    return World(items=items)


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A copy of the sample repository (the original is never written)."""
    return Path(shutil.copytree(SAMPLE, tmp_path / "workspace"))


@pytest.mark.parametrize("environment", ["DEV", "PROD"])
def test_sample_repository_matches_fabric_cicd(fabric_cicd, sample, environment):
    outcome = assert_same_as_fabric_cicd(
        fabric_cicd, sample, environment=environment, world=_sample_world()
    )
    notebook = outcome.text("nb_ingest_sales", "notebook-content.py")
    assert SANDBOX_LAKEHOUSE not in notebook and SANDBOX_WORKSPACE not in notebook
    assert f"stsales{environment.lower()}" in notebook
    pipeline = json.loads(outcome.text("pl_daily_ingest", "pipeline-content.json"))
    assert pipeline["properties"]["parameters"]["target_env"]["defaultValue"] == environment.lower()
    assert outcome.parameters.warnings == ()


def test_sample_has_no_uncovered_source_ids(sample):
    repository = read_repository(sample)
    from fabric_action.items import load_parameters  # noqa: PLC0415

    parameters = load_parameters(sample, environment="PROD", repository=repository)
    report = check_reference_coverage(
        select_items(repository),
        repository=repository,
        parameters=parameters,
        source_workspace_ids=[SANDBOX_WORKSPACE],
        source_item_ids={SANDBOX_LAKEHOUSE: "Lakehouse 'lh_raw'"},
    )
    report.raise_for_errors()
    assert report.errors == () and report.problems == ()
    assert report.warnings == ()  # the model's lineage tags are not references


def test_fabric_cicd_leaves_an_unparameterised_sample_pointing_at_the_sandbox(fabric_cicd, sample):
    # Why the coverage check exists: without parameter.yml, fabric-cicd deploys the
    # sandbox's lakehouse and workspace ids to production without a word.
    (sample / "parameter.yml").unlink()
    sent = publish_with_fabric_cicd(fabric_cicd, sample, _sample_world(), environment="PROD")
    notebook = decoded(sent.definitions[("Notebook", "nb_ingest_sales")])["notebook-content.py"]
    assert SANDBOX_LAKEHOUSE.encode() in notebook and SANDBOX_WORKSPACE.encode() in notebook
    repository = read_repository(sample)
    report = check_reference_coverage(
        repository.items, repository=repository, source_workspace_ids=[SANDBOX_WORKSPACE]
    )
    found = {(finding.kind.value, finding.guid) for finding in report.findings}
    assert found == {("source", SANDBOX_WORKSPACE), ("unknown", SANDBOX_LAKEHOUSE)}
