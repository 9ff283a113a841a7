import fabric_action
import fabric_action.ci


def test_ci_package_exports_exactly_this_list() -> None:
    assert fabric_action.ci.__all__ == [
        "AzureDevOpsAdapter",
        "CIAdapter",
        "GitHubAdapter",
        "LocalAdapter",
        "detect_ci_adapter",
    ]
    for name in fabric_action.ci.__all__:
        assert getattr(fabric_action.ci, name).__module__.startswith("fabric_action.ci._")


def test_top_level_package_exports_only_the_version() -> None:
    assert fabric_action.__all__ == ["__version__"]
