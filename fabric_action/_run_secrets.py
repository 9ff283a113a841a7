"""A run's secrets: the SecretManager built from the effective configuration.

Config and secrets do not import each other; this module joins them for the CLI. The
manager needs what the file decides (tier, USE_KEY_VAULT, the vault URL, the cache TTL),
so the config is loaded first without secrets, then the manager is built from it.

``validate`` resolves offline (:func:`resolve_secrets_offline`): ``.env`` values are read,
registered with the CI masker and checked against their fields; vault secrets are named
with the vault that will serve them at deploy time, and the vault is never contacted.

The ``.env`` file is the one next to the config file unless ``--dotenv PATH`` names
another: the file that names the secrets and the file that holds them stay together, a
repository with several configs can keep one ``.env`` per config, and the working
directory does not change which secrets a run sees.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .config import EffectiveConfig, resolve_config_secrets
from .errors import SecretDeferredError, SecretNotFoundError
from .secrets import SecretManager, SecretMasker, SecretsOptions

DOTENV_FILE = ".env"
"""The name of the local secrets file."""


def dotenv_path_for(config_file: str | Path, explicit: str | Path | None = None) -> Path:
    """Return the ``.env`` file of a run: *explicit*, else ``.env`` beside *config_file*.

    The path keeps the form the user gave (relative stays relative), so messages name
    the file the way the user would.
    """
    if explicit is not None:
        return Path(explicit)
    return Path(config_file).parent / DOTENV_FILE


def secrets_options_for(
    config: EffectiveConfig, *, dotenv_path: Path | None, offline: bool
) -> SecretsOptions:
    """Return the SecretManager options the configuration decides.

    Args:
        config: The effective configuration (loaded without secrets).
        dotenv_path: The ``.env`` file (see :func:`dotenv_path_for`), or None for none.
        offline: Never contact Key Vault (``validate``).
    """
    return SecretsOptions(
        tier=config.environment.tier,
        use_key_vault=config.flags.use_key_vault,
        vault_url=config.secrets.key_vault_url,
        cache_ttl_s=float(config.secrets.cache_ttl_s),
        dotenv_path=dotenv_path,
        offline=offline,
    )


@dataclass(frozen=True, kw_only=True)
class OfflineSecrets:
    """What offline resolution found.

    Attributes:
        config: The configuration with the ``.env`` secrets resolved (and checked).
        sources: By secret name, where its value came from or will come from, in the
            words ``--show`` prints.
    """

    config: EffectiveConfig
    sources: Mapping[str, str]


def resolve_secrets_offline(
    config: EffectiveConfig, *, masker: SecretMasker, dotenv_path: Path | None
) -> OfflineSecrets:
    """Resolve what can be resolved without Key Vault, registering each value first.

    Every value read is registered with *masker* (so with the CI's log masker) inside
    the SecretManager, before this function returns and so before anything is printed.

    Raises:
        ConfigFileError: A value read cannot serve its field (empty, not PEM...); the
            problems name the reference and its place, never the value.
        DotenvRefusedError: The ``.env`` file is tracked by git.
        ConfigError: The tier's secret rules refuse the configuration.
    """
    options = secrets_options_for(config, dotenv_path=dotenv_path, offline=True)
    sources: dict[str, str] = {}
    found: list[str] = []
    with SecretManager(options, masker=masker) as manager:
        for name in dict.fromkeys(ref.name for ref in config.secret_refs):
            try:
                manager.get(name)
            except SecretDeferredError as deferred:
                sources[name] = (
                    "Key Vault (not contacted), resolved at deploy time from Key Vault "
                    f"{deferred.vault_url}"
                )
            except SecretNotFoundError:
                sources[name] = f"not resolved, {_missing_from(manager.dotenv_path)}"
            else:
                found.append(name)
                sources[name] = _from_dotenv(manager)
        resolved = resolve_config_secrets(config, manager, only=found)
    return OfflineSecrets(config=resolved, sources=sources)


def _from_dotenv(manager: SecretManager) -> str:
    where = f".env ({manager.dotenv_path})"
    if manager.vault_url is None:
        return where
    return (
        f"{where}; Key Vault {manager.vault_url} not contacted, its value comes first at "
        "deploy time"
    )


def _missing_from(dotenv_path: Path | None) -> str:
    if dotenv_path is None or not dotenv_path.is_file():
        return f"no .env file ({dotenv_path})" if dotenv_path else "no .env file"
    return f"not in .env ({dotenv_path})"
