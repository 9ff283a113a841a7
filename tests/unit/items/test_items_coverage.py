"""The coverage check: source ids no rule rewrites are found, per item, file and line."""

from __future__ import annotations

import pytest
from items_tree import platform

from fabric_action.errors import ItemSourceError, UnmappedReferenceError
from fabric_action.items import (
    FindingKind,
    ItemKey,
    MappingResolver,
    check_reference_coverage,
    load_parameters,
    read_repository,
)

NB = "11111111-1111-4111-8111-111111111111"
LH = "22222222-2222-4222-8222-222222222222"
SOURCE_WS = "1c5bef57-6285-420b-a061-3ecb79400b5a"
SOURCE_LH = "b13145dc-7c9e-4977-ac55-cdd908b70030"
STRANGER = "abcdabcd-0000-4000-8000-000000000001"
PROD_CONN = "c0c0c0c0-0000-4000-8000-000000000001"

NOTEBOOK = f"""# META {{
# META   "default_lakehouse": "{SOURCE_LH}",
# META   "default_lakehouse_workspace_id": "{SOURCE_WS}",
# META   "environmentId": "{LH}",
# META   "workspaceId": "00000000-0000-0000-0000-000000000000"
# META }}
conn = "{STRANGER}"
again = "{SOURCE_WS.upper()}"
target = "{PROD_CONN}"
"""


@pytest.fixture
def root(make_repo):
    return make_repo(
        {
            "nb.Notebook/.platform": platform("Notebook", "nb", NB),
            "nb.Notebook/notebook-content.py": NOTEBOOK,
            "lh.Lakehouse/.platform": platform("Lakehouse", "lh", LH),
            "m.SemanticModel/.platform": platform(
                "SemanticModel", "m", "33333333-3333-4333-8333-333333333333"
            ),
            "m.SemanticModel/definition/tables/T.tmdl": f"table T\n\tlineageTag: {STRANGER}\n",
        }
    )


def _check(root, parameters=None, **kwargs):
    repository = read_repository(root)
    return check_reference_coverage(
        repository.items,
        repository=repository,
        parameters=parameters,
        source_workspace_ids=[SOURCE_WS],
        **kwargs,
    )


def test_unrewritten_source_ids_are_errors_and_strangers_warnings(root):
    report = _check(root, source_item_ids={SOURCE_LH: "Lakehouse 'lh'"})
    found = {(f.kind, f.guid, f.lines) for f in report.findings}
    assert found == {
        (FindingKind.SOURCE, SOURCE_LH, (2,)),
        (FindingKind.SOURCE, SOURCE_WS, (3, 8)),
        (FindingKind.UNKNOWN, STRANGER, (7,)),
        (FindingKind.UNKNOWN, PROD_CONN, (9,)),
    }
    assert {f.item for f in report.findings} == {ItemKey("Notebook", "nb")}
    assert len(report.errors) == 2 and len(report.warnings) == 2
    with pytest.raises(UnmappedReferenceError) as raised:
        report.raise_for_errors()
    messages = [str(problem) for problem in raised.value.problems]
    assert any(
        m.startswith((root / "nb.Notebook/notebook-content.py").as_posix() + ":2:")
        for m in messages
    )
    assert any("find_replace" in m for m in messages)


def test_rules_known_ids_and_the_target_silence_findings(root):
    (root / "parameter.yml").write_text(
        "find_replace:\n"
        f'  - find_value: "{SOURCE_LH}"\n'
        '    replace_value: {PROD: "$items.Lakehouse.lh.$id"}\n'
        f'  - find_value: "{SOURCE_WS}"\n'
        '    replace_value: {PROD: "$workspace.$id"}\n'
        "    ignore_case: 'true'\n"
        f'  - find_value: "{STRANGER}"\n'
        f'    replace_value: {{PROD: "{STRANGER}"}}\n'
        f'  - find_value: "{PROD_CONN}"\n'
        f'    replace_value: {{DEV: "{PROD_CONN}"}}\n',
        encoding="utf-8",
    )
    parameters = load_parameters(root, environment="PROD")
    report = _check(root, parameters, known_target_ids=[PROD_CONN.upper()])
    assert report.findings == ()
    report.raise_for_errors()


def test_the_resolver_answers_for_items_outside_the_repository(root):
    (root / "parameter.yml").write_text(
        (
            f'find_replace:\n  - find_value: "{SOURCE_LH}"\n    replace_value: {{PROD:'
            f' "$items.Lakehouse.shared.$id"}}\n'
        ),
        encoding="utf-8",
    )
    parameters = load_parameters(root, environment="PROD")
    report = _check(root, parameters)
    assert [p.code for p in report.problems] == ["parameter.unresolved"]
    with pytest.raises(ItemSourceError):
        report.raise_for_errors()
    resolver = MappingResolver(
        target_workspace_id=SOURCE_WS,
        items={(None, "Lakehouse", "shared", "id"): "5a5a5a5a-0000-4000-8000-000000000000"},
    )
    report = _check(root, parameters, resolver=resolver)
    assert report.problems == ()
    # The target's own id is known: the notebook's workspace id is not reported.
    assert SOURCE_WS not in {f.guid.lower() for f in report.findings}


def test_findings_render_as_problems(root):
    finding = _check(root).warnings[0]
    problem = finding.to_problem()
    assert problem.code == "coverage.unknown" and problem.line == finding.lines[0]
    assert problem.path == "nb.Notebook"
