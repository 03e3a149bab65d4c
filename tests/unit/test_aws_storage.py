"""Storage adapters against moto: size checks before download, ordered writes, items that always fit."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from precis.aws.events import SEQUENCER_WIDTH, ObjectRef
from precis.aws.items import ResultItem
from precis.aws.storage import (
    MAX_ITEM_BYTES,
    PENDING_KEYS_RESERVE,
    ObjectMissing,
    ObjectTooLarge,
    StoredObject,
    get_result,
    put_result,
    read_object,
    result_id,
)
from tests.conftest import result_item

BUCKET, TABLE, RESULTS = "articles", "results", "results-bucket"
# DynamoDB's limit read as 400,000 bytes; moto only refuses items over 405,000. An item keeps room for the
# index keys of earlier versions, so the largest document it holds is that much smaller.
OVER_400_KB, JUST_FITS = 401_000, MAX_ITEM_BYTES - PENDING_KEYS_RESERVE - 1_000
DOCUMENT: dict[str, Any] = {
    "schema_version": "2.0",
    "title": "Élections à Besançon : « ça se joue à 0,1 % »",
    "language": {"code": "fr", "confidence": 0.987654321},
    "model": None,
    "entities": [
        {
            "type": "LOC",
            "text": "Besançon",
            "count": 1,
            "salience": 1.0,
            "aliases": [],
            "mentions": [[13, 21]],
        }
    ],
    "summary": [],
    "keywords": ["élections"],
    "nested": {"empty": {}, "list": [1, 2.5, None, True, "x"]},
}


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any]]:
    """An S3 client with one bucket and a DynamoDB client with the results table, in a fresh moto account."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        s3.create_bucket(Bucket=RESULTS)
        dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield s3, dynamodb


def _item(key: str, **fields: Any) -> ResultItem:
    return result_item(BUCKET, key, **fields)


def _put(clients: tuple[Any, Any], item: ResultItem) -> bool:
    s3, dynamodb = clients
    return put_result(dynamodb, TABLE, item, s3=s3, results_bucket=RESULTS) is not None


def _stored_documents(s3: Any) -> list[str]:
    return [entry["Key"] for entry in s3.list_objects_v2(Bucket=RESULTS).get("Contents", [])]


def _document_of_size(size: int) -> dict[str, Any]:
    """DOCUMENT with keywords added until its JSON is `size` bytes long."""
    document = {**DOCUMENT, "keywords": []}
    base = len(json.dumps(document, ensure_ascii=False).encode())
    document["keywords"] = ["x" * (size - base - 2)]
    assert len(json.dumps(document, ensure_ascii=False).encode()) == size
    return document


def test_read_object_returns_bytes_and_identity(clients: tuple[Any, Any]) -> None:
    s3, _ = clients
    s3.put_object(Bucket=BUCKET, Key="a b/é.txt", Body=b"hello")

    stored = read_object(s3, BUCKET, "a b/é.txt", max_bytes=5)

    assert stored == StoredObject(
        data=b"hello", etag=hashlib.md5(b"hello").hexdigest(), version_id=None, size=5
    )


def test_read_object_refuses_a_large_object_without_downloading_it(clients: tuple[Any, Any]) -> None:
    s3, _ = clients
    s3.put_object(Bucket=BUCKET, Key="big.txt", Body=b"x" * 101)
    downloads: list[str] = []
    s3.meta.events.register(
        "before-parameter-build.s3.GetObject", lambda params, **_: downloads.append(params["Key"])
    )

    with pytest.raises(ObjectTooLarge, match="101 bytes, over the 100-byte limit"):
        read_object(s3, BUCKET, "big.txt", max_bytes=100)
    assert downloads == []


def test_read_object_reports_a_deleted_object_clearly(clients: tuple[Any, Any]) -> None:
    s3, _ = clients

    with pytest.raises(ObjectMissing, match=r"s3://articles/gone\.txt no longer exists"):
        read_object(s3, BUCKET, "gone.txt", max_bytes=100)


def test_read_object_reads_exactly_the_notified_version(clients: tuple[Any, Any]) -> None:
    s3, _ = clients
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket=BUCKET, Key="v.txt", Body=b"first")["VersionId"]
    s3.put_object(Bucket=BUCKET, Key="v.txt", Body=b"second, newer")

    stored = read_object(s3, BUCKET, "v.txt", max_bytes=100, version_id=first)

    assert (stored.data, stored.version_id, stored.size) == (b"first", first, 5)


def test_read_object_reports_a_deleted_version_clearly(clients: tuple[Any, Any]) -> None:
    s3, _ = clients
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket=BUCKET, Key="v.txt", Body=b"first")["VersionId"]
    s3.put_object(Bucket=BUCKET, Key="v.txt", Body=b"second")
    s3.delete_object(Bucket=BUCKET, Key="v.txt", VersionId=first)

    with pytest.raises(ObjectMissing, match="no longer exists"):
        read_object(s3, BUCKET, "v.txt", max_bytes=100, version_id=first)


@pytest.mark.parametrize(
    ("a", "b"), [(("b", "k"), ("b", "k ")), (("a", "b.c/d"), ("a.b", "c/d")), (("b", "K"), ("b", "k"))]
)
def test_result_id_is_distinct_per_object(a: tuple[str, str], b: tuple[str, str]) -> None:
    assert result_id(*a) == result_id(*a) != result_id(*b)


def test_put_then_get_result_round_trips_the_document_exactly(clients: tuple[Any, Any]) -> None:
    s3, dynamodb = clients
    item = _item("k.txt", document=DOCUMENT, size=12, processing_ms=87, language="fr", version_id=None)

    assert _put(clients, item)
    stored = get_result(dynamodb, TABLE, BUCKET, "k.txt", s3=s3)

    # Nothing was indexed before, so nothing is pending removal (the index writer then drops the list).
    assert stored == {**{key: value for key, value in item.items() if value is not None}, "index_pending": []}
    assert type(stored["size"]) is int
    assert _stored_documents(s3) == []


def test_get_result_is_none_for_an_unprocessed_object(clients: tuple[Any, Any]) -> None:
    assert get_result(clients[1], TABLE, BUCKET, "never.txt") is None


def test_moto_alone_would_accept_an_item_over_400_kb(clients: tuple[Any, Any]) -> None:
    _, dynamodb = clients

    dynamodb.put_item(TableName=TABLE, Item={"id": {"S": "x"}, "document": {"S": "x" * OVER_400_KB}})


@pytest.mark.parametrize("size", [OVER_400_KB, 2_000_000])
def test_put_result_moves_a_document_too_large_for_the_item_to_the_results_bucket(
    clients: tuple[Any, Any], size: int
) -> None:
    s3, dynamodb = clients
    document = _document_of_size(size)

    assert _put(clients, _item("big.txt", document=document, language="fr"))

    raw = dynamodb.get_item(TableName=TABLE, Key={"id": {"S": result_id(BUCKET, "big.txt")}})["Item"]
    assert len(json.dumps(raw, ensure_ascii=False).encode()) < 10_000
    [key] = _stored_documents(s3)
    assert key.startswith(f"results/{hashlib.sha256(result_id(BUCKET, 'big.txt').encode()).hexdigest()}/")
    whole = get_result(dynamodb, TABLE, BUCKET, "big.txt", s3=s3)
    assert whole is not None and whole["document"] == document
    assert whole["document_location"] == f"s3://{RESULTS}/{key}"
    trimmed = get_result(dynamodb, TABLE, BUCKET, "big.txt")
    assert trimmed is not None and trimmed["document"]["title"] == DOCUMENT["title"]
    assert trimmed["document"]["entities"] == [
        {name: value for name, value in DOCUMENT["entities"][0].items() if name != "mentions"}
    ]
    assert trimmed["language"] == "fr"


def test_put_result_keeps_a_document_that_just_fits_in_the_item(clients: tuple[Any, Any]) -> None:
    s3, dynamodb = clients
    document = _document_of_size(JUST_FITS)

    assert _put(clients, _item("fits.txt", document=document))

    raw = dynamodb.get_item(TableName=TABLE, Key={"id": {"S": result_id(BUCKET, "fits.txt")}})["Item"]
    assert json.loads(raw["document"]["S"]) == document
    assert _stored_documents(s3) == []


def test_put_result_deletes_documents_no_item_points_to(clients: tuple[Any, Any]) -> None:
    s3, _ = clients
    big = _document_of_size(OVER_400_KB)

    _put(clients, _item("k.txt", document=big, event_order="2:2"))
    first = _stored_documents(s3)
    _put(clients, _item("k.txt", document=big, event_order="2:3"))
    second = _stored_documents(s3)
    refused = _put(clients, _item("k.txt", document=big, event_order="2:1"))
    after_refusal = _stored_documents(s3)
    _put(clients, _item("k.txt", status="failed", error="gone", event_order="2:4"))

    assert len(first) == len(second) == 1 and first != second
    assert not refused and after_refusal == second
    assert _stored_documents(s3) == []


def test_put_result_never_writes_into_the_articles_bucket(clients: tuple[Any, Any]) -> None:
    s3, dynamodb = clients

    with pytest.raises(ValueError, match="never be written into the bucket"):
        put_result(dynamodb, TABLE, _item("k.txt", document=DOCUMENT), s3=s3, results_bucket=BUCKET)


sequencers = st.text(alphabet="0123456789ABCDEF", min_size=1, max_size=SEQUENCER_WIDTH)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=sequencers, second=sequencers)
@example(first="0A1B00FF", second="0A1B")
@example(first="0A2", second="0A1FFFFFFF")
def test_put_result_keeps_the_item_of_the_later_event_whatever_the_arrival_order(
    clients: tuple[Any, Any], first: str, second: str
) -> None:
    _, dynamodb = clients
    key = f"{uuid.uuid4()}.txt"
    width = max(len(first), len(second))
    later = max(first, second, key=lambda sequencer: sequencer.ljust(width, "0"))

    written = [
        _put(clients, _item(key, sequencer=s, event_order=ObjectRef(BUCKET, key, sequencer=s).order))
        for s in (first, second)
    ]

    stored = get_result(dynamodb, TABLE, BUCKET, key)
    assert stored is not None and str(stored.get("sequencer")).ljust(width, "0") == later.ljust(width, "0")
    assert written == [True, second.ljust(width, "0") >= first.ljust(width, "0")]


def test_put_result_writes_unconditionally_without_an_event_order(clients: tuple[Any, Any]) -> None:
    _, dynamodb = clients
    _put(
        clients, _item("k.txt", sequencer="0B", event_order=ObjectRef(BUCKET, "k.txt", sequencer="0B").order)
    )

    assert _put(clients, _item("k.txt", status="failed", error="replayed by hand"))

    stored = get_result(dynamodb, TABLE, BUCKET, "k.txt")
    assert stored is not None and stored["status"] == "failed" and "event_order" not in stored
