"""The installed distribution's version, read from package metadata."""

from importlib import metadata

DISTRIBUTION_NAME = "fabric-action"
UNKNOWN_VERSION = "0.0.0+unknown"


def read_version(distribution: str = DISTRIBUTION_NAME) -> str:
    """Return the installed version of *distribution*, or ``0.0.0+unknown``.

    The fallback covers running from a source tree that was never installed; pyproject.toml
    stays the single place the version is written.
    """
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return UNKNOWN_VERSION
