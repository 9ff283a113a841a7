"""The emulated Entra directory: tenant, app registrations, users and groups."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from fabric_emulator._entra_federation import (
    DEFAULT_ADO_CONNECTION,
    DEFAULT_ADO_LEGACY_CONNECTION,
    DEFAULT_ADO_ORGANIZATION,
    DEFAULT_ADO_PROJECT,
    DEFAULT_GITHUB_REF,
    DEFAULT_GITHUB_REPOSITORY,
    FEDERATED_AUDIENCE,
    GITHUB_ISSUER,
    ado_connection_id,
    ado_entra_issuer,
    ado_entra_subject,
    ado_legacy_issuer,
    ado_legacy_subject,
    ado_organization_id,
    github_subject,
)

_NAMESPACE = uuid.UUID("5f0c7a3e-7d51-4a55-9b1e-6a1f0fabc0de")

DEFAULT_CLIENT_ID = "fabric-action-dev"
DEFAULT_CLIENT_SECRET = "emulator-secret"  # noqa: S105 - a published test credential


def stable_id(*names: str) -> str:
    """Return a UUID derived from names, so seeded ids are the same in every run and doc."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(names)))


@dataclass(kw_only=True)
class FederatedCredential:
    """An app's federated identity credential: the issuer/subject/audience it trusts."""

    name: str
    issuer: str
    subject: str
    audiences: list[str] = field(default_factory=lambda: [FEDERATED_AUDIENCE])


@dataclass(kw_only=True)
class AppRegistration:
    """An app registration and its service principal (one per tenant here)."""

    client_id: str
    display_name: str
    object_id: str
    secrets: list[str] = field(default_factory=list)
    certificates: list[str] = field(default_factory=list)
    """PEM public keys or certificates that verify certificate-style client assertions."""
    federated_credentials: list[FederatedCredential] = field(default_factory=list)
    can_create_workspaces: bool = True
    graph_permissions: list[str] = field(default_factory=lambda: ["Directory.Read.All"])
    """Graph application permissions granted to the app (e.g. ``User.Read.All``)."""
    service_principal_type: str = "Application"
    """Graph's ``servicePrincipalType``: ``Application`` or ``ManagedIdentity``."""


@dataclass(kw_only=True)
class User:
    """A directory user."""

    id: str
    user_principal_name: str
    display_name: str
    mail: str | None = None
    account_enabled: bool = True


@dataclass(kw_only=True)
class Group:
    """A group with direct members (object ids of users, groups or service principals)."""

    id: str
    display_name: str
    members: list[str] = field(default_factory=list)
    security_enabled: bool = True
    description: str | None = None
    mail: str | None = None
    mail_enabled: bool = False
    group_types: list[str] = field(default_factory=list)
    """Graph's ``groupTypes``: empty for a security group, ``["Unified"]`` for Microsoft 365."""


@dataclass(kw_only=True)
class Directory:
    """Everything the emulated Entra tenant knows."""

    tenant: str
    tenant_id: str
    apps: dict[str, AppRegistration] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)

    def app_by_client_id(self, client_id: str) -> AppRegistration | None:
        """Return the app registration with this client id."""
        return self.apps.get(client_id)

    def app_by_object_id(self, object_id: str) -> AppRegistration | None:
        """Return the app whose service principal has this object id."""
        return next((app for app in self.apps.values() if app.object_id == object_id), None)

    def user_by_id_or_upn(self, key: str) -> User | None:
        """Return a user by object id or (case-insensitive) user principal name."""
        if key in self.users:
            return self.users[key]
        lowered = key.lower()
        return next(
            (user for user in self.users.values() if user.user_principal_name.lower() == lowered),
            None,
        )

    def principal_type(self, object_id: str) -> str | None:
        """Return ``User``, ``Group`` or ``ServicePrincipal`` for a known object id."""
        if object_id in self.users:
            return "User"
        if object_id in self.groups:
            return "Group"
        if self.app_by_object_id(object_id) is not None:
            return "ServicePrincipal"
        return None

    def to_json(self) -> dict[str, Any]:
        """Serialise for the state snapshot and the state file."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Directory:
        """Rebuild from :meth:`to_json` output."""
        apps = {}
        for key, raw in data.get("apps", {}).items():
            creds = [FederatedCredential(**cred) for cred in raw.get("federated_credentials", [])]
            apps[key] = AppRegistration(**{**raw, "federated_credentials": creds})
        return cls(
            tenant=data["tenant"],
            tenant_id=data["tenant_id"],
            apps=apps,
            users={key: User(**raw) for key, raw in data.get("users", {}).items()},
            groups={key: Group(**raw) for key, raw in data.get("groups", {}).items()},
        )


def _default_federated_credentials(tenant_id: str) -> list[FederatedCredential]:
    """Trust the emulator's seeded GitHub repository and Azure DevOps service connections."""
    org, project = DEFAULT_ADO_ORGANIZATION, DEFAULT_ADO_PROJECT
    org_id = ado_organization_id(org)
    return [
        FederatedCredential(
            name="github-main",
            issuer=GITHUB_ISSUER,
            subject=github_subject(DEFAULT_GITHUB_REPOSITORY, ref=DEFAULT_GITHUB_REF),
        ),
        FederatedCredential(
            name="github-prod-environment",
            issuer=GITHUB_ISSUER,
            subject=github_subject(DEFAULT_GITHUB_REPOSITORY, ref="", environment="prod"),
        ),
        FederatedCredential(
            name="azure-devops-entra",
            issuer=ado_entra_issuer(tenant_id),
            subject=ado_entra_subject(
                tenant_id=tenant_id,
                organization_id=org_id,
                connection_id=ado_connection_id(org, project, DEFAULT_ADO_CONNECTION),
            ),
        ),
        FederatedCredential(
            name="azure-devops-legacy",
            issuer=ado_legacy_issuer(org_id),
            subject=ado_legacy_subject(
                organization=org, project=project, connection_name=DEFAULT_ADO_LEGACY_CONNECTION
            ),
        ),
    ]


def default_directory(tenant: str) -> Directory:
    """Build the directory a newcomer gets with no seed file (documented in the README)."""
    directory = Directory(tenant=tenant, tenant_id=stable_id("tenant", tenant))
    app = AppRegistration(
        client_id=DEFAULT_CLIENT_ID,
        display_name="fabric-action (emulator)",
        object_id=stable_id("sp", DEFAULT_CLIENT_ID),
        secrets=[DEFAULT_CLIENT_SECRET],
        federated_credentials=_default_federated_credentials(directory.tenant_id),
    )
    directory.apps[app.client_id] = app
    for alias, name in (
        ("alice", "Alice Admin"),
        ("bob", "Bob Builder"),
        ("carol", "Carol Viewer"),
    ):
        upn = f"{alias}@contoso.test"
        user = User(id=stable_id("user", upn), user_principal_name=upn, display_name=name, mail=upn)
        directory.users[user.id] = user
    alice, bob, carol = (stable_id("user", f"{a}@contoso.test") for a in ("alice", "bob", "carol"))
    for name, members in (
        ("Data Engineers", [alice, bob]),
        ("BI Developers", [carol]),
        ("Fabric Admins", [alice]),
    ):
        group = Group(id=stable_id("group", name), display_name=name, members=members)
        directory.groups[group.id] = group
    return directory
