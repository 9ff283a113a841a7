"""Who the emulator's OIDC issuers say a workload is: issuers, subjects and seeded names.

Entra trusts a federated assertion when its issuer, subject and audience equal one of the
app's federated identity credentials, so the subject formats here must be exactly the
ones GitHub and Azure DevOps produce (and the seeded credentials in ``_directory`` are
built from the same functions, so the defaults always match):

- GitHub: ``repo:OWNER/REPO:ref:REF``, ``...:environment:ENV`` or ``...:pull_request``;
  repositories created after GitHub's 2026 "immutable subject" change send
  ``repo:OWNER@OWNER_ID/REPO@REPO_ID:...`` instead.
- Azure DevOps, Entra issuer (the default since late 2025):
  ``https://login.microsoftonline.com/{tenant}/v2.0`` and
  ``/eid1/c/pub/t/{tenant}/a/{Azure DevOps app}/sc/{organization id}/{connection id}``,
  the two GUIDs base64url-encoded in .NET byte order.
- Azure DevOps, legacy issuer (retiring 2027): ``https://vstoken.dev.azure.com/{org id}``
  and ``sc://{organization}/{project}/{connection name}``.
"""

from __future__ import annotations

import base64
import uuid
from enum import StrEnum

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
FEDERATED_AUDIENCE = "api://AzureADTokenExchange"
AZURE_DEVOPS_APP_ID = "499b84ac-1321-427f-aa17-267ca6975798"
"""The application id of Azure DevOps itself (the ``a/`` part of Entra-issued subjects)."""

_NAMESPACE = uuid.UUID("0d1c5e1a-6b8f-4c57-9a0e-fede7a7ed1d5")

DEFAULT_GITHUB_REPOSITORY = "contoso/sales-analytics"
DEFAULT_GITHUB_REF = "refs/heads/main"
DEFAULT_ADO_ORGANIZATION = "contoso"
DEFAULT_ADO_PROJECT = "sales-analytics"
DEFAULT_ADO_CONNECTION = "fabric-prod"
"""The seeded service connection that uses the Entra issuer."""
DEFAULT_ADO_LEGACY_CONNECTION = "fabric-prod-legacy"
"""The seeded service connection that still uses the legacy ``vstoken`` issuer."""


class AdoIssuerStyle(StrEnum):
    """Which issuer an Azure DevOps service connection's tokens carry."""

    ENTRA = "entra"
    LEGACY = "legacy"


def ado_organization_id(organization: str) -> str:
    """Return the seeded GUID of an Azure DevOps organization (stable across runs)."""
    return str(uuid.uuid5(_NAMESPACE, f"organization/{organization.lower()}"))


def ado_project_id(organization: str, project: str) -> str:
    """Return the seeded GUID of an Azure DevOps project (``System.TeamProjectId``)."""
    return str(uuid.uuid5(_NAMESPACE, f"project/{organization.lower()}/{project.lower()}"))


def ado_connection_id(organization: str, project: str, name: str) -> str:
    """Return the seeded GUID of a service connection (its ``resourceId``)."""
    key = f"connection/{organization.lower()}/{project.lower()}/{name.lower()}"
    return str(uuid.uuid5(_NAMESPACE, key))


def _b64url_guid(value: str) -> str:
    """Encode a GUID the way Entra subjects do: .NET byte order, base64url, no padding."""
    raw = uuid.UUID(value).bytes_le
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def github_subject(
    repository: str,
    *,
    ref: str,
    environment: str | None = None,
    event_name: str = "push",
    owner_id: str | None = None,
    repository_id: str | None = None,
) -> str:
    """Return GitHub's default ``sub`` claim for a job.

    Args:
        repository: ``OWNER/REPO``.
        ref: The git ref the job runs on (``refs/heads/main``).
        environment: The job's deployment environment; it takes precedence over the ref.
        event_name: A ``pull_request`` event (without environment) gives ``:pull_request``.
        owner_id: With ``repository_id``, build the immutable ``OWNER@ID/REPO@ID`` form.
        repository_id: See ``owner_id``.
    """
    owner, _, name = repository.partition("/")
    prefix = (
        f"repo:{owner}@{owner_id}/{name}@{repository_id}"
        if owner_id and repository_id
        else f"repo:{repository}"
    )
    if environment:
        return f"{prefix}:environment:{environment}"
    if event_name == "pull_request":
        return f"{prefix}:pull_request"
    return f"{prefix}:ref:{ref}"


def ado_entra_issuer(tenant_id: str) -> str:
    """Return the Entra issuer of Azure DevOps tokens for service connections in a tenant."""
    return f"https://login.microsoftonline.com/{tenant_id}/v2.0"


def ado_entra_subject(*, tenant_id: str, organization_id: str, connection_id: str) -> str:
    """Return the ``/eid1/...`` subject Entra-issued Azure DevOps tokens carry."""
    return (
        f"/eid1/c/pub/t/{_b64url_guid(tenant_id)}/a/{_b64url_guid(AZURE_DEVOPS_APP_ID)}"
        f"/sc/{organization_id}/{connection_id}"
    )


def ado_legacy_issuer(organization_id: str) -> str:
    """Return the legacy Azure DevOps issuer of one organization."""
    return f"https://vstoken.dev.azure.com/{organization_id}"


def ado_legacy_subject(*, organization: str, project: str, connection_name: str) -> str:
    """Return the ``sc://`` subject of legacy-issuer Azure DevOps tokens."""
    return f"sc://{organization}/{project}/{connection_name}"
