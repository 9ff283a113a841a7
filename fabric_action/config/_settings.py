"""Settings that can also be given as an action input or an environment variable.

Inputs reach the process as ``INPUT_<NAME>`` environment variables: the input id
upper-cased, spaces turned into ``_``, hyphens kept (the GitHub runner's rule; with the
camelCase ids used here Azure DevOps gives the same names). An empty input counts as not
given, as in @actions/core. Booleans take exactly the YAML 1.2 spellings
``true True TRUE false False FALSE`` (@actions/core's ``getBooleanInput``).

Secret values have no input or variable here on purpose: a secret is named in the file
with ``${secret:NAME}`` and read by the SecretManager, so it never passes through a
plain string.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigProblem
from ..tiers import Tier
from ._document import JsonPath, format_path
from ._layers import Layer, LayerData, Source
from ._tiers import TIER_POLICIES, Flag

DEFAULT_CONFIG_FILE = "fabric-action.yml"
"""The config file read when none is named."""

CONFIG_INPUT, CONFIG_VARIABLE = "config", "FABRIC_ACTION_CONFIG"
ENVIRONMENT_INPUT, ENVIRONMENT_VARIABLE = "environment", "FABRIC_ACTION_ENVIRONMENT"

DEFAULT_SECRET_CACHE_TTL_S = 3600
"""Seconds a Key Vault secret is reused when nothing else is set (the seed's one hour)."""

DEFAULT_CALLS_PER_MINUTE = 200
"""Fabric API calls per minute the client paces itself to (Fabric's documented quota)."""

_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})


@dataclass(frozen=True)
class Setting:
    """A setting with an action input and an environment variable.

    Attributes:
        path: Where it sits in an environment (``("features", "enable_retry")``).
        input_name: The action input (camelCase, the same on GitHub and Azure DevOps).
        variable: The environment variable.
        kind: ``bool``, ``int`` or ``str``.
        unit: What an ``int`` counts, for messages (``seconds``).
    """

    path: tuple[str, str]
    input_name: str
    variable: str
    kind: type[bool] | type[int] | type[str]
    unit: str = ""


SETTINGS: tuple[Setting, ...] = (
    Setting(("auth", "tenant_id"), "tenantId", "FABRIC_ACTION_TENANT_ID", str),
    Setting(("auth", "client_id"), "clientId", "FABRIC_ACTION_CLIENT_ID", str),
    Setting(("secrets", "key_vault_url"), "keyVaultUrl", "FABRIC_ACTION_KEY_VAULT_URL", str),
    Setting(
        ("secrets", "cache_ttl_s"),
        "secretCacheTtlS",
        "FABRIC_ACTION_SECRET_CACHE_TTL_S",
        int,
        "seconds",
    ),
    Setting(
        ("api", "calls_per_minute"),
        "callsPerMinute",
        "FABRIC_ACTION_CALLS_PER_MINUTE",
        int,
        "calls per minute",
    ),
    *(Setting(("features", flag.key), flag.input_name, flag.value, bool) for flag in Flag),
)
"""Every setting with an input and a variable, in the order ``--show`` prints them."""

ACTION_INPUTS: tuple[str, ...] = (
    CONFIG_INPUT,
    ENVIRONMENT_INPUT,
    *(setting.input_name for setting in SETTINGS),
)
"""Every action input the config layer reads (as ``INPUT_<NAME>``); action.yml declares
each of them, without a default (a default would always beat the file)."""


def setting_at(path: JsonPath) -> Setting | None:
    """Return the setting at *path* of an environment, if it has an input and a variable."""
    return next((setting for setting in SETTINGS if setting.path == path), None)


def input_variable(name: str) -> str:
    """Return the environment variable the runner sets for input *name*."""
    return "INPUT_" + name.replace(" ", "_").upper()


def read_input(environ: Mapping[str, str], name: str) -> str | None:
    """Return input *name* with surrounding whitespace removed, None when not given."""
    value = environ.get(input_variable(name), "").strip()
    return value or None


def read_variable(environ: Mapping[str, str], name: str) -> str | None:
    """Return environment variable *name* stripped, None when unset or empty."""
    value = environ.get(name, "").strip()
    return value or None


def choose_config_file(explicit: str | None, environ: Mapping[str, str]) -> str:
    """Return the config file: *explicit* > input ``config`` > FABRIC_ACTION_CONFIG > default."""
    return (
        explicit
        or read_input(environ, CONFIG_INPUT)
        or read_variable(environ, CONFIG_VARIABLE)
        or DEFAULT_CONFIG_FILE
    )


def choose_environment(explicit: str | None, environ: Mapping[str, str]) -> str | None:
    """Return the environment: *explicit* > input ``environment`` > FABRIC_ACTION_ENVIRONMENT."""
    return (
        explicit
        or read_input(environ, ENVIRONMENT_INPUT)
        or read_variable(environ, ENVIRONMENT_VARIABLE)
    )


def parse_boolean_input(text: str) -> bool:
    """Return an input's boolean, read as @actions/core's ``getBooleanInput`` reads it.

    Raises:
        ValueError: *text* is not one of ``true True TRUE false False FALSE``.
    """
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise ValueError(f"{text!r} is not true or false (use true, True, TRUE, false...)")


def _parse(setting: Setting, text: str) -> bool | int | str:
    """Return *text* as the setting's kind.

    Raises:
        ValueError: *text* is not a valid value of that kind.
    """
    if setting.kind is bool:
        return parse_boolean_input(text)
    if setting.kind is int:
        if text.isascii() and text.isdigit():
            return int(text)
        raise ValueError(f"{text!r} is not a whole number of {setting.unit}")
    return text


def external_layers(
    environ: Mapping[str, str],
) -> tuple[LayerData, LayerData, list[ConfigProblem]]:
    """Return the action-input and environment-variable layers read from *environ*.

    A value that cannot be parsed is a problem naming the input or variable; it is left
    out of its layer.
    """
    problems: list[ConfigProblem] = []
    layers = []
    for layer in (Layer.INPUT, Layer.ENVIRONMENT_VARIABLE):
        data: dict[str, dict[str, Any]] = {}
        origins: dict[JsonPath, Source] = {}
        for setting in SETTINGS:
            if layer is Layer.INPUT:
                raw = read_input(environ, setting.input_name)
                origin = f"input {setting.input_name} ({input_variable(setting.input_name)})"
            else:
                raw = read_variable(environ, setting.variable)
                origin = f"environment variable {setting.variable}"
            if raw is None:
                continue
            source = Source(layer=layer, origin=origin)
            try:
                value = _parse(setting, raw)
            except ValueError as exc:
                problems.append(
                    source.problem("input.invalid", str(exc), format_path(setting.path))
                )
                continue
            section, key = setting.path
            data.setdefault(section, {})[key] = value
            origins[setting.path] = source
            origins.setdefault((section,), source)
        layers.append(LayerData(layer, data, _lookup(origins, layer)))
    return layers[0], layers[1], problems


def _lookup(origins: Mapping[JsonPath, Source], layer: Layer) -> Callable[[JsonPath], Source]:
    def source_of(path: JsonPath) -> Source:
        return origins.get(path) or Source(layer=layer)

    return source_of


def default_layer(tier: Tier, tier_origin: str, workspace_keys: list[str]) -> LayerData:
    """Return the lowest layer: the tier's flags and every built-in default.

    Args:
        tier: The environment's tier.
        tier_origin: How the tier was decided, when the environment does not state it
            (``the well-known name 'prod'``); "" when it does.
        workspace_keys: The environment's workspaces, to give each its defaults.
    """
    data: dict[str, Any] = {
        "auth": {},
        "secrets": {"cache_ttl_s": DEFAULT_SECRET_CACHE_TTL_S},
        "api": {"calls_per_minute": DEFAULT_CALLS_PER_MINUTE},
        "telemetry": {},
        "features": TIER_POLICIES[tier].default_flags.as_dict(),
        "workspaces": {
            key: {"description": "", "items": {"delete_orphans": False}, "roles": []}
            for key in workspace_keys
        },
    }
    if tier_origin:
        data["tier"] = tier.value

    def source_of(path: JsonPath) -> Source:
        if path[:1] == ("features",):
            return Source(layer=Layer.TIER_DEFAULT, origin=f"tier {tier}")
        if path == ("tier",):
            return Source(layer=Layer.TIER_DEFAULT, origin=tier_origin)
        return Source(layer=Layer.TIER_DEFAULT, origin="built-in")

    return LayerData(Layer.TIER_DEFAULT, data, source_of)
