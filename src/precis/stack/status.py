"""What `precis status` reports: where the stack is, and how many objects, messages and items it holds."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from botocore.exceptions import ClientError

from precis.names import LOCAL_NAMES, WEB_URL_PARAMETER
from precis.stack.target import Target


def count_objects(s3: Any, bucket: str) -> int:
    """All objects, over every page of the listing."""
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sum(page.get("KeyCount", 0) for page in pages)


def queue_counts(sqs: Any, queue_url: str) -> dict[str, int]:
    """Approximate counts, as SQS reports them: visible (waiting) and in flight (received, not deleted)."""
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return {
        "visible": int(attributes["ApproximateNumberOfMessages"]),
        "in_flight": int(attributes["ApproximateNumberOfMessagesNotVisible"]),
    }


def queues_status(target: Target) -> dict[str, dict[str, int]]:
    """Depth of the articles queue and of its dead-letter queue."""
    sqs = target.client("sqs")
    queue_url = target.articles_queue_url()
    dead_letter_queue_url = sqs.get_queue_url(QueueName=target.names.dead_letter_queue)["QueueUrl"]
    return {
        "queue": queue_counts(sqs, queue_url),
        "dead_letter_queue": queue_counts(sqs, dead_letter_queue_url),
    }


def web_url(target: Target) -> str | None:
    """Where the embedded stack's viewer listens, as `precis serve` recorded it; None for a deployed stack
    (browse it with `precis web --stack NAME`) or an embedded one serving no viewer."""
    if target.endpoint_url is None or target.names != LOCAL_NAMES:
        return None
    try:
        return str(target.client("ssm").get_parameter(Name=WEB_URL_PARAMETER)["Parameter"]["Value"])
    except ClientError:
        return None


def stack_status(target: Target) -> dict[str, Any]:
    """The JSON `precis status --json` prints."""
    return {
        "endpoint_url": target.endpoint_url,
        "region": target.session.region_name,
        "names": asdict(target.names),
        "objects": count_objects(target.client("s3"), target.names.bucket),
        **queues_status(target),
        "items": target.archive().counts(),
        "web_url": web_url(target),
    }
