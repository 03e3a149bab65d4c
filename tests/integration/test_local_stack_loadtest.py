"""The load test: reproducible input, and nothing lost or processed twice through the embedded stack."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from precis.local.stack import StackOptions
from tests.conftest import SEEDS
from tests.integration.broken_handler import BREAKS, BREAKS_VARIABLE
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
    Plan,
    make_plan,
    render_report,
    run_loadtest,
    run_plan,
)

# Short timeouts keep retried deliveries quick. The function timeout leaves room for a batch (no article
# starts with under 15 s left); the visibility timeout is above it, so a killed worker's idempotency record
# has expired when its messages come back (Lambda requires visibility >= function timeout). Two receives
# before the dead-letter queue keep the doomed key's give-up within a minute.
SMALL = LoadTest(
    seeds=SEEDS,
    articles=50,
    visibility_timeout=35,
    function_timeout=30,
    max_receive_count=2,
    timeout=400,
    attempt_fault_rate=0.05,
    call_fault_rate=0.01,
    kills=2,
)
STACK = StackOptions(port=0, workers=2)


def test_loadtest_plan_is_reproducible_and_mixed() -> None:
    settings = replace(SMALL, articles=200)
    plan = make_plan(settings)
    articles = [article for article in plan.articles if article.kind == ARTICLE]
    titles = [article.data.decode().partition("\n")[0] for article in articles]
    sizes = [len(article.data) for article in articles]
    first = {article.key: article.data for article in plan.articles}
    touched = {*plan.duplicates, *plan.identical, *(rewrite.key for rewrite in plan.rewrites)}

    assert plan == make_plan(settings)
    assert plan != make_plan(replace(settings, seed=DEFAULT_SEED + 1))
    assert len(first) == 200
    assert len(set(titles)) == len(titles)
    assert min(sizes) < 1_000 and 10_000 < max(sizes) <= MAX_BYTES
    assert len(plan.articles) - len(articles) == 10
    assert {article.kind for article in plan.articles} == {ARTICLE, *BAD_INPUTS}
    assert set(plan.duplicates) | set(plan.identical) <= set(first)
    assert all(rewrite.key in first and rewrite.data != first[rewrite.key] for rewrite in plan.rewrites)
    assert len(plan.deletions) == 6 and set(plan.deletions) <= set(first)
    assert len(plan.doomed) == 1 and not set(plan.doomed) & (touched | set(plan.deletions))
    assert {article.kind for article in plan.articles if article.key in plan.doomed} == {ARTICLE}


def test_loadtest_command_defaults() -> None:
    args = build_parser().parse_args([])

    assert (args.articles, args.workers, args.seed, args.output) == (
        DEFAULT_ARTICLES,
        2,
        DEFAULT_SEED,
        Path(DEFAULT_OUTPUT),
    )
    assert DEFAULT_ARTICLES == 10_000


def test_local_stack_chaos_loadtest_keeps_every_promise() -> None:
    report = run_loadtest(SMALL, STACK, progress=False)
    findings, plan = report.findings, report.plan

    assert findings.lost == []
    assert findings.processed_twice == 0
    assert findings.never_run == 0
    assert findings.stale == []
    assert findings.deleted_present == []
    assert findings.index.exact and findings.index.entries > 0
    assert findings.give_ups_without_item == []
    assert set(plan.doomed) <= report.log.gave_up
    assert report.log.skipped >= len(plan.duplicates)
    assert report.log.faults["transient"] > 0 and report.log.faults["doomed"] > 0
    assert (report.chaos.kills, report.chaos.server_restarts) == (2, 1)
    assert report.chaos.worker_restarts >= 2
    assert report.queues["queue"] == DRAINED
    assert report.queues["dead_letter_queue"]["visible"] == findings.give_ups
    assert report.ok
    assert "## Result: pass" in render_report(report)


def broken_keys(plan: Plan) -> dict[str, list[str]]:
    """Disjoint keys for each break, each of the kind the break needs (a re-upload, a deletion...)."""
    rewritten = [rewrite.key for rewrite in plan.rewrites if rewrite.key not in plan.deletions]
    special = {*plan.duplicates, *plan.identical, *rewritten, *plan.deletions, *plan.doomed}
    plain = [article.key for article in plan.articles if article.key not in special]
    twice = [key for key in plan.duplicates if key not in {*rewritten, *plan.deletions, *plan.identical}]
    return {
        "lost": plain[:2],
        "twice": twice[:1],
        "stale": rewritten[:1],
        "orphan": rewritten[1:2],
        "deleted": plan.deletions[:1],
        "missing": plain[2:3],
        "giveup": plan.doomed,
    }


def test_local_stack_loadtest_audit_fails_each_broken_property(tmp_path: Path) -> None:
    settings = replace(SMALL, articles=40, attempt_fault_rate=0.0, call_fault_rate=0.0, kills=0)
    settings = replace(settings, restart_server=False)
    plan = make_plan(settings)
    keys = broken_keys(plan)
    assert set(keys) == set(BREAKS) and all(keys.values())
    broken = replace(
        STACK,
        handler="tests.integration.broken_handler:create",
        environment={BREAKS_VARIABLE: json.dumps(keys)},
    )

    report = run_plan(plan, settings, broken, tmp_path, progress=False)
    findings = report.findings

    assert set(keys["lost"]) | set(keys["giveup"]) | set(keys["stale"]) == set(findings.lost)
    assert findings.processed_twice == len(keys["twice"])
    assert findings.never_run == len(keys["lost"]) + len(keys["stale"])
    assert findings.stale == keys["stale"]
    assert findings.deleted_present == keys["deleted"]
    assert findings.index.orphans and findings.index.missing
    assert findings.give_ups_without_item == keys["giveup"]
    assert not report.ok
    assert "## Result: **FAIL**" in render_report(report)
