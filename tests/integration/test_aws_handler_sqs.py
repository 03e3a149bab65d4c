"""The production path against moto: upload -> S3 notification -> SQS -> handler -> one DynamoDB item."""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote_plus

import jsonschema
import pytest
from botocore.exceptions import ClientError

from precis.aws.storage import get_result
from precis.core.document import PIPELINE_VERSION
from precis.names import LOCAL_NAMES
from tests.integration.conftest import SCHEMA_PATH, SEED, Handler, LambdaContext, Stack

BUCKET, TABLE = LOCAL_NAMES.bucket, LOCAL_NAMES.table
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)
AWKWARD_KEYS = [
    "inbox/fr 03 copy.txt",
    "a+b=c&d.txt",
    "économie/élections à Besançon.txt",
    "deep/ly/nested/folder/article.md",
    "100% sûr (v2).txt",
]


def _message_ids_by_raw_key(event: dict[str, Any]) -> dict[str, str]:
    """The SQS message id that carries each object key, as written (URL-encoded) in the notification."""
    return {
        json.loads(record["body"])["Records"][0]["s3"]["object"]["key"]: record["messageId"]
        for record in event["Records"]
        if "Records" in json.loads(record["body"])
    }


def _fail_puts_for(handler: Handler, key: str) -> None:
    """Make DynamoDB throttle (after botocore's own retries) every write of one object's item."""

    def throttle(params: dict[str, Any], **_: Any) -> None:
        if params["Key"]["id"].get("S") == f"{BUCKET}/{key}" and "TableName" in params:
            error = {"Code": "ProvisionedThroughputExceededException", "Message": "Rate exceeded"}
            raise ClientError({"Error": error}, "UpdateItem")

    handler.function.clients.dynamodb.meta.events.register(
        "before-parameter-build.dynamodb.UpdateItem", throttle
    )


def test_handler_stores_the_seed_article_as_a_done_item(
    handler: Handler, stack: Stack, context: LambdaContext
) -> None:
    data = SEED.read_bytes()
    stack.upload("seeds/fr-03.txt", data)

    response = handler.lambda_handler(stack.receive_event(), context)

    assert response == {"batchItemFailures": []}
    item = stack.result("seeds/fr-03.txt")
    assert item["status"] == "done"
    assert item["id"] == f"{BUCKET}/seeds/fr-03.txt"
    assert item["key"] == "seeds/fr-03.txt"
    assert item["title"] and item["title"] == item["document"]["title"]
    assert item["language"] == "fr"
    assert item["uploaded_at"] <= item["processed_at"].replace("Z", "000Z")
    assert item["size"] == len(data)
    assert item["etag"] == hashlib.md5(data).hexdigest()
    assert (item["model_name"], item["model_version"]) == (
        item["document"]["model"]["name"],
        item["document"]["model"]["version"],
    )
    assert item["pipeline_version"] == PIPELINE_VERSION
    assert isinstance(item["processing_ms"], int)
    assert datetime.fromisoformat(item["processed_at"]).utcoffset() == timedelta(0)
    jsonschema.validate(item["document"], json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def test_handler_makes_entities_findable_by_any_case(
    handler: Handler, stack: Stack, context: LambdaContext
) -> None:
    stack.upload("seeds/fr-03.txt", SEED.read_bytes())
    handler.lambda_handler(stack.receive_event(), context)
    entity = stack.result("seeds/fr-03.txt")["document"]["entities"][0]

    found = stack.archive().articles_naming(entity["text"].upper()).items

    assert [mention["key"] for mention in found] == ["seeds/fr-03.txt"]


def test_handler_decodes_every_key_of_a_batch(handler: Handler, stack: Stack, context: LambdaContext) -> None:
    for key in AWKWARD_KEYS:
        stack.upload(key, SEED.read_bytes())
    event = stack.receive_event()
    bodies = " ".join(record["body"] for record in event["Records"])
    assert all(quote_plus(key) in bodies for key in AWKWARD_KEYS)

    response = handler.lambda_handler(event, context)

    assert response == {"batchItemFailures": []}
    for key in AWKWARD_KEYS:
        item = stack.result(key)
        assert (item["key"], item["status"]) == (key, "done")


@pytest.mark.parametrize(
    ("key", "body"),
    [("images/photo.txt", PNG), ("drafts/empty.txt", b""), ("drafts/blank.md", b" \n\t\n ")],
)
def test_handler_stores_unreadable_articles_as_failed_without_failing_the_batch(
    handler: Handler, stack: Stack, context: LambdaContext, key: str, body: bytes
) -> None:
    stack.upload(key, body)

    response = handler.lambda_handler(stack.receive_event(), context)

    assert response == {"batchItemFailures": []}
    item = stack.result(key)
    assert item["status"] == "failed"
    assert isinstance(item["error"], str) and len(item["error"]) > 10
    assert "document" not in item


def test_handler_ignores_the_s3_test_event_moto_sends(
    handler: Handler, stack: Stack, context: LambdaContext
) -> None:
    event = stack.receive_event()
    assert [json.loads(record["body"]).get("Event") for record in event["Records"]] == ["s3:TestEvent"]

    response = handler.lambda_handler(event, context)

    assert response == {"batchItemFailures": []}
    assert stack.items() == []


def test_handler_reports_only_the_record_that_raised(
    handler: Handler, stack: Stack, context: LambdaContext
) -> None:
    keys = ["batch/one.txt", "batch/two.txt", "batch/three.txt"]
    for key in keys:
        stack.upload(key, SEED.read_bytes())
    event = stack.receive_event()
    _fail_puts_for(handler, "batch/two.txt")

    response = handler.lambda_handler(event, context)

    assert response == {
        "batchItemFailures": [{"itemIdentifier": _message_ids_by_raw_key(event)["batch%2Ftwo.txt"]}]
    }
    assert get_result(stack.dynamodb, TABLE, BUCKET, "batch/two.txt") is None
    others = ("batch/one.txt", "batch/three.txt")
    assert {key: stack.result(key)["status"] for key in others} == dict.fromkeys(others, "done")


def test_handler_refuses_a_too_large_object_before_reading_it(
    handler: Handler, stack: Stack, context: LambdaContext
) -> None:
    handler = handler.rebuilt(settings=replace(handler.function.settings, max_object_bytes=1_000))
    downloads: list[str] = []
    handler.function.clients.s3.meta.events.register(
        "before-parameter-build.s3.GetObject", lambda params, **_: downloads.append(params["Key"])
    )
    stack.upload("big/article.txt", SEED.read_bytes())

    response = handler.lambda_handler(stack.receive_event(), context)

    assert response == {"batchItemFailures": []}
    assert downloads == []
    item = stack.result("big/article.txt")
    assert item["status"] == "failed"
    assert "1,000-byte limit" in item["error"]


def test_handler_stores_a_failed_item_for_an_object_deleted_before_processing(
    handler: Handler, stack: Stack, context: LambdaContext
) -> None:
    version = stack.s3.put_object(Bucket=BUCKET, Key="gone/article.txt", Body=SEED.read_bytes())["VersionId"]
    created = stack.receive_event()
    stack.s3.delete_object(Bucket=BUCKET, Key="gone/article.txt", VersionId=version)
    removed = stack.receive_event()

    response = handler.lambda_handler(created, context)

    assert response == {"batchItemFailures": []}
    item = stack.result("gone/article.txt")
    assert item["status"] == "failed"
    assert "no longer exists" in item["error"]
    assert handler.lambda_handler(removed, context) == {"batchItemFailures": []}
    assert stack.items() == []


def test_handler_emits_metrics_and_never_logs_article_text(
    handler: Handler,
    stack: Stack,
    context: LambdaContext,
    log_stream: io.StringIO,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sentinel = "Zorglubovitch"
    article = SEED.read_text(encoding="utf-8").replace("\n\n", f"\n\nM. {sentinel} a parlé.\n\n", 1)
    stack.upload("private/article.txt", article.encode())
    stack.upload("private/empty.txt", b"")

    handler.lambda_handler(stack.receive_event(), context)

    logs = log_stream.getvalue()
    out, err = capsys.readouterr()
    assert '"correlation_id":"private/article.txt"' in logs.replace(" ", "")
    assert "Article summarised" in logs and "Article not summarised" in logs
    assert "ArticlesProcessed" in out and "ArticlesFailed" in out and "ProcessingTime" in out
    assert sentinel not in logs + out + err
    document = stack.result("private/article.txt")["document"]
    assert sentinel in json.dumps(document, ensure_ascii=False)
