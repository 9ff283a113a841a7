"""Deploy Microsoft Fabric workspaces and items from Git."""

from ._version import read_version

__version__ = read_version()

__all__ = ["__version__"]
