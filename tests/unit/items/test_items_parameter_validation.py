"""Parameter validation beyond the corpus: each shape of mistake, with its code and line."""

from __future__ import annotations

import pytest
from items_tree import platform

from fabric_action.errors import ParameterError
from fabric_action.items import load_parameters, read_repository

GUID = "9d9d9d9d-1111-4222-8333-444455556666"


def _problems(root, text, **kwargs):
    (root / "parameter.yml").write_text(text, encoding="utf-8")
    with pytest.raises(ParameterError) as raised:
        load_parameters(root, environment="PROD", **kwargs)
    return [(p.code, p.line) for p in raised.value.problems]


@pytest.fixture
def root(make_repo):
    return make_repo(
        {
            "m.SemanticModel/.platform": platform(
                "SemanticModel", "m", "11111111-1111-4111-8111-111111111111"
            ),
            "e.Environment/.platform": platform(
                "Environment", "e", "22222222-2222-4222-8222-222222222222"
            ),
            "e.Environment/Setting/Sparkcompute.yml": "driver_cores: 4\n",
        }
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("semantic_model_binding: text\n", [("parameter.shape", 1)]),
        ("semantic_model_binding: {}\n", [("parameter.missing-key", 1)]),
        ("semantic_model_binding:\n  default: {}\n", [("parameter.missing-key", 2)]),
        ("semantic_model_binding:\n  default: text\n", [("parameter.shape", 2)]),
        ("semantic_model_binding:\n  models: []\n", [("parameter.shape", 2)]),
        ("semantic_model_binding:\n  models: [text]\n", [("parameter.shape", 2)]),
        (
            (
                "semantic_model_binding:\n  other: 1\n  models: [{semantic_model_name: m,"
                " connection_id: {PROD: "
            )
            + GUID
            + "}}]\n",
            [("parameter.unknown-key", 2)],
        ),
        (
            (
                "semantic_model_binding:\n  models:\n    - semantic_model_name: m\n     "
                " connection_id: "
            )
            + GUID
            + "\n",
            [("parameter.connection-id", 4)],
        ),
        (
            (
                "semantic_model_binding:\n  models:\n    - semantic_model_name: m\n     "
                " connection_id: {PROD: []}\n"
            ),
            [("parameter.connection-id", 4)],
        ),
        (
            (
                "semantic_model_binding:\n  models:\n    - semantic_model_name: m\n     "
                " connection_id: {PROD: ["
            )
            + GUID
            + ", 5]}\n",
            [("parameter.connection-id", 4)],
        ),
        (
            (
                "semantic_model_binding:\n  models:\n    - semantic_model_name: ''\n     "
                " connection_id: {PROD: "
            )
            + GUID
            + "}\n",
            [("parameter.missing-key", 3)],
        ),
        (
            (
                "semantic_model_binding:\n  models:\n    - semantic_model_name: [m, 5]\n     "
                " connection_id: {PROD: "
            )
            + GUID
            + "}\n",
            [("parameter.type", 3)],
        ),
        (
            "semantic_model_binding:\n  default:\n    connection_id: {_ALL_: "
            + GUID
            + ", PROD: "
            + GUID
            + "}\n",
            [("parameter.all-environments", 3)],
        ),
        (
            "semantic_model_binding:\n  - connection_id: {PROD: "
            + GUID
            + "}\n    semantic_model_name: m\n",
            [("parameter.binding-format", 2)],
        ),
        ("semantic_model_binding:\n  - default: {}\n", [("parameter.binding-format", 2)]),
        ("semantic_model_binding:\n  - text\n", [("parameter.shape", 2)]),
        (
            "semantic_model_binding:\n  - connection_id: nope\n    semantic_model_name: m\n",
            [("parameter.connection-id", 2)],
        ),
        ("gateway_binding: text\n", [("parameter.shape", 1)]),
        ("gateway_binding:\n  - gateway_id: " + GUID + "\n", [("parameter.missing-key", 2)]),
    ],
)
def test_binding_mistakes(root, text, expected):
    assert _problems(root, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("find_replace:\n  - {find_value: 5, replace_value: {PROD: b}}\n", [("parameter.type", 2)]),
        (
            "find_replace:\n  - {find_value: '$workspace.$nope', replace_value: {PROD: b}}\n",
            [("parameter.variable", 2)],
        ),
        ("find_replace:\n  - {find_value: a, replace_value: [b]}\n", [("parameter.type", 2)]),
        ("find_replace:\n  - {find_value: a, replace_value: {1: b}}\n", [("parameter.type", 2)]),
        (
            "find_replace:\n  - {find_value: a, replace_value: {PROD: ''}}\n",
            [("parameter.type", 2)],
        ),
        (
            "find_replace:\n  - {find_value: a, replace_value: {PROD: b}, item_name: {x: y}}\n",
            [("parameter.type", 2)],
        ),
        (
            "find_replace:\n  - {find_value: a, replace_value: {PROD: b}, ignore_case: 1}\n",
            [("parameter.type", 2)],
        ),
        (
            "find_replace:\n  - {find_value: a, replace_value: {PROD: b}, file_path: ../x.json}\n",
            [("parameter.file-path", 2)],
        ),
        (
            "key_value_replace:\n  - {find_key: 5, replace_value: {PROD: b}}\n",
            [("parameter.type", 2)],
        ),
        (
            "key_value_replace:\n  - {find_key: $.a, replace_value: {PROD: null}}\n",
            [("parameter.type", 2)],
        ),
        (
            "key_value_replace:\n  - {find_key: $.a, replace_value: {PROD: $items.Notebook}}\n",
            [("parameter.variable", 2)],
        ),
        (
            (
                "spark_pool:\n  - {instance_pool_id: '', replace_value: {PROD: {type:"
                " Workspace, name: p}}}\n"
            ),
            [("parameter.type", 2)],
        ),
        (
            "spark_pool:\n  - {instance_pool_id: x, replace_value: {PROD: {type: Workspace}}}\n",
            [("parameter.spark-pool", 2)],
        ),
        (
            (
                "spark_pool:\n  - {instance_pool_id: x, replace_value: {PROD: {type: Workspace,"
                " name: ''}}}\n"
            ),
            [("parameter.spark-pool", 2)],
        ),
        (
            "spark_pool:\n  - {instance_pool_id: x, replace_value: {PROD: text}}\n",
            [("parameter.spark-pool", 2)],
        ),
        (
            (
                "spark_pool:\n  - {instance_pool_id: x, replace_value: {PROD: {type: Workspace,"
                " name: p}}, item_name: [e, 5]}\n"
            ),
            [("parameter.type", 2)],
        ),
        ("key_value_replace: {}\n", [("parameter.shape", 1)]),
        ("key_value_replace:\n  - {find_key: $.a}\n", [("parameter.missing-key", 2)]),
        ("key_value_replace:\n  - {find_key: $.a, replace_value: 5}\n", [("parameter.type", 2)]),
        (
            "spark_pool:\n  - {replace_value: {PROD: {type: Workspace, name: p}}}\n",
            [("parameter.missing-key", 2)],
        ),
        ("spark_pool:\n  - {instance_pool_id: x, replace_value: {}}\n", [("parameter.type", 2)]),
        ("find_replace: [" * 1 + "[" * 3000 + "\n", [("yaml.syntax", None)]),
        ("- just a list\n", [("parameter.shape", 1)]),
        ("extend: []\n", [("parameter.extend", 1), ("parameter.empty", None)]),
        ("extend: [5]\nfind_replace: []\n", [("parameter.extend", 1)]),
    ],
)
def test_rule_mistakes(root, text, expected):
    assert _problems(root, text) == expected


def test_environment_variables_that_are_not_set(root):
    text = (
        'find_replace:\n  - find_value: a\n    replace_value: {PROD: "$ENV:NOT_SET",'
        ' DEV: "$ENV:ALSO_NOT_SET"}\n'
    )
    assert _problems(root, text, environment_variables=True, environ={}) == [
        ("parameter.env-unset", 3)
    ]
    (root / "parameter.yml").write_text(text.replace("NOT_SET", "SET_HERE", 1), encoding="utf-8")
    parameters = load_parameters(
        root, environment="PROD", environment_variables=True, environ={"SET_HERE": "x"}
    )
    assert parameters.find_replace[0].replace_value["PROD"] == "x"


def test_valid_files_and_their_warnings(root):
    (root / "parameter.yml").write_text(
        "find_replace:\n"
        "  - find_value: a\n"
        "    replace_value: {PROD: b}\n"
        "    item_type: [Notebook, FutureType, SemanticModel]\n"
        "    item_name: [m, ghost]\n"
        "    file_path: ['**/*.nothing', m.SemanticModel/.platform]\n"
        "spark_pool:\n"
        "  - instance_pool_id: x\n"
        "    replace_value: {PROD: {type: Capacity, name: p}}\n"
        "    item_name: [e, ghost_env]\n"
        "  - instance_pool_id: y\n"
        "    replace_value: {_ALL_: {type: Workspace, name: p}}\n"
        "    item_name: ''\n"
        "semantic_model_binding:\n"
        f"  - connection_id: {GUID}\n"
        "    semantic_model_name: [m, ghost_model]\n"
        f"  - connection_id: {GUID}\n"
        "    semantic_model_name: m\n"
        "gateway_binding:\n"
        f"  - gateway_id: {GUID}\n"
        "    dataset_name: m\n",
        encoding="utf-8",
    )
    repository = read_repository(root)
    parameters = load_parameters(
        root,
        environment="PROD",
        repository=repository,
        item_types_in_scope={"Notebook", "SemanticModel"},
    )
    messages = sorted(w.message for w in parameters.warnings)
    assert any("'FutureType' is not in the item types in scope" in m for m in messages)
    assert any("no item of type 'Notebook'" in m for m in messages)
    assert any("no item named 'ghost'" in m for m in messages)
    assert any("'**/*.nothing' names no file" in m for m in messages)
    assert any("no Environment named 'ghost_env'" in m for m in messages)
    assert any("no SemanticModel named 'ghost_model'" in m for m in messages)
    assert any("more than one binding entry" in m for m in messages)
    assert any("gateway_binding is deprecated" in m for m in messages)
    assert parameters.spark_pool[1].item_names is None
    assert len(parameters.semantic_model_binding.models) == 3  # type: ignore[union-attr]
    assert all(w.file.endswith("parameter.yml") and w.line for w in parameters.warnings)


def test_no_parameter_file_means_no_rules_but_a_named_one_must_exist(root):
    parameters = load_parameters(root, environment="PROD")
    assert parameters.files == () and parameters.find_replace == ()
    with pytest.raises(ParameterError, match="does not exist"):
        load_parameters(root, environment="PROD", parameter_file="missing.yml")
    with pytest.raises(ValueError, match="environment"):
        load_parameters(root, environment="")


def test_templates(root):
    (root / "t").mkdir()
    (root / "t/list.yml").write_text(
        "find_replace:\n  - {find_value: c, replace_value: {PROD: d}}\n", encoding="utf-8"
    )
    (root / "t/nested.yml").write_text("extend: [list.yml]\n", encoding="utf-8")
    (root / "t/broken.yml").write_text("find_replace: [\n", encoding="utf-8")
    (root / "t/scalar.yml").write_text("just text\n", encoding="utf-8")
    (root / "t/binding.yml").write_text(
        (
            f"semantic_model_binding:\n  models:\n    - {{semantic_model_name: m,"
            f" connection_id: {{PROD: {GUID}}}}}\n"
        ),
        encoding="utf-8",
    )
    (root / "t/clash.yml").write_text("find_replace: {find_value: x}\n", encoding="utf-8")
    base = "find_replace:\n  - {find_value: a, replace_value: {PROD: b}}\n"
    problems = _problems(
        root,
        (
            "extend: [t/list.yml, t/list.yml, t/nested.yml, t/broken.yml, t/scalar.yml,"
            " t/binding.yml]\n"
        )
        + base
        + f"semantic_model_binding:\n  default: {{connection_id: {{PROD: {GUID}}}}}\n",
    )
    assert ("parameter.extend", 1) in problems  # nested
    assert ("yaml.syntax", 2) in problems  # broken.yml
    assert ("parameter.shape", 1) in problems  # scalar.yml
    (root / "parameter.yml").write_text(
        "extend: [t/list.yml, t/list.yml, t/binding.yml]\n"
        + base
        + f"semantic_model_binding:\n  default: {{connection_id: {{PROD: {GUID}}}}}\n",
        encoding="utf-8",
    )
    parameters = load_parameters(root, environment="PROD")
    assert [rule.find_value for rule in parameters.find_replace] == ["a", "c"]
    assert parameters.find_replace[1].place.file.endswith("t/list.yml")
    assert parameters.semantic_model_binding.default == {"PROD": (GUID,)}  # type: ignore[union-attr]
    assert any("listed twice" in w.message for w in parameters.warnings)
    # A list in the file and a mapping in the template become a pair, as in fabric-cicd.
    assert _problems(root, "extend: [t/clash.yml]\n" + base) == [
        ("parameter.shape", 2),
        ("parameter.missing-key", 1),
    ]
