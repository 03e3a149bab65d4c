"""The benchmark's arithmetic and report, without running a benchmark (timings are never asserted)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tools.benchmark import cost
from tools.benchmark.api import ApiResults, Timing
from tools.benchmark.cold import ColdRow, ColdRun
from tools.benchmark.lambda_cold import FUNCTION_LABEL, STOCK_LABEL, LambdaCold, Phase, PhasedRow, PhasedRun
from tools.benchmark.report import API_ARTICLE, API_PAGE, Results, render
from tools.benchmark.splice import splice
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
    assert text.count("Not measured.") == 7  # warm, throughput, end to end, peers, query, API, Lambda


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


def api_results(pages_error: str | None = None, article_ms: tuple[float, ...] = (60.0, 70.0)) -> Results:
    """A run that measured the api section alone: two routes and, unless told why not, one page."""
    now = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    results = Results(now, now, "bench --only api", "fr_core_news_sm", {}, ("1", "2"), [])
    routes = [
        Timing(API_PAGE, "/api/articles?limit=20", 20.0, [float(ms) for ms in range(1, 21)]),
        Timing(API_ARTICLE, "/api/articles/bench%2F000000.txt", 1.0, list(article_ms)),
    ]
    page = [Timing("home", "/", 1.0, [100.0, 300.0, 200.0])]
    results.api = ApiResults(2_000, 123.4, routes, [] if pages_error else page, pages_error)
    return results


def section(text: str, heading: str) -> list[str]:
    """The lines of one `## ` section of a report, heading excluded."""
    lines = text.split("\n")
    start = lines.index(heading) + 1
    end = next((at for at in range(start, len(lines)) if lines[at].startswith("## ")), len(lines))
    return lines[start:end]


def test_benchmark_api_section_has_a_row_per_route_and_page_and_its_targets() -> None:
    text = render(api_results())
    lines = section(text, "## HTTP API and viewer")
    tables = [line for line in lines if line.startswith("|")]

    assert tables[0] == "| route | example | answers | p50 ms | p95 ms |"
    assert tables[2] == f"| {API_PAGE} | `/api/articles?limit=20` | 20 | 10.5 | 19.0 |"
    assert tables[3] == f"| {API_ARTICLE} | `/api/articles/bench%2F000000.txt` | 1 | 65.0 | 70.0 |"
    assert tables[4] == "| page | loads | p50 ms | p95 ms |"
    assert tables[6] == "| home | 3 | 200.0 | 300.0 |"
    assert "- Archive: 2,000 articles written in 123 s." in lines
    assert "| API: p95 of a 20-item page of recent articles (ms) | 19.00 | ≤ 50 ms | yes |" in text
    assert "| API: p95 of one article (ms) | 70.00 | ≤ 50 ms | **no** |" in text


def test_benchmark_api_section_says_why_the_pages_were_not_timed() -> None:
    text = render(api_results(pages_error="no chromium on PATH"))
    tables = [line for line in section(text, "## HTTP API and viewer") if line.startswith("|")]

    assert tables[-1] == "| viewer pages | 0 | not measured: no chromium on PATH |  |"


def test_benchmark_only_replaces_its_section_and_targets_and_keeps_the_rest() -> None:
    old = "\n".join(
        [
            "# Benchmark",
            "",
            "- Machine: old.",
            "",
            "## Targets",
            "",
            "| target | measured | goal | met |",
            "|---|---|---|---|",
            "| Cold start, core (s) | 0.97 | ≤ 1.5 s | yes |",
            "| API: p95 of one article (ms) | 99.00 | ≤ 50 ms | **no** |",
            "",
            "## Cold start",
            "",
            "kept as it was",
            "",
            "## Cost per 1,000 articles",
            "",
            "kept too",
        ]
    )
    first, second = render(api_results()), render(api_results(article_ms=(40.0, 45.0)))

    once = splice(old, first, ["api"], "first run.")
    twice = splice(once, second, ["api"], "second run.")

    assert twice.count("## HTTP API and viewer") == 1
    assert section(twice, "## HTTP API and viewer") == section(second, "## HTTP API and viewer")
    assert section(twice, "## Cold start") == ["", "kept as it was", ""]
    assert twice.index("## HTTP API and viewer") < twice.index("## Cost per 1,000 articles")
    targets = [line for line in section(twice, "## Targets") if line.startswith("| ")]
    assert targets == [
        "| target | measured | goal | met |",
        "| Cold start, core (s) | 0.97 | ≤ 1.5 s | yes |",
        "| API: p95 of one article (ms) | 45.00 | ≤ 50 ms | yes |",
        "| API: p95 of a 20-item page of recent articles (ms) | 19.00 | ≤ 50 ms | yes |",
    ]
    assert "- Machine: old." in twice
    assert "- `api` regenerated alone: second run." in twice
    assert "first run." not in twice
