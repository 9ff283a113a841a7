"""One precedence for every setting, and prod's rules, table-driven.

action input > environment variable > environment section > top level > tier default
"""

from __future__ import annotations

import itertools

import pytest
from config_unit_support import Repository, codes, config_text, indent, place_of, workspace

from fabric_action.config import Flag, Layer, Tier

LEVELS = (Layer.INPUT, Layer.ENVIRONMENT_VARIABLE, Layer.ENVIRONMENT_SECTION, Layer.TOP_LEVEL)
TTL_BY_LEVEL = {
    Layer.INPUT: 10,
    Layer.ENVIRONMENT_VARIABLE: 20,
    Layer.ENVIRONMENT_SECTION: 30,
    Layer.TOP_LEVEL: 40,
}


def _ttl_config(levels: set[Layer]) -> tuple[str, dict[str, str]]:
    environ = {}
    if Layer.INPUT in levels:
        environ["INPUT_SECRETCACHETTLS"] = "10"
    if Layer.ENVIRONMENT_VARIABLE in levels:
        environ["FABRIC_ACTION_SECRET_CACHE_TTL_S"] = "20"
    section = "secrets: {cache_ttl_s: 30}\n" if Layer.ENVIRONMENT_SECTION in levels else ""
    top = "secrets: {cache_ttl_s: 40}\n" if Layer.TOP_LEVEL in levels else ""
    return config_text("local:\n" + indent(section + workspace()), top=top), environ


SUBSETS = [
    frozenset(subset)
    for size in range(len(LEVELS) + 1)
    for subset in itertools.combinations(LEVELS, size)
]


@pytest.mark.parametrize(
    "levels", SUBSETS, ids=lambda levels: "+".join(sorted(level.name for level in levels)) or "none"
)
def test_the_highest_level_that_sets_a_value_wins(
    repo: Repository, levels: frozenset[Layer]
) -> None:
    text, environ = _ttl_config(set(levels))

    config = repo.load(text, "local", environ=environ)

    winner = next((level for level in LEVELS if level in levels), Layer.TIER_DEFAULT)
    assert config.secrets.cache_ttl_s == TTL_BY_LEVEL.get(winner, 3600)
    assert config.sources["secrets.cache_ttl_s"].layer is winner


@pytest.mark.parametrize(
    ("setting", "expected_source"),
    [
        ("input", "input enableCircuitBreaker (INPUT_ENABLECIRCUITBREAKER)"),
        ("variable", "environment variable ENABLE_CIRCUIT_BREAKER"),
        ("section", "section"),
        ("top", "top"),
        ("none", "tier dev"),
    ],
)
def test_flags_use_the_same_precedence_and_say_where_they_were_set(
    repo: Repository, setting: str, expected_source: str
) -> None:
    # Each level sets the opposite of the one below, so the value shows who won.
    environ = {}
    section = top = ""
    chain = ["input", "variable", "section", "top", "none"]
    below = chain[chain.index(setting) :]
    value = {name: (index % 2 == 0) for index, name in enumerate(reversed(chain))}
    if "input" in below:
        environ["INPUT_ENABLECIRCUITBREAKER"] = str(value["input"]).lower()
    if "variable" in below:
        environ["ENABLE_CIRCUIT_BREAKER"] = str(value["variable"])
    if "section" in below:
        section = f"features: {{enable_circuit_breaker: {str(value['section']).lower()}}}\n"
    if "top" in below:
        top = f"features: {{enable_circuit_breaker: {str(value['top']).lower()}}}\n"
    text = config_text("dev:\n" + indent(section + workspace()), top=top)

    config = repo.load(text, "dev", environ=environ)

    assert config.flags.enable_circuit_breaker is value[setting]
    source = config.sources["features.enable_circuit_breaker"]
    if setting in ("section", "top"):
        occurrence = 2 if setting == "section" and top else 1
        at = place_of(text, "enable_circuit_breaker: ", occurrence)
        assert (source.line, source.column) == (at[0], at[1] + len("enable_circuit_breaker: "))
        assert (
            source.layer is {"section": Layer.ENVIRONMENT_SECTION, "top": Layer.TOP_LEVEL}[setting]
        )
    else:
        assert source.location == expected_source


TIER_DEFAULTS = {
    Tier.LOCAL: {
        "use_key_vault": False,
        "enable_retry": True,
        "enable_circuit_breaker": False,
        "enable_transactions": False,
        "enable_telemetry": False,
    },
    Tier.DEV: dict.fromkeys(
        (
            "use_key_vault",
            "enable_retry",
            "enable_circuit_breaker",
            "enable_transactions",
            "enable_telemetry",
        ),
        True,
    ),
}
TIER_DEFAULTS[Tier.TEST] = TIER_DEFAULTS[Tier.DEV]
TIER_DEFAULTS[Tier.PROD] = TIER_DEFAULTS[Tier.DEV]
PROD_READY = (
    "secrets: {key_vault_url: 'https://kv.vault.azure.net/'}\n"
    "telemetry: {connection_string: '${secret:ai}'}\n"
)


@pytest.mark.parametrize("tier", list(Tier))
def test_tier_defaults(repo: Repository, tier: Tier) -> None:
    text = config_text(f"{tier}:\n" + indent(workspace()), top=PROD_READY)

    config = repo.load(text, tier.value)

    assert config.flags.as_dict() == TIER_DEFAULTS[tier]
    assert config.environment.tier is tier


@pytest.mark.parametrize("flag", list(Flag))
@pytest.mark.parametrize("level", ["input", "variable", "section", "top"])
def test_prod_refuses_any_required_flag_turned_off_and_says_where(
    repo: Repository, flag: Flag, level: str
) -> None:
    environ: dict[str, str] = {}
    section = top = ""
    if level == "input":
        environ[f"INPUT_{flag.input_name.upper()}"] = "false"
    elif level == "variable":
        environ[flag.value] = "FALSE"
    elif level == "section":
        section = f"features: {{{flag.key}: false}}\n"
    else:
        top = f"features: {{{flag.key}: false}}\n"
    text = config_text("prod:\n" + indent(section + workspace()), top=PROD_READY + top)

    found = repo.problems(text, "prod", environ=environ)

    assert codes(found) == ["flag.required-in-prod"]
    problem = found[0]
    assert problem.message.startswith(f"{flag.value} is turned off here")
    assert "environment 'prod' has tier prod, which requires it on" in problem.message
    if level in ("section", "top"):
        line, column = place_of(text, f"{flag.key}: false")
        assert (problem.line, problem.column) == (line, column + len(f"{flag.key}: "))
        assert problem.file.endswith("fabric-action.yml")
    else:
        assert (
            problem.location
            == {
                "input": f"input {flag.input_name} (INPUT_{flag.input_name.upper()})",
                "variable": f"environment variable {flag.value}",
            }[level]
        )


@pytest.mark.parametrize(
    ("environ", "section", "top"),
    [
        ({"INPUT_ENABLERETRY": "true"}, "features: {enable_retry: false}\n", ""),
        ({}, "features: {enable_retry: true}\n", "features: {enable_retry: false}\n"),
        ({"ENABLE_RETRY": "TRUE"}, "", "features: {enable_retry: false}\n"),
    ],
)
def test_a_higher_level_turning_the_flag_back_on_satisfies_prod(
    repo: Repository, environ: dict[str, str], section: str, top: str
) -> None:
    text = config_text("prod:\n" + indent(section + workspace()), top=PROD_READY + top)

    assert repo.load(text, "prod", environ=environ).flags.enable_retry is True


@pytest.mark.parametrize("tier", [Tier.LOCAL, Tier.DEV, Tier.TEST])
def test_other_tiers_may_turn_every_flag_off(repo: Repository, tier: Tier) -> None:
    environ = {flag.value: "false" for flag in Flag}

    config = repo.load(config_text(f"{tier}:\n" + indent(workspace())), tier.value, environ=environ)

    assert not any(config.flags.as_dict().values())


def test_a_prod_environment_not_chosen_is_still_checked(repo: Repository) -> None:
    text = config_text(
        "dev:\n"
        + indent(workspace())
        + "production:\n"
        + indent("features: {enable_transactions: false}\n" + workspace())
    )

    found = repo.problems(text, "dev", environ={"ENABLE_TRANSACTIONS": "true"})

    assert codes(found) == ["flag.required-in-prod"]
    assert found[0].path == "environments.production.features.enable_transactions"


@pytest.mark.parametrize("name", ["production", "Production", "PROD"])
def test_production_names_can_never_get_other_rules(repo: Repository, name: str) -> None:
    text = config_text(f"{name}:\n" + indent("tier: dev\n" + workspace()), top=PROD_READY)

    found = repo.problems(text, name)

    assert codes(found) == ["environment.tier-conflict"]
    config = repo.load(config_text(f"{name}:\n" + indent(workspace()), top=PROD_READY), name)
    assert config.environment.tier is Tier.PROD
