"""Give-ups are visible: on the last receive SQS allows, a failing object gets a `failed` item saying so."""

from __future__ import annotations

import io
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from precis.aws.index import Tables
from precis.aws.summarise import MAX_ATTEMPTS
from precis.names import LOCAL_NAMES
from precis.stack.reprocess import enqueue, listed, notifications
from precis.stack.target import Target, local_session
from tests.integration.conftest import (
    IDEMPOTENCY_TABLE,
    SHORT_SEED,
    Handler,
    LambdaContext,
    Stack,
    inject_fault,
)
from tools.common.audit import audit_index

KEY = "fragile/sécheresse.txt"
SENTINEL = "Zorglubovitch"
RECEIVES = 5


def _receive(event: dict[str, Any], count: int) -> dict[str, Any]:
    """The same messages received for the `count`th time, as SQS numbers them."""
    return {
        "Records": [
            {**record, "attributes": {**record["attributes"], "ApproximateReceiveCount": str(count)}}
            for record in event["Records"]
        ]
    }


def _deliver(handler: Handler, event: dict[str, Any]) -> list[str]:
    """The ids of the messages left in the queue (all of them when the whole batch failed and raised)."""
    try:
        response = handler.lambda_handler(event, LambdaContext())
    except BatchProcessingError:
        return [record["messageId"] for record in event["Records"]]
    return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


def _uploaded(stack: Stack) -> dict[str, Any]:
    """An article whose text holds a sentinel no log or reason may quote, and its notification."""
    text = SHORT_SEED.read_text(encoding="utf-8").replace("\n\n", f"\n\nM. {SENTINEL} a parlé.\n\n", 1)
    stack.upload(KEY, text.encode())
    return _uploads(stack)


def _uploads(stack: Stack) -> dict[str, Any]:
    """The waiting notifications of uploads and deletions (not the s3:TestEvent of the new bucket)."""
    records = stack.receive_event()["Records"]
    return {"Records": [record for record in records if "s3:TestEvent" not in record["body"]]}


def _fail_always(
    handler: Handler, service: str, operation: str, status: int, code: str, table: str | None
) -> None:
    client = handler.function.clients.s3 if service == "s3" else handler.function.clients.dynamodb
    inject_fault(client, operation, status=status, code=code, table=table)


FAULTS = [
    ("s3", "HeadObject", 503, "SlowDown", None),
    ("dynamodb", "PutItem", 400, "ThrottlingException", IDEMPOTENCY_TABLE),
]


@pytest.mark.parametrize(("service", "operation", "status", "code", "table"), FAULTS)
def test_handler_records_a_give_up_on_the_last_receive_and_leaves_the_message_to_the_dlq(
    handler: Handler,
    stack: Stack,
    backoff: list[float],
    log_stream: io.StringIO,
    service: str,
    operation: str,
    status: int,
    code: str,
    table: str | None,
) -> None:
    event = _uploaded(stack)
    _fail_always(handler, service, operation, status, code, table)
    message_ids = [record["messageId"] for record in event["Records"]]

    earlier = [_deliver(handler, _receive(event, n)) for n in range(1, RECEIVES)]
    assert stack.items() == []
    last = _deliver(handler, _receive(event, RECEIVES))

    assert earlier == [message_ids] * (RECEIVES - 1) and last == message_ids
    item = stack.result(KEY)
    assert (item["status"], item["error"]) == ("failed", f"gave up after 5 attempts: {code}")
    assert [listing["key"] for listing in stack.archive().failed().items] == [KEY]
    assert SENTINEL not in log_stream.getvalue()
    assert '"outcome":"gave_up"' in log_stream.getvalue().replace(" ", "")


def test_reprocess_failed_retries_a_give_up_once_the_fault_clears(
    handler: Handler, stack: Stack, backoff: list[float], nlp_runs: list[bytes]
) -> None:
    event = _uploaded(stack)
    _fail_always(handler, "s3", "HeadObject", 503, "SlowDown", None)
    _deliver(handler, _receive(event, RECEIVES))
    handler.function.clients.s3.injected_faults.clear()
    target = Target(local_session(), None, LOCAL_NAMES)

    sent = sum(enqueue(target, notifications(target, listed(stack.archive().failed().items))))
    response = handler.lambda_handler(stack.receive_event(), LambdaContext())

    assert sent == 1 and response == {"batchItemFailures": []}
    assert stack.result(KEY)["status"] == "done" and len(nlp_runs) == 1
    assert stack.archive().failed().items == []


def test_handler_never_hides_a_stored_result_of_the_same_upload_behind_a_give_up(
    handler: Handler, stack: Stack, backoff: list[float]
) -> None:
    event = _uploaded(stack)
    duplicate = {"Records": [{**record, "messageId": "duplicate"} for record in event["Records"]]}
    handler.lambda_handler(event, LambdaContext())
    impatient = handler.rebuilt(min_remaining_ms=10**9)

    assert _deliver(impatient, _receive(duplicate, RECEIVES)) == ["duplicate"]
    assert stack.result(KEY)["status"] == "done"


def test_handler_records_no_give_up_before_the_last_receive_nor_for_a_deletion(
    handler: Handler, stack: Stack, backoff: list[float]
) -> None:
    event = _uploaded(stack)
    handler.lambda_handler(event, LambdaContext())
    stack.s3.delete_object(Bucket=LOCAL_NAMES.bucket, Key=KEY)
    removal = _uploads(stack)
    _fail_always(handler, "dynamodb", "PutItem", 400, "ThrottlingException", IDEMPOTENCY_TABLE)

    assert len(_deliver(handler, _receive(removal, RECEIVES))) == 1
    assert stack.result(KEY)["status"] == "done"


def test_a_give_up_after_the_result_was_stored_still_completes_its_index(
    handler: Handler, stack: Stack, backoff: list[float]
) -> None:
    event = _uploaded(stack)
    # The run's index transaction fails on every botocore attempt; the give-up's own try goes through.
    inject_fault(
        handler.function.clients.dynamodb,
        "TransactWriteItems",
        status=500,
        code="InternalServerError",
        times=MAX_ATTEMPTS,
        table=LOCAL_NAMES.index_table,
    )
    message_ids = [record["messageId"] for record in event["Records"]]

    assert _deliver(handler, _receive(event, RECEIVES)) == message_ids
    assert stack.result(KEY)["status"] == "done"
    audit = audit_index(stack.dynamodb, Tables(LOCAL_NAMES.table, LOCAL_NAMES.index_table), stack.s3)
    assert audit.exact and audit.entries > 0
