"""The ID-token endpoints of GitHub Actions and Azure DevOps, and their control routes.

They let the secretless flow run end to end on one machine:

- GitHub: ``GET {ACTIONS_ID_TOKEN_REQUEST_URL}&audience=api://AzureADTokenExchange`` with
  ``Authorization: Bearer {ACTIONS_ID_TOKEN_REQUEST_TOKEN}`` answers
  ``{"count": N, "value": "<jwt>"}``. Here the request URL is
  ``{base}/_oidc/github/token?api-version=2.0``.
- Azure DevOps: ``POST {SYSTEM_OIDCREQUESTURI}?api-version=7.1&serviceConnectionId=ID``
  with ``Authorization: Bearer {System.AccessToken}`` answers ``{"oidcToken": "<jwt>"}``
  (what azure-identity's ``AzurePipelinesCredential`` sends). Here ``SYSTEM_OIDCREQUESTURI``
  is ``{base}/_oidc/azuredevops/{org}/{projectId}/_apis/distributedtask/hubs/build/
  plans/{planId}/jobs/{jobId}/oidctoken``.

The tokens carry the real issuers' ``iss`` but are signed with the emulator key, which
the emulated Entra trusts for federated assertions. Errors use the JSON shape of the
Azure DevOps services both endpoints are built on.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from fabric_emulator._app import Context, Emulator
from fabric_emulator._entra_ci_tokens import (
    DEFAULT_SYSTEM_ACCESS_TOKEN,
    REGISTRY_KEY,
    GitHubJob,
    OidcRegistry,
    ServiceConnection,
)
from fabric_emulator._http import FabricError, Request, Response
from fabric_emulator._router import Router, Surface

GITHUB_TOKEN_PATH = "/_oidc/github/token"  # noqa: S105 - a URL path
_ADO_HUB_PATH = "_apis/distributedtask/hubs/{hub}/plans/{plan_id}/jobs/{job_id}/oidctoken"
ADO_TOKEN_PATTERN = "/_oidc/azuredevops/{organization}/{project}/" + _ADO_HUB_PATH
_ADO_HUBS = frozenset({"build", "release"})


class _RefusedError(Exception):
    """An OIDC endpoint refuses: rendered in the Azure DevOps services' error shape."""

    def __init__(self, status: int, type_key: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.type_key = type_key
        self.message = message

    def to_response(self) -> Response:
        """Render like the distributed-task services (``$id``, ``typeKey``, ``message``)."""
        return Response.json(
            self.status,
            {
                "$id": "1",
                "innerException": None,
                "message": self.message,
                "typeName": f"Microsoft.TeamFoundation.DistributedTask.WebApi.{self.type_key}, "
                "Microsoft.TeamFoundation.DistributedTask.WebApi",
                "typeKey": self.type_key,
                "errorCode": 0,
                "eventId": 3000,
            },
        )


def oidc_registry(emulator: Emulator) -> OidcRegistry:
    """Return the emulator's OIDC registry, seeding it after a start or reset."""
    registry = emulator.extensions.get(REGISTRY_KEY)
    if not isinstance(registry, OidcRegistry):
        registry = OidcRegistry.seeded()
        emulator.extensions[REGISTRY_KEY] = registry
    return registry


def _bearer(request: Request) -> str | None:
    header = request.headers.get("Authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _unauthorized() -> _RefusedError:
    return _RefusedError(
        401,
        "UnauthorizedRequestException",
        "TF400813: The user '' is not authorized to access this resource.",
    )


# -- GitHub ---------------------------------------------------------------------------


def github_id_token(context: Context) -> Response:
    """Mint a GitHub Actions ID token for the job the request token belongs to."""
    try:
        token = _mint_github_token(context)
    except _RefusedError as refusal:
        return refusal.to_response()
    return Response.json(200, {"count": len(token), "value": token})


def _mint_github_token(context: Context) -> str:
    request_token = _bearer(context.request)
    job = oidc_registry(context.emulator).github_jobs.get(request_token or "")
    if job is None:
        raise _unauthorized()
    audience = context.request.query_value("audience") or f"https://github.com/{job.owner}"
    return context.emulator.keys.sign(job.claims(now_epoch_s=context.now, audience=audience))


# -- Azure DevOps ---------------------------------------------------------------------


def azure_devops_oidc_token(context: Context) -> Response:
    """Mint an Azure DevOps OIDC token for a service connection (``Oidctoken - Create``)."""
    try:
        token = _mint_ado_token(context)
    except _RefusedError as refusal:
        return refusal.to_response()
    return Response.json(200, {"oidcToken": token})


def _mint_ado_token(context: Context) -> str:
    request = context.request
    if _bearer(request) not in oidc_registry(context.emulator).ado_access_tokens:
        raise _unauthorized()
    if context.params["hub"].lower() not in _ADO_HUBS:
        raise _RefusedError(404, "HubNotFoundException", f"Hub {context.params['hub']} not found.")
    if not request.query_value("api-version"):
        raise _RefusedError(
            400,
            "VssVersionNotSpecifiedException",
            "No api-version was supplied for the POST request. An api-version is required.",
        )
    connection = _requested_connection(context)
    tenant_id = context.emulator.directory.tenant_id
    return context.emulator.keys.sign(
        connection.claims(now_epoch_s=context.now, tenant_id=tenant_id)
    )


def _requested_connection(context: Context) -> ServiceConnection:
    """Return the connection named by ``serviceConnectionId`` if it is in the URL's project."""
    connection_id = context.request.query_value("serviceConnectionId") or ""
    if not connection_id:
        raise _RefusedError(
            400,
            "InvalidRequestException",
            "serviceConnectionId is required: the emulator mints service-connection tokens only.",
        )
    connection = oidc_registry(context.emulator).connection(connection_id)
    organization, project = context.params["organization"], context.params["project"].lower()
    if (
        connection is None
        or connection.organization.lower() != organization.lower()
        or project not in (connection.project_id, connection.project.lower())
    ):
        raise _RefusedError(
            404,
            "ServiceEndpointNotFoundException",
            f"Service connection {connection_id} was not found in project "
            f"{context.params['project']}.",
        )
    return connection


# -- control API ----------------------------------------------------------------------


def _body_object(context: Context) -> dict[str, Any]:
    body = context.request.json()
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise FabricError(400, "InvalidRequest", "The body must be a JSON object")
    return body


def _github_job_view(context: Context, request_token: str, job: GitHubJob) -> dict[str, Any]:
    return {
        "request_token": request_token,
        "request_url": f"{context.base_url}{GITHUB_TOKEN_PATH}?api-version=2.0",
        "subject": job.sub,
        "repository": job.repository,
        "ref": job.ref,
        "environment": job.environment,
    }


def register_github_job(context: Context) -> Response:
    """Register a GitHub job; return its request token and request URL.

    The body takes :class:`GitHubJob` fields (``repository``, ``ref``, ``environment``,
    ``event_name``, ``subject``, ``immutable_subject``...) plus an optional
    ``request_token`` (default: a random one).
    """
    body = _body_object(context)
    request_token = str(body.pop("request_token", "") or secrets.token_urlsafe(24))
    try:
        job = GitHubJob.from_json(body)
    except (TypeError, ValueError) as exc:
        raise FabricError(400, "InvalidRequest", f"Invalid GitHub job: {exc}") from exc
    oidc_registry(context.emulator).github_jobs[request_token] = job
    return Response.json(201, _github_job_view(context, request_token, job))


def list_github_jobs(context: Context) -> Response:
    """List registered GitHub jobs with their request tokens and subjects."""
    jobs = oidc_registry(context.emulator).github_jobs
    return Response.json(
        200, {"value": [_github_job_view(context, token, job) for token, job in jobs.items()]}
    )


def _connection_view(context: Context, connection: ServiceConnection) -> dict[str, Any]:
    tenant_id = context.emulator.directory.tenant_id
    plan_id = uuid.uuid5(uuid.NAMESPACE_URL, f"plan/{connection.id}")
    job_id = uuid.uuid5(uuid.NAMESPACE_URL, f"job/{connection.id}")
    request_uri = (
        f"{context.base_url}/_oidc/azuredevops/{connection.organization}/"
        f"{connection.project_id}/_apis/distributedtask/hubs/build/plans/{plan_id}/"
        f"jobs/{job_id}/oidctoken"
    )
    return {
        **connection.describe(),
        "issuer": connection.token_issuer(tenant_id),
        "subject": connection.token_subject(tenant_id),
        "oidc_request_uri": request_uri,
        "system_access_token": DEFAULT_SYSTEM_ACCESS_TOKEN,
    }


def register_ado_connection(context: Context) -> Response:
    """Register an Azure DevOps service connection; return its id, issuer and request URI.

    The body takes ``name`` (required), ``organization``, ``project``, ``issuer``
    (``entra``, the default, or ``legacy``), ``service_connection_id`` and an optional
    extra ``system_access_token`` to accept.
    """
    body = _body_object(context)
    access_token = body.pop("system_access_token", None)
    if access_token is not None and (not isinstance(access_token, str) or not access_token):
        raise FabricError(400, "InvalidRequest", "system_access_token must be a string")
    try:
        connection = ServiceConnection.from_json(body)
    except (TypeError, ValueError) as exc:
        raise FabricError(400, "InvalidRequest", f"Invalid service connection: {exc}") from exc
    registry = oidc_registry(context.emulator)
    registry.add_connection(connection)
    view = _connection_view(context, connection)
    if access_token:
        registry.ado_access_tokens.add(access_token)
        view["system_access_token"] = access_token
    return Response.json(201, view)


def list_ado_connections(context: Context) -> Response:
    """List registered service connections with their issuers and subjects."""
    connections = oidc_registry(context.emulator).ado_connections.values()
    return Response.json(
        200, {"value": [_connection_view(context, connection) for connection in connections]}
    )


def register(router: Router) -> None:
    """Add the OIDC issuer routes and their control routes."""
    router.add("GET", GITHUB_TOKEN_PATH, github_id_token, surface=Surface.OIDC)
    router.add(
        "POST", ADO_TOKEN_PATTERN, azure_devops_oidc_token, surface=Surface.OIDC, mutating=False
    )
    control = Surface.CONTROL
    for path, register_handler, list_handler in (
        ("/_emulator/oidc/github", register_github_job, list_github_jobs),
        ("/_emulator/oidc/azuredevops", register_ado_connection, list_ado_connections),
    ):
        router.add("POST", path, register_handler, surface=control, mutating=False)
        router.add("GET", path, list_handler, surface=control)
