"""Environments and tiers, paths, and the tier rules no schema can express."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from config_unit_support import (
    CLIENT,
    TENANT,
    Repository,
    codes,
    config_text,
    indent,
    place_of,
    workspace,
)

from fabric_action.config import Tier
from fabric_action.config._paths import find_repository_root, is_absolute

VAULT = "secrets: {key_vault_url: 'https://kv.vault.azure.net/'}\n"
INSIGHTS = "telemetry: {connection_string: '${secret:ai}'}\n"
SECRET_AUTH = (
    f"auth: {{tenant_id: {TENANT}, client_id: {CLIENT}, client_secret: '${{secret:sp}}'}}\n"
)


# --- environments and tiers ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "tier"),
    [
        ("local", Tier.LOCAL),
        ("dev", Tier.DEV),
        ("Development", Tier.DEV),
        ("test", Tier.TEST),
        ("testing", Tier.TEST),
        ("QA", Tier.TEST),
        ("prod", Tier.PROD),
        ("production", Tier.PROD),
    ],
)
def test_well_known_names_imply_their_tier(repo: Repository, name: str, tier: Tier) -> None:
    text = config_text(f"{name}:\n" + indent(workspace()), top=VAULT + INSIGHTS)

    config = repo.load(text, name)

    assert config.environment.tier is tier
    assert config.environment.policy.tier is tier
    assert config.sources["tier"].origin == f"the well-known name {name!r}"


@pytest.mark.parametrize("name", ["staging", "uat", "prod-eu", "preprod"])
def test_other_names_must_state_their_tier(repo: Repository, name: str) -> None:
    text = config_text(f"{name}:\n" + indent(workspace()))

    [problem] = repo.problems(text, name)

    assert problem.code == "environment.tier-required"
    assert (problem.line, problem.column) == place_of(text, f"{name}:")
    assert "must state its tier: add 'tier: prod' (or local, dev, test)" in problem.message


def test_a_stated_tier_is_used_and_may_be_stricter(repo: Repository) -> None:
    text = config_text(
        "staging:\n"
        + indent("tier: test\n" + workspace())
        + "dev:\n"
        + indent("tier: prod\n" + workspace()),
        top=VAULT + INSIGHTS,
    )

    assert repo.load(text, "staging").environment.tier is Tier.TEST
    assert repo.load(text, "dev").environment.tier is Tier.PROD


def test_every_environment_is_checked_for_its_tier_whichever_is_chosen(
    repo: Repository,
) -> None:
    text = config_text("dev:\n" + indent(workspace()) + "uat:\n" + indent(workspace()))

    assert codes(repo.problems(text, "dev")) == ["environment.tier-required"]


def test_unknown_environment_suggests_the_closest(repo: Repository) -> None:
    text = config_text("dev:\n" + indent(workspace()) + "test:\n" + indent(workspace()))

    [problem] = repo.problems(text, "Dev")
    [other] = repo.problems(text, "qa")

    assert problem.code == "environment.unknown"
    assert problem.message == (
        "there is no environment 'Dev' in this file (it defines dev, test); did you mean 'dev'?"
    )
    assert (problem.line, problem.column) == place_of(text, "environments:")
    assert not other.message.endswith("?")


def test_no_environment_chosen(repo: Repository) -> None:
    [problem] = repo.problems(config_text("dev:\n" + indent(workspace())), None)

    assert (problem.code, problem.line) == ("environment.missing", None)
    assert problem.message.endswith("this file defines dev")


# --- paths ------------------------------------------------------------------------------


def test_paths_are_relative_to_the_config_and_parameters_to_the_source(
    repo: Repository,
) -> None:
    (repo.root / "config").mkdir()
    (repo.root / "items" / "sub").mkdir()
    (repo.root / "items" / "sub" / "p.yml").write_text("")
    text = config_text(
        "dev:\n" + indent(workspace(source="../items/sub")),
        top="defaults: {items: {parameters: p.yml}}\n",
    )

    config = repo.load(text, name="config/fabric-action.yml")

    items = config.environment.workspaces[0].items
    assert items.source_dir == (repo.root / "items" / "sub").resolve()
    assert items.parameters_file == (repo.root / "items" / "sub" / "p.yml").resolve()
    assert config.repository_root == repo.root.resolve()


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("/etc", "path.absolute"),
        ("'C:\\\\items'", "path.absolute"),
        ("'\\\\\\\\server\\\\share'", "path.absolute"),
        ("../outside", "path.escape"),
        ("items/../../outside", "path.escape"),
        ("missing", "path.not-found"),
        ("items/parameter.yml", "path.not-found"),  # a file where a folder is needed
    ],
)
def test_paths_must_stay_inside_the_repository(repo: Repository, source: str, code: str) -> None:
    text = config_text("dev:\n" + indent(workspace(source=source)))

    [problem] = repo.problems(text)

    assert problem.code == code
    assert problem.path == "environments.dev.workspaces.engineering.items.source"
    assert problem.line == 9


def test_a_symlink_out_of_the_repository_is_an_escape(repo: Repository, tmp_path: Path) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (repo.root / "linked").symlink_to(outside, target_is_directory=True)

    [problem] = repo.problems(config_text("dev:\n" + indent(workspace(source="linked"))))

    assert problem.code == "path.escape"
    assert str(outside.resolve()) in problem.message


def test_a_dotdot_that_stays_inside_is_fine(repo: Repository) -> None:
    config = repo.load(config_text("dev:\n" + indent(workspace(source="items/../items"))))

    assert config.environment.workspaces[0].items.source_dir == (repo.root / "items").resolve()


def test_parameters_from_defaults_are_checked_per_workspace(repo: Repository) -> None:
    (repo.root / "other").mkdir()
    text = config_text(
        "dev:\n" + indent(workspace() + "  reporting:\n    name: r\n    items: {source: other}\n"),
        top="defaults: {items: {parameters: parameter.yml}}\n",
    )

    [problem] = repo.problems(text)

    assert problem.code == "path.not-found"
    assert problem.path == "defaults.items.parameters"
    assert str(repo.root / "other" / "parameter.yml") in problem.message


def test_telemetry_file_may_not_exist_but_must_stay_inside(repo: Repository) -> None:
    ok = config_text("dev:\n" + indent(workspace()), top="telemetry: {file: out/t.jsonl}\n")
    bad = config_text("dev:\n" + indent(workspace()), top="telemetry: {file: ../t.jsonl}\n")

    assert repo.load(ok).telemetry.file == (repo.root / "out" / "t.jsonl").resolve()
    assert codes(repo.problems(bad)) == ["path.escape"]


def test_repository_root_is_the_nearest_git_folder(tmp_path: Path) -> None:
    (tmp_path / "a" / ".git").mkdir(parents=True)
    (tmp_path / "a" / "b").mkdir()

    assert find_repository_root(tmp_path / "a" / "b") == tmp_path / "a"
    assert find_repository_root(tmp_path) == tmp_path


@pytest.mark.parametrize(
    ("value", "absolute"),
    [
        ("/x", True),
        ("C:\\x", True),
        ("c:x", True),
        ("\\\\s\\x", True),
        ("x/y", False),
        ("..", False),
    ],
)
def test_absolute_on_any_platform(value: str, absolute: bool) -> None:
    assert is_absolute(value) is absolute


# --- tier rules -------------------------------------------------------------------------


def test_prod_needs_a_key_vault(repo: Repository) -> None:
    text = config_text("prod:\n" + indent(workspace()), top=INSIGHTS)

    [problem] = repo.problems(text, "prod")

    assert problem.code == "secrets.key-vault-required"
    assert (problem.line, problem.path) == (place_of(text, "prod:")[0] + 1, "environments.prod")


@pytest.mark.parametrize(
    ("environ", "top", "why"),
    [
        (
            {"USE_KEY_VAULT": "false"},
            VAULT,
            "USE_KEY_VAULT is off (environment variable USE_KEY_VAULT)",
        ),
        ({}, "", "secrets.key_vault_url is not set"),
    ],
)
def test_dotenv_only_secrets_outside_local_are_a_deprecation_warning(
    repo: Repository, environ: dict[str, str], top: str, why: str
) -> None:
    text = config_text("dev:\n" + indent(workspace()), top=top, auth=SECRET_AUTH)

    config = repo.load(text, environ=environ)

    [warning] = [w for w in config.warnings if w.code == "secrets.dotenv-only"]
    assert why in warning.message
    assert "deprecated" in warning.message


def test_no_dotenv_warning_without_secrets_or_in_local(repo: Repository) -> None:
    plain = config_text("dev:\n" + indent(workspace()))
    local = config_text("local:\n" + indent(workspace()), auth=SECRET_AUTH)

    assert "secrets.dotenv-only" not in [w.code for w in repo.load(plain).warnings]
    assert repo.load(local, "local").warnings == ()


@pytest.mark.parametrize(
    ("telemetry", "outcome"),
    [
        ("", "telemetry.required"),
        ("telemetry: {file: t.jsonl}\n", "telemetry.required"),
        ("telemetry: {file: t.jsonl, waiver: 'no App Insights in this sovereign cloud'}\n", None),
        (INSIGHTS, None),
    ],
)
def test_prod_telemetry_goes_to_app_insights_or_has_a_recorded_waiver(
    repo: Repository, telemetry: str, outcome: str | None
) -> None:
    text = config_text("prod:\n" + indent(workspace()), top=VAULT + telemetry)

    if outcome is None:
        config = repo.load(text, "prod")
        assert config.telemetry.waiver == (
            "no App Insights in this sovereign cloud" if "waiver" in telemetry else None
        )
    else:
        assert codes(repo.problems(text, "prod")) == [outcome]


def test_telemetry_without_destination_outside_prod_is_a_warning(repo: Repository) -> None:
    config = repo.load(config_text("test:\n" + indent(workspace())), "test")

    assert [w.code for w in config.warnings] == ["telemetry.no-destination"]
    assert (
        repo.load(
            config_text("test:\n" + indent(workspace())),
            "test",
            environ={"ENABLE_TELEMETRY": "false"},
        ).warnings
        == ()
    )


def test_client_secret_and_certificate_exclude_each_other_after_merging(
    repo: Repository,
) -> None:
    both = config_text(
        "dev:\n" + indent("auth: {certificate: '${secret:cert}'}\n" + workspace()),
        auth=SECRET_AUTH,
    )
    cleared = both.replace("{certificate:", "{client_secret: null, certificate:")

    [problem] = repo.problems(both)
    config = repo.load(cleared)

    assert problem.code == "auth.conflict"
    assert config.auth.method == "certificate"
    assert config.auth.client_secret is None


def test_workspace_names_are_unique_case_insensitively(repo: Repository) -> None:
    text = config_text(
        "dev:\n"
        + indent(
            workspace(name="Sales") + "  reporting:\n    name: SALES\n    items: {source: items}\n"
        )
    )

    [problem] = repo.problems(text)

    assert problem.code == "workspace.duplicate-name"
    assert problem.path == "environments.dev.workspaces.reporting.name"


def test_the_example_roles_and_their_principals(repo: Repository) -> None:
    roles = (
        "roles:\n"
        "  - {principal: alice@contoso.com, type: User, role: Admin}\n"
        "  - {principal: 6f1c0b7e-0000-0000-0000-000000000001, type: Group, role: Contributor}\n"
        "  - {principal: Sales Engineers, type: Group, role: Viewer}\n"
        "  - {principal: 9a8b7c6d-0000-0000-0000-000000000003, type: ServicePrincipal,\n"
        "     role: Member, by: app_id}\n"
        "  - {principal: bob, type: User, role: Viewer}\n"
    )
    config = repo.load(config_text("dev:\n" + indent(workspace(extra=roles))))

    found = [
        (r.principal.value, r.principal.type, r.principal.lookup, r.principal.needs_lookup, r.role)
        for r in config.environment.workspaces[0].roles
    ]
    assert found == [
        ("alice@contoso.com", "User", "user_principal_name", True, "Admin"),
        ("6f1c0b7e-0000-0000-0000-000000000001", "Group", "object_id", False, "Contributor"),
        ("Sales Engineers", "Group", "display_name", True, "Viewer"),
        ("9a8b7c6d-0000-0000-0000-000000000003", "ServicePrincipal", "app_id", True, "Member"),
        ("bob", "User", "display_name", True, "Viewer"),
    ]
    principals = [r.principal for r in config.environment.workspaces[0].roles]
    assert [p.object_id for p in principals[:2]] == [None, "6f1c0b7e-0000-0000-0000-000000000001"]


def test_isolation_from_the_process_environment(
    repo: Repository, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only the mapping passed in counts: nothing is read from os.environ behind the back.
    monkeypatch.setenv("ENABLE_RETRY", "false")
    monkeypatch.setenv("CAPACITY", "11111111-2222-3333-4444-555555555555")
    text = config_text("dev:\n" + indent(workspace(extra="capacity: ${env:CAPACITY}\n")))

    assert codes(repo.problems(text, environ={})) == ["reference.unresolved-env"]
    assert repo.load(text, environ=dict(os.environ)).flags.enable_retry is False
