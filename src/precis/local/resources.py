"""The resources template.yaml declares, created in moto so the local stack behaves like the deployed one."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from precis.stack.target import Target

IDEMPOTENCY_EXPIRY_ATTRIBUTE = "expiration"  # what Powertools idempotency writes and template.yaml expires
RESULTS_EXPIRY_ATTRIBUTE = "expires_at"  # set on tombstones only (precis.aws.summarise)
# What the articles bucket reports to the queue: uploads, and deletions (which remove results).
NOTIFIED_EVENTS = ("s3:ObjectCreated:*", "s3:ObjectRemoved:*")

DLQ_RETENTION_SECONDS = 14 * 24 * 3600


@dataclass(frozen=True)
class QueueAddresses:
    """What the workers and `status` need to reach the queues."""

    queue_url: str
    queue_arn: str
    dead_letter_queue_url: str


def create_resources(target: Target, *, visibility_timeout: int, max_receive_count: int) -> QueueAddresses:
    """Queues first (the bucket notification needs the queue), then buckets, then tables."""
    sqs = target.client("sqs")
    dead_letter_queue_url = sqs.create_queue(
        QueueName=target.names.dead_letter_queue,
        Attributes={"MessageRetentionPeriod": str(DLQ_RETENTION_SECONDS)},
    )["QueueUrl"]
    redrive_policy = {
        "deadLetterTargetArn": queue_arn(sqs, dead_letter_queue_url),
        "maxReceiveCount": max_receive_count,
    }
    queue_url = sqs.create_queue(
        QueueName=target.names.queue,
        Attributes={
            "VisibilityTimeout": str(visibility_timeout),
            "RedrivePolicy": json.dumps(redrive_policy),
        },
    )["QueueUrl"]
    addresses = QueueAddresses(queue_url, queue_arn(sqs, queue_url), dead_letter_queue_url)
    s3, dynamodb = target.client("s3"), target.client("dynamodb")
    create_bucket(s3, target.names.bucket, addresses.queue_arn)
    create_results_bucket(s3, target.names.results_bucket)
    create_table(dynamodb, target.names.table, RESULTS_EXPIRY_ATTRIBUTE)
    create_table(dynamodb, target.names.idempotency_table, IDEMPOTENCY_EXPIRY_ATTRIBUTE)
    create_index_table(dynamodb, target.names.index_table)
    return addresses


def queue_arn(sqs: Any, queue_url: str) -> str:
    """The ARN that redrive policies, notifications and SQS event records name a queue by."""
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]
    return str(attributes["QueueArn"])


def notification_configuration(queue_arn: str) -> dict[str, Any]:
    """One rule per notified event and no filter, as in template.yaml: S3's suffix filters are
    case-sensitive, so the function itself tells articles from other uploads (and answers both)."""
    return {
        "QueueConfigurations": [
            {"Id": f"articles-{event.split(':')[1].lower()}", "QueueArn": queue_arn, "Events": [event]}
            for event in NOTIFIED_EVENTS
        ]
    }


def create_bucket(s3: Any, bucket: str, queue_arn: str) -> None:
    """The articles bucket, versioned like the deployed one, notifying the queue of new articles."""
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration=notification_configuration(queue_arn)
    )


def create_results_bucket(s3: Any, bucket: str) -> None:
    """Documents too large for an item; versioned, and notifying nothing (no loop back into the function)."""
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})


def create_table(dynamodb: Any, table: str, expiry_attribute: str) -> None:
    """A table keyed by `id` (S) whose items expire at `expiry_attribute`: results and idempotency."""
    dynamodb.create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.update_time_to_live(
        TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": expiry_attribute}
    )


def create_index_table(dynamodb: Any, table: str) -> None:
    """The query index: partition key `pk` names a question, sort key `sk` orders its answers."""
    dynamodb.create_table(
        TableName=table,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST",
    )
