"""The rules of a tier, and the checks no schema can express, on an effective environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigProblem
from ..tiers import Tier
from ._document import JsonPath
from ._layers import Source, Sources, source_at
from ._tiers import TIER_POLICIES


@dataclass
class Findings:
    """Problems (the config is invalid) and warnings (it works, but should change)."""

    problems: list[ConfigProblem]
    warnings: list[ConfigProblem]


def check_flags(
    effective: Mapping[str, Any], sources: Sources, name: str, tier: Tier
) -> list[ConfigProblem]:
    """Return a problem for each flag the tier requires that is turned off."""
    problems = []
    features = effective["features"]
    for flag in sorted(TIER_POLICIES[tier].required_flags):
        if features.get(flag.key) is False:
            source = sources[("features", flag.key)]
            problems.append(
                source.problem(
                    "flag.required-in-prod",
                    f"{flag.value} is turned off here ({source.layer}), but environment "
                    f"{name!r} has tier {tier}, which requires it on; remove this setting "
                    "or set it to true",
                )
            )
    return problems


def check_tier_rules(
    effective: Mapping[str, Any],
    sources: Sources,
    name: str,
    tier: Tier,
    environment_source: Source,
    *,
    uses_secrets: bool,
) -> Findings:
    """Check Key Vault and telemetry against the tier, and the credential choice."""
    findings = Findings(problems=[], warnings=[])
    policy = TIER_POLICIES[tier]
    features, secrets = effective["features"], effective["secrets"]
    vault = features["use_key_vault"] and secrets.get("key_vault_url")
    if policy.key_vault_required and features["use_key_vault"] and not vault:
        findings.problems.append(
            environment_source.problem(
                "secrets.key-vault-required",
                f"environment {name!r} has tier prod, which reads secrets from Key Vault: "
                "set secrets.key_vault_url (top level or in this environment)",
            )
        )
    elif tier in (Tier.DEV, Tier.TEST) and uses_secrets and not vault:
        why = (
            f"USE_KEY_VAULT is off ({sources[('features', 'use_key_vault')].location})"
            if not features["use_key_vault"]
            else "secrets.key_vault_url is not set"
        )
        findings.warnings.append(
            environment_source.problem(
                "secrets.dotenv-only",
                f"the secrets of environment {name!r} come from .env only because {why}; "
                ".env-only secrets outside the local tier are deprecated: set "
                "secrets.key_vault_url and keep USE_KEY_VAULT on",
            )
        )
    _check_telemetry(effective, name, tier, environment_source, findings)
    auth = effective["auth"]
    if auth.get("client_secret") and auth.get("certificate"):
        findings.problems.append(
            sources[("auth", "certificate")].problem(
                "auth.conflict",
                "auth sets both client_secret and certificate; keep one (null clears an "
                "inherited value)",
            )
        )
    if auth.get("certificate_password") and not auth.get("certificate"):
        findings.problems.append(
            sources[("auth", "certificate_password")].problem(
                "auth.password-without-certificate",
                "auth sets certificate_password but not certificate: the password opens "
                "the certificate's PFX file or encrypted key; set auth.certificate too, or "
                "remove certificate_password (null clears an inherited value)",
            )
        )
    return findings


def _check_telemetry(
    effective: Mapping[str, Any], name: str, tier: Tier, where: Source, findings: Findings
) -> None:
    telemetry = effective["telemetry"]
    if not effective["features"]["enable_telemetry"] or telemetry.get("connection_string"):
        return
    if TIER_POLICIES[tier].app_insights_required:
        if not (telemetry.get("waiver") and telemetry.get("file")):
            findings.problems.append(
                where.problem(
                    "telemetry.required",
                    f"environment {name!r} has tier prod, which sends telemetry to "
                    "Application Insights: set telemetry.connection_string, or record a "
                    "waiver (telemetry.waiver with telemetry.file)",
                )
            )
    elif tier is not Tier.LOCAL and not telemetry.get("file"):
        findings.warnings.append(
            where.problem(
                "telemetry.no-destination",
                f"ENABLE_TELEMETRY is on for environment {name!r} but telemetry has no "
                "destination; set telemetry.connection_string or telemetry.file",
            )
        )


def check_workspaces(effective: Mapping[str, Any], sources: Sources) -> list[ConfigProblem]:
    """Return problems for workspace names used twice and principals given two roles."""
    problems = []
    names: dict[str, str] = {}
    for key, workspace in effective["workspaces"].items():
        name_path: JsonPath = ("workspaces", key, "name")
        folded = str(workspace["name"]).casefold()
        if folded in names:
            problems.append(
                sources[name_path].problem(
                    "workspace.duplicate-name",
                    f"the workspace name {workspace['name']!r} is also used by workspace "
                    f"{names[folded]!r}; Fabric names are unique (case-insensitively)",
                )
            )
        names.setdefault(folded, key)
        seen: set[str] = set()
        for index, role in enumerate(workspace["roles"]):
            principal = str(role["principal"]).casefold()
            if principal in seen:
                problems.append(
                    source_at(sources, ("workspaces", key, "roles", index)).problem(
                        "role.duplicate-principal",
                        f"{role['principal']!r} is given more than one role in workspace "
                        f"{key!r}; Fabric keeps one role per principal",
                    )
                )
            seen.add(principal)
    return problems
