"""Secrets: a value type that never prints, Key Vault with a TTL cache, ``.env`` locally.

``SecretManager.get(name)`` is the one entry point (config resolution calls it for
``${secret:NAME}``); every value it returns is registered with the CI log masker first.
``SecretsOptions(offline=True)`` never contacts Key Vault (``validate``). ``Tier`` and
``parse_tier`` are re-exported from :mod:`fabric_action.tiers`, the one definition that
config shares.
"""

from ..tiers import Tier, parse_tier
from ._cache import DEFAULT_TTL_S, SecretCache
from ._credential import IdentityOptions, VaultIdentity, choose_vault_identity
from ._dotenv import DotenvFile, check_not_tracked
from ._keyvault import KeyVaultOptions, KeyVaultReader, VaultReader
from ._manager import SecretManager, SecretProvider, SecretsOptions
from ._masking import MaskSink, SecretMasker
from ._names import MAX_NAME_LENGTH, dotenv_keys, validate_secret_name
from ._secret import MASK, Secret

__all__ = [
    "DEFAULT_TTL_S",
    "MASK",
    "MAX_NAME_LENGTH",
    "DotenvFile",
    "IdentityOptions",
    "KeyVaultOptions",
    "KeyVaultReader",
    "MaskSink",
    "Secret",
    "SecretCache",
    "SecretManager",
    "SecretMasker",
    "SecretProvider",
    "SecretsOptions",
    "Tier",
    "VaultIdentity",
    "VaultReader",
    "check_not_tracked",
    "choose_vault_identity",
    "dotenv_keys",
    "parse_tier",
    "validate_secret_name",
]
