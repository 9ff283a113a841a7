"""Load one environment's configuration: read, validate, merge, resolve, check, build.

Every problem is collected and raised together, sorted by place. The order:

1. read the file (size, UTF-8, YAML/JSON, limits): a fault here stops at once;
2. validate the whole file against the schema: every environment, not only the chosen
   one, so a typo in prod is found by a dev run; a fault here stops before the rest;
3. reference syntax (whole file), every environment's tier, the chosen environment;
4. for every other environment: flags its tier requires, and its paths;
5. for the chosen one: merge input > variable > environment > top level > default,
   resolve ``${env:NAME}``, validate the merged result again, check the tier's rules,
   paths, workspace names and roles, then resolve ``${secret:NAME}`` (when given a
   secret provider; without one they stay unresolved, which is not an error).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import ConfigFileError, ConfigProblem
from ._build import build_config
from ._document import JsonPath, ParsedDocument, format_path
from ._environments import EnvironmentTier, environment_tiers, file_layers, select_environment
from ._layers import Layer, LayerData, Sources, file_source, merge_layers, source_at
from ._limits import ParseLimits
from ._model import EffectiveConfig
from ._paths import check_paths, find_repository_root
from ._reader import read_config_file
from ._references import (
    SECRET_FIELDS,
    SecretProvider,
    check_reference_syntax,
    resolve_env_references,
    resolve_secrets,
    secret_name,
)
from ._rules import check_flags, check_tier_rules, check_workspaces
from ._schema import Finding, validate
from ._settings import default_layer, external_layers, setting_at


def load_config(
    config_file: str | Path,
    environment: str | None,
    *,
    environ: Mapping[str, str],
    secrets: SecretProvider | None = None,
    repository_root: Path | None = None,
    limits: ParseLimits | None = None,
) -> EffectiveConfig:
    """Return the validated, resolved configuration of *environment*.

    Args:
        config_file: The YAML or JSON config file, as the user named it (messages show
            this name).
        environment: The environment to deploy; None is a problem that lists the
            environments of the file.
        environ: The process environment: ``INPUT_*`` action inputs, the flag and
            setting variables, and the values of ``${env:NAME}``.
        secrets: Resolves ``${secret:NAME}``; None leaves every secret unresolved
            (offline, as ``validate`` does).
        repository_root: The folder paths must stay inside (default: the nearest
            folder at or above the config file that holds ``.git``, else the config
            file's folder).
        limits: Bounds on the file (default :class:`ParseLimits`).

    Raises:
        ConfigFileError: Every problem found, each with its file:line:column (or the
            input or variable it came from).
    """
    path = Path(config_file)
    document = read_config_file(path, file=str(config_file), limits=limits or ParseLimits())
    problems = validate(document.data, lambda finding: _place_in_file(document, finding))
    if problems:
        raise ConfigFileError(_in_order(problems))
    config_dir = path.absolute().parent
    root = (repository_root or find_repository_root(config_dir)).resolve()
    problems = check_reference_syntax(document)
    tiers, tier_problems = environment_tiers(document)
    problems += tier_problems
    selection_problem = select_environment(document, environment)
    if selection_problem is not None:
        problems.append(selection_problem)
    for name, tier in tiers.items():
        if name != environment:
            effective, sources = merge_layers(
                [*file_layers(document, name), _defaults(document, name, tier)]
            )
            problems += check_flags(effective, sources, name, tier.tier)
            problems += check_paths(effective, sources, config_dir, root)[1]
    if environment is None or environment not in tiers:
        raise ConfigFileError(_in_order(problems))
    return _load_environment(
        document,
        environment,
        tiers[environment],
        config_dir=config_dir,
        root=root,
        environ=environ,
        secrets=secrets,
        problems=problems,
    )


def _load_environment(
    document: ParsedDocument,
    name: str,
    environment_tier: EnvironmentTier,
    *,
    config_dir: Path,
    root: Path,
    environ: Mapping[str, str],
    secrets: SecretProvider | None,
    problems: list[ConfigProblem],
) -> EffectiveConfig:
    """Merge, resolve, check and build the chosen environment (adding to *problems*)."""
    tier = environment_tier.tier
    inputs, variables, input_problems = external_layers(environ)
    problems += input_problems
    layers = [inputs, variables, *file_layers(document, name)]
    merged, sources = merge_layers([*layers, _defaults(document, name, environment_tier)])
    effective, reference_problems, unresolved = resolve_env_references(merged, sources, environ)
    problems += reference_problems
    problems += validate(
        _to_revalidate(effective, sources),
        lambda finding: _place_in_layers(sources, finding),
        definition="effectiveEnvironment",
        skip=unresolved,  # already reported as unresolved
    )
    problems += check_flags(effective, sources, name, tier)
    paths, path_problems = check_paths(effective, sources, config_dir, root)
    problems += path_problems
    problems += check_workspaces(effective, sources)
    secret_names = dict(_secret_fields(effective, ()))
    findings = check_tier_rules(
        effective,
        sources,
        name,
        tier,
        file_source(document, ("environments", name), Layer.ENVIRONMENT_SECTION),
        uses_secrets=bool(secret_names),
    )
    problems += findings.problems
    if problems:  # do not ask the vault for anything when the config is wrong anyway
        raise ConfigFileError(_in_order(problems))
    refs, secret_problems = resolve_secrets(
        secret_names,
        lambda path: source_at(sources, path),
        secrets,
        field_of=lambda path: str(path[-1]),
    )
    if secret_problems:
        raise ConfigFileError(_in_order(secret_problems))
    return build_config(
        effective=effective,
        sources=sources,
        secrets=refs,
        paths=paths,
        environment_name=name,
        config_file=Path(document.file),
        repository_root=root,
        warnings=_in_order(findings.warnings),
    )


def _defaults(document: ParsedDocument, name: str, tier: EnvironmentTier) -> LayerData:
    keys = list(document.data["environments"][name]["workspaces"])
    return default_layer(tier.tier, tier.implied_by, keys)


def _to_revalidate(effective: Mapping[str, Any], sources: Sources) -> dict[str, Any]:
    """Return the merged environment to validate again: all but the untouched workspaces.

    Each layer was valid on its own and a workspace's layers only add keys the schema
    allows, so a workspace can only turn invalid through a resolved ``${env:NAME}``;
    validating only those keeps a large config fast.
    """
    touched = {
        path[1]
        for path, source in sources.items()
        if source.reference and path[:1] == ("workspaces",) and len(path) > 1
    }
    workspaces = effective["workspaces"]
    return {
        **effective,
        "workspaces": {key: workspaces[key] for key in workspaces if key in touched},
    }


def _secret_fields(value: Any, path: JsonPath) -> Iterator[tuple[JsonPath, str]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _secret_fields(item, (*path, key))
        return
    found = secret_name(value)
    if found is not None and tuple(path[-2:]) in SECRET_FIELDS:
        yield path, found


def _place_in_file(document: ParsedDocument, finding: Finding) -> ConfigProblem:
    return document.problem(finding.code, finding.message, finding.path, key=finding.at_key)


def _place_in_layers(sources: Sources, finding: Finding) -> ConfigProblem:
    """Place a problem of the merged environment where its value was given."""
    source = source_at(sources, finding.path)
    message = finding.message
    if finding.missing_key is not None:
        setting = setting_at((*finding.path, finding.missing_key))
        if setting is not None:
            message += (
                f": set it in the config file (top level or this environment), with the "
                f"input {setting.input_name}, or with the variable {setting.variable}"
            )
    if source.reference:
        message += f" (the value of {source.reference})"
    exact = source.layer in (Layer.ENVIRONMENT_SECTION, Layer.TOP_LEVEL) and (
        finding.path in sources and sources[finding.path] is source
    )
    return source.problem(
        finding.code, message, source.config_path if exact else format_path(finding.path)
    )


def _in_order(problems: list[ConfigProblem]) -> list[ConfigProblem]:
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.file == "", p.file, p.line or 0, p.column or 0))
