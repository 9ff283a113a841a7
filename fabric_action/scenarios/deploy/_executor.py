"""The one way a deployment mutates Fabric: intent, then the call, then its outcome.

Every mutation is a :class:`Step`. :meth:`StepExecutor.execute` captures what an undo
would need (the item's current definition, read with ``getDefinition`` before an update
or a delete), tells the hooks the intent, makes the call, tells them the operation id
and location as soon as Fabric accepted a long-running operation, and tells them how it
ended. A transaction journal is one implementation of :class:`StepHooks` (INTENT before,
the LRO id before polling, DONE/FAILED after); the scenario never changes for it.
The executor also keeps a :class:`StepRecord` per step for the report.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeVar

from fabric_action.errors import ServiceError
from fabric_action.fabric import Definition, FabricClient, ItemConnection, Lro, OnStarted
from fabric_action.fabric import DefinitionPart as WirePart
from fabric_action.reliability import Clock

__all__ = ["Step", "StepExecutor", "StepHooks", "StepKind", "StepRecord"]

T = TypeVar("T")


class StepKind(StrEnum):
    """The mutations a deployment makes."""

    CREATE_FOLDER = "create-folder"
    DELETE_FOLDER = "delete-folder"
    CREATE_ITEM = "create-item"
    UPDATE_ITEM = "update-item"
    MOVE_ITEM = "move-item"
    DELETE_ITEM = "delete-item"
    ACTIVATE_VALUE_SET = "activate-value-set"
    PUBLISH_ENVIRONMENT = "publish-environment"
    BIND_CONNECTION = "bind-connection"


_CAPTURES_PRIOR = frozenset({StepKind.UPDATE_ITEM, StepKind.DELETE_ITEM})


@dataclass(frozen=True, kw_only=True)
class Step:
    """One mutation.

    Attributes:
        kind: What it does.
        workspace_id: Where.
        target: ``Type/name`` of an item or the path of a folder.
        item_id: The item's id when it exists before the step ("" otherwise).
        captures_prior: Read the item's definition first (updates and deletes of items
            that have one).
        prior_binding: For a bind, the data source reference it changes as it was before
            (read by the caller; None when the model had none matching). An undo sends
            ``ConnectionBinding.restoring(prior_binding)``.
    """

    kind: StepKind
    workspace_id: str
    target: str
    item_id: str = ""
    captures_prior: bool = True
    prior_binding: ItemConnection | None = None


@dataclass(kw_only=True)
class StepRecord:
    """What happened to one step (for the report).

    Attributes:
        step: The step.
        status: ``running``, ``succeeded`` or ``failed``.
        started_s: Clock time it started (monotonic).
        duration_s: How long it took, once ended.
        operation_id: Fabric's operation id, for a long-running one.
        request_id: The failing response's request id, when the service answered one.
        error: The error message, when it failed.
    """

    step: Step
    status: str = "running"
    started_s: float = 0.0
    duration_s: float = 0.0
    operation_id: str = ""
    request_id: str = ""
    error: str = ""


class StepHooks(Protocol):
    """What a journal (or telemetry) sees of each step."""

    def on_intent(self, step: Step, prior: Definition | None) -> None:
        """Before the call; *prior* is the definition an undo would restore."""

    def on_started(self, step: Step, operation_id: str, location: str) -> None:
        """Fabric accepted a long-running operation (before its first poll)."""

    def on_done(self, step: Step, result: object) -> None:
        """The step succeeded."""

    def on_failed(self, step: Step, error: BaseException) -> None:
        """The step failed (its effect is unknown for a lost response)."""


class NoHooks:
    """Hooks that do nothing (transactions off)."""

    def on_intent(self, step: Step, prior: Definition | None) -> None:
        """Do nothing."""

    def on_started(self, step: Step, operation_id: str, location: str) -> None:
        """Do nothing."""

    def on_done(self, step: Step, result: object) -> None:
        """Do nothing."""

    def on_failed(self, step: Step, error: BaseException) -> None:
        """Do nothing."""


class StepExecutor:
    """Run steps through the hooks (see the module docstring). Thread-safe.

    Args:
        client: Reads prior definitions.
        clock: Times each step.
        hooks: The journal, or :class:`NoHooks`.
        prior_definitions: item id -> definition already read while planning (reused,
            not read again).
    """

    def __init__(
        self,
        client: FabricClient,
        *,
        clock: Clock,
        hooks: StepHooks | None = None,
        prior_definitions: Mapping[str, tuple[WirePart, ...]] | None = None,
    ) -> None:
        self._client = client
        self._clock = clock
        self._hooks: StepHooks = hooks or NoHooks()
        self._prior = dict(prior_definitions or {})
        self._lock = threading.Lock()
        self.records: list[StepRecord] = []

    def _capture(self, step: Step) -> Definition | None:
        if step.kind not in _CAPTURES_PRIOR or not step.captures_prior or not step.item_id:
            return None
        known = self._prior.get(step.item_id)
        if known is not None:
            return Definition(parts=known)
        return self._client.items.get_definition(step.workspace_id, step.item_id)

    def execute_sync(self, step: Step, call: Callable[[], T]) -> T:
        """Run one step whose call finishes inline; return its result.

        Raises:
            FabricActionError: As :meth:`execute`.
        """
        return self.execute(step, lambda _: Lro.completed(call(), what=step.target)).result()

    def execute(self, step: Step, call: Callable[[OnStarted], Lro[T]]) -> Lro[T]:
        """Run one step; return its handle (already done for a call that finished inline).

        Raises:
            FabricActionError: Reading the prior definition or the call itself failed
                (the hooks have been told).
        """
        record = StepRecord(step=step, started_s=self._clock.monotonic())
        with self._lock:
            self.records.append(record)

        def started(operation_id: str, location: str) -> None:
            record.operation_id = operation_id
            self._hooks.on_started(step, operation_id, location)

        try:
            prior = self._capture(step)
            self._hooks.on_intent(step, prior)
            result = call(started)
        except Exception as error:
            self._ended(record, None, error)
            raise

        def ended(done: Lro[T]) -> None:
            error = done.exception()
            self._ended(record, None if error is not None else done.result(), error)

        result.add_done_callback(ended)
        return result

    def _ended(self, record: StepRecord, result: object, error: BaseException | None) -> None:
        record.duration_s = max(0.0, self._clock.monotonic() - record.started_s)
        if error is None:
            record.status = "succeeded"
            self._hooks.on_done(record.step, result)
            return
        record.status = "failed"
        record.error = str(error)
        if isinstance(error, ServiceError):
            record.request_id = error.request_id or ""
        self._hooks.on_failed(record.step, error)
