"""Tiers and feature flags: the rules table of DESIGN.md, as data.

| tier | local | dev / test | prod |
|---|---|---|---|
| secrets | .env | Key Vault (.env fallback, warned) | Key Vault required |
| retry | on | on | on (required) |
| circuit breaker | off | on (5 failures, 60 s) | on, strict (3 failures, 60 s), required |
| transaction rollback | off | on | required |
| telemetry | off or file | App Insights | App Insights required (or a recorded waiver) |
| readiness preflight | optional | on | mandatory |
| change detection | manifest | manifest | live comparison |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from types import MappingProxyType

from ..tiers import Tier

WELL_KNOWN_ENVIRONMENTS: Mapping[str, Tier] = MappingProxyType(
    {
        "local": Tier.LOCAL,
        "dev": Tier.DEV,
        "development": Tier.DEV,
        "test": Tier.TEST,
        "testing": Tier.TEST,
        "qa": Tier.TEST,
        "prod": Tier.PROD,
        "production": Tier.PROD,
    }
)
"""Environment names (compared case-insensitively) whose tier may be left out.

``staging``, ``uat``, ``preprod`` and every other name must state their tier: whether
they get prod rules is a decision, not a guess.
"""


def tier_for_environment_name(name: str) -> Tier | None:
    """Return the tier a well-known environment name implies, or None for other names."""
    return WELL_KNOWN_ENVIRONMENTS.get(name.casefold())


class Flag(StrEnum):
    """A feature flag; the value is its environment variable."""

    USE_KEY_VAULT = "USE_KEY_VAULT"
    ENABLE_RETRY = "ENABLE_RETRY"
    ENABLE_CIRCUIT_BREAKER = "ENABLE_CIRCUIT_BREAKER"
    ENABLE_TRANSACTIONS = "ENABLE_TRANSACTIONS"
    ENABLE_TELEMETRY = "ENABLE_TELEMETRY"

    @property
    def key(self) -> str:
        """Return the key under ``features:`` in the config, e.g. ``enable_retry``."""
        return self.value.lower()

    @property
    def input_name(self) -> str:
        """Return the action input, e.g. ``enableRetry``."""
        first, *rest = self.key.split("_")
        return first + "".join(word.capitalize() for word in rest)


@dataclass(frozen=True, kw_only=True)
class FeatureFlags:
    """The feature flags in effect for one run; pass it explicitly, there is no global.

    Attributes:
        use_key_vault: Read secrets from Key Vault (else from ``.env`` only).
        enable_retry: Retry transient failures and wait out throttling.
        enable_circuit_breaker: Stop calling a failing host for a while.
        enable_transactions: Journal every change and roll back on failure.
        enable_telemetry: Send telemetry.
    """

    use_key_vault: bool
    enable_retry: bool
    enable_circuit_breaker: bool
    enable_transactions: bool
    enable_telemetry: bool

    def is_enabled(self, flag: Flag) -> bool:
        """Return whether *flag* is on."""
        value: bool = getattr(self, flag.key)
        return value

    def as_dict(self) -> dict[str, bool]:
        """Return ``{key: on}`` in the config's spelling (``enable_retry``...)."""
        return {field.name: bool(getattr(self, field.name)) for field in fields(self)}


class Preflight(StrEnum):
    """Whether the readiness preflight runs before a deployment."""

    OPTIONAL = "optional"
    ON = "on"
    MANDATORY = "mandatory"


class ChangeDetection(StrEnum):
    """How a deployment finds what changed."""

    MANIFEST = "manifest"
    LIVE = "live"


@dataclass(frozen=True, kw_only=True)
class TierPolicy:
    """What a tier decides beyond its flags (DESIGN.md, "Environments, tiers and flags").

    Attributes:
        tier: The tier described.
        default_flags: Flags when nothing sets them.
        required_flags: Flags that may not be turned off (all of them in prod).
        key_vault_required: ``secrets.key_vault_url`` must be set.
        app_insights_required: Telemetry must go to Application Insights, unless a
            waiver (``telemetry.waiver`` with ``telemetry.file``) is recorded.
        circuit_breaker_failures: Consecutive failed calls that open a host's breaker.
        circuit_breaker_open_s: Seconds the breaker stays open before its probe.
        readiness_preflight: Whether the readiness preflight runs.
        change_detection: How changed items are found.
    """

    tier: Tier
    default_flags: FeatureFlags
    required_flags: frozenset[Flag]
    key_vault_required: bool
    app_insights_required: bool
    circuit_breaker_failures: int
    circuit_breaker_open_s: float
    readiness_preflight: Preflight
    change_detection: ChangeDetection


def _flags(*, local: bool) -> FeatureFlags:
    on = not local
    return FeatureFlags(
        use_key_vault=on,
        enable_retry=True,
        enable_circuit_breaker=on,
        enable_transactions=on,
        enable_telemetry=on,
    )


def _shared(tier: Tier) -> TierPolicy:
    return TierPolicy(
        tier=tier,
        default_flags=_flags(local=tier is Tier.LOCAL),
        required_flags=frozenset(),
        key_vault_required=False,
        app_insights_required=False,
        circuit_breaker_failures=5,
        circuit_breaker_open_s=60.0,
        readiness_preflight=Preflight.OPTIONAL if tier is Tier.LOCAL else Preflight.ON,
        change_detection=ChangeDetection.MANIFEST,
    )


TIER_POLICIES: Mapping[Tier, TierPolicy] = MappingProxyType(
    {
        Tier.LOCAL: _shared(Tier.LOCAL),
        Tier.DEV: _shared(Tier.DEV),
        Tier.TEST: _shared(Tier.TEST),
        Tier.PROD: TierPolicy(
            tier=Tier.PROD,
            default_flags=_flags(local=False),
            required_flags=frozenset(Flag),
            key_vault_required=True,
            app_insights_required=True,
            circuit_breaker_failures=3,
            circuit_breaker_open_s=60.0,
            readiness_preflight=Preflight.MANDATORY,
            change_detection=ChangeDetection.LIVE,
        ),
    }
)
"""The rules of each tier."""
