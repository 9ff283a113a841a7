"""Rendering failures are errors at the responsible file:line, never tracebacks."""

from __future__ import annotations

import json

import pytest
from items_tree import platform, write_tree

from fabric_action.errors import ItemSourceError, ParameterError
from fabric_action.items import (
    ConnectionBinding,
    ItemKey,
    MappingResolver,
    load_parameters,
    read_repository,
    render_item,
    semantic_model_bindings,
    value_set_activation,
)

NB = "11111111-1111-4111-8111-111111111111"
PL = "22222222-2222-4222-8222-222222222222"
RP = "33333333-3333-4333-8333-333333333333"
SM = "44444444-4444-4444-8444-444444444444"
ZERO = "00000000-0000-0000-0000-000000000000"
TARGET = MappingResolver(target_workspace_id="99999999-9999-4999-8999-999999999999")


def _render(root, name, resolver=TARGET, parameters=None):
    repository = read_repository(root)
    item = next(i for i in repository.items if i.display_name == name)
    return render_item(item, repository=repository, resolver=resolver, parameters=parameters)


def test_a_reference_to_an_item_not_deployed_yet(make_repo):
    root = make_repo(
        {
            "nb.Notebook/.platform": platform("Notebook", "nb", NB),
            "pl.DataPipeline/.platform": platform("DataPipeline", "pl", PL),
            "pl.DataPipeline/pipeline-content.json": f'{{\n  "notebookId": "{NB}"\n}}',
        }
    )
    with pytest.raises(ItemSourceError) as raised:
        _render(root, "pl")
    (problem,) = raised.value.problems
    assert problem.code == "source.unresolved-logical-id"
    assert (
        problem.file == (root / "pl.DataPipeline/pipeline-content.json").as_posix()
        and problem.line == 2
    )
    assert "nb.Notebook" in problem.message
    assert not isinstance(raised.value, ParameterError)


def test_an_unknown_item_reference_is_a_parameter_error_at_its_line(make_repo):
    root = make_repo(
        {
            "nb.Notebook/.platform": platform("Notebook", "nb", NB),
            "nb.Notebook/notebook-content.py": "LAKEHOUSE = 'sandbox'\n",
            "parameter.yml": (
                "find_replace:\n"
                "  - find_value: sandbox\n"
                "    replace_value: {PROD: $items.Lakehouse.nope.$id}\n"
            ),
        }
    )
    parameters = load_parameters(root, environment="PROD")
    with pytest.raises(ParameterError) as raised:
        _render(root, "nb", parameters=parameters)
    (problem,) = raised.value.problems
    assert (problem.code, problem.line, problem.path) == (
        "parameter.unresolved",
        2,
        "find_replace[0]",
    )
    assert (
        "Lakehouse 'nope'" in problem.message
        and "nb.Notebook/notebook-content.py" in problem.message
    )


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ("$workspace.Unknown.$id", "no workspace named 'Unknown'"),
        ("$workspace.Unknown.$items.Lakehouse.lh.$id", "no workspace named 'Unknown'"),
        ("$workspace.$name", "name is not known"),
    ],
)
def test_unresolvable_workspace_variables(make_repo, replace, message):
    root = make_repo(
        {
            "nb.Notebook/.platform": platform("Notebook", "nb", NB),
            "nb.Notebook/notebook-content.py": "x = 'sandbox'\n",
            "parameter.yml": (
                f"find_replace:\n  - find_value: sandbox\n    replace_value:"
                f' {{PROD: "{replace}"}}\n'
            ),
        }
    )
    with pytest.raises(ParameterError, match=message):
        _render(root, "nb", parameters=load_parameters(root, environment="PROD"))


def test_a_regex_that_captures_nothing(make_repo):
    root = make_repo(
        {
            "nb.Notebook/.platform": platform("Notebook", "nb", NB),
            "nb.Notebook/notebook-content.py": "value = 'x'\n",
            "parameter.yml": (
                "find_replace:\n  - find_value: \"value = '(y?)x'\"\n   "
                " is_regex: 'true'\n    replace_value: {PROD: z}\n"
            ),
        }
    )
    with pytest.raises(ParameterError, match="captured an empty value"):
        _render(root, "nb", parameters=load_parameters(root, environment="PROD"))


def test_a_jsonpath_value_that_cannot_be_set(make_repo):
    root = make_repo(
        {
            "pl.DataPipeline/.platform": platform("DataPipeline", "pl", PL),
            "pl.DataPipeline/pipeline-content.json": '{"a": "text"}',
            "parameter.yml": (
                'key_value_replace:\n  - find_key: "$.a.b"\n    replace_value: {PROD: 1}\n'
            ),
        }
    )
    rendered = _render(root, "pl", parameters=load_parameters(root, environment="PROD"))
    assert rendered.parts[1].data == b'{"a": "text"}'  # nothing matched, re-serialised


def test_report_binding_problems(tmp_path):
    base = {
        "r.Report/.platform": platform("Report", "r", RP),
        "m.SemanticModel/.platform": platform("SemanticModel", "m", ZERO),
    }
    cases = {
        '{"datasetReference": {"byPath": {"path": "../nope.SemanticModel"}}}': (
            "names no semantic model"
        ),
        '{"datasetReference": {"byPath": {"path": "../m.SemanticModel"}}}': "all-zero logicalId",
        '{"datasetReference": {"byPath": {}}}': "has no path",
        '{"datasetReference": {"byPath": \n': "not valid JSON",
    }
    for index, (text, message) in enumerate(cases.items()):
        root = write_tree(tmp_path / f"repo{index}", {**base, "r.Report/definition.pbir": text})
        with pytest.raises(ItemSourceError, match=message):
            _render(root, "r")


def test_report_without_by_path_is_untouched(make_repo):
    text = '{"datasetReference": {"byConnection": {"connectionString": "x"}}}'
    root = make_repo(
        {"r.Report/.platform": platform("Report", "r", RP), "r.Report/definition.pbir": text}
    )
    assert _render(root, "r").parts[1].data == text.encode()


def test_spark_pool_problems(make_repo):
    sparkcompute = "instance_pool_id: 5f0f5f5f-aaaa-4bbb-8ccc-0123456789ab\n"
    root = make_repo(
        {
            "e.Environment/.platform": platform("Environment", "e", NB),
            "e.Environment/Setting/Sparkcompute.yml": sparkcompute,
            "parameter.yml": (
                "spark_pool:\n"
                '  - instance_pool_id: "5f0f5f5f-aaaa-4bbb-8ccc-0123456789ab"\n'
                "    replace_value: {DEV: {type: Workspace, name: dev-pool}}\n"
            ),
        }
    )
    with pytest.raises(ParameterError, match="no pool for environment 'PROD'"):
        _render(root, "e", parameters=load_parameters(root, environment="PROD"))
    with pytest.raises(ParameterError, match="no Workspace pool named 'dev-pool'"):
        _render(root, "e", parameters=load_parameters(root, environment="DEV"))
    (root / "e.Environment/Setting/Sparkcompute.yml").write_text(
        "instance_pool_id: [unclosed\n", encoding="utf-8"
    )
    with pytest.raises(ItemSourceError, match="not valid YAML"):
        _render(root, "e")
    (root / "e.Environment/Setting/Sparkcompute.yml").write_text(
        "- instance_pool_id\n", encoding="utf-8"
    )
    assert _render(root, "e").parts[1].data == b"- instance_pool_id\n"


def test_kql_sources_that_do_not_resolve(make_repo):
    root = make_repo(
        {
            "q.KQLQueryset/.platform": platform("KQLQueryset", "q", NB),
            "q.KQLQueryset/RealTimeQueryset.json": json.dumps(
                {"queryset": {"dataSources": [{"clusterUri": "", "databaseItemId": PL}]}}
            ),
            "d.KQLDashboard/.platform": platform("KQLDashboard", "d", SM),
            "d.KQLDashboard/RealTimeDashboard.json": json.dumps(
                {"dataSources": [{"clusterUri": "", "name": "db"}]}
            ),
            "e.KQLDashboard/.platform": platform("KQLDashboard", "e", RP),
            "e.KQLDashboard/RealTimeDashboard.json": json.dumps({"dataSources": [{}]}),
            "db.KQLDatabase/.platform": platform("KQLDatabase", "db", PL),
        }
    )
    with pytest.raises(ItemSourceError, match="no query service URI"):
        _render(root, "q")
    with pytest.raises(ItemSourceError, match="no query service URI"):
        _render(root, "d")
    with pytest.raises(ItemSourceError, match="empty data source"):
        _render(root, "e")
    (root / "q.KQLQueryset/RealTimeQueryset.json").write_text(
        json.dumps({"queryset": {"dataSources": [{"clusterUri": "", "databaseItemId": RP}]}}),
        encoding="utf-8",
    )
    with pytest.raises(ItemSourceError, match="the repository lacks"):
        _render(root, "q")
    (root / "q.KQLQueryset/RealTimeQueryset.json").write_text('{"queryset": {}}', encoding="utf-8")
    assert _render(root, "q").parts[1].data == b'{"queryset": {}}'


def test_every_failing_part_of_an_item_is_reported(make_repo):
    root = make_repo(
        {
            "nb.Notebook/.platform": platform("Notebook", "nb", NB),
            "pl.DataPipeline/.platform": platform("DataPipeline", "pl", PL),
            "pl.DataPipeline/a.json": f'"{NB}"',
            "pl.DataPipeline/b.json": f'"{NB}"',
        }
    )
    with pytest.raises(ItemSourceError) as raised:
        _render(root, "pl")
    assert [p.file.rsplit("/", 1)[1] for p in raised.value.problems] == ["a.json", "b.json"]


def test_value_set_activation_edge_cases(make_repo):
    root = make_repo(
        {
            "v.VariableLibrary/.platform": platform("VariableLibrary", "v", NB),
            "w.VariableLibrary/.platform": platform("VariableLibrary", "w", PL),
            "w.VariableLibrary/settings.json": '{"valueSetsOrder": "PROD"}',
            "x.VariableLibrary/.platform": platform("VariableLibrary", "x", RP),
            "x.VariableLibrary/settings.json": "{not json",
            "nb.Notebook/.platform": platform("Notebook", "nb", SM),
        }
    )
    assert value_set_activation(_render(root, "v"), "PROD") is None
    assert value_set_activation(_render(root, "nb"), "PROD") is None
    with pytest.raises(ItemSourceError, match="valueSetsOrder"):
        value_set_activation(_render(root, "w"), "PROD")
    with pytest.raises(ItemSourceError, match="not valid JSON"):
        value_set_activation(_render(root, "x"), "PROD")


def test_bindings_without_rules_or_environment(make_repo):
    root = make_repo(
        {
            "m.SemanticModel/.platform": platform("SemanticModel", "m", NB),
            "parameter.yml": (
                "semantic_model_binding:\n"
                "  default:\n"
                '    connection_id: {DEV: "9d9d9d9d-1111-4222-8333-444455556666"}\n'
                "  models:\n"
                "    - semantic_model_name: m\n"
                '      connection_id: {DEV: ["9d9d9d9d-1111-4222-8333-444455556666"]}\n'
            ),
        }
    )
    repository = read_repository(root)
    assert semantic_model_bindings(load_parameters(root, environment="PROD"), repository) == ()
    assert semantic_model_bindings(load_parameters(root, environment="DEV"), repository) == (
        ConnectionBinding("m", ("9d9d9d9d-1111-4222-8333-444455556666",)),
    )
    (root / "parameter.yml").write_text(
        "find_replace:\n  - {find_value: a, replace_value: {DEV: b}}\n"
    )
    assert semantic_model_bindings(load_parameters(root, environment="DEV"), repository) == ()
    assert repository.get(ItemKey("SemanticModel", "m")) is not None


@pytest.mark.parametrize(
    ("find_key", "message"),
    [("$.a.`len`", "cannot set"), ("$.a.`sub(/x/, y)`", "cannot evaluate")],
)
def test_jsonpath_failures_are_parameter_errors(make_repo, find_key, message):
    root = make_repo(
        {
            "pl.DataPipeline/.platform": platform("DataPipeline", "pl", PL),
            "pl.DataPipeline/pipeline-content.json": '{"a": [1, 2]}'
            if "len" in find_key
            else '{"a": 5}',
            "parameter.yml": (
                f'key_value_replace:\n  - find_key: "{find_key}"\n    replace_value: {{PROD: 1}}\n'
            ),
        }
    )
    with pytest.raises(ParameterError, match=message) as raised:
        _render(root, "pl", parameters=load_parameters(root, environment="PROD"))
    assert raised.value.problems[0].line == 2


def test_key_value_rules_without_a_value_for_the_environment_still_rewrite(make_repo):
    root = make_repo(
        {
            "pl.DataPipeline/.platform": platform("DataPipeline", "pl", PL),
            "pl.DataPipeline/pipeline-content.json": '{\n  "a": 1\n}',
            "parameter.yml": (
                'key_value_replace:\n  - find_key: "$.a"\n    replace_value: {DEV: 2}\n'
            ),
        }
    )
    rendered = _render(root, "pl", parameters=load_parameters(root, environment="PROD"))
    assert rendered.parts[1].data == b'{"a": 1}'
