"""At-least-once delivery: one NLP run per object version, no old result over a new one, no stuck records."""

from __future__ import annotations

import hashlib
import time
from dataclasses import replace
from typing import Any

import pytest

from precis.aws.events import SEQUENCER_WIDTH
from precis.aws.summarise import MIN_REMAINING_MS
from precis.names import LOCAL_NAMES
from tests.integration.conftest import (
    IDEMPOTENCY_TABLE,
    SEED,
    SHORT_SEED,
    Handler,
    LambdaContext,
    Stack,
    redelivered,
    s3_notification,
    sqs_event,
)

BUCKET = LOCAL_NAMES.bucket
KEY = "news/sécheresse en Bretagne.txt"


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def _failed_ids(response: Any) -> list[str]:
    return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


def _idempotency_records(stack: Stack) -> list[dict[str, Any]]:
    return stack.dynamodb.scan(TableName=IDEMPOTENCY_TABLE)["Items"]


def test_handler_processes_one_object_version_once_however_often_it_is_delivered(
    handler: Handler, stack: Stack, context: LambdaContext, nlp_runs: list[bytes]
) -> None:
    stack.upload(KEY, SHORT_SEED.read_bytes())
    event = stack.receive_event()
    twice_in_one_batch = {"Records": event["Records"] + redelivered(event)["Records"]}

    first = handler.lambda_handler(twice_in_one_batch, context)
    first_item = stack.result(KEY)
    later = handler.lambda_handler(redelivered(event), context)

    assert first == later == {"batchItemFailures": []}
    assert len(nlp_runs) == 1
    assert [item["key"] for item in stack.items()] == [KEY]
    assert stack.result(KEY)["processed_at"] == first_item["processed_at"]
    assert [record["status"]["S"] for record in _idempotency_records(stack)] == ["COMPLETED"]


def test_handler_processes_a_new_upload_of_the_same_key_again(
    handler: Handler, stack: Stack, context: LambdaContext, nlp_runs: list[bytes]
) -> None:
    versions = [SHORT_SEED.read_bytes(), SEED.read_bytes(), SHORT_SEED.read_bytes()]

    etags = []
    for data in versions:
        stack.upload(KEY, data)
        assert handler.lambda_handler(stack.receive_event(), context) == {"batchItemFailures": []}
        etags.append(stack.result(KEY)["etag"])

    assert nlp_runs == versions
    assert etags == [_md5(data) for data in versions]
    assert len(stack.items()) == 1


def test_handler_never_lets_an_older_event_overwrite_a_newer_result(
    handler: Handler, stack: Stack, context: LambdaContext, nlp_runs: list[bytes]
) -> None:
    stack.upload(KEY, SHORT_SEED.read_bytes())
    stack.upload(KEY, SEED.read_bytes())
    older = s3_notification(KEY, etag=_md5(SHORT_SEED.read_bytes()), sequencer="0055AED6DCD90281E5")
    newer = s3_notification(KEY, etag=_md5(SEED.read_bytes()), sequencer="0055AED6DCD90281E6")

    handler.lambda_handler(sqs_event(newer), context)
    stored = stack.result(KEY)
    response = handler.lambda_handler(sqs_event(older), context)

    assert response == {"batchItemFailures": []}
    assert len(nlp_runs) == 2
    assert stack.result(KEY) == stored
    assert stored["sequencer"] == "0055AED6DCD90281E6"
    assert stored["event_order"] == "2:" + "0055AED6DCD90281E6".ljust(SEQUENCER_WIDTH, "0")


@pytest.mark.parametrize(
    ("first", "second", "kept"),
    [
        ("0A1B", "0A1B00FF", "0A1B00FF"),
        ("0A1B00FF", "0A1B", "0A1B00FF"),
        ("0A2", "0A1FFFFFFF", "0A2"),
        ("0A1FFFFFFF", "0A2", "0A2"),
    ],
)
def test_handler_compares_sequencers_of_different_lengths_as_s3_documents(
    handler: Handler, stack: Stack, context: LambdaContext, first: str, second: str, kept: str
) -> None:
    stack.upload(KEY, SHORT_SEED.read_bytes())
    etag = _md5(SHORT_SEED.read_bytes())

    for sequencer in (first, second):
        handler.lambda_handler(sqs_event(s3_notification(KEY, etag=etag, sequencer=sequencer)), context)

    assert stack.result(KEY)["sequencer"] == kept


def test_handler_orders_events_without_a_sequencer_by_event_time(
    handler: Handler, stack: Stack, context: LambdaContext
) -> None:
    stack.upload(KEY, SHORT_SEED.read_bytes())
    etag = _md5(SHORT_SEED.read_bytes())
    newer = s3_notification(KEY, etag=etag, event_time="2025-01-15T09:30:00.002Z")
    older = s3_notification(KEY, etag=etag, event_time="2025-01-15T09:30:00.001Z")

    for event in (newer, older):
        handler.lambda_handler(sqs_event(event), context)

    assert stack.result(KEY)["event_time"] == "2025-01-15T09:30:00.002Z"


def test_handler_writes_unconditionally_when_an_event_has_no_order_at_all(
    handler: Handler, stack: Stack, context: LambdaContext
) -> None:
    stack.upload(KEY, SHORT_SEED.read_bytes())
    etag = _md5(SHORT_SEED.read_bytes())
    handler.lambda_handler(sqs_event(s3_notification(KEY, etag=etag, sequencer="0B")), context)

    handler.lambda_handler(sqs_event(s3_notification(KEY, etag=etag)), context)

    item = stack.result(KEY)
    assert "event_order" not in item and "sequencer" not in item
    assert len(_idempotency_records(stack)) == 2


def test_handler_reports_only_a_message_that_is_not_an_event(
    handler: Handler, stack: Stack, context: LambdaContext
) -> None:
    keys = ["batch/one.txt", "batch/two.txt"]
    for key in keys:
        stack.upload(key, SHORT_SEED.read_bytes())
    event = stack.receive_event()
    garbage = {**event["Records"][-1], "messageId": "not-an-event", "body": "this is not JSON"}
    event["Records"].insert(1, garbage)

    response = handler.lambda_handler(event, context)

    assert _failed_ids(response) == ["not-an-event"]
    assert {key: stack.result(key)["status"] for key in keys} == dict.fromkeys(keys, "done")


def test_handler_leaves_objects_it_has_no_time_for_to_a_later_delivery(
    handler: Handler, stack: Stack, nlp_runs: list[bytes]
) -> None:
    keys = ["late/one.txt", "late/two.txt"]
    for key in keys:
        stack.upload(key, SHORT_SEED.read_bytes())
    event = stack.receive_event()
    articles = [record["messageId"] for record in event["Records"] if "ObjectCreated" in record["body"]]

    response = handler.lambda_handler(event, LambdaContext.with_time_left((MIN_REMAINING_MS - 1) / 1000))

    assert _failed_ids(response) == articles
    assert nlp_runs == [] and stack.items() == [] and _idempotency_records(stack) == []
    assert handler.lambda_handler(redelivered(event), LambdaContext()) == {"batchItemFailures": []}
    assert len(nlp_runs) == 2


class _Killed(BaseException):
    """Stands for Lambda stopping the function at its timeout: no `except Exception` cleanup runs."""


def test_handler_retries_an_object_whose_run_timed_out_once_that_run_is_over(
    handler: Handler, stack: Stack, nlp_runs: list[bytes]
) -> None:
    handler = handler.rebuilt(min_remaining_ms=0)
    stack.upload(KEY, SHORT_SEED.read_bytes())
    event = stack.receive_event()

    def killed(data: bytes) -> Any:
        raise _Killed

    handler.summariser.replacement = killed
    with pytest.raises(_Killed):
        handler.lambda_handler(event, LambdaContext.with_time_left(1.0))
    handler.summariser.replacement = None
    deadline = time.monotonic() + 1.0

    while_running = handler.lambda_handler(redelivered(event), LambdaContext())
    time.sleep(max(0.0, deadline - time.monotonic()) + 0.05)
    after_timeout = handler.lambda_handler(redelivered(event), LambdaContext())

    assert len(_failed_ids(while_running)) == 1
    assert after_timeout == {"batchItemFailures": []}
    assert stack.result(KEY)["status"] == "done"
    assert nlp_runs == [SHORT_SEED.read_bytes()]


def test_handler_lets_a_failed_run_be_retried_at_once(
    handler: Handler, stack: Stack, context: LambdaContext
) -> None:
    stack.upload(KEY, SHORT_SEED.read_bytes())
    event = stack.receive_event()
    misconfigured = handler.rebuilt(settings=replace(handler.function.settings, table_name="missing-table"))

    failed = misconfigured.lambda_handler(event, context)
    retried = handler.lambda_handler(redelivered(event), context)

    assert len(_failed_ids(failed)) == 1
    assert retried == {"batchItemFailures": []}
    assert stack.result(KEY)["status"] == "done"


def test_handler_reads_the_version_its_event_notified_even_after_a_re_upload(
    handler: Handler, stack: Stack, context: LambdaContext, nlp_runs: list[bytes], backoff: list[float]
) -> None:
    stack.upload(KEY, SHORT_SEED.read_bytes())
    first_event = stack.receive_event()
    stack.upload(KEY, SEED.read_bytes())
    second_event = stack.receive_event()

    first = handler.lambda_handler(first_event, context)
    first_item = stack.result(KEY)
    handler.lambda_handler(second_event, context)

    assert first == {"batchItemFailures": []}
    assert first_item["etag"] == _md5(SHORT_SEED.read_bytes())
    assert nlp_runs == [SHORT_SEED.read_bytes(), SEED.read_bytes()]
    assert stack.result(KEY)["etag"] == _md5(SEED.read_bytes())
    assert stack.result(KEY)["version_id"] != first_item["version_id"]
