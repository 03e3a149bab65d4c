"""The benchmark's arithmetic and report, without running a benchmark (timings are never asserted)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tools.benchmark import cost
from tools.benchmark.cold import ColdRow, ColdRun
from tools.benchmark.report import Results, render
from tools.common.stats import Summary, percentile


def test_benchmark_percentile_is_an_observed_value() -> None:
    values = [float(value) for value in range(1, 21)]
    assert percentile(values, 0.95) == 19.0
    assert percentile(values, 0.5) == 10.0
    assert Summary.of([3.0, 1.0, 2.0]) == Summary(median=2.0, p95=3.0, mean=2.0, count=3)


@pytest.mark.parametrize(("peak", "memory"), [(50, 128), (227, 320), (256, 320), (400, 512)])
def test_benchmark_memory_setting_leaves_a_quarter_of_headroom(peak: float, memory: int) -> None:
    assert cost.memory_setting(peak) == memory


def test_benchmark_lambda_gb_seconds_do_not_depend_on_memory_below_one_vcpu() -> None:
    small, full = cost.lambda_cost(40.0, 320), cost.lambda_cost(40.0, cost.FULL_VCPU_MB)
    assert full.duration_ms == 40.0
    assert small.duration_ms > full.duration_ms
    assert small.gb_seconds == pytest.approx(full.gb_seconds)
    assert full.usd_per_1000 == pytest.approx(1000 * (1.769 / 1.024 * 0.04 * 0.0000166667 + 0.2e-6), rel=1e-3)


def test_benchmark_comprehend_bills_both_apis_with_a_three_unit_minimum() -> None:
    assert cost.comprehend_units(50) == 3
    assert cost.comprehend_units(301) == 4
    assert cost.comprehend_usd_per_1000([50, 301]) == pytest.approx(1000 * (3 + 4) * 2 * 0.0001 / 2)


def test_benchmark_report_renders_missing_sections_and_errors() -> None:
    now = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    row = ColdRow(
        "Précis core: import + `Summariser.load` + `summarise`", [ColdRun(1.2, 0.02, 0.6, 0.4, 0.1, 190)]
    )
    results = Results(
        now, now, "bench", "fr_core_news_sm", {"CPUs": "2"}, ("1", "2"), [("spacy", "3.8")], cold=[row]
    )
    results.errors["end-to-end"] = "RuntimeError: stack not ready"
    text = render(results)
    assert "Run of **2026-01-02 03:04 UTC**" in text
    assert "| Cold start, core (s) | 1.20 | ≤ 1.5 s | yes |" in text
    assert "**end-to-end not measured**: RuntimeError: stack not ready" in text
    assert text.count("Not measured.") == 5  # warm, throughput, end to end, peers, query
