"""Client stack overhead: what deadline, breaker, retry, rate limit and auth cost per call.

Two measurements:

1. ``per_call_overhead_ms``: the median time of one call through the full stack minus the
   median of the same call straight to the transport, on a fake transport that answers
   at once (so only the policies are measured). Target <= 0.3 ms.
2. ``stack_overhead_ratio``: 500 ``GET /v1/workspaces`` against an in-process HTTPS
   emulator whose Fabric routes answer after 40 ms (a latency fault), through the full
   stack and through a bare keep-alive ``requests.Session``, interleaved call by call so
   both see the same machine; the ratio of their total times. Target <= 1.05.

The quota bucket is set far above the call rate in both: its pacing is the quota doing
its job, not overhead. A benchmark, not a gate; the last line is
``stack_overhead_ratio=R``.

    python benchmarks/client_overhead.py [--fake-calls 20000] [--emulator-calls 500]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import requests

from fabric_action.fabric import (
    BearerTokenPolicy,
    MockTransport,
    Pipeline,
    PipelineOptions,
    Request,
    Response,
    TransportOptions,
    build_pipeline,
)
from fabric_action.reliability import RateLimitOptions
from fabric_emulator.testing import running_emulator

_TIMEOUT_S = (10.0, 120.0)
_UNPACED = RateLimitOptions(calls_per_minute=10**9)  # checked on every call, never full


def _auth(token: str, allowed_prefix: str) -> BearerTokenPolicy:
    return BearerTokenPolicy(
        token_for=lambda _: token,
        is_allowed_host=lambda url: url.startswith(allowed_prefix),
        invalidate_for=lambda _: None,
    )


def _time_each(call: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def per_call_overhead_ms(calls: int) -> float:
    """Return the median per-call cost of the policies, in milliseconds."""
    url = "https://api.fabric.test/v1/workspaces"
    answer = Response(status=200, headers={"RequestId": "r"}, body=b'{"value": []}')
    transport = MockTransport(lambda _: answer)
    pipeline = build_pipeline(
        auth=_auth("token", "https://api.fabric.test/"),
        transport=transport,
        options=PipelineOptions(rate_limit=_UNPACED),
    )
    request = Request(method="GET", url=url)
    stack, bare = [], []
    for _ in range(calls // 1000):  # interleave batches so drift hits both alike
        stack += _time_each(lambda: pipeline.send(request), 1000)
        bare += _time_each(lambda: transport.send(request), 1000)
        transport.requests.clear()
    return (statistics.median(stack) - statistics.median(bare)) * 1000.0


def stack_overhead_ratio(calls: int) -> tuple[float, float, float]:
    """Return (ratio of totals, median stack ms, median bare ms) against the emulator."""
    with running_emulator() as emulator:
        emulator.set_faults([{"route": "/v1/**", "latency_ms": 40}])
        token = emulator.fabric_token()
        url = f"{emulator.base_url}/v1/workspaces"
        bare = requests.Session()
        bare.trust_env = False
        bare.verify = str(emulator.ca_path)
        bare.headers["Authorization"] = f"Bearer {token}"
        options = PipelineOptions(
            rate_limit=_UNPACED,
            transport=TransportOptions(ca_bundle_path=str(emulator.ca_path), use_proxy_env=False),
        )
        pipeline: Pipeline = build_pipeline(auth=_auth(token, emulator.base_url), options=options)
        request = Request(method="GET", url=url)

        def through_stack() -> None:
            assert pipeline.send(request).status == 200

        def through_bare() -> None:
            assert bare.get(url, timeout=_TIMEOUT_S).status_code == 200

        through_stack()  # open both keep-alive connections first
        through_bare()
        stack_s, bare_s = [], []
        for _ in range(calls):
            stack_s += _time_each(through_stack, 1)
            bare_s += _time_each(through_bare, 1)
        pipeline.close()
        bare.close()
    return (
        sum(stack_s) / sum(bare_s),
        statistics.median(stack_s) * 1000.0,
        statistics.median(bare_s) * 1000.0,
    )


def main() -> None:
    """Measure and print the figures; the last line is ``stack_overhead_ratio=R``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fake-calls", type=int, default=20_000)
    parser.add_argument("--emulator-calls", type=int, default=500)
    args = parser.parse_args()
    overhead = per_call_overhead_ms(args.fake_calls)
    print(f"per_call_overhead_ms={overhead:.3f}")
    ratio, stack_ms, bare_ms = stack_overhead_ratio(args.emulator_calls)
    print(f"median per call against the emulator: stack {stack_ms:.2f} ms, bare {bare_ms:.2f} ms")
    print(f"stack_overhead_ratio={ratio:.3f}")


if __name__ == "__main__":
    main()
