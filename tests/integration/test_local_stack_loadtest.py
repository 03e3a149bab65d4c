"""The load test: reproducible input, and nothing lost or processed twice through the embedded stack."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from precis.local.stack import StackOptions
from tests.conftest import SEEDS
from tests.integration.lossy_handler import DROP_VARIABLE
from tests.integration.test_local_stack import DRAINED
from tools.loadtest.__main__ import build_parser
from tools.loadtest.run import (
    ARTICLE,
    BAD_INPUTS,
    DEFAULT_ARTICLES,
    DEFAULT_OUTPUT,
    DEFAULT_SEED,
    MAX_BYTES,
    LoadTest,
    make_plan,
    render_report,
    run_loadtest,
    run_plan,
)

# Short timeouts keep a retried delivery (a duplicate met in progress, an object replaced mid-read) quick;
# the visibility timeout stays at least the function timeout, as Lambda requires.
SMALL = LoadTest(seeds=SEEDS, articles=80, visibility_timeout=20, function_timeout=20, timeout=120)
STACK = StackOptions(port=0, workers=2)


def test_loadtest_plan_is_reproducible_and_mixed() -> None:
    settings = replace(SMALL, articles=200)
    plan = make_plan(settings)
    articles = [article for article in plan.articles if article.kind == ARTICLE]
    titles = [article.data.decode().partition("\n")[0] for article in articles]
    sizes = [len(article.data) for article in articles]
    first = {article.key: article.data for article in plan.articles}

    assert plan == make_plan(settings)
    assert plan != make_plan(replace(settings, seed=DEFAULT_SEED + 1))
    assert len(first) == 200
    assert len(set(titles)) == len(titles)
    assert min(sizes) < 1_000 and 10_000 < max(sizes) <= MAX_BYTES
    assert len(plan.articles) - len(articles) == 10
    assert {article.kind for article in plan.articles} == {ARTICLE, *BAD_INPUTS}
    assert set(plan.duplicates) | set(plan.identical) <= set(first)
    assert all(rewrite.key in first and rewrite.data != first[rewrite.key] for rewrite in plan.rewrites)


def test_loadtest_command_defaults() -> None:
    args = build_parser().parse_args([])

    assert (args.articles, args.workers, args.seed, args.output) == (
        DEFAULT_ARTICLES,
        2,
        DEFAULT_SEED,
        Path(DEFAULT_OUTPUT),
    )


def test_local_stack_loadtest_loses_nothing_and_processes_nothing_twice() -> None:
    report = run_loadtest(SMALL, STACK, progress=False)

    assert report.lost == []
    assert report.processed_twice == 0
    assert report.runs == report.uploads
    assert report.newest == report.rewrites
    assert report.log.skipped >= report.duplicates
    assert report.statuses["done"] + report.statuses["failed"] == report.objects
    assert report.statuses["failed"] >= 2  # the empty file and the PNG at least
    assert report.queues == {"queue": DRAINED, "dead_letter_queue": DRAINED}
    assert report.ok
    assert "## Result: pass" in render_report(report)


def test_local_stack_loadtest_sees_losses_and_double_runs(tmp_path: Path) -> None:
    settings = replace(SMALL, articles=40)
    plan = make_plan(settings)
    lost = [article.key for article in plan.articles if article.key not in plan.duplicates][:3]
    broken = replace(
        STACK,
        handler="tests.integration.lossy_handler:create",
        environment={DROP_VARIABLE: "\n".join(lost), "POWERTOOLS_IDEMPOTENCY_DISABLED": "true"},
    )

    report = run_plan(plan, settings, broken, tmp_path, progress=False)

    assert sorted(report.lost) == sorted(lost)
    assert report.never_run >= len(lost)
    assert report.processed_twice == len(plan.duplicates)
    assert not report.ok
    assert "## Result: **FAIL**" in render_report(report)
