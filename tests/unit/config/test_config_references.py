"""``${env:NAME}`` and ``${secret:NAME}``: syntax, place, resolution, and secrets kept wrapped."""

from __future__ import annotations

import pytest
from config_unit_support import (
    CLIENT,
    TENANT,
    FakeSecrets,
    Repository,
    codes,
    config_text,
    indent,
    place_of,
    workspace,
)

from fabric_action.config import SecretRef, resolve_config_secrets
from fabric_action.errors import (
    ConfigError,
    ConfigFileError,
    SecretNotFoundError,
    SecretsUnavailableError,
)

CONNECTION_ID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
SECRET_AUTH = (
    f"auth: {{tenant_id: {TENANT}, client_id: {CLIENT}, "
    "client_secret: '${secret:fabric-client-secret}'}\n"
)


def test_env_references_are_resolved_after_merging_only_where_in_effect(
    repo: Repository,
) -> None:
    text = config_text(
        "dev:\n"
        + indent(
            "secrets: {key_vault_url: 'https://${env:VAULT}.vault.azure.net/'}\n"
            + workspace(name="eng-${env:STAGE}", extra="capacity: ${env:CAPACITY}\n")
        ),
        # Overridden by the environment: ${env:UNUSED} is never resolved, so may be unset.
        top="secrets: {key_vault_url: '${env:UNUSED}'}\n",
    )
    environ = {"VAULT": "kv1", "STAGE": "dev", "CAPACITY": "11111111-2222-3333-4444-555555555555"}

    config = repo.load(text, environ=environ)

    assert config.secrets.key_vault_url == "https://kv1.vault.azure.net/"
    assert config.environment.workspaces[0].name == "eng-dev"
    assert config.environment.workspaces[0].capacity_id == environ["CAPACITY"]
    assert config.sources["workspaces.engineering.capacity"].reference == "${env:CAPACITY}"


def test_unresolved_env_reference_names_it_and_where_it_is_used(repo: Repository) -> None:
    text = config_text("dev:\n" + indent(workspace(extra="capacity: ${env:CAPACITY}\n")))

    [problem] = repo.problems(text, environ={"CAPACITY": ""})

    assert problem.code == "reference.unresolved-env"
    assert (problem.line, problem.column) == place_of(text, "${env:CAPACITY}")
    assert problem.path == "environments.dev.workspaces.engineering.capacity"
    assert problem.message.startswith(
        "${env:CAPACITY} is not resolved: the environment variable CAPACITY is not set"
    )


def test_resolved_values_are_validated_again_at_the_reference(repo: Repository) -> None:
    text = config_text("dev:\n" + indent(workspace(extra="capacity: ${env:CAPACITY}\n")))

    [problem] = repo.problems(text, environ={"CAPACITY": "not-a-guid"})

    assert problem.code == "schema.anyOf"
    assert (problem.line, problem.column) == place_of(text, "${env:CAPACITY}")
    assert problem.message == (
        "'not-a-guid' is not a capacity GUID, ${env:NAME}, or null (the value of ${env:CAPACITY})"
    )


def test_literal_values_from_inputs_are_not_expanded(repo: Repository) -> None:
    text = config_text("dev:\n" + indent(workspace()))

    [problem] = repo.problems(text, environ={"INPUT_CLIENTID": "${env:X}"})

    assert problem.code == "schema.anyOf"
    assert problem.origin == "input clientId (INPUT_CLIENTID)"
    assert problem.path == "auth.client_id"


def test_dollar_dollar_brace_is_a_literal(repo: Repository) -> None:
    text = config_text(
        "dev:\n" + indent(workspace(extra="description: 'cost $${CENTRE} ${env:X}'\n"))
    )

    config = repo.load(text, environ={"X": "x"})

    assert config.environment.workspaces[0].description == "cost ${CENTRE} x"


@pytest.mark.parametrize(
    "value",
    ["${ENV}", "${env:}", "${env:1X}", "${secret:bad_name}", "${vault:x}", "${env:X", "a ${ b"],
)
def test_malformed_references_are_reported_anywhere(repo: Repository, value: str) -> None:
    # In the environment that is not chosen, too: syntax is checked for the whole file.
    text = config_text(
        "dev:\n"
        + indent(workspace())
        + "test:\n"
        + indent(workspace(extra=f"description: '{value}'\n"))
    )

    [problem] = repo.problems(text)

    assert problem.code == "reference.syntax"
    assert problem.path == "environments.test.workspaces.engineering.description"


@pytest.mark.parametrize(
    "extra",
    [
        "description: '${secret:fabric-client-secret}'\n",
        "git: {provider: GitHub, owner: 'o${secret:x}', repository: r, branch: b, directory: /d,\n"
        "      connection: '${secret:conn}'}\n",
    ],
)
def test_secrets_only_as_whole_values_of_secret_fields(repo: Repository, extra: str) -> None:
    text = config_text("dev:\n" + indent(workspace(extra=extra)))

    assert codes(repo.problems(text)) == ["reference.misplaced-secret"]


def test_offline_secrets_stay_unresolved_and_are_not_an_error(repo: Repository) -> None:
    config = repo.load(config_text("local:\n" + indent(workspace()), auth=SECRET_AUTH), "local")

    secret = config.auth.client_secret
    assert secret == SecretRef("fabric-client-secret")
    assert not secret.resolved
    assert repr(secret) == "SecretRef(name='fabric-client-secret', value=not resolved)"
    with pytest.raises(ConfigError, match="'fabric-client-secret' was not resolved"):
        secret.require()
    assert config.secret_refs == (secret,)


def test_a_provider_resolves_each_secret_once_and_it_stays_wrapped(repo: Repository) -> None:
    text = config_text(
        "local:\n"
        + indent(
            workspace(
                extra="git: {provider: GitHub, owner: o, repository: r, branch: b, directory: /d,\n"
                "      connection: '${secret:fabric-client-secret}'}\n"
            )
        ),
        auth=SECRET_AUTH,
    )
    # One value that serves both fields: a client secret and a connection id (a GUID).
    provider = FakeSecrets({"fabric-client-secret": CONNECTION_ID})

    config = repo.load(text, "local", secrets=provider)

    assert provider.asked == ["fabric-client-secret"]
    secret = config.auth.client_secret
    assert secret is not None
    assert secret.require().reveal() == CONNECTION_ID
    assert CONNECTION_ID not in repr(config) + repr(secret) + str(config.values)
    git = config.environment.workspaces[0].git
    assert git is not None
    assert git.connection == secret


def test_unresolvable_secrets_are_reported_where_used(repo: Repository) -> None:
    auth = (
        f"auth: {{tenant_id: {TENANT}, client_id: {CLIENT}, "
        "certificate: '${secret:missing}'}\n"
        "telemetry: {connection_string: '${secret:down}', file: t.jsonl}\n"
    )
    text = config_text("local:\n" + indent(workspace()), auth=auth)
    provider = FakeSecrets(
        {},
        {"down": SecretsUnavailableError("the vault answered 503", secret_name="down")},
    )

    found = repo.problems(text, "local", secrets=provider)

    assert [(p.code, p.line, p.message) for p in found] == [
        (
            "reference.unresolved-secret",
            3,
            "${secret:missing} could not be resolved: no such secret",
        ),
        (
            "reference.unresolved-secret",
            4,
            "${secret:down} could not be resolved: the vault answered 503",
        ),
    ]


def test_secret_manager_not_found_error_is_reported(repo: Repository) -> None:
    text = config_text("local:\n" + indent(workspace()), auth=SECRET_AUTH)
    provider = FakeSecrets(
        {}, {"fabric-client-secret": SecretNotFoundError("not in the vault or .env")}
    )

    [problem] = repo.problems(text, "local", secrets=provider)

    assert problem.message.endswith("could not be resolved: not in the vault or .env")


def test_secrets_are_not_requested_when_the_config_is_invalid(repo: Repository) -> None:
    text = config_text("local:\n" + indent(workspace(source="missing")), auth=SECRET_AUTH)
    provider = FakeSecrets({"fabric-client-secret": "x"})

    assert codes(repo.problems(text, "local", secrets=provider)) == ["path.not-found"]
    assert provider.asked == []


def test_secrets_resolved_after_an_offline_load(repo: Repository) -> None:
    # The SecretManager is built from the config (tier, flag, vault, TTL), then resolves.
    text = config_text(
        "local:\n"
        + indent(
            workspace(
                extra="git: {provider: GitHub, owner: o, repository: r, branch: b, directory: /d,\n"
                "      connection: '${secret:conn}'}\n"
            )
            + "  plain:\n    name: p\n    items: {source: items}\n"
            "    git: {provider: GitHub, owner: o, repository: r, branch: b, directory: /p,\n"
            "          connection: 3f2504e0-4f89-11d3-9a0c-0305e82c3301}\n"
        ),
        auth=SECRET_AUTH + "telemetry: {connection_string: '${secret:ai}'}\n",
    )
    offline = repo.load(text, "local")
    provider = FakeSecrets(
        {"fabric-client-secret": "sp", "conn": CONNECTION_ID, "ai": "InstrumentationKey=k"}
    )

    config = resolve_config_secrets(offline, provider)

    assert sorted(provider.asked) == ["ai", "conn", "fabric-client-secret"]
    assert config.auth.client_secret is not None
    assert config.auth.client_secret.require().reveal() == "sp"
    assert config.auth.certificate is None
    assert config.telemetry.connection_string is not None
    assert config.telemetry.connection_string.require().reveal() == "InstrumentationKey=k"
    git = config.environment.workspaces[0].git
    assert git is not None
    assert isinstance(git.connection, SecretRef)
    assert git.connection.require().reveal() == CONNECTION_ID
    assert config.environment.workspaces[1] == offline.environment.workspaces[1]
    assert all(ref.resolved for ref in config.secret_refs)
    assert not any(ref.resolved for ref in offline.secret_refs)


def test_secrets_that_cannot_be_resolved_after_loading_say_where_they_are_used(
    repo: Repository,
) -> None:
    text = config_text("local:\n" + indent(workspace()), auth=SECRET_AUTH)
    offline = repo.load(text, "local")

    with pytest.raises(ConfigFileError) as raised:
        resolve_config_secrets(offline, FakeSecrets({}))

    [problem] = raised.value.problems
    assert problem.code == "reference.unresolved-secret"
    assert (problem.line, problem.column) == place_of(text, "'${secret:fabric-client-secret}'")
