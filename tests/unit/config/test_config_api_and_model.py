"""The public API, the typed result, the settings table, the merge and ``--show``."""

from __future__ import annotations

import dataclasses

import pytest
from config_unit_support import (
    CLIENT,
    TENANT,
    FakeSecrets,
    Repository,
    config_text,
    indent,
    workspace,
)

import fabric_action.config as config_package
from fabric_action.config import (
    SETTINGS,
    AuthMethod,
    FeatureFlags,
    Flag,
    GitProvider,
    Layer,
    PrincipalLookup,
    Source,
    Tier,
    TierPolicy,
    choose_config_file,
    choose_environment,
    format_effective_config,
    input_variable,
    tier_for_environment_name,
)
from fabric_action.config._document import ParsedDocument, format_path, show_value
from fabric_action.config._layers import LayerData, merge_layers
from fabric_action.errors import ConfigError, ConfigFileError, ConfigProblem, ExitCode


def test_public_api_is_deliberate() -> None:
    assert config_package.__all__ == [
        "ACTION_INPUTS",
        "DEFAULT_CONFIG_FILE",
        "MAX_CONFIG_BYTES",
        "SETTINGS",
        "TIER_POLICIES",
        "WELL_KNOWN_ENVIRONMENTS",
        "AuthMethod",
        "AuthSettings",
        "ChangeDetection",
        "EffectiveConfig",
        "Environment",
        "FeatureFlags",
        "Flag",
        "GitProvider",
        "GitSpec",
        "ItemsSpec",
        "Layer",
        "ParseLimits",
        "Preflight",
        "Principal",
        "PrincipalLookup",
        "PrincipalType",
        "RoleSpec",
        "SecretProvider",
        "SecretRef",
        "SecretValue",
        "SecretsSettings",
        "Setting",
        "Source",
        "TelemetrySettings",
        "Tier",
        "TierPolicy",
        "Workspace",
        "WorkspaceRole",
        "choose_config_file",
        "choose_environment",
        "format_effective_config",
        "input_variable",
        "load_config",
        "parse_boolean_input",
        "read_input",
        "resolve_config_secrets",
        "tier_for_environment_name",
    ]
    for name in config_package.__all__:
        assert getattr(config_package, name) is not None


def test_tier_is_the_one_shared_definition() -> None:
    import fabric_action.secrets as secrets_package  # noqa: PLC0415
    import fabric_action.tiers as tiers_module  # noqa: PLC0415

    assert config_package.Tier is tiers_module.Tier is secrets_package.Tier
    assert Tier.__module__ == "fabric_action.tiers"


def test_action_inputs_are_config_environment_and_every_setting() -> None:
    assert config_package.ACTION_INPUTS[:2] == ("config", "environment")
    assert config_package.ACTION_INPUTS[2:] == tuple(s.input_name for s in SETTINGS)
    assert len(set(config_package.ACTION_INPUTS)) == len(config_package.ACTION_INPUTS)


def test_config_problem_renders_its_place() -> None:
    full = ConfigProblem(code="c", message="m", file="f.yml", line=3, column=9, path="a.b")
    line_only = ConfigProblem(code="c", message="m", file="f.yml", line=3)
    origin = ConfigProblem(code="c", message="m", origin="input enableRetry", path="x")

    assert str(full) == "f.yml:3:9: a.b: m"
    assert str(line_only) == "f.yml:3: m"
    assert str(origin) == "input enableRetry: x: m"
    error = ConfigFileError([full, origin])
    assert isinstance(error, ConfigError)
    assert error.exit_code is ExitCode.CONFIG_ERROR
    assert str(error) == "f.yml:3:9: a.b: m\ninput enableRetry: x: m"


def test_the_result_is_frozen_and_typed(repo: Repository) -> None:
    git = (
        "git: {provider: AzureDevOps, organization: contoso, project: data, repository: fabric,\n"
        "      branch: main, directory: /ws}\n"
        "description: Engineering\n"
        "capacity: 3f2504e0-4f89-11d3-9a0c-0305e82c3301\n"
    )
    config = repo.load(config_text("dev:\n" + indent(workspace(extra=git))))

    [ws] = config.environment.workspaces
    assert (ws.key, ws.name, ws.description, ws.capacity_id) == (
        "engineering",
        "unit-ws",
        "Engineering",
        "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
    )
    assert ws.git is not None
    assert (ws.git.provider, ws.git.organization, ws.git.owner, ws.git.connection) == (
        GitProvider.AZURE_DEVOPS,
        "contoso",
        None,
        None,
    )
    assert ws.items.delete_orphans is False
    assert ws.items.parameters_file is None
    assert (config.auth.tenant_id, config.auth.client_id) == (TENANT, CLIENT)
    assert config.auth.method is AuthMethod.FEDERATED
    assert config.project == "unit"
    assert config.secrets.key_vault_url is None
    assert config.secrets.cache_ttl_s == 3600
    assert config.environment.policy.circuit_breaker_failures == 5
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.project = "other"  # type: ignore[misc]


def test_client_secret_method(repo: Repository) -> None:
    auth = f"auth: {{tenant_id: {TENANT}, client_id: {CLIENT}, client_secret: '${{secret:s}}'}}\n"

    config = repo.load(config_text("local:\n" + indent(workspace()), auth=auth), "local")

    assert config.auth.method is AuthMethod.CLIENT_SECRET


def test_tier_policies_follow_the_design_table() -> None:
    prod = config_package.TIER_POLICIES[Tier.PROD]
    dev = config_package.TIER_POLICIES[Tier.DEV]
    local = config_package.TIER_POLICIES[Tier.LOCAL]

    assert isinstance(prod, TierPolicy)
    assert prod.required_flags == frozenset(Flag)
    assert (prod.key_vault_required, prod.app_insights_required) == (True, True)
    assert (prod.circuit_breaker_failures, prod.circuit_breaker_open_s) == (3, 60.0)
    assert (prod.readiness_preflight, prod.change_detection) == ("mandatory", "live")
    assert (dev.circuit_breaker_failures, dev.readiness_preflight, dev.change_detection) == (
        5,
        "on",
        "manifest",
    )
    assert dev.required_flags == frozenset()
    assert local.readiness_preflight == "optional"
    assert tier_for_environment_name("Production") is Tier.PROD
    assert tier_for_environment_name("staging") is None


def test_flags_know_their_names() -> None:
    assert [(f.value, f.key, f.input_name) for f in Flag] == [
        ("USE_KEY_VAULT", "use_key_vault", "useKeyVault"),
        ("ENABLE_RETRY", "enable_retry", "enableRetry"),
        ("ENABLE_CIRCUIT_BREAKER", "enable_circuit_breaker", "enableCircuitBreaker"),
        ("ENABLE_TRANSACTIONS", "enable_transactions", "enableTransactions"),
        ("ENABLE_TELEMETRY", "enable_telemetry", "enableTelemetry"),
    ]
    flags = FeatureFlags(
        use_key_vault=True,
        enable_retry=False,
        enable_circuit_breaker=True,
        enable_transactions=False,
        enable_telemetry=True,
    )
    assert [flags.is_enabled(flag) for flag in Flag] == [True, False, True, False, True]


def test_settings_table_and_input_names() -> None:
    assert [(s.input_name, s.variable) for s in SETTINGS[:4]] == [
        ("tenantId", "FABRIC_ACTION_TENANT_ID"),
        ("clientId", "FABRIC_ACTION_CLIENT_ID"),
        ("keyVaultUrl", "FABRIC_ACTION_KEY_VAULT_URL"),
        ("secretCacheTtlS", "FABRIC_ACTION_SECRET_CACHE_TTL_S"),
    ]
    assert input_variable("enableRetry") == "INPUT_ENABLERETRY"
    assert input_variable("my-input") == "INPUT_MY-INPUT"
    assert input_variable("two words") == "INPUT_TWO_WORDS"


@pytest.mark.parametrize(
    ("explicit", "environ", "expected"),
    [
        ("a.yml", {"INPUT_CONFIG": "b.yml", "FABRIC_ACTION_CONFIG": "c.yml"}, "a.yml"),
        (None, {"INPUT_CONFIG": " b.yml ", "FABRIC_ACTION_CONFIG": "c.yml"}, "b.yml"),
        (None, {"INPUT_CONFIG": "", "FABRIC_ACTION_CONFIG": "c.yml"}, "c.yml"),
        (None, {}, "fabric-action.yml"),
    ],
)
def test_config_file_precedence(
    explicit: str | None, environ: dict[str, str], expected: str
) -> None:
    assert choose_config_file(explicit, environ) == expected


def test_environment_precedence() -> None:
    both = {"INPUT_ENVIRONMENT": "test", "FABRIC_ACTION_ENVIRONMENT": "prod"}
    assert choose_environment("dev", both) == "dev"
    assert choose_environment(None, both) == "test"
    assert choose_environment(None, {"FABRIC_ACTION_ENVIRONMENT": "prod"}) == "prod"
    assert choose_environment(None, {"INPUT_ENVIRONMENT": "  "}) is None


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("INPUT_ENABLERETRY", "yes", "'yes' is not true or false"),
        ("ENABLE_RETRY", "1", "'1' is not true or false"),
        ("INPUT_SECRETCACHETTLS", "-5", "'-5' is not a whole number of seconds"),
        (  # full-width digits: str.isdigit() says yes, int() would take them
            "FABRIC_ACTION_SECRET_CACHE_TTL_S",
            "\uff11\uff12",
            "'\uff11\uff12' is not a whole number of seconds",
        ),
    ],
)
def test_invalid_input_and_variable_values_name_their_origin(
    repo: Repository, variable: str, value: str, message: str
) -> None:
    [problem] = repo.problems(
        config_text("dev:\n" + indent(workspace())), environ={variable: value}
    )

    assert problem.code == "input.invalid"
    assert problem.message.startswith(message)
    assert variable in problem.origin
    assert problem.file == ""


def test_setting_values_from_inputs_are_validated_like_the_file(repo: Repository) -> None:
    [problem] = repo.problems(
        config_text("dev:\n" + indent(workspace())),
        environ={"INPUT_KEYVAULTURL": "http://kv.example"},
    )

    assert (problem.code, problem.origin, problem.path) == (
        "schema.anyOf",
        "input keyVaultUrl (INPUT_KEYVAULTURL)",
        "secrets.key_vault_url",
    )


def test_merge_mappings_merge_lists_replace_null_clears() -> None:
    def layer(kind: Layer, data: dict[str, object]) -> LayerData:
        return LayerData(kind, data, lambda path: Source(layer=kind, origin=format_path(path)))

    merged, sources = merge_layers(
        [
            layer(Layer.INPUT, {"a": {"x": 1}, "list": [3]}),
            layer(Layer.TOP_LEVEL, {"a": {"y": 2, "z": None}, "list": [1, 2], "gone": None}),
            layer(Layer.TIER_DEFAULT, {"a": {"z": 9, "w": 0}, "gone": {"k": 1}, "b": True}),
        ]
    )

    assert merged == {
        "a": {"z": None, "w": 0, "y": 2, "x": 1},
        "gone": None,
        "b": True,
        "list": [3],
    }
    assert sources[("a",)].layer is Layer.INPUT
    assert sources[("a", "z")].layer is Layer.TOP_LEVEL
    assert sources[("a", "w")].layer is Layer.TIER_DEFAULT
    assert sources[("list", 0)].origin == "list[0]"
    assert ("list", 1) not in sources


def test_source_renders_its_layer_and_place() -> None:
    in_file = Source(
        layer=Layer.ENVIRONMENT_SECTION,
        file="f.yml",
        line=2,
        column=5,
        config_path="environments.dev.x",
        reference="${env:X}",
    )
    from_input = Source(layer=Layer.INPUT, origin="input clientId (INPUT_CLIENTID)")

    assert str(in_file) == "environment section: f.yml:2:5 (environments.dev.x) via ${env:X}"
    assert str(from_input) == "action input: input clientId (INPUT_CLIENTID)"


def test_paths_and_values_in_messages() -> None:
    assert format_path(()) == "$"
    assert format_path(("a", 0, "b-c", "d e", 'q"')) == 'a[0].b-c["d e"]["q\\""]'
    assert show_value("x" * 100) == repr("x" * 57 + "...")
    assert [show_value(v) for v in (None, True, False, {}, [], 1.5)] == [
        "null (empty)",
        "true",
        "false",
        "a mapping",
        "a list",
        "1.5",
    ]
    document = ParsedDocument(file="f.yml", data={})
    assert document.position(("a",)) is None
    assert document.problem("c", "m", ("a",)).line is None


def test_show_masks_secrets_and_names_sources(repo: Repository) -> None:
    auth = (
        f"auth: {{tenant_id: {TENANT}, client_id: {CLIENT}, client_secret: '${{secret:sp}}'}}\n"
        "telemetry: {connection_string: '${secret:ai}'}\n"
    )
    text = config_text("local:\n" + indent(workspace()), auth=auth)
    config = repo.load(
        text, "local", secrets=FakeSecrets({"sp": "hunter2", "ai": "InstrumentationKey=k"})
    )
    offline = repo.load(text, "local")

    shown = format_effective_config(config)
    shown_offline = format_effective_config(offline)

    assert "hunter2" not in shown
    assert "InstrumentationKey" not in shown
    assert "auth.client_secret                          = *** (secret sp)  # top level: " in shown
    assert "= *** (secret sp, not resolved)  # top level: " in shown_offline
    described = format_effective_config(offline, secret_sources={"sp": ".env (x/.env)"})
    assert "= *** (secret sp, source: .env (x/.env))  # top level: " in described
    assert "= *** (secret ai, not resolved)  # top level: " in described
    assert (
        shown.splitlines()[0]
        == "# fabric-action.yml: environment 'local', tier local; secrets are masked"
    )
    assert "features.enable_retry" in shown
    assert config.values["auth.client_secret"] == config.auth.client_secret


def test_show_lists_warnings(repo: Repository) -> None:
    config = repo.load(config_text("test:\n" + indent(workspace())), "test")

    last = format_effective_config(config).splitlines()[-1]

    assert last.startswith("# warning: ")
    assert last.endswith(
        "environments.test: ENABLE_TELEMETRY is on for environment 'test' but telemetry has "
        "no destination; set telemetry.connection_string or telemetry.file"
    )


def test_principal_lookup_values() -> None:
    assert [lookup.value for lookup in PrincipalLookup] == [
        "object_id",
        "user_principal_name",
        "display_name",
        "app_id",
    ]
