"""Choose which items of a repository a deployment touches.

The filters mean what fabric-cicd 1.4.0's ``publish_all_items`` arguments mean, so a
configuration carried over behaves the same; they are applied in its order:

1. item types in scope (fabric-cicd's ``item_type_in_scope``);
2. ``items_to_include``: ``"<name>.<type>"`` entries;
3. the name regexes, matched from the start of the display name (``re.match``): an item
   is skipped when ``exclude_name_regex`` matches or ``include_name_regex`` does not;
4. ``exclude_folder_regex``, searched (``re.search``) in the item's folder path and in
   each of its ancestors, so excluding ``/A`` also excludes ``/A/B``;
5. ``include_folders``, exact folder paths: ``/A`` does not include ``/A/B``.

Folder filters never skip items at the workspace root, as in fabric-cicd. References
still resolve against every item of the repository, selected or not.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from ..errors import ConfigError
from ._model import Repository, SourceItem


def _compile(name: str, pattern: str | None) -> re.Pattern[str] | None:
    if pattern is None:
        return None
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ConfigError(f"{name} {pattern!r} is not a valid regular expression: {exc}") from exc


@dataclass(frozen=True, kw_only=True)
class ItemFilter:
    """Which items to deploy (every field defaults to "no filter").

    Attributes:
        item_types: Item types in scope; None for every type.
        items_to_include: ``"<display name>.<type>"`` entries; None for every item.
        include_name_regex: Deploy only items whose display name matches (``re.match``).
        exclude_name_regex: Skip items whose display name matches (``re.match``).
        include_folders: Deploy only items directly in these folders (``/A/B``); items at
            the workspace root are always kept.
        exclude_folder_regex: Skip items whose folder, or an ancestor of it, matches
            (``re.search`` on ``/A/B``, then ``/A``).

    Raises:
        ConfigError: For an invalid regex, a folder not starting with ``/``, or both
            folder filters at once (fabric-cicd refuses that too).
    """

    item_types: Collection[str] | None = None
    items_to_include: Collection[str] | None = None
    include_name_regex: str | None = None
    exclude_name_regex: str | None = None
    include_folders: Collection[str] | None = None
    exclude_folder_regex: str | None = None
    _patterns: tuple[re.Pattern[str] | None, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.include_folders is not None and self.exclude_folder_regex is not None:
            raise ConfigError(
                "include_folders and exclude_folder_regex cannot be used together; "
                "choose one folder filter"
            )
        for folder in self.include_folders or ():
            if not folder.startswith("/"):
                raise ConfigError(f"include_folders entry {folder!r} must start with '/'")
        patterns = (
            _compile("include_name_regex", self.include_name_regex),
            _compile("exclude_name_regex", self.exclude_name_regex),
            _compile("exclude_folder_regex", self.exclude_folder_regex),
        )
        object.__setattr__(self, "_patterns", patterns)

    def admits(self, item: SourceItem) -> bool:
        """Return whether *item* passes every filter."""
        include_name, exclude_name, exclude_folder = self._patterns
        if self.item_types is not None and item.item_type not in self.item_types:
            return False
        if self.items_to_include is not None and str(item.key) not in self.items_to_include:
            return False
        if include_name is not None and not include_name.match(item.display_name):
            return False
        if exclude_name is not None and exclude_name.match(item.display_name):
            return False
        folder = item.folder_path
        if exclude_folder is not None and folder:
            while folder:
                if exclude_folder.search(folder):
                    return False
                folder = folder.rsplit("/", 1)[0]
        return not (
            self.include_folders is not None
            and item.folder_path
            and item.folder_path not in self.include_folders
        )


def select_items(
    repository: Repository, item_filter: ItemFilter | None = None
) -> tuple[SourceItem, ...]:
    """Return the repository's items that *item_filter* admits, in repository order."""
    if item_filter is None:
        return repository.items
    return tuple(item for item in repository.items if item_filter.admits(item))
