"""The handler against moto: fake credentials, the stack's buckets, tables and queues, the handler module."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote_plus

import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws
from moto.core.models import botocore_stubber

from precis.aws.index import Tables
from precis.aws.items import ResultItem
from precis.aws.query import Archive
from precis.aws.settings import DEFAULT_MODELS, Settings
from precis.aws.storage import get_result, plain_item
from precis.aws.summarise import (
    LambdaHandler,
    SummariseFunction,
    Summarises,
    lambda_handler_for,
    logger,
    make_clients,
)
from precis.core.document import Document
from precis.core.pipeline import Summariser
from precis.local.context import LambdaContext
from precis.local.resources import create_resources
from precis.names import LOCAL_NAMES, LOCAL_REGION
from precis.stack.target import Target, local_session

REPO_ROOT = Path(__file__).resolve().parents[2]
EVENTS = REPO_ROOT / "events"
SEED = REPO_ROOT / "seeds" / "fr-03.txt"
SHORT_SEED = REPO_ROOT / "seeds" / "fr-02.txt"
SCHEMA_PATH = REPO_ROOT / "src" / "precis" / "schema" / "document.schema.json"
# The idempotency table and the bucket for results too large for an item, as the tests below import them.
IDEMPOTENCY_TABLE = LOCAL_NAMES.idempotency_table
RESULTS_BUCKET = LOCAL_NAMES.results_bucket

FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": LOCAL_REGION,
    "PRECIS_TABLE_NAME": LOCAL_NAMES.table,
    "PRECIS_INDEX_TABLE_NAME": LOCAL_NAMES.index_table,
    "PRECIS_IDEMPOTENCY_TABLE_NAME": IDEMPOTENCY_TABLE,
    "PRECIS_RESULTS_BUCKET": RESULTS_BUCKET,
    "PRECIS_MODELS": DEFAULT_MODELS,
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

    def result(self, key: str) -> ResultItem:
        """The stored item of one object, with its whole document; fails the test when there is none."""
        item = get_result(self.dynamodb, LOCAL_NAMES.table, LOCAL_NAMES.bucket, key, s3=self.s3)
        assert item is not None, f"no item for {key!r}"
        return item

    def items(self) -> list[ResultItem]:
        """Every live item of the results table (a test may scan; no read path of the product does)."""
        pages = self.dynamodb.get_paginator("scan").paginate(TableName=LOCAL_NAMES.table)
        items = [plain_item(item) for page in pages for item in page["Items"]]
        return [item for item in items if item["status"] != "deleted"]

    def archive(self) -> Archive:
        """The stack's archive, as the CLI and the API read it."""
        return Archive(self.dynamodb, Tables(LOCAL_NAMES.table, LOCAL_NAMES.index_table), s3=self.s3)

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


class _Body(io.BytesIO):
    """A canned HTTP body, streamed the way botocore reads one."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.getvalue()


@dataclass
class _Fault:
    """One injected fault: answer `operation` (on `table` only, if given) with an error, `times` times."""

    operation: str
    table: str | None
    status: int
    code: str
    times: int | None
    after: int
    attempts: list[int]

    def answer(self, service: str, operation: str, request: Any) -> AWSResponse | None:
        """The error response for a matching request while faults remain; None lets the request through."""
        if operation != self.operation or (self.table is not None and self.table not in _tables(request)):
            return None
        failing = len(self.attempts) >= self.after and (
            self.times is None or len(self.attempts) < self.after + self.times
        )
        if not failing:
            self.attempts.append(200)
            return None
        self.attempts.append(self.status)
        if service == "dynamodb":
            error_type = f"com.amazonaws.dynamodb.v20120810#{self.code}"
            body = json.dumps({"__type": error_type, "message": "injected"})
            headers = {"content-type": "application/x-amz-json-1.0"}
        else:
            body = f"<Error><Code>{self.code}</Code><Message>injected</Message></Error>"
            headers = {"content-type": "application/xml"}
        return AWSResponse(request.url, self.status, headers, _Body(body.encode()))


def _tables(request: Any) -> set[str]:
    """The DynamoDB tables a request names: its own, or those of a transaction's actions."""
    body = json.loads(request.body)
    if "TableName" in body:
        return {body["TableName"]}
    return {action[kind]["TableName"] for action in body.get("TransactItems", []) for kind in action}


def inject_fault(
    client: Any,
    operation: str,
    *,
    status: int,
    code: str,
    times: int | None = None,
    table: str | None = None,
    after: int = 0,
) -> list[int]:
    """Answer `operation` with an HTTP error `times` times (default: always) once `after` such requests went
    through, before moto sees the request.

    The error stands in for the HTTP response, so botocore's own retries handle it as they would a real one.
    The returned list grows by one entry per matching request: the status sent back, or 200 once let through.
    """
    if not hasattr(client, "injected_faults"):
        client.injected_faults = []
        service = client.meta.service_model.service_name

        def send(request: Any, event_name: str, **kwargs: Any) -> AWSResponse | None:
            operation = event_name.rsplit(".", 1)[-1]
            for fault in client.injected_faults:
                if (response := fault.answer(service, operation, request)) is not None:
                    return response
            return botocore_stubber(event_name=event_name, request=request, **kwargs)

        # moto answers in a before-send hook too, and every hook runs: replace it, so faults have no effect.
        client.meta.events.unregister("before-send", botocore_stubber)
        client.meta.events.register("before-send", send)
    attempts: list[int] = []
    client.injected_faults.append(_Fault(operation, table, status, code, times, after, attempts))
    return attempts


def load_event(name: str) -> dict[str, Any]:
    """A sample event from events/, the same files `sam local invoke -e` uses."""
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def s3_notification(
    key: str,
    *,
    etag: str | None,
    sequencer: str | None = None,
    event_time: str | None = None,
    event_name: str = "ObjectCreated:Put",
    version_id: str | None = None,
) -> dict[str, Any]:
    """An S3 notification of one object (created, unless told otherwise), key URL-encoded as S3 writes it;
    None leaves a field out."""
    event = load_event("s3-put.json")
    record = event["Records"][0]
    record["s3"]["object"] = {"key": quote_plus(key), "size": 1, "eTag": etag, "sequencer": sequencer}
    if version_id is not None:
        record["s3"]["object"]["versionId"] = version_id
    record["eventTime"] = event_time
    record["eventName"] = event_name
    return event


def sqs_event(*bodies: dict[str, Any]) -> dict[str, Any]:
    """An SQS batch with one message per body, each with its own message id, as Lambda delivers it."""
    template = load_event("sqs-s3-put.json")["Records"][0]
    records = [{**template, "messageId": str(uuid.uuid4()), "body": json.dumps(body)} for body in bodies]
    return {"Records": records}


def redelivered(event: dict[str, Any]) -> dict[str, Any]:
    """The same messages delivered again as new SQS messages (new ids), as a duplicate S3 notification is."""
    return {"Records": [{**record, "messageId": str(uuid.uuid4())} for record in event["Records"]]}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A fresh, empty moto account, started before any client of the test is created."""
    _fake_environment(monkeypatch)
    with mock_aws():
        yield


@contextmanager
def moto_account(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """A fresh moto account with the stack's resources, for a module whose tests share what they only read."""
    _fake_environment(monkeypatch)
    with mock_aws():
        yield stack_resources()


@dataclass
class RecordingSummariser:
    """The real core, noting the bytes of each article it summarises; `replacement` stands in when set."""

    inner: Summarises
    runs: list[bytes] = field(default_factory=list)
    replacement: Callable[[bytes], Document] | None = None

    def summarise(self, data: bytes) -> Document:
        """The replacement's answer if there is one (not noted), else the real document (noted)."""
        if self.replacement is not None:
            return self.replacement(data)
        self.runs.append(data)
        return self.inner.summarise(data)


@dataclass(frozen=True)
class Handler:
    """SummariseFunction built inside the test's moto account, and the entry point Lambda would call."""

    function: SummariseFunction
    summariser: RecordingSummariser
    lambda_handler: LambdaHandler

    @classmethod
    def build(cls, settings: Settings, summariser: RecordingSummariser, **options: Any) -> Handler:
        """A function over these settings with fresh clients (made inside the current moto account)."""
        function = SummariseFunction(settings, summariser, make_clients(settings), **options)
        return cls(function, summariser, lambda_handler_for(function))

    def rebuilt(self, *, settings: Settings | None = None, **options: Any) -> Handler:
        """The same core (and its record of runs) with other settings or options, as a new container."""
        return self.build(settings or self.function.settings, self.summariser, **options)


@pytest.fixture
def handler(aws: None, summariser: Summariser) -> Handler:
    """The function as deployed, over this test's moto account and the session's loaded core."""
    return Handler.build(Settings.from_env(), RecordingSummariser(summariser))


@pytest.fixture
def backoff(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits botocore asks for between retries, recorded instead of slept so fault tests stay fast."""
    waits: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=waits.append))
    return waits


@pytest.fixture
def log_stream(handler: Handler) -> Iterator[io.StringIO]:
    """Everything the handler's Powertools logger writes during the test."""
    stream_handler = logger.logger_handler
    assert isinstance(stream_handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = stream_handler.setStream(stream)
    yield stream
    stream_handler.setStream(previous)


@pytest.fixture
def nlp_runs(handler: Handler) -> list[bytes]:
    """The bytes of every article the core summarises during the test, in order."""
    return handler.summariser.runs


@pytest.fixture
def context() -> LambdaContext:
    """A Lambda context with a minute left, as the deployed function's timeout gives it."""
    return LambdaContext()


@pytest.fixture
def stack(aws: None) -> Stack:
    """The embedded stack's resources, made in this test's moto account by the code that makes them there."""
    return stack_resources()


def stack_resources() -> Stack:
    """The embedded stack's resources, made in the current moto account by the code that makes them there."""
    target = Target(local_session(), None, LOCAL_NAMES)
    queues = create_resources(target, visibility_timeout=360, max_receive_count=5)
    s3, dynamodb, sqs = (target.client(name) for name in ("s3", "dynamodb", "sqs"))
    return Stack(s3=s3, dynamodb=dynamodb, sqs=sqs, queue_url=queues.queue_url, queue_arn=queues.queue_arn)
