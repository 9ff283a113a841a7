"""Render an item for a target: the definition parts exactly as they are sent.

Each text part other than ``.platform`` goes through fabric-cicd 1.4.0's steps, in its
order (``FabricWorkspace._publish_item``):

1. the per-type rewrite (report ``byPath``, environment pool, KQL cluster URIs);
2. logical ids of repository items -> their deployed ids;
3. parameters: ``key_value_replace``, then ``find_replace``;
4. all-zero workspace ids -> the target workspace id.

A VariableLibrary gets step 3 only. Binary parts and ``.platform`` are sent as they are.
Notebook parts are ordered ``.platform``, content, other files, ``.json`` (the service
reads the content before its settings), and a notebook stored as ``.ipynb`` is sent with
``format: ipynb``; a SparkJobDefinition with ``format: SparkJobDefinitionV2``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from ..errors import ConfigProblem
from ._id_rewrites import replace_logical_ids, replace_workspace_ids
from ._item_types import PLATFORM_FILE, ItemType, definition_format
from ._model import DefinitionPart, Repository, SourceItem
from ._parameter_model import ParameterSet
from ._problems import PartRenderError, raise_problems
from ._resolver import TargetResolver
from ._text_rules import apply_parameters
from ._type_rewrites import rewrite_for_type

_NOTEBOOK_PRIORITY = {PLATFORM_FILE: 0, ".py": 1, ".ipynb": 1, ".json": 3}


@dataclass(frozen=True, kw_only=True)
class RenderedItem:
    """An item's definition for one target, ready to send.

    Attributes:
        item: The source item.
        parts: The parts, in the order to send them.
        definition_format: ``definition.format`` to send, or None to leave it out.
    """

    item: SourceItem
    parts: tuple[DefinitionPart, ...]
    definition_format: str | None

    def definition(self) -> dict[str, Any]:
        """Return the REST API's ``definition`` object (``format`` only when set)."""
        body: dict[str, Any] = {"parts": [part.to_wire() for part in self.parts]}
        if self.definition_format is not None:
            body = {"format": self.definition_format, **body}
        return body


def _notebook_order(part: DefinitionPart) -> tuple[int, str]:
    path = PurePosixPath(part.path)
    return _NOTEBOOK_PRIORITY.get(path.name, _NOTEBOOK_PRIORITY.get(path.suffix, 2)), path.name


def render_text(
    text: str,
    *,
    item: SourceItem,
    path: str,
    repository: Repository,
    parameters: ParameterSet | None,
    resolver: TargetResolver,
) -> str:
    """Return one text part of *item* rendered for the target (see the module docstring).

    Raises:
        PartRenderError: For the first problem of this part.
    """
    file = (repository.root / item.directory / path).as_posix()
    repository_path = f"{item.directory}/{path}"

    def parameterise(current: str) -> str:
        if parameters is None:
            return current
        return apply_parameters(
            current,
            item_type=item.item_type,
            item_name=item.display_name,
            path=repository_path,
            parameters=parameters,
            resolver=resolver,
        )

    if item.item_type == ItemType.VARIABLE_LIBRARY.value:
        return parameterise(text)
    text = rewrite_for_type(
        text,
        item=item,
        path=path,
        repository=repository,
        parameters=parameters,
        resolver=resolver,
        file=file,
    )
    text = replace_logical_ids(text, repository=repository, resolver=resolver, file=file)
    text = parameterise(text)
    return replace_workspace_ids(text, item_type=item.item_type, workspace_id=resolver.workspace_id)


def render_item(
    item: SourceItem,
    *,
    repository: Repository,
    resolver: TargetResolver,
    parameters: ParameterSet | None = None,
) -> RenderedItem:
    """Render *item* for the target *resolver* describes.

    Args:
        item: An item of *repository*.
        repository: Every item (references resolve against all of them).
        resolver: Deployed ids and attributes of the target.
        parameters: The parameter rules for the target's environment, if any.

    Raises:
        ItemSourceError: With every part's problem (a reference with no deployed id, a
            report bound to a missing model...); ``ParameterError`` when all lie in the
            parameter file.
    """
    problems: list[ConfigProblem] = []
    parts: list[DefinitionPart] = []
    for part in item.parts:
        if not part.is_text or part.path.endswith(PLATFORM_FILE):
            parts.append(part)
            continue
        try:
            text = render_text(
                part.text,
                item=item,
                path=part.path,
                repository=repository,
                parameters=parameters,
                resolver=resolver,
            )
        except PartRenderError as exc:
            problems.append(exc.problem)
            continue
        parts.append(DefinitionPart.from_text(part.path, text))
    raise_problems(problems, parameter_files=parameters.files if parameters else ())
    if item.item_type == ItemType.NOTEBOOK.value:
        parts.sort(key=_notebook_order)
    return RenderedItem(
        item=item,
        parts=tuple(parts),
        definition_format=definition_format(item.item_type, tuple(part.path for part in parts)),
    )
