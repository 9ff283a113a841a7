"""A resolver for planning, before anything is deployed.

Items of the repository will exist once deployed, so references to them resolve to a
readable placeholder (``<id of Lakehouse 'lh_raw'>``), which is never a GUID and so is
never mistaken for one. Everything else (items that are not in the repository, other
workspaces, Spark pools) is asked of a fallback resolver, typically one built from the
target's item list; without a fallback, only the repository's own items resolve, and
cross-workspace references resolve to placeholders (they cannot be checked offline).
"""

from __future__ import annotations

from dataclasses import dataclass

from ._model import ItemKey, Repository
from ._resolver import ItemReference, TargetResolver


@dataclass(frozen=True, kw_only=True)
class PlanningResolver:
    """Resolve repository items to placeholders; ask *fallback* for the rest.

    Attributes:
        repository: The items that will be deployed.
        fallback: Answers for what the repository does not hold; None for offline use.
        target_workspace_id: The target's id when known, else a placeholder.
    """

    repository: Repository
    fallback: TargetResolver | None = None
    target_workspace_id: str = "<target workspace id>"

    @property
    def workspace_id(self) -> str:
        """Return the fallback's target id, or :attr:`target_workspace_id`."""
        return self.fallback.workspace_id if self.fallback else self.target_workspace_id

    def workspace_name(self) -> str:
        """Return the fallback's answer, or a placeholder."""
        return self.fallback.workspace_name() if self.fallback else "<target workspace name>"

    def workspace_id_by_name(self, name: str) -> str | None:
        """Return the fallback's answer, or a placeholder."""
        return (
            self.fallback.workspace_id_by_name(name)
            if self.fallback
            else f"<id of workspace {name!r}>"
        )

    def item_attribute(self, reference: ItemReference) -> str | None:
        """Return a placeholder for repository items of the target, else ask the fallback."""
        key = ItemKey(reference.item_type, reference.item_name)
        if reference.workspace_name is None and self.repository.get(key) is not None:
            return f"<{reference.attribute.value} of {reference.item_type} {reference.item_name!r}>"
        if self.fallback is not None:
            return self.fallback.item_attribute(reference)
        if reference.workspace_name is not None:
            return f"<{reference}>"
        return None

    def spark_pool_id(self, name: str, pool_type: str) -> str | None:
        """Return the fallback's answer, or a placeholder."""
        if self.fallback is not None:
            return self.fallback.spark_pool_id(name, pool_type)
        return f"<id of {pool_type} pool {name!r}>"
