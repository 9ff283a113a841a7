"""Poll many long-running operations with few threads: a timer heap and a small pool.

A deployment spends most of its time waiting for operations (DESIGN.md, "Speed comes
from not waiting"). Blocking one worker per operation would cap the number of operations
in flight at the number of workers; here an operation is a heap entry keyed by its next
poll time, one scheduler thread sleeps until the earliest entry is due, and a pool of
``max_concurrent_polls`` threads runs the polls that are due. N operations cost
``1 + max_concurrent_polls`` threads whatever N is, and every poll waits at least the
server's Retry-After.

Trade-offs: a poll is a blocking HTTP call, so polls run on pool threads rather than on
the scheduler thread (one slow poll must not delay the others); the pool is small because
polls are short and spaced by Retry-After. With ``background=False`` no thread is started
at all: :meth:`LroPoller.run_due` polls in the caller's thread and :meth:`Lro.result`
drives the loop itself, sleeping on the clock between polls (simple scripts, and tests
that want every step on one thread).
"""

from __future__ import annotations

import heapq
import itertools
import math
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from fabric_action.errors import DeadlineExceededError, FabricActionError
from fabric_action.reliability import Clock, wait_for_notify

from ._lro_handle import Lro

__all__ = ["LroOptions", "LroPoller"]

DEFAULT_POLL_INTERVAL_S = 5.0
DEFAULT_OPERATION_TIMEOUT_S = 1800.0
DEFAULT_MAX_CONCURRENT_POLLS = 4


@dataclass(frozen=True, kw_only=True)
class LroOptions:
    """How long-running operations are polled.

    Attributes:
        default_poll_interval_s: Wait before a poll when the last answer named no
            Retry-After. Default 5 s: Fabric always sends one (20 s for items, 5 s for
            identities), so this is a fallback; fabric-cicd's 1 s spends the identity's
            call quota, fabric-cli's 10 s and azure-core's 30 s add latency.
        timeout_s: How long one operation may run from its start (or resume) before the
            poller gives up on it with ``DeadlineExceededError``. Default 1,800 s. A poll
            whose Retry-After would end past it fails at once rather than sleeping.
        max_concurrent_polls: Poll requests in flight at once, and so the size of the poll
            thread pool. Default 4.
        background: Poll on a scheduler thread (default True). False: no threads; the
            caller of ``result()`` (or of ``run_due()``) drives the polls.
    """

    default_poll_interval_s: float = DEFAULT_POLL_INTERVAL_S
    timeout_s: float = DEFAULT_OPERATION_TIMEOUT_S
    max_concurrent_polls: int = DEFAULT_MAX_CONCURRENT_POLLS
    background: bool = True

    def __post_init__(self) -> None:
        if self.default_poll_interval_s < 0 or self.timeout_s <= 0:
            raise ValueError("default_poll_interval_s must be >= 0 and timeout_s > 0")
        if self.max_concurrent_polls < 1:
            raise ValueError("max_concurrent_polls must be >= 1")


class LroPoller:
    """The event loop that advances :class:`Lro` handles when they are due.

    Thread-safe. The scheduler thread starts with the first scheduled handle.

    Args:
        clock: Every wait is measured on it (a FakeClock in tests).
        options: Intervals, timeout, pool size and threading mode.
    """

    def __init__(self, *, clock: Clock, options: LroOptions | None = None) -> None:
        self.clock = clock
        self.options = options or LroOptions()
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Lro[Any]]] = []
        self._order = itertools.count()
        self._in_flight = 0
        self._closed = False
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None

    # -- observation (telemetry, health, tests) -----------------------------------------

    @property
    def pending(self) -> int:
        """Operations waiting for their next poll (not counting polls in flight)."""
        with self._cond:
            return len(self._heap)

    @property
    def polls_in_flight(self) -> int:
        """Polls running right now."""
        with self._cond:
            return self._in_flight

    @property
    def next_due_s(self) -> float | None:
        """Monotonic clock time of the earliest scheduled poll (None if nothing waits)."""
        with self._cond:
            return self._heap[0][0] if self._heap else None

    # -- scheduling ----------------------------------------------------------------------

    def schedule(self, handle: Lro[Any], *, delay_s: float) -> None:
        """Poll ``handle`` ``delay_s`` seconds from now, then as its answers say.

        Raises:
            DeadlineExceededError: The first poll would come after the handle's deadline
                (the handle is failed with the same error).
        """
        due = self.clock.monotonic() + max(0.0, delay_s)
        if handle.deadline is not None and due > handle.deadline.at_s:
            error = _too_late(handle, delay_s)
            handle.set_exception(error)
            raise error
        with self._cond:
            if self._closed:
                raise FabricActionError(f"{handle.what}: the poller is closed")
            self._push(handle, due)
            if self.options.background and self._thread is None:
                self._start()
            self._cond.notify_all()

    def run_due(self) -> int:
        """Poll, in this thread, every handle that is due now; return how many ran."""
        with self._cond:
            due = self._take_due(math.inf)
        for handle in due:
            self._poll(handle)
        return len(due)

    def wait_for(self, handle: Lro[Any], timeout_s: float | None) -> None:
        """Block until ``handle`` is done or ``timeout_s`` of clock time passed.

        Without a timeout the wait is a plain condition wait that every poll completion
        notifies; no clock is involved, so no wake-up can be missed. A timed wait runs on
        the clock (a virtual clock's owner calls :meth:`wake` after moving it).
        """
        end_s = math.inf if timeout_s is None else self.clock.monotonic() + timeout_s
        if self.options.background:
            with self._cond:
                while not handle.done() and self._wait(end_s):
                    pass
            return
        while not handle.done() and self.clock.monotonic() < end_s:
            if self.run_due():
                continue
            with self._cond:
                next_due = self._heap[0][0] if self._heap else None
                if handle.done() or (next_due is None and not self._in_flight):
                    return  # done meanwhile, or nothing of it is left to poll
                if next_due is None or self._in_flight:
                    self._wait(end_s)  # another thread polls; its completion notifies us
                    continue
            self.clock.sleep(min(next_due, end_s) - self.clock.monotonic())

    def wake(self) -> None:
        """Make every waiter re-check the clock now.

        A real clock needs no help. A virtual clock (tests) moves without notifying
        anyone; call this after moving it so the scheduler sees polls that became due.
        """
        with self._cond:
            self._cond.notify_all()

    def close(self) -> None:
        """Stop polling; handles still pending fail (resume them later from ``location``)."""
        with self._cond:
            self._closed = True
            abandoned = [entry[2] for entry in self._heap]
            self._heap.clear()
            thread, pool = self._thread, self._pool
            self._cond.notify_all()
        if thread is not None:
            thread.join()
        if pool is not None:
            pool.shutdown(wait=True)
        for handle in abandoned:
            handle.set_exception(_abandoned(handle))
        self.wake()

    # -- internals -------------------------------------------------------------------------

    def _wait(self, end_s: float) -> bool:
        """Wait for a notification (lock held) until ``end_s``; False once it has passed."""
        if math.isinf(end_s):
            self._cond.wait()
            return True
        remaining = end_s - self.clock.monotonic()
        if remaining <= 0:
            return False
        wait_for_notify(self.clock, self._cond, remaining)
        return True

    def _push(self, handle: Lro[Any], due_s: float) -> None:
        handle.attach(self, due_s)
        heapq.heappush(self._heap, (due_s, next(self._order), handle))

    def _take_due(self, limit: float) -> list[Lro[Any]]:
        """Pop up to ``limit`` due handles, counting them in flight (lock held)."""
        now = self.clock.monotonic()
        due: list[Lro[Any]] = []
        while self._heap and self._heap[0][0] <= now and len(due) < limit:
            due.append(heapq.heappop(self._heap)[2])
        self._in_flight += len(due)
        return due

    def _start(self) -> None:
        self._pool = ThreadPoolExecutor(
            max_workers=self.options.max_concurrent_polls, thread_name_prefix="fabric-lro-poll"
        )
        self._thread = threading.Thread(target=self._loop, name="fabric-lro-scheduler", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        """Dispatch due handles to the pool; sleep until the next is due or news arrives."""
        limit = self.options.max_concurrent_polls
        while True:
            with self._cond:
                due = self._take_due(limit - self._in_flight)
                while not due:
                    if self._closed:
                        return
                    if self._heap and self._in_flight < limit:
                        wait_for_notify(
                            self.clock, self._cond, self._heap[0][0] - self.clock.monotonic()
                        )
                    else:
                        self._cond.wait()
                    due = self._take_due(limit - self._in_flight)
                pool = self._pool
            assert pool is not None
            for handle in due:
                pool.submit(self._poll, handle)

    def _poll(self, handle: Lro[Any]) -> None:
        """Run one poll and reschedule, complete or fail the handle."""
        try:
            outcome = handle.poll_once()
        except Exception as error:
            handle.set_exception(error)
        else:
            if outcome.done:
                handle.set_result(outcome.value)
            else:
                self._reschedule(handle, outcome.retry_after_s)
        finally:
            with self._cond:
                self._in_flight -= 1
                self._cond.notify_all()

    def _reschedule(self, handle: Lro[Any], retry_after_s: float | None) -> None:
        delay = self.options.default_poll_interval_s if retry_after_s is None else retry_after_s
        due = self.clock.monotonic() + delay
        if handle.deadline is not None and due > handle.deadline.at_s:
            handle.set_exception(_too_late(handle, delay))
            return
        with self._cond:
            if not self._closed:
                self._push(handle, due)
                self._cond.notify_all()
                return
        handle.set_exception(_abandoned(handle))


def _too_late(handle: Lro[Any], delay_s: float) -> DeadlineExceededError:
    return DeadlineExceededError(
        f"{handle.what}: still {handle.status or 'pending'} and the next poll ({delay_s:g} s "
        f"away) would come after the operation's deadline; it continues server-side and can "
        f"be resumed from {handle.location or 'its location'}"
    )


def _abandoned(handle: Lro[Any]) -> FabricActionError:
    return FabricActionError(
        f"{handle.what}: the poller was closed before the operation finished; it continues "
        f"server-side and can be resumed from {handle.location or 'its location'}"
    )
