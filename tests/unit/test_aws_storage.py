"""Storage adapters against moto: size checks before download, clear errors, items that round-trip."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from precis.aws.storage import (
    ObjectMissing,
    ObjectTooLarge,
    ResultTooLarge,
    StoredObject,
    find_by_entity,
    get_result,
    list_results,
    put_result,
    read_object,
    result_id,
)

BUCKET, TABLE = "articles", "results"
DOCUMENT = {
    "schema_version": "1.0",
    "title": "Élections à Besançon : « ça se joue à 0,1 % »",
    "language": {"code": "fr", "confidence": 0.987654321},
    "model": None,
    "entities": [{"type": "LOC", "text": "Besançon", "salience": 1.0, "aliases": [], "mentions": [[13, 21]]}],
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
        dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield s3, dynamodb


def _item(key: str, **fields: Any) -> dict[str, Any]:
    return {"id": result_id(BUCKET, key), "bucket": BUCKET, "key": key, "status": "done", **fields}


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


@pytest.mark.parametrize(
    ("a", "b"), [(("b", "k"), ("b", "k ")), (("a", "b.c/d"), ("a.b", "c/d")), (("b", "K"), ("b", "k"))]
)
def test_result_id_is_distinct_per_object(a: tuple[str, str], b: tuple[str, str]) -> None:
    assert result_id(*a) == result_id(*a) != result_id(*b)


def test_put_then_get_result_round_trips_the_document_exactly(clients: tuple[Any, Any]) -> None:
    _, dynamodb = clients
    item = _item(
        "k.txt", document=DOCUMENT, size=12, processing_ms=87, entity_names=["besançon"], version_id=None
    )

    put_result(dynamodb, TABLE, item)
    stored = get_result(dynamodb, TABLE, BUCKET, "k.txt")

    assert stored == {key: value for key, value in item.items() if value is not None}
    assert type(stored["size"]) is int


def test_get_result_is_none_for_an_unprocessed_object(clients: tuple[Any, Any]) -> None:
    assert get_result(clients[1], TABLE, BUCKET, "never.txt") is None


def test_list_results_returns_plain_items_up_to_the_limit(clients: tuple[Any, Any]) -> None:
    _, dynamodb = clients
    for n in range(5):
        put_result(dynamodb, TABLE, _item(f"{n}.txt", document=DOCUMENT))

    assert sorted(item["key"] for item in list_results(dynamodb, TABLE)) == [f"{n}.txt" for n in range(5)]
    assert len(list(list_results(dynamodb, TABLE, limit=2))) == 2
    assert all(item["document"] == DOCUMENT for item in list_results(dynamodb, TABLE))


@pytest.mark.parametrize(
    "query", ["emmanuel macron", "EMMANUEL MACRON", " Emmanuel  Macron ", "macron", "MACRON"]
)
def test_find_by_entity_matches_canonical_names_and_aliases_ignoring_case(
    clients: tuple[Any, Any], query: str
) -> None:
    _, dynamodb = clients
    put_result(dynamodb, TABLE, _item("hit.txt", entity_names=["emmanuel macron"], entity_aliases=["macron"]))
    put_result(dynamodb, TABLE, _item("miss.txt", entity_names=["paris"], entity_aliases=[]))
    put_result(dynamodb, TABLE, _item("failed.txt", status="failed", error="empty article"))

    assert [item["key"] for item in find_by_entity(dynamodb, TABLE, query)] == ["hit.txt"]


def test_find_by_entity_does_not_match_substrings(clients: tuple[Any, Any]) -> None:
    _, dynamodb = clients
    put_result(dynamodb, TABLE, _item("hit.txt", entity_names=["emmanuel macron"], entity_aliases=["macron"]))

    assert list(find_by_entity(dynamodb, TABLE, "macro")) == []


def test_put_result_reports_an_item_over_the_dynamodb_limit(clients: tuple[Any, Any]) -> None:
    _, dynamodb = clients
    huge = {**DOCUMENT, "keywords": ["mot"] * 150_000}

    with pytest.raises(ResultTooLarge, match="400 KB"):
        put_result(dynamodb, TABLE, _item("huge.txt", document=huge))
    assert get_result(dynamodb, TABLE, BUCKET, "huge.txt") is None
