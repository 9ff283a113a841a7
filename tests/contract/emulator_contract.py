"""Drive the emulator case by case and check every exchange against Microsoft's Swagger spec.

A :class:`Case` is one request and the answer it must get: the spec operation it belongs
to, what to send, and what to arrange first (faults, settings, emulator time). A
:class:`Scenario` is a setup plus cases that run in order on one fresh emulator, so a case
may use what an earlier one created (``{finance}`` in a path is the id a case saved as
``finance``).

:class:`World` checks each request body with ``validate_request_body`` before sending it,
then the status, the errorCode of an error, and the response against the spec with
``assert_conforms``. A case meeting a documented production quirk names the
:class:`~contract_deviations.Deviation`; only that quirk is tolerated.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import requests
import swagger
from contract_deviations import Deviation

from fabric_emulator import Profile
from fabric_emulator.testing import RunningEmulator

MISSING_ID = "3c0d4e6a-9f1b-4e2a-8c77-5a1d2b3c4d5e"
"""A well-formed id that names nothing in the emulator (``{missing}``, for 404 cases)."""

TIMEOUT_S = (5.0, 30.0)

Check = Callable[["World", requests.Response], None]


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True, kw_only=True)
class Case:
    """One request to the emulator and the response the spec must accept."""

    operation: str
    """The spec's operationId the request must route to."""
    method: str
    path: str
    """``/v1/...`` or a saved full URL (``{create}``); ``{name}`` is a saved id."""
    status: int
    code: str | None = None
    """The errorCode an error must carry, in the body and ``x-ms-public-api-error-code``."""
    json: Any = None
    """Request body; strings in it may name saved ids too."""
    params: Mapping[str, str] | None = None
    label: str = ""
    """Tells apart cases of the same operation and status in reports."""
    token: bool = True
    """Send the bearer token (False for the 401 TokenIsMissing cases)."""
    malformed: bool = False
    """The request body deliberately breaks the spec (a 400 case for a bad body): the harness
    asserts that it does, instead of refusing to send it."""
    faults: tuple[Mapping[str, Any], ...] = ()
    """Fault rules active for this request only."""
    config: Mapping[str, Any] | None = None
    """Emulator settings changed for this request only."""
    advance_s: float = 0.0
    """Emulator seconds to move the clock before the request."""
    save_id: str | None = None
    """Save the ``id`` of the body (of the operation's result, for a 202) under this name."""
    save_location: str | None = None
    """Save the ``Location`` header under this name, to poll it in later cases."""
    lro_result_status: int | None = None
    """For a 202: follow the operation and check its result as this status of the same
    operation. GetOperationResult is ``type: file`` in the spec, so only the operation that
    started the work says what its result looks like."""
    deviations: tuple[Deviation, ...] = ()
    also: Check | None = None
    """Extra assertions on the response."""

    def __str__(self) -> str:
        """Name the case in failure messages."""
        detail = self.code or self.label
        return f"{self.operation} -> {self.status}" + (f" ({detail})" if detail else "")


def _case(method: str, operation: str, path: str, expect: str, options: Any) -> Case:
    status, _, code = expect.partition(" ")
    return Case(
        operation=operation,
        method=method,
        path=path,
        status=int(status),
        code=code or None,
        **options,
    )


def get(operation: str, path: str, expect: str, **options: Any) -> Case:
    """Build a GET case; ``expect`` is a status, then the errorCode of an error."""
    return _case("GET", operation, path, expect, options)


def post(operation: str, path: str, expect: str, **options: Any) -> Case:
    """Build a POST case; ``expect`` is a status, then the errorCode of an error."""
    return _case("POST", operation, path, expect, options)


def patch(operation: str, path: str, expect: str, **options: Any) -> Case:
    """Build a PATCH case; ``expect`` is a status, then the errorCode of an error."""
    return _case("PATCH", operation, path, expect, options)


def delete(operation: str, path: str, expect: str, **options: Any) -> Case:
    """Build a DELETE case; ``expect`` is a status, then the errorCode of an error."""
    return _case("DELETE", operation, path, expect, options)


class Scenario(NamedTuple):
    """Cases that run in order on one fresh emulator, after ``setup``."""

    name: str
    setup: Callable[[World], None]
    cases: tuple[Case, ...]


def throttle(route: str, method: str) -> Mapping[str, Any]:
    """Return a fault rule that answers the next ``method`` on ``route`` with 429."""
    return {"route": route, "methods": [method], "throttle_rate": 1.0, "max_hits": 1}


def absent(*names: str) -> Check:
    """Assert that the body leaves ``names`` out (rather than sending them as null)."""

    def check(world: World, response: requests.Response) -> None:
        body = response.json()
        assert not [name for name in names if name in body], body

    return check


def present(*names: str) -> Check:
    """Assert that the body carries ``names``."""

    def check(world: World, response: requests.Response) -> None:
        body = response.json()
        assert all(name in body for name in names), body

    return check


def equals(dotted: str, expected: Any) -> Check:
    """Assert the value at a dotted path of the body (``properties.publishDetails.state``).

    A numeric key indexes a list (``value.0.name``); ``{name}`` in ``expected`` is a saved id.
    """

    def check(world: World, response: requests.Response) -> None:
        value = response.json()
        for key in dotted.split("."):
            value = value[int(key)] if isinstance(value, list) else value[key]
        assert value == world.fill(expected), response.json()

    return check


def result_of(method: str, path: str, status: int) -> Check:
    """Check an operation's result against the response of the operation that started it."""

    def check(world: World, response: requests.Response) -> None:
        swagger.assert_conforms(method, world.fill(path), status, response.json())

    return check


def b64(data: str | Mapping[str, Any]) -> str:
    """Encode text (or a dict, as compact JSON) as a base64 definition payload."""
    text = data if isinstance(data, str) else json.dumps(data)
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def part(path: str, data: str | Mapping[str, Any]) -> dict[str, str]:
    """Build one InlineBase64 definition part."""
    return {"path": path, "payload": b64(data), "payloadType": "InlineBase64"}


def platform_part(item_type: str, name: str) -> dict[str, str]:
    """Build the ``.platform`` part fabric-cicd sends with every definition."""
    return part(
        ".platform",
        {
            "$schema": "https://developer.microsoft.com/json-schemas/fabric/gitIntegration/"
            "platformProperties/2.0.0/schema.json",
            "metadata": {"type": item_type, "displayName": name},
            "config": {"version": "2.0", "logicalId": "99b570c5-0c79-9dc4-4c9b-fa16c621384c"},
        },
    )


# --------------------------------------------------------------------------- running


@dataclass
class World:
    """One scenario's emulator, authenticated session, profile and saved ids."""

    emulator: RunningEmulator
    session: requests.Session
    profile: Profile
    ids: dict[str, str] = field(default_factory=lambda: {"missing": MISSING_ID})

    def fill(self, value: Any) -> Any:
        """Replace ``{name}`` in strings (recursively) with saved ids."""
        if isinstance(value, str):
            return re.sub(r"\{(\w+)\}", lambda match: self._saved(match.group(1)), value)
        if isinstance(value, Mapping):
            return {key: self.fill(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.fill(item) for item in value]
        return value

    def _saved(self, name: str) -> str:
        if name not in self.ids:
            raise AssertionError(f"no saved id {name!r}: the case that saves it failed")
        return self.ids[name]

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        token: bool = True,
        malformed: bool = False,
    ) -> requests.Response:
        """Check the request body against the spec, then send the request.

        A ``malformed`` body must break the spec (it tests the server's 400), else it must
        conform.
        """
        url = self.fill(path)
        body = self.fill(json)
        if malformed:
            assert swagger.request_body_violations(method, url, body), (
                f"the malformed body {body!r} conforms to the spec: drop malformed=True"
            )
        else:
            swagger.validate_request_body(method, url, body)
        return self.session.request(
            method,
            url if url.startswith("https://") else f"{self.emulator.base_url}{url}",
            json=body,
            params=self.fill(params),
            headers=None if token else {"Authorization": None},
            timeout=TIMEOUT_S,
        )

    def create(self, name: str, path: str, body: Mapping[str, Any]) -> None:
        """Create a resource (following the LRO of a 202) and save its id as ``name``."""
        response = self.request("POST", path, json=body)
        assert response.status_code in (201, 202), response.text
        created = self.finish(response) if response.status_code == 202 else response.json()
        self.ids[name] = str(created["id"])

    def finish(self, accepted: requests.Response) -> Any:
        """Return the result of a 202's operation, which must have succeeded by now."""
        state = self.session.get(accepted.headers["Location"], timeout=TIMEOUT_S)
        assert state.json()["status"] == "Succeeded", state.text
        result = self.session.get(state.headers["Location"], timeout=TIMEOUT_S)
        assert result.status_code == 200, result.text
        return result.json()

    def run(self, cases: Iterable[Case]) -> list[str]:
        """Run ``cases`` in order; return a report of each one that failed."""
        failures = []
        for case in cases:
            try:
                self._run(case)
            except AssertionError as error:
                failures.append(f"{case} [{self.profile}]: {error}")
        return failures

    def _run(self, case: Case) -> None:
        if case.advance_s:
            self.emulator.advance(case.advance_s)
        if case.faults:
            self.emulator.set_faults([dict(rule) for rule in case.faults])
        restore = self._configure(case.config)
        try:
            response = self.request(
                case.method,
                case.path,
                json=case.json,
                params=case.params,
                token=case.token,
                malformed=case.malformed,
            )
        finally:
            if case.faults:
                self.emulator.set_faults([])
            self._configure(restore)
        result = self._check(case, response)
        if case.save_id:
            self.ids[case.save_id] = str(result["id"])
        if case.save_location:
            assert "Location" in response.headers, "no Location header to poll"
            self.ids[case.save_location] = response.headers["Location"]

    def _configure(self, changes: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
        """Apply settings; return the previous values of those changed."""
        if not changes:
            return None
        before = self.emulator.emulator.config.to_json()
        self.emulator.control("PATCH", "config", dict(changes))
        return {key: before[key] for key in changes}

    def _check(self, case: Case, response: requests.Response) -> Any:
        """Check one exchange; return the body, or the operation's result for a 202."""
        assert response.status_code == case.status, (
            f"expected HTTP {case.status}, got {response.status_code}: {response.text[:400]}"
        )
        method, path = str(response.request.method), str(response.request.path_url)
        operation = swagger.find_operation(method, path)
        assert operation.operation_id == case.operation, f"{path} is {operation}"
        body = self._body(response)
        if case.code is not None:
            code = body.get("errorCode") if isinstance(body, dict) else None
            assert code == case.code, f"errorCode {code!r}, expected {case.code!r}: {body}"
            header = response.headers.get("x-ms-public-api-error-code")
            assert header == case.code, f"x-ms-public-api-error-code is {header!r}"
        self._conforms(case, method, path, response, body)
        if case.also is not None:
            case.also(self, response)
        if case.lro_result_status is None:
            return body
        result = self.finish(response)
        try:
            swagger.assert_conforms(method, path, case.lro_result_status, result)
        except AssertionError as error:
            raise AssertionError(f"the operation's result: {error}") from None
        return result

    def _body(self, response: requests.Response) -> Any:
        """Decode the body; ``None`` when there is none.

        Under realism a 202 carries the literal JSON ``null``, as production's do (§5.1
        [R]; the spec declares no body). It decodes to ``None`` like an empty body, so it
        is allowed only there.
        """
        if not response.content:
            return None
        if response.content.strip() == b"null":
            assert (response.status_code, self.profile) == (202, Profile.REALISM), (
                "only a realism 202 may have a null body"
            )
        return response.json()

    def _conforms(
        self, case: Case, method: str, path: str, response: requests.Response, body: Any
    ) -> None:
        """Assert the response conforms, except for the case's deviations in this profile."""
        active = [d for d in case.deviations if self.profile in d.profiles]
        if not active:
            swagger.assert_conforms(method, path, response.status_code, body, response.headers)
            return
        violations = swagger.response_violations(
            method, path, response.status_code, body, response.headers
        )
        unexplained = [v for v in violations if not any(d.explains(v) for d in active)]
        assert not unexplained, "violations no documented deviation explains:\n" + "\n".join(
            f"  - {violation}" for violation in unexplained
        )
        for deviation in active:
            assert any(deviation.explains(v) for v in violations), (
                f"deviation {deviation.name!r} no longer happens: remove it from the case"
            )
            deviation.production(response)
