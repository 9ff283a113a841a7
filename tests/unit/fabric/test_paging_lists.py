"""Paging: continuationUri when allowed, else the token; empty token ends; loops stop."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fabric_fakes import API, GRAPH, allowed, make_client, respond, script

from fabric_action.errors import (
    ContinuationLoopError,
    UnexpectedResponseError,
    UntrustedRedirectError,
)
from fabric_action.fabric import Request, Response, iter_fabric_values, iter_graph_values
from fabric_action.fabric._paging import with_query


class Pages:
    """A fetch function over scripted pages that records the URLs asked for."""

    def __init__(self, *pages: Any) -> None:
        self.pages = list(pages)
        self.urls: list[str] = []

    def __call__(self, url: str) -> Response:
        self.urls.append(url)
        return respond(200, self.pages.pop(0), request_id=f"page-{len(self.urls)}")


def fabric(fetch: Pages, url: str = f"{API}/workspaces/ws/items?type=Notebook") -> list[Any]:
    return list(iter_fabric_values(fetch, url, what="list items", is_allowed_host=allowed))


def test_the_continuation_uri_is_followed_as_given_when_its_host_is_allowed() -> None:
    next_uri = f"{API}/workspaces/ws/items?type=Notebook&continuationToken=abc%3D"
    fetch = Pages(
        {"value": [1, 2], "continuationToken": "abc=", "continuationUri": next_uri},
        {"value": [3]},
    )
    assert fabric(fetch) == [1, 2, 3]
    assert fetch.urls[1] == next_uri


def test_the_token_is_used_when_the_uri_is_missing_or_on_another_host() -> None:
    fetch = Pages(
        {"value": [1], "continuationToken": "t/1+="},
        {
            "value": [2],
            "continuationToken": "t2",
            "continuationUri": "https://evil.test/v1/workspaces/ws/items?continuationToken=t2",
        },
        {"value": [3], "continuationToken": None, "continuationUri": None},
    )
    assert fabric(fetch, f"{API}/workspaces/ws/items?type=Notebook&continuationToken=old") == [
        1,
        2,
        3,
    ]
    second, third = urlsplit(fetch.urls[1]), urlsplit(fetch.urls[2])
    assert second.netloc == third.netloc == "api.fabric.test"
    # The first request's filters are kept; the token is encoded exactly once.
    assert parse_qs(second.query) == {"type": ["Notebook"], "continuationToken": ["t/1+="]}
    assert "continuationToken=t%2F1%2B%3D" in second.query
    assert parse_qs(third.query) == {"type": ["Notebook"], "continuationToken": ["t2"]}


@pytest.mark.parametrize("ending", [{}, {"continuationToken": None}, {"continuationToken": ""}])
def test_a_missing_null_or_empty_token_ends_the_list(ending: dict[str, Any]) -> None:
    # Even with a continuationUri: some APIs send one beside a null token on the last page.
    fetch = Pages({"value": ["only"], "continuationUri": f"{API}/again", **ending})
    assert fabric(fetch) == ["only"]
    assert len(fetch.urls) == 1


@pytest.mark.parametrize(
    "tokens",
    [["same", "same"], ["a", "b", "a"]],
    ids=["repeated", "cycle"],
)
def test_a_token_seen_before_stops_with_a_typed_error(tokens: list[str]) -> None:
    fetch = Pages(*({"value": [n], "continuationToken": t} for n, t in enumerate(tokens)))
    with pytest.raises(ContinuationLoopError) as caught:
        fabric(fetch)
    assert caught.value.request_id == f"page-{len(tokens)}"
    assert caught.value.status == 200
    assert "list items" in str(caught.value)
    assert len(fetch.urls) == len(tokens)


@pytest.mark.parametrize("page", [None, [], {"value": "x"}, {"items": []}, "text"])
def test_a_page_without_a_value_array_is_an_unexpected_response(page: Any) -> None:
    with pytest.raises(UnexpectedResponseError, match="'value' array"):
        fabric(Pages(page))


def test_pages_are_fetched_only_as_far_as_the_caller_reads() -> None:
    fetch = Pages({"value": [1, 2], "continuationToken": "more"}, {"value": [3]})
    values = iter_fabric_values(fetch, f"{API}/x", what="x", is_allowed_host=allowed)
    assert next(values) == 1
    assert len(fetch.urls) == 1


def test_graph_follows_next_links_on_allowed_hosts_only() -> None:
    link = f"{GRAPH}/groups?$filter=x&$skiptoken=abc"
    fetch = Pages({"value": [1], "@odata.nextLink": link}, {"value": [2], "@odata.nextLink": ""})
    assert list(iter_graph_values(fetch, f"{GRAPH}/groups", what="g", is_allowed_host=allowed)) == [
        1,
        2,
    ]
    assert fetch.urls[1] == link
    loop = Pages({"value": [1], "@odata.nextLink": link}, {"value": [2], "@odata.nextLink": link})
    with pytest.raises(ContinuationLoopError):
        list(iter_graph_values(loop, f"{GRAPH}/groups", what="g", is_allowed_host=allowed))
    evil = Pages({"value": [1], "@odata.nextLink": "https://evil.test/v1.0/groups?x=1"})
    with pytest.raises(UntrustedRedirectError) as caught:
        list(iter_graph_values(evil, f"{GRAPH}/groups", what="g", is_allowed_host=allowed))
    assert caught.value.url == "https://evil.test/v1.0/groups?..."
    assert len(evil.urls) == 1


def test_with_query_replaces_values_case_insensitively() -> None:
    url = with_query(f"{API}/items?ContinuationToken=old&recursive=True", continuationToken="n")
    assert parse_qs(urlsplit(url).query) == {"recursive": ["True"], "continuationToken": ["n"]}


def test_every_list_of_the_client_pages() -> None:
    """Each list operation follows a continuation to the second page."""

    def handler(request: Request) -> Response:
        second = "continuationToken" in request.url
        entry: dict[str, Any] = {
            "id": "2" if second else "1",
            "displayName": "n",
            "type": "Notebook",
            "principal": {"id": "p2" if second else "p1", "type": "User"},
            "role": "Viewer",
        }
        page: dict[str, Any] = {"value": [entry]}
        if not second:
            page["continuationToken"] = "next"
        return respond(200, page)

    client, transport, _ = make_client(handler)
    lists = [
        client.workspaces.list,
        client.capacities.list,
        lambda: client.role_assignments.list("ws"),
        lambda: client.items.list("ws"),
        lambda: client.folders.list("ws"),
    ]
    for list_all in lists:
        assert len(list_all()) == 2
    assert sum("continuationToken=next" in r.url for r in transport.requests) == len(lists)
    assert client.role_assignments.find("ws", "P2") is not None
    assert client.items.find("ws", "notebook", "N") is not None
    assert client.workspaces.find("nobody") is None


def test_a_page_entry_the_model_cannot_read_keeps_the_pages_request_id() -> None:
    client, _, _ = make_client(
        script([respond(200, {"value": [{"displayName": "no id"}]}, request_id="rid-page")])
    )
    with pytest.raises(UnexpectedResponseError) as caught:
        client.items.list("ws")
    assert caught.value.request_id == "rid-page"


def test_a_page_that_is_not_json_is_an_unexpected_response() -> None:
    def fetch(url: str) -> Response:
        return Response(status=200, headers={"RequestId": "r-html"}, body=b"<html/>")

    with pytest.raises(UnexpectedResponseError) as caught:
        list(iter_fabric_values(fetch, f"{API}/x", what="x", is_allowed_host=allowed))
    assert caught.value.request_id == "r-html"
