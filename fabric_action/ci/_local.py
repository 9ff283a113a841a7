"""CI adapter for a terminal or an unknown CI: outputs go to stdout."""

import sys

from ._masked import MaskedValues
from ._protocol import validate_output_name


class LocalAdapter:
    """Print outputs as ``name=value`` lines; there is no log masker to feed.

    Masked values are still remembered, so outputs and messages printed here show them as
    ``***``: a terminal or an unknown CI has no masker of its own.
    """

    def __init__(self) -> None:
        self._masked = MaskedValues()

    @property
    def name(self) -> str:
        """Return ``local``."""
        return "local"

    def set_output(self, name: str, value: str) -> None:
        """Print ``name=value`` on stdout.

        Raises:
            ValueError: *name* is not a valid output name (the same rule as on GitHub, so a
                name that works locally works in CI).
        """
        validate_output_name(name)
        print(f"{name}={self._masked.redact(value)}", flush=True)

    def mask(self, value: str) -> None:
        """Remember *value* to redact it here; a local terminal has no log masker."""
        self._masked.add(value)

    def error(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        """Print ``fabric-action: error: message`` on stderr.

        *file* and *line* only anchor annotations in CI; the message names its place.
        """
        print(f"fabric-action: error: {self._masked.redact(message)}", file=sys.stderr, flush=True)

    def warning(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        """Print ``fabric-action: warning: message`` on stderr (*file*/*line* as in error)."""
        print(
            f"fabric-action: warning: {self._masked.redact(message)}", file=sys.stderr, flush=True
        )

    def append_summary(self, markdown: str) -> None:
        """Do nothing: a terminal has no summary page, and the Markdown has a file already.

        Printing it would mix Markdown lines (a plan row starts ``| = |``) into stdout,
        where this adapter's ``name=value`` output lines are read; ``--report`` and
        ``--plan-out`` write the same Markdown next to their JSON instead.
        """
