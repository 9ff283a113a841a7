"""The secrets package exports a deliberate list, each name from a private module."""

import fabric_action.secrets


def test_secrets_package_exports_exactly_this_list() -> None:
    assert fabric_action.secrets.__all__ == [
        "DEFAULT_TTL_S",
        "MASK",
        "MAX_NAME_LENGTH",
        "DotenvFile",
        "IdentityOptions",
        "KeyVaultOptions",
        "KeyVaultReader",
        "MaskSink",
        "Secret",
        "SecretCache",
        "SecretManager",
        "SecretMasker",
        "SecretProvider",
        "SecretsOptions",
        "Tier",
        "VaultIdentity",
        "VaultReader",
        "check_not_tracked",
        "choose_vault_identity",
        "dotenv_keys",
        "parse_tier",
        "validate_secret_name",
    ]
    shared = {"Tier", "parse_tier"}  # one definition with config, in fabric_action.tiers
    for name in fabric_action.secrets.__all__:
        exported = getattr(fabric_action.secrets, name)
        if name in shared:
            assert exported.__module__ == "fabric_action.tiers"
        elif callable(exported):
            assert exported.__module__.startswith("fabric_action.secrets._")


def test_tier_is_shared_with_config() -> None:
    import fabric_action.config  # noqa: PLC0415
    import fabric_action.tiers  # noqa: PLC0415

    assert fabric_action.secrets.Tier is fabric_action.config.Tier is fabric_action.tiers.Tier
    assert fabric_action.secrets.parse_tier is fabric_action.tiers.parse_tier


def test_secret_manager_satisfies_the_config_protocol() -> None:
    """Config resolution relies on ``get(name) -> Secret`` only."""
    provider: fabric_action.secrets.SecretProvider = fabric_action.secrets.SecretManager(
        fabric_action.secrets.SecretsOptions(tier="local", dotenv_path=None),
        masker=fabric_action.secrets.SecretMasker(_NoMask()),
    )

    assert callable(provider.get)


class _NoMask:
    def mask(self, value: str) -> None:
        """Drop the value (no CI here)."""
