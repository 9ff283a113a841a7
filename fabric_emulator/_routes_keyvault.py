"""Key Vault secrets: the data plane azure-keyvault-secrets talks to, and its control routes.

The vault is served at the root of the main listener (``vault_url`` =
``https://127.0.0.1:PORT``): the SDK parses names and versions out of secret ids of the
form ``{vault}/secrets/{name}/{version}``, so the vault cannot sit under a path prefix.
``/secrets/...`` does not collide with Fabric's ``/v1`` or Entra's ``/{tenant}/...``.

Authentication is the handlers' job (the pipeline leaves ``Surface.KEY_VAULT`` alone): a
request without a valid vault token gets Key Vault's 401 challenge,
``WWW-Authenticate: Bearer authorization="{listener}/{tenant}", resource="https://vault.azure.net"``,
which the SDK's ``ChallengeAuthPolicy`` answers by asking its credential for a
``https://vault.azure.net/.default`` token for that tenant and resending. Errors use Key
Vault's body, ``{"error": {"code", "message", "innererror": {"code"}}}``. Injected faults
(fault rules on ``/secrets/**``) apply as on every non-control route.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from fabric_emulator._app import Context
from fabric_emulator._http import BadRequestBodyError, Response
from fabric_emulator._keyvault_store import (
    API_VERSIONS,
    SECRET_NAME,
    SecretVersion,
    VaultStore,
    vault_store,
)
from fabric_emulator._router import Handler, Router, Surface
from fabric_emulator._tokens import KEY_VAULT_AUDIENCE, TokenRejectedError, identity_from_claims

SERVICE_VERSION = "1.9.2963.1"
"""``x-ms-keyvault-service-version`` of the emulated vault (any plausible build number)."""
MAX_PAGE_SIZE = 25
"""Key Vault's largest ``maxresults`` (and its default page size)."""
_AUDIENCES = [KEY_VAULT_AUDIENCE, KEY_VAULT_AUDIENCE + "/"]
_NOT_FOUND_HELP = (
    "was not found in this key vault. If you recently deleted this secret you may be able to "
    "recover it using the correct recovery command. For help resolving this issue, please "
    "see https://go.microsoft.com/fwlink/?linkid=2125182"
)

VaultHandler = Callable[[Context, VaultStore], Response]


class KeyVaultError(Exception):
    """A Key Vault error answer: status, code, message, optional inner code."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        inner_code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.inner_code = inner_code
        self.headers = dict(headers or {})

    def to_response(self) -> Response:
        """Render ``{"error": {"code", "message", "innererror"}}`` as Key Vault does."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.inner_code is not None:
            error["innererror"] = {"code": self.inner_code}
        return Response.json(self.status, {"error": error}, headers=self.headers)


def challenge_header(context: Context) -> str:
    """Return the Bearer challenge naming this emulator's Entra tenant and the vault resource."""
    authority = f"{context.base_url}/{context.config.tenant}"
    return f'Bearer authorization="{authority}", resource="{KEY_VAULT_AUDIENCE}"'


def _unauthorized(context: Context, message: str) -> KeyVaultError:
    return KeyVaultError(
        401, "Unauthorized", message, headers={"WWW-Authenticate": challenge_header(context)}
    )


def _authenticate(context: Context) -> str:
    """Return the caller's app id, or raise the 401 challenge Key Vault answers with."""
    header = context.request.headers.get("Authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized(context, "AKV10000: Request is missing a Bearer or PoP token.")
    emulator = context.emulator
    try:
        claims = emulator.keys.decode(token.strip(), audience=_AUDIENCES, now_epoch_s=context.now)
    except TokenRejectedError as rejected:
        raise _unauthorized(context, f"{rejected.error_code}: {rejected.message}") from rejected
    identity = identity_from_claims(claims)
    if identity.tenant_id != emulator.directory.tenant_id:
        raise _unauthorized(context, "AKV10032: Invalid issuer: the token is for another tenant.")
    return identity.app_id


def _authorize(store: VaultStore, app_id: str) -> None:
    if store.allowed_client_ids is not None and app_id not in store.allowed_client_ids:
        raise KeyVaultError(
            403,
            "Forbidden",
            f"Caller is not authorized to perform action on resource. Caller: appid={app_id}",
            inner_code="ForbiddenByRbac",
        )


def _check_api_version(context: Context) -> None:
    version = context.request.query_value("api-version")
    if version is None:
        raise KeyVaultError(400, "BadParameter", "The 'api-version' query parameter is missing.")
    if version not in API_VERSIONS:
        raise KeyVaultError(
            400,
            "BadParameter",
            f"The specified version ({version}) is not recognized. Consider using the latest "
            f"supported version ({max(v for v in API_VERSIONS if '-' in v)}).",
        )


def _key_vault(handler: VaultHandler) -> Handler:
    """Wrap a data-plane handler: challenge, api-version, Key Vault error bodies, headers."""

    def run(context: Context) -> Response:
        try:
            app_id = _authenticate(context)
            _check_api_version(context)
            store = vault_store(context.emulator)
            _authorize(store, app_id)
            response = handler(context, store)
        except KeyVaultError as error:
            response = error.to_response()
        except BadRequestBodyError as error:
            response = KeyVaultError(400, "BadParameter", str(error)).to_response()
        response.headers["x-ms-request-id"] = context.request_id
        response.headers["x-ms-keyvault-service-version"] = SERVICE_VERSION
        response.headers["x-ms-keyvault-region"] = "emulator"
        return response

    run.__doc__ = handler.__doc__
    return run


def _valid_name(name: str) -> str:
    if not SECRET_NAME.fullmatch(name):
        raise KeyVaultError(
            400,
            "BadParameter",
            f"The request URI contains an invalid name: {name}. Secret names are 1-127 "
            "characters of letters, digits and '-'.",
        )
    return name


def _vault_url(context: Context) -> str:
    return context.base_url


def _body(context: Context) -> dict[str, Any]:
    body = context.request.json()
    if not isinstance(body, dict):
        raise KeyVaultError(400, "BadParameter", "The request body must be a JSON object.")
    return body


def _attributes(body: dict[str, Any]) -> dict[str, Any]:
    """Read ``attributes`` (enabled, nbf, exp) and the other settable fields of a body."""
    settings: dict[str, Any] = {}
    attributes = body.get("attributes")
    attributes = {} if attributes is None else attributes
    if not isinstance(attributes, dict):
        raise KeyVaultError(400, "BadParameter", "'attributes' must be an object.")
    if "enabled" in attributes:
        if not isinstance(attributes["enabled"], bool):
            raise KeyVaultError(400, "BadParameter", "'attributes.enabled' must be a boolean.")
        settings["enabled"] = attributes["enabled"]
    for wire, name in (("nbf", "not_before_s"), ("exp", "expires_s")):
        if attributes.get(wire) is not None:
            if not isinstance(attributes[wire], int):
                raise KeyVaultError(400, "BadParameter", f"'attributes.{wire}' must be epoch s.")
            settings[name] = attributes[wire]
    if "contentType" in body:
        if body["contentType"] is not None and not isinstance(body["contentType"], str):
            raise KeyVaultError(400, "BadParameter", "'contentType' must be a string.")
        settings["content_type"] = body["contentType"]
    if "tags" in body:
        tags = body["tags"]
        if tags is not None and (
            not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values())
        ):
            raise KeyVaultError(400, "BadParameter", "'tags' must map names to strings.")
        settings["tags"] = tags
    return settings


def _found(store: VaultStore, name: str, version: str | None) -> SecretVersion:
    found = store.find(name, version)
    if found is None:
        shown = f"{name}/{version}" if version else name
        raise KeyVaultError(
            404, "SecretNotFound", f"A secret with (name/id) {shown} {_NOT_FOUND_HELP}"
        )
    return found


@_key_vault
def set_secret(context: Context, store: VaultStore) -> Response:
    """Create a new version of a secret (``PUT /secrets/{name}``) and return its bundle."""
    name = _valid_name(context.params["name"])
    body = _body(context)
    value = body.get("value")
    if not isinstance(value, str):
        raise KeyVaultError(
            400, "BadParameter", "Property 'value' is required and must be a string."
        )
    created = store.set(name, value, now_s=context.now, **_attributes(body))
    return Response.json(200, created.bundle(_vault_url(context)))


@_key_vault
def get_secret(context: Context, store: VaultStore) -> Response:
    """Return a secret's latest or given version; disabled versions answer 403."""
    name = _valid_name(context.params["name"])
    found = _found(store, name, context.params.get("version"))
    if not found.enabled:
        raise KeyVaultError(
            403,
            "Forbidden",
            "Operation get is not allowed on a disabled secret.",
            inner_code="SecretDisabled",
        )
    return Response.json(200, found.bundle(_vault_url(context)))


@_key_vault
def update_secret(context: Context, store: VaultStore) -> Response:
    """Change a version's attributes, content type or tags (``PATCH``); no value returned."""
    name = _valid_name(context.params["name"])
    found = _found(store, name, context.params.get("version"))
    for field_name, value in _attributes(_body(context)).items():
        setattr(found, field_name, value)
    found.updated_s = int(context.now)
    return Response.json(200, found.bundle(_vault_url(context), with_value=False))


def _page(context: Context, path: str, items: list[dict[str, Any]]) -> Response:
    """Return one page of ``items`` with Key Vault's ``nextLink`` (``$skiptoken`` = offset)."""
    request = context.request
    size_text = request.query_value("maxresults") or str(MAX_PAGE_SIZE)
    skip_text = request.query_value("$skiptoken") or "0"
    if not size_text.isdigit() or not 1 <= int(size_text) <= MAX_PAGE_SIZE:
        raise KeyVaultError(
            400, "BadParameter", f"maxresults must be between 1 and {MAX_PAGE_SIZE}."
        )
    if not skip_text.isdigit():
        raise KeyVaultError(400, "BadParameter", "The $skiptoken is not valid.")
    size, skip = int(size_text), int(skip_text)
    next_link = None
    if skip + size < len(items):
        version = quote(request.query_value("api-version") or "")
        next_link = (
            f"{_vault_url(context)}{path}?api-version={version}"
            f"&$skiptoken={skip + size}&maxresults={size}"
        )
    return Response.json(200, {"value": items[skip : skip + size], "nextLink": next_link})


@_key_vault
def list_secrets(context: Context, store: VaultStore) -> Response:
    """List every secret's latest attributes (no values), ``maxresults`` per page."""
    vault_url = _vault_url(context)
    items = [found.item(vault_url, versioned=False) for found in store.latest_of_each()]
    return _page(context, "/secrets", items)


@_key_vault
def list_versions(context: Context, store: VaultStore) -> Response:
    """List the versions of one secret (no values); an unknown name gives an empty list."""
    name = _valid_name(context.params["name"])
    vault_url = _vault_url(context)
    items = [found.item(vault_url, versioned=True) for found in store.versions(name)]
    return _page(context, f"/secrets/{name}/versions", items)


# -- control -------------------------------------------------------------------------------


def _control_error(status: int, message: str) -> Response:
    return KeyVaultError(status, "BadParameter", message).to_response()


def seed_secret(context: Context) -> Response:
    """Add a version without a token: ``{"value", "enabled", "contentType", "tags"}``."""
    name = context.params["name"]
    if not SECRET_NAME.fullmatch(name):
        return _control_error(400, f"invalid secret name {name!r}: use 1-127 of [0-9a-zA-Z-]")
    body = context.request.json()
    if not isinstance(body, dict) or not isinstance(body.get("value"), str):
        return _control_error(400, 'the body must be {"value": "<string>", ...}')
    unknown = set(body) - {"value", "enabled", "contentType", "tags"}
    if unknown:
        return _control_error(400, f"unknown keys {sorted(unknown)}")
    try:
        settings = _attributes(
            {
                "attributes": {"enabled": body.get("enabled", True)},
                **{key: body[key] for key in ("contentType", "tags") if key in body},
            }
        )
    except KeyVaultError as error:
        return error.to_response()
    store = vault_store(context.emulator)
    created = store.set(name, body["value"], now_s=context.now, **settings)
    return Response.json(200, created.describe())


def describe_vault(context: Context) -> Response:
    """Describe the vault: names, versions and attributes, never values."""
    store = vault_store(context.emulator)
    return Response.json(200, {**store.describe(), "allowed_client_ids": store.allowed_client_ids})


def set_access(context: Context) -> Response:
    """Limit the data plane to ``{"allowed_client_ids": [...]}`` (``null``: every app)."""
    body = context.request.json()
    allowed = body.get("allowed_client_ids", ...) if isinstance(body, dict) else ...
    if allowed is not None and (
        not isinstance(allowed, list) or not all(isinstance(item, str) for item in allowed)
    ):
        return _control_error(400, 'the body must be {"allowed_client_ids": [str, ...] | null}')
    store = vault_store(context.emulator)
    store.allowed_client_ids = None if allowed is None else list(allowed)
    return Response.json(200, {"allowed_client_ids": store.allowed_client_ids})


def register(router: Router) -> None:
    """Add the Key Vault data-plane routes and their control routes."""
    vault = Surface.KEY_VAULT
    router.add("GET", "/secrets", list_secrets, surface=vault)
    router.add("PUT", "/secrets/{name}", set_secret, surface=vault)
    router.add("GET", "/secrets/{name}", get_secret, surface=vault)
    router.add("PATCH", "/secrets/{name}", update_secret, surface=vault)
    router.add("GET", "/secrets/{name}/versions", list_versions, surface=vault)
    router.add("GET", "/secrets/{name}/{version}", get_secret, surface=vault)
    router.add("PATCH", "/secrets/{name}/{version}", update_secret, surface=vault)
    control = Surface.CONTROL
    router.add("GET", "/_emulator/keyvault", describe_vault, surface=control)
    router.add("PUT", "/_emulator/keyvault/secrets/{name}", seed_secret, surface=control)
    router.add("PUT", "/_emulator/keyvault/access", set_access, surface=control, mutating=False)
