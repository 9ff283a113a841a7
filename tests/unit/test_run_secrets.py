"""A run's SecretManager options come from its configuration; .env sits beside the config."""

from __future__ import annotations

from pathlib import Path

from fabric_action._run_secrets import (
    DOTENV_FILE,
    dotenv_path_for,
    resolve_secrets_offline,
    secrets_options_for,
)
from fabric_action.config import load_config
from fabric_action.secrets import SecretMasker
from fabric_action.tiers import Tier

CONFIG = """\
version: 1
project: p
auth:
  tenant_id: 72f988bf-86f1-41af-91ab-2d7cd011db47
  client_id: 0ec5ae2c-1c7a-4b0a-8b5e-000000000001
  client_secret: ${secret:fabric-client-secret}
secrets: {key_vault_url: "https://kv.vault.azure.net/", cache_ttl_s: 120}
environments:
  local:
    workspaces:
      engineering: {name: w, items: {source: items}}
"""


class Sink:
    def __init__(self) -> None:
        self.masked: list[str] = []

    def mask(self, value: str) -> None:
        self.masked.append(value)


def _config(tmp_path: Path) -> Path:
    (tmp_path / "items").mkdir()
    path = tmp_path / "fabric-action.yml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_dotenv_sits_beside_the_config_unless_named() -> None:
    assert DOTENV_FILE == ".env"
    assert dotenv_path_for("fabric-action.yml") == Path(".env")
    assert dotenv_path_for("deploy/prod.yml") == Path("deploy/.env")
    assert dotenv_path_for("deploy/prod.yml", "/run/secrets/env") == Path("/run/secrets/env")


def test_options_follow_the_configuration(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path), "local", environ={"USE_KEY_VAULT": "true"})

    options = secrets_options_for(config, dotenv_path=Path("x/.env"), offline=True)

    assert options.tier is Tier.LOCAL
    assert options.use_key_vault is True
    assert options.vault_url == "https://kv.vault.azure.net/"
    assert options.cache_ttl_s == 120.0
    assert (options.dotenv_path, options.offline) == (Path("x/.env"), True)


def test_without_a_dotenv_file_secrets_stay_unresolved(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path), "local", environ={})
    sink = Sink()

    resolved = resolve_secrets_offline(config, masker=SecretMasker(sink), dotenv_path=None)

    assert resolved.sources == {"fabric-client-secret": "not resolved, no .env file"}
    assert resolved.config.auth.client_secret is not None
    assert not resolved.config.auth.client_secret.resolved
    assert sink.masked == []
