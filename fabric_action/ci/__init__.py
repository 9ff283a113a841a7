"""Step I/O for CI platforms (outputs, masking, annotations) behind one protocol."""

from ._detect import detect_ci_adapter
from ._github import GitHubAdapter
from ._local import LocalAdapter
from ._protocol import CIAdapter

__all__ = [
    "CIAdapter",
    "GitHubAdapter",
    "LocalAdapter",
    "detect_ci_adapter",
]
