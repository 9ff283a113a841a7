"""Run fabric-cicd and fabric-action on the same repository and assert the same bytes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from cicd_oracle import Sent, World, decoded, ours, publish_with_fabric_cicd
from oracle_repository import world as default_world

from fabric_action.items import (
    ItemKey,
    ParameterSet,
    RenderedItem,
    Repository,
    load_parameters,
    read_repository,
    render_item,
)

SHELL_ONLY = {"Lakehouse", "Warehouse", "SQLDatabase", "MLExperiment"}


@dataclass
class Outcome:
    """Both sides' output for one run."""

    sent: Sent
    rendered: dict[ItemKey, RenderedItem]
    repository: Repository
    parameters: ParameterSet

    def text(self, name: str, path: str) -> str:
        """Return our rendered text of item *name*'s part *path*."""
        item = next(key for key in self.rendered if key.display_name == name)
        return ours(self.rendered[item])[path].decode("utf-8")


def assert_same_as_fabric_cicd(
    cicd: ModuleType,
    repository: Path,
    parameter_yml: str | None = None,
    *,
    environment: str = "PROD",
    flags: tuple[str, ...] = (),
    world: World | None = None,
    parameter_file: str | None = None,
) -> Outcome:
    """Publish with fabric-cicd, render with fabric-action, and assert identical definitions.

    Compares every item fabric-cicd sends a definition for: the same part paths, the same
    bytes in every part, the same ``format`` and, for notebooks, the same part order.
    """
    if parameter_yml is not None:
        (repository / (parameter_file or "parameter.yml")).write_text(
            parameter_yml, encoding="utf-8"
        )
    target = world or default_world()
    sent = publish_with_fabric_cicd(
        cicd,
        repository,
        target,
        environment=environment,
        parameter_file=parameter_file,
        flags=flags,
    )
    source = read_repository(repository)
    parameters = load_parameters(
        repository,
        environment=environment,
        parameter_file=parameter_file,
        environment_variables="enable_environment_variable_replacement" in flags,
        repository=source,
    )
    resolver = target.resolver()
    rendered = {
        item.key: render_item(item, repository=source, resolver=resolver, parameters=parameters)
        for item in source.items
    }
    compared = 0
    for key, ours_rendered in rendered.items():
        if key.item_type in SHELL_ONLY:
            continue
        theirs = sent.definitions[(key.item_type, key.display_name)]
        theirs_parts = decoded(theirs)
        our_parts = ours(ours_rendered)
        assert sorted(our_parts) == sorted(theirs_parts), key
        for path, data in theirs_parts.items():
            assert our_parts[path] == data, (
                f"{key} {path}:\nours:   {our_parts[path]!r}\ntheirs: {data!r}"
            )
        assert ours_rendered.definition_format == theirs.get("format"), key
        if key.item_type == "Notebook":
            assert [p.path for p in ours_rendered.parts] == [p["path"] for p in theirs["parts"]]
        compared += 1
    assert compared == len(sent.definitions), "fabric-cicd sent definitions we did not render"
    return Outcome(sent=sent, rendered=rendered, repository=source, parameters=parameters)
