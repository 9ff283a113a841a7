"""CI adapter for a terminal or an unknown CI: outputs go to stdout."""

import sys

from ._protocol import validate_output_name


class LocalAdapter:
    """Print outputs as ``name=value`` lines; there is no log masker to feed."""

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
        print(f"{name}={value}", flush=True)

    def mask(self, value: str) -> None:
        """Do nothing: a local terminal has no log masker."""

    def error(self, message: str) -> None:
        """Print ``fabric-action: error: message`` on stderr."""
        print(f"fabric-action: error: {message}", file=sys.stderr, flush=True)
