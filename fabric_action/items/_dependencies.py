"""Which other repository items an item needs deployed first.

An item can only be rendered once every item it references has a deployed id, so the
deploy step starts it when these are done (a dependency graph, not a type-by-type
barrier). An item depends on:

* every repository item whose logical id occurs in one of its text parts;
* the semantic model a report's ``byPath`` names;
* the items of the target that ``$items`` replace values of rules applying to one of its
  parts name (same workspace only), when the rule's find value occurs there;
* its parent, for a child item (a KQL database needs its Eventhouse).
"""

from __future__ import annotations

import posixpath
import re

from ._dynamic_variables import ITEMS_PREFIX, parse_dynamic_variable
from ._item_types import PLATFORM_FILE, ZERO_GUID, ItemType
from ._model import ItemKey, Repository, SourceItem
from ._parameter_model import FindReplaceRule, KeyValueRule, ParameterSet, value_for_environment

_BY_PATH = re.compile(r'"byPath"\s*:\s*\{\s*"path"\s*:\s*"([^"]*)"')


def _referenced_item(value: object) -> ItemKey | None:
    if not isinstance(value, str) or not value.startswith(ITEMS_PREFIX):
        return None
    item = parse_dynamic_variable(value).item  # validated when the parameters were loaded
    return ItemKey(item.item_type, item.item_name) if item else None


def _rule_applies(
    rule: FindReplaceRule | KeyValueRule, item: SourceItem, path: str, text: str
) -> bool:
    if not rule.filter.matches(item.item_type, item.display_name, f"{item.directory}/{path}"):
        return False
    if isinstance(rule, KeyValueRule):
        return True
    if rule.is_regex:
        flags = re.IGNORECASE if rule.ignore_case else 0
        return re.search(rule.find_value, text, flags) is not None
    if rule.ignore_case:
        return rule.find_value.lower() in text.lower()
    return rule.find_value in text


def item_dependencies(
    item: SourceItem, *, repository: Repository, parameters: ParameterSet | None = None
) -> frozenset[ItemKey]:
    """Return the repository items *item* references (never itself)."""
    found: set[ItemKey] = set()
    if item.parent is not None:
        found.add(item.parent)
    rules: list[FindReplaceRule | KeyValueRule] = []
    if parameters is not None:
        rules = [*parameters.key_value_replace, *parameters.find_replace]
    for part in item.parts:
        if not part.is_text or part.path.endswith(PLATFORM_FILE):
            continue
        text = part.text
        for other in repository.items:
            if other.logical_id != ZERO_GUID and other.logical_id in text:
                found.add(other.key)
        if (
            item.item_type == ItemType.REPORT.value
            and posixpath.basename(part.path) == "definition.pbir"
        ):
            for relative in _BY_PATH.findall(text):
                model = repository.at(posixpath.normpath(posixpath.join(item.directory, relative)))
                if model is not None:
                    found.add(model.key)
        for rule in rules:
            has_value, value = value_for_environment(
                rule.replace_value, parameters.environment if parameters else ""
            )
            key = _referenced_item(value) if has_value else None
            if (
                key is not None
                and repository.get(key) is not None
                and _rule_applies(rule, item, part.path, text)
            ):
                found.add(key)
    found.discard(item.key)
    return frozenset(found)
