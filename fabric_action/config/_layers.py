"""The one precedence of every setting, and the record of where each value came from.

action input > environment variable > environment section > top level > tier default

Layers are merged by one function, for flags, auth, secrets, telemetry and workspaces
alike: the highest layer that has a key decides it; when that value is a mapping it is
merged key by key with the mappings below it; anything else (text, numbers, lists,
null) replaces what is below, so a list of roles is never half-inherited and ``null``
clears an inherited value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ..errors import ConfigProblem
from ._document import JsonPath, ParsedDocument, format_path


class Layer(StrEnum):
    """Where a setting can be given, highest precedence first."""

    INPUT = "action input"
    ENVIRONMENT_VARIABLE = "environment variable"
    ENVIRONMENT_SECTION = "environment section"
    TOP_LEVEL = "top level"
    TIER_DEFAULT = "default"


@dataclass(frozen=True)
class Source:
    """Where one effective value came from.

    Attributes:
        layer: Which of the five layers gave it.
        file: The config file, for the two file layers.
        line: 1-based line of the value in *file*.
        column: 1-based column of the value in *file*.
        config_path: The value's JSON path in *file* (``environments.prod.features``).
        origin: Where a value not from the file came from: ``input enableRetry
            (INPUT_ENABLERETRY)``, ``ENABLE_RETRY``, ``tier prod``.
        reference: The ``${env:NAME}`` the file's text went through, if any.
    """

    layer: Layer
    file: str = ""
    line: int | None = None
    column: int | None = None
    config_path: str = ""
    origin: str = ""
    reference: str = ""

    @property
    def location(self) -> str:
        """Return ``file:line:column`` for file layers, else the origin."""
        return self.problem("", "").location

    def problem(self, code: str, message: str, path: str = "") -> ConfigProblem:
        """Return a problem placed where this value was given."""
        return ConfigProblem(
            code=code,
            message=message,
            file=self.file,
            line=self.line,
            column=self.column,
            origin=self.origin,
            path=path or self.config_path,
        )

    def __str__(self) -> str:
        text = f"{self.layer}: {self.location}"
        if self.config_path:
            text += f" ({self.config_path})"
        if self.reference:
            text += f" via {self.reference}"
        return text


def file_source(document: ParsedDocument, path: JsonPath, layer: Layer) -> Source:
    """Return the source of the node at *path* in *document* (or its nearest ancestor)."""
    place = document.position(path)
    line, column = place if place is not None else (None, None)
    return Source(
        layer=layer, file=document.file, line=line, column=column, config_path=format_path(path)
    )


@dataclass(frozen=True)
class LayerData:
    """One layer's settings, shaped like the effective environment.

    Attributes:
        layer: The layer's place in the precedence.
        data: Its settings (``{"features": {"enable_retry": False}}``).
        source_of: Where the value at a path of *data* came from.
    """

    layer: Layer
    data: Mapping[str, Any]
    source_of: Callable[[JsonPath], Source]


Sources = dict[JsonPath, Source]


def merge_layers(layers: Sequence[LayerData]) -> tuple[dict[str, Any], Sources]:
    """Merge *layers* (highest precedence first) and record each value's source.

    Returns:
        The merged data and, for every path in it (mappings included), the source of
        the layer that decided it.
    """
    sources: Sources = {}
    candidates: list[_Candidate] = [(layer, (), layer.data) for layer in layers]
    merged = _merge(candidates, (), sources)
    assert isinstance(merged, dict)
    return merged, sources


_Candidate = tuple[LayerData, JsonPath, Any]


def _merge(candidates: list[_Candidate], path: JsonPath, sources: Sources) -> Any:
    top_layer, top_path, top_value = candidates[0]
    sources[path] = top_layer.source_of(top_path)
    if isinstance(top_value, list):  # replaces what is below; still, place each entry
        for index, item in enumerate(top_value):
            _merge([(top_layer, (*top_path, index), item)], (*path, index), sources)
    if not isinstance(top_value, Mapping):
        return top_value
    mappings = [c for c in candidates if isinstance(c[2], Mapping)]
    keys: dict[str, None] = {}
    for _, _, value in reversed(mappings):  # lowest layer first: a stable, familiar order
        keys.update(dict.fromkeys(value))
    return {
        key: _merge(
            [(layer, (*at, key), value[key]) for layer, at, value in mappings if key in value],
            (*path, key),
            sources,
        )
        for key in keys
    }


def source_at(sources: Sources, path: JsonPath) -> Source:
    """Return the source of *path*, or of its nearest ancestor that has one."""
    for end in range(len(path), -1, -1):
        found = sources.get(path[:end])
        if found is not None:
            return found
    return Source(layer=Layer.TIER_DEFAULT, origin="built-in")
