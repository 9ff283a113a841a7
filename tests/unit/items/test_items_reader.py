"""The repository reader: items, parts, folders, and every problem reported at once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from items_tree import platform

from fabric_action.errors import ConfigError, ItemSourceError
from fabric_action.items import ItemKey, ReadOptions, read_repository

ID1 = "11111111-1111-4111-8111-111111111111"
ID2 = "22222222-2222-4222-8222-222222222222"
ID3 = "33333333-3333-4333-8333-333333333333"
ZERO = "00000000-0000-0000-0000-000000000000"


def _codes(error: ItemSourceError) -> list[str]:
    return [problem.code for problem in error.problems]


def test_reads_items_parts_and_folders_in_a_stable_order(make_repo):
    root = make_repo(
        {
            "B/nb.Notebook/.platform": platform("Notebook", "nb", ID1, "a notebook"),
            "B/nb.Notebook/notebook-content.py": "print(1)\r\nprint(2)\r",
            "B/nb.Notebook/a/z.txt": "z",
            "A/Deep/lh.Lakehouse/.platform": platform("Lakehouse", "lh", ID2),
            "A/Deep/lh.Lakehouse/lakehouse.metadata.json": "{}",
            "root.VariableLibrary/.platform": platform("VariableLibrary", "vl", ID3),
            "README.md": "not an item",
        }
    )
    repository = read_repository(root)
    assert [item.directory for item in repository.items] == [
        "A/Deep/lh.Lakehouse",
        "B/nb.Notebook",
        "root.VariableLibrary",
    ]
    assert repository.folders == ("/A", "/B", "/A/Deep")
    notebook = repository.get(ItemKey("Notebook", "nb"))
    assert (
        notebook is not None
        and notebook.folder_path == "/B"
        and notebook.description == "a notebook"
    )
    assert [part.path for part in notebook.parts] == [".platform", "a/z.txt", "notebook-content.py"]
    content = notebook.part("notebook-content.py")
    assert content is not None and content.data == b"print(1)\nprint(2)\n" and content.is_text
    assert notebook.part("missing") is None
    assert repository.get(ItemKey("VariableLibrary", "vl")).folder_path == ""  # type: ignore[union-attr]
    assert repository.at("A/Deep/lh.Lakehouse").display_name == "lh"  # type: ignore[union-attr]


def test_unknown_item_types_are_passed_through(make_repo):
    root = make_repo(
        {
            "x.FutureThing/.platform": platform("FutureThing", "x", ID1),
            "x.FutureThing/definition.json": '{"a": 1}',
        }
    )
    (item,) = read_repository(root).items
    assert item.item_type == "FutureThing" and [p.path for p in item.parts] == [
        ".platform",
        "definition.json",
    ]


def test_pbi_folders_are_not_parts_of_reports_and_models_but_are_of_others(make_repo):
    root = make_repo(
        {
            "r.Report/.platform": platform("Report", "r", ID1),
            "r.Report/definition.pbir": "{}",
            "r.Report/.pbi/localSettings.json": "{}",
            "m.SemanticModel/.platform": platform("SemanticModel", "m", ID2),
            "m.SemanticModel/.pbi/cache.abf": b"\x00",
            "m.SemanticModel/model.bim": "{}",
            "n.Notebook/.platform": platform("Notebook", "n", ID3),
            "n.Notebook/.pbi/kept.json": "{}",
        }
    )
    repository = read_repository(root)
    paths = {item.display_name: [p.path for p in item.parts] for item in repository.items}
    assert paths == {
        "r": [".platform", "definition.pbir"],
        "m": [".platform", "model.bim"],
        "n": [".pbi/kept.json", ".platform"],
    }


def test_children_belong_to_their_own_item_in_the_parent_folder(make_repo):
    root = make_repo(
        {
            "RTI/eh.Eventhouse/.platform": platform("Eventhouse", "eh", ID1),
            "RTI/eh.Eventhouse/EventhouseProperties.json": "{}",
            "RTI/eh.Eventhouse/.children/db.KQLDatabase/.platform": platform(
                "KQLDatabase", "db", ID2
            ),
            "RTI/eh.Eventhouse/.children/db.KQLDatabase/DatabaseSchema.kql": (
                ".create table T (a:int)"
            ),
            "top.Eventhouse/.platform": platform("Eventhouse", "top", ID3),
            "top.Eventhouse/.children/db2.KQLDatabase/.platform": platform(
                "KQLDatabase", "db2", "44444444-4444-4444-8444-444444444444"
            ),
        }
    )
    repository = read_repository(root)
    eventhouse = repository.get(ItemKey("Eventhouse", "eh"))
    database = repository.get(ItemKey("KQLDatabase", "db"))
    assert eventhouse is not None and database is not None
    assert [p.path for p in eventhouse.parts] == [".platform", "EventhouseProperties.json"]
    assert database.folder_path == "/RTI" and database.parent == ItemKey("Eventhouse", "eh")
    assert [p.path for p in database.parts] == [".platform", "DatabaseSchema.kql"]
    assert repository.get(ItemKey("KQLDatabase", "db2")).folder_path == ""  # type: ignore[union-attr]
    assert repository.folders == ("/RTI",)


def test_text_and_binary_parts(make_repo):
    latin1 = "Straße;Größe\n".encode("latin-1")
    png = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + b"\x00" * 8
    root = make_repo(
        {
            "n.Notebook/.platform": platform("Notebook", "n", ID1),
            "n.Notebook/data.csv": latin1,
            "n.Notebook/logo.png": png,
            "n.Notebook/bom.txt": "\ufeffhello\r\n".encode(),
            "n.Notebook/empty.txt": b"",
        }
    )
    (item,) = read_repository(root).items
    parts = {part.path: part for part in item.parts}
    assert parts["data.csv"].is_text is False and parts["data.csv"].data == latin1
    assert parts["logo.png"].is_text is False and parts["logo.png"].data == png
    assert parts["bom.txt"].is_text and parts["bom.txt"].data == "\ufeffhello\n".encode()
    assert parts["empty.txt"].is_text and parts["empty.txt"].data == b""
    with pytest.raises(ValueError, match="binary"):
        _ = parts["logo.png"].text


def test_duplicate_logical_ids_and_names_are_errors_naming_both(make_repo):
    root = make_repo(
        {
            "a.Notebook/.platform": platform("Notebook", "a", ID1),
            "b.Notebook/.platform": platform("Notebook", "b", ID1.upper()),
            "c.Notebook/.platform": platform("Notebook", "A", ID2),
            "z1.Lakehouse/.platform": platform("Lakehouse", "z1", ZERO),
            "z2.Lakehouse/.platform": platform("Lakehouse", "z2", ZERO),
        }
    )
    with pytest.raises(ItemSourceError) as raised:
        read_repository(root)
    problems = raised.value.problems
    assert [problem.code for problem in problems] == [
        "source.duplicate-logical-id",
        "source.duplicate-name",
    ]
    assert problems[0].file.endswith("b.Notebook/.platform") and "a.Notebook" in problems[0].message
    assert problems[1].file.endswith("c.Notebook/.platform") and "a.Notebook" in problems[1].message
    assert isinstance(raised.value, ConfigError)


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ('{\n  "metadata": {\n    "type": "Notebook",,\n', "platform.json", 3),
        ("[]", "platform.shape", 1),
        ('{"config": {"logicalId": "ID1"}}'.replace("ID1", ID1), "platform.missing-field", None),
        ('{"metadata": {"type": "Notebook", "displayName": "n"}}', "platform.missing-field", None),
        (
            '{"metadata": {"displayName": "n"},\n "config": {"logicalId": "ID1"}}'.replace(
                "ID1", ID1
            ),
            "platform.missing-field",
            1,
        ),
        (
            (
                '{"metadata": {"type": "", "displayName": "n"}, "config": {"logicalId": "ID1"}}'
            ).replace("ID1", ID1),
            "platform.missing-field",
            1,
        ),
        (
            '{"metadata": {"type": "Notebook", "displayName": "n"},\n"config": {"logicalId": ""}}',
            "platform.missing-field",
            2,
        ),
        (
            (
                '{"metadata": {"type": "Notebook", "displayName": "n"},\n"config":'
                ' {"logicalId": "abc"}}'
            ),
            "platform.invalid-field",
            2,
        ),
        (
            (
                '{"metadata": {"type": "Notebook", "displayName": "n",\n"description": 5},'
                ' "config": {"logicalId": "ID1"}}'
            ).replace("ID1", ID1),
            "platform.invalid-field",
            2,
        ),
    ],
)
def test_malformed_platform_files_are_placed(make_repo, text, code, line):
    root = make_repo({"n.Notebook/.platform": text})
    with pytest.raises(ItemSourceError) as raised:
        read_repository(root)
    (problem,) = [p for p in raised.value.problems if p.code == code][:1]
    assert problem.file == (root / "n.Notebook/.platform").as_posix()
    assert problem.line == line


def test_a_platform_file_that_is_not_utf8(make_repo):
    root = make_repo({"n.Notebook/.platform": b"\xff\xfe{}"})
    with pytest.raises(ItemSourceError) as raised:
        read_repository(root)
    assert _codes(raised.value) == ["platform.encoding"]


def test_a_utf8_byte_order_mark_in_platform_is_tolerated(make_repo):
    root = make_repo({"n.Notebook/.platform": "\ufeff" + platform("Notebook", "n", ID1)})
    assert read_repository(root).items[0].display_name == "n"


def test_every_problem_of_the_repository_is_reported_at_once(make_repo):
    root = make_repo(
        {
            "a.Notebook/.platform": "{",
            "b.Notebook/.platform": "{}",
            "Bad.Folder/c.Notebook/.platform": platform("Notebook", "c", ID1),
            "d.Notebook/.platform": platform("Notebook", "d", ID2),
            "d.Notebook/inner.Notebook/.platform": platform("Notebook", "inner", ID3),
        }
    )
    with pytest.raises(ItemSourceError) as raised:
        read_repository(root)
    assert sorted(_codes(raised.value)) == [
        "platform.json",
        "platform.missing-field",
        "platform.missing-field",
        "source.folder-name",
        "source.nested-item",
    ]
    assert "Bad.Folder" in str(raised.value)


def test_oversized_files_are_errors_with_their_size(make_repo):
    root = make_repo(
        {
            "n.Notebook/.platform": platform("Notebook", "n", ID1),
            "n.Notebook/big.bin": b"x" * 4096,
        }
    )
    with pytest.raises(ItemSourceError) as raised:
        read_repository(root, options=ReadOptions(max_part_bytes=1024))
    problems = [p for p in raised.value.problems if p.code == "source.too-large"]
    assert len(problems) == 1 and "4,096 bytes" in problems[0].message
    assert problems[0].file.endswith("n.Notebook/big.bin")
    assert len(read_repository(root).items[0].parts) == 2
    with pytest.raises(ItemSourceError) as raised:
        read_repository(root, options=ReadOptions(max_part_bytes=16))
    # An item whose .platform cannot be read is not read further.
    assert [Path(p.file).name for p in raised.value.problems] == [".platform"]


def test_a_symlink_leaving_the_repository_is_an_error(make_repo, tmp_path):
    secret = tmp_path / "outside.txt"
    secret.write_text("secret", encoding="utf-8")
    outside_dir = tmp_path / "outside-dir"
    outside_dir.mkdir()
    root = make_repo({"n.Notebook/.platform": platform("Notebook", "n", ID1)})
    os.symlink(secret, root / "n.Notebook/leak.txt")
    os.symlink(outside_dir, root / "n.Notebook/leakdir")
    os.symlink(root / "missing", root / "n.Notebook/broken.txt")
    with pytest.raises(ItemSourceError) as raised:
        read_repository(root)
    found = sorted((p.code, Path(p.file).name) for p in raised.value.problems)
    assert found == [
        ("source.symlink-broken", "broken.txt"),
        ("source.symlink-escape", "leak.txt"),
        ("source.symlink-escape", "leakdir"),
    ]
    assert "secret" not in str(raised.value)


def test_a_symlink_inside_the_repository_is_read_through(make_repo):
    root = make_repo(
        {
            "shared/config.json": '{"a": 1}',
            "n.Notebook/.platform": platform("Notebook", "n", ID1),
        }
    )
    os.symlink(root / "shared/config.json", root / "n.Notebook/config.json")
    os.symlink(root / "shared", root / "n.Notebook/shared-dir")
    (item,) = read_repository(root).items
    assert [p.path for p in item.parts] == [".platform", "config.json"]
    assert item.part("config.json").data == b'{"a": 1}'  # type: ignore[union-attr]


def test_the_root_itself_cannot_be_an_item(make_repo):
    root = make_repo({".platform": platform("Notebook", "n", ID1)})
    with pytest.raises(ItemSourceError) as raised:
        read_repository(root)
    assert _codes(raised.value) == ["source.root-item"]


def test_a_missing_repository_is_an_error(tmp_path):
    with pytest.raises(ItemSourceError) as raised:
        read_repository(tmp_path / "nope")
    assert _codes(raised.value) == ["source.missing"]


def test_git_directories_are_skipped(make_repo):
    root = make_repo(
        {
            ".git/x.Notebook/.platform": "{broken",
            "n.Notebook/.platform": platform("Notebook", "n", ID1),
        }
    )
    assert [item.display_name for item in read_repository(root).items] == ["n"]
