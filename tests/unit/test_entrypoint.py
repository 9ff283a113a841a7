import os
import subprocess
import sys
from pathlib import Path

import fabric_action

REPO_ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = REPO_ROOT / "entrypoint.py"


def run_entrypoint(*args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "TF_BUILD", "CI"))}
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, str(ENTRYPOINT), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=60,
        check=False,
    )


def test_version_exits_0() -> None:
    result = run_entrypoint("version")

    version = fabric_action.__version__
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"fabric-action {version}\nversion={version}\n"


def test_version_as_a_github_step_writes_the_output(tmp_path: Path) -> None:
    output = tmp_path / "set_output_1"
    output.touch()

    result = run_entrypoint("version", GITHUB_ACTIONS="true", GITHUB_OUTPUT=str(output))

    assert result.returncode == 0, result.stderr
    assert output.read_text(encoding="utf-8").startswith("version<<ghadelimiter_")


def test_usage_error_exits_2_without_traceback() -> None:
    result = run_entrypoint("no-such-command")

    assert result.returncode == 2
    assert "invalid choice: 'no-such-command'" in result.stderr
    assert "Traceback" not in result.stderr
