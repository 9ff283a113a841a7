"""The Dockerfile, .dockerignore and action.yml keep the shape the runner needs."""

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from fabric_action.cli import DEPLOY_INPUTS
from fabric_action.config import ACTION_INPUTS
from fabric_action.scenarios.deploy._command import DEPLOY_OUTPUTS

REPO_ROOT = Path(__file__).resolve().parents[2]


def dockerfile_instructions() -> list[tuple[str, str]]:
    """Return (INSTRUCTION, arguments) pairs, with continuation lines joined."""
    text = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")
    logical = re.sub(r"\\\n", " ", text)
    instructions = []
    for line in logical.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, rest = stripped.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def test_base_image_is_a_build_argument_defaulting_to_python_312_slim() -> None:
    instructions = dockerfile_instructions()

    assert instructions[0] == ("ARG", "BASE_IMAGE=python:3.12-slim")
    assert instructions[1] == ("FROM", "${BASE_IMAGE}")
    assert [i for i in instructions if i[0] == "FROM"] == [("FROM", "${BASE_IMAGE}")]


def test_entrypoint_is_exec_form_python_entrypoint() -> None:
    entrypoints = [args for keyword, args in dockerfile_instructions() if keyword == "ENTRYPOINT"]

    assert entrypoints == ['["python", "/app/entrypoint.py"]']


def test_entrypoint_file_is_copied_where_entrypoint_points() -> None:
    assert ("COPY", "entrypoint.py /app/entrypoint.py") in dockerfile_instructions()


def test_runs_as_root_and_installs_runtime_dependencies_only() -> None:
    instructions = dockerfile_instructions()

    assert not [i for i in instructions if i[0] == "USER"]
    runs = " ".join(args for keyword, args in instructions if keyword == "RUN")
    assert "pip install --no-cache-dir /tmp/fabric-action-src" in runs
    assert "[test]" not in runs


def test_python_environment_settings() -> None:
    env = " ".join(args for keyword, args in dockerfile_instructions() if keyword == "ENV")

    for setting in (
        "PYTHONDONTWRITEBYTECODE=1",
        "PYTHONUNBUFFERED=1",
        "PIP_NO_CACHE_DIR=1",
        "PIP_DISABLE_PIP_VERSION_CHECK=1",
    ):
        assert setting in env.split()


def test_pip_index_build_arguments_have_no_default() -> None:
    args = [args for keyword, args in dockerfile_instructions() if keyword == "ARG"]

    # Without a default an ARG is not set in RUN steps, so a plain build uses pip's defaults.
    assert {"PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_TRUSTED_HOST"} <= set(args)


def test_dockerignore_keeps_local_state_out_of_the_build_context() -> None:
    lines = (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = {line.strip() for line in lines if line.strip() and not line.startswith("#")}

    assert {".git", ".venv", "tests", ".container-test", "**/__pycache__"} <= patterns
    # COPY . would put a developer's .env into an image layer, even if removed later.
    assert "**/.env" in patterns
    for needed in ("pyproject.toml", "fabric_action", "entrypoint.py", "README.md"):
        assert needed not in patterns


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    with (REPO_ROOT / "action.yml").open(encoding="utf-8") as action_file:
        loaded = yaml.safe_load(action_file)
    assert isinstance(loaded, dict)
    return loaded


def test_action_is_a_docker_action_built_from_the_dockerfile(action: dict[str, Any]) -> None:
    assert action["name"]
    assert action["description"]
    assert action["runs"]["using"] == "docker"
    assert action["runs"]["image"] == "Dockerfile"
    # The command input picks the subcommand; scripts/container-test.sh passes `version`
    # as the container's arguments directly, which replaces these.
    assert action["runs"]["args"] == ["${{ inputs.command }}"]
    assert action["inputs"]["command"]["default"] == "validate"


def test_action_declares_exactly_the_inputs_the_config_layer_and_deploy_read(
    action: dict[str, Any],
) -> None:
    assert set(action["inputs"]) == {"command", *ACTION_INPUTS, *DEPLOY_INPUTS}
    assert not set(ACTION_INPUTS) & set(DEPLOY_INPUTS)


def test_command_input_names_every_subcommand(action: dict[str, Any]) -> None:
    description = action["inputs"]["command"]["description"]

    for command in ("validate", "deploy", "version"):
        assert command in description


@pytest.mark.parametrize("name", [*ACTION_INPUTS, *DEPLOY_INPUTS])
def test_setting_inputs_have_no_default_and_say_what_they_do(
    action: dict[str, Any], name: str
) -> None:
    declared = action["inputs"][name]
    # A default would reach the container as INPUT_<NAME> on every run, beating the file.
    assert "default" not in declared
    assert declared["required"] is False
    assert len(declared["description"]) > 40


def test_action_declares_the_outputs_the_commands_set(action: dict[str, Any]) -> None:
    assert set(action["outputs"]) == {"version", "valid", "environment", "tier", *DEPLOY_OUTPUTS}
    for output in action["outputs"].values():
        # Docker actions set outputs at run time; only "description" is allowed here.
        assert set(output) == {"description"}


def test_action_ids_follow_the_runner_rule(action: dict[str, Any]) -> None:
    for section in ("inputs", "outputs"):
        for name in action.get(section) or {}:
            assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", name), name


def test_input_names_also_follow_the_azure_devops_task_rule(action: dict[str, Any]) -> None:
    # A task.json input name is letters and digits only; with such names INPUT_<NAME> is
    # the same variable on both platforms, so the CLI reads one spelling.
    for name in action["inputs"]:
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", name), name
