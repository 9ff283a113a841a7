"""CI adapter for GitHub Actions runners (a Docker action or a plain step).

Built over github-action-utils where its output matches the runner's rules: workflow
commands on stdout (``::add-mask::``, ``::error file=F,line=L::``) with the toolkit's
escaping (``%``, CR and LF in messages; also ``:`` and ``,`` in properties). Step outputs
and the job summary are written here instead: the library frames output records with
``os.linesep`` and silently picks another delimiter on a collision, where this adapter
wants LF framing stated in the code, a refusal on collision, the stricter action.yml name
rule, the runner's 1 MiB summary limit, and file paths from its own environment mapping.
"""

import os
import uuid
from collections.abc import Callable, Mapping
from pathlib import PurePosixPath

import github_action_utils as gha

from ..errors import ConfigError
from ._masked import MaskedValues
from ._protocol import validate_output_name

SUMMARY_LIMIT_BYTES = 1024 * 1024
"""The most a step summary may hold; above it the runner drops the summary with an error."""

SUMMARY_TRUNCATED_NOTE = (
    "\n> **fabric-action:** the rest of this summary was cut: GitHub shows at most 1 MiB "
    "per step. Write the full report to a file (deploy's `report` input) to read it all.\n"
)


def new_delimiter() -> str:
    """Return a fresh heredoc delimiter, ``ghadelimiter_<uuid4>`` as @actions/core writes it."""
    return f"ghadelimiter_{uuid.uuid4()}"


def format_output_record(name: str, value: str, delimiter: str) -> str:
    """Return one GITHUB_OUTPUT record in heredoc form, framed with LF only.

    The runner on Linux ends lines at LF alone and compares the closing delimiter line
    exactly, so the record is ``name<<DELIM\\n`` + value + ``\\nDELIM\\n``; the LF before the
    closing delimiter is not part of the value, so any value round-trips byte for byte.

    Raises:
        ValueError: *name* is invalid, or *value* contains *delimiter* (the runner would end
            the value early and read the rest as new records).
    """
    validate_output_name(name)
    if delimiter in value:
        raise ValueError(
            f"the value of step output {name!r} contains the heredoc delimiter; refusing to "
            "write a record the runner would misread"
        )
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


def fit_summary(markdown: str, budget_bytes: int) -> str | None:
    """Return *markdown* cut to *budget_bytes* of UTF-8, or None when not even a note fits.

    Text that fits is returned unchanged. Otherwise it is cut at the last whole line that
    leaves room for :data:`SUMMARY_TRUNCATED_NOTE` (so no table row or code span is cut in
    half, and no UTF-8 sequence either), and the note is added.
    """
    data = markdown.encode("utf-8")
    if len(data) <= budget_bytes:
        return markdown
    room = budget_bytes - len(SUMMARY_TRUNCATED_NOTE.encode("utf-8"))
    if room < 0:
        return None
    kept = data[:room].decode("utf-8", errors="ignore")
    return kept[: kept.rfind("\n") + 1] + SUMMARY_TRUNCATED_NOTE


class GitHubAdapter:
    """Step I/O on a GitHub Actions runner.

    Args:
        environ: the process environment; ``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY`` and
            ``GITHUB_WORKSPACE`` are read from it when used, not when the adapter is built.
        make_delimiter: returns the heredoc delimiter for each output record; defaults to a
            random ``ghadelimiter_<uuid4>``.
    """

    def __init__(
        self,
        environ: Mapping[str, str],
        *,
        make_delimiter: Callable[[], str] = new_delimiter,
    ) -> None:
        self._environ = environ
        self._make_delimiter = make_delimiter
        self._masked = MaskedValues()

    @property
    def name(self) -> str:
        """Return ``github``."""
        return "github"

    def set_output(self, name: str, value: str) -> None:
        """Append *name* = *value* (masked values as ``***``) to the ``GITHUB_OUTPUT`` file.

        The record is built and checked before the file is opened, so a refused value
        leaves the file untouched.

        Raises:
            ValueError: see :func:`format_output_record`.
            ConfigError: ``GITHUB_OUTPUT`` is unset or empty.
        """
        record = format_output_record(name, self._masked.redact(value), self._make_delimiter())
        path = self._environ.get("GITHUB_OUTPUT", "")
        if not path:
            raise ConfigError(
                "GITHUB_OUTPUT is not set, so step outputs cannot be written: run this inside "
                "a GitHub Actions job (runner 2.297.0 or newer)"
            )
        with open(path, "a", encoding="utf-8", newline="\n") as output_file:
            output_file.write(record)

    def mask(self, value: str) -> None:
        """Register each non-blank line of *value* with the runner's log masker.

        The runner masks line by line, so a multiline secret is registered one line at a
        time; blank lines are skipped because masking whitespace would garble the log.
        """
        self._masked.add(value)
        for line in value.splitlines():
            if line.strip():
                gha.add_mask(line)

    def error(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        """Emit an ``::error file=F,line=L::message`` annotation (escaped for the runner)."""
        file, line = self._place(file, line)
        gha.error(self._masked.redact(message), file=file, line=line)

    def warning(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        """Emit a ``::warning file=F,line=L::message`` annotation (escaped for the runner)."""
        file, line = self._place(file, line)
        gha.warning(self._masked.redact(message), file=file, line=line)

    def append_summary(self, markdown: str) -> None:
        """Append *markdown* (UTF-8, LF line ends) to the file named by ``GITHUB_STEP_SUMMARY``.

        The runner uploads at most 1 MiB per step (what earlier appends wrote counts too),
        so longer text is cut with a note rather than losing the whole summary. A missing
        ``GITHUB_STEP_SUMMARY`` (an old runner, or no runner at all) or a full file costs
        a warning, never the step: the deployment itself is done by then.
        """
        path = self._environ.get("GITHUB_STEP_SUMMARY", "")
        if not path:
            self.warning("GITHUB_STEP_SUMMARY is not set, so no job summary was written")
            return
        text = self._masked.redact(markdown).replace("\r\n", "\n").replace("\r", "\n")
        text = text if text.endswith("\n") else text + "\n"
        used = os.path.getsize(path) if os.path.exists(path) else 0
        fitted = fit_summary(text, SUMMARY_LIMIT_BYTES - used)
        if fitted is None:
            self.warning(
                f"the job summary already holds {used} bytes, GitHub's limit is "
                f"{SUMMARY_LIMIT_BYTES}: fabric-action's summary was not added"
            )
            return
        with open(path, "a", encoding="utf-8", newline="\n") as summary_file:
            summary_file.write(fitted)

    def _place(self, file: str | None, line: int | None) -> tuple[str | None, int | None]:
        """Return the annotation's file relative to ``GITHUB_WORKSPACE`` (as GitHub links it).

        A line without a file anchors nothing, so it is dropped.
        """
        if not file:
            return None, None
        workspace = self._environ.get("GITHUB_WORKSPACE", "")
        path = PurePosixPath(file)
        if workspace and path.is_absolute() and path.is_relative_to(workspace):
            file = str(path.relative_to(workspace))
        return file, line
