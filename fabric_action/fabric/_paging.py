"""Read every page of a list call: Fabric's continuation and Graph's ``@odata.nextLink``.

Fabric (reference §4): a page is ``{"value": [...], "continuationToken", "continuationUri"}``.
Whether more pages exist is decided by the token alone: missing, ``null`` or ``""`` means
done (some APIs send ``continuationUri`` with a null token on the last page). How to get
the next page: GET ``continuationUri`` as given when its host may receive our token,
else repeat the first request with ``continuationToken`` set. A token (or link) seen
before would fetch the same pages forever, so it stops the listing with
:class:`~fabric_action.errors.ContinuationLoopError` instead.

Pages are fetched lazily (a generator), so a caller that finds what it wants early stops
paying for calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from fabric_action.errors import (
    ContinuationLoopError,
    UnexpectedResponseError,
    UntrustedRedirectError,
)

from ._messages import Response, redact_url

__all__ = ["FetchPage", "iter_fabric_values", "iter_graph_values", "with_query"]

FetchPage = Callable[[str], Response]
"""GET one page by absolute URL and return the (successful) response."""

_CONTINUATION_PARAMETER = "continuationToken"


def with_query(url: str, **params: str) -> str:
    """Return ``url`` with ``params`` set in its query (existing values replaced).

    Values are percent-encoded once, so an opaque token reaches the server exactly as the
    server gave it.
    """
    parts = urlsplit(url)
    wanted = {name.casefold() for name in params}
    kept = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if name.casefold() not in wanted
    ]
    kept.extend(params.items())
    return urlunsplit(parts._replace(query=urlencode(kept, quote_via=quote, safe="$")))


def iter_fabric_values(
    fetch: FetchPage,
    url: str,
    *,
    what: str,
    is_allowed_host: Callable[[str], bool],
) -> Iterator[Any]:
    """Yield every ``value`` entry of a Fabric list, page after page.

    Args:
        fetch: Sends the GET (errors already mapped).
        url: The first page's URL, with its filters.
        what: What is listed, for error messages.
        is_allowed_host: Whether a ``continuationUri`` may be followed as given.

    Raises:
        ContinuationLoopError: A continuation token came back a second time.
        UnexpectedResponseError: A page is not ``{"value": [...]}``.
    """
    seen: set[str] = set()
    next_url = url
    while True:
        response = fetch(next_url)
        page = _page(response, what)
        yield from page["value"]
        token = page.get(_CONTINUATION_PARAMETER)
        if not isinstance(token, str) or not token:
            return
        if token in seen:
            raise _loop(response, what, "continuation token")
        seen.add(token)
        uri = page.get("continuationUri")
        if isinstance(uri, str) and uri and is_allowed_host(uri):
            next_url = uri
        else:
            next_url = with_query(url, **{_CONTINUATION_PARAMETER: token})


def iter_graph_values(
    fetch: FetchPage,
    url: str,
    *,
    what: str,
    is_allowed_host: Callable[[str], bool],
) -> Iterator[Any]:
    """Yield every ``value`` entry of a Graph collection, following ``@odata.nextLink``.

    Raises:
        ContinuationLoopError: A next link came back a second time.
        UntrustedRedirectError: The next link points to a host that may not get a token.
        UnexpectedResponseError: A page is not ``{"value": [...]}``.
    """
    seen: set[str] = set()
    next_url = url
    while True:
        response = fetch(next_url)
        page = _page(response, what)
        yield from page["value"]
        link = page.get("@odata.nextLink")
        if not isinstance(link, str) or not link:
            return
        if link in seen:
            raise _loop(response, what, "next link")
        if not is_allowed_host(link):
            raise UntrustedRedirectError(
                f"{what}: the next page is on {redact_url(link)}, a host the cloud profile "
                "does not allow; stopped without following it",
                url=redact_url(link),
            )
        seen.add(link)
        next_url = link


def _page(response: Response, what: str) -> dict[str, Any]:
    try:
        page = response.json()
    except ValueError:
        page = None
    if not isinstance(page, dict) or not isinstance(page.get("value"), list):
        raise UnexpectedResponseError(
            f"{what}: a list page is not a JSON object with a 'value' array",
            status=response.status,
            error_code=response.error_code,
            request_id=response.request_id or response.headers.get("request-id", ""),
        )
    return page


def _loop(response: Response, what: str, kind: str) -> ContinuationLoopError:
    return ContinuationLoopError(
        f"{what}: the service returned a {kind} it had already given; stopped paging to "
        "avoid reading the same pages forever",
        status=response.status,
        request_id=response.request_id or response.headers.get("request-id", ""),
    )
