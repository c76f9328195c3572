"""Benchmark 1: recording hours over HTTP with 64 concurrent clients, against (a) the
same service saving one transaction per command (VLEDGER_GROUP_COMMIT=false) and
(b) a trivial endpoint that writes nothing (the HTTP ceiling of this machine)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.env import BenchServer, container
from bench.harness import Result, peak_rss_mib, step, tree_cpu_seconds
from domain.access import Role
from infra.settings import new_master_key
from tests.broker import free_port

CLIENTS = 64
#: API processes in the several-process rows: one per core, as `serve` starts.
CORES = os.cpu_count() or 1
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Served:
    url: str
    pid: int
    #: VmHWM of the process just before it was stopped, in MiB.
    peak_rss_mib: float = 0.0


@contextmanager
def process(args: list[str], env: dict[str, str], port: int) -> Iterator[Served]:
    url = f"http://127.0.0.1:{port}"
    child = subprocess.Popen(
        [sys.executable, *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(os.environ.get("BENCH_SERVER_LOG", os.devnull), "a"),  # noqa: SIM115
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"{args} did not start")
        served = Served(url, child.pid)
        yield served
        served.peak_rss_mib = peak_rss_mib(child.pid)
    finally:
        child.terminate()
        child.wait(timeout=30)


def ledger_env(url: str, key: str, home: Path, group_commit: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VLEDGER_")}
    return {
        **env,
        "VLEDGER_DATABASE_URL": url,
        "VLEDGER_MASTER_KEY": key,
        "VLEDGER_HOME": str(home),
        "VLEDGER_GROUP_COMMIT": "true" if group_commit else "false",
    }


def admin_token(server: BenchServer, url: str, key: str) -> str:
    """An admin token, issued in this process as `vledger token create` would
    (which takes a second more to start); this also creates the schema."""
    ledger = container(server, url, key)
    try:
        return ledger.tokens.issue(Role.ADMIN, "bench").token
    finally:
        ledger.close()


def district(url: str, token: str) -> tuple[str, list[str]]:
    from domain.identity import Gender
    from tests.factories import id_number
    from tests.integration.helpers import BIRTH

    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers) as client:
        unit = {"name": "中心", "kind": "center"}
        center = client.post("/v1/units", json=unit).json()["id"]
        people = []
        for n in range(CLIENTS):
            body = {
                "name": "王小明",
                "gender": "male",
                "birth_date": BIRTH.isoformat(),
                "id_number": id_number(BIRTH, Gender.MALE, n),
                "phone": "13812345678",
                "unit_id": center,
            }
            people.append(client.post("/v1/volunteers", json=body).json()["id"])
    return center, people


WRK_THREADS = 2
SCRIPT = Path(__file__).resolve().parent / "hours.lua"


def wrk(
    url: str, token: str, unit: str, people: list[str], seconds: float, first: int
) -> dict[str, Any]:
    """Drives the endpoint with wrk (C, so the client is not the limit)."""
    # Spans start an hour before the last full hour, so none ends in the future.
    last_hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    base = int(last_hour.timestamp()) - 3600
    out = run_wrk(
        url, SCRIPT, CLIENTS, seconds, [token, unit, str(base), str(first), *people]
    ).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"requests failed:\n{out}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50": latency_ms(out, "50%"),
        "p99": latency_ms(out, "99%"),
    }


def run_wrk(
    url: str, script: Path, connections: int, seconds: float, args: list[str]
) -> subprocess.CompletedProcess[str]:
    """wrk with `script` and its arguments; latency percentiles in its output."""
    return subprocess.run(
        [
            "wrk",
            f"-t{WRK_THREADS}",
            f"-c{connections}",
            f"-d{seconds}s",
            # A slow answer is measured, not dropped as an error after 2 s.
            "--timeout",
            "30s",
            "--latency",
            "-s",
            str(script),
            url,
            "--",
            *args,
        ],
        capture_output=True,
        text=True,
        check=True,
    )


def latency_ms(out: str, quantile: str) -> float:
    match = re.search(rf"^\s+{quantile}\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no {quantile} latency in:\n{out}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]
    return float(match.group(1)) * scale


def measure(
    served: Served, token: str, unit: str, people: list[str], seconds: float
) -> dict[str, Any]:
    """wrk's figures, and the server's CPU per request (all its processes)."""
    # Warm up on hours far back, then measure on others: spans never overlap.
    wrk(
        served.url,
        token,
        unit,
        people,
        min(2, max(1, int(seconds // 3))),
        first=200_000,
    )
    cpu = tree_cpu_seconds(served.pid)
    measured = wrk(served.url, token, unit, people, seconds, first=0)
    cpu = tree_cpu_seconds(served.pid) - cpu
    return {**measured, "cpu_ms": 1000 * cpu / (measured["rps"] * seconds)}


def run_ledger(
    server: BenchServer, seconds: float, group_commit: bool, workers: int = 1
) -> dict[str, Any]:
    key = new_master_key()
    with server.database() as db_url:
        token = admin_token(server, db_url, key)
        env = ledger_env(db_url, key, server.home / "http", group_commit)
        port = free_port()
        with serve(env, port, workers) as served:
            unit, people = district(served.url, token)
            measured = measure(served, token, unit, people, seconds)
        return {**measured, "peak_rss_mib": served.peak_rss_mib}


def run_trivial(seconds: float, workers: int = 1) -> dict[str, Any]:
    port = free_port()
    args = ["-m", "bench.trivial_app", "--port", str(port), "--workers", str(workers)]
    with process(args, dict(os.environ), port) as served:
        people = [f"v{n}" for n in range(CLIENTS)]
        trivial = measure(served, "none", "none", people, seconds)
    return {**trivial, "peak_rss_mib": served.peak_rss_mib}


def serve(
    env: dict[str, str], port: int, workers: int = 1
) -> AbstractContextManager[Served]:
    args = ["-m", "entrypoints.cli", "serve", "--port", str(port)]
    return process([*args, "--workers", str(workers)], env, port)


def run(server: BenchServer, seconds: int) -> list[Result]:
    with step("group commit"):
        ours = run_ledger(server, seconds, group_commit=True)
    with step("one transaction per command"):
        single = run_ledger(server, seconds, group_commit=False)
    with step("trivial endpoint"):
        trivial = run_trivial(seconds)
    with step(f"group commit, {CORES} worker processes"):
        ours_n = run_ledger(server, seconds, group_commit=True, workers=CORES)
    with step(f"trivial endpoint, {CORES} worker processes"):
        trivial_n = run_trivial(seconds, workers=CORES)
    name = f"hours over HTTP, {CLIENTS} clients"
    several = f"hours over HTTP, {CLIENTS} clients, {CORES} API processes"
    return [
        Result(
            name,
            "requests/s",
            ours["rps"],
            "one transaction per command",
            single["rps"],
            ">= 3",
        ),
        Result(
            name,
            "requests/s",
            ours["rps"],
            "trivial endpoint",
            trivial["rps"],
            ">= 0.5",
        ),
        Result(
            name,
            "p50 ms (lower is better)",
            ours["p50"],
            "one transaction per command",
            single["p50"],
            "-",
        ),
        Result(
            name,
            "p99 ms (lower is better)",
            ours["p99"],
            "one transaction per command",
            single["p99"],
            "-",
        ),
        Result(
            several,
            "requests/s",
            ours_n["rps"],
            f"trivial endpoint, {CORES} processes",
            trivial_n["rps"],
            ">= 0.5",
        ),
        Result(
            several,
            "requests/s",
            ours_n["rps"],
            "one API process",
            ours["rps"],
            "-",
        ),
        Result(
            name,
            "server CPU ms per request (lower is better)",
            ours["cpu_ms"],
            "trivial endpoint",
            trivial["cpu_ms"],
            "-",
        ),
        Result(
            "memory: API process",
            "peak RSS MiB (lower is better)",
            ours["peak_rss_mib"],
            "trivial endpoint process",
            trivial["peak_rss_mib"],
            "-",
        ),
    ]
