"""``examples/demo.py`` (``make demo``) runs as a user runs it: a subprocess, offline, tidy."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(90)]

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.py"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
DEPLOYED = {
    "lh_raw": "Lakehouse",
    "nb_ingest_sales": "Notebook",
    "env_spark": "Environment",
    "pl_daily_ingest": "DataPipeline",
    "Sales Model": "SemanticModel",
    "Sales Report": "Report",
    "vl_sales_settings": "VariableLibrary",
}


def test_demo_deploys_the_sample_offline_and_leaves_nothing_behind(tmp_path: Path) -> None:
    workdir, tmpdir = tmp_path / "cwd", tmp_path / "tmp"
    workdir.mkdir()
    tmpdir.mkdir()
    env = {
        **os.environ,
        "TMPDIR": str(tmpdir),
        "PYTHONDONTWRITEBYTECODE": "1",
        # Anything that tried to leave loopback over HTTP would meet a closed port.
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    result = subprocess.run(
        [sys.executable, "-W", "error", str(DEMO)],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    out = result.stdout
    assert re.search(rf"^Workspace   Sales Analytics \(PROD\)  {UUID}$", out, re.M), out
    assert re.search(r"^ +Contributor Data Engineers  \[Group\]$", out, re.M), out
    assert "7 items in 3 folders:" in out
    for folder in ("    Ingestion/", "      Raw/", "    Reporting/"):
        assert f"\n{folder}\n" in out
    ids = {}
    for name, item_type in DEPLOYED.items():
        match = re.search(rf"^ +{re.escape(name)} +{item_type} +({UUID})$", out, re.M)
        assert match, f"{name} missing from:\n{out}"
        ids[name] = match.group(1)
    assert len(set(ids.values())) == len(DEPLOYED)
    assert f"nb_ingest_sales default lakehouse  -> lh_raw ({ids['lh_raw']})" in out
    assert (
        f"pl_daily_ingest runs notebook      -> nb_ingest_sales ({ids['nb_ingest_sales']})" in out
    )
    assert "pl_daily_ingest notebook workspace -> this workspace" in out
    assert f"Sales Report bound to              -> Sales Model ({ids['Sales Model']})" in out
    assert "vl_sales_settings value set        -> PROD" in out
    assert re.search(r"^  fabric-cicd +\d+ calls: GET \d+, POST \d+", out, re.M), out
    elapsed = re.search(r"^Elapsed +(\d+\.\d+) s$", out, re.M)
    assert elapsed, out
    assert float(elapsed.group(1)) < 30.0

    # The emulator's CA and keys lived in a temporary directory that is gone, and
    # nothing was written where the demo ran.
    assert list(tmpdir.iterdir()) == []
    assert list(workdir.iterdir()) == []
