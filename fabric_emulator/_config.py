"""Emulator settings: profile, paging, LRO timing, status-code choices."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from enum import StrEnum
from typing import Any


class Profile(StrEnum):
    """How faithfully the emulator copies production's quirks.

    ``default`` follows the published contract (spec examples: ``description`` always
    present, timestamps with ``Z``, Location on the emulator's own host).
    ``realism`` copies recorded production traffic: optional fields omitted, LRO
    timestamps without ``Z``, ``null`` 202 bodies, ``Location`` on a second "redirect"
    host the way production points to ``*.analysis.windows.net``.
    """

    DEFAULT = "default"
    REALISM = "realism"


@dataclass(frozen=True, kw_only=True)
class EmulatorConfig:
    """Options of one emulator instance; every option documents its default and unit.

    Attributes:
        profile: ``default`` or ``realism`` (default ``default``).
        tenant: Tenant name in Entra URLs and the ``tid`` claim (default ``emulator``).
        page_size: Items per page of every paginated list (default 10,000: one page, as
            clients like fabric-cicd that never paginate expect).
        lro_duration_s: Emulator seconds an LRO stays Running (default 0: the first poll
            finds it done; 202 is still returned so clients exercise the LRO path).
        lro_retry_after_s: ``Retry-After`` on 202 and Running polls, whole seconds
            (default 1; production sends 20 for items and 5 for identities).
        item_create_lro: Whether definition operations are long-running, as in production
            (default True): create with a definition, getDefinition and updateDefinition
            answer 202 + LRO. False answers them inline (201 / 200), an "instant" mode.
            Shells (no definition) always answer 201.
        name_reservation_s: Emulator seconds a deleted item's name stays reserved
            (``ItemDisplayNameNotAvailableYet``; default 60).
        item_name_conflict_status: HTTP status of ``ItemDisplayNameAlreadyInUse``
            (default 400, as fabric-cicd PR #793 observed; some fakes use 409).
        workspace_name_conflict_status: HTTP status of ``WorkspaceNameAlreadyExists``
            (default 409).
        token_lifetime_s: Lifetime of issued access tokens (default 3,599 s, like Entra).
        sql_endpoint_provisioning_s: Emulator seconds until a new lakehouse's SQL endpoint
            reports ``Success`` (default 0).
        environment_publish_s: Emulator seconds an Environment publish runs (default 0).
        seed: Seed of every random decision (fault rates, ids are random UUIDs regardless;
            default 0).
    """

    profile: Profile = Profile.DEFAULT
    tenant: str = "emulator"
    page_size: int = 10_000
    lro_duration_s: float = 0.0
    lro_retry_after_s: int = 1
    item_create_lro: bool = True
    name_reservation_s: float = 60.0
    item_name_conflict_status: int = 400
    workspace_name_conflict_status: int = 409
    token_lifetime_s: int = 3599
    sql_endpoint_provisioning_s: float = 0.0
    environment_publish_s: float = 0.0
    seed: int = 0

    @property
    def realism(self) -> bool:
        """Whether the realism profile is on."""
        return self.profile is Profile.REALISM

    def updated(self, changes: dict[str, Any]) -> EmulatorConfig:
        """Return a copy with ``changes`` applied; unknown keys or wrong types raise ValueError."""
        known = {field.name: field for field in fields(self)}
        coerced: dict[str, Any] = {}
        for key, value in changes.items():
            if key not in known:
                raise ValueError(f"unknown emulator setting {key!r}; known: {sorted(known)}")
            current = getattr(self, key)
            if isinstance(current, Profile):
                coerced[key] = Profile(value)
            elif isinstance(current, bool):
                if not isinstance(value, bool):
                    raise ValueError(f"setting {key!r} must be a boolean")
                coerced[key] = value
            elif isinstance(current, int | float) and not isinstance(value, bool):
                coerced[key] = type(current)(value)
            elif isinstance(current, str):
                coerced[key] = str(value)
            else:
                raise ValueError(f"setting {key!r} has the wrong type")
        return replace(self, **coerced)

    def to_json(self) -> dict[str, Any]:
        """Describe the settings for the control API."""
        return {field.name: getattr(self, field.name) for field in fields(self)}
