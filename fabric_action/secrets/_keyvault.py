"""Read secrets from Azure Key Vault with azure-keyvault-secrets, errors made ours."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from azure.core.credentials import TokenCredential
from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    DecodeError,
    HttpResponseError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.keyvault.secrets import SecretClient

from ..errors import (
    ConfigError,
    FabricActionError,
    SecretDisabledError,
    SecretNotFoundError,
    SecretsUnavailableError,
)
from ._secret import Secret

ACCESS_HELP = (
    "check that the vault is reachable from this machine and that the identity has the "
    "'Key Vault Secrets User' role (or a 'get' secret access policy) on it"
)


class VaultReader(Protocol):
    """What the SecretManager needs from a vault: one secret's latest value by name."""

    @property
    def vault_url(self) -> str:
        """The vault's URL, for messages."""
        ...

    def fetch(self, name: str) -> Secret:
        """Return the latest enabled value of ``name``.

        Raises:
            SecretNotFoundError: The vault has no such secret.
            SecretDisabledError: The secret is disabled.
            SecretsUnavailableError: Anything else: unreachable, refused, 5xx, no identity.
        """
        ...

    def close(self) -> None:
        """Release connections."""
        ...


@dataclass(frozen=True, kw_only=True)
class KeyVaultOptions:
    """Where the vault is and how patiently to call it.

    Attributes:
        vault_url: ``https://NAME.vault.azure.net`` (https is required by the SDK).
        ca_bundle: A CA file to trust instead of the system store (default: system).
        connect_timeout_s: TCP/TLS connect timeout, in seconds (default 10).
        read_timeout_s: Time allowed for each response, in seconds (default 30).
        retry_total: Retries of azure-core's policy on 408/429/5xx and connection errors
            (default 3; it honours Retry-After). 0 turns retries off.
        retry_backoff_factor_s: Base of its exponential backoff, in seconds (default 0.8).
    """

    vault_url: str
    ca_bundle: str | None = None
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 30.0
    retry_total: int = 3
    retry_backoff_factor_s: float = 0.8

    def __post_init__(self) -> None:
        parts = urlsplit(self.vault_url)
        if parts.scheme != "https" or not parts.hostname or parts.path.strip("/"):
            raise ConfigError(
                f"invalid Key Vault URL {self.vault_url!r}: use the vault's https root, for "
                "example https://my-vault.vault.azure.net"
            )


def is_loopback_url(url: str) -> bool:
    """Return whether ``url`` points at this machine (a local vault such as the emulator)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class KeyVaultReader:
    """Fetch secrets with the real ``SecretClient`` and translate its errors.

    A loopback vault (the emulator) is called with ``verify_challenge_resource=False``:
    its host is not ``*.vault.azure.net``, which the SDK otherwise insists on.

    Args:
        options: The vault and its timeouts.
        credential: An azure-identity credential, or None when no identity was found
            (every fetch then fails with ``identity_help``).
        identity: How to name the identity in messages.
        identity_help: What to do when there is no identity.
        owns_credential: Close the credential with the reader (default False: the caller
            that made it closes it).
    """

    def __init__(
        self,
        options: KeyVaultOptions,
        credential: TokenCredential | None,
        *,
        identity: str = "the configured identity",
        identity_help: str = "",
        owns_credential: bool = False,
    ) -> None:
        self._options = options
        self._credential = credential if owns_credential else None
        self._identity = identity
        self._identity_help = identity_help
        self._client: SecretClient | None = None
        if credential is not None:
            self._client = SecretClient(
                options.vault_url,
                credential,
                verify_challenge_resource=not is_loopback_url(options.vault_url),
                connection_verify=options.ca_bundle or True,
                connection_timeout=options.connect_timeout_s,
                read_timeout=options.read_timeout_s,
                retry_total=options.retry_total,
                retry_backoff_factor=options.retry_backoff_factor_s,
            )

    @property
    def vault_url(self) -> str:
        """The vault's URL."""
        return self._options.vault_url

    def fetch(self, name: str) -> Secret:
        """Return the latest value of ``name`` (see :class:`VaultReader`)."""
        vault = self.vault_url
        if self._client is None:
            raise SecretsUnavailableError(
                f"secret {name!r} could not be read from Key Vault {vault}: no identity for "
                f"the vault was found; {self._identity_help}",
                secret_name=name,
                vault_url=vault,
            )
        try:
            value = self._client.get_secret(name).value
        except AzureError as exc:
            raise self._translate(name, exc) from exc
        except FabricActionError as exc:  # a credential callback of ours (GitHub ID token)
            raise self._unavailable(name, str(exc)) from exc
        if value is None:
            raise self._unavailable(name, "the vault returned no value")
        return Secret(value)

    def close(self) -> None:
        """Close the client's connections (and the credential's, when owned)."""
        if self._client is not None:
            self._client.close()
        close_credential = getattr(self._credential, "close", None)
        if callable(close_credential):
            close_credential()

    def _unavailable(self, name: str, what: str) -> SecretsUnavailableError:
        return SecretsUnavailableError(
            f"secret {name!r} could not be read from Key Vault {self.vault_url} as "
            f"{self._identity}: {what}; {ACCESS_HELP}",
            secret_name=name,
            vault_url=self.vault_url,
        )

    def _translate(self, name: str, exc: AzureError) -> FabricActionError:
        vault = self.vault_url
        if isinstance(exc, ResourceNotFoundError):
            return SecretNotFoundError(
                f"secret {name!r} is not in Key Vault {vault}{_request_id(exc)}: create it "
                "there, or fix the name in the config",
                secret_name=name,
                vault_url=vault,
            )
        if isinstance(exc, HttpResponseError) and _inner_code(exc) == "SecretDisabled":
            return SecretDisabledError(
                f"secret {name!r} is disabled in Key Vault {vault}{_request_id(exc)}: enable "
                "it (or set a new version) if it should be used; disabled secrets never fall "
                "back to .env",
                secret_name=name,
                vault_url=vault,
            )
        if isinstance(exc, ClientAuthenticationError):
            what = f"authentication failed ({_first_line(exc)})"
        elif isinstance(exc, DecodeError):
            what = f"its answer could not be decoded ({_first_line(exc)}){_request_id(exc)}"
        elif isinstance(exc, HttpResponseError):
            what = f"HTTP {exc.status_code} {_code(exc)}{_request_id(exc)}"
        else:
            reached = isinstance(exc, ServiceRequestError | ServiceResponseError)
            failure = "the vault could not be reached" if reached else "the call failed"
            what = f"{failure} ({type(exc).__name__}: {_first_line(exc)})"
        return self._unavailable(name, what)


def _inner_code(exc: HttpResponseError) -> str | None:
    error = exc.error
    inner = getattr(error, "innererror", None) if error is not None else None
    code = inner.get("code") if isinstance(inner, dict) else None
    return code if isinstance(code, str) else None


def _code(exc: HttpResponseError) -> str:
    error = exc.error
    code = getattr(error, "code", None) if error is not None else None
    return str(code) if code else (exc.reason or "")


def _request_id(exc: AzureError) -> str:
    response = getattr(exc, "response", None)
    request_id = response.headers.get("x-ms-request-id") if response is not None else None
    return f" (x-ms-request-id {request_id})" if request_id else ""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
