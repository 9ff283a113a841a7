#!/usr/bin/env bash
# Build the action's own Dockerfile with podman and run the image the way the GitHub
# runner runs a Docker action, then check the step output it wrote. Then run `deploy` of
# examples/sales-analytics in the image (as two steps: a dry run, then the apply of its
# plan) against fabric_emulator started inside the same container, still with
# --network none, and check the deploy outputs and job summaries each step wrote.
#
# Runs as root, non-interactively, on a Debian 12 machine with no Docker engine and no
# registry access: it installs podman/runc/debootstrap if missing, builds a local Python
# base image with debootstrap once (localhost/pybase:bookworm), and never pulls. Safe to
# run again: the base image and build layers are reused, the run directory is recreated.
#
# Work files live in .container-test/ (gitignored). To rebuild the base image (for
# example after the host's CA certificates change): podman rmi localhost/pybase:bookworm
set -Eeuo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly REPO_ROOT
readonly WORK_DIR="$REPO_ROOT/.container-test"
readonly SUITE="bookworm"
readonly BASE_IMAGE="localhost/pybase:$SUITE"
readonly IMAGE="localhost/fabric-action:test"
readonly HOST_CA_DIR="/usr/local/share/ca-certificates"

log() { printf '[container-test] %s\n' "$*"; }
die() {
    printf '[container-test] FAIL: %s\n' "$*" >&2
    exit 1
}
trap 'die "command failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR

declare -a TIMINGS=()
PHASE_NAME=""
PHASE_START=""
SCRIPT_START="$EPOCHREALTIME"
elapsed_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
phase_begin() {
    PHASE_NAME="$1"
    PHASE_START="$EPOCHREALTIME"
    log "== $PHASE_NAME"
}
phase_end() {
    local seconds
    seconds="$(elapsed_since "$PHASE_START")"
    TIMINGS+=("$(printf '%-44s %7ss' "$PHASE_NAME" "$seconds")")
    log "   $PHASE_NAME: ${seconds}s"
}

require_root() {
    [[ "$(id -u)" -eq 0 ]] || die "run as root: apt-get, debootstrap and rootful podman need it"
}

# Install the tools that are missing; apt-get runs only when something is.
ensure_host_tools() {
    local -A package_of=([podman]=podman [runc]=runc [debootstrap]=debootstrap [python3]=python3)
    local -a missing=()
    local tool
    for tool in "${!package_of[@]}"; do
        command -v "$tool" >/dev/null 2>&1 || missing+=("${package_of[$tool]}")
    done
    if ((${#missing[@]} == 0)); then
        log "host tools present"
        return
    fi
    log "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq </dev/null
    apt-get install -y -qq "${missing[@]}" </dev/null >/dev/null
}

# crun cannot run here (cgroups in hybrid mode), podman's default open-file limit is above
# the host's hard limit, and there is no systemd: so runc, no default ulimits, cgroupfs.
write_containers_conf() {
    mkdir -p "$WORK_DIR"
    cat >"$WORK_DIR/containers.conf" <<'EOF'
[containers]
default_ulimits = []

[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
EOF
    export CONTAINERS_CONF="$WORK_DIR/containers.conf"
}

# Print the Debian mirror apt already uses for $SUITE (one-line or deb822 sources).
debian_mirror() {
    local -a files=()
    local file
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
        /etc/apt/sources.list.d/*.sources; do
        if [[ -f "$file" ]]; then
            files+=("$file")
        fi
    done
    ((${#files[@]} > 0)) || return 1
    awk -v suite="$SUITE" '
        function flush() {
            if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") && enabled != "no" && uris != "") {
                split(uris, u, " "); print u[1]; found = 1; exit
            }
            types = ""; uris = ""; suites = ""; enabled = ""
        }
        FNR == 1 { flush() }
        /^[[:space:]]*#/ { next }
        FILENAME ~ /\.list$|sources\.list$/ {
            line = $0; sub(/\[[^]]*\][[:space:]]*/, "", line); n = split(line, f, " ")
            if (f[1] == "deb" && f[3] == suite) { print f[2]; found = 1; exit }
            next
        }
        /^[[:space:]]*$/ { flush(); next }
        /^Types:/   { sub(/^Types:[[:space:]]*/, "");   types = $0 }
        /^URIs:/    { sub(/^URIs:[[:space:]]*/, "");    uris = $0 }
        /^Suites:/  { sub(/^Suites:[[:space:]]*/, "");  suites = $0 }
        /^Enabled:/ { sub(/^Enabled:[[:space:]]*/, ""); enabled = tolower($0) }
        END { if (!found) flush(); if (!found) exit 1 }
    ' "${files[@]}"
}

# A stand-in for python:3.12-slim that needs no registry: Debian's python3 with pip usable
# as in the official image, trusting the same extra CAs as the host (PyPI is reached
# through a TLS gateway whose CA only the host's store knows).
build_base_image() {
    local mirror rootfs="$WORK_DIR/rootfs"
    mirror="$(debian_mirror)" || die "no '$SUITE' Debian mirror found in /etc/apt/sources.list{,.d/}"
    log "debootstrap $SUITE from $mirror"
    rm -rf "$rootfs"
    debootstrap --variant=minbase \
        --include=python3,python3-venv,python3-pip,python-is-python3,ca-certificates \
        "$SUITE" "$rootfs" "$mirror" </dev/null >"$WORK_DIR/debootstrap.log" 2>&1 ||
        die "debootstrap failed; see $WORK_DIR/debootstrap.log"

    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* \
        "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
    rm -f "$rootfs"/usr/lib/python3*/EXTERNALLY-MANAGED
    ln -sf /usr/bin/python3 "$rootfs/usr/local/bin/python"
    ln -sf /usr/bin/python3 "$rootfs/usr/local/bin/python3"
    rm -f "$rootfs/etc/resolv.conf"
    : >"$rootfs/etc/resolv.conf"
    if compgen -G "$HOST_CA_DIR/*" >/dev/null; then
        log "adding host CA certificates: $(cd "$HOST_CA_DIR" && echo *)"
        cp -a "$HOST_CA_DIR/." "$rootfs/usr/local/share/ca-certificates/"
    fi
    chroot "$rootfs" update-ca-certificates >/dev/null

    tar --numeric-owner -C "$rootfs" -cf - . |
        podman import --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]' - "$BASE_IMAGE" >/dev/null
    rm -rf "$rootfs"
}

ensure_base_image() {
    if podman image exists "$BASE_IMAGE"; then
        log "base image $BASE_IMAGE present"
    else
        build_base_image
    fi
}

# Forward the host's package-index settings into the build when they point at an
# http(s) index (a private mirror); file:// indexes and find-links are host paths the
# build cannot see, so they are reported and left out.
PIP_BUILD_ARGS=()
collect_pip_build_args() {
    local line
    while IFS= read -r line; do
        case "$line" in
        ARG\ *) PIP_BUILD_ARGS+=(--build-arg "${line#ARG }") ;;
        *) log "$line" ;;
        esac
    done < <(python3 - <<'PY'
import os, shlex, subprocess, sys

PRECEDENCE = (":env:", "site", "user", "global")  # highest first, as pip applies them
KEYS = {"index-url": "PIP_INDEX_URL", "extra-index-url": "PIP_EXTRA_INDEX_URL",
        "trusted-host": "PIP_TRUSTED_HOST"}
found: dict[str, dict[str, str]] = {}
try:
    listing = subprocess.run([sys.executable, "-m", "pip", "config", "list"],
                             capture_output=True, text=True, check=True).stdout
except (OSError, subprocess.CalledProcessError):
    listing = ""
for line in listing.splitlines():
    key, _, raw = line.partition("=")
    variant, _, name = key.rpartition(".")
    if name in KEYS:
        found.setdefault(name, {})[variant] = " ".join(shlex.split(raw))
settings = {}
for name, env_name in KEYS.items():
    value = os.environ.get(env_name) or next(
        (found[name][v] for v in PRECEDENCE if v in found.get(name, {})), "")
    if value:
        settings[name] = value
for name in ("index-url", "extra-index-url"):
    urls = settings.get(name, "").split()
    remote = [u for u in urls if u.startswith(("http://", "https://"))]
    skipped = [u for u in urls if u not in remote]
    if skipped:
        print(f"host pip {name} not forwarded (not reachable from the build): {' '.join(skipped)}")
    if remote:
        if any("@" in u.split("//", 1)[1].split("/", 1)[0] for u in remote):
            print(f"warning: host pip {name} carries credentials; they end up in the local "
                  "test image's history (never pushed)")
        print(f"ARG {KEYS[name]}={' '.join(remote)}")
if settings.get("trusted-host") and any(a in settings for a in ("index-url", "extra-index-url")):
    print(f"ARG PIP_TRUSTED_HOST={settings['trusted-host']}")
PY
    )
    if ((${#PIP_BUILD_ARGS[@]} == 0)); then
        log "no host pip index settings to forward; the build uses pip's default index"
    else
        log "forwarding host pip settings: ${PIP_BUILD_ARGS[*]}"
    fi
}

build_image() {
    local old_id new_id
    old_id="$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
    podman build --pull=never --network host \
        --build-arg "BASE_IMAGE=$BASE_IMAGE" "${PIP_BUILD_ARGS[@]}" \
        -t "$IMAGE" -f "$REPO_ROOT/Dockerfile" "$REPO_ROOT" </dev/null
    new_id="$(podman image inspect --format '{{.Id}}' "$IMAGE")"
    # Drop the image this tag pointed at before, by id (never a blanket prune).
    if [[ -n "$old_id" && "$old_id" != "$new_id" ]]; then
        podman rmi "$old_id" >/dev/null 2>&1 || log "note: could not remove old image $old_id"
    fi
}

# The runner's ContainerActionHandler: --rm, --workdir /github/workspace, GITHUB_ACTIONS
# and CI set, file-command paths under /github/file_commands, four bind mounts.
RUN_DIR="$WORK_DIR/run"
OUTPUT_FILE=""
RUNNER_OPTIONS=()
prepare_run_dir() {
    rm -rf "$RUN_DIR"
    mkdir -p "$RUN_DIR"/{workspace,home,file_commands,workflow}
    RUNNER_OPTIONS=(
        --rm --pull=never --network none --workdir /github/workspace
        -e GITHUB_ACTIONS=true -e CI=true
        -e GITHUB_WORKSPACE=/github/workspace
        -e HOME=/github/home
        -v "$RUN_DIR/workspace:/github/workspace"
        -v "$RUN_DIR/home:/github/home"
        -v "$RUN_DIR/file_commands:/github/file_commands"
        -v "$RUN_DIR/workflow:/github/workflow"
    )
}

run_like_github_runner() {
    local id
    id="$(cat /proc/sys/kernel/random/uuid)"
    OUTPUT_FILE="$RUN_DIR/file_commands/set_output_$id"
    : >"$OUTPUT_FILE"
    : >"$RUN_DIR/file_commands/step_summary_$id"
    local status=0
    podman run "${RUNNER_OPTIONS[@]}" \
        -e "GITHUB_OUTPUT=/github/file_commands/set_output_$id" \
        -e "GITHUB_STEP_SUMMARY=/github/file_commands/step_summary_$id" \
        "$IMAGE" version </dev/null >"$RUN_DIR/stdout.log" 2>"$RUN_DIR/stderr.log" || status=$?
    sed 's/^/    | /' "$RUN_DIR/stdout.log" "$RUN_DIR/stderr.log"
    ((status == 0)) || die "the container exited with $status"
}

# The runner's FileCommandManager (Linux path) as a module the checks below import: LF
# framing, exact delimiter match, the LF before the delimiter not part of the value.
write_runner_parser() {
    cat >"$WORK_DIR/runner_file_commands.py" <<'PY'
import sys


def fail(message: str) -> None:
    sys.exit(f"[container-test] FAIL: {message}")


def read_line(text: str, index: int) -> tuple[str | None, int, bool]:
    if index >= len(text):
        return None, index, False
    end = text.find("\n", index)
    if end < 0:
        return text[index:], len(text), False
    return text[index:end], end + 1, True


def parse(text: str) -> tuple[dict[str, str], list[str]]:
    outputs: dict[str, str] = {}
    delimiters: list[str] = []
    line, index, _ = read_line(text, 0)
    while line is not None:
        if line:
            eq, heredoc = line.find("="), line.find("<<")
            if eq >= 0 and (heredoc < 0 or eq < heredoc):
                name, value = line.split("=", 1)
            elif heredoc >= 0:
                name, delimiter = line.split("<<", 1)
                if not name or not delimiter:
                    fail(f"invalid heredoc header {line!r}")
                delimiters.append(delimiter)
                start = end = index
                current, index, had_newline = read_line(text, index)
                while current != delimiter:
                    if current is None:
                        fail(f"matching delimiter not found {delimiter!r}")
                    if not had_newline:
                        fail("EOF marker missing new line")
                    end = index - 1
                    current, index, had_newline = read_line(text, index)
                value = text[start:end] if end > start else ""
            else:
                fail(f"invalid format {line!r}")
            if not name:
                fail(f"empty output name in {line!r}")
            outputs[name] = value
        line, index, _ = read_line(text, index)
    return outputs, delimiters


def read_outputs(path: str) -> tuple[dict[str, str], list[str], str]:
    raw = open(path, "rb").read()
    if not raw:
        fail(f"{path} is empty: the action wrote no step output")
    if b"\r" in raw:
        fail(f"{path} contains CR; the Linux runner frames records with LF only")
    text = raw.decode("utf-8")
    outputs, delimiters = parse(text.removeprefix("\ufeff"))
    return outputs, delimiters, text
PY
}

# Compare the version output with pyproject.toml.
verify_output() {
    python3 - "$WORK_DIR" "$OUTPUT_FILE" "$REPO_ROOT/pyproject.toml" "$RUN_DIR/stdout.log" <<'PY'
import re, sys, tomllib

work_dir, output_path, pyproject_path, stdout_path = sys.argv[1:5]
sys.path.insert(0, work_dir)
from runner_file_commands import fail, read_outputs

outputs, delimiters, text = read_outputs(output_path)
with open(pyproject_path, "rb") as pyproject:
    expected = tomllib.load(pyproject)["project"]["version"]
if outputs != {"version": expected}:
    fail(f"expected outputs {{'version': {expected!r}}}, got {outputs!r}\n{text}")
uuid4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
if not delimiters or not all(re.fullmatch(f"ghadelimiter_{uuid4}", d) for d in delimiters):
    fail(f"expected heredoc records with a ghadelimiter_<uuid4> delimiter, got {delimiters!r}")
if f"fabric-action {expected}" not in open(stdout_path, encoding="utf-8").read().splitlines():
    fail(f"the container did not print 'fabric-action {expected}'")
print(f"[container-test] OK: step output version={expected} (heredoc, LF, {delimiters[0]})")
PY
}

# Two deploy steps of one job, in ONE container (--network none): the emulator runs inside
# it on 127.0.0.1, the example project is the checked-out workspace (no .git, as the
# example's .env is then accepted without git), and the action's entry point runs twice
# with the runner's INPUT_* variables and a fresh output/summary file per step: a dry run
# that saves the plan, then the apply of exactly that plan with a report.
deploy_in_container() {
    cp -a "$REPO_ROOT/examples/sales-analytics/." "$RUN_DIR/workspace/"
    rm -rf "$RUN_DIR/workspace/.fabric-action" "$RUN_DIR/workspace/.env"
    cp "$RUN_DIR/workspace/.env.example" "$RUN_DIR/workspace/.env"
    local step
    for step in plan apply; do
        : >"$RUN_DIR/file_commands/set_output_$step"
        : >"$RUN_DIR/file_commands/step_summary_$step"
    done
    local status=0
    podman run "${RUNNER_OPTIONS[@]}" \
        -e INPUT_COMMAND=deploy -e INPUT_CONFIG=fabric-action.yml -e INPUT_ENVIRONMENT=local \
        --entrypoint sh "$IMAGE" -c '
set -eu
python -m fabric_emulator --port 8765 --redirect-port 8766 --state-dir /tmp/emulator \
    >/tmp/emulator.log 2>&1 &
emulator=$!
trap "kill $emulator 2>/dev/null || true" EXIT
tries=0
until grep -q "listening on" /tmp/emulator.log; do
    tries=$((tries + 1))
    if [ "$tries" -gt 300 ] || ! kill -0 "$emulator" 2>/dev/null; then
        echo "the emulator did not start:" >&2; cat /tmp/emulator.log >&2; exit 1
    fi
    sleep 0.1
done
eval "$(python local_emulator.py --url https://127.0.0.1:8765 \
    --redirect-url https://localhost:8766 --ca /tmp/emulator/emulator-ca.pem)"
echo "== step plan"
GITHUB_OUTPUT=/github/file_commands/set_output_plan \
GITHUB_STEP_SUMMARY=/github/file_commands/step_summary_plan \
INPUT_DRYRUN=true INPUT_PLANOUT=plan/local.json \
    python /app/entrypoint.py "$INPUT_COMMAND"
echo "== step apply"
GITHUB_OUTPUT=/github/file_commands/set_output_apply \
GITHUB_STEP_SUMMARY=/github/file_commands/step_summary_apply \
INPUT_DRYRUN=False INPUT_PLAN=plan/local.json INPUT_REPORT=report/local.json \
    python /app/entrypoint.py "$INPUT_COMMAND"
' </dev/null >"$RUN_DIR/deploy-stdout.log" 2>"$RUN_DIR/deploy-stderr.log" || status=$?
    sed 's/^/    | /' "$RUN_DIR/deploy-stdout.log" "$RUN_DIR/deploy-stderr.log"
    ((status == 0)) || die "the deploy container exited with $status"
}

# The outputs each step set, its job summary, and no secret in any of it.
verify_deploy() {
    python3 - "$WORK_DIR" "$RUN_DIR" <<'PY'
import json, sys
from pathlib import Path

work_dir, run_dir = sys.argv[1], Path(sys.argv[2])
sys.path.insert(0, work_dir)
from runner_file_commands import fail, read_outputs

SECRET = "emulator-secret"
ITEMS = 8  # examples/sales-analytics: 6 in engineering, 2 in reporting
workspace, commands = run_dir / "workspace", run_dir / "file_commands"
stdout = (run_dir / "deploy-stdout.log").read_text(encoding="utf-8")
report = json.loads((workspace / "report/local.json").read_text(encoding="utf-8"))
writes = sum(w["writes_planned"] for w in report["workspaces"])
common = {"changes": str(writes), "created": str(ITEMS), "updated": "0", "deleted": "0",
          "failed": "0", "drift": "0", "plan": "plan/local.json"}
expected = {
    "plan": {**common, "status": "planned"},
    "apply": {**common, "status": "succeeded", "report": "report/local.json"},
}
markdown = {"plan": workspace / "plan/local.md", "apply": workspace / "report/local.md"}
for step, wanted in expected.items():
    outputs, _, text = read_outputs(str(commands / f"set_output_{step}"))
    summary_line = outputs.pop("summary", "")
    if outputs != wanted:
        fail(f"step {step}: expected outputs {wanted!r}, got {outputs!r}\n{text}")
    if not summary_line.startswith(f"sales-analytics/local: {wanted['status']}, {writes} changes"):
        fail(f"step {step}: unexpected summary output {summary_line!r}")
    summary = (commands / f"step_summary_{step}").read_bytes()
    if b"\r" in summary:
        fail(f"step {step}: the job summary has CR line ends")
    if summary.decode("utf-8").rstrip("\n") != markdown[step].read_text("utf-8").rstrip("\n"):
        fail(f"step {step}: the job summary is not {markdown[step].name}:\n{summary.decode()}")
    print(f"[container-test] OK: step {step}: {summary_line}; summary {len(summary)} bytes")
for path in commands.iterdir():
    if SECRET in path.read_text(encoding="utf-8"):
        fail(f"the client secret leaked into {path.name}")
masks = [line for line in stdout.splitlines() if SECRET in line]
if len(masks) != 2 or not all(line.startswith("::add-mask") for line in masks):
    fail(f"the client secret should appear only in one add-mask line per step, got {masks!r}")
print("[container-test] OK: the client secret appears only in ::add-mask:: lines")
PY
}

main() {
    require_root
    phase_begin "host tools"
    ensure_host_tools
    write_containers_conf
    phase_end
    phase_begin "base image $BASE_IMAGE"
    ensure_base_image
    phase_end
    phase_begin "podman build $IMAGE"
    collect_pip_build_args
    build_image
    phase_end
    prepare_run_dir
    write_runner_parser
    phase_begin "run like the GitHub runner"
    run_like_github_runner
    phase_end
    phase_begin "check GITHUB_OUTPUT"
    verify_output
    phase_end
    phase_begin "deploy with an emulator in the container"
    deploy_in_container
    phase_end
    phase_begin "check deploy outputs and job summary"
    verify_deploy
    phase_end
    log "timings:"
    printf '    %s\n' "${TIMINGS[@]}"
    log "total $(elapsed_since "$SCRIPT_START")s"
}

main "$@"
