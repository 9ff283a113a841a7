"""The deploy's item locator: created items found in shared, coalesced listings."""

from __future__ import annotations

import threading

import pytest

from fabric_action.fabric import Item
from fabric_action.scenarios.deploy._locate import ItemLocator


def item(name: str, item_type: str = "Notebook") -> Item:
    return Item.from_json({"id": f"id-{name}", "type": item_type, "displayName": name})


def test_a_cached_listing_answers_and_a_miss_lists_again() -> None:
    workspace = [item("a")]
    calls: list[int] = []

    def list_items() -> list[Item]:
        calls.append(1)
        return list(workspace)

    locator = ItemLocator(list_items)
    assert locator.locate("notebook", "A") == workspace[0]  # case-insensitive
    workspace.append(item("b"))
    assert locator.locate("Notebook", "a") == workspace[0]  # from the cached listing
    assert len(calls) == 1
    assert locator.locate("Notebook", "b") == workspace[1]  # missing: listed again
    assert len(calls) == 2
    assert locator.locate("Notebook", "c") is None  # missing after a fresh listing
    assert len(calls) == 3


def test_concurrent_asks_share_one_listing_started_after_them() -> None:
    names = [f"n{i}" for i in range(8)]
    release = threading.Event()
    entered = threading.Event()
    calls: list[int] = []

    def list_items() -> list[Item]:
        calls.append(1)
        if len(calls) == 1:  # the first listing predates the other asks
            entered.set()
            release.wait(5)
            return [item(names[0])]
        return [item(name) for name in names]

    locator = ItemLocator(list_items)
    found: dict[str, Item | None] = {}

    def ask(name: str) -> None:
        found[name] = locator.locate("Notebook", name)

    first = threading.Thread(target=ask, args=(names[0],))
    first.start()
    assert entered.wait(5)
    others = [threading.Thread(target=ask, args=(name,)) for name in names[1:]]
    for thread in others:
        thread.start()
    release.set()
    for thread in [first, *others]:
        thread.join(5)
    assert {name: value.id if value else None for name, value in found.items()} == {
        name: f"id-{name}" for name in names
    }
    assert len(calls) == 2  # the one in flight, then one for all the later asks


def test_a_failed_listing_raises_and_the_next_ask_lists_again() -> None:
    calls: list[int] = []

    def list_items() -> list[Item]:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")
        return [item("a")]

    locator = ItemLocator(list_items)
    with pytest.raises(RuntimeError, match="boom"):
        locator.locate("Notebook", "a")
    assert locator.locate("Notebook", "a") == item("a")
