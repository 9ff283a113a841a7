"""fabric-action deploy against fabric-cicd 1.4.0: a 120-item repository into the emulator.

A seeded repository (``_repo_generator.py``: 40 Notebooks, 20 DataPipelines each running
two notebooks named by logicalId, 15 SemanticModels, 15 Reports bound byPath to a
model, 10 Environments, 10 Lakehouses, 10 VariableLibraries, in 8 folders two levels
deep) is deployed into fresh, empty workspaces of one in-process HTTPS emulator, first by
``fabric-action deploy`` and then by fabric-cicd's ``publish_all_items``, each one
deployed again unchanged, under two profiles:

* A: every Fabric ``/v1`` call answers 40 ms late; item create, getDefinition and
  updateDefinition are LROs that finish after 1 s, polls say ``Retry-After: 1``.
* B: A plus Fabric's documented quota, 200 calls per minute per identity over a
  sliding minute (429 ``RequestBlocked`` with the Retry-After to the window's end).
  At this quota time follows the number of calls.

Each run is a fresh subprocess (fabric-cicd sets the root logger and ``sys.excepthook``
at import), started only after the fault plan is re-installed, which empties the quota
window, so every run starts with a full minute of quota. fabric-cicd waits as in
production (no ``FABRIC_CICD_RETRY_DELAY_OVERRIDE_SECONDS``); both tools honour the same
Retry-After. The emulator clock runs in real time. fabric-action runs as shipped under
B: its quota limiter at the default 200 calls per minute (``api.calls_per_minute``).
Profile A has no quota, so there the limiter is off (``api.calls_per_minute: 0``) and
both tools show their own pace. Times are measured in the child around the deploy call
(config, token and deploy for fabric-action; ``FabricWorkspace`` + ``publish_all_items``
for fabric-cicd), not interpreter start-up or imports; the process wall time is printed
too. Calls are the emulator request log's Fabric ``/v1`` entries between the run's start
and end (runs never overlap), 429s included.

The ideal lower bounds follow the measured-baseline note: a first deploy needs at least
3 start-up GETs, one create per folder, a create and a poll per item, one item list, one
PATCH per VariableLibrary and one publish per Environment (272 calls here). Under A the
critical path is start-up, the two folder levels, then notebooks (create, 1 s, poll,
list) and pipelines (create, 1 s, poll): 2.32 s. Under B a sliding 60 s window of Q calls
lets call Q+1 start only a minute after the first: ``floor((calls-1)/Q) * 60 s`` plus one
call's latency.

Printed ``name=value`` lines (ours / fabric-cicd): ``first_deploy_ratio_A`` (target
<= 0.15), ``first_deploy_ratio_B`` (<= 0.75), ``calls_ratio`` (first deploys under A,
<= 0.8), ``redeploy_writes`` (ours, all profiles, must be 0), ``ideal_*``/``ours_vs_ideal_*``
per profile, and last ``redeploy_ratio`` (unchanged redeploy with the manifest; the
largest over the profiles run, target <= 0.05). ``nan`` when a run failed.

    python benchmarks/deploy_vs_fabric_cicd.py            # A and B, about 6 minutes
    python benchmarks/deploy_vs_fabric_cicd.py --quick    # profile A only, about 1.5 minutes
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CLIENT_ID = "0ec5ae2c-1c7a-4b0a-8b5e-0000000000bb"
"""The emulator's default app (same service principal and secret) under a GUID id."""
ENVIRONMENT = "DEV"
LATENCY_MS = 40
LRO_S = 1
QUOTA_PER_MINUTE = 200
CHILD_TIMEOUT_S = 600.0
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SCRUBBED_PREFIXES = ("FABRIC_ACTION_", "FABRIC_CICD_", "INPUT_", "GITHUB_", "AZURE_")
_SCRUBBED = frozenset(
    {
        "DEFAULT_API_ROOT_URL",
        "FABRIC_API_ROOT_URL",
        "TF_BUILD",
        "USE_KEY_VAULT",
        "ENABLE_RETRY",
        "ENABLE_CIRCUIT_BREAKER",
        "ENABLE_TRANSACTIONS",
        "ENABLE_TELEMETRY",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    }
)


@dataclass(frozen=True, kw_only=True)
class Profile:
    """Emulator conditions of one profile."""

    name: str
    quota_per_minute: int | None

    def describe(self) -> str:
        """One line for the output."""
        quota = (
            f", quota {self.quota_per_minute} calls/min per identity"
            if self.quota_per_minute
            else ""
        )
        return f"{LATENCY_MS} ms per call, LROs {LRO_S} s, Retry-After {LRO_S} s{quota}"


PROFILES = {
    "A": Profile(name="A", quota_per_minute=None),
    "B": Profile(name="B", quota_per_minute=200),
}


@dataclass(kw_only=True)
class Run:
    """One deploy by one tool."""

    tool: str
    phase: str
    ok: bool = False
    seconds: float = math.nan
    wall_s: float = math.nan
    calls: int = 0
    throttled: int = 0
    writes: int = 0
    max_in_flight: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    items: int = 0
    folders: int = 0
    failure: str = ""

    def line(self) -> str:
        """A labelled summary."""
        if not self.ok:
            return f"{self.tool:13} {self.phase:8} FAILED after {self.wall_s:.2f} s"
        placed = f", workspace holds {self.items} items in {self.folders} folders"
        return (
            f"{self.tool:13} {self.phase:8} {self.seconds:7.2f} s (process {self.wall_s:6.2f} s), "
            f"{self.calls:4d} calls, {self.throttled:3d} x 429, {self.writes:3d} writes, "
            f"max {self.max_in_flight:3d} in flight{placed}"
        )


# -- children ----------------------------------------------------------------------------


def _child_ours(spec: dict[str, Any]) -> dict[str, Any]:
    from fabric_action.cli import main  # noqa: PLC0415 - imported in the child only

    began = time.perf_counter()
    code = main(
        [
            "deploy",
            "--config",
            spec["config"],
            "--environment",
            ENVIRONMENT,
            "--report",
            spec["report"],
        ]
    )
    return {"ok": code == 0, "code": int(code), "seconds": time.perf_counter() - began}


def _child_cicd(spec: dict[str, Any]) -> dict[str, Any]:
    import fabric_cicd  # noqa: PLC0415 - imported in the child only (it sets global logging)
    from azure.identity import ClientSecretCredential  # noqa: PLC0415

    fabric_cicd.constants.DEFAULT_API_ROOT_URL = spec["base_url"]
    fabric_cicd.constants.FABRIC_API_ROOT_URL = spec["base_url"]
    credential = ClientSecretCredential(
        tenant_id=spec["tenant"],
        client_id=spec["client_id"],
        client_secret=spec["client_secret"],
        authority=spec["base_url"],
        disable_instance_discovery=True,
    )
    began = time.perf_counter()
    workspace = fabric_cicd.FabricWorkspace(
        workspace_id=spec["workspace_id"],
        repository_directory=spec["repository"],
        environment=ENVIRONMENT,
        token_credential=credential,
    )
    fabric_cicd.publish_all_items(workspace)
    seconds = time.perf_counter() - began
    credential.close()
    return {"ok": True, "code": 0, "seconds": seconds}


def _child(tool: str, spec_path: Path) -> None:
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    try:
        result = _child_ours(spec) if tool == "ours" else _child_cicd(spec)
    except BaseException as error:
        result = {"ok": False, "code": -1, "error": traceback.format_exc(), "type": repr(error)}
        Path(spec["result"]).write_text(json.dumps(result), encoding="utf-8")
        raise
    Path(spec["result"]).write_text(json.dumps(result), encoding="utf-8")


# -- parent ------------------------------------------------------------------------------


def _fabric_calls(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in log if str(e["path"]).startswith("/v1/")]


def _is_write(entry: dict[str, Any]) -> bool:
    return entry["method"] in WRITE_METHODS and not str(entry["path"]).endswith("/getDefinition")


def _max_in_flight(log: list[dict[str, Any]]) -> int:
    edges: list[tuple[float, int]] = []
    for entry in log:
        start = float(entry["at_s"])
        edges += [(start, 1), (start + float(entry["duration_ms"]) / 1000.0, -1)]
    current = peak = 0
    for _, delta in sorted(edges, key=lambda e: (e[0], e[1])):
        current += delta
        peak = max(peak, current)
    return peak


def _kind(entry: dict[str, Any]) -> str:
    path = _GUID.sub("{id}", str(entry["path"]))
    path = re.sub(r"^/v1/workspaces/\{id\}", "/ws", path)
    return f"{entry['method']} {path}" + (" -> 429" if entry["status"] == 429 else "")


@dataclass(kw_only=True)
class Bench:
    """The emulator and what the runs share."""

    emulator: Any
    work: Path
    source: Path
    tenant_id: str
    session: Any
    capacity: str
    child_env: dict[str, str]

    def create_workspace(self, name: str) -> str:
        response = self.session.post(
            f"{self.emulator.base_url}/v1/workspaces",
            json={"displayName": name, "capacityId": self.capacity},
            timeout=(5, 60),
        )
        response.raise_for_status()
        return str(response.json()["id"])

    def install(self, profile: Profile) -> None:
        """(Re)install the profile's fault plan; this also empties every quota window."""
        self.emulator.set_faults(
            [{"route": "/v1/**", "latency_ms": LATENCY_MS}],
            seed=1,
            quota_per_minute=profile.quota_per_minute,
        )

    def ours_project(self, profile: Profile, workspace_name: str) -> Path:
        root = self.work / f"profile-{profile.name}" / "ours"
        shutil.copytree(self.source, root / "workspace")
        # No quota in the profile: our limiter off, so both tools show their own pace.
        api = "" if profile.quota_per_minute else "api: {calls_per_minute: 0}\n"
        (root / "fabric-action.yml").write_text(
            "version: 1\nproject: bench\n"
            f"auth: {{tenant_id: {self.tenant_id}, client_id: {CLIENT_ID}, "
            "client_secret: '${secret:fabric-client-secret}'}\n"
            f"{api}"
            f"environments:\n  {ENVIRONMENT}:\n    tier: local\n    workspaces:\n"
            f"      bench:\n        name: {workspace_name}\n"
            "        items: {source: workspace, delete_orphans: false}\n",
            encoding="utf-8",
        )
        (root / ".env").write_text(
            f"fabric-client-secret={self.emulator.client_secret}\n", encoding="utf-8"
        )
        (root / ".gitignore").write_text(".env\n", encoding="utf-8")
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        return root

    def run(self, profile: Profile, tool: str, phase: str, spec: dict[str, Any]) -> Run:
        label = f"{profile.name}-{tool}-{phase}"
        spec_path = self.work / f"{label}.spec.json"
        result_path = self.work / f"{label}.result.json"
        output_path = self.work / f"{label}.out.txt"
        spec = {**spec, "result": str(result_path)}
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        env = dict(self.child_env)
        self.install(profile)
        mark = self._mark()
        began = time.perf_counter()
        with output_path.open("w", encoding="utf-8") as output:
            process = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--child", tool, str(spec_path)],
                env=env,
                cwd=str(self.work),
                stdout=output,
                stderr=subprocess.STDOUT,
                timeout=CHILD_TIMEOUT_S,
                check=False,
            )
        run = Run(tool="fabric-action" if tool == "ours" else "fabric-cicd", phase=phase)
        run.wall_s = time.perf_counter() - began
        log = _fabric_calls(self.emulator.requests_log(since=mark))
        run.calls = len(log)
        run.throttled = sum(1 for e in log if e["status"] == 429)
        run.writes = sum(1 for e in log if _is_write(e) and e["status"] < 400)
        run.max_in_flight = _max_in_flight(log)
        run.kinds = Counter(_kind(e) for e in log)
        outcome = json.loads(result_path.read_text()) if result_path.is_file() else {}
        run.ok = process.returncode == 0 and bool(outcome.get("ok"))
        run.seconds = float(outcome.get("seconds", math.nan))
        if not run.ok:
            run.failure = self._failure(process.returncode, outcome, output_path, spec)
        items, folders = self._workspace_contents(spec["workspace_id"])
        run.items, run.folders = items, folders
        return run

    def _mark(self) -> int:
        entries = self.emulator.emulator.log.entries()
        return int(entries[-1].seq) if entries else 0

    def _workspace_contents(self, workspace_id: str) -> tuple[int, int]:
        fabric = self.emulator.state()["fabric"]
        items = sum(1 for i in fabric["items"].values() if i["workspace_id"] == workspace_id)
        folders = sum(1 for f in fabric["folders"].values() if f["workspace_id"] == workspace_id)
        return items, folders

    @staticmethod
    def _failure(code: int, outcome: dict[str, Any], output: Path, spec: dict[str, Any]) -> str:
        lines = [f"exit status {code}, child result {outcome.get('code', 'none')}"]
        if outcome.get("error"):
            lines.append(str(outcome["error"]).rstrip())
        report = Path(spec.get("report", "")) if spec.get("report") else None
        if report is not None and report.is_file():
            document = json.loads(report.read_text(encoding="utf-8"))
            bad = [
                item
                for workspace in document.get("workspaces", [])
                for item in workspace.get("items", [])
                if item.get("status") not in ("succeeded", "no-op")
            ]
            lines.append(f"report: {len(bad)} item(s) not succeeded")
            for item in bad[:8]:
                steps = [
                    {k: s.get(k) for k in ("kind", "status", "error", "request_id") if k in s}
                    for s in item.get("steps", [])
                ]
                lines.append(
                    f"  {item.get('type')}/{item.get('name')}: {item.get('status')} {steps}"
                )
        tail = output.read_text(encoding="utf-8", errors="replace").splitlines()[-25:]
        lines.append("output tail:")
        lines += [f"  | {t}" for t in tail]
        return "\n".join(lines)


def _child_environment(emulator: Any) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in _SCRUBBED and not k.startswith(_SCRUBBED_PREFIXES)
    }
    env.update(
        {
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "REQUESTS_CA_BUNDLE": str(emulator.ca_path),
            "FABRIC_ACTION_CLOUD": f"emulator:{emulator.base_url}",
            "FABRIC_ACTION_CLOUD_REDIRECT_URL": emulator.redirect_base_url,
            "FABRIC_ACTION_CA_BUNDLE": str(emulator.ca_path),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _register_guid_app(emulator: Any) -> str:
    directory = emulator.state()["directory"]
    app = copy.deepcopy(directory["apps"][emulator.client_id])
    app["client_id"] = CLIENT_ID
    directory["apps"][CLIENT_ID] = app
    emulator.control("POST", "seed", {"directory": directory})
    return str(directory["tenant_id"])


@dataclass(frozen=True, kw_only=True)
class Ideal:
    """The ideal client's minimum calls and time for one profile."""

    calls: int
    seconds: float


def _ideal(repository: Any, profile: Profile) -> Ideal:
    latency = LATENCY_MS / 1000.0
    depth = max(f.count("/") + 1 for f in repository.folders)
    calls = (
        3
        + len(repository.folders)
        + 2 * len(repository.items)
        + 1
        + repository.count("VariableLibrary")
        + repository.count("Environment")
    )
    first_level = latency + LRO_S + latency + latency  # create, wait, poll, list the ids
    second_level = latency + LRO_S + latency  # the pipelines: create, wait, poll
    seconds = latency + depth * latency + first_level + second_level
    if profile.quota_per_minute:
        seconds = max(seconds, (calls - 1) // profile.quota_per_minute * 60.0 + latency)
    return Ideal(calls=calls, seconds=seconds)


def _ratio(ours: Run, theirs: Run, attribute: str = "seconds") -> float:
    if not (ours.ok and theirs.ok):
        return math.nan
    return float(getattr(ours, attribute)) / float(getattr(theirs, attribute))


def _print_kinds(runs: list[Run]) -> None:
    for run in runs:
        print(f"  calls by kind, {run.tool} {run.phase}:")
        for kind, count in sorted(run.kinds.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"    {count:4d}  {kind}")


def _profile_runs(bench: Bench, profile: Profile, repository: Any) -> dict[str, Run]:
    print(f"profile {profile.name}: {profile.describe()}", flush=True)
    ours_ws_name = f"bench-{profile.name}-fabric-action"
    ours_root = bench.ours_project(profile, ours_ws_name)
    ours_ws = bench.create_workspace(ours_ws_name)
    cicd_ws = bench.create_workspace(f"bench-{profile.name}-fabric-cicd")
    runs: dict[str, Run] = {}
    for phase in ("first", "unchanged"):
        spec = {
            "config": str(ours_root / "fabric-action.yml"),
            "report": str(bench.work / f"report-{profile.name}-{phase}.json"),
            "workspace_id": ours_ws,
        }
        runs[f"ours-{phase}"] = run = bench.run(profile, "ours", phase, spec)
        print(f"  {run.line()}", flush=True)
        if run.failure:
            print("    " + run.failure.replace("\n", "\n    "), flush=True)
    for phase in ("first", "unchanged"):
        spec = {
            "base_url": bench.emulator.base_url,
            "tenant": bench.emulator.tenant,
            "client_id": bench.emulator.client_id,
            "client_secret": bench.emulator.client_secret,
            "workspace_id": cicd_ws,
            "repository": str(bench.source),
        }
        runs[f"cicd-{phase}"] = run = bench.run(profile, "cicd", phase, spec)
        print(f"  {run.line()}", flush=True)
        if run.failure:
            print("    " + run.failure.replace("\n", "\n    "), flush=True)
    ideal = _ideal(repository, profile)
    ours = runs["ours-first"]
    multiple = ours.seconds / ideal.seconds if ours.ok else math.nan
    print(
        f"  ideal client, first deploy: >= {ideal.calls} calls, >= {ideal.seconds:.2f} s; "
        f"fabric-action took {multiple:.2f}x that, fabric-cicd "
        f"{runs['cicd-first'].seconds / ideal.seconds:.2f}x",
        flush=True,
    )
    return runs


def _figure(name: str, value: float) -> None:
    print(f"{name}={value:.3f}" if not math.isnan(value) else f"{name}=nan", flush=True)


def main() -> None:
    """Run the benchmark; print labelled figures, the last line ``redeploy_ratio=R``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="profile A only (about 1.5 minutes)")
    parser.add_argument("--seed", type=int, default=None, help="repository seed")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--child", nargs=2, metavar=("TOOL", "SPEC"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]))
        return

    sys.path.insert(0, str(HERE))
    import requests  # noqa: PLC0415
    from _repo_generator import DEFAULT_SEED, generate_repository  # noqa: PLC0415

    from fabric_emulator.testing import running_emulator  # noqa: PLC0415

    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="fabric-action-bench-"))
    try:
        seed = DEFAULT_SEED if args.seed is None else args.seed
        repository = generate_repository(work / "source", seed=seed)
        counts = Counter(item.item_type for item in repository.items)
        print(
            f"repository: {len(repository.items)} items in {len(repository.folders)} folders "
            f"(seed {seed}): " + ", ".join(f"{n} {t}" for t, n in counts.items()),
            flush=True,
        )
        with running_emulator(clock_scale=1.0, state_dir=work / "emulator") as emulator:
            emulator.emulator.update_config({"lro_duration_s": LRO_S, "lro_retry_after_s": LRO_S})
            tenant_id = _register_guid_app(emulator)
            session = requests.Session()
            session.trust_env = False
            session.verify = emulator.verify
            session.headers["Authorization"] = f"Bearer {emulator.fabric_token()}"
            capacity = session.get(f"{emulator.base_url}/v1/capacities", timeout=(5, 30))
            bench = Bench(
                emulator=emulator,
                work=work,
                source=work / "source",
                tenant_id=tenant_id,
                session=session,
                capacity=str(capacity.json()["value"][0]["id"]),
                child_env=_child_environment(emulator),
            )
            names = ["A"] if args.quick else ["A", "B"]
            results = {name: _profile_runs(bench, PROFILES[name], repository) for name in names}
            session.close()
        _report(results, repository)
        print(f"benchmark runtime: {time.perf_counter() - started:.1f} s", flush=True)
        redeploy = [_ratio(r["ours-unchanged"], r["cicd-unchanged"]) for r in results.values()]
        _figure("redeploy_ratio", max(redeploy) if not any(map(math.isnan, redeploy)) else math.nan)
    finally:
        if args.keep:
            print(f"work directory kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


def _report(results: dict[str, dict[str, Run]], repository: Any) -> None:
    a = results["A"]
    print("calls under A, by kind:")
    _print_kinds([a["ours-first"], a["cicd-first"], a["ours-unchanged"]])
    print("summary (ours / fabric-cicd):")
    for name, runs in results.items():
        _figure(f"first_deploy_ratio_{name}", _ratio(runs["ours-first"], runs["cicd-first"]))
    _figure("calls_ratio", _ratio(a["ours-first"], a["cicd-first"], "calls"))
    if "B" in results:
        _figure(
            "calls_ratio_B", _ratio(results["B"]["ours-first"], results["B"]["cicd-first"], "calls")
        )
    writes = [
        r["ours-unchanged"].writes if r["ours-unchanged"].ok else -1 for r in results.values()
    ]
    print(f"redeploy_writes={sum(writes) if min(writes) >= 0 else 'nan'}")
    for name, runs in results.items():
        ideal = _ideal(repository, PROFILES[name])
        ours = runs["ours-first"]
        print(f"ideal_calls_{name}={ideal.calls}")
        _figure(f"ideal_first_deploy_s_{name}", ideal.seconds)
        _figure(f"ours_first_deploy_s_{name}", ours.seconds if ours.ok else math.nan)
        _figure(f"ours_vs_ideal_{name}", ours.seconds / ideal.seconds if ours.ok else math.nan)
    for name, runs in results.items():
        _figure(f"redeploy_ratio_{name}", _ratio(runs["ours-unchanged"], runs["cicd-unchanged"]))


if __name__ == "__main__":
    main()
