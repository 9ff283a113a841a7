"""Find created items by type and name from shared workspace listings.

A create that runs as an operation ends without its item unless the operation's
``/result`` is fetched (one GET per create). The deploy skips that GET and finds the new
item's id in a listing of the workspace instead, shared by every create that completes
around the same time:

- A create asks once its operation has succeeded. The last listing answers when it
  holds the item (an item in a listing exists, whenever the listing was taken).
- Otherwise a listing *started after the ask* must answer: it is fetched, unless one is
  already under way that started after the ask, in which case the asker waits for it.
  Concurrent asks therefore coalesce into one listing, and no ask waits for more than
  the listing in flight plus one more.
- An item missing from a listing started after its create succeeded does not exist.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from fabric_action.fabric import Item

__all__ = ["ItemLocator"]


class ItemLocator:
    """Thread-safe ``locate(item_type, display_name)`` over one workspace's listings.

    Args:
        list_items: Lists the workspace's items (all pages).
    """

    def __init__(self, list_items: Callable[[], list[Item]]) -> None:
        self._list_items = list_items
        self._cond = threading.Condition()
        self._ticks = 0  # orders asks and listing starts
        self._items: dict[tuple[str, str], Item] = {}
        self._listed_from = -1  # tick at which the cached listing started
        self._in_flight_from: int | None = None  # tick of the listing under way
        self.listings = 0

    def _tick(self) -> int:
        self._ticks += 1
        return self._ticks

    def locate(self, item_type: str, display_name: str) -> Item | None:
        """Return the item with this type and name (case-insensitive), None when none.

        Raises:
            Whatever the listing raises (waiting askers then list again themselves).
        """
        key = (item_type.casefold(), display_name.casefold())
        with self._cond:
            asked = self._tick()
            while True:
                found = self._items.get(key)
                if found is not None:
                    return found
                if self._listed_from > asked:
                    return None
                if self._in_flight_from is None:
                    break
                self._cond.wait()  # then: answered by it, or list again
            started = self._in_flight_from = self._tick()
        try:
            items = self._list_items()
        except BaseException:
            with self._cond:
                self._in_flight_from = None
                self._cond.notify_all()
            raise
        listing = {(i.type.casefold(), i.display_name.casefold()): i for i in items}
        with self._cond:
            self.listings += 1
            self._in_flight_from = None
            self._items, self._listed_from = listing, started  # one listing at a time
            self._cond.notify_all()
        return listing.get(key)
