"""Environments: their tiers, the one chosen, and the config-file layers of one of them."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigProblem
from ..tiers import Tier
from ._document import JsonPath, ParsedDocument
from ._layers import Layer, LayerData, Source, file_source
from ._tiers import WELL_KNOWN_ENVIRONMENTS, tier_for_environment_name

SHARED_SECTIONS = ("auth", "secrets", "telemetry", "api", "features")
"""Sections given at the top level and overridable per environment."""


@dataclass(frozen=True)
class EnvironmentTier:
    """An environment's tier and how it was decided.

    Attributes:
        tier: The tier.
        implied_by: ``the well-known name 'prod'`` when the name decided it; "" when the
            environment states ``tier:``.
    """

    tier: Tier
    implied_by: str


def environment_tiers(
    document: ParsedDocument,
) -> tuple[dict[str, EnvironmentTier], list[ConfigProblem]]:
    """Return the tier of every environment in the file that has one.

    An environment whose name is not well known must state its tier; one named like
    production (prod, production) can only be prod.
    """
    tiers: dict[str, EnvironmentTier] = {}
    problems = []
    for name, section in document.data["environments"].items():
        implied = tier_for_environment_name(name)
        stated = section.get("tier")
        if stated is None and implied is None:
            known = ", ".join(WELL_KNOWN_ENVIRONMENTS)
            problems.append(
                document.problem(
                    "environment.tier-required",
                    f"{name!r} is not a well-known environment name ({known}), so it must "
                    "state its tier: add 'tier: prod' (or local, dev, test) to it",
                    ("environments", name),
                    key=True,
                )
            )
        elif stated is not None and implied is Tier.PROD and stated != Tier.PROD:
            problems.append(
                document.problem(
                    "environment.tier-conflict",
                    f"an environment named {name!r} always has tier prod, not {stated!r}; "
                    "rename the environment if it is not production",
                    ("environments", name, "tier"),
                )
            )
        elif stated is not None:
            tiers[name] = EnvironmentTier(Tier(stated), "")
        else:
            assert implied is not None
            tiers[name] = EnvironmentTier(implied, f"the well-known name {name!r}")
    return tiers, problems


def select_environment(document: ParsedDocument, requested: str | None) -> ConfigProblem | None:
    """Return a problem when *requested* is missing or not an environment of the file."""
    names = list(document.data["environments"])
    listed = ", ".join(names)
    if requested is None:
        return ConfigProblem(
            code="environment.missing",
            message="no environment chosen: pass --environment (or the 'environment' input, "
            f"or FABRIC_ACTION_ENVIRONMENT); this file defines {listed}",
            file=document.file,
        )
    if requested in names:
        return None
    folded = {name.casefold(): name for name in names}
    guess = folded.get(requested.casefold()) or next(
        iter(difflib.get_close_matches(requested, names, n=1)), None
    )
    hint = f"; did you mean {guess!r}?" if guess else ""
    return document.problem(
        "environment.unknown",
        f"there is no environment {requested!r} in this file (it defines {listed}){hint}",
        ("environments",),
        key=True,
    )


def file_layers(document: ParsedDocument, name: str) -> list[LayerData]:
    """Return the config-file layers of environment *name*, highest precedence first.

    The environment section (with its workspaces), the environment's ``defaults`` under
    each workspace, the top level, then the top-level ``defaults`` under each workspace.
    """
    data = document.data
    environment: Mapping[str, Any] = data["environments"][name]
    keys = list(environment["workspaces"])
    prefix: JsonPath = ("environments", name)
    section = _pick(environment, (*SHARED_SECTIONS, "tier", "workspaces"))
    top = _pick(data, ("project", *SHARED_SECTIONS))
    return [
        _layer(document, Layer.ENVIRONMENT_SECTION, section, prefix),
        _defaults_layer(document, Layer.ENVIRONMENT_SECTION, environment, prefix, keys),
        _layer(document, Layer.TOP_LEVEL, top, ()),
        _defaults_layer(document, Layer.TOP_LEVEL, data, (), keys),
    ]


def _pick(mapping: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: mapping[key] for key in keys if key in mapping}


def _layer(
    document: ParsedDocument, layer: Layer, data: Mapping[str, Any], prefix: JsonPath
) -> LayerData:
    def source_of(path: JsonPath) -> Source:
        return file_source(document, (*prefix, *path), layer)

    return LayerData(layer, data, source_of)


def _defaults_layer(
    document: ParsedDocument,
    layer: Layer,
    owner: Mapping[str, Any],
    prefix: JsonPath,
    workspace_keys: list[str],
) -> LayerData:
    defaults = owner.get("defaults", {})
    data = {"workspaces": {key: defaults for key in workspace_keys}} if defaults else {}

    def source_of(path: JsonPath) -> Source:
        # ("workspaces", key, *rest) in the environment is defaults.<rest> in the file.
        return file_source(document, (*prefix, "defaults", *path[2:]), layer)

    return LayerData(layer, data, source_of)
