"""Run a dependency graph of tasks: each starts when the tasks it depends on succeeded.

A task's ``start`` runs on a worker and either finishes there (returns None) or returns
the :class:`~fabric_action.fabric.Lro` of the operation it started; then the worker is
freed at once and the task ends when the client's LRO scheduler completes the handle
(its done-callback releases the dependents). So N operations in flight hold no worker,
and an item starts as soon as what it references exists, whatever its type.

Among ready tasks the one heading the longest chain of dependents starts first (the
critical path: a lakehouse that notebooks and pipelines wait for goes before a report
nothing waits for), then the lower ``priority`` (fabric-cicd's type order), then the
order given. Ready tasks wait in that order until a worker is free, so a task that
becomes ready later can still overtake ones that have not started; under a quota this
keeps the chains moving and leaves the leaves for last.

A failed task's dependents are skipped, not started; independent tasks go on. A cycle
fails every task on it with a message naming them.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from fabric_action.errors import DeploymentError
from fabric_action.fabric import Lro

__all__ = ["GraphScheduler", "Task", "TaskOutcome", "TaskStatus"]

DEFAULT_WORKERS = 8


class TaskStatus(StrEnum):
    """How a task ended."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True, kw_only=True)
class Task:
    """One node of the graph.

    Attributes:
        task_id: Unique id (``item:Notebook/nb``).
        depends_on: Ids of tasks that must succeed first (ids not in the graph are
            ignored: what they name already exists).
        start: Starts the work; returns an Lro to await without a worker, or None.
        priority: Lower starts first among ready tasks.
    """

    task_id: str
    depends_on: frozenset[str]
    start: Callable[[], Lro[Any] | None]
    priority: int = 0


@dataclass(frozen=True, kw_only=True)
class TaskOutcome:
    """How a task ended, and why when it did not succeed."""

    status: TaskStatus
    error: BaseException | None = None


class GraphScheduler:
    """Run tasks in dependency order on a small worker pool (see the module docstring).

    Args:
        max_workers: Threads that start tasks (HTTP calls); default 8. The pipeline's
            concurrency limit still bounds requests in flight.
    """

    def __init__(self, *, max_workers: int = DEFAULT_WORKERS) -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be >= 1")
        self._max_workers = max_workers

    def run(self, tasks: Sequence[Task]) -> dict[str, TaskOutcome]:
        """Run every task; return each one's outcome by id."""
        return _Run(tasks, self._max_workers).run()


class _Run:
    def __init__(self, tasks: Sequence[Task], max_workers: int) -> None:
        self.tasks = {task.task_id: task for task in tasks}
        if len(self.tasks) != len(tasks):
            raise ValueError("task ids must be unique")
        self.waiting = {
            task.task_id: {d for d in task.depends_on if d in self.tasks and d != task.task_id}
            for task in tasks
        }
        self.dependents: dict[str, list[str]] = {task_id: [] for task_id in self.tasks}
        for task_id, deps in self.waiting.items():
            for dep in deps:
                self.dependents[dep].append(task_id)
        self.outcomes: dict[str, TaskOutcome] = {}
        self.cond = threading.Condition()
        self.ready: list[tuple[int, int, int, str]] = []
        self.order = itertools.count()
        self.heights: dict[str, int] = {}
        self.max_workers = max_workers
        self.starting = 0
        self.pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="deploy")

    def run(self) -> dict[str, TaskOutcome]:
        try:
            with self.cond:
                cyclic = _cyclic(self.waiting)
                self.heights = _heights(self.dependents, cyclic)
                if cyclic:
                    names = ", ".join(sorted(cyclic))
                    error = DeploymentError(f"these steps reference each other in a cycle: {names}")
                    failed = TaskOutcome(status=TaskStatus.FAILED, error=error)
                    self.outcomes.update(dict.fromkeys(cyclic, failed))
                    for task_id in sorted(cyclic):
                        self._release_locked(task_id, failed)
                for task_id, deps in self.waiting.items():
                    if not deps and task_id not in self.outcomes:
                        self._push_locked(task_id)
                self._dispatch_locked()
                while len(self.outcomes) < len(self.tasks):
                    self.cond.wait()
        finally:
            self.pool.shutdown(wait=True)
        return dict(self.outcomes)

    def _push_locked(self, task_id: str) -> None:
        key = (-self.heights.get(task_id, 0), self.tasks[task_id].priority, next(self.order))
        heapq.heappush(self.ready, (*key, task_id))

    def _dispatch_locked(self) -> None:
        while self.ready and self.starting < self.max_workers:
            task_id = heapq.heappop(self.ready)[-1]
            self.starting += 1
            self.pool.submit(self._start, task_id)

    def _start(self, task_id: str) -> None:
        try:
            self._start_task(task_id)
        finally:
            with self.cond:
                self.starting -= 1
                self._dispatch_locked()

    def _start_task(self, task_id: str) -> None:
        try:
            handle = self.tasks[task_id].start()
        except Exception as error:
            self._finish(task_id, TaskOutcome(status=TaskStatus.FAILED, error=error))
            return
        if handle is None:
            self._finish(task_id, TaskOutcome(status=TaskStatus.SUCCEEDED))
            return

        def done(finished: Lro[Any]) -> None:
            error = finished.exception()
            status = TaskStatus.FAILED if error is not None else TaskStatus.SUCCEEDED
            self._finish(task_id, TaskOutcome(status=status, error=error))

        handle.add_done_callback(done)

    def _finish(self, task_id: str, outcome: TaskOutcome) -> None:
        with self.cond:
            self._finish_locked(task_id, outcome)
            self._dispatch_locked()
            self.cond.notify_all()

    def _finish_locked(self, task_id: str, outcome: TaskOutcome) -> None:
        if task_id in self.outcomes:
            return
        self.outcomes[task_id] = outcome
        self._release_locked(task_id, outcome)

    def _release_locked(self, task_id: str, outcome: TaskOutcome) -> None:
        for dependent in self.dependents[task_id]:
            if dependent in self.outcomes:
                continue
            if outcome.status is not TaskStatus.SUCCEEDED:
                error = DeploymentError(f"not started: {task_id} did not succeed")
                self._finish_locked(dependent, TaskOutcome(status=TaskStatus.SKIPPED, error=error))
                continue
            self.waiting[dependent].discard(task_id)
            if not self.waiting[dependent]:
                self._push_locked(dependent)


def _heights(dependents: dict[str, list[str]], cyclic: set[str]) -> dict[str, int]:
    """Return each task's longest chain of dependents (0: nothing waits for it).

    Iterative (no recursion limit on long chains); tasks on a cycle are left out.
    """
    heights: dict[str, int] = {}
    for root in dependents:
        if root in heights or root in cyclic:
            continue
        stack = [(root, False)]
        while stack:
            task_id, expanded = stack.pop()
            below = [d for d in dependents[task_id] if d not in cyclic]
            if expanded:
                heights[task_id] = 1 + max((heights[d] for d in below), default=-1)
                continue
            if task_id in heights:
                continue
            stack.append((task_id, True))
            stack += [(d, False) for d in below if d not in heights]
    return heights


def _cyclic(waiting: dict[str, set[str]]) -> set[str]:
    """Return the tasks on or behind a cycle (Kahn's algorithm leaves them)."""
    remaining = {task_id: set(deps) for task_id, deps in waiting.items()}
    progress = True
    while progress:
        progress = False
        for task_id in [t for t, deps in remaining.items() if not deps]:
            del remaining[task_id]
            for deps in remaining.values():
                deps.discard(task_id)
            progress = True
    return set(remaining)
