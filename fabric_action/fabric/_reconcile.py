"""Create without duplicates: after a lost response, look the resource up before resending.

A POST that creates a workspace, folder, item or role assignment is not idempotent: sent
twice, it creates twice (or fails on the name). When its response is lost
(:class:`~fabric_action.errors.ResponseLostError`: sent, no answer), the pipeline does not
resend it; this module does, but only after looking the resource up by its natural key
(workspace: display name; folder: parent and display name; item: type and display name;
role assignment: principal). Found means the lost attempt was applied: that is the
result. Not found means it was not: send again.

A "name already in use" answer (``ItemDisplayNameAlreadyInUse``,
``WorkspaceNameAlreadyExists``, ``FolderDisplayNameAlreadyInUse``,
``PrincipalAlreadyHasWorkspaceRolePermissions``) after a lost attempt means the same
thing, and is looked up too. On a first attempt it is a real conflict and is raised.

Trade-off: a lookup costs a list call, paid only when a response was lost. The lookup
trusts that nobody else creates the same name meanwhile, which the deployment lock per
workspace provides.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from fabric_action.errors import ConflictError, ResponseLostError

from ._errors_map import NAME_TAKEN_CODES

__all__ = ["DEFAULT_CREATE_ATTEMPTS", "Reconciled", "create_reconciled"]

T = TypeVar("T")
_LOG = logging.getLogger("fabric_action.fabric")

DEFAULT_CREATE_ATTEMPTS = 4
"""Sends of one create whose responses keep getting lost: the first and 3 more, like the
transient retry budget."""


@dataclass(frozen=True, kw_only=True)
class Reconciled(Generic[T]):
    """The outcome of a reconciled create.

    Attributes:
        value: The created resource (from the response, or found by lookup).
        found_by_lookup: True when an attempt's response was lost and the lookup found
            the resource it had created.
        attempts: How many times the create was sent.
    """

    value: T
    found_by_lookup: bool
    attempts: int


def create_reconciled(
    *,
    send: Callable[[], T],
    lookup: Callable[[], T | None],
    what: str,
    attempts: int = DEFAULT_CREATE_ATTEMPTS,
) -> Reconciled[T]:
    """Send a create; after a lost response, look it up by natural key before resending.

    Args:
        send: Sends the create once and returns the resource.
        lookup: Finds the resource by its natural key, matching what ``send`` would have
            created (None if absent).
        what: What is created, for logs.
        attempts: Most sends (>= 1).

    Raises:
        ResponseLostError: Every attempt lost its response and no lookup found the
            resource.
        ConflictError: The name is taken and no earlier attempt of ours was lost, or
            the lookup does not find a matching resource.
    """
    if attempts < 1:
        raise ValueError("attempts must be >= 1")
    lost: ResponseLostError | None = None
    for attempt in range(1, attempts + 1):
        try:
            return Reconciled(value=send(), found_by_lookup=False, attempts=attempt)
        except ResponseLostError as error:
            lost = error
            _LOG.warning("%s: response lost (attempt %d); looking it up", what, attempt)
        except ConflictError as error:
            if lost is None or error.error_code.casefold() not in NAME_TAKEN_CODES:
                raise
            _LOG.warning("%s: %s after a lost response; looking it up", what, error.error_code)
            found = lookup()
            if found is None:
                raise
            return Reconciled(value=found, found_by_lookup=True, attempts=attempt)
        found = lookup()
        if found is not None:
            _LOG.info("%s: the lost attempt was applied; found by its natural key", what)
            return Reconciled(value=found, found_by_lookup=True, attempts=attempt)
    assert lost is not None
    raise lost
