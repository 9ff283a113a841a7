"""Which items an item needs deployed first."""

from __future__ import annotations

from items_tree import platform

from fabric_action.items import ItemKey, item_dependencies, load_parameters, read_repository

LH = "11111111-1111-4111-8111-111111111111"
NB = "22222222-2222-4222-8222-222222222222"
PL = "33333333-3333-4333-8333-333333333333"
SM = "44444444-4444-4444-8444-444444444444"
RP = "55555555-5555-4555-8555-555555555555"
EH = "66666666-6666-4666-8666-666666666666"
DB = "77777777-7777-4777-8777-777777777777"
ZERO = "00000000-0000-0000-0000-000000000000"


def test_dependencies_from_ids_reports_rules_and_parents(make_repo):
    root = make_repo(
        {
            "lh.Lakehouse/.platform": platform("Lakehouse", "lh", LH),
            "wh.Warehouse/.platform": platform("Warehouse", "wh", ZERO),
            "nb.Notebook/.platform": platform("Notebook", "nb", NB),
            "nb.Notebook/notebook-content.py": (
                f"lakehouse = 'b13145dc'\nself = '{NB}'\nzero = '{ZERO}'\nSERVER\n"
            ),
            "pl.DataPipeline/.platform": platform("DataPipeline", "pl", PL),
            "pl.DataPipeline/pipeline-content.json": f'{{"notebookId": "{NB}"}}',
            "m.SemanticModel/.platform": platform("SemanticModel", "m", SM),
            "r.Report/.platform": platform("Report", "r", RP),
            "r.Report/definition.pbir": (
                '{"datasetReference": {"byPath": {"path": "../m.SemanticModel"}}}'
            ),
            "eh.Eventhouse/.platform": platform("Eventhouse", "eh", EH),
            "eh.Eventhouse/.children/db.KQLDatabase/.platform": platform("KQLDatabase", "db", DB),
            "parameter.yml": (
                "find_replace:\n"
                "  - find_value: 'b13145dc'\n"
                "    replace_value: {PROD: $items.Lakehouse.lh.$id}\n"
                "  - find_value: 'server'\n"
                "    ignore_case: 'true'\n"
                "    replace_value: {PROD: $items.Warehouse.wh.$sqlendpoint}\n"
                "  - find_value: '(nothing)here'\n"
                "    is_regex: 'true'\n"
                "    replace_value: {PROD: $items.Lakehouse.lh.$id}\n"
                "  - find_value: 'absent'\n"
                "    replace_value: {PROD: $items.Lakehouse.elsewhere.$id}\n"
                "key_value_replace:\n"
                "  - find_key: $.notebookId\n"
                "    replace_value: {PROD: $items.Lakehouse.lh.$id}\n"
                "    item_type: DataPipeline\n"
                "  - find_key: $.x\n"
                "    replace_value: {DEV: $items.Warehouse.wh.$id}\n"
                "  - find_key: $.y\n"
                "    replace_value: {PROD: 5}\n"
            ),
        }
    )
    repository = read_repository(root)
    parameters = load_parameters(root, environment="PROD")

    def deps(name):
        item = next(i for i in repository.items if i.display_name == name)
        return item_dependencies(item, repository=repository, parameters=parameters)

    assert deps("nb") == {ItemKey("Lakehouse", "lh"), ItemKey("Warehouse", "wh")}
    assert deps("pl") == {ItemKey("Notebook", "nb"), ItemKey("Lakehouse", "lh")}
    assert deps("r") == {ItemKey("SemanticModel", "m")}
    assert deps("db") == {ItemKey("Eventhouse", "eh")}
    assert deps("lh") == frozenset()
    item = next(i for i in repository.items if i.display_name == "nb")
    assert item_dependencies(item, repository=repository) == frozenset()
