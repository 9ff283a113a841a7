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
    for name in fabric_action.secrets.__all__:
        exported = getattr(fabric_action.secrets, name)
        if callable(exported):
            assert exported.__module__.startswith("fabric_action.secrets._")


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
