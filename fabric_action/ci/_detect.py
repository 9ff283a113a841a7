"""Pick the CI adapter for the environment the process runs in."""

from collections.abc import Mapping

from ._azure_devops import AzureDevOpsAdapter
from ._github import GitHubAdapter
from ._local import LocalAdapter
from ._protocol import CIAdapter


def detect_ci_adapter(environ: Mapping[str, str]) -> CIAdapter:
    """Return the adapter for the CI that *environ* belongs to.

    GitHub Actions sets ``GITHUB_ACTIONS=true`` (exactly that string, also inside Docker
    actions); an Azure Pipelines agent sets ``TF_BUILD=True`` (a .NET boolean, so its
    case is not relied on); anything else gets the local adapter.
    """
    if environ.get("GITHUB_ACTIONS") == "true":
        return GitHubAdapter(environ)
    if environ.get("TF_BUILD", "").lower() == "true":
        return AzureDevOpsAdapter(environ)
    return LocalAdapter()
