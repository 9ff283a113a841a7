import fabric_action.auth


def test_auth_package_exports_exactly_this_list() -> None:
    assert fabric_action.auth.__all__ == [
        "PUBLIC_CLOUD",
        "AccessToken",
        "AssertionSource",
        "AuthSettings",
        "AzureDevOpsIdTokenSource",
        "CertificateCredential",
        "ClientSecretCredential",
        "CloudProfile",
        "Credential",
        "CredentialKind",
        "FederatedCredential",
        "GitHubIdTokenSource",
        "HostPattern",
        "MsalTokenProvider",
        "TokenSource",
        "choose_credential_kind",
        "credential_from_settings",
        "emulator_cloud",
        "token_provider_from_settings",
    ]


def test_every_export_comes_from_a_private_module() -> None:
    for name in fabric_action.auth.__all__:
        value = getattr(fabric_action.auth, name)
        owner = value if isinstance(value, type) or callable(value) else type(value)
        assert owner.__module__.startswith("fabric_action.auth._"), name
