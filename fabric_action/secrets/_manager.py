"""SecretManager: Key Vault through a TTL cache, ``.env`` as the fallback outside prod.

The seed's flow: USE_KEY_VAULT on -> cache (one hour) -> Key Vault (azure-core retries)
-> cache the value; on failure, ``.env`` with a warning (graceful degradation). Prod is
stricter: Key Vault is required and a failure is an error. A disabled secret never
falls back, in any tier: someone turned it off on purpose.

Offline (``validate``), the same rules decide where each secret comes from, but the vault
is never built, so nothing can reach it: a secret the vault would serve raises
:class:`~fabric_action.errors.SecretDeferredError` (read at deploy time) unless, outside
prod, ``.env`` holds it (the value ``.env`` would give if the vault failed, which is
enough to check its shape and to mask it). Prod never reads ``.env``, offline either: an
offline prod run must not claim a vault secret is resolved.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Protocol

from azure.core.credentials import TokenCredential

from ..errors import (
    ConfigError,
    SecretDeferredError,
    SecretNotFoundError,
    SecretsUnavailableError,
)
from ..reliability import Clock, SystemClock
from ..tiers import Tier, parse_tier
from ._cache import DEFAULT_TTL_S, SecretCache
from ._credential import IDENTITY_HELP, IdentityOptions, VaultIdentity, choose_vault_identity
from ._dotenv import DEFAULT_GIT_TIMEOUT_S, DotenvFile
from ._keyvault import KeyVaultOptions, KeyVaultReader, VaultReader
from ._masking import SecretMasker
from ._names import dotenv_keys, validate_secret_name
from ._secret import Secret

LOGGER = logging.getLogger("fabric_action.secrets")


class SecretProvider(Protocol):
    """What config resolution needs: ``${secret:NAME}`` -> :class:`Secret`."""

    def get(self, name: str) -> Secret:
        """Return the secret called ``name``."""
        ...


@dataclass(frozen=True, kw_only=True)
class SecretsOptions:
    """Where secrets come from; every option documents its default and unit.

    Attributes:
        tier: local, dev, test or prod (a str or the config's Tier enum).
        use_key_vault: The USE_KEY_VAULT flag (default: on, except in the local tier).
            Prod refuses it off.
        vault_url: The vault's https root (required in prod when the flag is on).
        dotenv_path: The ``.env`` file for local secrets and the fallback (default
            ``.env`` in the working directory; None: no file). Never used in prod.
        cache_ttl_s: Seconds a fetched secret is reused (default 3,600; 0: no cache).
        vault_cooldown_s: After the vault fails, seconds during which it is not called
            again, so each further secret fails (or falls back) at once (default 60).
        ca_bundle: CA file for the vault and Entra instead of the system store.
        authority_host: Entra's base URL (default: public cloud).
        disable_instance_discovery: For an authority that is not Microsoft's (default
            False).
        retry_total: azure-core retries per vault call (default 3).
        retry_backoff_factor_s: Their exponential backoff base, seconds (default 0.8).
        connect_timeout_s: Vault connect timeout, seconds (default 10).
        read_timeout_s: Vault response timeout, seconds (default 30).
        git_timeout_s: Time for the ``.env`` git tracking check, seconds (default 5).
        offline: Never contact Key Vault (default False): secrets the vault serves raise
            :class:`~fabric_action.errors.SecretDeferredError`, except that outside prod
            ``.env`` may stand in for them. For ``validate``; a deployment leaves it off.
    """

    tier: str
    use_key_vault: bool | None = None
    vault_url: str | None = None
    dotenv_path: Path | None = Path(".env")
    cache_ttl_s: float = DEFAULT_TTL_S
    vault_cooldown_s: float = 60.0
    ca_bundle: str | None = None
    authority_host: str | None = None
    disable_instance_discovery: bool = False
    retry_total: int = 3
    retry_backoff_factor_s: float = 0.8
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 30.0
    git_timeout_s: float = DEFAULT_GIT_TIMEOUT_S
    offline: bool = False


class SecretManager:
    """Resolve secrets by name, registering each value with the CI masker first.

    Args:
        options: Tier, flag, vault and file settings.
        masker: Registers every value before it is returned (so before any log line).
        clock: Time for the cache and the cooldown (default: the system clock).
        environ: Where the vault identity is looked up (default ``os.environ``); only the
            environment, so the vault is never opened with a secret from itself.
        credential: An azure-identity credential to use instead (tests, custom hosts).
        vault: A ready :class:`VaultReader` to use instead of Key Vault (tests); never
            called when ``options.offline`` is set.

    Raises:
        ConfigError: Unknown tier; prod with USE_KEY_VAULT off or without a vault URL; an
            invalid vault URL.
    """

    def __init__(
        self,
        options: SecretsOptions,
        *,
        masker: SecretMasker,
        clock: Clock | None = None,
        environ: Mapping[str, str] | None = None,
        credential: TokenCredential | None = None,
        vault: VaultReader | None = None,
    ) -> None:
        self._tier = parse_tier(options.tier)
        use_key_vault = options.use_key_vault
        self._use_key_vault = (
            self._tier is not Tier.LOCAL if use_key_vault is None else use_key_vault
        )
        if self._tier is Tier.PROD and not self._use_key_vault:
            raise ConfigError(
                "USE_KEY_VAULT cannot be off in a prod environment: prod secrets come from Key "
                "Vault only; turn the flag on and set the vault URL"
            )
        if self._tier is Tier.PROD and vault is None and not options.vault_url:
            raise ConfigError(
                "a prod environment needs a Key Vault URL for its secrets (there is no .env "
                "fallback in prod): set the vault URL in the environment's secrets section"
            )
        self._masker = masker
        self._clock = clock or SystemClock()
        self._cache = SecretCache(self._clock, options.cache_ttl_s)
        self._cooldown_s = options.vault_cooldown_s
        self._down_until = float("-inf")
        self._down_reason = ""
        self._dotenv = (
            DotenvFile(options.dotenv_path, git_timeout_s=options.git_timeout_s)
            if options.dotenv_path is not None and self._tier is not Tier.PROD
            else None
        )
        self._offline = options.offline
        self._vault_url = (vault.vault_url if vault is not None else options.vault_url) or None
        self._vault = None if self._offline else vault
        if vault is None and self._use_key_vault and self._vault_url:
            if self._offline:
                KeyVaultOptions(vault_url=self._vault_url)  # the URL is checked, not used
            else:
                self._vault = _key_vault_reader(options, environ, credential)

    @property
    def tier(self) -> Tier:
        """The tier these rules follow."""
        return self._tier

    @property
    def uses_key_vault(self) -> bool:
        """Whether USE_KEY_VAULT is on."""
        return self._use_key_vault

    @property
    def offline(self) -> bool:
        """Whether Key Vault is left alone (secrets it serves are deferred to deploy time)."""
        return self._offline

    @property
    def vault_url(self) -> str | None:
        """The vault secrets come from (None when USE_KEY_VAULT is off or no URL is set)."""
        return self._vault_url if self._use_key_vault else None

    @property
    def dotenv_path(self) -> Path | None:
        """The ``.env`` file this manager may read (None in prod or without a file)."""
        return self._dotenv.path if self._dotenv is not None else None

    def get(self, name: str) -> Secret:
        """Return the secret ``name``, its value already registered with the CI masker.

        Raises:
            InvalidSecretNameError: ``name`` breaks Key Vault's naming rule.
            SecretNotFoundError: Neither the vault (or, outside prod, ``.env``) has it.
            SecretDisabledError: The vault holds it disabled.
            SecretsUnavailableError: Prod, and the vault failed.
            SecretDeferredError: Offline, and the vault would serve it (outside prod:
                and ``.env`` does not have it).
            DotenvRefusedError: The ``.env`` file needed is tracked by git.
        """
        validate_secret_name(name)
        if not self._use_key_vault:
            return self._from_dotenv(name, failure=None)
        if self._offline:
            # No vault URL: what the online run would do without a call (``.env``), minus
            # the fallback warning, which config validation already gives.
            if self.vault_url is None:
                return self._from_dotenv(name, failure=None)
            return self._instead_of_vault(name)
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        try:
            secret = self._from_vault(name)
        except (SecretNotFoundError, SecretsUnavailableError) as failure:
            if self._tier is Tier.PROD:
                raise
            secret = self._from_dotenv(name, failure=failure)
            LOGGER.warning(
                "secret %r came from %s because Key Vault failed (%s); outside prod this "
                "fallback keeps the run going, but fix the vault before promoting",
                name,
                self._dotenv.path if self._dotenv else ".env",
                failure,
            )
            return secret
        self._cache.put(name, secret)
        return secret

    def invalidate(self, name: str | None = None) -> None:
        """Forget a cached secret (or all), so the next ``get`` asks the vault again."""
        self._cache.clear(name)

    def close(self) -> None:
        """Close the vault client's connections."""
        if self._vault is not None:
            self._vault.close()

    def __enter__(self) -> SecretManager:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _from_vault(self, name: str) -> Secret:
        if self._vault is None:
            raise SecretsUnavailableError(
                f"secret {name!r}: USE_KEY_VAULT is on but no Key Vault URL is configured; set "
                "the vault URL or turn the flag off",
                secret_name=name,
            )
        now = self._clock.monotonic()
        if now < self._down_until:
            raise SecretsUnavailableError(
                f"secret {name!r} was not requested from Key Vault {self._vault.vault_url}: it "
                f"failed {now - self._down_until + self._cooldown_s:.0f} s ago "
                f"({self._down_reason})",
                secret_name=name,
                vault_url=self._vault.vault_url,
            )
        try:
            secret = self._vault.fetch(name)
        except SecretsUnavailableError as failure:
            self._down_until = now + self._cooldown_s
            self._down_reason = str(failure)
            raise
        # Registered before anything else sees the value: no log line can precede the mask.
        return self._masker.register(secret)

    def _instead_of_vault(self, name: str) -> Secret:
        """Offline: the value ``.env`` holds for a vault secret, else defer it (no call)."""
        values = self._dotenv.values() if self._dotenv is not None else {}
        for key in dotenv_keys(name):
            if key in values:
                return self._masker.register(Secret(values[key]))
        raise SecretDeferredError(
            f"secret {name!r} is resolved at deploy time from Key Vault {self.vault_url}: this "
            "run is offline and does not contact the vault",
            secret_name=name,
            vault_url=self.vault_url or "",
        )

    def _from_dotenv(self, name: str, *, failure: Exception | None) -> Secret:
        keys = dotenv_keys(name)
        values = self._dotenv.values() if self._dotenv is not None else {}
        for key in keys:
            if key in values:
                return self._masker.register(Secret(values[key]))
        where = str(self._dotenv.path) if self._dotenv is not None else "no .env file"
        looked_for = " or ".join(keys)
        if failure is None:
            vault_hint = "set the Key Vault URL" if self._use_key_vault else "turn USE_KEY_VAULT on"
            message = (
                f"secret {name!r} is not in {where} (looked for {looked_for}): add it there, "
                f"or {vault_hint} to read it from Key Vault"
            )
        else:
            message = (
                f"secret {name!r} could not be read: Key Vault failed ({failure}) and the "
                f"fallback {where} has no {looked_for}"
            )
        raise SecretNotFoundError(
            message,
            secret_name=name,
            vault_url=self._vault.vault_url if self._vault is not None else "",
        ) from failure


def _key_vault_reader(
    options: SecretsOptions,
    environ: Mapping[str, str] | None,
    credential: TokenCredential | None,
) -> KeyVaultReader:
    identity_options = IdentityOptions(
        authority_host=options.authority_host,
        ca_bundle=options.ca_bundle,
        disable_instance_discovery=options.disable_instance_discovery,
        timeout_s=options.read_timeout_s,
    )
    identity: VaultIdentity | None
    if credential is not None:
        identity = VaultIdentity(credential=credential, description="the injected credential")
    else:
        identity = choose_vault_identity(
            os.environ if environ is None else environ, identity_options
        )
    return KeyVaultReader(
        KeyVaultOptions(
            vault_url=options.vault_url or "",
            ca_bundle=options.ca_bundle,
            connect_timeout_s=options.connect_timeout_s,
            read_timeout_s=options.read_timeout_s,
            retry_total=options.retry_total,
            retry_backoff_factor_s=options.retry_backoff_factor_s,
        ),
        identity.credential if identity else None,
        identity=identity.description if identity else "no identity",
        identity_help=IDENTITY_HELP,
        owns_credential=credential is None,
    )
