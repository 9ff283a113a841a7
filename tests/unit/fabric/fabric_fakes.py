"""Fakes for client unit tests: a FabricClient over a MockTransport and a FakeClock."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from fabric_action.fabric import (
    ClientOptions,
    FabricClient,
    LroOptions,
    MockTransport,
    PipelineOptions,
    Request,
    Response,
    build_pipeline,
)
from fabric_action.reliability import BreakerOptions, FakeClock, RateLimitOptions

API = "https://api.fabric.test/v1"
GRAPH = "https://graph.test/v1.0"
REDIRECT = "https://cluster-redirect.analysis.test"
ALLOWED_HOSTS = frozenset({"api.fabric.test", "graph.test", "cluster-redirect.analysis.test"})


def allowed(url: str) -> bool:
    return urlsplit(url).netloc.lower() in ALLOWED_HOSTS


def respond(
    status: int = 200,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
    request_id: str = "rid-1",
) -> Response:
    """A response with a JSON body (or none), ``RequestId`` and any extra headers."""
    raw = b"" if body is None else json.dumps(body).encode()
    content_type = (
        "application/json; charset=utf-8" if body is not None else "application/octet-stream"
    )
    return Response(
        status=status,
        headers={"RequestId": request_id, "Content-Type": content_type, **(headers or {})},
        body=raw,
    )


def fabric_error(status: int, code: str, *, request_id: str = "rid-err", **extra: Any) -> Response:
    """Fabric's ErrorResponse with the error-code header."""
    body = {"errorCode": code, "message": f"{code} happened", "requestId": request_id, **extra}
    return respond(
        status, body, headers={"x-ms-public-api-error-code": code}, request_id=request_id
    )


def accepted(
    operation_id: str, *, retry_after: str | None = "20", host: str = REDIRECT
) -> Response:
    """A 202 naming an operation on the redirect host."""
    headers = {
        "Location": f"{host}/v1/operations/{operation_id}",
        "x-ms-operation-id": operation_id,
    }
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    return respond(202, None, headers=headers)


def state(
    status: str, *, retry_after: str | None = None, location: str | None = None, **body: Any
) -> Response:
    """An operation-state answer."""
    headers = {}
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    if location is not None:
        headers["Location"] = location
    return respond(200, {"status": status, **body}, headers=headers)


def make_client(
    handler: Callable[[Request], Response],
    *,
    clock: FakeClock | None = None,
    lro: LroOptions | None = None,
    create_attempts: int = 4,
) -> tuple[FabricClient, MockTransport, FakeClock]:
    """A client with no auth, no quota pacing, and no breaker, over ``handler``."""
    clock = clock or FakeClock()
    transport = MockTransport(handler)
    pipeline = build_pipeline(
        auth=None,
        options=PipelineOptions(
            rate_limit=RateLimitOptions(enabled=False), breaker=BreakerOptions(enabled=False)
        ),
        clock=clock,
        transport=transport,
    )
    client = FabricClient(
        pipeline,
        api_base=API,
        graph_base=GRAPH,
        is_allowed_host=allowed,
        clock=clock,
        options=ClientOptions(
            lro=lro or LroOptions(background=False), create_attempts=create_attempts
        ),
    )
    return client, transport, clock


def script(responses: list[Response | BaseException]) -> Callable[[Request], Response]:
    """A handler answering each request with the next scripted response (or error)."""
    queue = list(responses)

    def handler(request: Request) -> Response:
        if not queue:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        answer = queue.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    return handler
