"""Step I/O for CI platforms (outputs, masking, annotations, summary) behind one protocol."""

from ._azure_devops import AzureDevOpsAdapter
from ._detect import detect_ci_adapter
from ._github import GitHubAdapter
from ._local import LocalAdapter
from ._protocol import CIAdapter

__all__ = [
    "AzureDevOpsAdapter",
    "CIAdapter",
    "GitHubAdapter",
    "LocalAdapter",
    "detect_ci_adapter",
]
