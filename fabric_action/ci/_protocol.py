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
    """Step I/O of one CI platform: outputs, masking, annotations and the job summary.

    Everything an adapter writes itself (outputs, annotations, the summary) has the values
    given to :meth:`mask` replaced by ``***`` first, so a secret registered before the
    call cannot leak through the adapter even where the platform would not mask it.
    """

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

    def error(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        """Report an error so the CI shows it prominently (an annotation where supported).

        Args:
            message: What went wrong, where and what to do (it names its place itself).
            file: The file the error is about, to anchor the annotation on it.
            line: The 1-based line in *file* (ignored without *file*).
        """
        ...

    def warning(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        """Report something that works but needs attention; arguments as :meth:`error`."""
        ...

    def append_summary(self, markdown: str) -> None:
        """Add GitHub-flavoured Markdown to the step's summary page, where the CI has one."""
        ...
