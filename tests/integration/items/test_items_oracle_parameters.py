"""THE ORACLE: every parameter.yml feature, rendered by us and published by fabric-cicd 1.4.0.

Each test writes one parameter file into the scenario repository, lets fabric-cicd's own
publishers send every definition (through a fake endpoint) and renders every item with
fabric-action; ``assert_same_as_fabric_cicd`` asserts identical bytes for every part of
every item. Each test then asserts the feature actually did something, so a feature that
silently stops working on both sides still fails.
"""

from __future__ import annotations

import json

import pytest
from oracle_compare import assert_same_as_fabric_cicd
from oracle_repository import LOGICAL, SANDBOX_CONNECTION, SANDBOX_LAKEHOUSE, SANDBOX_WORKSPACE

from fabric_action.items import semantic_model_bindings

PROD_LAKEHOUSE = "deadbeef-0000-4000-8000-000000000001"
TARGET = "7a1c3e5f-1111-4a2b-8c3d-0123456789ab"


def test_the_baseline_rewrites_ids_bindings_and_cluster_uris(fabric_cicd, oracle_repository):
    outcome = assert_same_as_fabric_cicd(fabric_cicd, oracle_repository)
    pipeline = outcome.text("pl_main", "pipeline-content.json")
    assert LOGICAL["nb_main"] not in pipeline and "deadbeef-0000-4000-8000-000000000002" in pipeline
    assert f'"workspaceId": "{TARGET}"' in pipeline
    assert "byConnection" in outcome.text("rp_main", "definition.pbir")
    assert "db_main.kusto" in outcome.text("qs_main", "RealTimeQueryset.json")
    assert TARGET in outcome.text("rx_main", "ReflexEntities.json")
    assert (
        outcome.rendered[
            next(k for k in outcome.rendered if k.display_name == "nb_ipynb")
        ].definition_format
        == "ipynb"
    )


def test_find_replace_plain_text_with_all_filters(fabric_cicd, oracle_repository):
    outcome = assert_same_as_fabric_cicd(
        fabric_cicd,
        oracle_repository,
        """
find_replace:
  - find_value: "stsalessandbox"
    replace_value: {DEV: stsalesdev, PROD: stsalesprod}
    item_type: Notebook
    item_name: [nb_main, nb_other]
    file_path: Data/nb_main.Notebook/notebook-content.py
  - find_value: "sales_v1"
    replace_value: {PROD: sales_v2}
    item_type: [Notebook, DataPipeline]
""",
    )
    notebook = outcome.text("nb_main", "notebook-content.py")
    assert "stsalesprod" in notebook and "sales_v2" in notebook
    assert "stsalessandbox" in outcome.text("nb_ipynb", "notebook-content.ipynb")
    assert "stsalessandbox" in outcome.text("vl_main", "variables.json")


def test_find_replace_regex_replaces_only_the_group_and_ignore_case(fabric_cicd, oracle_repository):
    outcome = assert_same_as_fabric_cicd(
        fabric_cicd,
        oracle_repository,
        r"""
find_replace:
  - find_value: 'run=(sandbox)-\d+'
    replace_value: {PROD: production}
    is_regex: "true"
  - find_value: 'SERVER = "(sandbox)-sql'
    replace_value: {PROD: prod}
    is_regex: "True"
    ignore_case: "true"
  - find_value: "LANDING"
    replace_value: {PROD: Landing}
    ignore_case: "false"
  - find_value: "stsalesSANDBOX"
    replace_value: {PROD: stsalesprod}
    ignore_case: "TRUE"
  - find_value: "sales_v1"
    replace_value: {PROD: x}
    is_regex: "no"
""",
    )
    notebook = outcome.text("nb_main", "notebook-content.py")
    assert "run=production-2024" in notebook
    assert 'SERVER = "prod-SQL.database' in notebook
    assert "Landing = " in notebook and "stsalesprod" in notebook
    assert 'TABLE = "x"' in notebook  # is_regex "no": a plain find value
    assert any('not "true"' in w.message for w in outcome.parameters.warnings)


def test_find_replace_file_path_wildcards(fabric_cicd, oracle_repository):
    outcome = assert_same_as_fabric_cicd(
        fabric_cicd,
        oracle_repository,
        f"""
find_replace:
  - find_value: "{SANDBOX_LAKEHOUSE}"
    replace_value: {{PROD: "$items.Lakehouse.lh_main.$id"}}
    file_path: ["**/*.py", "Data/nb_ipynb.Notebook/*.ipynb"]
  - find_value: "stsalessandbox"
    replace_value: {{_ALL_: stsalesany}}
    file_path: "Data/nb_?ain.Notebook/notebook-content.[p]y"
  - find_value: "sandbox-tools"
    replace_value: {{PROD: prod-tools}}
    file_path: "{oracle_repository.as_posix()}/Data/*/Libraries/**/*.yml"
  - find_value: "Sandbox"
    replace_value: {{PROD: Production}}
    file_path: "/Reporting/rp_main.Report/report.json"
""",
    )
    assert PROD_LAKEHOUSE in outcome.text("nb_main", "notebook-content.py")
    assert PROD_LAKEHOUSE in outcome.text("nb_ipynb", "notebook-content.ipynb")
    assert "stsalesany" in outcome.text("nb_main", "notebook-content.py")
    assert "prod-tools" in outcome.text("env_main", "Libraries/PublicLibraries/environment.yml")
    assert "Production" in outcome.text("rp_main", "report.json")


def test_key_value_replace_json_yaml_filters_and_types(fabric_cicd, oracle_repository):
    outcome = assert_same_as_fabric_cicd(
        fabric_cicd,
        oracle_repository,
        """
key_value_replace:
  - find_key: "$.properties.parameters.target_env.defaultValue"
    replace_value: {DEV: dev, PROD: prod}
    item_type: DataPipeline
  - find_key: "$.properties.activities[?(@.name=='Copy')].typeProperties.batch"
    replace_value: {DEV: 5, PROD: 500}
    item_name: pl_main
  - find_key: "$.properties.parameters.batch_size"
    replace_value:
      PROD: {type: int, defaultValue: 1000, note: "prod ü"}
    item_type: DataPipeline
  - find_key: "$.dependencies[0].pip[1]"
    replace_value: {_ALL_: prod-tools==2.0}
    file_path: Data/env_main.Environment/Libraries/PublicLibraries/environment.yml
  - find_key: "$.variables[*].value"
    replace_value: {PROD: "$workspace.$name"}
    item_type: VariableLibrary
    file_path: "**/variables.json"
""",
    )
    pipeline = json.loads(outcome.text("pl_main", "pipeline-content.json"))
    assert pipeline["properties"]["parameters"]["target_env"]["defaultValue"] == "prod"
    assert pipeline["properties"]["activities"][1]["typeProperties"]["batch"] == 500
    assert pipeline["properties"]["parameters"]["batch_size"]["defaultValue"] == 1000
    assert "prod-tools==2.0" in outcome.text(
        "env_main", "Libraries/PublicLibraries/environment.yml"
    )
    assert "Sales PROD" in outcome.text("vl_main", "variables.json")


def test_key_value_replace_rewrites_every_selected_json_file(fabric_cicd, oracle_repository):
    # fabric-cicd re-serialises every JSON file a rule selects, even where nothing matches.
    outcome = assert_same_as_fabric_cicd(
        fabric_cicd,
        oracle_repository,
        """
key_value_replace:
  - find_key: "$.nothing.here"
    replace_value: {PROD: x}
""",
    )
    assert outcome.text("rp_main", "report.json").startswith(
        '{"config": "{}", "sections": [], "title": "Sales \\u2013'
    )


def test_dynamic_item_and_workspace_variables(fabric_cicd, oracle_repository):
    outcome = assert_same_as_fabric_cicd(
        fabric_cicd,
        oracle_repository,
        f"""
find_replace:
  - find_value: "{SANDBOX_LAKEHOUSE}"
    replace_value: {{PROD: "$items.Lakehouse.lh_main.$id"}}
    item_type: Notebook
  - find_value: "{SANDBOX_WORKSPACE}"
    replace_value: {{PROD: "$workspace.$id"}}
  - find_value: "sandbox-lh.datawarehouse.fabric.microsoft.com"
    replace_value: {{PROD: "$items.Lakehouse.lh_main.$SQLEndpoint"}}
  - find_value: "lh_main\\")"
    replace_value: {{PROD: "$items.Lakehouse.lh_main.sqlendpointid"}}
  - find_value: "sales_v1"
    replace_value: {{PROD: "$workspace.$name_encoded"}}
  - find_value: "Sandbox-SQL.database.windows.net"
    replace_value: {{PROD: "$items.Eventhouse.eh_main.$queryserviceuri"}}
  - find_value: "run=sandbox"
    replace_value: {{PROD: "$workspace.id"}}
""",
    )
    notebook = outcome.text("nb_main", "notebook-content.py")
    assert PROD_LAKEHOUSE in notebook and SANDBOX_WORKSPACE not in notebook
    assert "Sales%20PROD" in notebook and "eh_main.kusto" in notebook
    model = outcome.text("sm_main", "definition/tables/Sales.tmdl")
    assert "prod-lh.datawarehouse" in model and "5e5e5e5e" in model


def test_cross_workspace_variables_in_replace_and_find_values(fabric_cicd, oracle_repository):
    outcome = assert_same_as_fabric_cicd(
        fabric_cicd,
        oracle_repository,
        f"""
find_replace:
  - find_value: "{SANDBOX_LAKEHOUSE}"
    replace_value: {{PROD: "$workspace.Shared Data.$items.Lakehouse.lh_shared.$id"}}
    item_name: nb_main
  - find_value: "{SANDBOX_WORKSPACE}"
    replace_value: {{PROD: "$workspace.Shared Data"}}
  - find_value: "sandbox-lh.datawarehouse.fabric.microsoft.com"
    replace_value: {{PROD: "$workspace.Shared Data.$items.Lakehouse.lh_shared.$sqlendpoint"}}
  - find_value: "$workspace.Sandbox.$items.Lakehouse.lh_main.$id"
    replace_value: {{PROD: "$items.Lakehouse.lh_main.$id"}}
    item_type: Notebook
    item_name: nb_ipynb
""",
    )
    notebook = outcome.text("nb_main", "notebook-content.py")
    assert "abcdef00-2222-4000-8000-000000000001" in notebook
    assert "abcdef00-3333-4000-8000-000000000000" in notebook
    assert "shared-lh.sql" in outcome.text("sm_main", "definition/tables/Sales.tmdl")
    assert PROD_LAKEHOUSE in outcome.text("nb_ipynb", "notebook-content.ipynb")


def test_environment_variables_behind_the_flag(fabric_cicd, oracle_repository, monkeypatch):
    monkeypatch.setenv("LANDING_ACCOUNT", "stsalesfromenv")
    monkeypatch.setenv("TABLE_SUFFIX", "v9")
    outcome = assert_same_as_fabric_cicd(
        fabric_cicd,
        oracle_repository,
        """
find_replace:
  - find_value: "stsalessandbox"
    replace_value: {PROD: "$ENV:LANDING_ACCOUNT", DEV: "$ENV:NOT_SET_IN_DEV"}
  - find_value: "sales_v1"
    replace_value: {PROD: "sales_$ENV:TABLE_SUFFIX"}
""",
        flags=("enable_environment_variable_replacement",),
    )
    notebook = outcome.text("nb_main", "notebook-content.py")
    assert "stsalesfromenv" in notebook and "sales_v9" in notebook


def test_all_environments_key_and_a_missing_environment(fabric_cicd, oracle_repository):
    outcome = assert_same_as_fabric_cicd(
        fabric_cicd,
        oracle_repository,
        """
find_replace:
  - find_value: "stsalessandbox"
    replace_value: {_all_: stsalesall}
  - find_value: "sales_v1"
    replace_value: {DEV: sales_dev, prod: sales_lowercase}
""",
    )
    assert "stsalesall" in outcome.text("nb_main", "notebook-content.py")
    assert "sales_v1" in outcome.text("nb_main", "notebook-content.py")
    assert any("case-sensitive" in w.message for w in outcome.parameters.warnings)


def test_spark_pool_with_and_without_item_name(fabric_cicd, oracle_repository):
    outcome = assert_same_as_fabric_cicd(
        fabric_cicd,
        oracle_repository,
        """
spark_pool:
  - instance_pool_id: "00000000-1111-2222-3333-444444444444"
    replace_value: {PROD: {type: Capacity, name: pool-prod}}
  - instance_pool_id: "5f0f5f5f-aaaa-4bbb-8ccc-0123456789ab"
    replace_value: {PROD: {type: Workspace, name: pool-prod}}
    item_name: env_main
""",
    )
    assert "9f9f9f9f-0000-4000-8000-000000000001" in outcome.text(
        "env_main", "Setting/Sparkcompute.yml"
    )


def test_extend_templates_are_merged_in_order(fabric_cicd, oracle_repository):
    (oracle_repository / "templates").mkdir()
    (oracle_repository / "templates/notebooks.yml").write_text(
        'find_replace:\n  - find_value: "sales_v1"\n    replace_value: {PROD: sales_tpl}\n',
        encoding="utf-8",
    )
    (oracle_repository / "templates/pipelines.yml").write_text(
        'key_value_replace:\n  - find_key: "$.properties.parameters.target_env.defaultValue"\n'
        "    replace_value: {PROD: from-template}\n",
        encoding="utf-8",
    )
    outcome = assert_same_as_fabric_cicd(
        fabric_cicd,
        oracle_repository,
        """
extend: [templates/notebooks.yml, templates/pipelines.yml]
find_replace:
  - find_value: "stsalessandbox"
    replace_value: {PROD: stsalesprod}
""",
    )
    assert "sales_tpl" in outcome.text("nb_main", "notebook-content.py")
    assert "from-template" in outcome.text("pl_main", "pipeline-content.json")
    assert len(outcome.parameters.files) == 3


def test_parameter_file_at_another_path(fabric_cicd, oracle_repository):
    (oracle_repository / "config").mkdir()
    outcome = assert_same_as_fabric_cicd(
        fabric_cicd,
        oracle_repository,
        'find_replace:\n  - find_value: "stsalessandbox"\n    replace_value: {PROD: fromconfig}\n',
        parameter_file="config/prod-parameters.yml",
    )
    assert "fromconfig" in outcome.text("nb_main", "notebook-content.py")


def test_variable_library_gets_parameters_only(fabric_cicd, oracle_repository):
    outcome = assert_same_as_fabric_cicd(
        fabric_cicd,
        oracle_repository,
        """
find_replace:
  - find_value: "stsalessandbox"
    replace_value: {PROD: stsalesprod}
    item_type: VariableLibrary
""",
    )
    assert "stsalesprod" in outcome.text("vl_main", "variables.json")


@pytest.mark.parametrize(
    "binding",
    [
        pytest.param(
            f"""
semantic_model_binding:
  default:
    connection_id: {{_ALL_: "{SANDBOX_CONNECTION}"}}
  models:
    - semantic_model_name: [sm_main, not_in_repo]
      connection_id: {{PROD: ["11111111-2222-4333-8444-555555555555", "{SANDBOX_CONNECTION}"]}}
""",
            id="new-format",
        ),
        pytest.param(
            f"""
semantic_model_binding:
  default:
    connection_id: {{PROD: "{SANDBOX_CONNECTION}"}}
""",
            id="default-only",
        ),
        pytest.param(
            f"""
semantic_model_binding:
  - connection_id: "{SANDBOX_CONNECTION}"
    semantic_model_name: sm_main
""",
            id="legacy",
        ),
        pytest.param(
            f"""
gateway_binding:
  - gateway_id: "{SANDBOX_CONNECTION}"
    dataset_name: [sm_main]
""",
            id="gateway-binding",
        ),
    ],
)
def test_semantic_model_binding_intents(fabric_cicd, oracle_repository, binding):
    from fabric_cicd._items import _semanticmodel  # noqa: PLC0415 - after the contained import

    outcome = assert_same_as_fabric_cicd(fabric_cicd, oracle_repository, binding)
    workspace = _BindingWorkspace(outcome.repository)
    with _cicd_parameters(fabric_cicd, oracle_repository) as environment_parameter:
        configured = environment_parameter["semantic_model_binding"]
        if isinstance(configured, list):
            theirs = _semanticmodel.build_binding_mapping_legacy(workspace, configured)
        else:
            theirs = _semanticmodel.build_binding_mapping(workspace, configured, "PROD")
    ours = semantic_model_bindings(outcome.parameters, outcome.repository)
    assert {binding.semantic_model: list(binding.connection_ids) for binding in ours} == theirs
    assert ours


class _BindingWorkspace:
    """What fabric-cicd's binding functions read of a FabricWorkspace."""

    def __init__(self, repository):
        self.repository_items = {"SemanticModel": {}}
        for item in repository.items:
            self.repository_items.setdefault(item.item_type, {})[item.display_name] = item


class _cicd_parameters:  # noqa: N801 - a context manager used like a function
    """fabric-cicd's own validated parameter dictionary for PROD."""

    def __init__(self, cicd, repository):
        self.cicd, self.repository = cicd, repository

    def __enter__(self):
        from fabric_cicd._parameter._parameter import Parameter  # noqa: PLC0415

        parameter = Parameter(
            self.repository, list(self.cicd.constants.ACCEPTED_ITEM_TYPES), "PROD"
        )
        assert parameter._validate_parameter_file()
        return parameter.environment_parameter

    def __exit__(self, *exc_info):
        return False


def test_value_set_activation_matches_the_patch_fabric_cicd_sends(fabric_cicd, oracle_repository):
    from fabric_action.items import value_set_activation  # noqa: PLC0415

    for environment, expected in (("PROD", "PROD"), ("TEST", "Default value set")):
        outcome = assert_same_as_fabric_cicd(
            fabric_cicd, oracle_repository, environment=environment
        )
        rendered = next(r for k, r in outcome.rendered.items() if k.item_type == "VariableLibrary")
        activation = value_set_activation(rendered, environment)
        assert activation is not None
        assert (
            activation.value_set
            == outcome.sent.value_sets[("VariableLibrary", "vl_main")]
            == expected
        )
        assert activation.matches_environment is (environment == "PROD")
