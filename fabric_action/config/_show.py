"""Print an effective configuration: every value, secrets masked, and where it came from."""

from __future__ import annotations

import json

from ._model import EffectiveConfig
from ._references import SecretRef

MASK = "***"
"""How a secret value is shown."""


def show_value(value: object) -> str:
    """Return *value* as ``--show`` prints it; secrets as ``***``, never their value."""
    if isinstance(value, SecretRef):
        state = "" if value.resolved else ", not resolved: validate does not read Key Vault"
        return f"{MASK} (secret {value.name}{state})"
    return json.dumps(value, ensure_ascii=False)


def format_effective_config(config: EffectiveConfig) -> str:
    """Return the effective configuration, one ``key = value  # source`` line per value.

    Keys are paths inside the environment (``features.enable_retry``); each source names
    its layer (action input, environment variable, environment section, top level,
    default) and place (file:line:column, input or variable, tier).
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
        lines.append(f"{key.ljust(width)} = {show_value(value)}  # {where}")
    for warning in config.warnings:
        lines.append(f"# warning: {warning}")
    return "\n".join(lines) + "\n"
