"""Find ids a deployment would carry over from the source unchanged, before deploying.

fabric-cicd rewrites what its rules name and sends everything else as it is; an id of the
development workspace that no rule names goes to production silently, and the item
keeps reading development data (fabric-cicd #209, #311, #834). This check renders every
item as it would be sent (with :class:`PlanningResolver` placeholders for what does not
exist yet) and looks at the GUIDs of each text part that survive rendering unchanged:

* an id of the source workspace, or of an item in it (when those are known), is an
  **error**: the target would point at the source;
* any other surviving GUID that is not known to belong to the target is a **warning**,
  unless it only appears as a ``lineageTag`` (semantic-model lineage ids, which are
  not references);
* GUIDs a rule put there (a replace value for this environment), the all-zero
  placeholder and ``.platform`` files are not reported.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from ..errors import ConfigProblem, ItemSourceError, UnmappedReferenceError
from ._item_types import PLATFORM_FILE, ZERO_GUID
from ._model import ItemKey, Repository, SourceItem
from ._parameter_model import FindReplaceRule, KeyValueRule, ParameterSet, value_for_environment
from ._planning_resolver import PlanningResolver
from ._problems import GUID_PATTERN, PartRenderError, line_of, problem
from ._render import render_text
from ._resolver import TargetResolver

_BENIGN_CONTEXT = re.compile(r"lineageTag\W{0,4}$", re.IGNORECASE)


class FindingKind(StrEnum):
    """Why a surviving GUID is reported."""

    SOURCE = "source"
    """It is an id of the source workspace or one of its items: an error."""
    UNKNOWN = "unknown"
    """It belongs to nothing known of the target: a warning."""


@dataclass(frozen=True, kw_only=True)
class CoverageFinding:
    """A GUID that would be deployed unchanged.

    Attributes:
        kind: Error (source) or warning (unknown).
        item: The item.
        file: The part's path as shown to the user.
        lines: Lines of the part where the GUID occurs.
        guid: The GUID, as written.
        owner: What it is known to be (``the source workspace``...), or "".
    """

    kind: FindingKind
    item: ItemKey
    file: str
    lines: tuple[int, ...]
    guid: str
    owner: str = ""

    def to_problem(self) -> ConfigProblem:
        """Return the finding as a :class:`ConfigProblem` at its first line."""
        if self.kind is FindingKind.SOURCE:
            message = (
                f"{self.guid} is {self.owner} and no rule rewrites it; add a find_replace rule "
                "for it to parameter.yml"
            )
        else:
            message = (
                f"{self.guid} is no id of the target that fabric-action knows and no rule "
                "rewrites it; check that it is not an id of another environment"
            )
        lines = ", ".join(str(line) for line in self.lines)
        return problem(
            f"coverage.{self.kind.value}",
            f"{message} (lines {lines})",
            file=self.file,
            line=self.lines[0],
            path=str(self.item),
        )


@dataclass(frozen=True, kw_only=True)
class CoverageReport:
    """Every finding of :func:`check_reference_coverage`.

    Attributes:
        findings: Surviving GUIDs, in item and file order.
        problems: Items that could not be rendered at all (a reference that resolves to
            nothing, a broken report binding...).
    """

    findings: tuple[CoverageFinding, ...]
    problems: tuple[ConfigProblem, ...]

    @property
    def errors(self) -> tuple[CoverageFinding, ...]:
        """Return the findings that stop a deployment."""
        return tuple(finding for finding in self.findings if finding.kind is FindingKind.SOURCE)

    @property
    def warnings(self) -> tuple[CoverageFinding, ...]:
        """Return the findings to show but not stop on."""
        return tuple(finding for finding in self.findings if finding.kind is FindingKind.UNKNOWN)

    def raise_for_errors(self) -> None:
        """Raise when an item cannot be rendered or keeps a source id.

        Raises:
            ItemSourceError: When :attr:`problems` is not empty.
            UnmappedReferenceError: When there are :attr:`errors`.
        """
        if self.problems:
            raise ItemSourceError(self.problems)
        if self.errors:
            raise UnmappedReferenceError([finding.to_problem() for finding in self.errors])


def _intended(parameters: ParameterSet | None) -> set[str]:
    """Return the GUIDs rules write for this environment (they are meant to be there)."""
    if parameters is None:
        return set()
    written: set[str] = set()
    rules: list[FindReplaceRule | KeyValueRule] = [
        *parameters.find_replace,
        *parameters.key_value_replace,
    ]
    for rule in rules:
        has_value, value = value_for_environment(rule.replace_value, parameters.environment)
        if has_value:
            written.update(match.group(0).lower() for match in GUID_PATTERN.finditer(str(value)))
    return written


def _scan_part(
    *,
    item: SourceItem,
    file: str,
    source: str,
    rendered: str,
    known: set[str],
    owners: Mapping[str, str],
) -> Iterable[CoverageFinding]:
    kept = {match.group(0).lower() for match in GUID_PATTERN.finditer(rendered)}
    occurrences: dict[str, list[re.Match[str]]] = {}
    for match in GUID_PATTERN.finditer(source):
        if match.group(0).lower() in kept:
            occurrences.setdefault(match.group(0).lower(), []).append(match)
    for guid, matches in occurrences.items():
        if guid in known:
            continue
        owner = owners.get(guid, "")
        if not owner and all(
            _BENIGN_CONTEXT.search(source[max(0, m.start() - 16) : m.start()]) for m in matches
        ):
            continue
        yield CoverageFinding(
            kind=FindingKind.SOURCE if owner else FindingKind.UNKNOWN,
            item=item.key,
            file=file,
            lines=tuple(sorted({line_of(source, m.start()) for m in matches})),
            guid=matches[0].group(0),
            owner=owner,
        )


def check_reference_coverage(
    items: Iterable[SourceItem],
    *,
    repository: Repository,
    source_workspace_ids: Collection[str],
    parameters: ParameterSet | None = None,
    resolver: TargetResolver | None = None,
    source_item_ids: Mapping[str, str] | None = None,
    known_target_ids: Collection[str] = (),
) -> CoverageReport:
    """Report the GUIDs of *items* that deploying them would leave pointing at the source.

    Args:
        items: The items to deploy (typically :func:`select_items`).
        repository: Every item (references resolve against all of them).
        source_workspace_ids: Ids of the workspace(s) the repository was exported from.
        parameters: The rules for the target's environment.
        resolver: The target, for references outside the repository; repository items
            always resolve (they will be deployed).
        source_item_ids: Ids of the source workspaces' items -> what they are
            (``Lakehouse 'lh_raw'``), when the deploy step has listed them.
        known_target_ids: Ids known to belong to the target (connections, other
            environments' shared items...): never reported.

    Returns:
        The findings and the items that could not be rendered.
    """
    planner = PlanningResolver(repository=repository, fallback=resolver)
    owners = {guid.lower(): "an id of the source workspace" for guid in source_workspace_ids}
    for guid, what in (source_item_ids or {}).items():
        owners.setdefault(guid.lower(), f"the id of {what} in the source workspace")
    known = {guid.lower() for guid in known_target_ids} | _intended(parameters) | {ZERO_GUID}
    if resolver is not None:
        known.add(resolver.workspace_id.lower())
    findings: list[CoverageFinding] = []
    problems: list[ConfigProblem] = []
    for item in items:
        for part in item.parts:
            if not part.is_text or part.path.endswith(PLATFORM_FILE):
                continue
            file = (repository.root / item.directory / part.path).as_posix()
            try:
                rendered = render_text(
                    part.text,
                    item=item,
                    path=part.path,
                    repository=repository,
                    parameters=parameters,
                    resolver=planner,
                )
            except PartRenderError as exc:
                problems.append(exc.problem)
                continue
            findings.extend(
                _scan_part(
                    item=item,
                    file=file,
                    source=part.text,
                    rendered=rendered,
                    known=known,
                    owners=owners,
                )
            )
    return CoverageReport(findings=tuple(findings), problems=tuple(problems))
