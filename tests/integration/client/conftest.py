"""Fixtures for the client stack against the emulator: one clock for both, real tokens.

``emulator`` (HTTPS, frozen emulator clock) comes from tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from client_support import (
    FABRIC_SCOPE,
    AllowList,
    EmulatorSyncedClock,
    EmulatorTokens,
    PipelineFactory,
)

from fabric_action.fabric import (
    BearerTokenPolicy,
    Pipeline,
    PipelineOptions,
    build_pipeline,
)
from fabric_emulator.testing import RunningEmulator


@pytest.fixture
def clock(emulator: RunningEmulator) -> EmulatorSyncedClock:
    """The client's clock, driving the emulator's."""
    return EmulatorSyncedClock(emulator.emulator.clock)


@pytest.fixture
def tokens(emulator: RunningEmulator) -> EmulatorTokens:
    return EmulatorTokens(emulator)


@pytest.fixture
def allow_list(emulator: RunningEmulator) -> AllowList:
    return AllowList(emulator.base_url, emulator.redirect_base_url)


@pytest.fixture
def make_pipeline(
    emulator: RunningEmulator,
    clock: EmulatorSyncedClock,
    tokens: EmulatorTokens,
    allow_list: AllowList,
) -> Iterator[PipelineFactory]:
    """Build the full stack against the emulator (its CA only), closing it afterwards."""
    built: list[Pipeline] = []

    def make(
        options: PipelineOptions | None = None, *, https_only: bool = True, **kwargs: object
    ) -> Pipeline:
        options = options or PipelineOptions()
        trusted = replace(
            options.transport, ca_bundle_path=str(emulator.ca_path), use_proxy_env=False
        )
        options = replace(options, transport=trusted)
        auth = BearerTokenPolicy.for_scope(
            tokens, allow_list, scope=FABRIC_SCOPE, https_only=https_only
        )
        pipeline = build_pipeline(auth=auth, options=options, clock=clock, **kwargs)  # type: ignore[arg-type]
        built.append(pipeline)
        return pipeline

    yield make
    for pipeline in built:
        pipeline.close()
