"""The typed, validated configuration of one environment: frozen, explicit, no globals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from ..errors import ConfigProblem
from ..tiers import Tier
from ._layers import Source
from ._references import SecretRef
from ._tiers import FeatureFlags, TierPolicy


class WorkspaceRole(StrEnum):
    """A Fabric workspace role."""

    ADMIN = "Admin"
    MEMBER = "Member"
    CONTRIBUTOR = "Contributor"
    VIEWER = "Viewer"


class PrincipalType(StrEnum):
    """The kind of Entra principal a role is given to."""

    USER = "User"
    GROUP = "Group"
    SERVICE_PRINCIPAL = "ServicePrincipal"
    SERVICE_PRINCIPAL_PROFILE = "ServicePrincipalProfile"


class PrincipalLookup(StrEnum):
    """How a principal is named in the config."""

    OBJECT_ID = "object_id"
    USER_PRINCIPAL_NAME = "user_principal_name"
    DISPLAY_NAME = "display_name"
    APP_ID = "app_id"


@dataclass(frozen=True, kw_only=True)
class Principal:
    """Who a role is given to.

    Attributes:
        value: The object id, user principal name, display name or app id, as written.
        type: User, Group, ServicePrincipal or ServicePrincipalProfile.
        lookup: What *value* is.
    """

    value: str
    type: PrincipalType
    lookup: PrincipalLookup

    @property
    def needs_lookup(self) -> bool:
        """Return whether Microsoft Graph must turn *value* into an object id."""
        return self.lookup is not PrincipalLookup.OBJECT_ID

    @property
    def object_id(self) -> str | None:
        """Return the object id when the config gives it, else None."""
        return None if self.needs_lookup else self.value


@dataclass(frozen=True, kw_only=True)
class RoleSpec:
    """One role assignment a workspace must have."""

    principal: Principal
    role: WorkspaceRole


class GitProvider(StrEnum):
    """A Git provider Fabric can connect a workspace to."""

    GITHUB = "GitHub"
    AZURE_DEVOPS = "AzureDevOps"


@dataclass(frozen=True, kw_only=True)
class GitSpec:
    """The Git connection of a workspace (Fabric ``gitProviderDetails`` + credentials).

    Attributes:
        provider: GitHub or AzureDevOps.
        repository: Repository name.
        branch: Branch name.
        directory: Folder in the repository, starting with ``/``.
        owner: GitHub owner (None for AzureDevOps).
        custom_domain: GitHub Enterprise ``*.ghe.com`` domain, if any.
        organization: Azure DevOps organisation (None for GitHub).
        project: Azure DevOps project (None for GitHub).
        connection: Fabric connection id with the Git credentials: text, or a
            :class:`SecretRef` when the config names it with ``${secret:NAME}``.
    """

    provider: GitProvider
    repository: str
    branch: str
    directory: str
    owner: str | None = None
    custom_domain: str | None = None
    organization: str | None = None
    project: str | None = None
    connection: str | SecretRef | None = None


@dataclass(frozen=True, kw_only=True)
class ItemsSpec:
    """Where a workspace's items come from.

    Attributes:
        source_dir: The items folder (absolute, inside the repository).
        parameters_file: The fabric-cicd parameter file, if any (absolute).
        delete_orphans: Delete workspace items that are not in *source_dir*.
    """

    source_dir: Path
    parameters_file: Path | None
    delete_orphans: bool


@dataclass(frozen=True, kw_only=True)
class Workspace:
    """One workspace of the environment.

    Attributes:
        key: Its key under ``workspaces:`` (for example ``engineering``).
        name: Display name in Fabric.
        description: Description in Fabric.
        capacity_id: Capacity to assign, or None to leave it as it is.
        items: Where its items come from.
        roles: Role assignments it must have.
        git: Its Git connection, or None.
    """

    key: str
    name: str
    description: str
    capacity_id: str | None
    items: ItemsSpec
    roles: tuple[RoleSpec, ...]
    git: GitSpec | None


class AuthMethod(StrEnum):
    """How the service principal proves itself to Entra."""

    CLIENT_SECRET = "client_secret"  # noqa: S105 (a method name, not a password)
    CERTIFICATE = "certificate"
    FEDERATED = "federated"


@dataclass(frozen=True, kw_only=True)
class AuthSettings:
    """The service principal that deploys.

    Attributes:
        tenant_id: Entra tenant (GUID or domain).
        client_id: Application (client) id.
        client_secret: Its client secret, when it uses one.
        certificate: Its key and certificate (PEM, or base64 PKCS#12), when it uses one.
        certificate_password: The password of *certificate* (its PFX file or encrypted
            PEM key), when it has one.
    """

    tenant_id: str
    client_id: str
    client_secret: SecretRef | None = None
    certificate: SecretRef | None = None
    certificate_password: SecretRef | None = None

    @property
    def method(self) -> AuthMethod:
        """Return the credential kind: secret, certificate, else the CI's federated token."""
        if self.client_secret is not None:
            return AuthMethod.CLIENT_SECRET
        if self.certificate is not None:
            return AuthMethod.CERTIFICATE
        return AuthMethod.FEDERATED


@dataclass(frozen=True, kw_only=True)
class SecretsSettings:
    """Where secrets come from.

    Attributes:
        key_vault_url: The vault, or None (secrets from ``.env`` only).
        cache_ttl_s: Seconds a vault secret is reused (0: no cache).
    """

    key_vault_url: str | None
    cache_ttl_s: int


@dataclass(frozen=True, kw_only=True)
class ApiSettings:
    """How the deploying identity calls the Fabric API.

    Attributes:
        calls_per_minute: Calls the client lets start in any minute (default 200,
            Fabric's documented per-identity quota); 0 turns the pacing off, leaving
            429 and Retry-After as the only brake.
    """

    calls_per_minute: int


@dataclass(frozen=True, kw_only=True)
class TelemetrySettings:
    """Where telemetry goes.

    Attributes:
        connection_string: Application Insights connection string, if any.
        file: JSON-lines telemetry file (absolute), if any.
        waiver: Why prod sends telemetry to *file* instead of App Insights, if it does.
    """

    connection_string: SecretRef | None
    file: Path | None
    waiver: str | None


@dataclass(frozen=True, kw_only=True)
class Environment:
    """The environment being deployed.

    Attributes:
        name: Its name under ``environments:``.
        tier: Its tier.
        policy: The rules of its tier.
        workspaces: Its workspaces, in file order.
    """

    name: str
    tier: Tier
    policy: TierPolicy
    workspaces: tuple[Workspace, ...]


@dataclass(frozen=True, kw_only=True)
class EffectiveConfig:
    """Everything one run needs from its configuration, validated and resolved.

    Attributes:
        config_file: The config file (absolute).
        repository_root: The folder every path must stay inside (absolute).
        project: The project name.
        environment: The environment being deployed and its workspaces.
        auth: The deploying identity.
        secrets: Where secrets come from.
        api: How the Fabric API is called (the identity's call quota).
        telemetry: Where telemetry goes.
        flags: The feature flags in effect.
        values: Every effective value by its path in the environment
            (``features.enable_retry``), secrets as :class:`SecretRef`.
        sources: Where each of *values* came from.
        warnings: Things that work but should change (deprecations).
    """

    config_file: Path
    repository_root: Path
    project: str
    environment: Environment
    auth: AuthSettings
    secrets: SecretsSettings
    api: ApiSettings
    telemetry: TelemetrySettings
    flags: FeatureFlags
    values: Mapping[str, object] = field(repr=False)
    sources: Mapping[str, Source] = field(repr=False)
    warnings: tuple[ConfigProblem, ...] = ()

    @property
    def secret_refs(self) -> tuple[SecretRef, ...]:
        """Return every secret reference in effect (to resolve or mask them up front)."""
        return tuple(value for value in self.values.values() if isinstance(value, SecretRef))
