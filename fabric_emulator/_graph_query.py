"""Graph's query options on responses: ``$select``, ``$filter``, ``$top``, ``$count``, paging.

A collection answers at most ``$top`` objects (default 100, 1 to 999) and, when more
match, an ``@odata.nextLink`` that repeats the request's own query with an opaque
``$skiptoken``. ``$count=true`` adds ``@odata.count`` but, as on Graph, only with the
header ``ConsistencyLevel: eventual``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from fabric_emulator._graph_common import bad_request, graph_json, metadata_url
from fabric_emulator._graph_filter import parse_filter
from fabric_emulator._graph_objects import EntityType, GraphObject
from fabric_emulator._http import Response

if TYPE_CHECKING:
    from fabric_emulator._app import Context

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 999
_SKIP_PARAMETER = "$skiptoken"
_PAGE_MARK = "fabric-emulator-page:"
"""What a ``$skiptoken`` decodes to before the offset (base64url, opaque to clients)."""


def parse_select(context: Context, entity: EntityType) -> tuple[str, ...] | None:
    """Return the canonical property names ``$select`` asks for (None: the defaults).

    Raises:
        GraphError: 400 ``BadRequest`` for a property the type does not have.
    """
    raw = context.request.query_value("$select")
    if raw is None or not raw.strip():
        return None
    known = {name.lower(): name for name in entity.properties}
    selected: list[str] = []
    for part in raw.split(","):
        name = part.strip()
        canonical = known.get(name.lower())
        if canonical is None:
            raise bad_request(
                "BadRequest",
                "Parsing OData Select and Expand failed: Could not find a property named "
                f"'{name}' on type 'microsoft.graph.{entity.name}'.",
            )
        if canonical not in selected:
            selected.append(canonical)
    return tuple(selected)


def project(
    item: GraphObject, select: tuple[str, ...] | None, *, annotate: bool = False
) -> dict[str, Any]:
    """Return the properties of ``item`` that ``select`` (or its type's defaults) names.

    Args:
        annotate: Add ``@odata.type`` first, as Graph does in mixed collections.
    """
    names = select if select is not None else item.entity.defaults
    rendered: dict[str, Any] = {"@odata.type": item.entity.odata_type} if annotate else {}
    rendered.update((name, item.data[name]) for name in names if name in item.data)
    return rendered


def _context_fragment(entity_set: str, select: tuple[str, ...] | None) -> str:
    return f"{entity_set}({','.join(select)})" if select else entity_set


def entity_response(
    context: Context,
    item: GraphObject,
    *,
    entity_set: str,
    select: tuple[str, ...] | None,
    annotate: bool = False,
) -> Response:
    """Answer one object, with ``@odata.context`` ``…/$metadata#set[(props)]/$entity``."""
    fragment = _context_fragment(entity_set, select) + "/$entity"
    payload = {"@odata.context": metadata_url(context, fragment)}
    payload.update(project(item, select, annotate=annotate))
    return graph_json(context, payload)


def _page_size(context: Context) -> int:
    raw = context.request.query_value("$top")
    if raw is None:
        return DEFAULT_PAGE_SIZE
    try:
        size = int(raw.strip())
    except ValueError:
        size = 0
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise bad_request(
            "Request_BadRequest",
            f"Invalid page size specified: '{raw}'. Must be between 1 and {MAX_PAGE_SIZE} "
            "inclusive.",
        )
    return size


def _offset(context: Context) -> int:
    raw = context.request.query_value(_SKIP_PARAMETER)
    if raw is None:
        return 0
    try:
        decoded = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        decoded = ""
    if not decoded.startswith(_PAGE_MARK) or not decoded[len(_PAGE_MARK) :].isdigit():
        raise bad_request("Request_BadRequest", "The specified page token value is not valid.")
    return int(decoded[len(_PAGE_MARK) :])


def _next_link(context: Context, offset: int) -> str:
    token = base64.urlsafe_b64encode(f"{_PAGE_MARK}{offset}".encode("ascii"))
    kept = [
        part
        for part in context.request.query_string.split("&")
        if part and unquote_plus(part.partition("=")[0]).lower() != _SKIP_PARAMETER
    ]
    kept.append(f"{_SKIP_PARAMETER}={token.decode('ascii').rstrip('=')}")
    return f"{context.base_url}{context.request.path}?{'&'.join(kept)}"


def _count_requested(context: Context) -> bool:
    raw = context.request.query_value("$count")
    if raw is None or raw.strip().lower() == "false":
        return False
    if raw.strip().lower() != "true":
        raise bad_request("Request_BadRequest", f"Invalid value '{raw}' for $count.")
    consistency = context.request.headers.get("ConsistencyLevel", "") or ""
    if consistency.strip().lower() != "eventual":
        raise bad_request("Request_BadRequest", "$count is not currently supported.")
    return True


def collection_response(
    context: Context,
    items: Sequence[GraphObject],
    *,
    entity: EntityType,
    entity_set: str,
    annotate: bool = False,
) -> Response:
    """Answer a collection after ``$select``, ``$filter``, ``$count`` and paging.

    Args:
        entity: The collection's declared type: it decides what ``$select`` and
            ``$filter`` may name (``directoryObject`` for mixed collections).
        entity_set: The ``@odata.context`` fragment (``groups``, ``directoryObjects``).
        annotate: Give every object its ``@odata.type`` (mixed collections).
    """
    select = parse_select(context, entity)
    raw_filter = context.request.query_value("$filter")
    matched = list(items)
    if raw_filter is not None:
        predicate = parse_filter(raw_filter, entity)
        matched = [item for item in matched if predicate(item.data)]
    with_count = _count_requested(context)
    size = _page_size(context)
    offset = _offset(context)
    page = matched[offset : offset + size]
    payload: dict[str, Any] = {
        "@odata.context": metadata_url(context, _context_fragment(entity_set, select))
    }
    if with_count:
        payload["@odata.count"] = len(matched)
    if offset + size < len(matched):
        payload["@odata.nextLink"] = _next_link(context, offset + size)
    payload["value"] = [project(item, select, annotate=annotate) for item in page]
    return graph_json(context, payload)
