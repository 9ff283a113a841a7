"""A parser for the subset of OData ``$filter`` that Graph serves without advanced queries.

Supported: ``prop eq literal``, ``prop in ('a', 'b')``, ``startswith(prop, 'x')``,
``collection/any(c:c eq 'x')``, ``and``, ``or`` and parentheses. String literals use single
quotes with ``''`` for a quote inside; ``true``, ``false`` and ``null`` are literals.
Comparisons of strings ignore case, as Entra's directory does. ``ne``, ``not``,
``endswith`` and the ordering operators need Graph's advanced queries and are refused
with ``Request_UnsupportedQuery``; syntax errors are 400 ``Request_BadRequest``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fabric_emulator._graph_common import bad_request
from fabric_emulator._graph_objects import BOOLEAN, STRING, STRINGS, EntityType
from fabric_emulator._http import GraphError

Predicate = Callable[[Mapping[str, Any]], bool]

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_NUMBER = re.compile(r"-?[0-9][0-9A-Za-z.:+-]*")
_PUNCTUATION = "(),/:"
_UNSUPPORTED = frozenset({"ne", "gt", "ge", "lt", "le", "not", "endswith", "contains", "has"})
_NULL = "null"
_MAX_DEPTH = 32
"""How deeply parentheses may nest (Graph refuses absurd filters rather than recurse)."""


@dataclass(frozen=True)
class _Token:
    kind: str
    """``string``, ``word``, ``number``, ``punct`` or ``end``."""
    text: str
    position: int
    value: str = ""


@dataclass(frozen=True)
class _Literal:
    edm_type: str
    value: Any


def parse_filter(text: str, entity: EntityType) -> Predicate:
    """Compile a ``$filter`` expression into a predicate over an object's Graph properties.

    Raises:
        GraphError: 400 ``Request_BadRequest`` (syntax, unknown property, type mismatch) or
            400 ``Request_UnsupportedQuery`` (a clause that needs an advanced query).
    """
    return _Parser(text, entity).parse()


def _invalid(detail: str) -> GraphError:
    return bad_request("Request_BadRequest", f"Invalid filter clause: {detail}")


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char.isspace():
            position += 1
        elif char == "'":
            end, value = _string_end(text, position)
            tokens.append(_Token("string", text[position:end], position, value))
            position = end
        elif char in _PUNCTUATION:
            tokens.append(_Token("punct", char, position))
            position += 1
        else:
            found = _WORD.match(text, position)
            kind = "word"
            if found is None:
                found, kind = _NUMBER.match(text, position), "number"
            if found is None:
                raise _invalid(
                    f"Syntax error: character '{char}' is not valid at position {position} "
                    f"in '{text}'."
                )
            tokens.append(_Token(kind, found.group(0), position, found.group(0)))
            position = found.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


def _string_end(text: str, start: int) -> tuple[int, str]:
    """Return where the string literal at ``start`` ends and its value (``''`` is ``'``)."""
    chars: list[str] = []
    index = start + 1
    while index < len(text):
        if text[index] == "'":
            if text.startswith("''", index):
                chars.append("'")
                index += 2
                continue
            return index + 1, "".join(chars)
        chars.append(text[index])
        index += 1
    raise _invalid(f"There is an unterminated string literal at position {start} in '{text}'.")


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


class _Parser:
    """A recursive-descent parser: ``or`` binds looser than ``and``."""

    def __init__(self, text: str, entity: EntityType) -> None:
        self._text = text
        self._entity = entity
        self._tokens = _tokenize(text)
        self._index = 0
        self._depth = 0
        self._filterable = {name.lower(): name for name in entity.filterable}
        self._known = {name.lower(): name for name in entity.properties}

    def parse(self) -> Predicate:
        if self._peek().kind == "end":
            raise _invalid(f"The $filter expression '{self._text}' is empty.")
        predicate = self._or()
        self._expect_end()
        return predicate

    # -- tokens ------------------------------------------------------------------------

    def _peek(self, ahead: int = 0) -> _Token:
        return self._tokens[min(self._index + ahead, len(self._tokens) - 1)]

    def _next(self) -> _Token:
        token = self._peek()
        self._index += 1
        return token

    def _syntax_error(self, token: _Token) -> GraphError:
        return _invalid(f"Syntax error at position {token.position} in '{self._text}'.")

    def _is_word(self, token: _Token, word: str) -> bool:
        return token.kind == "word" and token.text.lower() == word

    def _expect(self, punctuation: str) -> None:
        token = self._next()
        if token.kind != "punct" or token.text != punctuation:
            raise self._syntax_error(token)

    def _expect_end(self) -> None:
        if self._peek().kind != "end":
            raise self._syntax_error(self._peek())

    # -- grammar -----------------------------------------------------------------------

    def _or(self) -> Predicate:
        left = self._and()
        while self._is_word(self._peek(), "or"):
            self._next()
            right = self._and()
            left = _either(left, right)
        return left

    def _and(self) -> Predicate:
        left = self._primary()
        while self._is_word(self._peek(), "and"):
            self._next()
            right = self._primary()
            left = _both(left, right)
        return left

    def _primary(self) -> Predicate:
        token = self._peek()
        if token.kind == "punct" and token.text == "(":
            self._next()
            self._depth += 1
            if self._depth > _MAX_DEPTH:
                raise _invalid(f"The filter nests parentheses deeper than {_MAX_DEPTH} levels.")
            inner = self._or()
            self._expect(")")
            self._depth -= 1
            return inner
        if token.kind != "word":
            raise self._syntax_error(token)
        following = self._peek(1)
        if following.kind == "punct" and following.text == "(":
            return self._function()
        if token.text.lower() == "not":
            raise self._unsupported(following.text)
        return self._comparison()

    def _function(self) -> Predicate:
        name = self._next()
        self._expect("(")
        if name.text.lower() in _UNSUPPORTED:
            raise self._unsupported(self._peek().text)
        if name.text.lower() != "startswith":
            raise _invalid(f"An unknown function with name '{name.text}' was found.")
        prop = self._property(STRING)
        self._expect(",")
        prefix = self._literal()
        self._expect(")")
        if prefix.edm_type != STRING:
            raise self._incompatible(STRING, prefix.edm_type, "startswith")
        wanted = prefix.value.casefold()

        def starts(data: Mapping[str, Any]) -> bool:
            value = data.get(prop)
            return isinstance(value, str) and value.casefold().startswith(wanted)

        return starts

    def _comparison(self) -> Predicate:
        prop_token = self._peek()
        prop = self._resolve(prop_token)
        self._next()
        edm_type = self._entity.filterable[prop]
        if self._peek().kind == "punct" and self._peek().text == "/":
            return self._any(prop, edm_type)
        operator = self._next()
        if operator.kind != "word":
            raise self._syntax_error(operator)
        keyword = operator.text.lower()
        if keyword in _UNSUPPORTED:
            raise self._unsupported(prop)
        if keyword == "in":
            return self._in(prop, edm_type)
        if keyword != "eq":
            raise self._syntax_error(operator)
        literal = self._literal()
        self._check_type(edm_type, literal, "Equal")
        expected = _fold(literal.value)
        return lambda data: _fold(data.get(prop)) == expected

    def _in(self, prop: str, edm_type: str) -> Predicate:
        self._expect("(")
        values: set[Any] = set()
        while True:
            literal = self._literal()
            self._check_type(edm_type, literal, "In")
            values.add(_fold(literal.value))
            separator = self._next()
            if separator.kind == "punct" and separator.text == ")":
                break
            if separator.kind != "punct" or separator.text != ",":
                raise self._syntax_error(separator)
        return lambda data: _fold(data.get(prop)) in values

    def _any(self, prop: str, edm_type: str) -> Predicate:
        self._expect("/")
        if not self._is_word(self._next(), "any"):
            raise self._syntax_error(self._tokens[self._index - 1])
        if edm_type != STRINGS:
            raise _invalid(f"The 'any' operator needs a collection; '{prop}' is {edm_type}.")
        self._expect("(")
        variable = self._next()
        self._expect(":")
        again = self._next()
        if variable.kind != "word" or again.text != variable.text:
            raise self._syntax_error(again)
        if not self._is_word(self._next(), "eq"):
            raise self._unsupported(prop)
        literal = self._literal()
        self._expect(")")
        if literal.edm_type != STRING:
            raise self._incompatible(STRING, literal.edm_type, "Equal")
        wanted = literal.value.casefold()

        def contains(data: Mapping[str, Any]) -> bool:
            items = data.get(prop) or []
            return any(isinstance(item, str) and item.casefold() == wanted for item in items)

        return contains

    # -- operands ----------------------------------------------------------------------

    def _resolve(self, token: _Token) -> str:
        if token.kind != "word":
            raise self._syntax_error(token)
        name = token.text.lower()
        if name in self._filterable:
            return self._filterable[name]
        if name in self._known:
            raise self._unsupported(self._known[name])
        raise _invalid(
            f"Could not find a property named '{token.text}' on type "
            f"'microsoft.graph.{self._entity.name}'."
        )

    def _property(self, edm_type: str) -> str:
        token = self._peek()
        prop = self._resolve(token)
        self._next()
        if self._entity.filterable[prop] != edm_type:
            raise self._unsupported(prop)
        return prop

    def _literal(self) -> _Literal:
        token = self._next()
        if token.kind == "string":
            return _Literal(STRING, token.value)
        if token.kind == "word" and token.text.lower() in ("true", "false"):
            return _Literal(BOOLEAN, token.text.lower() == "true")
        if token.kind == "word" and token.text.lower() == _NULL:
            return _Literal(_NULL, None)
        if token.kind == "number":
            return _Literal("Edm.Int32" if token.text.lstrip("-").isdigit() else "Edm.Guid", None)
        raise self._syntax_error(token)

    def _check_type(self, edm_type: str, literal: _Literal, operator: str) -> None:
        if literal.edm_type == _NULL and edm_type != STRINGS:
            return
        if literal.edm_type != edm_type:
            raise self._incompatible(edm_type, literal.edm_type, operator)

    def _incompatible(self, left: str, right: str, operator: str) -> GraphError:
        return _invalid(
            "A binary operator with incompatible types was detected. Found operand types "
            f"'{left}' and '{right}' for operator kind '{operator}'."
        )

    def _unsupported(self, prop: str) -> GraphError:
        return bad_request(
            "Request_UnsupportedQuery",
            f"Unsupported or invalid query filter clause specified for property '{prop}' "
            f"of resource '{self._entity.resource}'.",
        )


def _either(left: Predicate, right: Predicate) -> Predicate:
    return lambda data: left(data) or right(data)


def _both(left: Predicate, right: Predicate) -> Predicate:
    return lambda data: left(data) and right(data)
