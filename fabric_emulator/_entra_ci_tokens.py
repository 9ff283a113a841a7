"""What the emulated CI OIDC issuers know and mint: GitHub jobs and Azure DevOps connections.

A GitHub job is registered under the request token a runner would hold in
``ACTIONS_ID_TOKEN_REQUEST_TOKEN``; an Azure DevOps service connection under its id, with
the ``System.AccessToken`` values allowed to ask for its tokens. The registry lives in
``Emulator.extensions`` (a reset restores the seeds) and is seeded so the default app's
federated credentials accept the default job and both default connections.

Token shapes follow the issuers' documentation and published samples; lifetimes are the
observed ones (about five minutes).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, fields
from typing import Any

from fabric_emulator._entra_federation import (
    AZURE_DEVOPS_APP_ID,
    DEFAULT_ADO_CONNECTION,
    DEFAULT_ADO_LEGACY_CONNECTION,
    DEFAULT_ADO_ORGANIZATION,
    DEFAULT_ADO_PROJECT,
    DEFAULT_GITHUB_REF,
    DEFAULT_GITHUB_REPOSITORY,
    FEDERATED_AUDIENCE,
    GITHUB_ISSUER,
    AdoIssuerStyle,
    ado_connection_id,
    ado_entra_issuer,
    ado_entra_subject,
    ado_legacy_issuer,
    ado_legacy_subject,
    ado_organization_id,
    ado_project_id,
    github_subject,
)

DEFAULT_GITHUB_REQUEST_TOKEN = "emulator-github-request-token"  # noqa: S105 - published
DEFAULT_SYSTEM_ACCESS_TOKEN = "emulator-system-access-token"  # noqa: S105 - published
GITHUB_TOKEN_LIFETIME_S = 300
GITHUB_NOT_BEFORE_BACKDATE_S = 600
"""GitHub's documented sample has ``nbf`` ten minutes before ``iat``."""
ADO_TOKEN_LIFETIME_S = 300
ADO_NOT_BEFORE_BACKDATE_S = 300
REGISTRY_KEY = "oidc"
"""Key of the :class:`OidcRegistry` in ``Emulator.extensions``."""


@dataclass(frozen=True, kw_only=True)
class GitHubJob:
    """The workflow job a GitHub request token belongs to, i.e. what its ID tokens claim.

    Every field is optional in the control API; ``subject`` overrides the computed
    ``sub`` (GitHub lets an organization customise it), and ``immutable_subject`` uses
    the ``OWNER@ID/REPO@ID`` form of repositories created after GitHub's 2026 change.
    """

    repository: str = DEFAULT_GITHUB_REPOSITORY
    ref: str = DEFAULT_GITHUB_REF
    sha: str = "4f1c2a9e0b7d3c6a5e8f9012ab34cd56ef789012"
    environment: str | None = None
    event_name: str = "push"
    workflow: str = "Deploy to Fabric"
    workflow_file: str = "deploy.yml"
    actor: str = "octocat"
    actor_id: str = "583231"
    repository_id: str = "812345678"
    repository_owner_id: str = "98765432"
    repository_visibility: str = "private"
    run_id: str = "11223344556"
    run_number: str = "42"
    run_attempt: str = "1"
    head_ref: str = ""
    base_ref: str = ""
    immutable_subject: bool = False
    subject: str | None = None

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> GitHubJob:
        """Build from the control API body; unknown keys and wrong types raise ValueError."""
        job = cls(**_coerce_fields(cls, body))
        owner, _, name = job.repository.partition("/")
        if not owner or not name or "/" in name:
            raise ValueError("repository must look like OWNER/REPO")
        return job

    @property
    def owner(self) -> str:
        """The repository owner (organization or user)."""
        return self.repository.partition("/")[0]

    @property
    def sub(self) -> str:
        """The ``sub`` claim this job's tokens carry."""
        if self.subject:
            return self.subject
        return github_subject(
            self.repository,
            ref=self.ref,
            environment=self.environment,
            event_name=self.event_name,
            owner_id=self.repository_owner_id if self.immutable_subject else None,
            repository_id=self.repository_id if self.immutable_subject else None,
        )

    def claims(self, *, now_epoch_s: float, audience: str) -> dict[str, Any]:
        """Return the claims of an ID token minted now for ``audience``."""
        now = int(now_epoch_s)
        workflow_ref = f"{self.repository}/.github/workflows/{self.workflow_file}@{self.ref}"
        claims: dict[str, Any] = {
            "jti": str(uuid.uuid4()),
            "sub": self.sub,
            "aud": audience,
            "ref": self.ref,
            "sha": self.sha,
            "repository": self.repository,
            "repository_owner": self.owner,
            "repository_owner_id": self.repository_owner_id,
            "repository_id": self.repository_id,
            "repository_visibility": self.repository_visibility,
            "run_id": self.run_id,
            "run_number": self.run_number,
            "run_attempt": self.run_attempt,
            "actor": self.actor,
            "actor_id": self.actor_id,
            "workflow": self.workflow,
            "workflow_ref": workflow_ref,
            "workflow_sha": self.sha,
            "head_ref": self.head_ref,
            "base_ref": self.base_ref,
            "event_name": self.event_name,
            "ref_type": "tag" if self.ref.startswith("refs/tags/") else "branch",
            "ref_protected": "false",
            "job_workflow_ref": workflow_ref,
            "job_workflow_sha": self.sha,
            "runner_environment": "github-hosted",
            "iss": GITHUB_ISSUER,
            "nbf": now - GITHUB_NOT_BEFORE_BACKDATE_S,
            "exp": now + GITHUB_TOKEN_LIFETIME_S,
            "iat": now,
        }
        if self.environment:
            claims["environment"] = self.environment
        return claims


@dataclass(frozen=True, kw_only=True)
class ServiceConnection:
    """An Azure DevOps service connection using workload identity federation."""

    name: str
    organization: str = DEFAULT_ADO_ORGANIZATION
    project: str = DEFAULT_ADO_PROJECT
    issuer: AdoIssuerStyle = AdoIssuerStyle.ENTRA
    service_connection_id: str = ""

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> ServiceConnection:
        """Build from the control API body; unknown keys and wrong values raise ValueError."""
        values = _coerce_fields(cls, body)
        if not values.get("name"):
            raise ValueError("name (the service connection name) is required")
        values["issuer"] = AdoIssuerStyle(values.get("issuer", AdoIssuerStyle.ENTRA))
        connection = cls(**values)
        if connection.service_connection_id:
            uuid.UUID(connection.service_connection_id)  # raises ValueError when not a GUID
        return connection

    @property
    def id(self) -> str:
        """The connection's GUID (given, or derived from organization/project/name)."""
        return self.service_connection_id.lower() or ado_connection_id(
            self.organization, self.project, self.name
        )

    @property
    def organization_id(self) -> str:
        """The organization's GUID."""
        return ado_organization_id(self.organization)

    @property
    def project_id(self) -> str:
        """The project's GUID (``System.TeamProjectId``)."""
        return ado_project_id(self.organization, self.project)

    def token_issuer(self, tenant_id: str) -> str:
        """Return the ``iss`` of this connection's tokens."""
        if self.issuer is AdoIssuerStyle.LEGACY:
            return ado_legacy_issuer(self.organization_id)
        return ado_entra_issuer(tenant_id)

    def token_subject(self, tenant_id: str) -> str:
        """Return the ``sub`` of this connection's tokens."""
        if self.issuer is AdoIssuerStyle.LEGACY:
            return ado_legacy_subject(
                organization=self.organization, project=self.project, connection_name=self.name
            )
        return ado_entra_subject(
            tenant_id=tenant_id, organization_id=self.organization_id, connection_id=self.id
        )

    def claims(self, *, now_epoch_s: float, tenant_id: str) -> dict[str, Any]:
        """Return the claims of an OIDC token minted now for this connection."""
        now = int(now_epoch_s)
        claims: dict[str, Any] = {
            "jti": str(uuid.uuid4()),
            "sub": self.token_subject(tenant_id),
            "aud": FEDERATED_AUDIENCE,
            "iss": self.token_issuer(tenant_id),
            "nbf": now - ADO_NOT_BEFORE_BACKDATE_S,
            "exp": now + ADO_TOKEN_LIFETIME_S,
            "iat": now,
        }
        if self.issuer is AdoIssuerStyle.ENTRA:
            claims.update({"tid": tenant_id, "azp": AZURE_DEVOPS_APP_ID, "ver": "2.0"})
        return claims

    def describe(self) -> dict[str, Any]:
        """Describe the connection for the control API."""
        return {
            "name": self.name,
            "service_connection_id": self.id,
            "organization": self.organization,
            "organization_id": self.organization_id,
            "project": self.project,
            "project_id": self.project_id,
            "issuer_style": str(self.issuer),
        }


@dataclass(kw_only=True)
class OidcRegistry:
    """Registered GitHub jobs and Azure DevOps connections, keyed by what callers present."""

    github_jobs: dict[str, GitHubJob] = field(default_factory=dict)
    ado_connections: dict[str, ServiceConnection] = field(default_factory=dict)
    ado_access_tokens: set[str] = field(default_factory=set)

    @classmethod
    def seeded(cls) -> OidcRegistry:
        """Return the defaults the default app's federated credentials trust."""
        registry = cls(ado_access_tokens={DEFAULT_SYSTEM_ACCESS_TOKEN})
        registry.github_jobs[DEFAULT_GITHUB_REQUEST_TOKEN] = GitHubJob()
        for name, issuer in (
            (DEFAULT_ADO_CONNECTION, AdoIssuerStyle.ENTRA),
            (DEFAULT_ADO_LEGACY_CONNECTION, AdoIssuerStyle.LEGACY),
        ):
            registry.add_connection(ServiceConnection(name=name, issuer=issuer))
        return registry

    def add_connection(self, connection: ServiceConnection) -> None:
        """Register (or replace) a service connection under its id."""
        self.ado_connections[connection.id] = connection

    def connection(self, connection_id: str) -> ServiceConnection | None:
        """Return the connection with this id (GUIDs compare case-insensitively)."""
        return self.ado_connections.get(connection_id.lower())


def _coerce_fields(cls: type[Any], body: dict[str, Any]) -> dict[str, Any]:
    """Check ``body`` against a dataclass: known keys; strings (ids may be numbers); bools."""
    known = {item.name: item for item in fields(cls)}
    unknown = sorted(set(body) - set(known))
    if unknown:
        raise ValueError(f"unknown keys {unknown}; known: {sorted(known)}")
    values: dict[str, Any] = {}
    for key, value in body.items():
        if isinstance(known[key].default, bool):
            if not isinstance(value, bool):
                raise ValueError(f"{key} must be a boolean")
            values[key] = value
        elif value is None and known[key].default is None:
            values[key] = None
        elif isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
            values[key] = str(value)
        else:
            raise ValueError(f"{key} must be a string")
    return values
