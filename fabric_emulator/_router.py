"""Route table: ``METHOD /path/{param}`` patterns to handlers, literal segments first."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fabric_emulator._app import Context
    from fabric_emulator._http import Response

Handler = Callable[["Context"], "Response"]

_PARAM = re.compile(r"^\{(\w+)\}$")


class Surface(StrEnum):
    """Which Microsoft service a route imitates: it decides auth and the error body."""

    FABRIC = "fabric"
    ENTRA = "entra"
    GRAPH = "graph"
    KEY_VAULT = "keyvault"
    OIDC = "oidc"
    APP_INSIGHTS = "appinsights"
    CONTROL = "control"


@dataclass(frozen=True, kw_only=True)
class Route:
    """One registered route."""

    method: str
    pattern: str
    surface: Surface
    handler: Handler
    segments: tuple[str, ...]
    mutating: bool
    literal_count: int

    def match(self, parts: list[str]) -> dict[str, str] | None:
        """Return path parameters when ``parts`` fits this route."""
        if len(parts) != len(self.segments):
            return None
        params: dict[str, str] = {}
        for template, actual in zip(self.segments, parts, strict=True):
            found = _PARAM.match(template)
            if found:
                if not actual:
                    return None
                params[found.group(1)] = actual
            elif template.lower() != actual.lower():
                return None
        return params


@dataclass(frozen=True, kw_only=True)
class RouteMatch:
    """The outcome of a lookup: a route and its parameters, or the allowed methods."""

    route: Route | None
    params: dict[str, str]
    allowed_methods: frozenset[str]


def split_path(path: str) -> list[str]:
    """Split a URL path into segments, ignoring a trailing slash (Fabric ignores it too)."""
    stripped = path.strip("/")
    return stripped.split("/") if stripped else []


class Router:
    """Hold routes and find the best one for a request."""

    def __init__(self) -> None:
        self._routes: list[Route] = []
        self._sorted = True

    def _ordered(self) -> list[Route]:
        if not self._sorted:
            self._routes.sort(key=lambda route: -route.literal_count)
            self._sorted = True
        return self._routes

    def add(
        self,
        method: str,
        pattern: str,
        handler: Handler,
        *,
        surface: Surface,
        mutating: bool | None = None,
    ) -> None:
        """Register ``handler`` for ``method`` on ``pattern`` (``{name}`` matches one segment).

        Args:
            mutating: Whether the route changes state (default: every method but GET/HEAD).
                The state file is saved after a mutating request and a "drop after"
                fault applies the change before dropping the connection.
        """
        segments = split_path(pattern)
        self._routes.append(
            Route(
                method=method.upper(),
                pattern=pattern,
                surface=surface,
                handler=handler,
                segments=tuple(segments),
                mutating=method.upper() not in ("GET", "HEAD") if mutating is None else mutating,
                # More literal segments win over parameters ("/items/bulkMove" beats
                # "/items/{itemId}").
                literal_count=sum(1 for segment in segments if not _PARAM.match(segment)),
            )
        )
        self._sorted = False

    def route(
        self, method: str, pattern: str, *, surface: Surface, mutating: bool | None = None
    ) -> Callable[[Handler], Handler]:
        """Register the decorated function as a handler."""

        def register(handler: Handler) -> Handler:
            self.add(method, pattern, handler, surface=surface, mutating=mutating)
            return handler

        return register

    def lookup(self, method: str, path: str) -> RouteMatch:
        """Find the most specific route for ``method`` and ``path``."""
        parts = split_path(path)
        allowed: set[str] = set()
        for route in self._ordered():
            params = route.match(parts)
            if params is None:
                continue
            if route.method == method.upper():
                return RouteMatch(route=route, params=params, allowed_methods=frozenset())
            allowed.add(route.method)
        return RouteMatch(route=None, params={}, allowed_methods=frozenset(allowed))

    @property
    def routes(self) -> tuple[Route, ...]:
        """Every registered route, most specific first."""
        return tuple(self._ordered())
