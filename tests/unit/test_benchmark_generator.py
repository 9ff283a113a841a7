"""The deploy benchmark's repository generator writes a valid, deterministic repository."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

from fabric_action.items import ItemKey, item_dependencies, read_repository

GENERATOR = Path(__file__).resolve().parents[2] / "benchmarks" / "_repo_generator.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_repo_generator", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


def _digest(root: Path) -> str:
    sha = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        sha.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return sha.hexdigest()


def test_generated_repository_reads_with_the_expected_shape_and_references(
    tmp_path: Path,
) -> None:
    generator = _generator()
    generated = generator.generate_repository(tmp_path / "a")
    repository = read_repository(tmp_path / "a")

    assert len(repository.items) == 120
    assert Counter(item.item_type for item in repository.items) == {
        "Notebook": 40,
        "DataPipeline": 20,
        "SemanticModel": 15,
        "Report": 15,
        "Environment": 10,
        "Lakehouse": 10,
        "VariableLibrary": 10,
    }
    folders = set(repository.folders)
    assert len(folders) == 8
    assert {f.count("/") for f in folders} == {1, 2}  # two levels: /Top and /Top/Sub
    assert {item.folder_path for item in repository.items} == folders

    for item in repository.items:
        expected = next(g for g in generated.items if g.display_name == item.display_name)
        dependencies = item_dependencies(item, repository=repository)
        assert dependencies == {ItemKey(t, n) for t, n in expected.references}, item.key
        if item.item_type == "DataPipeline":
            assert len(dependencies) == 2
            assert {d.item_type for d in dependencies} == {"Notebook"}
        if item.item_type == "Report":
            assert [d.item_type for d in dependencies] == ["SemanticModel"]


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    generator = _generator()
    generator.generate_repository(tmp_path / "a", seed=7)
    generator.generate_repository(tmp_path / "b", seed=7)
    generator.generate_repository(tmp_path / "c", seed=8)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")
