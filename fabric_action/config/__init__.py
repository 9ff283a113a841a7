"""Configuration: one validated file, per-environment tiers, flags and one precedence.

``load_config(file, environment, environ=os.environ, secrets=manager)`` reads
``fabric-action.yml`` (YAML or JSON), validates it against the shipped JSON Schema,
merges action input > environment variable > environment section > top level > tier
default, resolves ``${env:NAME}`` and ``${secret:NAME}``, checks the tier's rules and
returns a frozen :class:`EffectiveConfig`, or raises
:class:`~fabric_action.errors.ConfigFileError` with every problem and its place.

When the secret provider is itself configured by the file (the SecretManager needs the
tier, USE_KEY_VAULT, the vault URL and the TTL), load with ``secrets=None`` first, build
the provider from the result, then call ``resolve_config_secrets(config, provider)``
(``only=`` names resolves some and leaves the rest, as offline ``validate`` does).
``ACTION_INPUTS`` lists the action inputs read here; action.yml must declare exactly
those (plus ``command``), which a test checks.
"""

from ..tiers import Tier
from ._build import resolve_config_secrets
from ._layers import Layer, Source
from ._limits import MAX_CONFIG_BYTES, ParseLimits
from ._load import load_config
from ._model import (
    AuthMethod,
    AuthSettings,
    EffectiveConfig,
    Environment,
    GitProvider,
    GitSpec,
    ItemsSpec,
    Principal,
    PrincipalLookup,
    PrincipalType,
    RoleSpec,
    SecretsSettings,
    TelemetrySettings,
    Workspace,
    WorkspaceRole,
)
from ._references import SecretProvider, SecretRef, SecretValue
from ._settings import (
    ACTION_INPUTS,
    DEFAULT_CONFIG_FILE,
    SETTINGS,
    Setting,
    choose_config_file,
    choose_environment,
    input_variable,
    parse_boolean_input,
    read_input,
)
from ._show import format_effective_config
from ._tiers import (
    TIER_POLICIES,
    WELL_KNOWN_ENVIRONMENTS,
    ChangeDetection,
    FeatureFlags,
    Flag,
    Preflight,
    TierPolicy,
    tier_for_environment_name,
)

__all__ = [
    "ACTION_INPUTS",
    "DEFAULT_CONFIG_FILE",
    "MAX_CONFIG_BYTES",
    "SETTINGS",
    "TIER_POLICIES",
    "WELL_KNOWN_ENVIRONMENTS",
    "AuthMethod",
    "AuthSettings",
    "ChangeDetection",
    "EffectiveConfig",
    "Environment",
    "FeatureFlags",
    "Flag",
    "GitProvider",
    "GitSpec",
    "ItemsSpec",
    "Layer",
    "ParseLimits",
    "Preflight",
    "Principal",
    "PrincipalLookup",
    "PrincipalType",
    "RoleSpec",
    "SecretProvider",
    "SecretRef",
    "SecretValue",
    "SecretsSettings",
    "Setting",
    "Source",
    "TelemetrySettings",
    "Tier",
    "TierPolicy",
    "Workspace",
    "WorkspaceRole",
    "choose_config_file",
    "choose_environment",
    "format_effective_config",
    "input_variable",
    "load_config",
    "parse_boolean_input",
    "read_input",
    "resolve_config_secrets",
    "tier_for_environment_name",
]
