import ast
from pathlib import Path

import fabric_action.items


def test_items_package_exports_exactly_this_list() -> None:
    assert fabric_action.items.__all__ == [
        "DEFAULT_MAX_PART_BYTES",
        "DEFAULT_PARAMETER_FILE",
        "DEFAULT_VALUE_SET",
        "KNOWN_ITEM_TYPES",
        "ZERO_GUID",
        "ConnectionBinding",
        "CoverageFinding",
        "CoverageReport",
        "DefinitionPart",
        "FindingKind",
        "ItemAttribute",
        "ItemFilter",
        "ItemKey",
        "ItemReference",
        "ItemType",
        "MappingResolver",
        "ParameterSet",
        "PlanningResolver",
        "ReadOptions",
        "RenderedItem",
        "Repository",
        "SourceItem",
        "TargetResolver",
        "ValueSetActivation",
        "WorkspaceLister",
        "check_reference_coverage",
        "classify_content",
        "definition_hash",
        "item_dependencies",
        "load_parameters",
        "normalise_definition",
        "parts_from_wire",
        "read_repository",
        "render_item",
        "select_items",
        "semantic_model_bindings",
        "value_set_activation",
    ]
    for name in fabric_action.items.__all__:
        value = getattr(fabric_action.items, name)
        module = getattr(value, "__module__", None)
        if module is not None and callable(value):
            assert module.startswith("fabric_action.items._"), name


def test_items_is_pure_and_imports_only_downward() -> None:
    package = Path(fabric_action.items.__file__).parent
    forbidden_roots = {"requests", "urllib3", "time", "fabric_emulator", "fabric_cicd", "socket"}
    for source in package.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        assert len(source.read_text(encoding="utf-8").splitlines()) < 400, source
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
                if node.level == 2:
                    assert node.module == "errors", source
            for name in names:
                assert name.split(".")[0] not in forbidden_roots, (source, name)
