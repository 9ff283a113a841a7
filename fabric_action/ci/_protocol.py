"""The interface every CI platform adapter implements."""

import re
from typing import Protocol

# Output ids as action.yml accepts them: a letter or "_", then letters, digits, "-" or "_".
# Anything else either breaks the runner's file-command parser ("=", "<<", line breaks) or
# names an output that no workflow expression can read.
_OUTPUT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def validate_output_name(name: str) -> None:
    """Reject a step output name that the CI platform could not read back.

    Raises:
        ValueError: *name* is empty or has characters outside ``[A-Za-z0-9_-]``, or starts
            with a digit or ``-``.
    """
    if not _OUTPUT_NAME.fullmatch(name):
        raise ValueError(
            f"invalid step output name {name!r}: use a letter or '_' followed by letters, "
            "digits, '-' or '_'"
        )


class CIAdapter(Protocol):
    """Step I/O of one CI platform: outputs, secret masking and error annotations."""

    @property
    def name(self) -> str:
        """Short platform name for logs, for example ``github`` or ``local``."""
        ...

    def set_output(self, name: str, value: str) -> None:
        """Publish a step output that later steps can read.

        Raises:
            ValueError: *name* is not a valid output name.
        """
        ...

    def mask(self, value: str) -> None:
        """Hide *value* in every later log line. Call it before the value is printed."""
        ...

    def error(self, message: str) -> None:
        """Report an error so the CI shows it prominently (an annotation where supported)."""
        ...
