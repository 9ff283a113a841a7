"""A long-running operation as its caller sees it: a handle that a scheduler completes.

The handle holds no thread. It carries what a journal needs (``operation_id`` and the
``location`` to poll) and when it is next due (``next_poll_at_s``); a
:class:`~fabric_action.fabric.LroPoller` advances it by calling its poll step, and
:meth:`Lro.result` blocks only the caller that chose to wait.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from fabric_action.errors import DeadlineExceededError, FabricActionError
from fabric_action.reliability import Deadline

if TYPE_CHECKING:
    from ._scheduler import LroPoller

__all__ = ["Lro", "LroStatus", "PollResult", "PollStep"]

T = TypeVar("T")
_LOG = logging.getLogger("fabric_action.fabric")


class LroStatus(StrEnum):
    """Operation states, as Fabric and its SDKs spell them (compare with :meth:`parse`)."""

    NOT_STARTED = "NotStarted"
    RUNNING = "Running"
    IN_PROGRESS = "InProgress"
    SUCCEEDED = "Succeeded"
    COMPLETED = "Completed"
    DEDUPED = "Deduped"
    FAILED = "Failed"
    CANCELED = "Canceled"
    CANCELLED = "Cancelled"
    UNDEFINED = "Undefined"

    @classmethod
    def parse(cls, text: str) -> LroStatus | None:
        """Return the status ``text`` names, ignoring case; None for one we do not know."""
        folded = text.strip().casefold()
        return next((status for status in cls if status.value.casefold() == folded), None)

    @property
    def succeeded(self) -> bool:
        """Whether this status ends the operation successfully (Succeeded, Completed, Deduped)."""
        return self in _SUCCEEDED

    @property
    def failed(self) -> bool:
        """Whether this status ends it unsuccessfully (Failed, Canceled/Cancelled, Undefined)."""
        return self in _FAILED


_SUCCEEDED = frozenset({LroStatus.SUCCEEDED, LroStatus.COMPLETED, LroStatus.DEDUPED})
_FAILED = frozenset(
    {LroStatus.FAILED, LroStatus.CANCELED, LroStatus.CANCELLED, LroStatus.UNDEFINED}
)


@dataclass(frozen=True, kw_only=True)
class PollResult(Generic[T]):
    """What one poll found.

    Attributes:
        done: Whether the operation finished (successfully; failures raise).
        value: The result, when done.
        retry_after_s: When not done, the server's requested wait (None: the poller's
            documented default interval).
    """

    done: bool
    value: T | None = None
    retry_after_s: float | None = None


PollStep = Callable[["Lro[T]"], PollResult[T]]
"""One poll of a handle: returns what it found, or raises the error that ends it."""


class Lro(Generic[T]):
    """A long-running operation: pending until its scheduler completes it.

    Attributes:
        what: What the operation does, for messages (``create item 'x'``).
        operation_id: Fabric's operation id ("" when the service gave none).
        location: The URL polled next; it changes when a poll answers with a new
            ``Location``. Store it (with ``operation_id``) to resume after a crash.
        status: The last status a poll reported ("" before the first poll).
        polls: How many polls have run.
        deadline: When the scheduler gives up waiting (None: never).
    """

    def __init__(
        self,
        *,
        what: str,
        operation_id: str = "",
        location: str = "",
        step: PollStep[T] | None = None,
        deadline: Deadline | None = None,
    ) -> None:
        self.what = what
        self.operation_id = operation_id
        self.location = location
        self.status = ""
        self.polls = 0
        self.deadline = deadline
        self._step = step
        self._poller: LroPoller | None = None
        self._cond = threading.Condition()
        self._done = False
        self._value: T | None = None
        self._error: BaseException | None = None
        self._callbacks: list[Callable[[Lro[T]], None]] = []
        self._next_poll_at_s: float | None = None

    @classmethod
    def completed(cls, value: T, *, what: str) -> Lro[T]:
        """Return a handle that is already done (the call finished inline: 200/201)."""
        handle: Lro[T] = cls(what=what)
        handle.set_result(value)
        return handle

    @property
    def next_poll_at_s(self) -> float | None:
        """Monotonic clock time of the next poll (None once done or before scheduling)."""
        return None if self._done else self._next_poll_at_s

    def done(self) -> bool:
        """Return whether the operation has finished (either way)."""
        return self._done

    def exception(self) -> BaseException | None:
        """Return the error that ended the operation (None while pending or on success)."""
        return self._error

    def result(self, timeout_s: float | None = None) -> T:
        """Wait for the operation and return its result.

        With a background scheduler this thread only waits; without one it drives the
        scheduler itself (polls what is due, sleeps on the clock until the next poll).

        Args:
            timeout_s: Longest wait on the scheduler's clock (default: until the
                operation's own deadline ends it).

        Raises:
            OperationFailedError: The operation ended Failed, Canceled or Undefined.
            DeadlineExceededError: ``timeout_s`` passed first (the operation continues
                server-side; resume it from :attr:`location`), or the operation's own
                deadline did.
            ServiceError, TransportError: A poll failed after the pipeline's retries.
        """
        if not self._done and self._poller is not None:
            self._poller.wait_for(self, timeout_s)
        if not self._done:
            waited = "" if timeout_s is None else f" after waiting {timeout_s:g} s"
            raise DeadlineExceededError(
                f"{self.what}: not finished{waited}; the operation continues and can be "
                f"resumed from {self.location or 'its location'}"
            )
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]  # T may itself be None

    def add_done_callback(self, callback: Callable[[Lro[T]], None]) -> None:
        """Call ``callback(handle)`` once the operation finishes (at once if it has).

        Callbacks run on the thread that completes the handle (a poll worker): keep them
        short, e.g. hand the next step to your own executor. Their errors are logged.
        """
        with self._cond:
            if not self._done:
                self._callbacks.append(callback)
                return
        _run_callback(callback, self)

    # -- for the scheduler -------------------------------------------------------------

    def poll_once(self) -> PollResult[T]:
        """Run one poll step (the scheduler calls this; it never runs two at once)."""
        if self._step is None:
            raise FabricActionError(f"{self.what}: this operation has nothing to poll")
        self.polls += 1
        return self._step(self)

    def attach(self, poller: LroPoller, next_poll_at_s: float) -> None:
        """Record the scheduler that owns this handle and when it polls next."""
        self._poller = poller
        self._next_poll_at_s = next_poll_at_s

    def set_result(self, value: T) -> None:
        """Complete successfully and run the callbacks (first completion wins)."""
        self._finish(value, None)

    def set_exception(self, error: BaseException) -> None:
        """Complete with ``error`` and run the callbacks (first completion wins)."""
        self._finish(None, error)

    def _finish(self, value: T | None, error: BaseException | None) -> None:
        with self._cond:
            if self._done:
                return
            self._value, self._error, self._done = value, error, True
            callbacks, self._callbacks = self._callbacks, []
            self._cond.notify_all()
        for callback in callbacks:
            _run_callback(callback, self)

    def __repr__(self) -> str:
        state = "done" if self._done else (self.status or "pending")
        return f"<Lro {self.what!r} {self.operation_id or '-'} {state}>"


def _run_callback(callback: Callable[[Lro[Any]], None], handle: Lro[Any]) -> None:
    try:
        callback(handle)
    except Exception:
        _LOG.exception("a done-callback of %s raised", handle.what)
