"""The query index stays exact through re-uploads, deletions, reordering, faults and long articles, and
answers each question page by page from it."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from precis.aws.events import ObjectRef
from precis.aws.index import Tables
from precis.aws.query import InvalidQuery
from precis.core.document import Entity
from precis.core.identity import entity_id
from precis.names import LOCAL_NAMES
from tests.integration.conftest import (
    SEED,
    SHORT_SEED,
    Handler,
    LambdaContext,
    Stack,
    inject_fault,
    redelivered,
    s3_notification,
    sqs_event,
)
from tools.common.audit import audit_index

TABLES = Tables(LOCAL_NAMES.table, LOCAL_NAMES.index_table)
KEY = "monde/otan.txt"


def deliver(
    handler: Handler,
    stack: Stack,
    key: str,
    data: bytes | None,
    *,
    sequencer: str,
    day: str = "02",
    minute: int = 0,
) -> Any:
    """Upload (or, with no data, delete) an object and deliver its notification with a chosen order."""
    if data is None:
        event_name, etag = "ObjectRemoved:DeleteMarkerCreated", None
    else:
        stack.upload(key, data)
        event_name, etag = "ObjectCreated:Put", hashlib.md5(data).hexdigest()
    stack.receive_event()
    body = s3_notification(
        key,
        etag=etag,
        sequencer=sequencer,
        event_time=f"2026-12-{day}T09:{minute:02d}:00.000Z",
        event_name=event_name,
    )
    return handler.lambda_handler(sqs_event(body), LambdaContext())


def assert_exact(stack: Stack) -> None:
    """Every live item's entries and counters are in the index, and nothing else is."""
    report = audit_index(stack.dynamodb, TABLES, stack.s3)
    assert report.exact, report


def names(stack: Stack, name: str) -> list[str]:
    """Keys of the articles naming an entity."""
    return [mention["key"] for mention in stack.archive().articles_naming(name).items]


def test_index_reupload_with_other_entities_leaves_no_stale_entry(handler: Handler, stack: Stack) -> None:
    deliver(handler, stack, KEY, SEED.read_bytes(), sequencer="0A")
    assert names(stack, "Mark Rutte") == [KEY]

    deliver(handler, stack, KEY, SHORT_SEED.read_bytes(), sequencer="0B")

    assert names(stack, "Mark Rutte") == []
    assert names(stack, "Bretagne") == [KEY]
    assert stack.archive().counts() == {"done": 1}
    assert_exact(stack)


def test_index_an_older_event_never_replaces_the_newer_entries(handler: Handler, stack: Stack) -> None:
    stack.upload(KEY, SEED.read_bytes())
    deliver(handler, stack, KEY, SHORT_SEED.read_bytes(), sequencer="0B")

    deliver(handler, stack, KEY, SEED.read_bytes(), sequencer="0A")

    assert names(stack, "Bretagne") == [KEY] and names(stack, "Mark Rutte") == []
    assert_exact(stack)


def test_index_deleting_an_object_removes_its_result_and_entries(handler: Handler, stack: Stack) -> None:
    deliver(handler, stack, KEY, SEED.read_bytes(), sequencer="0A")

    deliver(handler, stack, KEY, None, sequencer="0B")

    archive = stack.archive()
    assert archive.article(LOCAL_NAMES.bucket, KEY) is None
    assert archive.recent().items == [] and names(stack, "Mark Rutte") == []
    assert archive.counts() == {}
    assert_exact(stack)


def test_index_a_late_upload_event_cannot_revive_a_deleted_object(handler: Handler, stack: Stack) -> None:
    deliver(handler, stack, KEY, None, sequencer="0B")

    deliver(handler, stack, KEY, SEED.read_bytes(), sequencer="0A")

    assert stack.archive().article(LOCAL_NAMES.bucket, KEY) is None
    assert_exact(stack)


def test_index_deleted_then_uploaded_again_ends_with_the_new_result(handler: Handler, stack: Stack) -> None:
    deliver(handler, stack, KEY, SEED.read_bytes(), sequencer="0A")
    deliver(handler, stack, KEY, None, sequencer="0B")

    deliver(handler, stack, KEY, SHORT_SEED.read_bytes(), sequencer="0C")

    item = stack.archive().article(LOCAL_NAMES.bucket, KEY)
    assert item is not None and item["title"].startswith("Sécheresse")
    assert names(stack, "Bretagne") == [KEY]
    assert_exact(stack)


@pytest.mark.parametrize("failing_transaction", [1, 2], ids=["puts", "removals-and-release"])
def test_index_a_crash_between_the_item_and_its_index_converges_on_retry(
    handler: Handler, stack: Stack, failing_transaction: int
) -> None:
    deliver(handler, stack, KEY, SEED.read_bytes(), sequencer="0A")
    inject_fault(
        handler.function.clients.dynamodb,
        "TransactWriteItems",
        status=400,
        code="ValidationException",
        times=1,
        after=failing_transaction - 1,
    )
    stack.upload(KEY, SHORT_SEED.read_bytes())
    event = sqs_event(
        s3_notification(KEY, etag=hashlib.md5(SHORT_SEED.read_bytes()).hexdigest(), sequencer="0B")
    )
    stack.receive_event()

    with pytest.raises(BatchProcessingError):
        handler.lambda_handler(event, LambdaContext())
    assert stack.result(KEY).get("index_pending")
    assert handler.lambda_handler(redelivered(event), LambdaContext()) == {"batchItemFailures": []}

    assert names(stack, "Mark Rutte") == [] and names(stack, "Bretagne") == [KEY]
    assert_exact(stack)


def test_index_throttled_transactions_fail_the_message_and_converge_later(
    handler: Handler, stack: Stack, backoff: list[float]
) -> None:
    throttled = inject_fault(
        handler.function.clients.dynamodb,
        "TransactWriteItems",
        status=400,
        code="ThrottlingException",
        times=5,
    )

    with pytest.raises(BatchProcessingError):
        deliver(handler, stack, KEY, SEED.read_bytes(), sequencer="0A")
    body = s3_notification(KEY, etag=hashlib.md5(SEED.read_bytes()).hexdigest(), sequencer="0A")
    handler.lambda_handler(sqs_event(body), LambdaContext())

    assert throttled[:5] == [400] * 5
    assert names(stack, "Mark Rutte") == [KEY]
    assert_exact(stack)


def test_index_a_superseded_run_cannot_write_its_entries(handler: Handler, stack: Stack) -> None:
    older, newer = handler.function, handler.rebuilt()
    stack.upload(KEY, SEED.read_bytes())
    first = older.summarise_object(
        ObjectRef(LOCAL_NAMES.bucket, KEY, sequencer="0A", event_time="2026-12-02T09:00Z")
    )
    synchronise = older.index.synchronise
    outcomes: list[bool] = []

    def newer_run_first(item: Any, entries: Any, pending: Any) -> bool:
        """The newer upload's whole run happens after the older run's item write, before its index writes."""
        deliver(newer, stack, KEY, SHORT_SEED.read_bytes(), sequencer="0B")
        outcomes.append(synchronise(item, entries, pending))
        return outcomes[-1]

    older.index.synchronise = newer_run_first  # type: ignore[method-assign]
    older.store(first)

    assert outcomes == [False]
    assert names(stack, "Mark Rutte") == [] and names(stack, "Bretagne") == [KEY]
    assert_exact(stack)


def test_index_an_article_with_hundreds_of_entities_stays_within_transaction_limits(
    handler: Handler, stack: Stack
) -> None:
    summarise = handler.summariser.inner.summarise
    people = tuple(
        Entity(
            entity_id("PER", f"Personne Numéro{n}"),
            "PER",
            f"Personne Numéro{n}",
            None,
            1,
            0.5,
            (f"Numéro{n}",),
            ((0, 5),),
        )
        for n in range(150)
    )
    handler.summariser.replacement = lambda data: replace(summarise(data), entities=people)
    sizes: list[int] = []
    handler.function.clients.dynamodb.meta.events.register(
        "before-parameter-build.dynamodb.TransactWriteItems",
        lambda params, **_: sizes.append(len(params["TransactItems"])),
    )

    deliver(handler, stack, KEY, SEED.read_bytes(), sequencer="0A")
    deliver(handler, stack, KEY, SHORT_SEED.read_bytes(), sequencer="0B")

    assert max(sizes) <= 100 and len(sizes) > 4
    assert len(stack.archive().top_entities(days=1, today=date(2026, 12, 2), limit=1000)) == 150
    assert_exact(stack)


def test_index_pages_through_days_newest_first_without_gaps_or_repeats(
    handler: Handler, stack: Stack
) -> None:
    uploads = [(f"0{number % 3 + 1}", number, f"page/{number}.txt") for number in range(7)]
    for day, minute, key in uploads:
        deliver(handler, stack, key, SHORT_SEED.read_bytes(), sequencer="0A", day=day, minute=minute)
    archive = stack.archive()

    keys, cursor, pages = [], None, 0
    while True:
        page = archive.recent(limit=3, cursor=cursor)
        keys += [listing["key"] for listing in page.items]
        cursor, pages = page.cursor, pages + 1
        if cursor is None:
            break

    newest_first = [key for _, _, key in sorted(uploads, reverse=True)]
    assert keys == newest_first and pages >= 3
    since = [listing["key"] for listing in archive.recent(since="2026-12-03").items]
    assert since == [key for day, _, key in sorted(uploads, reverse=True) if day == "03"]


@pytest.mark.parametrize("cursor", ["not-a-cursor", "e30", "eyJwIjoibmFtZSN4IiwiayI6bnVsbH0"])
def test_index_refuses_a_cursor_it_did_not_give(handler: Handler, stack: Stack, cursor: str) -> None:
    deliver(handler, stack, KEY, SEED.read_bytes(), sequencer="0A")

    with pytest.raises(InvalidQuery):
        stack.archive().recent(cursor=cursor)


def test_index_answers_each_question(handler: Handler, stack: Stack) -> None:
    deliver(handler, stack, "monde/otan.txt", SEED.read_bytes(), sequencer="0A", minute=2)
    deliver(handler, stack, "monde/otan-bis.txt", SEED.read_bytes(), sequencer="0A", minute=1)
    deliver(handler, stack, "france/eau.txt", SHORT_SEED.read_bytes(), sequencer="0A", day="01")
    deliver(handler, stack, "vide.txt", b"", sequencer="0A")
    archive = stack.archive()
    both = ["monde/otan.txt", "monde/otan-bis.txt"]

    assert names(stack, "ETATS UNIS") == names(stack, "états-unis") == both
    assert names(stack, "Routte") == both
    assert {m["type"] for m in archive.articles_naming("Mark Rutte", entity_type="PER").items} == {"PER"}
    assert archive.articles_naming("Mark Rutte", entity_type="LOC").items == []
    (failed,) = archive.failed().items
    assert failed["key"] == "vide.txt" and "empty" in failed["error"]
    done = [listing["key"] for listing in archive.recent(status="done").items]
    assert done == [*both, "france/eau.txt"]
    assert [listing["key"] for listing in archive.recent(language="fr").items] == done
    assert [listing["key"] for listing in archive.search_titles("l'otan TRAHISON").items] == both
    top = archive.top_entities(days=2, today=date(2026, 12, 2), entity_type="PER", limit=3)
    assert [row["articles"] for row in top] == [2, 2, 2] and {row["type"] for row in top} == {"PER"}
    yesterday = archive.top_entities(days=1, today=date(2026, 12, 1), entity_type="LOC")
    assert yesterday[0]["articles"] == 1 and "Bretagne" in [row["name"] for row in yesterday]
    assert {"Pete Hegseth": 2}.items() <= {
        row["name"]: row["articles"] for row in archive.cooccurring("Mark Rutte")
    }.items()
    quotes = archive.quotes_by("pete hegseth").items
    assert quotes and {quote["speaker"] for quote in quotes} == {"Pete Hegseth"}
    assert archive.counts() == {"done": 3, "failed": 1}
    assert_exact(stack)
