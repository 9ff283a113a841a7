"""The deployment manifest: what the last successful deployment sent, by item id.

``{"format": 1, "workspaces": {workspace id: {item id: definition hash}}}``, written
atomically (a temporary file in the same folder, flushed and fsynced, then renamed over
the old one), so a crash leaves the old manifest or the new one, never half of one.
Change detection compares the rendered definition's hash with the hash recorded here:
an unchanged item costs no call at all.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from fabric_action.errors import ConfigError

__all__ = ["MANIFEST_FORMAT", "Manifest", "default_manifest_path"]

MANIFEST_FORMAT = 1


def default_manifest_path(base_dir: Path, environment: str) -> Path:
    """Return ``<base_dir>/.fabric-action/manifest-<environment>.json``."""
    return base_dir / ".fabric-action" / f"manifest-{environment}.json"


@dataclass(kw_only=True)
class Manifest:
    """Hashes of deployed definitions, by workspace id and item id.

    Attributes:
        path: Where it is read from and written to.
        workspaces: workspace id -> item id -> ``sha256:...``.
        existed: Whether the file existed when read (no file: compare live).
    """

    path: Path
    workspaces: dict[str, dict[str, str]] = field(default_factory=dict)
    existed: bool = False

    @classmethod
    def load(cls, path: Path) -> Manifest:
        """Read the manifest at *path* (an empty one when the file does not exist).

        Raises:
            ConfigError: The file is not a manifest (not JSON, wrong shape or format).
        """
        if not path.is_file():
            return cls(path=path)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            if document.get("format") != MANIFEST_FORMAT:
                raise ValueError(f"format {document.get('format')!r} is not {MANIFEST_FORMAT}")
            workspaces = {
                str(ws): {str(item): str(digest) for item, digest in items.items()}
                for ws, items in document["workspaces"].items()
            }
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(
                f"{path}: not a fabric-action manifest ({exc}); delete it to compare with "
                "the workspace itself, or give another file with --manifest"
            ) from exc
        return cls(path=path, workspaces=workspaces, existed=True)

    def hashes(self, workspace_id: str) -> Mapping[str, str]:
        """Return item id -> hash for one workspace (empty when never deployed)."""
        return self.workspaces.get(workspace_id, {})

    def has_workspace(self, workspace_id: str) -> bool:
        """Return whether a deployment to this workspace was recorded."""
        return workspace_id in self.workspaces

    def record(self, workspace_id: str, hashes: Mapping[str, str]) -> None:
        """Replace one workspace's hashes (items not listed are forgotten)."""
        self.workspaces[workspace_id] = dict(sorted(hashes.items()))

    def save(self) -> None:
        """Write the manifest atomically (see the module docstring)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        document = {"format": MANIFEST_FORMAT, "workspaces": dict(sorted(self.workspaces.items()))}
        text = json.dumps(document, indent=2, sort_keys=True) + "\n"
        handle, temporary = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
        )
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.existed = True
