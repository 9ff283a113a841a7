"""Every Entra token-endpoint refusal the emulator sends, one factory per AADSTS code.

Each factory copies Entra's ``error`` value, HTTP status and AADSTS number; callers
branch on ``error`` and ``error_codes`` (never on the description, which Entra rewords
freely). Codes marked *unverified* are the emulator's best match where public traces of
the real answer were not found.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fabric_emulator._http import EntraError

CLIENT_ASSERTION_TYPE_JWT = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_CHECK_FIC = (
    "Please check your federated identity credential Subject, Audience and Issuer "
    "against the presented assertion. "
    "https://learn.microsoft.com/entra/workload-id/workload-identity-federation"
)


def tenant_not_found(tenant: str, *, discovery: bool) -> EntraError:
    """AADSTS90002: discovery says ``invalid_tenant``, the token endpoint ``invalid_request``."""
    return EntraError(
        400,
        "invalid_tenant" if discovery else "invalid_request",
        90002,
        f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID "
        "and are signing into the correct cloud.",
    )


def missing_parameter(name: str) -> EntraError:
    """AADSTS900144: a required form field is absent."""
    return EntraError(
        400,
        "invalid_request",
        900144,
        f"The request body must contain the following parameter: '{name}'.",
    )


def unsupported_grant_type(grant_type: str) -> EntraError:
    """AADSTS70003: the emulator implements only ``client_credentials``."""
    return EntraError(
        400,
        "unsupported_grant_type",
        70003,
        f"The app requested an unsupported grant type '{grant_type}'.",
    )


def unknown_client(client_id: str, tenant: str) -> EntraError:
    """AADSTS700016: no app registration with this client id in the tenant."""
    return EntraError(
        400,
        "unauthorized_client",
        700016,
        f"Application with identifier '{client_id}' was not found in the directory "
        f"'{tenant}'. This can happen if the application has not been installed by the "
        "administrator of the tenant or consented to by any user in the tenant. You may "
        "have sent your authentication request to the wrong tenant.",
    )


def no_client_credential() -> EntraError:
    """AADSTS7000216: neither a secret nor an assertion was sent."""
    return EntraError(
        401,
        "invalid_client",
        7000216,
        "'client_assertion', 'client_secret' or 'request' is required for the "
        "'client_credentials' grant type.",
    )


def invalid_client_secret(client_id: str) -> EntraError:
    """AADSTS7000215: the secret is not one of the app's secrets."""
    return EntraError(
        401,
        "invalid_client",
        7000215,
        "Invalid client secret provided. Ensure the secret being sent in the request is the "
        f"client secret value, not the client secret ID, for a secret added to app "
        f"'{client_id}'.",
    )


def invalid_assertion_field(name: str) -> EntraError:
    """AADSTS90014 (*unverified* for a wrong type): the assertion fields are incomplete."""
    return EntraError(
        400,
        "invalid_request",
        90014,
        f"The required field '{name}' is missing or invalid; 'client_assertion_type' must "
        f"be '{CLIENT_ASSERTION_TYPE_JWT}' and come with a 'client_assertion'.",
    )


def malformed_assertion() -> EntraError:
    """AADSTS50027: the assertion is not a well-formed JWT."""
    return EntraError(400, "invalid_request", 50027, "JWT token is invalid or malformed.")


def unsupported_assertion_algorithm(algorithm: str, supported: str) -> EntraError:
    """AADSTS5002738: the assertion is signed with an algorithm Entra does not accept."""
    return EntraError(
        400,
        "invalid_request",
        5002738,
        f"Invalid JWT token. '{algorithm}' is not a supported signature algorithm. "
        f"Supported signing algorithms are: '{supported}'.",
    )


def assertion_key_not_found(thumbprint: str) -> EntraError:
    """AADSTS700027: no registered or published key matches the assertion's key id."""
    return EntraError(
        401,
        "invalid_client",
        700027,
        "Client assertion failed signature validation. [Reason - The key was not found., "
        f"Thumbprint of key used by client: '{thumbprint}']",
    )


def assertion_signature_invalid() -> EntraError:
    """AADSTS700027: a key was found but the signature does not verify with it."""
    return EntraError(
        401,
        "invalid_client",
        700027,
        "Client assertion failed signature validation. [Reason - Key was found, but use of "
        "the key to verify the signature failed.]",
    )


def assertion_client_mismatch() -> EntraError:
    """AADSTS700021: a certificate assertion's ``sub`` is not the ``client_id``."""
    return EntraError(
        401,
        "invalid_client",
        700021,
        "Client assertion application identifier doesn't match 'client_id' parameter.",
    )


def assertion_audience_not_realm() -> EntraError:
    """AADSTS50012 (*unverified*): a certificate assertion names another token endpoint."""
    return EntraError(
        401,
        "invalid_client",
        50012,
        "Client assertion audience claim does not match Realm issuer.",
    )


def assertion_out_of_time_range(
    *, now_s: float, not_before_s: float, expires_s: float
) -> EntraError:
    """AADSTS700024: the assertion is expired or not valid yet on the emulator clock."""
    return EntraError(
        400,
        "invalid_client",
        700024,
        f"Client assertion is not within its valid time range. Current time: "
        f"{_iso(now_s)}, assertion valid from {_iso(not_before_s)}, expiry time of "
        f"assertion {_iso(expires_s)}.",
    )


def no_fic_for_issuer(issuer: str) -> EntraError:
    """AADSTS700211: no federated credential of the app trusts this issuer."""
    return EntraError(
        400,
        "invalid_client",
        700211,
        f"No matching federated identity record found for presented assertion issuer "
        f"'{issuer}'. {_CHECK_FIC}",
    )


def no_fic_for_audience(audience: str) -> EntraError:
    """AADSTS700212: the credential matching issuer and subject expects another audience."""
    return EntraError(
        400,
        "invalid_client",
        700212,
        f"No matching federated identity record found for presented assertion audience "
        f"'{audience}'. {_CHECK_FIC}",
    )


def no_fic_for_subject(subject: str) -> EntraError:
    """AADSTS700213: no federated credential with this issuer has this subject."""
    return EntraError(
        400,
        "invalid_client",
        700213,
        f"No matching federated identity record found for presented assertion subject "
        f"'{subject}'. {_CHECK_FIC}",
    )


def invalid_scope(scope: str) -> EntraError:
    """AADSTS70011: the scope is empty, not a URI or names several resources."""
    return EntraError(
        400,
        "invalid_scope",
        70011,
        f"The provided value for the input parameter 'scope' is not valid. The scope "
        f"'{scope}' is not valid.",
    )


def scope_without_default_suffix(scope: str) -> EntraError:
    """AADSTS1002012: client credentials need ``{resource}/.default``."""
    return EntraError(
        400,
        "invalid_scope",
        1002012,
        f"The provided value for scope {scope} is not valid. Client credential flows must "
        "have a scope value with /.default suffixed to the resource identifier "
        "(application ID URI).",
    )


def unknown_resource(resource: str, tenant: str) -> EntraError:
    """AADSTS500011: the ``/.default`` scope names a resource the tenant does not have."""
    return EntraError(
        400,
        "invalid_resource",
        500011,
        f"The resource principal named {resource} was not found in the tenant named "
        f"{tenant}. This can happen if the application has not been installed by the "
        "administrator of the tenant or consented to by any user in the tenant. You might "
        "have sent your authentication request to the wrong tenant.",
    )


def _iso(epoch_s: float) -> str:
    """Format a moment like Entra's messages do (``2026-11-26T23:48:18.000Z``)."""
    try:
        moment = datetime.fromtimestamp(epoch_s, tz=UTC)
    except (OverflowError, OSError, ValueError):  # an assertion may claim any number
        return str(epoch_s)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
