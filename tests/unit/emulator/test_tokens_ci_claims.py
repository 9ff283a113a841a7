"""CI OIDC tokens: subject formats, claims and the seeds the default credentials trust."""

from __future__ import annotations

import re

import pytest

from fabric_emulator._directory import Directory, default_directory
from fabric_emulator._entra_ci_tokens import (
    DEFAULT_GITHUB_REQUEST_TOKEN,
    DEFAULT_SYSTEM_ACCESS_TOKEN,
    GitHubJob,
    OidcRegistry,
    ServiceConnection,
)
from fabric_emulator._entra_federation import (
    FEDERATED_AUDIENCE,
    GITHUB_ISSUER,
    AdoIssuerStyle,
    ado_entra_subject,
    github_subject,
)

TENANT_ID = "00000000-0000-0000-0000-000000000001"
NOW_S = 1_800_000_000.5


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"ref": "refs/heads/main"}, "repo:contoso/app:ref:refs/heads/main"),
        ({"ref": "refs/tags/v1"}, "repo:contoso/app:ref:refs/tags/v1"),
        ({"ref": "refs/heads/main", "environment": "prod"}, "repo:contoso/app:environment:prod"),
        (
            {"ref": "refs/pull/7/merge", "event_name": "pull_request"},
            "repo:contoso/app:pull_request",
        ),
        (
            {"ref": "refs/pull/7/merge", "event_name": "pull_request", "environment": "qa"},
            "repo:contoso/app:environment:qa",
        ),
        (
            {"ref": "refs/heads/main", "owner_id": "11", "repository_id": "22"},
            "repo:contoso@11/app@22:ref:refs/heads/main",
        ),
    ],
)
def test_github_subject_forms(kwargs: dict[str, str], expected: str) -> None:
    assert github_subject("contoso/app", **kwargs) == expected


def test_azure_devops_entra_subject_encodes_guids_in_dotnet_order() -> None:
    subject = ado_entra_subject(tenant_id=TENANT_ID, organization_id="org", connection_id="sc")

    # 499b84ac-1321-427f-aa17-267ca6975798 (Azure DevOps) in .NET byte order, base64url.
    assert subject == "/eid1/c/pub/t/AAAAAAAAAAAAAAAAAAAAAQ/a/rISbSSETf0KqFyZ8ppdXmA/sc/org/sc"


def test_github_job_claims_look_like_githubs() -> None:
    job = GitHubJob.from_json({"environment": "prod", "run_id": 99})
    claims = job.claims(now_epoch_s=NOW_S, audience=FEDERATED_AUDIENCE)

    assert claims["iss"] == GITHUB_ISSUER
    assert claims["sub"] == "repo:contoso/sales-analytics:environment:prod"
    assert claims["environment"] == "prod"
    assert claims["run_id"] == "99"
    assert claims["repository_owner"] == "contoso"
    assert claims["job_workflow_ref"] == (
        "contoso/sales-analytics/.github/workflows/deploy.yml@refs/heads/main"
    )
    assert claims["exp"] - claims["iat"] == 300
    assert claims["nbf"] < claims["iat"] == int(NOW_S)
    assert re.fullmatch(r"[0-9a-f-]{36}", claims["jti"])


def test_github_job_without_environment_has_no_environment_claim() -> None:
    claims = GitHubJob().claims(now_epoch_s=NOW_S, audience="x")

    assert "environment" not in claims
    assert claims["ref_type"] == "branch"


def test_github_subject_override_wins() -> None:
    assert GitHubJob(subject="custom:sub", environment="prod").sub == "custom:sub"


@pytest.mark.parametrize(
    "body",
    [
        {"repository": "no-slash"},
        {"repository": "a/b/c"},
        {"unknown": "x"},
        {"ref": ["refs/heads/main"]},
        {"immutable_subject": "yes"},
    ],
)
def test_github_job_rejects_bad_bodies(body: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        GitHubJob.from_json(body)


def test_service_connection_issuers_and_subjects() -> None:
    entra = ServiceConnection.from_json({"name": "deploy"})
    legacy = ServiceConnection.from_json({"name": "deploy", "issuer": "legacy"})

    assert entra.issuer is AdoIssuerStyle.ENTRA
    assert entra.token_issuer(TENANT_ID) == f"https://login.microsoftonline.com/{TENANT_ID}/v2.0"
    assert entra.token_subject(TENANT_ID).endswith(f"/sc/{entra.organization_id}/{entra.id}")
    assert legacy.token_issuer(TENANT_ID) == (
        f"https://vstoken.dev.azure.com/{legacy.organization_id}"
    )
    assert legacy.token_subject(TENANT_ID) == "sc://contoso/sales-analytics/deploy"


def test_service_connection_claims() -> None:
    entra = ServiceConnection(name="deploy").claims(now_epoch_s=NOW_S, tenant_id=TENANT_ID)
    legacy = ServiceConnection(name="deploy", issuer=AdoIssuerStyle.LEGACY).claims(
        now_epoch_s=NOW_S, tenant_id=TENANT_ID
    )

    assert entra["aud"] == legacy["aud"] == FEDERATED_AUDIENCE
    assert entra["tid"] == TENANT_ID
    assert "tid" not in legacy
    assert entra["exp"] - entra["iat"] == 300


def test_given_service_connection_id_is_kept_lowercase() -> None:
    given = "6F2D8F0E-0000-4000-8000-00000000ABCD"

    assert ServiceConnection.from_json({"name": "x", "service_connection_id": given}).id == (
        given.lower()
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": "x", "issuer": "github"},
        {"name": "x", "service_connection_id": "not-a-guid"},
        {"name": "x", "colour": "blue"},
    ],
)
def test_service_connection_rejects_bad_bodies(body: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ServiceConnection.from_json(body)


def test_seeded_registry_matches_the_default_federated_credentials() -> None:
    directory = default_directory("emulator")
    trusted = {
        (cred.issuer, cred.subject)
        for app in directory.apps.values()
        for cred in app.federated_credentials
    }
    registry = OidcRegistry.seeded()
    job = registry.github_jobs[DEFAULT_GITHUB_REQUEST_TOKEN]
    presented = {(GITHUB_ISSUER, job.sub)} | {
        (conn.token_issuer(directory.tenant_id), conn.token_subject(directory.tenant_id))
        for conn in registry.ado_connections.values()
    }

    assert presented <= trusted
    assert {conn.issuer for conn in registry.ado_connections.values()} == set(AdoIssuerStyle)
    assert registry.ado_access_tokens == {DEFAULT_SYSTEM_ACCESS_TOKEN}


def test_registry_finds_connections_case_insensitively() -> None:
    registry = OidcRegistry.seeded()
    connection = next(iter(registry.ado_connections.values()))

    assert registry.connection(connection.id.upper()) is connection


def test_directory_round_trip_keeps_certificates_and_reads_old_snapshots() -> None:
    directory = default_directory("emulator")
    directory.apps["fabric-action-dev"].certificates.append("-----BEGIN PUBLIC KEY-----...")
    snapshot = directory.to_json()
    old_snapshot = directory.to_json()
    del old_snapshot["apps"]["fabric-action-dev"]["certificates"]

    assert Directory.from_json(snapshot) == directory
    assert Directory.from_json(old_snapshot).apps["fabric-action-dev"].certificates == []
