"""Print an effective configuration: every value, secrets masked, and where it came from."""

from __future__ import annotations

import json
from collections.abc import Mapping

from ._model import EffectiveConfig
from ._references import SecretRef

MASK = "***"
"""How a secret value is shown."""


def show_value(value: object, secret_sources: Mapping[str, str] | None = None) -> str:
    """Return *value* as ``--show`` prints it; secrets as ``***``, never their value.

    A secret reads ``*** (secret NAME, source: SOURCE)`` when *secret_sources* describes
    it (the caller knows where it came from, or will), else ``*** (secret NAME)`` when
    resolved and ``*** (secret NAME, not resolved)`` when not.
    """
    if isinstance(value, SecretRef):
        described = (secret_sources or {}).get(value.name)
        if described:
            return f"{MASK} (secret {value.name}, source: {described})"
        return f"{MASK} (secret {value.name}{'' if value.resolved else ', not resolved'})"
    return json.dumps(value, ensure_ascii=False)


def format_effective_config(
    config: EffectiveConfig, *, secret_sources: Mapping[str, str] | None = None
) -> str:
    """Return the effective configuration, one ``key = value  # source`` line per value.

    Keys are paths inside the environment (``features.enable_retry``); each source names
    its layer (action input, environment variable, environment section, top level,
    default) and place (file:line:column, input or variable, tier).

    Args:
        config: The configuration to show.
        secret_sources: Where each secret's value came from (or will), by secret name,
            in words: ``.env``, ``Key Vault (not contacted)...``, ``not resolved...``.
    """
    environment = config.environment
    lines = [
        f"# {config.config_file.name}: environment {environment.name!r}, tier "
        f"{environment.tier}; secrets are masked",
    ]
    width = max(len(key) for key in config.values)
    for key, value in config.values.items():
        source = config.sources[key]
        where = f"{source.layer}: {source.location}"
        if source.config_path not in ("", key, f"environments.{environment.name}.{key}"):
            where += f" ({source.config_path})"
        if source.reference:
            where += f" via {source.reference}"
        lines.append(f"{key.ljust(width)} = {show_value(value, secret_sources)}  # {where}")
    for warning in config.warnings:
        lines.append(f"# warning: {warning}")
    return "\n".join(lines) + "\n"
