"""The emulated vault's secrets: names, versions, attributes, and their wire shapes.

Shapes follow the Key Vault data plane as azure-keyvault-secrets 4.12 parses it: a
``SecretBundle`` (``value``, ``id``, ``attributes``, ``contentType``, ``tags``) for one
version, ``SecretItem`` (no ``value``) in lists, times as whole epoch seconds. Names are
case-insensitive, as in Key Vault; the first spelling set is the one returned.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from fabric_emulator._app import Emulator

SECRET_NAME = re.compile(r"[0-9a-zA-Z-]{1,127}")
"""Key Vault's rule for secret names: 1-127 letters, digits and hyphens."""
API_VERSIONS = frozenset(
    {
        "2016-10-01",
        "7.0",
        "7.1",
        "7.2",
        "7.3",
        "7.4",
        "7.5",
        "7.6",
        "2025-07-01",
        "2026-04-01",
    }
)
"""The ``api-version`` values the vault accepts: those azure-keyvault-secrets 4.12 knows."""
RECOVERY_LEVEL = "Recoverable+Purgeable"
RECOVERABLE_DAYS = 90
STORE_KEY = "keyvault"
"""Key of the :class:`VaultStore` in ``Emulator.extensions`` (a reset empties the vault)."""


@dataclass(kw_only=True)
class SecretVersion:
    """One version of a secret with its attributes (times are epoch seconds)."""

    name: str
    version: str
    value: str
    created_s: int
    updated_s: int
    enabled: bool = True
    content_type: str | None = None
    tags: dict[str, str] | None = None
    not_before_s: int | None = None
    expires_s: int | None = None

    def attributes(self) -> dict[str, Any]:
        """Return the ``attributes`` object as Key Vault sends it."""
        attributes: dict[str, Any] = {"enabled": self.enabled}
        if self.not_before_s is not None:
            attributes["nbf"] = self.not_before_s
        if self.expires_s is not None:
            attributes["exp"] = self.expires_s
        attributes.update(
            created=self.created_s,
            updated=self.updated_s,
            recoveryLevel=RECOVERY_LEVEL,
            recoverableDays=RECOVERABLE_DAYS,
        )
        return attributes

    def bundle(self, vault_url: str, *, with_value: bool = True) -> dict[str, Any]:
        """Return the ``SecretBundle`` of this version (``value`` left out on updates)."""
        body: dict[str, Any] = {}
        if with_value:
            body["value"] = self.value
        if self.content_type is not None:
            body["contentType"] = self.content_type
        body["id"] = f"{vault_url}/secrets/{self.name}/{self.version}"
        body["attributes"] = self.attributes()
        if self.tags is not None:
            body["tags"] = dict(self.tags)
        return body

    def item(self, vault_url: str, *, versioned: bool) -> dict[str, Any]:
        """Return a ``SecretItem`` for list pages (the id names a version only in version lists)."""
        suffix = f"/{self.version}" if versioned else ""
        item: dict[str, Any] = {
            "id": f"{vault_url}/secrets/{self.name}{suffix}",
            "attributes": self.attributes(),
        }
        if self.content_type is not None:
            item["contentType"] = self.content_type
        if self.tags is not None:
            item["tags"] = dict(self.tags)
        return item

    def describe(self) -> dict[str, Any]:
        """Describe the version for the control API, without its value."""
        return {
            "name": self.name,
            "version": self.version,
            "enabled": self.enabled,
            "contentType": self.content_type,
            "tags": self.tags,
            "created": self.created_s,
            "updated": self.updated_s,
        }


@dataclass(kw_only=True)
class VaultStore:
    """Every secret of the emulated vault, each a list of versions (oldest first)."""

    secrets: dict[str, list[SecretVersion]] = field(default_factory=dict)
    allowed_client_ids: list[str] | None = None
    """Apps the data plane serves (403 ``ForbiddenByRbac`` for others); None: every app."""

    def set(
        self,
        name: str,
        value: str,
        *,
        now_s: float,
        enabled: bool = True,
        content_type: str | None = None,
        tags: dict[str, str] | None = None,
        not_before_s: int | None = None,
        expires_s: int | None = None,
    ) -> SecretVersion:
        """Add a new version of ``name`` (creating the secret) and return it."""
        versions = self.secrets.setdefault(name.lower(), [])
        moment = int(now_s)
        created = SecretVersion(
            name=versions[0].name if versions else name,
            version=uuid.uuid4().hex,
            value=value,
            created_s=moment,
            updated_s=moment,
            enabled=enabled,
            content_type=content_type,
            tags=dict(tags) if tags is not None else None,
            not_before_s=not_before_s,
            expires_s=expires_s,
        )
        versions.append(created)
        return created

    def versions(self, name: str) -> list[SecretVersion]:
        """Return every version of ``name``, oldest first (empty when it does not exist)."""
        return list(self.secrets.get(name.lower(), []))

    def find(self, name: str, version: str | None) -> SecretVersion | None:
        """Return the given version of ``name``, or its latest when ``version`` is empty."""
        versions = self.secrets.get(name.lower())
        if not versions:
            return None
        if not version:
            return versions[-1]
        wanted = version.lower()
        return next((found for found in versions if found.version == wanted), None)

    def latest_of_each(self) -> list[SecretVersion]:
        """Return the latest version of every secret, by name."""
        return [self.secrets[key][-1] for key in sorted(self.secrets)]

    def describe(self) -> dict[str, Any]:
        """Describe the vault for the control API (names, versions, attributes; no values)."""
        return {
            "value": [
                {
                    "name": versions[-1].name,
                    "versions": [version.describe() for version in versions],
                }
                for _, versions in sorted(self.secrets.items())
            ]
        }


def vault_store(emulator: Emulator) -> VaultStore:
    """Return the emulator's vault, creating an empty one after a start or reset."""
    store = emulator.extensions.get(STORE_KEY)
    if not isinstance(store, VaultStore):
        store = VaultStore()
        emulator.extensions[STORE_KEY] = store
    return store
