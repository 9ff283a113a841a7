"""Build config data from JSON text, with positions, duplicate keys refused and bounds.

Python's ``json`` module keeps the last of two equal keys and reports no positions, and
PyYAML reads most JSON but not tab-indented JSON or escaped surrogate pairs. So objects
and arrays are walked here (depth bounded, every node placed) and each scalar is decoded
by ``json``'s own C scanner, which keeps JSON's exact rules for strings and numbers.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..errors import ConfigProblem
from ._document import JsonPath, Position, format_path
from ._limits import FatalParseError, ParseLimits, position_of_index, problem_at

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_SCALAR_START = frozenset('"-0123456789tfn')
_VALUE_WORDS = "a string, number, true, false, null, object or array"


class JsonComposer:
    """Turn one JSON text into data plus positions, enforcing :class:`ParseLimits`.

    Args:
        text: The decoded file.
        file: The file name for messages.
        limits: The bounds to enforce.
    """

    def __init__(self, text: str, file: str, limits: ParseLimits) -> None:
        self._text = text
        self._file = file
        self._limits = limits
        self._decoder = json.JSONDecoder()
        self._pos = 0
        self._nodes = 0
        self._line = 1
        self._line_start = 0
        self._counted_to = 0
        self.problems: list[ConfigProblem] = []
        self.value_positions: dict[JsonPath, Position] = {}
        self.key_positions: dict[JsonPath, Position] = {}

    def compose(self) -> Any:
        """Return the document's data.

        Raises:
            FatalParseError: A syntax error or an exceeded limit stopped parsing.
        """
        self._skip_whitespace()
        value = self._value((), 0, discard=False)
        self._skip_whitespace()
        if self._pos < len(self._text):
            raise self._fatal("syntax.json", "unexpected text after the JSON document")
        return value

    def _position(self, index: int) -> Position:
        # Positions are asked for in file order, so count newlines only once.
        if index < self._counted_to:
            return position_of_index(self._text, index)
        newlines = self._text.count("\n", self._counted_to, index)
        if newlines:
            self._line += newlines
            self._line_start = self._text.rfind("\n", self._counted_to, index) + 1
        self._counted_to = index
        return self._line, index - self._line_start + 1

    def _fatal(self, code: str, message: str, index: int | None = None) -> FatalParseError:
        position = self._position(self._pos if index is None else index)
        return FatalParseError([*self.problems, problem_at(self._file, code, message, position)])

    def _skip_whitespace(self) -> None:
        match = _WHITESPACE.match(self._text, self._pos)
        assert match is not None  # the pattern matches the empty string
        self._pos = match.end()

    def _peek(self) -> str:
        return self._text[self._pos : self._pos + 1]

    def _value(self, path: JsonPath, depth: int, *, discard: bool) -> Any:
        position = self._position(self._pos)
        if not discard:
            self.value_positions[path] = position
        self._nodes += 1
        if self._nodes > self._limits.max_nodes:
            raise self._fatal(
                "limit.nodes",
                f"the document has more than {self._limits.max_nodes} values; refusing a "
                "runaway generated file",
            )
        char = self._peek()
        if char in ("{", "["):
            if depth >= self._limits.max_depth:
                raise self._fatal(
                    "limit.depth",
                    f"nesting is deeper than {self._limits.max_depth} levels; a config is "
                    "never this deep (is the file generated or corrupt?)",
                )
            if char == "{":
                return self._object(path, depth + 1, discard=discard)
            return self._array(path, depth + 1, discard=discard)
        if char and char in _SCALAR_START:
            return self._scalar()
        found = repr(char) if char else "the end of the file"
        raise self._fatal("syntax.json", f"expected {_VALUE_WORDS}, found {found}")

    def _scalar(self) -> Any:
        try:
            value, self._pos = self._decoder.raw_decode(self._text, self._pos)
        except json.JSONDecodeError as exc:
            raise self._fatal("syntax.json", f"JSON syntax error: {exc.msg}", exc.pos) from None
        except ValueError:  # an integer longer than sys.get_int_max_str_digits()
            raise self._fatal(
                "syntax.number", "this number is too long; quote it if it is text"
            ) from None
        return value

    def _object(self, path: JsonPath, depth: int, *, discard: bool) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_lines: dict[str, int] = {}
        self._pos += 1
        self._skip_whitespace()
        if self._peek() == "}":
            self._pos += 1
            return result
        while True:
            if self._peek() != '"':
                raise self._fatal("syntax.json", "expected a key in double quotes")
            key_position = self._position(self._pos)
            key = self._scalar()
            self._skip_whitespace()
            if self._peek() != ":":
                raise self._fatal("syntax.json", f"expected ':' after the key {key!r}")
            self._pos += 1
            self._skip_whitespace()
            duplicate = key in result
            if duplicate and not discard:
                self.problems.append(
                    problem_at(
                        self._file,
                        "syntax.duplicate-key",
                        f"duplicate key {key!r} (first defined at line {first_lines[key]}); "
                        "remove one of them",
                        key_position,
                        format_path((*path, key)),
                    )
                )
            elif not discard:
                first_lines[key] = key_position[0]
                self.key_positions[(*path, key)] = key_position
            value = self._value((*path, key), depth, discard=discard or duplicate)
            if not duplicate:
                result[key] = value
            if self._after_entry("}"):
                return result

    def _array(self, path: JsonPath, depth: int, *, discard: bool) -> list[Any]:
        result: list[Any] = []
        self._pos += 1
        self._skip_whitespace()
        if self._peek() == "]":
            self._pos += 1
            return result
        while True:
            result.append(self._value((*path, len(result)), depth, discard=discard))
            if self._after_entry("]"):
                return result

    def _after_entry(self, closer: str) -> bool:
        """Consume ``,`` (return False) or *closer* (return True) after an entry."""
        self._skip_whitespace()
        char = self._peek()
        self._pos += 1
        if char == closer:
            return True
        if char == ",":
            comma = self._pos - 1
            self._skip_whitespace()
            if self._peek() == closer:
                raise self._fatal("syntax.json", f"JSON allows no comma before '{closer}'", comma)
            return False
        self._pos -= 1
        raise self._fatal("syntax.json", f"expected ',' or '{closer}'")
