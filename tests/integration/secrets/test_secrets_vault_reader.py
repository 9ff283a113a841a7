"""KeyVaultReader's error translation for answers the emulated vault does not normally give."""

from __future__ import annotations

import pytest
from secrets_support import ManagerFactory, seed

from fabric_action.errors import SecretsUnavailableError
from fabric_action.secrets._keyvault import is_loopback_url
from fabric_emulator import Context
from fabric_emulator._entra_ci_tokens import DEFAULT_GITHUB_REQUEST_TOKEN
from fabric_emulator._http import Response
from fabric_emulator._router import Surface
from fabric_emulator._routes_keyvault import challenge_header
from fabric_emulator.testing import RunningEmulator


def _odd_vault_route(emulator: RunningEmulator, name: str, answer: Response) -> None:
    """Serve ``answer`` for one secret after the usual challenge (a test-only route)."""

    def handler(context: Context) -> Response:
        if "Authorization" not in context.request.headers:
            return Response.json(
                401,
                {"error": {"code": "Unauthorized", "message": "AKV10000"}},
                headers={"WWW-Authenticate": challenge_header(context)},
            )
        return answer

    emulator.emulator.router.add("GET", f"/secrets/{name}", handler, surface=Surface.KEY_VAULT)


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("https://127.0.0.1:8443", True),
        ("https://localhost", True),
        ("https://[::1]:9", True),
        ("https://kv.vault.azure.net", False),
        ("https://10.0.0.4", False),
    ],
)
def test_loopback_vaults_are_recognised(url: str, loopback: bool) -> None:
    assert is_loopback_url(url) is loopback


def test_a_bundle_without_a_value_is_refused(
    emulator: RunningEmulator, make_manager: ManagerFactory
) -> None:
    bundle = {"id": f"{emulator.base_url}/secrets/hollow/{'0' * 32}", "attributes": {}}
    _odd_vault_route(emulator, "hollow", Response.json(200, bundle))

    with pytest.raises(SecretsUnavailableError, match="the vault returned no value"):
        make_manager("prod").get("hollow")


def test_an_undecodable_answer_is_reported_by_type(
    emulator: RunningEmulator, make_manager: ManagerFactory
) -> None:
    garbled = Response(status=200, body=b"<html>proxy error</html>")
    garbled.headers["Content-Type"] = "application/json"
    _odd_vault_route(emulator, "garbled", garbled)

    with pytest.raises(SecretsUnavailableError, match="its answer could not be decoded"):
        make_manager("prod").get("garbled")


def test_a_failing_github_id_token_request_says_what_to_do(
    emulator: RunningEmulator, make_manager: ManagerFactory
) -> None:
    seed(emulator, "db-password", "vault-password")
    environ = {
        "ACTIONS_ID_TOKEN_REQUEST_URL": f"{emulator.base_url}/_oidc/github/token?api-version=2.0",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": DEFAULT_GITHUB_REQUEST_TOKEN + "-wrong",
        "AZURE_CLIENT_ID": emulator.client_id,
        "AZURE_TENANT_ID": emulator.tenant,
    }
    manager = make_manager(
        "prod", credential=None, environ=environ, authority_host=emulator.base_url
    )

    with pytest.raises(SecretsUnavailableError) as caught:
        manager.get("db-password")

    message = str(caught.value)
    assert "as GitHub Actions OIDC federated identity (client id fabric-action-dev)" in message
    assert "permissions: id-token: write" in message
