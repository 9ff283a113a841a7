"""Helpers for running ``fabric-action validate`` on the config corpus."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

CONFIGS = Path(__file__).resolve().parents[2] / "data" / "configs"
BAD = CONFIGS / "bad"
GOOD = CONFIGS / "good"

# What a variable-free run looks like: no CI, no inputs, no flags, no config variables.
_CLEARED_PREFIXES = ("INPUT_", "FABRIC_ACTION_", "GITHUB_", "TF_BUILD")
_FLAGS = (
    "USE_KEY_VAULT",
    "ENABLE_RETRY",
    "ENABLE_CIRCUIT_BREAKER",
    "ENABLE_TRANSACTIONS",
    "ENABLE_TELEMETRY",
)


def clean_environ(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return ``os.environ`` without CI, input, flag and config variables, plus *extra*."""
    environ = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(_CLEARED_PREFIXES) and name not in _FLAGS
    }
    environ.update(extra or {})
    return environ


def run_cli_subprocess(
    args: list[str], *, cwd: Path, environ: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``fabric-action ARGS`` in a fresh interpreter, as CI would."""
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from fabric_action.cli import main; sys.exit(main())",
            *args,
        ],
        cwd=cwd,
        env=clean_environ(environ),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
