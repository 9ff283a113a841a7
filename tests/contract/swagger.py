"""Check Fabric REST API payloads against Microsoft's Swagger 2.0 specification.

The specification files live beside this module in ``fabric-rest-api-specs/`` (a copy of
microsoft/fabric-rest-api-specs, MIT licence); nothing outside that folder is read.

Typical use in a contract test::

    response = client.get(f"/v1/workspaces/{workspace_id}")
    assert_conforms("GET", response.request.path_url, response.status_code,
                    response.json(), response.headers)

How the Swagger 2.0 dialect is turned into something ``jsonschema`` validates with Draft 4
semantics:

* ``$ref`` is followed across files (relative paths and JSON pointers). A path segment that
  does not exist is looked up case-insensitively (the specs refer to ``../../Common/`` while the
  folder is ``common/``). A ref to a file that was not copied fails with :class:`SpecError`, but
  only when a schema that needs it is compiled.
* ``discriminator`` on a base definition makes every reference to it polymorphic: the object is
  checked against the subtype (a definition in the same file whose ``allOf`` names the base)
  whose ``x-ms-discriminator-value`` (or definition name) equals the discriminator property;
  unknown values fall back to the base definition.
* ``x-ms-*`` keys, ``description``, ``readOnly``, ``example`` and other annotations are dropped.
  In request bodies a ``readOnly`` property is not required even if listed in ``required``.
* ``type: file`` accepts any body.
* ``format: uuid`` and ``format: date-time`` are checked. Date-times are ISO 8601 with an
  optional offset and any number of fractional digits, because the real service sends
  ``2026-04-19T10:53:46.2561218`` (no ``Z``, 7 digits).
* Every response header the spec declares for a status is treated as required.
"""

from __future__ import annotations

import copy
import functools
import json
import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from jsonschema import Draft4Validator, FormatChecker, ValidationError, validators

__all__ = [
    "SPEC_FILES",
    "SPEC_ROOT",
    "HeaderSpec",
    "Operation",
    "SpecError",
    "UnknownOperationError",
    "Violation",
    "assert_conforms",
    "definition_violations",
    "find_operation",
    "load_document",
    "request_body_schema",
    "request_body_violations",
    "response_headers",
    "response_schema",
    "response_violations",
    "validate_request_body",
]

SPEC_ROOT = Path(__file__).resolve().parent / "fabric-rest-api-specs"
"""Folder holding the copied specification, with the upstream layout."""

SPEC_FILES: tuple[str, ...] = (
    "platform/swagger.json",
    "lakehouse/swagger.json",
    "environment/swagger.json",
    "variableLibrary/swagger.json",
    "semanticModel/swagger.json",
    "warehouse/swagger.json",
    "sqlDatabase/swagger.json",
    "mirroredDatabase/swagger.json",
    "eventhouse/swagger.json",
    "kqlDatabase/swagger.json",
    "spark/swagger.json",
)
"""Swagger documents searched for operations, relative to :data:`SPEC_ROOT`."""

Direction = Literal["request", "response"]

_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options"})
_DISPATCH = "discriminatorDispatch"
"""Private keyword of the compiled schemas that implements ``discriminator``."""

# Draft 4 keywords copied verbatim from a Swagger schema; everything else is rebuilt or dropped.
_VERBATIM_KEYWORDS = frozenset(
    {
        "enum",
        "exclusiveMaximum",
        "exclusiveMinimum",
        "format",
        "maxItems",
        "maxLength",
        "maxProperties",
        "maximum",
        "minItems",
        "minLength",
        "minProperties",
        "minimum",
        "multipleOf",
        "type",
        "uniqueItems",
    }
)

_UUID = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?"
)


class SpecError(Exception):
    """The specification cannot answer the question (missing file, bad ref, unknown path)."""


class UnknownOperationError(SpecError, LookupError):
    """No operation in the specification matches a method and URL path."""


@dataclass(frozen=True)
class Operation:
    """One operation of a Swagger document: a method on a path template."""

    spec: str
    """Swagger document holding the operation, relative to :data:`SPEC_ROOT`."""
    method: str
    """Lower-case HTTP method."""
    template: str
    """Path template as written in the document, without basePath (may end in ``?beta=true``)."""

    @property
    def definition(self) -> Mapping[str, Any]:
        """Return the raw Swagger operation object."""
        operation: Mapping[str, Any] = load_document(self.spec)["paths"][self.template][self.method]
        return operation

    @property
    def operation_id(self) -> str:
        """Return the ``operationId``."""
        return str(self.definition.get("operationId", f"{self.method.upper()} {self.template}"))

    def __str__(self) -> str:
        """Describe the operation for error messages."""
        return f"{self.operation_id} ({self.method.upper()} {self.template} in {self.spec})"


@dataclass(frozen=True)
class HeaderSpec:
    """A response header declared by the specification."""

    name: str
    type: str | None
    format: str | None


@dataclass(frozen=True)
class Violation:
    """One way in which a payload breaks the specification."""

    where: str
    """What is wrong: ``status``, ``body``, ``body $.value[0].id``, ``header Location``..."""
    message: str

    def __str__(self) -> str:
        """Render as ``where: message``."""
        return f"{self.where}: {self.message}"


# --------------------------------------------------------------------------- documents and refs


@functools.cache
def load_document(relative_path: str) -> Mapping[str, Any]:
    """Load a JSON document of the specification, relative to :data:`SPEC_ROOT`."""
    path = SPEC_ROOT / _locate(relative_path)
    document: Mapping[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


@functools.cache
def _locate(relative_path: str) -> str:
    """Return the canonical spelling of a spec file path, matching segments case-insensitively."""
    normalized = posixpath.normpath(relative_path)
    if normalized.startswith("../") or normalized in {".", ".."} or posixpath.isabs(normalized):
        raise SpecError(f"{relative_path!r} points outside {SPEC_ROOT}")
    current = SPEC_ROOT
    parts: list[str] = []
    for segment in normalized.split("/"):
        candidate = current / segment
        if not candidate.exists():
            matches = (
                [p for p in current.iterdir() if p.name.casefold() == segment.casefold()]
                if current.is_dir()
                else []
            )
            if len(matches) != 1:
                raise SpecError(
                    f"spec file {normalized!r} is not part of the copied specification in "
                    f"{SPEC_ROOT}; copy it from microsoft/fabric-rest-api-specs if it is needed"
                )
            candidate = matches[0]
        parts.append(candidate.name)
        current = candidate
    if not current.is_file():
        raise SpecError(f"spec path {normalized!r} is not a file")
    return "/".join(parts)


def _split_ref(base_file: str, ref: str) -> tuple[str, str]:
    """Turn a ``$ref`` found in ``base_file`` into a canonical ``(file, JSON pointer)`` pair."""
    file_part, _, pointer = ref.partition("#")
    target = posixpath.join(posixpath.dirname(base_file), file_part) if file_part else base_file
    try:
        return _locate(target), unquote(pointer)
    except SpecError as error:
        raise SpecError(f"cannot follow $ref {ref!r} in {base_file}: {error}") from None


def _resolve_pointer(file: str, pointer: str) -> Any:
    """Return the node at a JSON pointer inside a spec document."""
    node: Any = load_document(file)
    for token in pointer.lstrip("/").split("/") if pointer.strip("/") else []:
        key = token.replace("~1", "/").replace("~0", "~")
        try:
            node = node[int(key)] if isinstance(node, list) else node[key]
        except (KeyError, IndexError, ValueError, TypeError):
            raise SpecError(f"JSON pointer #{pointer} does not exist in {file}") from None
    return node


@functools.cache
def _subtypes(file: str, pointer: str) -> tuple[tuple[str, str], ...]:
    """Return ``(discriminator value, pointer)`` of definitions in ``file`` extending ``pointer``.

    Swagger 2.0 lets subtypes live anywhere; in the Fabric specs they always sit in the same
    file as their base, which keeps the search bounded and deterministic.
    """

    def extends_base(parent: str) -> bool:
        try:
            return _split_ref(file, parent) == (file, pointer)
        except SpecError:  # a parent in a file that was not copied is not this base
            return False

    found: list[tuple[str, str]] = []
    for name, schema in load_document(file).get("definitions", {}).items():
        parents = [part["$ref"] for part in schema.get("allOf", []) if "$ref" in part]
        if any(extends_base(parent) for parent in parents):
            found.append(
                (str(schema.get("x-ms-discriminator-value", name)), f"/definitions/{name}")
            )
    return tuple(found)


# --------------------------------------------------------------------------- Swagger -> Draft 4


class _Compiler:
    """Translate Swagger schemas into one self-contained Draft 4 schema with ``definitions``."""

    def __init__(self, direction: Direction) -> None:
        self._direction = direction
        self._names: dict[tuple[str, str, bool], str] = {}
        self._definitions: dict[str, Any] = {}
        self._pending: list[tuple[str, str, bool]] = []

    def compile(self, schema: Mapping[str, Any], file: str) -> dict[str, Any]:
        """Compile ``schema`` (found in ``file``) and every definition it reaches."""
        root = self._convert(schema, file)
        while self._pending:
            target_file, pointer, polymorphic = self._pending.pop(0)
            name = self._names[(target_file, pointer, polymorphic)]
            self._definitions[name] = self._definition(target_file, pointer, polymorphic)
        return {"allOf": [root], "definitions": self._definitions}

    def _definition(self, file: str, pointer: str, polymorphic: bool) -> dict[str, Any]:
        """Compile one referenced definition, as its polymorphic dispatcher or its plain body."""
        node = _resolve_pointer(file, pointer)
        if not isinstance(node, Mapping):
            raise SpecError(f"#{pointer} in {file} is not a schema object")
        if not polymorphic:
            return self._convert(node, file)
        mapping = {pointer.rsplit("/", 1)[-1]: self._reference(file, pointer, polymorphic=False)}
        for value, sub_pointer in _subtypes(file, pointer):
            sub_node = _resolve_pointer(file, sub_pointer)
            mapping[value] = self._reference(
                file, sub_pointer, polymorphic="discriminator" in sub_node
            )
        return {
            _DISPATCH: {
                "propertyName": node["discriminator"],
                "mapping": mapping,
                "default": mapping[pointer.rsplit("/", 1)[-1]],
            }
        }

    def _reference(self, file: str, pointer: str, *, polymorphic: bool) -> str:
        """Return the local ``#/definitions/...`` URI for a definition, queueing it if new."""
        key = (file, pointer, polymorphic)
        if key not in self._names:
            name = base = re.sub(r"[^A-Za-z0-9_]", "_", pointer.rsplit("/", 1)[-1]) or "root"
            if not polymorphic and "discriminator" in _resolve_pointer(file, pointer):
                name = base = f"{base}.base"  # the base type itself, without dispatch
            counter = 2
            while name in self._definitions:
                name = f"{base}.{counter}"
                counter += 1
            self._names[key] = name
            self._definitions[name] = {}  # placeholder keeps the name reserved
            self._pending.append(key)
        return f"#/definitions/{self._names[key]}"

    def _convert(
        self, node: Mapping[str, Any], file: str, *, in_all_of: bool = False
    ) -> dict[str, Any]:
        """Convert one Swagger schema node."""
        if "$ref" in node:
            target_file, pointer = _split_ref(file, str(node["$ref"]))
            target = _resolve_pointer(target_file, pointer)
            # In a subtype's allOf the base is used as such; anywhere else it is polymorphic.
            polymorphic = (
                isinstance(target, Mapping) and "discriminator" in target and not in_all_of
            )
            return {"$ref": self._reference(target_file, pointer, polymorphic=polymorphic)}
        result: dict[str, Any] = {}
        for key, value in node.items():
            if key == "type" and value == "file":
                continue  # an opaque body: anything goes
            if key == "pattern":
                result[key] = _python_pattern(str(value))
            elif key in _VERBATIM_KEYWORDS:
                result[key] = value
            elif key == "properties":
                result[key] = {name: self._convert(sub, file) for name, sub in value.items()}
            elif key == "items":
                result[key] = self._convert(value, file)
            elif key == "additionalProperties":
                result[key] = value if isinstance(value, bool) else self._convert(value, file)
            elif key == "allOf":
                result[key] = [self._convert(sub, file, in_all_of=True) for sub in value]
            elif key == "required" and isinstance(value, list):
                result[key] = self._required(node, value)
        if result.get("required") == []:
            del result["required"]  # Draft 4 forbids an empty required list
        return result

    def _required(self, node: Mapping[str, Any], names: list[str]) -> list[str]:
        """Drop read-only properties from ``required`` when compiling a request body."""
        if self._direction == "response":
            return list(names)
        properties = node.get("properties", {})
        return [name for name in names if not properties.get(name, {}).get("readOnly", False)]


def _python_pattern(pattern: str) -> str:
    r"""Rewrite an ECMA-262 ``pattern`` for Python's ``re``, which lacks ``\p{L}``.

    ``\p{L}`` (any letter) becomes ``\w``, which also admits digits and ``_``; the one Fabric
    pattern using it has ``\w`` in the same character class, so its meaning is unchanged.
    """
    translated = pattern.replace(r"\p{L}", r"\w")
    try:
        re.compile(translated)
    except re.error as error:
        raise SpecError(
            f"pattern {pattern!r} is not a Python regular expression: {error}"
        ) from None
    return translated


def _dispatch_discriminator(
    validator: Any, spec: Mapping[str, Any], instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    """Validate ``instance`` against the subtype its discriminator property names."""
    reference = spec["default"]
    value = instance.get(spec["propertyName"]) if isinstance(instance, dict) else None
    if isinstance(value, str):
        reference = spec["mapping"].get(value, reference)
    yield from validator.descend(instance, {"$ref": reference})


_FORMAT_CHECKER = FormatChecker(formats=())


def _is_uuid(instance: object) -> bool:
    """Accept a canonical 8-4-4-4-12 hexadecimal UUID (non-strings are left to ``type``)."""
    return not isinstance(instance, str) or _UUID.fullmatch(instance) is not None


def _is_date_time(instance: object) -> bool:
    """Accept ISO 8601 date-times with or without offset and any fractional digits."""
    if not isinstance(instance, str):
        return True
    if _DATE_TIME.fullmatch(instance) is None:
        return False
    try:  # the regex fixes the shape; Python 3.11 checks the ranges (month, hour, offset...)
        datetime.fromisoformat(instance.upper())
    except ValueError:
        return False
    return True


_FORMAT_CHECKER.checks("uuid")(_is_uuid)
_FORMAT_CHECKER.checks("date-time")(_is_date_time)
_SwaggerValidator = validators.extend(Draft4Validator, {_DISPATCH: _dispatch_discriminator})


def _schema_violations(schema: Mapping[str, Any], instance: Any, where: str) -> list[Violation]:
    """Validate ``instance`` against a compiled schema and describe every error."""
    validator = _SwaggerValidator(schema, format_checker=_FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(instance), key=lambda e: (e.json_path, e.message))
    # dict.fromkeys drops duplicates (allOf often repeats a base's "required") and keeps order.
    return list(dict.fromkeys(Violation(f"{where} {e.json_path}", e.message) for e in errors))


# --------------------------------------------------------------------------- routing


@dataclass(frozen=True)
class _Route:
    """A path template split into segments for matching."""

    operation: Operation
    base_path: tuple[str, ...]
    segments: tuple[str | None, ...]
    """Case-folded literal segments; ``None`` for a ``{parameter}``."""
    query: tuple[tuple[str, str], ...]
    """Fixed query parameters that are part of the template, such as ``beta=true``."""


def _split_path(path: str) -> tuple[str, ...]:
    """Split an URL path into segments, without the leading slash."""
    return tuple(path.lstrip("/").split("/")) if path.strip("/") else ()


@functools.cache
def _routes() -> tuple[_Route, ...]:
    """Index every operation of :data:`SPEC_FILES`."""
    routes: list[_Route] = []
    for spec in SPEC_FILES:
        document = load_document(spec)
        base_path = _split_path(str(document.get("basePath", "")).casefold())
        for template, path_item in document.get("paths", {}).items():
            path, _, query = template.partition("?")
            segments = tuple(
                None if re.fullmatch(r"\{[^}]+\}", s) else unquote(s).casefold()
                for s in _split_path(path)
            )
            fixed_query = tuple((k.casefold(), v.casefold()) for k, v in parse_qsl(query))
            routes.extend(
                _Route(Operation(spec, method, template), base_path, segments, fixed_query)
                for method in path_item
                if method in _HTTP_METHODS
            )
    return tuple(routes)


def _query_score(route: _Route, query: Mapping[str, str]) -> int | None:
    """Count how many fixed query parameters the URL sets; ``None`` if the URL contradicts one.

    A missing parameter matches a fixed value of ``false``: ``?beta=false`` is the default.
    """
    score = 0
    for key, value in route.query:
        if key in query:
            if query[key] != value:
                return None
            score += 1
        elif value != "false":
            return None
    return score


@functools.lru_cache(maxsize=4096)
def find_operation(method: str, url_path: str) -> Operation:
    """Find the operation serving ``method`` on a concrete URL path.

    ``url_path`` includes the basePath (``/v1/workspaces/...``); a full URL is accepted and a
    query string only selects between templates such as ``...?beta=true``. Literal segments
    match case-insensitively and win over ``{parameters}``.
    """
    parts = urlsplit(url_path)
    segments = tuple(unquote(s).casefold() for s in _split_path(parts.path))
    query = {k.casefold(): v.casefold() for k, v in parse_qsl(parts.query, keep_blank_values=True)}
    wanted = method.casefold()

    def matches(route: _Route) -> bool:
        size = len(route.base_path)
        if segments[:size] != route.base_path or len(segments) - size != len(route.segments):
            return False
        return all(
            (literal is None and bool(actual)) or literal == actual
            for literal, actual in zip(route.segments, segments[size:], strict=True)
        )

    on_path = [route for route in _routes() if matches(route)]
    if not on_path:
        raise UnknownOperationError(
            f"no operation in {', '.join(SPEC_FILES)} matches path {parts.path!r} "
            "(paths start with the basePath /v1; is the URL right or the spec file missing?)"
        )
    candidates = [
        (route, score)
        for route in on_path
        if route.operation.method == wanted and (score := _query_score(route, query)) is not None
    ]
    if not candidates:
        allowed = sorted({r.operation.method.upper() for r in on_path})
        raise UnknownOperationError(
            f"no {method.upper()} operation for {parts.path!r}; the spec allows "
            f"{', '.join(allowed)} on {on_path[0].operation.template}"
        )
    # Prefer literal segments over parameters (left to right), then more matching query flags.
    candidates.sort(key=lambda c: ([s is None for s in c[0].segments], -c[1]))
    return candidates[0][0].operation


# --------------------------------------------------------------------------- responses


def _response_object(operation: Operation, status: int | str) -> tuple[str, Mapping[str, Any]]:
    """Return the status key used and the response object; raise SpecError if undeclared."""
    responses: Mapping[str, Any] = operation.definition.get("responses", {})
    key = str(status)
    if key not in responses and key.isdigit() and int(key) >= 400 and "default" in responses:
        key = "default"
    if key not in responses:
        declared = ", ".join(responses)
        raise SpecError(f"status {status} is not declared for {operation}; declared: {declared}")
    response = responses[key]
    if "$ref" in response:
        file, pointer = _split_ref(operation.spec, str(response["$ref"]))
        response = _resolve_pointer(file, pointer)
    return key, response


@functools.cache
def _compiled_response(operation: Operation, status_key: str) -> dict[str, Any] | None:
    """Compile the body schema of one response; ``None`` when the response has no body."""
    _, response = _response_object(operation, status_key)
    if "schema" not in response:
        return None
    return _Compiler("response").compile(response["schema"], operation.spec)


def response_schema(method: str, url_path: str, status: int | str) -> dict[str, Any] | None:
    """Return the Draft 4 schema of a response body, or ``None`` if the spec declares no body.

    Error statuses that the operation does not list use its ``default`` response
    (``ErrorResponse``). Raises :class:`SpecError` for an undeclared status.
    """
    operation = find_operation(method, url_path)
    status_key, _ = _response_object(operation, status)
    return copy.deepcopy(_compiled_response(operation, status_key))


def response_headers(method: str, url_path: str, status: int | str) -> tuple[HeaderSpec, ...]:
    """Return the headers the spec declares (and this harness requires) for a response."""
    _, response = _response_object(find_operation(method, url_path), status)
    return tuple(
        HeaderSpec(name, header.get("type"), header.get("format"))
        for name, header in response.get("headers", {}).items()
    )


def _header_violations(
    declared: tuple[HeaderSpec, ...], headers: Mapping[str, Any]
) -> list[Violation]:
    """Check that every declared header is present and has the declared type and format."""
    received = {name.casefold(): value for name, value in headers.items()}
    violations = []
    for spec in declared:
        where = f"header {spec.name}"
        if spec.name.casefold() not in received:
            violations.append(Violation(where, "missing (the spec declares it for this status)"))
            continue
        value = received[spec.name.casefold()]
        if spec.type == "integer" and not (
            (isinstance(value, int) and not isinstance(value, bool))
            or (isinstance(value, str) and value.strip().isdigit())
        ):
            violations.append(Violation(where, f"{value!r} is not an integer"))
        elif spec.format == "uuid" and not (isinstance(value, str) and _is_uuid(value)):
            violations.append(Violation(where, f"{value!r} is not a 'uuid'"))
    return violations


def _body_violations(schema: dict[str, Any] | None, body: Any, what: str) -> list[Violation]:
    """Check a body against an optional compiled schema."""
    if schema is None:
        if body is None or body in ("", b""):
            return []
        return [Violation("body", f"the spec declares no {what} body, got {body!r:.200}")]
    if body is None:
        return [Violation("body", f"the spec declares a JSON {what} body, got none")]
    return _schema_violations(schema, body, "body")


def response_violations(
    method: str,
    url_path: str,
    status: int | str,
    body: Any,
    headers: Mapping[str, Any] | None = None,
) -> list[Violation]:
    """List every way a response breaks the spec (empty when it conforms).

    ``body`` is the decoded JSON (``None`` for no body). ``headers`` is checked for the headers
    the spec declares for the status, case-insensitively; pass ``None`` to skip header checks.
    """
    operation = find_operation(method, url_path)
    try:
        status_key, _ = _response_object(operation, status)
    except SpecError as error:
        return [Violation("status", str(error))]
    violations = _body_violations(_compiled_response(operation, status_key), body, "response")
    if headers is not None:
        violations += _header_violations(response_headers(method, url_path, status), headers)
    return violations


def assert_conforms(
    method: str,
    url_path: str,
    status: int | str,
    body: Any,
    headers: Mapping[str, Any] | None = None,
) -> None:
    """Raise AssertionError listing every violation if a response breaks the spec."""
    violations = response_violations(method, url_path, status, body, headers)
    if violations:
        operation = find_operation(method, url_path)
        raise AssertionError(
            _report(f"{method.upper()} {url_path} -> {status} ({operation})", violations)
        )


def _report(subject: str, violations: list[Violation]) -> str:
    """Format violations as a readable multi-line message."""
    lines = "\n".join(f"  - {violation}" for violation in violations)
    count = len(violations)
    return f"{subject} breaks the Fabric REST API spec ({count} violation(s)):\n{lines}"


# --------------------------------------------------------------------------- requests


def _body_parameter(operation: Operation) -> Mapping[str, Any] | None:
    """Return the ``in: body`` parameter of an operation, path-level ones included."""
    path_item = load_document(operation.spec)["paths"][operation.template]
    declared = [*path_item.get("parameters", []), *operation.definition.get("parameters", [])]
    for entry in declared:
        parameter: Mapping[str, Any] = entry
        if "$ref" in entry:
            parameter = _resolve_pointer(*_split_ref(operation.spec, str(entry["$ref"])))
        if parameter.get("in") == "body":
            return parameter
    return None


@functools.cache
def _compiled_request(operation: Operation) -> dict[str, Any] | None:
    """Compile the request body schema of an operation; ``None`` when it takes no body."""
    parameter = _body_parameter(operation)
    if parameter is None:
        return None
    return _Compiler("request").compile(parameter["schema"], operation.spec)


def request_body_schema(method: str, url_path: str) -> dict[str, Any] | None:
    """Return the Draft 4 schema of an operation's request body, or ``None`` if it takes none."""
    return copy.deepcopy(_compiled_request(find_operation(method, url_path)))


def request_body_violations(method: str, url_path: str, body: Any) -> list[Violation]:
    """List every way a request body breaks the spec (empty when it conforms)."""
    operation = find_operation(method, url_path)
    schema = _compiled_request(operation)
    parameter = _body_parameter(operation)
    if body is None and parameter is not None and not parameter.get("required", False):
        return []
    return _body_violations(schema, body, "request")


def validate_request_body(method: str, url_path: str, body: Any) -> None:
    """Raise AssertionError listing every violation if a request body breaks the spec."""
    violations = request_body_violations(method, url_path, body)
    if violations:
        operation = find_operation(method, url_path)
        raise AssertionError(
            _report(f"{method.upper()} {url_path} request ({operation})", violations)
        )


# --------------------------------------------------------------------------- single definitions


@functools.cache
def _compiled_definition(ref: str, direction: Direction) -> dict[str, Any]:
    """Compile a definition named by a ref relative to :data:`SPEC_ROOT`."""
    return _Compiler(direction).compile({"$ref": ref}, "index.json")


def definition_violations(
    ref: str, instance: Any, direction: Direction = "response"
) -> list[Violation]:
    """Validate ``instance`` against one definition and list the violations.

    ``ref`` is relative to :data:`SPEC_ROOT`, e.g. ``common/definitions.json#/definitions/Item``;
    a discriminator base is checked polymorphically.
    """
    return _schema_violations(_compiled_definition(ref, direction), instance, "value")
