"""The benchmark harness runs end to end at a tiny size, so `make bench` cannot rot
unnoticed. (Speed itself is judged by `make bench`, never by a test.)"""

from __future__ import annotations

from pathlib import Path

from bench import (
    assessment_bench,
    import_bench,
    projection_bench,
    replay_bench,
    stream_bench,
)
from bench.env import BenchServer
from bench.harness import Result, markdown, write


def test_the_replay_benchmark_reports_ratios_against_its_baselines(
    tmp_path: Path,
) -> None:
    results = replay_bench.run(BenchServer(), 2_000)
    assert [r.baseline for r in results] == ["COPY scan", "library repository"]
    assert all(r.ours > 0 and r.baseline_value > 0 for r in results)
    write(results, {"mode": "test"}, tmp_path)
    table = (tmp_path / "latest.md").read_text(encoding="utf-8")
    assert "| replay | events/s |" in table
    assert (tmp_path / "latest.json").exists()


def test_a_target_is_met_only_at_or_above_its_ratio() -> None:
    def result(ours: float) -> Result:
        return Result("b", "ops/s", ours, "base", 100.0, ">= 0.4")

    assert result(40).met is True
    assert result(39.9).met is False
    assert Result("b", "x", 1, "-", 0, "-").met is None
    assert "**no**" in markdown([result(10)], {})


def test_the_import_benchmark_reports_its_ratios_to_the_library_and_copy() -> None:
    results = import_bench.run(BenchServer(), 300)
    assert [r.baseline for r in results] == [
        "library's batched save",
        "COPY of the same rows",
    ]
    assert all(r.ours > 0 and r.baseline_value > 0 for r in results)


def test_the_projection_benchmark_projects_through_a_real_broker() -> None:
    throughput, group, memory = projection_bench.run(BenchServer(), 1_000, batch=100)
    assert throughput.baseline == "bare kafka-python consumer"
    assert throughput.ours > 0
    assert throughput.baseline_value > 0
    assert group.baseline == "one process"
    assert group.ours > 0
    assert group.baseline_value > 0
    assert memory.ours > 0


def test_an_at_most_target_is_a_ratio_ceiling() -> None:
    assert Result("b", "ms", 12, "-", 10, "<= 1.2").met is True
    assert Result("b", "ms", 12.1, "-", 10, "<= 1.2").met is False


def test_the_stream_benchmark_times_a_request_on_long_and_short_histories() -> None:
    results = stream_bench.run(BenchServer(), (150, 150))
    assert [r.benchmark for r in results] == [
        f"{what}: {phase}"
        for what in ("volunteer with 150 entries", "item with 150 redemptions")
        for phase in (
            "history written",
            "first request after restart",
            "later requests (median of 20)",
        )
    ]
    assert all(r.ours > 0 and r.baseline_value > 0 for r in results)


def test_a_below_target_is_met_only_under_that_value() -> None:
    assert Result("b", "p99 ms", 49.9, "-", 0, "< 50").met is True
    assert Result("b", "p99 ms", 50, "-", 0, "< 50").met is False


def test_an_exact_target_is_met_only_by_that_value() -> None:
    assert Result("b", "errors", 0, "-", 0, "= 0").met is True
    assert Result("b", "errors", 1, "-", 0, "= 0").met is False


def test_the_assessment_benchmark_times_the_report_and_the_exports() -> None:
    results = assessment_bench.run(BenchServer(), 20)
    row = "one row by key (a volunteer's summary)"
    assert [r.baseline for r in results] == [
        row,
        row,
        "one SQL aggregate (hours per unit)",
        "one SQL aggregate (hours per unit)",
        "COPY of the same query",
        "COPY of the same query",
        "one-day export",
        "one-day CSV export",
    ]
    assert all(r.ours > 0 and r.baseline_value > 0 for r in results)
    assert " 80 volunteers, " in results[3].benchmark  # 60 recorded, 20 copied
