"""Rewrite logical ids to deployed ids, and all-zero workspace ids to the target's id.

Ports of fabric-cicd 1.4.0's ``FabricWorkspace._replace_logical_ids`` and
``_replace_workspace_ids`` (regexes from ``constants``), so the output is the same:

* every occurrence of another repository item's logical id (the all-zero placeholder
  excepted) is replaced by that item's deployed id, by plain substring replacement;
* a ``workspaceId``, ``workspace`` or ``default_lakehouse_workspace_id`` key (JSON
  ``"key": "..."`` or notebook ``key = "..."``) whose value is the all-zero GUID gets the
  target workspace id; in a Reflex, also the escaped ``workspaceId`` parameters of its
  action definitions.
"""

from __future__ import annotations

import re

from ._item_types import ZERO_GUID, ItemType
from ._model import Repository
from ._problems import PartRenderError, line_of, problem
from ._resolver import ItemReference, TargetResolver

WORKSPACE_ID_REFERENCE = re.compile(
    r"\"?(default_lakehouse_workspace_id|workspaceId|workspace)\"?\s*[:=]\s*\"(.*?)\""
)
REFLEX_WORKSPACE_ID_REFERENCE = re.compile(
    r'(\\"name\\":\\"workspaceId\\",\\"type\\":\\"string\\",\\"value\\":\\")'
    rf"{ZERO_GUID}"
    r'(\\")'
)


def replace_logical_ids(
    text: str, *, repository: Repository, resolver: TargetResolver, file: str
) -> str:
    """Replace the logical ids of repository items in *text* with their deployed ids.

    Raises:
        PartRenderError: When a referenced item has no deployed id yet (deploy it first).
    """
    for other in repository.items:
        if other.logical_id == ZERO_GUID or other.logical_id not in text:
            continue
        deployed = resolver.item_attribute(ItemReference(other.item_type, other.display_name))
        if not deployed:
            message = (
                f"references {other.key} (logicalId {other.logical_id}), which has no deployed "
                "id in the target yet; it must be deployed first"
            )
            line = line_of(text, text.index(other.logical_id))
            raise PartRenderError(
                problem("source.unresolved-logical-id", message, file=file, line=line)
            )
        text = text.replace(other.logical_id, deployed)
    return text


def replace_workspace_ids(text: str, *, item_type: str, workspace_id: str) -> str:
    """Replace all-zero workspace ids in *text* with *workspace_id*."""
    text = WORKSPACE_ID_REFERENCE.sub(
        lambda match: (
            match.group(0).replace(ZERO_GUID, workspace_id)
            if match.group(2) == ZERO_GUID
            else match.group(0)
        ),
        text,
    )
    if item_type == ItemType.REFLEX.value:
        text = REFLEX_WORKSPACE_ID_REFERENCE.sub(rf"\g<1>{workspace_id}\g<2>", text)
    return text
