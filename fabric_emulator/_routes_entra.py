"""Entra ID: OpenID discovery, signing keys and the client-credentials token endpoint.

The routes answer for the tenant by name (``config.tenant``, e.g. ``emulator``) or by
id, and build every URL from the listener the request came to, so MSAL and
azure-identity pointed at ``https://127.0.0.1:PORT/emulator`` stay on the emulator.
Only ``grant_type=client_credentials`` is implemented: a deployment tool has no user.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import Any
from urllib.parse import unquote_plus

from fabric_emulator import _entra_errors as errors
from fabric_emulator._app import POWER_BI_AUDIENCE, Context
from fabric_emulator._directory import AppRegistration
from fabric_emulator._entra_assertions import AssertionCheck, verify_client_assertion
from fabric_emulator._entra_errors import CLIENT_ASSERTION_TYPE_JWT
from fabric_emulator._http import Request, Response
from fabric_emulator._router import Router, Surface
from fabric_emulator._tokens import (
    FABRIC_AUDIENCE,
    GRAPH_AUDIENCE,
    KEY_VAULT_AUDIENCE,
    mint_access_token,
)

ACCESS_TOKEN_ISSUER_BASE = "https://sts.windows.net"  # noqa: S105 - a URL, not a secret
"""Issuer of the v1 access tokens Fabric, Graph and Key Vault receive (``iss`` + tid)."""
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
KNOWN_RESOURCES = (
    FABRIC_AUDIENCE,
    POWER_BI_AUDIENCE,
    GRAPH_AUDIENCE,
    GRAPH_APP_ID,
    KEY_VAULT_AUDIENCE,
    "https://storage.azure.com",
    "https://monitor.azure.com",
    "https://management.azure.com",
)
"""Resources whose ``/.default`` scope the emulated tenant can issue tokens for."""
_CANONICAL_RESOURCES = {resource.lower(): resource for resource in KNOWN_RESOURCES}
_OPENID_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})
_DEFAULT_SUFFIX = "/.default"
_FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def resolve_tenant_id(context: Context, tenant: str, *, discovery: bool) -> str:
    """Return the tenant id when ``tenant`` names the emulated tenant, by name or by id.

    Raises:
        EntraError: AADSTS90002 (``invalid_tenant`` on discovery, ``invalid_request`` on
            the token endpoint), as Entra answers for an unknown tenant.
    """
    directory = context.emulator.directory
    names = {context.config.tenant.lower(), directory.tenant.lower(), directory.tenant_id}
    if tenant.lower() not in names:
        raise errors.tenant_not_found(tenant, discovery=discovery)
    return directory.tenant_id


def openid_configuration(context: Context) -> Response:
    """Serve the v2.0 OpenID Connect discovery document of the tenant."""
    tenant_id = resolve_tenant_id(context, context.params["tenant"], discovery=True)
    return Response.json(200, _discovery_document(context.base_url, tenant_id))


def _discovery_document(base_url: str, tenant_id: str) -> dict[str, Any]:
    """Build the document Entra serves, every endpoint on ``base_url``."""
    tenant_base = f"{base_url}/{tenant_id}"
    return {
        "token_endpoint": f"{tenant_base}/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": [
            "client_secret_post",
            "private_key_jwt",
            "client_secret_basic",
        ],
        "jwks_uri": f"{tenant_base}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": f"{tenant_base}/v2.0",
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": f"{base_url}/oidc/userinfo",
        "authorization_endpoint": f"{tenant_base}/oauth2/v2.0/authorize",
        "device_authorization_endpoint": f"{tenant_base}/oauth2/v2.0/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{tenant_base}/oauth2/v2.0/logout",
        "claims_supported": [
            "sub",
            "iss",
            "cloud_instance_name",
            "cloud_instance_host_name",
            "cloud_graph_host_name",
            "msgraph_host",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "acr",
            "nonce",
            "preferred_username",
            "name",
            "tid",
            "ver",
            "at_hash",
            "c_hash",
            "email",
        ],
        "kerberos_endpoint": f"{tenant_base}/kerberos",
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net",
    }


def signing_keys(context: Context) -> Response:
    """Serve the JSON Web Key Set that verifies every token the emulator signs."""
    resolve_tenant_id(context, context.params["tenant"], discovery=True)
    return Response.json(200, context.emulator.keys.jwks())


def issue_token(context: Context) -> Response:
    """Answer a client-credentials token request like Entra (secret, certificate or OIDC)."""
    tenant = context.params["tenant"]
    tenant_id = resolve_tenant_id(context, tenant, discovery=False)
    form = _token_form(context.request)
    grant_type = _required(form, "grant_type")
    if grant_type != "client_credentials":
        raise errors.unsupported_grant_type(grant_type)
    basic_id, basic_secret = _basic_credentials(context.request)
    client_id = form.get("client_id") or basic_id or ""
    if not client_id:
        raise errors.missing_parameter("client_id")
    scope = _required(form, "scope")
    app = context.emulator.directory.app_by_client_id(client_id)
    if app is None:
        raise errors.unknown_client(client_id, tenant_id)
    _authenticate_client(context, app, form, basic_secret, tenant=tenant)
    audience = resource_for_scope(scope, tenant_id)
    return _token_response(context, app, audience, tenant_id)


def _token_form(request: Request) -> dict[str, str]:
    """Decode the form body; any other content type reads as an empty form, as in Entra."""
    content_type = (request.headers.get("Content-Type") or "").lower()
    return request.form() if content_type.startswith(_FORM_CONTENT_TYPE) else {}


def _required(form: dict[str, str], name: str) -> str:
    value = form.get(name, "").strip()
    if not value:
        raise errors.missing_parameter(name)
    return value


def _basic_credentials(request: Request) -> tuple[str | None, str | None]:
    """Read ``client_secret_basic`` (RFC 6749 §2.3.1: both parts form-encoded)."""
    header = request.headers.get("Authorization") or ""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None, None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    client_id, separator, secret = decoded.partition(":")
    if not separator:
        return None, None
    return unquote_plus(client_id), unquote_plus(secret)


def _authenticate_client(
    context: Context,
    app: AppRegistration,
    form: dict[str, str],
    basic_secret: str | None,
    *,
    tenant: str,
) -> None:
    """Check the secret or the client assertion; the assertion wins when both are sent."""
    if form.get("client_assertion_type") or form.get("client_assertion"):
        _check_assertion(context, app, form, tenant=tenant)
        return
    secret = form.get("client_secret") or basic_secret
    if not secret:
        raise errors.no_client_credential()
    presented = secret.encode("utf-8")  # compare_digest refuses non-ASCII str
    if not any(hmac.compare_digest(presented, known.encode("utf-8")) for known in app.secrets):
        raise errors.invalid_client_secret(app.client_id)


def _check_assertion(
    context: Context, app: AppRegistration, form: dict[str, str], *, tenant: str
) -> None:
    if form.get("client_assertion_type") != CLIENT_ASSERTION_TYPE_JWT:
        raise errors.invalid_assertion_field("client_assertion_type")
    assertion = form.get("client_assertion", "")
    if not assertion:
        raise errors.invalid_assertion_field("client_assertion")
    check = AssertionCheck(
        app=app,
        keys=context.emulator.keys,
        token_endpoints=_token_endpoints(context, tenant),
        now_epoch_s=context.now,
    )
    verify_client_assertion(assertion, check)


def _token_endpoints(context: Context, tenant: str) -> frozenset[str]:
    """Return the audiences a certificate assertion may name: this STS's token endpoints."""
    names = {tenant, context.emulator.directory.tenant_id}
    return frozenset(
        f"{context.base_url}/{name}/{path}"
        for name in names
        for path in ("oauth2/v2.0/token", "oauth2/token")
    )


def resource_for_scope(scope: str, tenant_id: str) -> str:
    """Return the token audience for a client-credentials ``scope`` (``{resource}/.default``).

    OpenID scopes are ignored; exactly one resource must remain.

    Raises:
        EntraError: ``invalid_scope`` (AADSTS70011, AADSTS1002012) or ``invalid_resource``
            (AADSTS500011).
    """
    names = [name for name in scope.split() if name.lower() not in _OPENID_SCOPES]
    if len(names) != 1:
        raise errors.invalid_scope(scope)
    name = names[0]
    if not name.lower().endswith(_DEFAULT_SUFFIX):
        raise errors.scope_without_default_suffix(name)
    resource = name[: -len(_DEFAULT_SUFFIX)]
    canonical = _CANONICAL_RESOURCES.get(resource.lower().rstrip("/"))
    if canonical is None:
        raise errors.unknown_resource(resource, tenant_id)
    return canonical + ("/" if resource.endswith("/") else "")


def _token_response(
    context: Context, app: AppRegistration, audience: str, tenant_id: str
) -> Response:
    lifetime_s = context.config.token_lifetime_s
    access_token = mint_access_token(
        context.emulator.keys,
        issuer_base=ACCESS_TOKEN_ISSUER_BASE,
        tenant_id=tenant_id,
        audience=audience,
        object_id=app.object_id,
        app_id=app.client_id,
        now_epoch_s=context.now,
        lifetime_s=lifetime_s,
    )
    return Response.json(
        200,
        {
            "token_type": "Bearer",
            "expires_in": lifetime_s,
            "ext_expires_in": lifetime_s,
            "access_token": access_token,
        },
    )


def register(router: Router) -> None:
    """Add the Entra routes (no authentication, like the real endpoints)."""
    entra = Surface.ENTRA
    router.add(
        "GET",
        "/{tenant}/v2.0/.well-known/openid-configuration",
        openid_configuration,
        surface=entra,
    )
    router.add("GET", "/{tenant}/discovery/v2.0/keys", signing_keys, surface=entra)
    router.add("POST", "/{tenant}/oauth2/v2.0/token", issue_token, surface=entra, mutating=False)
