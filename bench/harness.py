"""Results, the machine they were measured on, and the JSON and Markdown tables."""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Result:
    benchmark: str
    metric: str
    ours: float
    baseline: str
    baseline_value: float
    target: str

    @property
    def ratio(self) -> float:
        if self.baseline_value == 0:
            return float("inf")
        return self.ours / self.baseline_value

    @property
    def met(self) -> bool | None:
        """Targets read `>= 0.4` or `>= 3` (a ratio at least), `<= 1.2` (a ratio
        at most), `= 0` or `< 50` (the value itself: a count of errors, a latency)
        or `-` (none)."""
        if self.target.startswith("<="):
            return self.ratio <= float(self.target.removeprefix("<=").strip())
        if self.target.startswith(">="):
            return self.ratio >= float(self.target.removeprefix(">=").strip())
        if self.target.startswith("="):
            return self.ours == float(self.target.removeprefix("=").strip())
        if self.target.startswith("<"):
            return self.ours < float(self.target.removeprefix("<").strip())
        return None

    def row(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": round(self.ratio, 3), "met": self.met}


@dataclass(frozen=True)
class Timed:
    seconds: float
    value: Any


def timed(work: Callable[[], T]) -> Timed:
    start = time.perf_counter()
    value = work()
    return Timed(time.perf_counter() - start, value)


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def markdown(results: list[Result], context: dict[str, Any]) -> str:
    lines = [
        "| benchmark | metric | ours | baseline | baseline value | ratio | target "
        "| met |",
        "|---|---|---:|---|---:|---:|---|---|",
    ]
    for r in results:
        met = {True: "yes", False: "**no**", None: "–"}[r.met]
        ratio = "–" if r.baseline == "-" else f"{r.ratio:.2f}"
        lines.append(
            f"| {r.benchmark} | {r.metric} | {r.ours:,.1f} | {r.baseline} | "
            f"{r.baseline_value:,.1f} | {ratio} | {r.target} | {met} |"
        )
    described = ", ".join(f"{k}: {v}" for k, v in context.items())
    return "\n".join(lines) + f"\n\n{described}\n"


def write(results: list[Result], context: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(
        json.dumps(
            {"context": context, "results": [r.row() for r in results]},
            indent=2,
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    (out / "latest.md").write_text(markdown(results, context), encoding="utf-8")


def peak_rss_mib(pid: int | str = "self") -> float:
    """The process's peak resident set (VmHWM) since start or the last reset."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its descendants, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it ended meanwhile
        child = int(stat.parent.name)
        parents[child] = int(fields[1])
        used[child] = (int(fields[11]) + int(fields[12])) / ticks
    tree, grew = {pid}, True
    while grew:
        found = {p for p, parent in parents.items() if parent in tree} - tree
        tree |= found
        grew = bool(found)
    return sum(used.get(p, 0.0) for p in tree)


def reset_peak_rss() -> None:
    """Starts this process's VmHWM afresh (Linux >= 4.0: clear_refs value 5)."""
    Path("/proc/self/clear_refs").write_text("5")


@contextmanager
def step(name: str) -> Iterator[None]:
    start = time.perf_counter()
    print(f"  {name} ...", flush=True)
    yield
    print(f"  {name}: {time.perf_counter() - start:.1f} s", flush=True)
