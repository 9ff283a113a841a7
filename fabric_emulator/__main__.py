"""Command line: ``python -m fabric_emulator [--port 8765] [--http] ...``."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from fabric_emulator import __version__
from fabric_emulator._app import Emulator
from fabric_emulator._clock import EmulatorClock
from fabric_emulator._config import EmulatorConfig, Profile
from fabric_emulator._directory import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from fabric_emulator._faults import FaultRule
from fabric_emulator._server import EmulatorServer


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m fabric_emulator",
        description="A local Microsoft cloud (Entra, Fabric REST API...) for fabric-action.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="main port (default 8765)")
    parser.add_argument(
        "--redirect-port", type=int, default=0, help="port of the redirect host (default: free)"
    )
    parser.add_argument("--http", action="store_true", help="serve plain HTTP instead of HTTPS")
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=Path(".emulator"),
        help="where the CA and signing key are kept (default .emulator)",
    )
    parser.add_argument("--state-file", type=Path, help="persist state to this JSON file")
    parser.add_argument("--seed-file", type=Path, help="JSON state to start from")
    parser.add_argument("--faults", type=Path, help="JSON fault plan to start with")
    parser.add_argument("--seed", type=int, default=0, help="seed of random faults (default 0)")
    parser.add_argument(
        "--profile", choices=[p.value for p in Profile], default=Profile.DEFAULT.value
    )
    parser.add_argument("--page-size", type=int, default=10_000, help="items per list page")
    parser.add_argument(
        "--lro-duration-s", type=float, default=0.0, help="emulator seconds an LRO runs"
    )
    parser.add_argument(
        "--clock-scale", type=float, default=1.0, help="emulator seconds per real second"
    )
    parser.add_argument("--version", action="version", version=__version__)
    return parser


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SystemExit(f"error: cannot read {what} {path}: {exc}") from exc


def main(argv: list[str] | None = None) -> int:
    """Start the emulator and serve until interrupted."""
    args = _parser().parse_args(argv)
    config = EmulatorConfig(
        profile=Profile(args.profile),
        page_size=args.page_size,
        lro_duration_s=args.lro_duration_s,
        seed=args.seed,
    )
    emulator = Emulator(
        config=config,
        clock=EmulatorClock(scale=args.clock_scale),
        state_dir=args.state_dir,
        state_file=args.state_file,
    )
    if args.seed_file:
        emulator.load_state(_read_json(args.seed_file, "seed file"))
    if args.faults:
        plan = _read_json(args.faults, "fault plan")
        try:
            emulator.faults.configure(
                [FaultRule.from_json(rule) for rule in plan.get("rules", [])],
                seed=plan.get("seed", args.seed),
                quota_per_minute=plan.get("quota_per_minute"),
            )
        except (TypeError, ValueError) as exc:
            raise SystemExit(f"error: invalid fault plan {args.faults}: {exc}") from exc
    server = EmulatorServer(
        emulator=emulator,
        host=args.host,
        port=args.port,
        redirect_port=args.redirect_port,
        tls=not args.http,
        state_dir=args.state_dir,
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        server.start()
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    print(f"fabric-emulator {__version__} listening on {server.base_url}", flush=True)
    print(f"  redirect host: {server.redirect_base_url}", flush=True)
    if server.ca_path:
        print(f"  CA certificate: {server.ca_path.resolve()}", flush=True)
    print(f"  tenant: {config.tenant}  client id: {DEFAULT_CLIENT_ID}", flush=True)
    print(f"  client secret: {DEFAULT_CLIENT_SECRET} (a published test credential)", flush=True)
    stop.wait()
    server.stop()
    emulator.save_state()
    return 0


if __name__ == "__main__":
    sys.exit(main())
