"""Helpers of the items unit tests: write small repositories in the Git folder format."""

from __future__ import annotations

import json
from pathlib import Path

Tree = dict[str, str | bytes]


def platform(item_type: str, name: str, logical_id: str, description: str | None = None) -> str:
    """Return a ``.platform`` file's text."""
    metadata = {"type": item_type, "displayName": name}
    if description is not None:
        metadata["description"] = description
    return json.dumps(
        {
            "$schema": "https://developer.microsoft.com/json-schemas/fabric/gitIntegration/platformProperties/2.0.0/schema.json",
            "metadata": metadata,
            "config": {"version": "2.0", "logicalId": logical_id},
        },
        indent=2,
    )


def write_tree(root: Path, tree: Tree) -> Path:
    """Write ``{relative path: text or bytes}`` under *root*; return *root*."""
    for relative, content in tree.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    return root
