"""The emulator application: routing, auth, faults, request log and persistence."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fabric_emulator
from fabric_emulator._clock import EmulatorClock, format_fabric_timestamp
from fabric_emulator._config import EmulatorConfig
from fabric_emulator._directory import Directory, default_directory
from fabric_emulator._fabric_store import FabricStore, default_fabric_store
from fabric_emulator._faults import FaultDecision, FaultPlan
from fabric_emulator._http import (
    BadRequestBodyError,
    EntraError,
    FabricError,
    GraphError,
    Request,
    Response,
)
from fabric_emulator._requestlog import LogEntry, RequestLog
from fabric_emulator._router import Route, Router, Surface
from fabric_emulator._tokens import (
    FABRIC_AUDIENCE,
    GRAPH_AUDIENCE,
    Identity,
    SigningKeys,
    TokenRejectedError,
    identity_from_claims,
)

POWER_BI_AUDIENCE = "https://analysis.windows.net/powerbi/api"
_AUDIENCES: Mapping[Surface, list[str]] = {
    Surface.FABRIC: [FABRIC_AUDIENCE, FABRIC_AUDIENCE + "/", POWER_BI_AUDIENCE],
    Surface.GRAPH: [GRAPH_AUDIENCE, GRAPH_AUDIENCE + "/", "00000003-0000-0000-c000-000000000000"],
}
# Graph's own codes and words for the statuses a fault can inject.
_GRAPH_INJECTED = {
    429: ("TooManyRequests", "Too many requests."),
    500: ("generalException", "General exception while processing."),
    502: ("badGateway", "Bad gateway."),
    503: ("serviceNotAvailable", "Service is temporarily unavailable. Please try again."),
    504: ("gatewayTimeout", "Gateway timeout."),
}
_COMMON_HEADERS = {
    "Cache-Control": "no-store, must-revalidate, no-cache",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "deny",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Access-Control-Expose-Headers": "RequestId",
}


@dataclass(kw_only=True)
class Context:
    """Everything a route handler needs for one request."""

    request: Request
    params: dict[str, str]
    emulator: Emulator
    request_id: str
    identity: Identity | None
    faults: FaultDecision
    route: Route

    @property
    def config(self) -> EmulatorConfig:
        """The emulator's current settings."""
        return self.emulator.config

    @property
    def now(self) -> float:
        """Emulator time, epoch seconds."""
        return self.emulator.clock.now()

    def timestamp(self, epoch_s: float | None = None) -> str:
        """Format a time the way Fabric does in this profile (no ``Z`` under realism)."""
        moment = self.now if epoch_s is None else epoch_s
        return format_fabric_timestamp(moment, with_zone=not self.config.realism)

    @property
    def base_url(self) -> str:
        """The URL of the listener this request came to (``https://127.0.0.1:PORT``)."""
        return f"{self.request.scheme}://{self.request.host}"

    @property
    def lro_base_url(self) -> str:
        """Where ``Location`` headers of LROs point: the redirect host under realism."""
        if self.config.realism and self.emulator.redirect_base_url:
            return self.emulator.redirect_base_url
        return self.emulator.main_base_url or self.base_url

    def require_identity(self) -> Identity:
        """Return the caller; routes on authenticated surfaces always have one."""
        if self.identity is None:
            raise FabricError(401, "TokenIsMissing", "Authorization header is missing")
        return self.identity


Sleeper = Callable[[float], None]


@dataclass(kw_only=True)
class Emulator:
    """One emulated Microsoft cloud, independent of any listening socket.

    The server hands it parsed requests; tests may call :meth:`handle` directly.
    Handlers run one at a time under ``lock`` (they take microseconds), so state changes
    are atomic; injected latency is spent outside the lock.
    """

    config: EmulatorConfig = field(default_factory=EmulatorConfig)
    clock: EmulatorClock = field(default_factory=EmulatorClock)
    state_dir: Path | None = None
    state_file: Path | None = None
    sleep: Sleeper = time.sleep
    main_base_url: str = ""
    redirect_base_url: str = ""
    keys: SigningKeys = field(init=False)
    directory: Directory = field(init=False)
    fabric: FabricStore = field(init=False)
    faults: FaultPlan = field(init=False)
    log: RequestLog = field(default_factory=RequestLog)
    router: Router = field(default_factory=Router)
    extensions: dict[str, Any] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.keys = SigningKeys.load_or_create(self.state_dir)
        self.faults = FaultPlan(seed=self.config.seed)
        self.reset()
        if self.state_file is not None and self.state_file.exists():
            self.load_state(json.loads(self.state_file.read_text(encoding="utf-8")))
        for module in _route_modules():
            module.register(self.router)

    # -- state -------------------------------------------------------------------------

    def reset(self, seed_data: dict[str, Any] | None = None) -> None:
        """Return to the default tenant (or ``seed_data``), forgetting faults and extensions."""
        with self.lock:
            self.directory = default_directory(self.config.tenant)
            self.fabric = default_fabric_store(self.directory)
            self.extensions.clear()
            self.faults.clear()
            if seed_data:
                self.load_state(seed_data)

    def load_state(self, data: dict[str, Any]) -> None:
        """Replace state from a snapshot (the ``--state-file`` or a seed)."""
        with self.lock:
            if "directory" in data:
                self.directory = Directory.from_json(data["directory"])
            if "fabric" in data:
                self.fabric = FabricStore.from_json(data["fabric"])

    def snapshot(self) -> dict[str, Any]:
        """Return the whole state as JSON-ready data."""
        with self.lock:
            return {
                "version": fabric_emulator.__version__,
                "clock": self.clock.snapshot(),
                "config": self.config.to_json(),
                "directory": self.directory.to_json(),
                "fabric": self.fabric.to_json(),
            }

    def save_state(self) -> None:
        """Write the state file atomically (when one is configured)."""
        if self.state_file is None:
            return
        with self.lock:
            data = self.snapshot()
            data.pop("config", None)
            data.pop("clock", None)
        temporary = self.state_file.with_suffix(self.state_file.suffix + ".tmp")
        temporary.write_text(json.dumps(data), encoding="utf-8")
        os.replace(temporary, self.state_file)

    def update_config(self, changes: dict[str, Any]) -> None:
        """Apply setting changes from the control API."""
        with self.lock:
            self.config = self.config.updated(changes)

    # -- request pipeline --------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Answer one request: route, fault, authenticate, throttle, run, log."""
        started = time.monotonic()
        seq = self.log.next_seq()
        arrived_s = self.clock.now()
        request_id = str(uuid.uuid4())
        match = self.router.lookup(request.method, request.path)
        identity: Identity | None = None
        decision = FaultDecision()
        if match.route is None:
            response = _not_found(request, match.allowed_methods, request_id)
        else:
            route = match.route
            if route.surface is not Surface.CONTROL:
                decision = self.faults.decide(request.method, request.path)
            if decision.latency_ms:
                self.sleep(decision.latency_ms / 1000.0)
            if decision.drop_before:
                response = Response(status=0, drop=True)
            elif decision.status is not None:
                response = self._injected_error(route.surface, decision, request_id)
            else:
                try:
                    identity = self._authenticate(route.surface, request)
                    self._check_quota(route.surface, identity)
                    context = Context(
                        request=request,
                        params=match.params,
                        emulator=self,
                        request_id=request_id,
                        identity=identity,
                        faults=decision,
                        route=route,
                    )
                    with self.lock:
                        response = route.handler(context)
                    if route.mutating and response.status < 400:
                        self.save_state()
                    if decision.drop_after and route.mutating:
                        response.drop = True
                except (FabricError, EntraError, GraphError, BadRequestBodyError) as error:
                    response = self._render_error(route.surface, error, request_id)
        self._finish(response, request_id)
        self.log.append(
            LogEntry(
                seq=seq,
                at_s=arrived_s,
                method=request.method,
                path=request.path,
                query=request.query_string,
                status=0 if response.drop else response.status,
                identity=identity.app_id if identity else None,
                duration_ms=(time.monotonic() - started) * 1000.0,
                request_id=request_id,
                listener=request.listener,
                host=request.host,
                authorization="authorization" in request.headers,
                retry_after=response.headers.get("Retry-After"),
                injected=tuple(str(kind) for kind in decision.injected),
                error_code=response.headers.get("x-ms-public-api-error-code"),
            )
        )
        return response

    def _authenticate(self, surface: Surface, request: Request) -> Identity | None:
        audiences = _AUDIENCES.get(surface)
        if audiences is None:
            return None
        header = request.headers.get("Authorization")
        if not header or not header.lower().startswith("bearer ") or not header[7:].strip():
            raise _unauthorized(surface, "TokenIsMissing", "Authorization header is missing")
        try:
            claims = self.keys.decode(
                header[7:].strip(), audience=audiences, now_epoch_s=self.clock.now()
            )
        except TokenRejectedError as rejected:
            raise _unauthorized(surface, rejected.error_code, rejected.message) from rejected
        identity = identity_from_claims(claims)
        if identity.tenant_id != self.directory.tenant_id:
            raise _unauthorized(surface, "InvalidToken", "The token was issued for another tenant")
        return identity

    def _check_quota(self, surface: Surface, identity: Identity | None) -> None:
        if identity is None or surface is not Surface.FABRIC:
            return
        retry_after = self.faults.check_quota(identity.key, self.clock.now())
        if retry_after is not None:
            raise FabricError(
                429,
                "RequestBlocked",
                "Request is blocked by the upstream service until: "
                + format_fabric_timestamp(self.clock.now() + retry_after),
                headers={"Retry-After": str(retry_after)},
                is_retriable=True,
            )

    def _injected_error(
        self, surface: Surface, decision: FaultDecision, request_id: str
    ) -> Response:
        """Render an injected 429 or 5xx in the error format of the route's surface."""
        status = decision.status or 500
        headers = {"Retry-After": str(decision.retry_after_s)} if status == 429 else {}
        error: Exception
        if status == 429:
            message = "Request is blocked by the upstream service until: " + (
                format_fabric_timestamp(self.clock.now() + (decision.retry_after_s or 0))
            )
        else:
            message = "An internal error occurred (injected by the emulator)."
        if surface is Surface.KEY_VAULT:
            code = "Throttled" if status == 429 else "ServiceUnavailable"
            response = Response.json(status, {"error": {"code": code, "message": message}})
            for name, value in headers.items():
                response.headers[name] = value
            return response
        if surface is Surface.GRAPH:
            code, message = _GRAPH_INJECTED.get(status, ("generalException", message))
            error = GraphError(status, code, message)
        elif surface is Surface.ENTRA:
            # Entra answers overload with OAuth2 error bodies, not Fabric's ErrorResponse.
            oauth_error = "temporarily_unavailable" if status in (429, 503) else "server_error"
            error = EntraError(status, oauth_error, 90033 if status == 429 else 90002, message)
        else:
            error = FabricError(
                status,
                decision.error_code or "InternalServerError",
                message,
                is_retriable=True,
            )
        response = self._render_error(surface, error, request_id)
        for name, value in headers.items():
            response.headers[name] = value
        return response

    def _render_error(self, surface: Surface, error: Exception, request_id: str) -> Response:
        timestamp = format_fabric_timestamp(self.clock.now())
        if isinstance(error, EntraError):
            return error.to_response(timestamp=timestamp.replace("T", " "), request_id=request_id)
        if isinstance(error, GraphError):
            return error.to_response(timestamp=timestamp, request_id=request_id)
        if isinstance(error, BadRequestBodyError):
            error = FabricError(400, "InvalidRequest", str(error))
        assert isinstance(error, FabricError)
        if surface is Surface.GRAPH:
            graph_code = {401: "InvalidAuthenticationToken", 429: "TooManyRequests"}.get(
                error.status, error.error_code
            )
            rendered = GraphError(error.status, graph_code, error.message).to_response(
                timestamp=timestamp, request_id=request_id
            )
            for name, value in error.headers.items():
                rendered.headers[name] = value
            return rendered
        return error.to_response(request_id)

    def _finish(self, response: Response, request_id: str) -> None:
        response.headers["RequestId"] = request_id
        for name, value in _COMMON_HEADERS.items():
            if name not in response.headers:
                response.headers[name] = value
        if "Content-Type" not in response.headers:
            response.headers["Content-Type"] = "application/octet-stream"


def _unauthorized(surface: Surface, code: str, message: str) -> Exception:
    if surface is Surface.GRAPH:
        return GraphError(401, "InvalidAuthenticationToken", message)
    return FabricError(401, code, message, headers={"WWW-Authenticate": 'Bearer realm=""'})


def _not_found(request: Request, allowed: frozenset[str], request_id: str) -> Response:
    if allowed:
        error = FabricError(
            405,
            "MethodNotAllowed",
            f"{request.method} is not allowed on {request.path}; allowed: {sorted(allowed)}",
            headers={"Allow": ", ".join(sorted(allowed))},
        )
    else:
        error = FabricError(404, "EntityNotFound", "The entity could not be found")
    return error.to_response(request_id)


def _route_modules() -> list[Any]:
    """Import every ``fabric_emulator._routes_*`` module, in name order."""
    names = sorted(
        info.name
        for info in pkgutil.iter_modules(fabric_emulator.__path__)
        if info.name.startswith("_routes_")
    )
    return [importlib.import_module(f"fabric_emulator.{name}") for name in names]
