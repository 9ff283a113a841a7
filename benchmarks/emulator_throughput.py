"""Emulator throughput: authenticated Fabric calls over HTTPS keep-alive connections.

Drives 8 concurrent clients, then 128, each with its own keep-alive ``requests.Session``,
against an in-process HTTPS emulator, calling ``GET /v1/capacities`` (token checked,
routed, paged, logged: the full pipeline). A baseline of the unauthenticated health route
in the same run shows what the pipeline itself costs.

A benchmark, not a gate. The last line is ``emulator_rps=N``: requests per second with
128 clients (the harder case).

    python benchmarks/emulator_throughput.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import threading
import time

import requests

from fabric_emulator.testing import RunningEmulator, running_emulator

_TIMEOUT_S = (5.0, 30.0)


def _drive(emulator: RunningEmulator, url: str, clients: int, seconds: float, token: str) -> float:
    """Run ``clients`` threads calling ``url`` for ``seconds``; return requests per second."""
    counts = [0] * clients
    failures: list[str] = []
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client(index: int) -> None:
        session = requests.Session()
        session.trust_env = False
        session.verify = emulator.verify
        session.headers["Authorization"] = f"Bearer {token}"
        session.get(url, timeout=_TIMEOUT_S)  # open the keep-alive connection first
        start.wait()
        while time.monotonic() < deadline[0]:
            response = session.get(url, timeout=_TIMEOUT_S)
            if response.status_code != 200:
                failures.append(f"{response.status_code} {response.text[:200]}")
                break
            counts[index] += 1
        session.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    deadline[0] = time.monotonic() + seconds + 0.05
    started = time.monotonic()
    start.wait()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    elapsed = time.monotonic() - started
    if failures:
        raise SystemExit(f"benchmark call failed: {failures[0]}")
    return sum(counts) / elapsed


def main() -> None:
    """Measure and print the figures; the last line is ``emulator_rps=N``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each phase")
    args = parser.parse_args()
    with running_emulator() as emulator:
        token = emulator.fabric_token()
        fabric_url = f"{emulator.base_url}/v1/capacities"
        health_url = f"{emulator.base_url}/_emulator/health"
        baseline = _drive(emulator, health_url, 8, args.seconds, token)
        print(f"baseline (health route, 8 clients): {baseline:.0f} requests/s")
        results = {}
        for clients in (8, 128):
            results[clients] = _drive(emulator, fabric_url, clients, args.seconds, token)
            print(f"GET /v1/capacities, {clients} keep-alive clients: {results[clients]:.0f} rps")
        print(f"pipeline cost ratio (health/fabric at 8 clients): {baseline / results[8]:.2f}")
    print(f"emulator_rps={results[128]:.0f}")


if __name__ == "__main__":
    main()
