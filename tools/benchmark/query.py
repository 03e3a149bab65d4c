"""The query index under load: archives of two sizes written through the real storage and index code in
moto, the items each question reads and its latency, what the index adds to each article's handling and
write units, and how fast `precis reprocess` enqueues.

Runs in a child process (moto in-process, patched as the embedded stack patches it). Items read are
DynamoDB's ScannedCount; moto's ConsumedCapacity is not AWS's, so write units are computed from the
requests' item sizes as AWS bills them (2 units per KB for a transactional write, a ConditionCheck counted
as one: an upper bound).
"""

from __future__ import annotations

import copy
import json
import math
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, cast
from urllib.parse import quote_plus

from moto import mock_aws

from precis.aws.events import ObjectRef
from precis.aws.index import Tables
from precis.aws.items import ResultItem
from precis.aws.query import Archive
from precis.aws.settings import DEFAULT_MODEL, Settings
from precis.aws.storage import StoredObject, put_result
from precis.aws.summarise import SummariseFunction, done_item, failed_item, make_clients
from precis.core.identity import entity_id
from precis.core.pipeline import Summariser
from precis.local import emulation
from precis.local.context import LambdaContext
from precis.local.resources import create_resources
from precis.names import LOCAL_NAMES
from precis.stack.reprocess import bucket_objects, enqueue, notifications
from precis.stack.target import Target, local_session
from tools.common.stats import TimedCalls

DAYS = 30
SENTINEL = "Sentinelle Benchmark"
SENTINEL_ARTICLES = 20
FAILED_SHARE = 50  # one article in 50 is a failed item
CALLS = 20
# The day the archive's uploads end, and the "today" its questions are asked on.
LAST_DAY = date(2026, 11, DAYS)
HANDLER_ARTICLES = 40
REPROCESS_OBJECTS = 10_000
WRITE_UNIT_USD = 1.25 / 1_000_000
ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@dataclass(frozen=True)
class Question(TimedCalls):
    """One timed question at one archive size: items read per call and latencies."""

    name: str
    archive_size: int
    items_read: float
    answers: float
    latencies_ms: list[float]


@dataclass
class QueryResults:
    """What the section measured."""

    questions: list[Question] = field(default_factory=list)
    build_seconds: dict[int, float] = field(default_factory=dict)
    handler_ms: dict[str, list[float]] = field(default_factory=dict)
    write_units_per_article: float = 0.0
    entries_per_article: float = 0.0
    reprocess_per_second: float = 0.0

    def question(self, name: str, size: int) -> Question | None:
        """One question's row at one size."""
        return next((q for q in self.questions if q.name == name and q.archive_size == size), None)


def measure_query(model: str, texts: list[bytes], sizes: Sequence[int]) -> QueryResults:
    """Entry point of the child process (its environment holds moto's fake account)."""
    os.environ.update(ENVIRONMENT)
    emulation.install()
    summariser = Summariser.load({"fr": model})
    documents = [summariser.summarise(text).to_dict() for text in texts]
    results = QueryResults()
    for size in sizes:
        with _account() as stack:
            started = time.perf_counter()
            units = _write_archive(stack, documents, size)
            results.build_seconds[size] = time.perf_counter() - started
            if size == sizes[0]:
                results.write_units_per_article = units.write_units / size
                results.entries_per_article = units.entries / size
            results.questions += _ask(stack, size, documents)
    with _account() as stack:
        results.handler_ms = _handler_times(stack, summariser, texts)
    with _account() as stack:
        results.reprocess_per_second = _reprocess_rate(stack)
    return results


@dataclass
class _Stack:
    """A moto account with Précis's resources, and what the benchmark calls on it."""

    target: Target
    function: SummariseFunction
    archive: Archive


@contextmanager
def _account() -> Iterator[_Stack]:
    """A fresh moto account with the embedded stack's resources."""
    with mock_aws():
        target = Target(local_session(), None, LOCAL_NAMES)
        create_resources(target, visibility_timeout=360, max_receive_count=5)
        settings = Settings(
            table_name=LOCAL_NAMES.table,
            index_table_name=LOCAL_NAMES.index_table,
            idempotency_table_name=LOCAL_NAMES.idempotency_table,
            results_bucket=LOCAL_NAMES.results_bucket,
            models={"fr": DEFAULT_MODEL},
        )
        clients = make_clients(settings)
        archive = Archive(clients.dynamodb, Tables(LOCAL_NAMES.table, LOCAL_NAMES.index_table), s3=clients.s3)
        yield _Stack(target, SummariseFunction(settings, NoModel(), clients), archive)


class NoModel:
    """The archive is written from documents already made: no article is summarised while writing it."""

    def summarise(self, data: bytes) -> Any:
        raise AssertionError("the benchmark writes documents directly")


@dataclass
class _WriteUnits:
    """Write units of the requests seen, as AWS bills them, and index entries written."""

    write_units: float = 0.0
    entries: int = 0

    def note(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        """Count one request's write units."""
        if model.name == "UpdateItem":
            self.write_units += _units(params)
        elif model.name == "PutItem":
            self.write_units += _units(params.get("Item", {}))
        elif model.name == "TransactWriteItems":
            for action in params["TransactItems"]:
                ((kind, part),) = action.items()
                self.write_units += 2 * _units(part)
                self.entries += kind == "Put"


def _units(part: dict[str, Any]) -> int:
    """Billed units of one item write: its size in KB, rounded up (the request's JSON as an estimate)."""
    return max(1, math.ceil(len(json.dumps(part.get("Item") or part, ensure_ascii=False).encode()) / 1024))


def _write_archive(stack: _Stack, documents: list[dict[str, Any]], size: int) -> _WriteUnits:
    """`size` articles over DAYS days, written as the function writes them (item, then index entries)."""
    units = _WriteUnits()
    stack.function.clients.dynamodb.meta.events.register("before-parameter-build.dynamodb", units.note)
    for item, _ in archive_items(documents, size, LAST_DAY):
        stack.function.store(item)
    return units


def archive_items(
    documents: list[dict[str, Any]], size: int, last_day: date
) -> Iterator[tuple[ResultItem, int | None]]:
    """`size` items uploaded over the DAYS days up to `last_day`, made from the documents in turn (one in
    FAILED_SHARE failed, the sentinel in SENTINEL_ARTICLES), each with the number of its document (None
    for a failed item): an archive written without summarising anything."""
    every = size // SENTINEL_ARTICLES
    for number in range(size):
        day = last_day - timedelta(days=DAYS - 1 - number % DAYS)
        ref = ObjectRef(
            LOCAL_NAMES.bucket,
            f"bench/{number:06d}.txt",
            sequencer=f"{number:016X}",
            event_time=f"{day.isoformat()}T{number // DAYS % 24:02d}:{number % 60:02d}:00.000Z",
        )
        if number % FAILED_SHARE == FAILED_SHARE - 1:
            item, source = failed_item(ref, "the file is empty or contains only whitespace"), None
        else:
            source = number % len(documents)
            document = _varied(documents[source], number, sentinel=number % every == 0)
            item = done_item(ref, StoredObject(b"", f"{number:032x}", None, 1000), document)
        item["processing_ms"] = 0
        yield item, source


def _varied(document: dict[str, Any], number: int, *, sentinel: bool) -> dict[str, Any]:
    """A copy of a real document with its own title, and the sentinel entity in a fixed number of them."""
    varied = copy.deepcopy(document)
    varied["title"] = f"{document['title']} ({number})"
    if sentinel:
        varied["title"] = f"{varied['title']} benchmark"
        mention = {"id": entity_id("PER", SENTINEL), "type": "PER", "text": SENTINEL, "country": None}
        varied["entities"].append(
            {**mention, "count": 1, "salience": 0.5, "aliases": [], "mentions": [[0, 1]]}
        )
    return varied


def _ask(stack: _Stack, size: int, documents: list[dict[str, Any]]) -> list[Question]:
    """Every question, CALLS times each, on the archive just written."""
    archive, today = stack.archive, LAST_DAY
    popular, speaker = most_common(documents)
    questions: dict[str, Callable[[], Any]] = {
        "one article (GetItem)": lambda: archive.article(LOCAL_NAMES.bucket, "bench/000001.txt"),
        "recent, 20": lambda: archive.recent(limit=20),
        "recent in French, 20": lambda: archive.recent(language="fr", limit=20),
        "failed, 20": lambda: archive.failed(limit=20),
        f"entity named by {SENTINEL_ARTICLES} articles": lambda: archive.articles_naming(SENTINEL),
        "entity named by most articles, 20": lambda: archive.articles_naming(popular, limit=20),
        "title search, 20": lambda: archive.search_titles("benchmark"),
        "top entities, 7 days": lambda: archive.top_entities(days=7, today=today),
        "top entities, 30 days": lambda: archive.top_entities(days=30, today=today),
        "who appears with (200 articles)": lambda: archive.cooccurring(popular),
        "quotes by a speaker, 20": lambda: archive.quotes_by(speaker, limit=20),
        "items per status": archive.counts,
    }
    return [_timed(name, size, archive, ask) for name, ask in questions.items()]


def most_common(documents: list[dict[str, Any]]) -> tuple[str, str]:
    """The entity named by most documents and the most quoted speaker: the heaviest questions to ask."""
    named = Counter(entity["text"] for document in documents for entity in document["entities"])
    quoted = Counter(quote["speaker"] for document in documents for quote in document["quotes"])
    quoted.pop(None, None)
    return named.most_common(1)[0][0], (quoted.most_common(1) or [("nobody", 0)])[0][0]


def _timed(name: str, size: int, archive: Archive, ask: Callable[[], Any]) -> Question:
    """CALLS calls of one question: latency of each, items read and answers per call."""
    latencies, answers = [], 0
    archive.stats.items_read = archive.stats.calls = 0
    for _ in range(CALLS):
        started = time.perf_counter()
        answer = ask()
        latencies.append((time.perf_counter() - started) * 1000)
        answers += (
            len(getattr(answer, "items", answer) or []) if not isinstance(answer, dict) else len(answer)
        )
    return Question(name, size, archive.stats.items_read / CALLS, answers / CALLS, latencies)


def _handler_times(stack: _Stack, summariser: Summariser, texts: list[bytes]) -> dict[str, list[float]]:
    """Milliseconds per article through the function with the index and without (the item alone), in turns."""
    with_index = SummariseFunction(stack.function.settings, summariser, stack.function.clients)
    without = _ItemOnly(with_index.settings, summariser, with_index.clients)
    times: dict[str, list[float]] = {"with index": [], "item only": []}
    s3 = stack.target.client("s3")
    for number, text in enumerate(texts[:HANDLER_ARTICLES]):
        for label, function in (("with index", with_index), ("item only", without)):
            key = f"handler/{label}/{number}.txt"
            s3.put_object(Bucket=LOCAL_NAMES.bucket, Key=key, Body=text)
            event = _s3_event(key, f"2026-11-30T10:{number % 60:02d}:00.000Z")
            started = time.perf_counter()
            function.handle(event, cast(Any, LambdaContext()))
            times[label].append((time.perf_counter() - started) * 1000)
    return times


class _ItemOnly(SummariseFunction):
    """The function as it was before the index: the item written, no entry."""

    def store(self, item: Any, *, keep_done: bool = False) -> bool:
        """Write the item alone, as before the index existed."""
        item["write_id"] = "benchmark"
        return (
            put_result(
                self.clients.dynamodb,
                self.settings.table_name,
                item,
                s3=self.clients.s3,
                results_bucket=self.settings.results_bucket,
                keep_done=keep_done,
            )
            is not None
        )


def _s3_event(key: str, event_time: str) -> dict[str, Any]:
    """A direct S3 notification of one upload."""
    obj = {"key": quote_plus(key), "size": 1, "sequencer": "0A"}
    record = {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "eventTime": event_time}
    return {"Records": [{**record, "s3": {"bucket": {"name": LOCAL_NAMES.bucket}, "object": obj}}]}


def _reprocess_rate(stack: _Stack) -> float:
    """Objects per second `precis reprocess --all` enqueues, over REPROCESS_OBJECTS objects."""
    s3 = stack.target.client("s3")
    for number in range(REPROCESS_OBJECTS):
        s3.put_object(Bucket=LOCAL_NAMES.bucket, Key=f"reprocess/{number:05d}.txt", Body=b"x")
    started = time.perf_counter()
    sent = sum(enqueue(stack.target, notifications(stack.target, bucket_objects(stack.target))))
    return sent / (time.perf_counter() - started)


def write_cost_usd_per_1000(results: QueryResults) -> float:
    """DynamoDB on-demand write cost of 1,000 articles (item and index), at $1.25 per million units."""
    return results.write_units_per_article * 1000 * WRITE_UNIT_USD
