"""The local worker speaks Lambda's SQS contract: event shape in, ReportBatchItemFailures out."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from precis.local.worker import WorkerConfig, failed_message_ids, invoke, load_handler, new_context, sqs_event
from tests.integration import poison_handler

QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:precis-articles"
CONFIG = WorkerConfig(
    queue_url="http://q", queue_arn=QUEUE_ARN, region="us-east-1", environment={}, function_timeout=30
)


def message(message_id: str, **extra: Any) -> dict[str, Any]:
    """A ReceiveMessage result entry, as boto3 returns it."""
    return {
        "MessageId": message_id,
        "ReceiptHandle": f"handle-{message_id}",
        "MD5OfBody": "d41d8cd98f00b204e9800998ecf8427e",
        "Body": '{"Records": []}',
        "Attributes": {"ApproximateReceiveCount": "2", "SentTimestamp": "1700000000000"},
        **extra,
    }


def event_of(*ids: str) -> dict[str, Any]:
    """An SQS event with these message ids."""
    return sqs_event([message(message_id) for message_id in ids], QUEUE_ARN, "us-east-1")


def test_worker_event_has_the_lambda_sqs_record_shape() -> None:
    attributes = {
        "origin": {"DataType": "String", "StringValue": "test"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
    }

    (record,) = sqs_event([message("m1", MessageAttributes=attributes)], QUEUE_ARN, "us-east-1")["Records"]

    assert record["messageId"] == "m1"
    assert record["receiptHandle"] == "handle-m1"
    assert record["attributes"]["ApproximateReceiveCount"] == "2"
    assert (record["eventSource"], record["eventSourceARN"], record["awsRegion"]) == (
        "aws:sqs",
        QUEUE_ARN,
        "us-east-1",
    )
    assert record["messageAttributes"]["origin"]["stringValue"] == "test"
    assert record["messageAttributes"]["blob"]["binaryValue"] == base64.b64encode(b"\x00\x01").decode()
    assert record["messageAttributes"]["blob"]["dataType"] == "Binary"


@pytest.mark.parametrize(
    ("response", "failed"),
    [
        ({"batchItemFailures": []}, set()),
        (None, set()),
        ({}, set()),
        ({"batchItemFailures": [{"itemIdentifier": "b"}]}, {"b"}),
        ({"batchItemFailures": [{"itemIdentifier": "unknown"}]}, {"a", "b"}),
    ],
)
def test_worker_reads_batch_item_failures_as_lambda_does(response: Any, failed: set[str]) -> None:
    assert failed_message_ids(response, event_of("a", "b")) == failed


def test_worker_handler_exception_fails_the_whole_batch() -> None:
    def broken(event: dict[str, Any], context: Any) -> None:
        raise RuntimeError("boom")

    assert invoke(broken, event_of("a", "b"), CONFIG) == {"a", "b"}


def test_worker_context_has_what_powertools_reads() -> None:
    context = new_context(CONFIG)

    assert context.invoked_function_arn.startswith("arn:aws:lambda:us-east-1:123456789012:function:")
    assert 29_000 < context.get_remaining_time_in_millis() <= 30_000
    assert context.aws_request_id != new_context(CONFIG).aws_request_id


def test_worker_builds_its_handler_once_from_a_factory_path() -> None:
    assert load_handler("tests.integration.poison_handler:create") is poison_handler.lambda_handler
    with pytest.raises(ValueError, match="module:factory"):
        load_handler("json.dumps")
