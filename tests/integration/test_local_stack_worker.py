"""One worker poll against in-process moto: successes are deleted, failures stay for redelivery."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from precis.local.resources import create_resources
from precis.local.worker import WorkerConfig, poll_once
from precis.names import LOCAL_NAMES, LOCAL_REGION
from precis.stack.target import Target, local_session


@pytest.fixture
def worker(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, WorkerConfig]]:
    """The stack's queue (emptied of S3's test event) and a worker config that never waits."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        target = Target(local_session(), None, LOCAL_NAMES)
        queues = create_resources(target, visibility_timeout=0, max_receive_count=5)
        sqs = target.client("sqs")
        sqs.purge_queue(QueueUrl=queues.queue_url)
        yield sqs, WorkerConfig(queues.queue_url, queues.queue_arn, LOCAL_REGION, {}, wait_seconds=0)


def send(sqs: Any, config: WorkerConfig, *bodies: str) -> None:
    """Queue plain messages; the stand-in handlers below only look at the bodies."""
    for body in bodies:
        sqs.send_message(QueueUrl=config.queue_url, MessageBody=body)


def remaining(sqs: Any, config: WorkerConfig) -> list[tuple[str, str]]:
    """(body, ApproximateReceiveCount) of the messages still in the queue."""
    messages = sqs.receive_message(
        QueueUrl=config.queue_url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
    ).get("Messages", [])
    return sorted((m["Body"], m["Attributes"]["ApproximateReceiveCount"]) for m in messages)


def fail_bodies(*bad: str) -> Any:
    """A handler reporting the records with these bodies as failed."""

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        failed = [r["messageId"] for r in event["Records"] if r["body"] in bad]
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}

    return handler


def test_worker_deletes_successes_and_keeps_reported_failures(worker: tuple[Any, WorkerConfig]) -> None:
    sqs, config = worker
    send(sqs, config, "a", "b", "c")

    seen = poll_once(sqs, fail_bodies("b"), config)

    assert seen == 3
    assert remaining(sqs, config) == [("b", "2")]


def test_worker_keeps_the_whole_batch_when_the_handler_raises(worker: tuple[Any, WorkerConfig]) -> None:
    sqs, config = worker
    send(sqs, config, "a", "b")

    def broken(event: dict[str, Any], context: Any) -> None:
        raise ConnectionError("table unavailable")

    poll_once(sqs, broken, config)

    assert remaining(sqs, config) == [("a", "2"), ("b", "2")]


def test_worker_poll_on_an_empty_queue_does_nothing(worker: tuple[Any, WorkerConfig]) -> None:
    sqs, config = worker

    assert poll_once(sqs, fail_bodies(), config) == 0
