"""The load test's audit: what the handler's log, the results table and the query index say happened,
against what the run sent. Every count it reports as a fault must be 0 for the run to pass."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from precis.aws.storage import result_id
from precis.aws.summarise import RUN_OUTCOMES
from tools.common.audit import Audit

GAVE_UP = "gave up after"


@dataclass(frozen=True)
class HandlerLog:
    """What the workers' log says: runs per key, skips, retries, give-ups, and the faults injected."""

    runs: Counter[str]
    # Runs whose delivery failed afterwards (a fault after the result was stored): SQS delivers the
    # message again and the article is run again, as at-least-once delivery means.
    repeated: Counter[str]
    skipped: int
    retried: int
    gave_up: frozenset[str]
    faults: Counter[str]

    def acknowledged(self, key: str) -> int:
        """Runs of the key whose delivery succeeded: the ones idempotency promises to keep to one."""
        return self.runs[key] - self.repeated[key]


def json_line(line: str) -> dict[str, Any]:
    """A structured log line as a dict, or {} for the plain-text lines between them."""
    if not line.startswith("{"):
        return {}
    try:
        value = json.loads(line)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def read_handler_log(path: Path) -> HandlerLog:
    """Count the structured `outcome` (and `chaos`) keys of the workers' output, never the wording.

    A delivery is one invocation (`function_request_id`) of one key (`correlation_id`); a `retry` after
    a run in the same delivery means the message failed and the run will be repeated.
    """
    runs: Counter[str] = Counter()
    repeated: Counter[str] = Counter()
    others: Counter[str] = Counter()
    faults: Counter[str] = Counter()
    gave_up: set[str] = set()
    open_runs: set[tuple[str, str]] = set()
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    for record in map(json_line, text.splitlines()):
        if "chaos" in record:
            faults[str(record["chaos"])] += 1
            continue
        outcome, key = record.get("outcome"), str(record.get("correlation_id"))
        delivery = (str(record.get("function_request_id")), key)
        if outcome in RUN_OUTCOMES:
            runs[key] += 1
            open_runs.add(delivery)
        elif outcome == "retry" and delivery in open_runs:
            repeated[key] += 1
            open_runs.discard(delivery)
        if outcome == "gave_up":
            gave_up.add(key)
        if outcome is not None and outcome not in RUN_OUTCOMES:
            others[str(outcome)] += 1
    return HandlerLog(runs, repeated, others["duplicate"], others["retry"], frozenset(gave_up), faults)


@dataclass(frozen=True)
class Expected:
    """What the run sent: uploads per key, each key's last content, and the keys with a fate of their own."""

    bucket: str
    versions: Counter[str]
    finals: Mapping[str, str]  # key -> ETag of its last upload
    rewritten: frozenset[str]
    deleted: frozenset[str]
    doomed: frozenset[str]


@dataclass(frozen=True)
class Findings:
    """The audit's verdict, property by property; `ok` when every fault count is 0."""

    lost: list[str]
    processed_twice: int
    never_run: int
    stale: list[str]
    deleted_present: list[str]
    index: Audit
    give_ups: int
    give_ups_without_item: list[str]
    statuses: Counter[str]

    @property
    def ok(self) -> bool:
        """Nothing lost, run twice or never, stale, undeleted, misindexed or silently given up."""
        faults = (self.lost, self.stale, self.deleted_present, self.give_ups_without_item)
        return not any(faults) and self.processed_twice == 0 and self.never_run == 0 and self.index.exact


def audit_run(
    expected: Expected,
    log: HandlerLog,
    items: Mapping[str, Mapping[str, Any]],
    index_ids: Iterable[str],
    index: Audit,
) -> Findings:
    """Compare the final items (by key, tombstones included), the article ids the index entries point
    at, and the index audit with what was sent and what the log says ran."""
    indexed = set(index_ids)
    live = {key: item for key, item in items.items() if item.get("status") != "deleted"}
    return Findings(
        lost=sorted(
            key
            for key, etag in expected.finals.items()
            if key not in expected.deleted and _etag(live.get(key)) != etag
        ),
        processed_twice=sum(
            max(0, log.acknowledged(key) - count) for key, count in expected.versions.items()
        ),
        never_run=sum(
            max(0, count - log.runs[key])
            for key, count in expected.versions.items()
            if key not in expected.doomed | log.gave_up
        ),
        stale=sorted(
            key
            for key in expected.rewritten - expected.deleted
            if _etag(live.get(key)) != expected.finals[key]
        ),
        deleted_present=sorted(
            key for key in expected.deleted if key in live or result_id(expected.bucket, key) in indexed
        ),
        index=index,
        give_ups=len(log.gave_up),
        give_ups_without_item=sorted(
            {key for key in expected.doomed if not _gave_up(live.get(key))}
            | {key for key in log.gave_up if key not in live and key not in expected.deleted}
        ),
        statuses=Counter(str(item.get("status")) for item in live.values()),
    )


def _etag(item: Mapping[str, Any] | None) -> str | None:
    """The ETag an item describes, as S3 writes it without quotes."""
    return str(item.get("etag") or "").strip('"') if item is not None else None


def _gave_up(item: Mapping[str, Any] | None) -> bool:
    """A `failed` item saying the function gave up on the object."""
    return (
        item is not None and item.get("status") == "failed" and str(item.get("error", "")).startswith(GAVE_UP)
    )
