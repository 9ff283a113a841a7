"""Turn a validated, resolved effective environment into the typed configuration."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import ConfigFileError, ConfigProblem
from ..tiers import Tier
from ._document import JsonPath, format_path
from ._layers import Sources, source_at
from ._model import (
    ApiSettings,
    AuthSettings,
    EffectiveConfig,
    Environment,
    GitProvider,
    GitSpec,
    ItemsSpec,
    Principal,
    PrincipalLookup,
    PrincipalType,
    RoleSpec,
    SecretsSettings,
    TelemetrySettings,
    Workspace,
    WorkspaceRole,
)
from ._references import SecretProvider, SecretRef, resolve_secrets
from ._tiers import TIER_POLICIES, FeatureFlags

_GUID = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")


def principal_lookup(value: str, principal_type: PrincipalType, by: str | None) -> PrincipalLookup:
    """Return what *value* names: as *by* states, else inferred from its form.

    A GUID is an object id, a user's ``name@domain`` a user principal name, anything else
    a display name (an app id must be stated with ``by: app_id``: it is a GUID too).
    """
    if by is not None:
        return PrincipalLookup(by)
    if _GUID.fullmatch(value):
        return PrincipalLookup.OBJECT_ID
    if principal_type is PrincipalType.USER and "@" in value:
        return PrincipalLookup.USER_PRINCIPAL_NAME
    return PrincipalLookup.DISPLAY_NAME


def _role(entry: Mapping[str, Any]) -> RoleSpec:
    principal_type = PrincipalType(entry["type"])
    value = str(entry["principal"])
    lookup = principal_lookup(value, principal_type, entry.get("by"))
    return RoleSpec(
        principal=Principal(value=value, type=principal_type, lookup=lookup),
        role=WorkspaceRole(entry["role"]),
    )


def _git(entry: Mapping[str, Any] | None, connection: str | SecretRef | None) -> GitSpec | None:
    if entry is None:
        return None
    return GitSpec(
        provider=GitProvider(entry["provider"]),
        repository=entry["repository"],
        branch=entry["branch"],
        directory=entry["directory"],
        owner=entry.get("owner"),
        custom_domain=entry.get("custom_domain"),
        organization=entry.get("organization"),
        project=entry.get("project"),
        connection=connection,
    )


def build_config(
    *,
    effective: Mapping[str, Any],
    sources: Sources,
    secrets: Mapping[JsonPath, SecretRef],
    paths: Mapping[JsonPath, Path],
    environment_name: str,
    config_file: Path,
    repository_root: Path,
    warnings: list[ConfigProblem],
) -> EffectiveConfig:
    """Return the typed configuration of a valid effective environment."""
    leaves: dict[JsonPath, object] = dict(_leaves(effective, ()))
    first: list[JsonPath] = [("project",), ("tier",)]
    values = {**{path: leaves.pop(path) for path in first}, **leaves, **secrets}

    def secret(*path: str | int) -> SecretRef | None:
        return secrets.get(path)

    workspaces = []
    for key, entry in effective["workspaces"].items():
        at: JsonPath = ("workspaces", key)
        items = entry["items"]
        connection = secret(*at, "git", "connection") or (entry.get("git") or {}).get("connection")
        workspaces.append(
            Workspace(
                key=key,
                name=entry["name"],
                description=entry["description"],
                capacity_id=entry.get("capacity"),
                items=ItemsSpec(
                    source_dir=paths[(*at, "items", "source")],
                    parameters_file=paths.get((*at, "items", "parameters")),
                    delete_orphans=items["delete_orphans"],
                ),
                roles=tuple(_role(role) for role in entry["roles"]),
                git=_git(entry.get("git"), connection),
            )
        )
    tier = Tier(effective["tier"])
    auth, stores, telemetry = effective["auth"], effective["secrets"], effective["telemetry"]
    return EffectiveConfig(
        config_file=config_file.absolute(),
        repository_root=repository_root.resolve(),
        project=effective["project"],
        environment=Environment(
            name=environment_name,
            tier=tier,
            policy=TIER_POLICIES[tier],
            workspaces=tuple(workspaces),
        ),
        auth=AuthSettings(
            tenant_id=auth["tenant_id"],
            client_id=auth["client_id"],
            client_secret=secret("auth", "client_secret"),
            certificate=secret("auth", "certificate"),
            certificate_password=secret("auth", "certificate_password"),
        ),
        secrets=SecretsSettings(
            key_vault_url=stores.get("key_vault_url"), cache_ttl_s=stores["cache_ttl_s"]
        ),
        # int(): JSON Schema's "integer" also admits 30.0, which YAML and JSON can spell.
        api=ApiSettings(calls_per_minute=int(effective["api"]["calls_per_minute"])),
        telemetry=TelemetrySettings(
            connection_string=secret("telemetry", "connection_string"),
            file=paths.get(("telemetry", "file")),
            waiver=telemetry.get("waiver"),
        ),
        flags=FeatureFlags(**effective["features"]),
        values={format_path(path): value for path, value in values.items()},
        sources={format_path(path): source_at(sources, path) for path in values},
        warnings=tuple(warnings),
    )


def _leaves(value: Any, path: JsonPath) -> Iterator[tuple[JsonPath, Any]]:
    """Yield ``(path, value)`` for every scalar (and empty container) under *value*."""
    if isinstance(value, Mapping) and value:
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    else:
        yield path, value


def resolve_config_secrets(
    config: EffectiveConfig,
    provider: SecretProvider,
    *,
    only: Collection[str] | None = None,
) -> EffectiveConfig:
    """Return *config* with every ``${secret:NAME}`` read through *provider*.

    For a provider built from the config itself (the SecretManager needs the tier,
    USE_KEY_VAULT, the vault URL and the cache TTL): load offline, build it, resolve.

    Args:
        config: A configuration loaded without a secret provider (or partly resolved).
        provider: Reads the secrets.
        only: Resolve just these names (default: all); the others are left as they are,
            which is how ``validate`` keeps the secrets it may not read offline.

    Raises:
        ConfigFileError: A secret could not be read, or its value cannot serve its field
            (empty, not PEM...); each problem says where it is used, never the value.
    """
    names = {
        key: value.name
        for key, value in config.values.items()
        if isinstance(value, SecretRef) and not value.resolved
    }
    refs, problems = resolve_secrets(
        names,
        config.sources.__getitem__,
        provider,
        field_of=lambda key: key.rsplit(".", 1)[-1],
        only=only,
    )
    if problems:
        raise ConfigFileError(problems)
    resolved = {ref.name: ref for ref in refs.values()}

    def swap(ref: SecretRef | None) -> SecretRef | None:
        return None if ref is None else resolved.get(ref.name, ref)

    workspaces = tuple(
        replace(ws, git=replace(ws.git, connection=swap(ws.git.connection)))
        if ws.git is not None and isinstance(ws.git.connection, SecretRef)
        else ws
        for ws in config.environment.workspaces
    )
    return replace(
        config,
        auth=replace(
            config.auth,
            client_secret=swap(config.auth.client_secret),
            certificate=swap(config.auth.certificate),
            certificate_password=swap(config.auth.certificate_password),
        ),
        telemetry=replace(
            config.telemetry, connection_string=swap(config.telemetry.connection_string)
        ),
        environment=replace(config.environment, workspaces=workspaces),
        values={**config.values, **refs},
    )
