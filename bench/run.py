"""Runs the benchmarks and writes bench/results/latest.{json,md}.

python -m bench.run [--quick] [--only replay,...]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from bench import (
    assessment_bench,
    http_bench,
    import_bench,
    kiosk_bench,
    projection_bench,
    replay_bench,
    stream_bench,
)
from bench.env import BenchServer
from bench.harness import Result, machine, markdown, write

#: name -> (runner, full size, quick size)
BENCHMARKS = {
    "http": (http_bench.run, 20, 2),  # seconds of load per variant
    "import": (import_bench.run, 100_000, 10_000),  # CSV rows
    "projection": (projection_bench.run, 100_000, 10_000),  # events
    "replay": (replay_bench.run, 1_000_000, 20_000),
    "kiosk": (
        kiosk_bench.run,
        kiosk_bench.Size(seconds=20, kiosks=100, accounts=1000),
        kiosk_bench.Size(seconds=2, kiosks=100, accounts=200, open_seconds=3),
    ),
    # volunteers, each with 20 hours entries
    "assessment": (assessment_bench.run, 100_000, 500),
    # entries on one volunteer (each size), then redemptions of one item
    "streams": (stream_bench.run, (1_000, 10_000, 100_000), (1_000, 1_000)),
}
OUT = Path(__file__).resolve().parent / "results"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (< 2 min)")
    parser.add_argument(
        "--only", help="comma-separated benchmarks: " + ", ".join(BENCHMARKS)
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    chosen = args.only.split(",") if args.only else list(BENCHMARKS)
    unknown = set(chosen) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmarks: {', '.join(sorted(unknown))}")
    server = BenchServer()
    results: list[Result] = []
    started = time.perf_counter()
    for name in chosen:
        runner, full, quick = BENCHMARKS[name]
        size = quick if args.quick else full
        shown = f"{size:,}" if isinstance(size, int) else size
        print(f"{name} (size {shown})", flush=True)
        results.extend(runner(server, size))
    context = {
        **machine(),
        "mode": "quick" if args.quick else "full",
        "command": "make bench" + ("-quick" if args.quick else ""),
        "wall_s": round(time.perf_counter() - started, 1),
    }
    write(results, context, OUT)
    print()
    print(markdown(results, context))
    return 0


if __name__ == "__main__":
    sys.exit(main())
