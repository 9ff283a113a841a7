"""Item filters mean what fabric-cicd's publish_all_items arguments mean."""

from __future__ import annotations

import pytest
from items_tree import platform

from fabric_action.errors import ConfigError
from fabric_action.items import ItemFilter, read_repository, select_items


@pytest.fixture
def repository(make_repo):
    tree = {}
    layout = [
        ("", "root_nb", "Notebook"),
        ("A", "a_nb", "Notebook"),
        ("A/B", "ab_pl", "DataPipeline"),
        ("A/B", "tmp_nb", "Notebook"),
        ("C", "c_lh", "Lakehouse"),
    ]
    for index, (folder, name, item_type) in enumerate(layout, start=1):
        prefix = f"{folder}/" if folder else ""
        tree[f"{prefix}{name}.{item_type}/.platform"] = platform(
            item_type, name, f"{index:08d}-0000-4000-8000-000000000000"
        )
    return read_repository(make_repo(tree))


def _names(repository, item_filter):
    return sorted(item.display_name for item in select_items(repository, item_filter))


def test_no_filter_selects_everything(repository):
    assert select_items(repository) == repository.items
    assert _names(repository, ItemFilter()) == ["a_nb", "ab_pl", "c_lh", "root_nb", "tmp_nb"]


def test_types_names_and_items_to_include(repository):
    assert _names(repository, ItemFilter(item_types={"Notebook"})) == ["a_nb", "root_nb", "tmp_nb"]
    assert _names(repository, ItemFilter(items_to_include={"a_nb.Notebook", "c_lh.Lakehouse"})) == [
        "a_nb",
        "c_lh",
    ]
    # re.match: anchored at the start only.
    assert _names(repository, ItemFilter(exclude_name_regex="tmp")) == [
        "a_nb",
        "ab_pl",
        "c_lh",
        "root_nb",
    ]
    assert _names(repository, ItemFilter(exclude_name_regex="nb")) == _names(
        repository, ItemFilter()
    )
    assert _names(repository, ItemFilter(include_name_regex="a")) == ["a_nb", "ab_pl"]


def test_folder_exclusion_walks_ancestors_and_spares_the_root(repository):
    assert _names(repository, ItemFilter(exclude_folder_regex="^/A$")) == ["c_lh", "root_nb"]
    assert _names(repository, ItemFilter(exclude_folder_regex="B")) == ["a_nb", "c_lh", "root_nb"]


def test_folder_inclusion_is_exact_and_spares_the_root(repository):
    assert _names(repository, ItemFilter(include_folders={"/A"})) == ["a_nb", "root_nb"]
    assert _names(repository, ItemFilter(include_folders={"/A/B", "/C"})) == [
        "ab_pl",
        "c_lh",
        "root_nb",
        "tmp_nb",
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"exclude_name_regex": "("}, "not a valid regular expression"),
        ({"include_name_regex": "[a"}, "not a valid regular expression"),
        ({"exclude_folder_regex": "*"}, "not a valid regular expression"),
        ({"include_folders": {"A"}}, "must start with '/'"),
        ({"include_folders": {"/A"}, "exclude_folder_regex": "B"}, "cannot be used together"),
    ],
)
def test_invalid_filters_are_config_errors(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        ItemFilter(**kwargs)
