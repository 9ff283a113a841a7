"""Fresh OIDC tokens from the CI platform, used as Entra client assertions.

- GitHub Actions: ``GET {ACTIONS_ID_TOKEN_REQUEST_URL}&audience=api://AzureADTokenExchange``
  with ``Authorization: Bearer {ACTIONS_ID_TOKEN_REQUEST_TOKEN}``; the JWT is ``value``.
- Azure DevOps: ``POST {SYSTEM_OIDCREQUESTURI}?api-version=7.1&serviceConnectionId=ID``
  with ``Authorization: Bearer {System.AccessToken}`` and ``X-TFS-FedAuthRedirect:
  Suppress`` (what azure-identity's ``AzurePipelinesCredential`` sends); the JWT is
  ``oidcToken``.

Both tokens live about five minutes, so every call fetches a new one. Connection
failures, 429 and 5xx are retried (three attempts, 1 s then 2 s apart, or the server's
Retry-After up to 30 s) on the injected clock: these endpoints are known to blip, and a
failed fetch would otherwise fail the deployment. A refusal is not retried.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from fabric_action.auth._cloud import FEDERATED_AUDIENCE
from fabric_action.auth._http import describe_request_failure
from fabric_action.errors import AuthError
from fabric_action.reliability import Clock

_LOG = logging.getLogger("fabric_action.auth")
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_BASE_DELAY_S = 1.0
_MAX_RETRY_AFTER_S = 30.0
_MAX_MESSAGE_CHARS = 300
ADO_OIDC_API_VERSION = "7.1"

Mask = Callable[[str], None]


class _RetryableError(Exception):
    """One attempt failed in a way the next attempt may not."""

    def __init__(self, reason: str, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_s = retry_after_s


class _OidcFetcher:
    """Shared request, retry and error wording of both issuers."""

    issuer_name = ""
    token_field = ""

    def __init__(
        self,
        *,
        session: requests.Session,
        clock: Clock,
        bearer: str,
        mask: Mask | None,
        attempts: int,
        refusal: Callable[[int, str], str],
    ) -> None:
        if attempts < 1:
            raise ValueError("attempts must be >= 1")
        self._session = session
        self._clock = clock
        self._bearer = bearer
        self._mask = mask
        self._attempts = attempts
        self._refusal = refusal

    def close(self) -> None:
        """Close the HTTP session."""
        self._session.close()

    def _fetch(self, method: str, url: str, headers: dict[str, str]) -> str:
        """Request a token, retrying transient failures; return the JWT.

        Raises:
            AuthError: Every attempt failed, the issuer refused, or the answer had no token.
        """
        where = _safe_location(url)
        all_headers = {"Accept": "application/json", **headers}
        all_headers["Authorization"] = f"Bearer {self._bearer}"
        attempt = 1
        while True:
            try:
                token = self._attempt(method, url, all_headers, where)
            except _RetryableError as failure:
                if attempt >= self._attempts:
                    raise AuthError(
                        f"could not get an OIDC token from {self.issuer_name} at {where} "
                        f"after {attempt} attempts: {failure.reason}"
                    ) from None
                delay_s = failure.retry_after_s or _BASE_DELAY_S * 2 ** (attempt - 1)
                _LOG.warning(
                    "%s OIDC token request failed (%s); retrying in %.0f s",
                    self.issuer_name,
                    failure.reason,
                    delay_s,
                )
                self._clock.sleep(delay_s)
                attempt += 1
                continue
            if self._mask is not None:
                self._mask(token)
            return token

    def _attempt(self, method: str, url: str, headers: dict[str, str], where: str) -> str:
        try:
            response = self._session.request(method, url, headers=headers)
        except requests.RequestException as exc:
            if _is_transient(exc):
                raise _RetryableError(describe_request_failure(exc)) from None
            raise AuthError(
                f"{self.issuer_name} OIDC token request to {where} failed: "
                f"{describe_request_failure(exc)}"
            ) from None
        if response.status_code in _RETRY_STATUSES:
            raise _RetryableError(
                f"HTTP {response.status_code}", _retry_after_s(response.headers.get("Retry-After"))
            )
        body = _json_object(response)
        if response.status_code != 200:
            raise AuthError(self._refusal(response.status_code, self._server_message(body)))
        token = body.get(self.token_field)
        if not isinstance(token, str) or token.count(".") != 2:
            raise AuthError(
                f"{self.issuer_name} answered the OIDC token request at {where} without a "
                f"token ({self.token_field!r} missing or not a JWT)"
            )
        return token

    def _server_message(self, body: dict[str, Any]) -> str:
        message = body.get("message")
        if not isinstance(message, str):
            return ""
        return message.replace(self._bearer, "***")[:_MAX_MESSAGE_CHARS]


class GitHubIdTokenSource(_OidcFetcher):
    """Fetch a fresh GitHub Actions ID token on every call.

    Args:
        request_url: ``ACTIONS_ID_TOKEN_REQUEST_URL`` (it already has a query).
        request_token: ``ACTIONS_ID_TOKEN_REQUEST_TOKEN``.
        session: From :meth:`CloudProfile.http_session` (timeouts, CA, proxies).
        clock: Sleeps between attempts.
        audience: The ``aud`` to ask for (default ``api://AzureADTokenExchange``).
        mask: Called with every new token before it is used (CI log masking).
        attempts: Attempts per call on transient failures (default 3).
    """

    issuer_name = "GitHub"
    token_field = "value"  # noqa: S105 - a JSON field name

    def __init__(
        self,
        *,
        request_url: str,
        request_token: str,
        session: requests.Session,
        clock: Clock,
        audience: str = FEDERATED_AUDIENCE,
        mask: Mask | None = None,
        attempts: int = 3,
    ) -> None:
        super().__init__(
            session=session,
            clock=clock,
            bearer=request_token,
            mask=mask,
            attempts=attempts,
            refusal=_github_refusal,
        )
        separator = "&" if "?" in request_url else "?"
        self._url = f"{request_url}{separator}audience={quote(audience, safe='')}"

    def __call__(self) -> str:
        """Return a new GitHub ID token.

        Raises:
            AuthError: GitHub refused, or could not be reached after retries.
        """
        return self._fetch("GET", self._url, {})

    def describe(self) -> str:
        """Name the issuer."""
        return "GitHub Actions OIDC token"


class AzureDevOpsIdTokenSource(_OidcFetcher):
    """Fetch a fresh Azure DevOps OIDC token for a service connection on every call.

    Args:
        request_uri: ``SYSTEM_OIDCREQUESTURI`` (without query).
        service_connection_id: The service connection's GUID.
        access_token: ``System.AccessToken`` of the job.
        session: From :meth:`CloudProfile.http_session`.
        clock: Sleeps between attempts.
        mask: Called with every new token before it is used.
        attempts: Attempts per call on transient failures (default 3).
    """

    issuer_name = "Azure DevOps"
    token_field = "oidcToken"  # noqa: S105 - a JSON field name

    def __init__(
        self,
        *,
        request_uri: str,
        service_connection_id: str,
        access_token: str,
        session: requests.Session,
        clock: Clock,
        mask: Mask | None = None,
        attempts: int = 3,
    ) -> None:
        super().__init__(
            session=session,
            clock=clock,
            bearer=access_token,
            mask=mask,
            attempts=attempts,
            refusal=lambda status, message: _ado_refusal(status, message, service_connection_id),
        )
        self._connection_id = service_connection_id
        self._url = (
            f"{request_uri.rstrip('/')}?api-version={ADO_OIDC_API_VERSION}"
            f"&serviceConnectionId={quote(service_connection_id, safe='')}"
        )

    def __call__(self) -> str:
        """Return a new Azure DevOps OIDC token.

        Raises:
            AuthError: Azure DevOps refused, or could not be reached after retries.
        """
        headers = {"Content-Type": "application/json", "X-TFS-FedAuthRedirect": "Suppress"}
        return self._fetch("POST", self._url, headers)

    def describe(self) -> str:
        """Name the issuer and the service connection."""
        return f"Azure DevOps OIDC token of service connection {self._connection_id}"


def _github_refusal(status: int, server_message: str) -> str:
    """Word GitHub's refusal with what to check."""
    detail = f": {server_message}" if server_message else ""
    if status in (401, 403):
        hint = (
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN was not accepted; give the job "
            "`permissions: id-token: write` and do not override the runner's variables"
        )
    else:
        hint = "check ACTIONS_ID_TOKEN_REQUEST_URL is the runner's value"
    return f"GitHub refused the OIDC token request (HTTP {status}{detail}): {hint}"


def _ado_refusal(status: int, server_message: str, connection_id: str) -> str:
    """Word Azure DevOps' refusal with what to check."""
    detail = f": {server_message}" if server_message else ""
    if status in (401, 403):
        hint = (
            "System.AccessToken was not accepted; map it into the step "
            "(env: SYSTEM_ACCESSTOKEN: $(System.AccessToken))"
        )
    elif status == 404:
        hint = (
            f"service connection {connection_id} was not found: check the "
            "service connection id and that this pipeline may use it"
        )
    else:
        hint = "check SYSTEM_OIDCREQUESTURI and the service connection id"
    return f"Azure DevOps refused the OIDC token request (HTTP {status}{detail}): {hint}"


def _is_transient(exc: requests.RequestException) -> bool:
    """Return whether another attempt may succeed (not TLS, URL or redirect problems)."""
    if isinstance(exc, requests.exceptions.SSLError):
        return False
    return isinstance(
        exc,
        requests.ConnectionError | requests.Timeout | requests.exceptions.ChunkedEncodingError,
    )


def _safe_location(url: str) -> str:
    """Return ``scheme://host/path`` of ``url``: no userinfo, no query."""
    split = urlsplit(url)
    host = split.hostname or ""
    try:
        port = f":{split.port}" if split.port else ""
    except ValueError:
        port = ""
    return f"{split.scheme}://{host}{port}{split.path}"


def _json_object(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _retry_after_s(value: str | None) -> float | None:
    """Parse a delta-seconds Retry-After, capped; None when absent or not a number."""
    try:
        seconds = float(value) if value else None
    except ValueError:
        return None
    return None if seconds is None else min(max(seconds, 0.0), _MAX_RETRY_AFTER_S)
