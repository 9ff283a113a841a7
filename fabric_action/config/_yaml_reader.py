"""Build config data from YAML events, with positions, duplicate keys refused and bounds.

PyYAML's safe loader is used for its parser only (libyaml's when PyYAML has it, which is
about thirty times faster than the pure-Python one). The document is built here from
the event stream, not by PyYAML's composer and constructor, because that is the one
place where every node can be counted and placed before it costs anything:

* each node's line and column is recorded under its JSON path;
* a duplicate key is a problem (PyYAML silently keeps the last one);
* nesting depth, node count and alias uses are bounded as the events arrive, so an
  alias bomb or a 5 MB ``[[[[...`` stops after a few thousand events, and an alias is
  never copied: both paths share one object and its size is charged against the budget;
* scalars follow the YAML 1.2 core schema: only ``true``/``false`` are booleans, so
  ``country: NO``, ``on:`` and ``2024-01-01`` stay text; any tag beyond the core ones
  (``!!python/...``, ``!!binary``, custom ``!tags``) is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import yaml

from ..errors import ConfigProblem
from ._document import JsonPath, Position, format_path
from ._limits import FatalParseError, ParseLimits, problem_at

_CORE = "tag:yaml.org,2002:"
_NULL = re.compile(r"~|null|Null|NULL|")
_BOOLEANS = {"true": True, "True": True, "TRUE": True}
_BOOLEANS |= {"false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_INFINITY = re.compile(r"([-+]?)\.(?:inf|Inf|INF)")
_NAN = re.compile(r"\.(?:nan|NaN|NAN)")


class EventSource(Protocol):
    """The part of a PyYAML loader used here: its parser's event stream."""

    def get_event(self) -> yaml.Event | None:
        """Return the next event."""
        ...

    def dispose(self) -> None:
        """Release the parser."""
        ...


EventSourceFactory = Callable[[str], EventSource]


def default_event_source() -> EventSourceFactory:
    """Return libyaml's safe loader when PyYAML was built with it, else the pure one."""
    if yaml.__with_libyaml__:
        return yaml.CSafeLoader
    return yaml.SafeLoader  # pragma: no cover - PyYAML wheels ship libyaml


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_CORE) if tag.startswith(_CORE) else tag


class ScalarError(ValueError):
    """A scalar that cannot be turned into a config value.

    Attributes:
        code: The problem code (``syntax.tag`` or ``syntax.number``).
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def resolve_plain_scalar(text: str) -> Any:
    """Return the value of an untagged plain scalar under the YAML 1.2 core schema.

    Raises:
        ScalarError: The text is an integer too long to convert (over 4,300 digits).
    """
    if _NULL.fullmatch(text):
        return None
    if text in _BOOLEANS:
        return _BOOLEANS[text]
    if _INT.fullmatch(text):
        if text.startswith(("0o", "0x")):
            return int(text[2:], 8 if text[1] == "o" else 16)
        try:
            return int(text)
        except ValueError:  # longer than sys.get_int_max_str_digits()
            raise ScalarError(
                "syntax.number", "this number is too long; quote it if it is text"
            ) from None
    if _FLOAT.fullmatch(text):
        return float(text)
    infinity = _INFINITY.fullmatch(text)
    if infinity:
        return float(infinity.group(1) + "inf")
    if _NAN.fullmatch(text):
        return float("nan")
    return text


_TAG_CHECKS: dict[str, Callable[[Any], bool]] = {
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def _resolve_tagged_scalar(text: str, tag: str) -> Any:
    """Return the value of a scalar with an explicit core tag.

    Raises:
        ScalarError: The tag is not a core scalar tag, or the text does not fit it.
    """
    if tag == _CORE + "str":
        return text
    check = _TAG_CHECKS.get(tag.removeprefix(_CORE)) if tag.startswith(_CORE) else None
    if check is None:
        raise ScalarError("syntax.tag", _tag_message(tag))
    value = resolve_plain_scalar(text)
    if not check(value):
        raise ScalarError("syntax.tag", f"{text!r} is not a valid {_short_tag(tag)} value")
    return float(value) if tag == _CORE + "float" else value


def _tag_message(tag: str) -> str:
    return (
        f"the tag {_short_tag(tag)} is not allowed: config values are text, numbers, "
        "true/false, null, lists and mappings"
    )


@dataclass
class _Frame:
    """A mapping or list being built."""

    container: dict[str, Any] | list[Any]
    path: JsonPath
    anchor: str | None
    nodes_at_start: int
    discard: bool
    key: str | None = None
    key_discard: bool = False
    first_key_lines: dict[str, int] = field(default_factory=dict)


class YamlComposer:
    """Turn one YAML text into data plus positions, enforcing :class:`ParseLimits`.

    Args:
        text: The decoded file.
        file: The file name for messages.
        limits: The bounds to enforce.
        event_source: Makes the parser (default: :func:`default_event_source`).
    """

    def __init__(
        self,
        text: str,
        file: str,
        limits: ParseLimits,
        event_source: EventSourceFactory | None = None,
    ) -> None:
        self._text = text
        self._file = file
        self._limits = limits
        self._make_source = event_source or default_event_source()
        self._nodes = 0
        self._aliases = 0
        self._anchors: dict[str, tuple[Any, int]] = {}
        self.problems: list[ConfigProblem] = []
        self.value_positions: dict[JsonPath, Position] = {}
        self.key_positions: dict[JsonPath, Position] = {}

    def compose(self) -> Any:
        """Return the document's data (None for an empty stream).

        Raises:
            FatalParseError: A syntax error or an exceeded limit stopped parsing.
        """
        source = self._make_source(self._text)
        try:
            return self._compose(source)
        except yaml.MarkedYAMLError as exc:
            raise self._fatal_from_yaml(exc) from None
        except yaml.YAMLError as exc:  # pragma: no cover - control characters are refused earlier
            raise self._fatal("syntax.yaml", f"YAML error: {exc}", None) from None
        finally:
            source.dispose()

    def _fatal(self, code: str, message: str, position: Position | None) -> FatalParseError:
        return FatalParseError([*self.problems, problem_at(self._file, code, message, position)])

    def _fatal_from_yaml(self, exc: yaml.MarkedYAMLError) -> FatalParseError:
        mark = exc.problem_mark or exc.context_mark
        position = (mark.line + 1, mark.column + 1) if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        if position is not None and self._char_at(*position) == "\t":
            message = "a tab cannot indent YAML or start a value here; indent with spaces"
        else:
            message = f"YAML syntax error: {problem}"
            context = exc.context_mark
            if exc.context and context is not None and context is not mark:
                message += f" ({exc.context} at line {context.line + 1}, column "
                message += f"{context.column + 1})"
        return self._fatal("syntax.yaml", message, position)

    def _char_at(self, line: int, column: int) -> str:
        start = 0
        for _ in range(line - 1):
            start = self._text.find("\n", start) + 1
        index = start + column - 1
        return self._text[index : index + 1]

    def _compose(self, source: EventSource) -> Any:
        root: Any = None
        stack: list[_Frame] = []
        documents = 0
        while True:
            event = source.get_event()
            if event is None or isinstance(event, yaml.StreamEndEvent):
                return root
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise self._fatal(
                        "syntax.documents",
                        "a config file holds one YAML document; remove the second '---'",
                        _mark(event),
                    )
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                frame = stack.pop()
                self._remember_anchor(frame.anchor, frame.container, frame.nodes_at_start)
                root = self._attach(stack, frame.container, root)
            elif stack and isinstance(stack[-1].container, dict) and stack[-1].key is None:
                self._take_key(stack[-1], event)
            elif isinstance(event, yaml.NodeEvent):
                root = self._take_node(stack, event, root)

    def _take_key(self, frame: _Frame, event: yaml.Event) -> None:
        position = _mark(event)
        if not isinstance(event, yaml.ScalarEvent):
            raise self._fatal(
                "syntax.key",
                "a mapping key must be plain text, not a list, mapping or alias",
                position,
            )
        key = event.value
        if key == "<<" and event.implicit[0]:
            raise self._fatal(
                "syntax.merge-key",
                "YAML merge keys ('<<') are not supported; put shared settings under "
                "'defaults' instead",
                position,
            )
        assert isinstance(frame.container, dict)
        frame.key = key
        frame.key_discard = frame.discard or key in frame.container
        if frame.key_discard and not frame.discard:
            path = format_path((*frame.path, key))
            first = frame.first_key_lines[key]
            self.problems.append(
                problem_at(
                    self._file,
                    "syntax.duplicate-key",
                    f"duplicate key {key!r} (first defined at line {first}); remove one of them",
                    position,
                    path,
                )
            )
        elif not frame.discard:
            frame.first_key_lines[key] = position[0]
            self.key_positions[(*frame.path, key)] = position

    def _take_node(self, stack: list[_Frame], event: yaml.NodeEvent, root: Any) -> Any:
        parent = stack[-1] if stack else None
        path, discard = self._child_path(parent)
        position = _mark(event)
        if not discard:
            self.value_positions[path] = position
        self._count(1, position)
        if isinstance(event, yaml.AliasEvent):
            return self._attach(stack, self._take_alias(event, position), root)
        if isinstance(event, yaml.ScalarEvent):
            value = self._scalar(event, path, position)
            self._remember_anchor(event.anchor, value, self._nodes - 1)
            return self._attach(stack, value, root)
        assert isinstance(event, yaml.CollectionStartEvent)
        kind = "map" if isinstance(event, yaml.MappingStartEvent) else "seq"
        if event.tag not in (None, "!", _CORE + kind):
            self._tag_problem(event.tag, position, path)
        if len(stack) >= self._limits.max_depth:
            raise self._fatal(
                "limit.depth",
                f"nesting is deeper than {self._limits.max_depth} levels; a config is "
                "never this deep (is the file generated or corrupt?)",
                position,
            )
        container: dict[str, Any] | list[Any] = {} if kind == "map" else []
        stack.append(_Frame(container, path, event.anchor, self._nodes - 1, discard))
        return root

    def _child_path(self, parent: _Frame | None) -> tuple[JsonPath, bool]:
        if parent is None:
            return (), False
        if isinstance(parent.container, dict):
            assert parent.key is not None
            return (*parent.path, parent.key), parent.key_discard
        return (*parent.path, len(parent.container)), parent.discard

    def _take_alias(self, event: yaml.AliasEvent, position: Position) -> Any:
        self._aliases += 1
        if self._aliases > self._limits.max_aliases:
            raise self._fatal(
                "limit.aliases",
                f"more than {self._limits.max_aliases} aliases ('*name'); use 'defaults' "
                "for shared settings",
                position,
            )
        anchor = event.anchor or ""
        if anchor not in self._anchors:
            raise self._fatal(
                "syntax.alias",
                f"the alias *{anchor} names no anchor defined before it (&{anchor})",
                position,
            )
        value, size = self._anchors[anchor]
        self._count(size - 1, position)
        return value

    def _scalar(self, event: yaml.ScalarEvent, path: JsonPath, position: Position) -> Any:
        try:
            if event.tag is None and event.implicit[0]:
                return resolve_plain_scalar(event.value)
            if event.tag in (None, "!"):
                return event.value
            return _resolve_tagged_scalar(event.value, event.tag)
        except ScalarError as exc:
            self.problems.append(
                problem_at(self._file, exc.code, str(exc), position, format_path(path))
            )
            return event.value

    def _tag_problem(self, tag: str, position: Position, path: JsonPath) -> None:
        self.problems.append(
            problem_at(self._file, "syntax.tag", _tag_message(tag), position, format_path(path))
        )

    def _count(self, nodes: int, position: Position) -> None:
        self._nodes += nodes
        if self._nodes > self._limits.max_nodes:
            raise self._fatal(
                "limit.nodes",
                f"the document has more than {self._limits.max_nodes} values (aliases "
                "counted as what they expand to); refusing it as an alias bomb or a "
                "runaway generated file",
                position,
            )

    def _remember_anchor(self, anchor: str | None, value: Any, nodes_at_start: int) -> None:
        if anchor is not None:
            self._anchors[anchor] = (value, self._nodes - nodes_at_start)

    @staticmethod
    def _attach(stack: list[_Frame], value: Any, root: Any) -> Any:
        if not stack:
            return value
        parent = stack[-1]
        if isinstance(parent.container, list):
            parent.container.append(value)
        else:
            if not parent.key_discard:
                assert parent.key is not None
                parent.container[parent.key] = value
            parent.key = None
        return root


def _mark(event: yaml.Event) -> Position:
    mark = event.start_mark
    if mark is None:  # pragma: no cover - both parsers mark every event
        return 1, 1
    return mark.line + 1, mark.column + 1
