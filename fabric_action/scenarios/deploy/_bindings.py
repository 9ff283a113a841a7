"""Plan ``semantic_model_binding``: which semantic models need a ``bindConnection``.

What each model should be bound to comes from ``fabric_action.items.semantic_model_bindings``
(fabric-cicd 1.4.0's mapping). Each wanted connection is looked up in the tenant's
connections (``GET /v1/connections``, read once per run through :class:`TenantConnections`);
its ``connectionDetails`` name the data source of the model it binds (the bind sends them,
a Data Lake path with its trailing ``/``, as fabric-cicd does).

A model that exists already is bound only where it is not: its data source references
(``GET .../items/{id}/connections``) are read, and a connection whose data source is
bound to it already costs no write, so an unchanged repository deploys with zero writes.
A model created by this run is bound after its create.

Stricter than fabric-cicd, which warns and skips:

- A connection id the tenant listing lacks is a :class:`~fabric_action.errors.ParameterError`
  at the ``parameter.yml`` line that names it, before any write. A missing binding fails
  silently later (refreshes use the wrong credentials or none); the listing holds every
  connection the deploying identity may bind, so an id it lacks is either mistyped or not
  shared with that identity, and both are fixed before deploying.
- A connection whose data source matches none of an existing model's is still sent (Fabric
  decides; it answers 400 ``BindConnectionDetailNotFound``, which fails the deployment
  loudly), with a plan warning saying so. fabric-cicd logs that error and goes on.

Like fabric-cicd, a model that exists, is not being updated, and has no data source
reference at all is skipped with a warning (there is nothing to bind).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from fabric_action.errors import ConfigProblem, ParameterError
from fabric_action.fabric import (
    Connection,
    ConnectionBinding,
    ConnectionDetails,
    FabricClient,
    ItemConnection,
)
from fabric_action.items import ParameterSet, semantic_model_bindings
from fabric_action.items._parameter_model import value_for_environment

from ._desired import DesiredWorkspace
from ._model import ItemAction, ItemChange, PlannedBinding

__all__ = ["TenantConnections", "plan_bindings"]

SEMANTIC_MODEL = "SemanticModel"


class TenantConnections:
    """The tenant's connections, read on first use and then shared (one read per run).

    Args:
        client: Lists them (``GET /v1/connections``, every page).
    """

    def __init__(self, client: FabricClient) -> None:
        self._client = client
        self._lock = threading.Lock()
        self._by_id: dict[str, Connection] | None = None

    def by_id(self) -> Mapping[str, Connection]:
        """Return the connections by case-folded id."""
        with self._lock:
            if self._by_id is None:
                self._by_id = {c.id.casefold(): c for c in self._client.connections.list()}
            return self._by_id


def _place(parameters: ParameterSet, model: str, connection_id: str) -> tuple[str, int | None]:
    """Return the parameter file and line that give *model* the id *connection_id*."""
    rules = parameters.semantic_model_binding
    start = None
    for rule in rules.models if rules else ():
        has_ids, _ = value_for_environment(rule.connection_ids, parameters.environment)
        if has_ids and model in rule.model_names:
            start = rule.place  # the last entry naming the model wins, as in the mapping
    file = start.file if start else (parameters.files[0] if parameters.files else "")
    first = start.line if start and start.line else 1
    try:
        lines = Path(file).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return file, start.line if start else None
    for number, text in enumerate(lines[first - 1 :], start=first):
        if connection_id.casefold() in text.casefold():
            return file, number
    return file, start.line if start else None


def _unknown_ids(
    parameters: ParameterSet,
    wanted: Sequence[tuple[str, tuple[str, ...]]],
    tenant: Mapping[str, Connection],
) -> list[ConfigProblem]:
    models_by_place: dict[tuple[str, str, int | None], list[str]] = {}
    for model, ids in wanted:
        for connection_id in ids:
            if connection_id.casefold() not in tenant:
                file, line = _place(parameters, model, connection_id)
                models_by_place.setdefault((connection_id, file, line), []).append(model)
    return [
        ConfigProblem(
            code="parameter.connection-unknown",
            message=(
                f"connection {connection_id} (semantic_model_binding of "
                f"{', '.join(sorted(models))}) is not among the connections the deploying "
                "identity can use (GET /v1/connections does not list it): check the id "
                "(Manage connections and gateways) and share the connection with that "
                "identity"
            ),
            file=file,
            line=line,
            path="semantic_model_binding",
        )
        for (connection_id, file, line), models in models_by_place.items()
    ]


def _planned(connection: Connection, bound_to: str = "") -> PlannedBinding:
    binding = ConnectionBinding.to_connection(connection)
    return PlannedBinding(
        connection_id=connection.id,
        connection_name=connection.display_name,
        connectivity_type=connection.connectivity_type,
        connection_type=binding.details.type,
        path=binding.details.path,
        bound_to=bound_to,
    )


def matching_reference(
    references: Sequence[ItemConnection], details: ConnectionDetails
) -> ItemConnection | None:
    """Return the data source reference *details* name, if the model has one."""
    return next((r for r in references if r.details.same_source(details)), None)


def is_bound_to(reference: ItemConnection | None, connection_id: str) -> bool:
    """Return whether *reference* is bound to the connection *connection_id*."""
    return (
        reference is not None
        and reference.bound
        and (reference.connection_id or "").casefold() == connection_id.casefold()
    )


def _plan_existing(
    change: ItemChange,
    connections: Sequence[Connection],
    references: Sequence[ItemConnection],
    warnings: list[str],
) -> tuple[PlannedBinding, ...]:
    if not references and change.action is not ItemAction.UPDATE:
        warnings.append(
            f"{change.key} has no data source references; semantic_model_binding skipped "
            "(nothing to bind)"
        )
        return ()
    planned = []
    for connection in connections:
        wanted = _planned(connection)
        details = ConnectionDetails(type=wanted.connection_type, path=wanted.path)
        reference = matching_reference(references, details)
        if is_bound_to(reference, connection.id):
            continue
        if reference is None and change.action is not ItemAction.UPDATE:
            sources = ", ".join(f"{r.details.type} {r.details.path}" for r in references)
            warnings.append(
                f"{change.key}: connection {connection.id} ({wanted.connection_type} "
                f"{wanted.path}) matches none of its data sources ({sources}); Fabric will "
                "refuse the bind (BindConnectionDetailNotFound)"
            )
        bound_to = (reference.connection_id or "") if reference and reference.bound else ""
        planned.append(replace(wanted, bound_to=bound_to))
    return tuple(planned)


def plan_bindings(
    client: FabricClient,
    desired: DesiredWorkspace,
    workspace_id: str,
    changes: Sequence[ItemChange],
    tenant: TenantConnections,
) -> tuple[list[ItemChange], list[str]]:
    """Add the binds each semantic model needs to its change (see the module docstring).

    Returns:
        The changes (semantic models with their :attr:`ItemChange.bindings`) and warnings.

    Raises:
        ParameterError: A connection id the tenant does not list (its parameter.yml line).
    """
    wanted = [
        (b.semantic_model, b.connection_ids)
        for b in semantic_model_bindings(desired.parameters, desired.repository)
    ]
    if not wanted:
        return list(changes), []
    connections = tenant.by_id()
    problems = _unknown_ids(desired.parameters, wanted, connections)
    if problems:
        raise ParameterError(problems)
    by_key = {change.key: index for index, change in enumerate(changes)}
    planned_changes = list(changes)
    warnings: list[str] = []
    for model, ids in wanted:
        index = by_key[f"{SEMANTIC_MODEL}/{model}"]
        change = planned_changes[index]
        targets = [connections[connection_id.casefold()] for connection_id in ids]
        if change.action is ItemAction.CREATE:
            bindings = tuple(_planned(connection) for connection in targets)
        else:
            references = client.connections.list_item_connections(workspace_id, change.item_id)
            bindings = _plan_existing(change, targets, references, warnings)
        planned_changes[index] = replace(change, bindings=bindings)
    return planned_changes, warnings
