"""Bearer tokens per scope over MSAL: cached, refreshed ahead of expiry, one request at a time.

The auth policy of the client stack asks :meth:`MsalTokenProvider.token` before every
attempt and calls :meth:`MsalTokenProvider.invalidate` once on ``401 TokenExpired``.

Time comes from the injected clock, never from MSAL: MSAL's own token cache and HTTP
throttle cache both keep time with ``time.time()`` and would serve a token (or replay an
error) that the injected clock has moved past. So MSAL gets a token cache that stores
nothing and an HTTP cache that stores nothing; this provider's cache is the only one.
Instance discovery is off for every cloud: the authority comes from our own profile,
and with it on MSAL asks ``login.microsoftonline.com/common/discovery/instance`` for
authority aliases after every failed request (to look for user refresh tokens, which an
app-only flow never has), an extra call that an emulator or a locked-down network fails.

- Refresh: ``refresh_margin_s`` (default 300 s) before expiry, or at half the lifetime
  when that is later (short-lived tokens) or when Entra asked for an early refresh
  (``refresh_in``). No jitter: one process, one identity, and single flight already keep
  Entra from seeing a burst.
- Single flight: one lock per scope; callers that queue behind a refresh get its result.
- A failed refresh while the current token still has ``min_validity_s`` left returns the
  current token and tries again ``retry_after_failure_s`` later; a failure with no usable
  token is replayed to every caller for ``retry_after_failure_s`` instead of re-sent.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import msal
import requests
from azure.core.credentials import AccessToken as AzureAccessToken

from fabric_action.auth._cloud import PUBLIC_CLOUD, CloudProfile
from fabric_action.auth._credentials import Credential
from fabric_action.auth._entra_errors import entra_error
from fabric_action.auth._http import describe_request_failure
from fabric_action.errors import AuthError, EntraTokenError
from fabric_action.reliability import Clock, SystemClock

_LOG = logging.getLogger("fabric_action.auth")


class TokenSource(Protocol):
    """What the client stack's auth policy needs: a token per scope, and a forced refresh."""

    def token(self, scope: str) -> str:
        """Return a bearer token for ``scope``."""
        ...

    def invalidate(self, scope: str, *, rejected_token: str | None = None) -> None:
        """Forget the token of ``scope`` (unless it is no longer ``rejected_token``)."""
        ...


@dataclass(frozen=True, kw_only=True)
class AccessToken:
    """A bearer token and when (on the provider's clock) to refresh and to stop using it."""

    token: str = field(repr=False)
    expires_on_s: float
    refresh_on_s: float


class _NoHttpCache(dict[str, Any]):
    """An ``http_cache`` for MSAL that stores nothing (see the module docstring)."""

    def __setitem__(self, key: str, value: Any) -> None:
        """Drop the write."""


class _NoTokenCache(msal.TokenCache):  # type: ignore[misc]  # msal has no type hints
    """A token cache for MSAL that stores nothing, so every acquisition asks Entra."""

    def add(self, event: Any, **_kwargs: Any) -> None:
        """Drop the tokens."""


@dataclass(frozen=True)
class _Failure:
    until_s: float
    error: AuthError


class MsalTokenProvider:
    """Get app-only tokens for a credential, one cache entry per scope.

    Args:
        credential: Secret, certificate or federated credential.
        profile: Cloud endpoints and network settings (default :data:`PUBLIC_CLOUD`).
        clock: Time source of every expiry decision (default the system clock).
        refresh_margin_s: Refresh this long before expiry (default 300 s).
        min_validity_s: A token with less left is never handed out (default 60 s).
        retry_after_failure_s: Wait after a failed request before sending another
            (default 5 s, MSAL's own default throttle).
        session: HTTP session for Entra (default ``profile.http_session(environ)``).
        environ: Environment for proxy and CA variables (default ``os.environ``).
        mask: Called with every new access token (CI log masking).
    """

    def __init__(
        self,
        credential: Credential,
        *,
        profile: CloudProfile = PUBLIC_CLOUD,
        clock: Clock | None = None,
        refresh_margin_s: float = 300.0,
        min_validity_s: float = 60.0,
        retry_after_failure_s: float = 5.0,
        session: requests.Session | None = None,
        environ: Mapping[str, str] | None = None,
        mask: Callable[[str], None] | None = None,
    ) -> None:
        self._credential = credential
        self._profile = profile
        self._clock = clock or SystemClock()
        self._refresh_margin_s = refresh_margin_s
        self._min_validity_s = min_validity_s
        self._retry_after_failure_s = retry_after_failure_s
        self._session = session or profile.http_session(environ)
        self._mask = mask
        self._authority = profile.authority(credential.tenant_id)
        self._app: Any = None
        self._app_lock = threading.Lock()
        self._locks_guard = threading.Lock()
        self._scope_locks: dict[str, threading.Lock] = {}
        self._entries: dict[str, AccessToken] = {}
        self._failures: dict[str, _Failure] = {}

    @property
    def profile(self) -> CloudProfile:
        """The cloud this provider gets tokens for."""
        return self._profile

    def token(self, scope: str) -> str:
        """Return a bearer token for ``scope`` (e.g. the profile's ``fabric_scope``).

        Raises:
            AuthError: No token could be obtained (``EntraTokenError`` when Entra refused).
        """
        return self.access_token(scope).token

    def access_token(self, scope: str) -> AccessToken:
        """Return the cached token for ``scope``, refreshing it first when it is due.

        Raises:
            AuthError: No token could be obtained and no valid one is cached.
        """
        entry = self._entries.get(scope)
        if entry is not None and self._clock.now() < entry.refresh_on_s:
            return entry
        with self._lock_for(scope):
            entry = self._entries.get(scope)
            now = self._clock.now()
            if entry is not None and now < entry.refresh_on_s:
                return entry
            failure = self._failures.get(scope)
            if failure is not None and now < failure.until_s:
                raise _replay(failure.error)
            try:
                fresh = self._acquire(scope)
            except AuthError as exc:
                return self._after_failure(scope, entry, exc, now)
            self._failures.pop(scope, None)
            self._entries[scope] = fresh
            return fresh

    def invalidate(self, scope: str, *, rejected_token: str | None = None) -> None:
        """Drop the cached token of ``scope`` so the next :meth:`token` asks Entra.

        Args:
            scope: The scope whose token a server rejected (401 ``TokenExpired``).
            rejected_token: The token that was rejected. When given and the cache already
                holds another one (a concurrent caller refreshed), nothing is dropped, so
                a burst of 401s costs one token request, not one each.
        """
        with self._lock_for(scope):
            entry = self._entries.get(scope)
            if entry is None:
                return
            if rejected_token is not None and rejected_token != entry.token:
                return
            del self._entries[scope]

    def get_token(self, *scopes: str, **_options: Any) -> AzureAccessToken:
        """Serve azure-core clients (``SecretClient``) from this cache: one scope per call.

        Raises:
            ValueError: Not exactly one scope.
            AuthError: As :meth:`token`.
        """
        if len(scopes) != 1:
            raise ValueError("get_token takes exactly one scope")
        entry = self.access_token(scopes[0])
        return AzureAccessToken(entry.token, int(entry.expires_on_s))

    def close(self) -> None:
        """Close the HTTP session and the credential's resources."""
        self._session.close()
        self._credential.close()

    def __enter__(self) -> MsalTokenProvider:
        """Return self."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close."""
        self.close()

    # -- internals --------------------------------------------------------------------

    def _lock_for(self, scope: str) -> threading.Lock:
        with self._locks_guard:
            return self._scope_locks.setdefault(scope, threading.Lock())

    def _after_failure(
        self, scope: str, entry: AccessToken | None, error: AuthError, now: float
    ) -> AccessToken:
        """Keep using a still-valid token after a failed refresh, or remember the failure."""
        retry_at = now + self._retry_after_failure_s
        if entry is not None and now < entry.expires_on_s - self._min_validity_s:
            _LOG.warning(
                "token refresh for %s failed, the current token is valid for %.0f s more; "
                "retrying in %.0f s: %s",
                scope,
                entry.expires_on_s - now,
                self._retry_after_failure_s,
                error,
            )
            kept = replace(entry, refresh_on_s=min(retry_at, entry.expires_on_s))
            self._entries[scope] = kept
            return kept
        self._entries.pop(scope, None)
        self._failures[scope] = _Failure(until_s=retry_at, error=error)
        raise error

    def _msal_app(self) -> Any:
        with self._app_lock:
            if self._app is None:
                self._app = self._build_app()
            return self._app

    def _build_app(self) -> Any:
        try:
            return msal.ConfidentialClientApplication(
                self._credential.client_id,
                client_credential=self._credential.msal_credential(),
                authority=self._authority,
                instance_discovery=False,
                http_client=self._session,
                http_cache=_NoHttpCache(),
                token_cache=_NoTokenCache(),
            )
        except requests.RequestException as exc:
            raise AuthError(
                f"could not reach Entra ID at {self._authority}: {describe_request_failure(exc)}"
            ) from None
        except ValueError:
            raise AuthError(
                f"Entra ID has no OpenID configuration for {self._authority}: check tenantId "
                f"and that the cloud ({self._profile.name}) is the right one"
            ) from None

    def _acquire(self, scope: str) -> AccessToken:
        app = self._msal_app()
        started_s = self._clock.now()
        try:
            result = app.acquire_token_for_client([scope])
        except AuthError:
            raise
        except requests.RequestException as exc:
            raise AuthError(
                f"could not get a token for {scope} from {self._authority}: "
                f"{describe_request_failure(exc)}"
            ) from None
        except msal.exceptions.MsalServiceError as exc:
            # MSAL raises this only for HTTP >= 400 without an OAuth2 body (5xx, 429).
            raise AuthError(
                f"Entra ID at {self._authority} failed to answer the token request for "
                f"{scope} ({str(exc)[:80]}); this is usually temporary: run again"
            ) from None
        except ValueError:
            raise AuthError(
                f"Entra ID at {self._authority} sent an unreadable answer to the token "
                f"request for {scope}: check the authority and any proxy in between"
            ) from None
        if "access_token" not in result:
            raise entra_error(
                result,
                scope=scope,
                who=f"{self._credential.describe()}, tenant {self._credential.tenant_id}",
                redactions=self._credential.redactions(),
            )
        lifetime_s = float(result["expires_in"])
        refresh_in_s = max(lifetime_s - self._refresh_margin_s, lifetime_s / 2)
        if "refresh_on" in result:
            refresh_in_s = min(refresh_in_s, lifetime_s / 2)
        token = str(result["access_token"])
        if self._mask is not None:
            self._mask(token)
        _LOG.debug(
            "got a token for %s valid %.0f s; refreshing after %.0f s",
            scope,
            lifetime_s,
            refresh_in_s,
        )
        return AccessToken(
            token=token,
            expires_on_s=started_s + lifetime_s,
            refresh_on_s=started_s + refresh_in_s,
        )


def _replay(error: AuthError) -> AuthError:
    """Return a new exception equal to ``error``, so threads never share one traceback."""
    if isinstance(error, EntraTokenError):
        return EntraTokenError(
            str(error),
            error=error.error,
            error_codes=error.error_codes,
            correlation_id=error.correlation_id,
            trace_id=error.trace_id,
        )
    return AuthError(str(error))
