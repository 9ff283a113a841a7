"""The one exception tree of fabric-action, and the process exit codes it maps to.

```
FabricActionError                 exit 1  base of every error raised on purpose
 ├── ConfigError                  exit 2  bad input, config file or CI environment
 │    ├── ConfigFileError                 every problem of a config file at once, each a
 │    │    │                              ConfigProblem with its file:line:column or input
 │    │    └── ItemSourceError            the items to deploy have problems: item folders,
 │    │         │                         .platform files, references (path[:line] each)
 │    │         ├── ParameterError        parameter.yml has problems (file:line each)
 │    │         └── UnmappedReferenceError  a definition keeps a source-workspace id no
 │    │                                   rule rewrites (item path:line each)
 │    ├── SecretsError                    a secret could not be resolved (name, vault kept)
 │    │    ├── InvalidSecretNameError     not 1-127 letters, digits and hyphens
 │    │    ├── SecretNotFoundError        in neither the vault nor the .env file
 │    │    ├── SecretDisabledError        the vault holds it, disabled (never falls back)
 │    │    ├── SecretsUnavailableError    the vault failed where no fallback is allowed
 │    │    ├── SecretDeferredError        offline (validate): read from Key Vault at deploy
 │    │    │                              time, the vault is not contacted now
 │    │    └── DotenvRefusedError         .env is tracked by git, or that cannot be checked
 │    ├── UntrustedRedirectError          the service pointed a poll at a host the cloud
 │    │                                   profile does not allow
 │    └── PrincipalResolutionError        a principal named in the config cannot be resolved
 │         ├── UnknownPrincipalError      Graph knows no principal by that name or id
 │         └── AmbiguousPrincipalError    the name matches two or more principals
 ├── AuthError                    exit 3  no token: bad credential, OIDC or Entra failure
 │    └── EntraTokenError                 Entra refused the token request (AADSTS code,
 │                                        correlation id kept)
 ├── TransportError               exit 1  the HTTP exchange itself failed
 │    ├── RequestNotSentError             connect failed: the server never saw it
 │    │    └── TlsVerificationError       the server's certificate is not trusted
 │    └── ResponseLostError               sent, but no answer (read timeout, reset):
 │                                        the change may or may not have been applied
 ├── ServiceError                 exit 1  the service answered an error (status, errorCode,
 │    │                                   requestId kept)
 │    ├── ThrottledError                  429 the deadline could not wait out
 │    ├── NotFoundError                   404
 │    ├── ConflictError                   409, or a name already in use
 │    ├── PermissionDeniedError           401/403 on an API call
 │    │    └── GraphPermissionError       the app lacks a Microsoft Graph permission
 │    ├── OperationFailedError            a long-running operation ended Failed/Undefined
 │    └── UnexpectedResponseError         a 2xx whose body cannot be read as documented
 │         └── ContinuationLoopError      a list call handed back a continuation it
 │                                        had already given
 ├── DeadlineExceededError        exit 1  the operation's deadline passed
 ├── CircuitOpenError             exit 1  the host's breaker is open; carries the seconds
 │                                        until its probe
 ├── DeploymentError              exit 1  the deployment failed (and was rolled back)
 │    └── RollbackError           exit 4  rollback incomplete; the journal is kept
 └── CancelledError               exit 130 SIGINT/SIGTERM
```

Each error carries the exit code the CLI returns for it, so the mapping lives in one place.
Branch on :attr:`ServiceError.error_code` (Fabric's ``errorCode``), never on message text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes of the CLI (DESIGN.md, "Errors and exit codes")."""

    OK = 0
    DEPLOYMENT_FAILED = 1
    CONFIG_ERROR = 2
    AUTH_ERROR = 3
    ROLLBACK_INCOMPLETE = 4
    CANCELLED = 130


class FabricActionError(Exception):
    """Base of every error fabric-action raises on purpose."""

    exit_code: ExitCode = ExitCode.DEPLOYMENT_FAILED


class ConfigError(FabricActionError):
    """An input, config file or CI environment value is missing or invalid."""

    exit_code = ExitCode.CONFIG_ERROR


class SecretsError(ConfigError):
    """A secret could not be resolved.

    Attributes:
        secret_name: The secret's name ("" when the failure is not about one secret).
        vault_url: The Key Vault involved ("" when none was).
    """

    def __init__(self, message: str, *, secret_name: str = "", vault_url: str = "") -> None:
        super().__init__(message)
        self.secret_name = secret_name
        self.vault_url = vault_url


class InvalidSecretNameError(SecretsError):
    """A secret name breaks Key Vault's rule (1-127 letters, digits and hyphens)."""


class SecretNotFoundError(SecretsError):
    """The secret is in neither the vault nor the ``.env`` file."""


class SecretDisabledError(SecretsError):
    """The vault holds the secret but it is disabled; no fallback may bypass that."""


class SecretsUnavailableError(SecretsError):
    """The vault failed (unreachable, refused, 5xx) where no fallback is allowed (prod)."""


class SecretDeferredError(SecretsError):
    """Offline (``validate``): the secret comes from Key Vault, which is not contacted.

    Not a fault: the value is read at deploy time. Raised only by a SecretManager built
    with ``offline=True``; :attr:`vault_url` names the vault that will be read.
    """


class DotenvRefusedError(SecretsError):
    """The ``.env`` file is tracked by git, or whether it is could not be checked."""


class UntrustedRedirectError(ConfigError):
    """The service pointed a poll or a page at a host the cloud profile does not allow.

    Nothing was sent there: the bearer token goes only to allowed hosts. If the host is
    genuinely Fabric's (a new long-running-operation cluster), add its pattern to the
    cloud profile's ``lro_redirect_hosts``.

    Attributes:
        url: The refused URL, without query string.
    """

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url


class PrincipalResolutionError(ConfigError):
    """A principal the config names by UPN, display name or app id cannot be resolved.

    Attributes:
        principal: The value as the config wrote it.
        principal_type: User, Group, ServicePrincipal or ServicePrincipalProfile.
    """

    def __init__(self, message: str, *, principal: str, principal_type: str) -> None:
        super().__init__(message)
        self.principal = principal
        self.principal_type = principal_type


class UnknownPrincipalError(PrincipalResolutionError):
    """Microsoft Graph has no principal of that type by that name, UPN or app id."""


class AmbiguousPrincipalError(PrincipalResolutionError):
    """The display name matches two or more principals; the config must give the object id.

    Attributes:
        matches: Object ids of every match.
    """

    def __init__(
        self, message: str, *, principal: str, principal_type: str, matches: Sequence[str]
    ) -> None:
        super().__init__(message, principal=principal, principal_type=principal_type)
        self.matches = tuple(matches)


@dataclass(frozen=True)
class ConfigProblem:
    """One fault (or warning) in the configuration, with the place it comes from.

    Attributes:
        code: Stable machine-readable category, e.g. ``schema.enum`` or
            ``syntax.duplicate-key``; branch on this, never on :attr:`message`.
        message: What is wrong and what to do, in words a person understands.
        file: The config file as the user named it ("" when the fault has no file).
        line: 1-based line in *file*, when the fault has a place.
        column: 1-based column in *file*, when the fault has a place.
        origin: Where a value that is not in the file came from, e.g.
            ``input enableRetry (INPUT_ENABLERETRY)``.
        path: The setting, as a JSON path such as ``environments.prod.auth.client_id``.
    """

    code: str
    message: str
    file: str = ""
    line: int | None = None
    column: int | None = None
    origin: str = ""
    path: str = ""

    @property
    def location(self) -> str:
        """Return ``file:line:column`` (as much as is known) or the origin."""
        if not self.file:
            return self.origin
        place = [self.file]
        if self.line is not None:
            place.append(str(self.line))
            if self.column is not None:
                place.append(str(self.column))
        return ":".join(place)

    def __str__(self) -> str:
        return ": ".join(part for part in (self.location, self.path, self.message) if part)


class ConfigFileError(ConfigError):
    """The configuration has problems; all of them are listed, each with its place.

    Attributes:
        problems: Every problem found, in file order.
    """

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


class ItemSourceError(ConfigFileError):
    """The items to deploy have problems; every one is listed with its place.

    Raised for item folders and ``.platform`` files (read), and for definitions that cannot
    be rendered for the target (a reference that does not resolve). Each problem's
    ``file`` is the repository path (or parameter file) and ``line`` the line, when known.
    """


class ParameterError(ItemSourceError):
    """The parameter file (``parameter.yml`` and its ``extend`` templates) has problems.

    Each problem names the file and line of the key or value at fault.
    """


class UnmappedReferenceError(ItemSourceError):
    """A definition keeps an id of the source workspace that no rule rewrites.

    Deploying it would leave the target pointing at the source environment, the silent
    failure behind fabric-cicd issues #209, #311 and #834.
    """


class AuthError(FabricActionError):
    """A token could not be obtained (credential rejected, OIDC endpoint failed...)."""

    exit_code = ExitCode.AUTH_ERROR


class EntraTokenError(AuthError):
    """Entra ID answered a token request with an OAuth2 error.

    Branch on :attr:`error` and :attr:`error_codes`, never on the description, which
    Entra rewords freely.

    Attributes:
        error: OAuth2 ``error`` (``invalid_client``, ``unauthorized_client``...).
        error_codes: Entra's AADSTS numbers (``(7000215,)`` for a wrong secret).
        correlation_id: Entra's ``correlation_id``, for support tickets ("" if none).
        trace_id: Entra's ``trace_id`` ("" if none).
    """

    def __init__(
        self,
        message: str,
        *,
        error: str,
        error_codes: tuple[int, ...] = (),
        correlation_id: str = "",
        trace_id: str = "",
    ) -> None:
        super().__init__(message)
        self.error = error
        self.error_codes = error_codes
        self.correlation_id = correlation_id
        self.trace_id = trace_id

    @property
    def aadsts(self) -> str:
        """The first code as Entra prints it (``AADSTS7000215``), "" if none."""
        return f"AADSTS{self.error_codes[0]}" if self.error_codes else ""


class TransportError(FabricActionError):
    """The HTTP exchange failed before a response could be read.

    Attributes:
        method: HTTP method of the request.
        url: URL of the request (never with credentials).
    """

    def __init__(self, message: str, *, method: str = "", url: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.url = url

    @property
    def request_sent(self) -> bool:
        """Whether the server may have received (and acted on) the request."""
        return True


class RequestNotSentError(TransportError):
    """The connection could not be made: the server never saw the request; safe to resend."""

    @property
    def request_sent(self) -> bool:
        """Return False: nothing reached the server."""
        return False


class TlsVerificationError(RequestNotSentError):
    """The server's TLS certificate was not trusted, so nothing was sent.

    A configuration problem, not a transient one: it is never retried. Check the CA bundle
    setting (a TLS-intercepting proxy needs its CA there).
    """


class ResponseLostError(TransportError):
    """The request was sent but no response arrived (read timeout, connection reset).

    A non-idempotent call that ends like this must be reconciled by looking the resource
    up by its natural key before it is sent again.
    """


class ServiceError(FabricActionError):
    """The service answered with an error status.

    Attributes:
        status: HTTP status code.
        error_code: Fabric's ``errorCode`` (or Graph's / Entra's code), "" if none.
        request_id: The ``RequestId`` of the failing call, for support tickets.
        retry_after_s: The server's Retry-After in seconds, when it sent one.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        error_code: str = "",
        request_id: str = "",
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.request_id = request_id
        self.retry_after_s = retry_after_s

    def __str__(self) -> str:
        base = super().__str__()
        details = [f"HTTP {self.status}"]
        if self.error_code:
            details.append(f"errorCode {self.error_code}")
        if self.request_id:
            details.append(f"requestId {self.request_id}")
        return f"{base} ({', '.join(details)})"


class ThrottledError(ServiceError):
    """429 that could not be waited out within the operation's deadline."""


class NotFoundError(ServiceError):
    """404: the resource does not exist (or the caller cannot see it)."""


class ConflictError(ServiceError):
    """409, or a name already in use."""


class PermissionDeniedError(ServiceError):
    """401/403 on an API call: the identity lacks a role, scope or permission."""


class GraphPermissionError(PermissionDeniedError):
    """Microsoft Graph refused a directory read (``Authorization_RequestDenied``).

    The deploying app lacks the application permission the lookup needs; the message
    names it. Grant it with admin consent, or give principals by object id and type in the
    config, which needs no Graph call at all.
    """


class OperationFailedError(ServiceError):
    """A long-running operation ended ``Failed`` or ``Undefined``."""


class UnexpectedResponseError(ServiceError):
    """The service answered 2xx with a body that is not what its contract documents."""


class ContinuationLoopError(UnexpectedResponseError):
    """A list call handed back a continuation token (or URI) it had already given.

    Following it would fetch the same pages forever; the listing stops with this error.
    """


class DeadlineExceededError(FabricActionError):
    """The operation's deadline passed before it could complete."""


class CircuitOpenError(FabricActionError):
    """The host's circuit breaker is open and rejected the call without sending it.

    Attributes:
        host: The host whose breaker is open.
        retry_in_s: Seconds until the breaker admits its half-open probe.
    """

    def __init__(self, message: str, *, host: str, retry_in_s: float) -> None:
        super().__init__(message)
        self.host = host
        self.retry_in_s = retry_in_s


class DeploymentError(FabricActionError):
    """The deployment failed; what it did was rolled back."""


class RollbackError(DeploymentError):
    """Rollback could not undo everything; the journal is kept for a later retry."""

    exit_code = ExitCode.ROLLBACK_INCOMPLETE


class CancelledError(FabricActionError):
    """The run was cancelled by SIGINT or SIGTERM."""

    exit_code = ExitCode.CANCELLED
