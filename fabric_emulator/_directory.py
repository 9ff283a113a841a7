"""The emulated Entra directory: tenant, app registrations, users and groups."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

_NAMESPACE = uuid.UUID("5f0c7a3e-7d51-4a55-9b1e-6a1f0fabc0de")

DEFAULT_CLIENT_ID = "fabric-action-dev"
DEFAULT_CLIENT_SECRET = "emulator-secret"  # noqa: S105 - a published test credential
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
AZURE_DEVOPS_ENTRA_ISSUER_PREFIX = "https://login.microsoftonline.com/"
AZURE_DEVOPS_LEGACY_ISSUER_PREFIX = "https://vstoken.dev.azure.com/"
FEDERATED_AUDIENCE = "api://AzureADTokenExchange"


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
    federated_credentials: list[FederatedCredential] = field(default_factory=list)
    can_create_workspaces: bool = True
    graph_permissions: list[str] = field(default_factory=lambda: ["Directory.Read.All"])


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
    """A security group with direct members (object ids)."""

    id: str
    display_name: str
    members: list[str] = field(default_factory=list)
    security_enabled: bool = True


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


def default_directory(tenant: str) -> Directory:
    """Build the directory a newcomer gets with no seed file (documented in the README)."""
    directory = Directory(tenant=tenant, tenant_id=stable_id("tenant", tenant))
    app = AppRegistration(
        client_id=DEFAULT_CLIENT_ID,
        display_name="fabric-action (emulator)",
        object_id=stable_id("sp", DEFAULT_CLIENT_ID),
        secrets=[DEFAULT_CLIENT_SECRET],
        federated_credentials=[
            FederatedCredential(
                name="github-main",
                issuer=GITHUB_ISSUER,
                subject="repo:contoso/sales-analytics:ref:refs/heads/main",
            ),
            FederatedCredential(
                name="github-prod-environment",
                issuer=GITHUB_ISSUER,
                subject="repo:contoso/sales-analytics:environment:prod",
            ),
            FederatedCredential(
                name="azure-devops-entra",
                issuer=f"{AZURE_DEVOPS_ENTRA_ISSUER_PREFIX}{directory.tenant_id}/v2.0",
                subject="/eid1/c/pub/t/emulator/a/contoso/sc/sales-analytics/fabric-prod",
            ),
            FederatedCredential(
                name="azure-devops-legacy",
                issuer=f"{AZURE_DEVOPS_LEGACY_ISSUER_PREFIX}{stable_id('ado-org', 'contoso')}",
                subject="sc://contoso/sales-analytics/fabric-prod",
            ),
        ],
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
