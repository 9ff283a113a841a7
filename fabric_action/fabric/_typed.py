"""Typed item endpoints a deployment reads or drives (reference §9.1, §15).

The dynamic attributes of items (a lakehouse's or mirrored database's SQL endpoint, a
warehouse's connection string, a SQL database's server, an eventhouse's or KQL database's
query service URI), a workspace's custom Spark pools, Environment publish
(``staging/publish``, an LRO) and a VariableLibrary's active value set.
"""

from __future__ import annotations

from typing import Any

from fabric_action.errors import OperationFailedError

from ._lro import OnStarted
from ._lro_handle import Lro, PollResult
from ._reconcile import DEFAULT_CREATE_ATTEMPTS, create_reconciled
from ._rest import RestCore, segment
from ._typed_models import (
    ATTRIBUTE_PATHS,
    EnvironmentPublishState,
    ItemAttributes,
    SparkPool,
    VariableLibraryState,
)

__all__ = ["TypedItemOperations"]

_PUBLISH_FAILED = frozenset({"failed", "cancelled", "canceled"})


class TypedItemOperations:
    """``/v1/workspaces/{id}/lakehouses``, ``/environments``, ``/variableLibraries``, ``/spark``."""

    def __init__(self, core: RestCore, *, create_attempts: int = DEFAULT_CREATE_ATTEMPTS) -> None:
        self._core = core
        self._attempts = create_attempts

    def _path(self, workspace_id: str, collection: str, item_id: str) -> str:
        return f"workspaces/{segment(workspace_id)}/{collection}/{segment(item_id)}"

    @staticmethod
    def has_attribute(item_type: str, attribute: str) -> bool:
        """Return whether items of the type have that dynamic attribute (case-insensitive type)."""
        return ItemAttributes.supports(item_type, attribute)

    def get_item_attributes(
        self, workspace_id: str, item_type: str, item_id: str
    ) -> ItemAttributes:
        """Read an item's dynamic attributes with one GET of its typed endpoint.

        Returns:
            What is provisioned so far; no values (and no call) when the type has no
            dynamic attributes (see :data:`ATTRIBUTE_PATHS`).
        """
        known = ATTRIBUTE_PATHS.get(item_type.casefold())
        if known is None:
            return ItemAttributes(item_type=item_type, values={})
        return self._core.read(
            "GET",
            self._path(workspace_id, known[0], item_id),
            parse=lambda data: ItemAttributes.from_json(data, item_type=item_type),
            what=f"get {item_type} {item_id} of workspace {workspace_id}",
        )

    def list_spark_pools(self, workspace_id: str) -> list[SparkPool]:
        """Return the workspace's custom Spark pools (all pages; Workspace and Capacity)."""
        return self._core.list(
            f"workspaces/{segment(workspace_id)}/spark/pools",
            parse=SparkPool.from_json,
            what=f"list custom Spark pools of workspace {workspace_id}",
        )

    def get_publish_state(self, workspace_id: str, environment_id: str) -> EnvironmentPublishState:
        """Return an environment's publish state (``Running``, ``Success``, ``Failed``...)."""
        return self._core.read(
            "GET",
            self._path(workspace_id, "environments", environment_id),
            parse=EnvironmentPublishState.from_json,
            what=f"get environment {environment_id} of workspace {workspace_id}",
        )

    def begin_publish_environment(
        self,
        workspace_id: str,
        environment_id: str,
        *,
        on_started: OnStarted | None = None,
        fetch_result: bool = True,
    ) -> Lro[EnvironmentPublishState]:
        """Start publishing an environment's staged libraries and settings.

        A publish is not undone by rollback and is not idempotent while one runs, so a
        lost response is reconciled: if the environment now reports a publish running,
        that one (ours) is awaited by polling the environment's state; otherwise the
        publish is sent again (publishing the same staged content twice is harmless), up
        to the client's ``create_attempts`` sends (:func:`create_reconciled`).

        Args:
            workspace_id: The workspace.
            environment_id: The environment.
            on_started: Called with the operation's location once it is known.
            fetch_result: Read the publish details from the operation's ``/result``
                (default). False saves that call when only success matters: the state is
                then ``Success`` (the operation succeeded).
        """
        path = f"{self._path(workspace_id, 'environments', environment_id)}/staging/publish"
        what = f"publish environment {environment_id} of workspace {workspace_id}"

        def parse(body: Any) -> EnvironmentPublishState:
            if body is None and not fetch_result:
                return EnvironmentPublishState(state="Success")
            return EnvironmentPublishState.from_json(body)

        def send() -> Lro[EnvironmentPublishState]:
            return self._core.begin(
                "POST",
                path,
                parse=parse,
                what=what,
                on_started=on_started,
                fetch_result=fetch_result,
            )

        def running_publish() -> Lro[EnvironmentPublishState] | None:
            if self.get_publish_state(workspace_id, environment_id).running:
                return self._await_publish(workspace_id, environment_id, what)
            return None

        return create_reconciled(
            send=send, lookup=running_publish, what=what, attempts=self._attempts
        ).value

    def publish_environment(
        self, workspace_id: str, environment_id: str
    ) -> EnvironmentPublishState:
        """Publish an environment and wait for the publish to end."""
        return self.begin_publish_environment(workspace_id, environment_id).result()

    def _await_publish(
        self, workspace_id: str, environment_id: str, what: str
    ) -> Lro[EnvironmentPublishState]:
        """Track a publish through the environment's own state (no operation id known)."""

        def step(handle: Lro[EnvironmentPublishState]) -> PollResult[EnvironmentPublishState]:
            state = self.get_publish_state(workspace_id, environment_id)
            handle.status = state.state
            if state.running:
                return PollResult(done=False)
            if state.state.casefold() in _PUBLISH_FAILED:
                raise OperationFailedError(
                    f"{what} ended {state.state}",
                    status=200,
                    error_code=state.state,
                )
            return PollResult(done=True, value=state)

        poller = self._core.poller
        handle: Lro[EnvironmentPublishState] = Lro(
            what=what,
            location=self._core.url(self._path(workspace_id, "environments", environment_id)),
            step=step,
        )
        poller.schedule(handle, delay_s=poller.options.default_poll_interval_s)
        return handle

    def get_variable_library(self, workspace_id: str, library_id: str) -> VariableLibraryState:
        """Return a variable library with its active value set."""
        return self._core.read(
            "GET",
            self._path(workspace_id, "variableLibraries", library_id),
            parse=VariableLibraryState.from_json,
            what=f"get variable library {library_id} of workspace {workspace_id}",
        )

    def set_active_value_set(
        self, workspace_id: str, library_id: str, value_set_name: str
    ) -> VariableLibraryState:
        """Make ``value_set_name`` the library's active value set (retried: idempotent).

        Raises:
            ServiceError: 400 ``InvalidInput`` when the definition has no such value set.
        """
        return self._core.read(
            "PATCH",
            self._path(workspace_id, "variableLibraries", library_id),
            parse=VariableLibraryState.from_json,
            what=f"set the active value set of variable library {library_id} to '{value_set_name}'",
            body={"properties": {"activeValueSetName": value_set_name}},
            idempotent=True,
        )
