"""The benchmark's arithmetic and report, without running a benchmark (timings are never asserted)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tools.benchmark import cost
from tools.benchmark.cold import ColdRow, ColdRun
from tools.benchmark.lambda_cold import FUNCTION_LABEL, STOCK_LABEL, LambdaCold, Phase, PhasedRow, PhasedRun
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
    assert text.count("Not measured.") == 6  # warm, throughput, end to end, peers, query, Lambda


def phased(interpreter: float, first: float, **others: float) -> PhasedRun:
    phases = {"interpreter": Phase(interpreter, interpreter / 2), "first article": Phase(first, first)}
    return PhasedRun({**phases, **{name.replace("_", " "): Phase(v, v) for name, v in others.items()}}, 200)


def test_benchmark_lambda_row_reports_phases_and_the_per_round_ratio() -> None:
    now = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    stock = PhasedRow(
        STOCK_LABEL, [phased(0.1, 0.3, imports=1.0, model_load=3.6), phased(0.1, 0.3, imports=2.0)]
    )
    function = PhasedRow(FUNCTION_LABEL, [phased(0.1, 0.1, imports=0.8), phased(0.1, 0.1, imports=0.1)])
    results = Results(now, now, "bench", "fr_core_news_sm", {}, ("1", "2"), [], lambda_cold=None)
    results.lambda_cold = LambdaCold(stock, function, "/usr/bin/python3.12")

    text = render(results)
    assert results.lambda_cold.ratios == pytest.approx([1.0 / 5.0, 0.3 / 2.4])
    assert "| Cold start under Lambda's conditions / stock spaCy (same run) | 0.16 | ≤ 0.2x | yes |" in text
    row = next(line for line in text.splitlines() if line.startswith(f"| {FUNCTION_LABEL}"))
    assert "| 0.10 / 0.05 | 0.45 / 0.45 | – | – | – | 0.10 / 0.10 | 200 |" in row


def test_benchmark_lambda_row_says_why_it_did_not_run() -> None:
    now = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    missing = PhasedRow(
        FUNCTION_LABEL, error="SummariseFunction missing under .aws-sam/build: run `make build`"
    )
    results = Results(now, now, "bench", "fr_core_news_sm", {}, ("1", "2"), [])
    results.lambda_cold = LambdaCold(PhasedRow(STOCK_LABEL, error="same"), missing, "")
    text = render(results)
    assert "not measured: SummariseFunction missing" in text
    assert (
        "| Cold start under Lambda's conditions / stock spaCy (same run) | – | ≤ 0.2x | not measured |"
        in text
    )
