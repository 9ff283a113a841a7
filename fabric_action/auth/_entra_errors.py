"""Turn MSAL's error dicts into :class:`EntraTokenError` with a next step for the user.

MSAL returns Entra's OAuth2 error body as a dict (``error``, ``error_description``,
``error_codes``, ``correlation_id``, ``trace_id``). The hint is chosen by AADSTS number,
then by ``error``; the description is quoted only up to Entra's "Trace ID" trailer, and
every secret value the credential knows is blanked out of the final message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from fabric_action.errors import EntraTokenError

_HINTS_BY_CODE = {
    7000215: "the client secret is wrong: use the secret's Value (not its Secret ID)",
    7000222: "the client secret has expired: create a new one on the app registration",
    7000216: "no credential was sent: configure a secret, certificate or OIDC",
    700016: "no app with this client id in the tenant: check clientId and tenantId",
    90002: "the tenant was not found: check tenantId",
    900023: "the tenant id is malformed: check tenantId",
    700027: (
        "the certificate is not registered on the app, or the key does not match: upload "
        "the certificate's public part to the app registration"
    ),
    700021: "the client assertion names another app: check clientId",
    700024: (
        "the OIDC token is outside its validity window: check the runner's clock "
        "(tokens are fetched fresh for every request)"
    ),
    700211: (
        "no federated credential of the app trusts this issuer: add a federated "
        "credential for the CI issuer"
    ),
    700212: ("the federated credential expects another audience: use api://AzureADTokenExchange"),
    700213: (
        "no federated credential matches this subject: GitHub subjects depend on the "
        "branch, tag, environment or pull request, Azure DevOps subjects on the service "
        "connection; add a federated credential for exactly this subject"
    ),
    70021: (
        "no federated credential matches this token: check the issuer, subject and "
        "audience of the app's federated credentials"
    ),
    500011: "the resource of the scope is not available in this tenant: check the cloud",
    70011: "the scope is invalid: it must be one resource followed by /.default",
    1002012: "the scope is invalid: it must be one resource followed by /.default",
    7000112: "the application is disabled in the tenant",
    53003: "a Conditional Access policy blocked the service principal",
}
_HINTS_BY_ERROR = {
    "invalid_client": "Entra did not accept the credential: check it belongs to clientId",
    "unauthorized_client": "the app cannot use this flow here: check clientId and tenantId",
    "invalid_scope": "the scope is invalid",
    "invalid_request": "the request was malformed: check tenantId and clientId",
}
_DESCRIPTION_LIMIT = 300
_AADSTS_PREFIX = re.compile(r"^AADSTS\d+:\s*")


def entra_error(
    result: Mapping[str, Any], *, scope: str, who: str, redactions: Iterable[str] = ()
) -> EntraTokenError:
    """Build the error for a failed ``acquire_token_for_client`` result.

    Args:
        result: MSAL's error dict.
        scope: The scope that was asked for.
        who: A secret-free description of the credential and tenant.
        redactions: Secret values to blank out of the message.
    """
    error = str(result.get("error") or "unknown_error")
    codes = tuple(int(code) for code in result.get("error_codes") or () if _is_int(code))
    correlation_id = str(result.get("correlation_id") or "")
    trace_id = str(result.get("trace_id") or "")
    code_text = f" AADSTS{codes[0]}" if codes else ""
    hint = (_HINTS_BY_CODE.get(codes[0]) if codes else None) or _HINTS_BY_ERROR.get(
        error, "see Entra's description"
    )
    parts = [f"Entra ID refused a token for {scope} ({who}): {error}{code_text}: {hint}."]
    description = _short_description(str(result.get("error_description") or ""))
    if description:
        parts.append(f"Entra said: {description}")
    ids = [f"correlation id {correlation_id}"] if correlation_id else []
    ids += [f"trace id {trace_id}"] if trace_id else []
    if ids:
        parts.append(f"({', '.join(ids)})")
    message = " ".join(parts)
    for secret in redactions:
        if secret:
            message = message.replace(secret, "***")
    return EntraTokenError(
        message,
        error=error,
        error_codes=codes,
        correlation_id=correlation_id,
        trace_id=trace_id,
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) or (isinstance(value, str) and value.isdigit())


def _short_description(description: str) -> str:
    """Return Entra's first lines without the AADSTS prefix and the trace trailer."""
    text = _AADSTS_PREFIX.sub("", description.strip())
    text = re.split(r"\s*(?:\r?\n|Trace ID:)", text, maxsplit=1)[0].strip()
    if len(text) > _DESCRIPTION_LIMIT:
        text = text[: _DESCRIPTION_LIMIT - 3].rstrip() + "..."
    return text
