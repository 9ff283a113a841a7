"""Build the real FabricClient against the emulator, and keep both clocks in step.

The client runs on an :class:`EmulatorSyncedClock` (a FakeClock that moves the emulator's
frozen clock with it) and gets real tokens from the emulator's Entra through the real
``MsalTokenProvider``. Two ways to let LRO polls happen without real waiting:

- ``LroOptions(background=False)``: whoever waits drives the polls and sleeps on the
  fake clock between them (deterministic; one thread).
- background scheduler + :class:`SchedulerClockDriver`: a test thread moves the clock
  to the scheduler's next poll whenever no poll is in flight, so the scheduler's own
  timer fires (time only ever runs ahead to a poll that is due, never past one).
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
from collections.abc import Iterator
from typing import Any

from client_support import EmulatorSyncedClock

from fabric_action.auth import ClientSecretCredential, MsalTokenProvider, emulator_cloud
from fabric_action.fabric import (
    ClientOptions,
    FabricClient,
    LroOptions,
    LroPoller,
    PipelineOptions,
    Request,
    RequestsTransport,
    Response,
)
from fabric_emulator.testing import RunningEmulator


def make_client(
    emulator: RunningEmulator,
    clock: EmulatorSyncedClock,
    *,
    lro: LroOptions | None = None,
    pipeline_options: PipelineOptions | None = None,
    create_attempts: int = 4,
    record_threads: dict[str, set[int]] | None = None,
) -> FabricClient:
    """Return a FabricClient for the emulator's default app, trusting only its CA.

    Args:
        record_threads: When given, maps "operations" and "other" to the ids of the
            threads that sent such requests.
    """
    profile = emulator_cloud(
        emulator.base_url, emulator.redirect_base_url, ca_bundle_path=str(emulator.ca_path)
    )
    provider = MsalTokenProvider(
        ClientSecretCredential(
            tenant_id=emulator.tenant,
            client_id=emulator.client_id,
            secret=emulator.client_secret,
        ),
        profile=dataclasses.replace(profile, use_environment_proxies=False),
        clock=clock,
        environ={},
    )
    options = pipeline_options or PipelineOptions()
    transport_options = dataclasses.replace(
        options.transport, ca_bundle_path=str(emulator.ca_path), use_proxy_env=False
    )
    transport: Any = RequestsTransport(transport_options)
    if record_threads is not None:
        transport = ThreadRecordingTransport(transport, record_threads)
    client = FabricClient.for_cloud(
        profile,
        provider,
        pipeline_options=dataclasses.replace(options, transport=transport_options),
        options=ClientOptions(
            lro=lro or LroOptions(background=False), create_attempts=create_attempts
        ),
        clock=clock,
        transport=transport,
    )
    return client


class ThreadRecordingTransport:
    """Wrap a transport and note which threads sent operation polls and other calls."""

    def __init__(self, inner: RequestsTransport, seen: dict[str, set[int]]) -> None:
        self._inner = inner
        self._seen = seen
        self._lock = threading.Lock()
        seen.setdefault("operations", set())
        seen.setdefault("other", set())

    def send(self, request: Request) -> Response:
        kind = "operations" if "/v1/operations/" in request.url else "other"
        with self._lock:
            self._seen[kind].add(threading.get_ident())
        return self._inner.send(request)

    def close(self) -> None:
        self._inner.close()


class SchedulerClockDriver:
    """Advance a FakeClock to the scheduler's next poll whenever no poll is in flight."""

    def __init__(self, poller: LroPoller, clock: EmulatorSyncedClock) -> None:
        self._poller = poller
        self._clock = clock
        self._stop = threading.Event()
        self.jumps = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            due = self._poller.next_due_s
            if due is not None and self._poller.polls_in_flight == 0:
                gap = due - self._clock.monotonic()
                if gap > 0:
                    self._clock.advance(gap)
                    self.jumps += 1
            self._poller.wake()  # a FakeClock moves without notifying its waiters
            time.sleep(0.001)

    def __enter__(self) -> SchedulerClockDriver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(5)


@contextlib.contextmanager
def driven(client: FabricClient, clock: EmulatorSyncedClock) -> Iterator[SchedulerClockDriver]:
    """Run a :class:`SchedulerClockDriver` for the client's scheduler."""
    with SchedulerClockDriver(client.operations, clock) as driver:
        yield driver


def fabric_log(emulator: RunningEmulator, since: int = 0) -> list[dict[str, Any]]:
    """The emulator's log of Fabric and Graph calls (control and token routes left out)."""
    return [
        entry
        for entry in emulator.requests_log(since)
        if entry["path"].startswith(("/v1/", "/v1.0/"))
    ]


def last_seq(emulator: RunningEmulator) -> int:
    """The sequence number of the last logged request (0 if none)."""
    log = emulator.requests_log()
    return int(log[-1]["seq"]) if log else 0


__all__ = [
    "SchedulerClockDriver",
    "ThreadRecordingTransport",
    "driven",
    "fabric_log",
    "last_seq",
    "make_client",
]
