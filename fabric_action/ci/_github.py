"""CI adapter for GitHub Actions runners (a Docker action or a plain step).

Built over github-action-utils where its output matches the runner's rules: workflow
commands on stdout (``::add-mask::``, ``::error::``) with the toolkit's escaping. Step
outputs are written here instead, because the library frames records with ``os.linesep``
and silently picks another delimiter on a collision, where this adapter wants LF framing
stated in the code, a refusal on collision, and the stricter action.yml name rule.
"""

import uuid
from collections.abc import Callable, Mapping

import github_action_utils as gha

from ..errors import ConfigError
from ._protocol import validate_output_name


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


class GitHubAdapter:
    """Step I/O on a GitHub Actions runner.

    Args:
        environ: the process environment; ``GITHUB_OUTPUT`` is read from it when an output
            is set, not when the adapter is built.
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

    @property
    def name(self) -> str:
        """Return ``github``."""
        return "github"

    def set_output(self, name: str, value: str) -> None:
        """Append *name* = *value* to the file named by ``GITHUB_OUTPUT``.

        The record is built and checked before the file is opened, so a refused value
        leaves the file untouched.

        Raises:
            ValueError: see :func:`format_output_record`.
            ConfigError: ``GITHUB_OUTPUT`` is unset or empty.
        """
        record = format_output_record(name, value, self._make_delimiter())
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
        for line in value.splitlines():
            if line.strip():
                gha.add_mask(line)

    def error(self, message: str) -> None:
        """Emit an ``::error::`` annotation (message escaped as the runner expects)."""
        gha.error(message)
