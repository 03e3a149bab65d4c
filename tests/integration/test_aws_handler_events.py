"""The other triggers against moto: the sample events in events/, S3 -> EventBridge -> SQS and
S3 -> SNS -> SQS."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from precis.names import LOCAL_NAMES, LOCAL_REGION
from tests.integration.conftest import SEED, Handler, LambdaContext, Stack, inject_fault, load_event

BUCKET, TABLE = LOCAL_NAMES.bucket, LOCAL_NAMES.table
SAMPLE_KEY = "seeds/fr-03.txt"


@pytest.fixture
def eventbridge_stack(stack: Stack) -> Stack:
    """The same stack, but S3 notifies EventBridge and a rule forwards "Object Created" to the queue."""
    stack.s3.put_bucket_notification_configuration(
        Bucket=BUCKET, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    stack.receive_event()
    events = boto3.client("events", region_name=LOCAL_REGION)
    pattern = {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [BUCKET]}},
    }
    events.put_rule(Name="precis-object-created", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="precis-object-created", Targets=[{"Id": "articles", "Arn": stack.queue_arn}])
    return stack


@pytest.fixture
def sns_stack(stack: Stack) -> Stack:
    """The same stack, but S3 notifies an SNS topic that fans out to the queue (no raw message delivery)."""
    sns = boto3.client("sns", region_name=LOCAL_REGION)
    topic = sns.create_topic(Name="precis-articles-topic")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=stack.queue_arn)
    stack.s3.put_bucket_notification_configuration(
        Bucket=BUCKET,
        NotificationConfiguration={
            "TopicConfigurations": [
                {"TopicArn": topic, "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]}
            ]
        },
    )
    stack.receive_event()
    return stack


@pytest.mark.parametrize("sample", ["s3-put.json", "eventbridge-object-created.json", "sns-s3-put.json"])
def test_handler_processes_a_direct_sample_event(
    handler: Handler, stack: Stack, context: LambdaContext, sample: str
) -> None:
    stack.upload(SAMPLE_KEY, SEED.read_bytes())

    response = handler.lambda_handler(load_event(sample), context)

    assert response == {}
    item = stack.result(SAMPLE_KEY)
    assert item["status"] == "done"
    assert item["sequencer"] == "00678780181A2B3C4D"


@pytest.mark.parametrize("sample", ["sqs-s3-put.json", "sqs-sns-s3-put.json"])
def test_handler_processes_the_sqs_sample_events(
    handler: Handler, stack: Stack, context: LambdaContext, sample: str
) -> None:
    stack.upload(SAMPLE_KEY, SEED.read_bytes())

    response = handler.lambda_handler(load_event(sample), context)

    assert response == {"batchItemFailures": []}
    assert stack.result(SAMPLE_KEY)["status"] == "done"


def test_handler_ignores_the_sample_s3_test_event(
    handler: Handler, stack: Stack, context: LambdaContext
) -> None:
    response = handler.lambda_handler(load_event("s3-test-event.json"), context)

    assert response == {"batchItemFailures": []}
    assert stack.items() == []


def test_handler_raises_on_a_direct_event_so_lambda_retries(
    handler: Handler, stack: Stack, context: LambdaContext, backoff: list[float]
) -> None:
    stack.upload(SAMPLE_KEY, SEED.read_bytes())
    throttled = "ProvisionedThroughputExceededException"
    inject_fault(handler.function.clients.dynamodb, "UpdateItem", status=400, code=throttled, table=TABLE)

    with pytest.raises(ClientError, match="ProvisionedThroughputExceeded"):
        handler.lambda_handler(load_event("s3-put.json"), context)
    assert stack.items() == []


def test_handler_reads_eventbridge_keys_as_written(
    handler: Handler, eventbridge_stack: Stack, context: LambdaContext
) -> None:
    keys = ["inbox/a+b c.txt", "économie/100% sûr.txt"]
    for key in keys:
        eventbridge_stack.upload(key, SEED.read_bytes())
    event = eventbridge_stack.receive_event()
    assert {json.loads(record["body"])["detail"]["object"]["key"] for record in event["Records"]} == set(keys)

    response = handler.lambda_handler(event, context)

    assert response == {"batchItemFailures": []}
    assert [eventbridge_stack.result(key)["status"] for key in keys] == [
        "done",
        "done",
    ]


def test_handler_takes_s3_events_fanned_out_through_sns(
    handler: Handler, sns_stack: Stack, context: LambdaContext
) -> None:
    keys = ["fan/a+b c.txt", "fan/été.txt"]
    for key in keys:
        sns_stack.upload(key, SEED.read_bytes())
    event = sns_stack.receive_event()
    assert all(json.loads(record["body"])["Type"] == "Notification" for record in event["Records"])

    response = handler.lambda_handler(event, context)
    sns_stack.s3.delete_object(Bucket=BUCKET, Key=keys[1])
    removed = handler.lambda_handler(sns_stack.receive_event(), context)

    assert response == removed == {"batchItemFailures": []}
    assert [item["key"] for item in sns_stack.items()] == [keys[0]]
