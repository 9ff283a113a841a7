"""Load parameter YAML the way fabric-cicd does, keeping the line of every key.

fabric-cicd 1.4.0 loads ``parameter.yml`` with PyYAML's pure-Python ``SafeLoader`` (YAML
1.1 scalars: ``yes`` is a boolean, dates are dates) and refuses keys that repeat within a
mapping, ignoring case. The same loader is used here so that every file fabric-cicd
reads means the same thing; what is added is the place of every value, kept in a
:class:`Places` registry keyed by the identity of the loaded dicts and lists, so each
later check can name ``file:line``.

Bounds: a file larger than :data:`MAX_PARAMETER_FILE_BYTES` is refused, and so is a
document that would hold more than :data:`MAX_PARAMETER_NODES` values once its aliases are
expanded (an alias "bomb" is refused before anything walks it).
"""

from __future__ import annotations

import os
import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from ..errors import ConfigProblem
from ._problems import problem

MAX_PARAMETER_FILE_BYTES = 5 * 1024 * 1024
"""Largest parameter file read, in bytes (5 MiB)."""

MAX_PARAMETER_NODES = 200_000
"""Most values a parameter document may hold, counting each alias use as what it names."""

ENVIRONMENT_TOKEN = re.compile(r"\$ENV:(\w+)")
"""fabric-cicd's ``$ENV:<NAME>`` token; replaced in the raw text before parsing."""

_SELF = object()


@dataclass(frozen=True)
class Place:
    """Where a value of a parameter file is: the file and its 1-based line."""

    file: str
    line: int | None

    def __str__(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"


class Places:
    """The place of every loaded container and key, by object identity.

    Keys are ``(id(container), key)``; the registry also keeps the containers alive, so
    an id is never reused while it is registered.
    """

    def __init__(self) -> None:
        self._places: dict[tuple[int, object], Place] = {}
        self._alive: dict[int, object] = {}

    def record(self, container: object, key: object, place: Place) -> None:
        """Record where ``container[key]`` (or the container, for ``key=None``) comes from."""
        self._places.setdefault((id(container), _SELF if key is None else key), place)
        self._alive[id(container)] = container

    def copy_keys(self, source: Mapping[Any, Any], target: Mapping[Any, Any]) -> None:
        """Give *target*'s keys the places they have in *source* (after a merge)."""
        for key in source:
            place = self._places.get((id(source), key))
            if place is not None:
                self.record(target, key, place)

    def of(self, container: object, key: Hashable | None = None) -> Place | None:
        """Return the place of ``container[key]``, falling back to the container's own."""
        if key is not None:
            found = self._places.get((id(container), key))
            if found is not None:
                return found
        return self._places.get((id(container), _SELF))


def substitute_environment_variables(text: str, environ: Mapping[str, str]) -> str:
    """Replace each ``$ENV:<NAME>`` whose variable is set, as fabric-cicd does.

    Unset variables keep their token, so the rule that uses one is reported later.
    """
    return ENVIRONMENT_TOKEN.sub(lambda match: environ.get(match.group(1), match.group(0)), text)


class _Loader(yaml.SafeLoader):
    """fabric-cicd's loader, remembering which node built which object."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.built: dict[int, Any] = {}

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        value = super().construct_object(node, deep=deep)
        self.built[id(node)] = value
        return value


def _expanded_size(root: yaml.Node) -> int:
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        if children_done or not children:
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in children)
            if sizes[id(node)] > MAX_PARAMETER_NODES:
                return sizes[id(node)]
            continue
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)
    return sizes[id(root)]


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _duplicates(loader: _Loader, root: yaml.Node, file: str) -> list[ConfigProblem]:
    problems: list[ConfigProblem] = []
    seen_nodes: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[object, str] = {}
            for key_node, value_node in node.value:
                key = loader.built.get(id(key_node), getattr(key_node, "value", None))
                folded = key.lower() if isinstance(key, str) else key
                if isinstance(folded, Hashable) and folded in first:
                    message = (
                        f"key {key!r} repeats {first[folded]!r} in the same mapping (keys are "
                        "compared ignoring case, as fabric-cicd does); keep one"
                    )
                    problems.append(
                        problem("yaml.duplicate-key", message, file=file, line=_line(key_node))
                    )
                elif isinstance(folded, Hashable):
                    first[folded] = str(key)
                stack.append(value_node)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return problems


def _record_places(loader: _Loader, root: yaml.Node, file: str, places: Places) -> None:
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        container = loader.built.get(id(node))
        if isinstance(node, yaml.MappingNode) and isinstance(container, dict):
            places.record(container, None, Place(file, _line(node)))
            for key_node, value_node in node.value:
                key = loader.built.get(id(key_node))
                if isinstance(key, Hashable):
                    places.record(container, key, Place(file, _line(key_node)))
                stack.append(value_node)
        elif isinstance(node, yaml.SequenceNode) and isinstance(container, list):
            places.record(container, None, Place(file, _line(node)))
            for index, item_node in enumerate(node.value):
                places.record(container, index, Place(file, _line(item_node)))
                stack.append(item_node)


def load_yaml(text: str, *, file: str, places: Places) -> tuple[Any, list[ConfigProblem]]:
    """Parse one YAML document, recording the place of everything in *places*.

    Returns:
        The document (None for an empty one) and the problems that make it unusable.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, []
        if _expanded_size(node) > MAX_PARAMETER_NODES:
            message = (
                f"holds more than {MAX_PARAMETER_NODES:,} values once its aliases are "
                "expanded; a parameter file is far smaller"
            )
            return None, [problem("yaml.too-large", message, file=file, line=_line(node))]
        document = loader.construct_document(node)
        problems = _duplicates(loader, node, file)
        if problems:
            return None, problems
        _record_places(loader, node, file, places)
        return document, []
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = int(mark.line) + 1 if mark is not None else None
        column = int(mark.column) + 1 if mark is not None else None
        message = f"is not valid YAML: {exc.problem or exc.context}"
        return None, [problem("yaml.syntax", message, file=file, line=line, column=column)]
    except (yaml.YAMLError, RecursionError) as exc:
        return None, [problem("yaml.syntax", f"is not valid YAML: {exc}", file=file)]
    finally:
        loader.dispose()


def read_text_file(path: str, *, shown: str) -> tuple[str | None, list[ConfigProblem]]:
    """Read a parameter file as UTF-8 text within :data:`MAX_PARAMETER_FILE_BYTES`."""
    try:
        size = os.path.getsize(path)
        if size > MAX_PARAMETER_FILE_BYTES:
            message = f"is {size:,} bytes; the limit is {MAX_PARAMETER_FILE_BYTES:,}"
            return None, [problem("parameter.too-large", message, file=shown)]
        with open(path, encoding="utf-8") as handle:
            return handle.read(), []
    except FileNotFoundError:
        return None, [problem("parameter.missing", "does not exist", file=shown)]
    except UnicodeDecodeError as exc:
        return None, [problem("parameter.encoding", f"is not UTF-8 text: {exc}", file=shown)]
    except OSError as exc:
        return None, [problem("parameter.unreadable", f"cannot be read: {exc}", file=shown)]
