"""Secret names follow Key Vault's rule; .env keys have two spellings."""

from __future__ import annotations

import pytest

from fabric_action.errors import ConfigError, InvalidSecretNameError, SecretsError
from fabric_action.secrets import MAX_NAME_LENGTH, dotenv_keys, validate_secret_name


@pytest.mark.parametrize("name", ["a", "A-9", "fabric-client-secret", "x" * MAX_NAME_LENGTH])
def test_valid_names_pass(name: str) -> None:
    assert validate_secret_name(name) == name


@pytest.mark.parametrize(
    "name",
    ["", "with_underscore", "with space", "dot.name", "ümlaut", "x" * 128, "new\nline", "a/b"],
)
def test_invalid_names_are_a_config_error_that_says_what_to_do(name: str) -> None:
    with pytest.raises(InvalidSecretNameError) as caught:
        validate_secret_name(name)

    assert isinstance(caught.value, SecretsError)
    assert isinstance(caught.value, ConfigError)
    assert caught.value.exit_code == 2
    assert "1-127 ASCII letters, digits and '-'" in str(caught.value)
    assert caught.value.secret_name == name


def test_an_overlong_name_is_not_echoed_in_full() -> None:
    with pytest.raises(InvalidSecretNameError) as caught:
        validate_secret_name("y" * 500)

    assert "(too long)" in str(caught.value)
    assert "y" * 200 not in str(caught.value)


def test_non_str_names_are_refused() -> None:
    with pytest.raises(InvalidSecretNameError) as caught:
        validate_secret_name(42)  # type: ignore[arg-type]

    assert caught.value.secret_name == ""


def test_dotenv_keys_add_the_environment_spelling() -> None:
    assert dotenv_keys("fabric-client-secret") == ("fabric-client-secret", "FABRIC_CLIENT_SECRET")
    assert dotenv_keys("TOKEN") == ("TOKEN",)
