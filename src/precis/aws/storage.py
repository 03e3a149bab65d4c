"""Storage adapters: plain functions over low-level boto3 clients, shared by the handler and the CLI."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from precis.aws.items import ResultItem

_MISSING_CODES = {"404", "NoSuchKey", "NoSuchVersion", "NotFound"}
# DynamoDB's item limit is 400 KB counting attribute names; 400,000 bytes is the stricter reading of "KB".
MAX_ITEM_BYTES = 400_000
# Room left for the index keys of earlier versions, which the write carries over (a few KB per version).
PENDING_KEYS_RESERVE = 64_000
_OR_EMPTY = "if_not_exists(%s, :empty)"
# A trimmed document keeps at most this much of each part, so an item holding one always fits.
TITLE_CHARS, TEXT_CHARS, SENTENCE_CHARS = 1_000, 200, 2_000
TOP_ENTITIES, TOP_ALIASES, TOP_KEYWORDS, TOP_SENTENCES = 20, 5, 20, 5
_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


class UnreadableObject(Exception):
    """The object can never be processed as it is; retrying the message would not help."""


class ObjectTooLarge(UnreadableObject):
    """The object is over the size limit; refused before its body is downloaded."""


class ObjectMissing(UnreadableObject):
    """The object was deleted (or never existed) by the time its notification was processed."""


@dataclass(frozen=True)
class StoredObject:
    """An object's bytes with the metadata that identifies the exact version that was read."""

    data: bytes
    etag: str
    version_id: str | None
    size: int


def read_object(
    s3: Any, bucket: str, key: str, *, max_bytes: int, version_id: str | None = None
) -> StoredObject:
    """Read an object, checking its size with HEAD first so a huge upload is never downloaded.

    With `version_id` (the notified version), exactly that version is read, however often the key was
    replaced since; without one, the latest, and GET must find the version HEAD saw (else S3 answers 412
    and the message is retried later).
    """
    which = {"VersionId": version_id} if version_id else {}
    head = _call(s3.head_object, bucket, key, Bucket=bucket, Key=key, **which)
    size = int(head["ContentLength"])
    if size > max_bytes:
        raise ObjectTooLarge(f"object is {size:,} bytes, over the {max_bytes:,}-byte limit; not read")
    which = which or {"IfMatch": head["ETag"]}
    response = _call(s3.get_object, bucket, key, Bucket=bucket, Key=key, **which)
    return StoredObject(
        data=response["Body"].read(),
        etag=head["ETag"].strip('"'),
        version_id=head.get("VersionId"),
        size=size,
    )


def result_id(bucket: str, key: str) -> str:
    """The partition key of an object's item: bucket names cannot contain '/', so this is unambiguous."""
    return f"{bucket}/{key}"


def put_result(
    dynamodb: Any, table: str, item: ResultItem, *, s3: Any, results_bucket: str, keep_done: bool = False
) -> list[str] | None:
    """Write an object's item unless a newer event's item is stored; None when this one was out of date.

    With `keep_done`, a `done` item of the same event is kept too (a give-up never hides a result that
    another delivery of the same upload stored).

    On success, returns the index keys that earlier versions owned and this one no longer counts on
    (`index_pending`, kept on the item until the index writer has removed them), so a crash between this
    write and the index's never loses track of an entry. A document too large for the item goes whole to
    `results_bucket`; the item then holds a trimmed view and `document_location`. Every such write gets its
    own S3 key, so an out-of-date write never overwrites a newer document; whichever document no item points
    to afterwards is deleted.
    """
    if results_bucket == item["bucket"]:
        raise ValueError("results must never be written into the bucket whose uploads trigger the function")
    stored = {**item, "document": _json(item["document"])} if item.get("document") is not None else item
    attributes, location = _serialise(stored), None
    if _item_size(attributes) > MAX_ITEM_BYTES - PENDING_KEYS_RESERVE:
        location = _put_document(s3, results_bucket, item)
        trimmed = _json(trimmed_document(item["document"]))
        attributes = _serialise({**stored, "document": trimmed, "document_location": location})
    try:
        response = dynamodb.update_item(
            TableName=table,
            Key={"id": attributes.pop("id")},
            ReturnValues="ALL_OLD",
            **_replacing(attributes, item, keep_done=keep_done),
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
        _delete_document(s3, location)
        return None
    old = plain_item(response["Attributes"]) if "Attributes" in response else None
    if old is None:
        return []
    _delete_document(s3, old.get("document_location"))
    return [*old.get("index_pending", []), *old.get("index_manifest", [])]


def _replacing(attributes: dict[str, Any], item: ResultItem, *, keep_done: bool) -> dict[str, Any]:
    """An update that replaces every field of the item but one: the index keys of earlier versions are
    carried over (`index_pending` += the old `index_manifest`) in the same atomic write."""
    names = {f"#f{number}": name for number, name in enumerate(attributes)}
    values = {f":v{number}": value for number, value in enumerate(attributes.values())}
    assignments = [f"{name} = :v{number}" for number, name in enumerate(names)]
    assignments.append(
        f"index_pending = list_append({_OR_EMPTY % 'index_pending'}, {_OR_EMPTY % 'index_manifest'})"
    )
    absent = sorted(set(ResultItem.__optional_keys__) - set(attributes) - {"index_pending", "index_manifest"})
    names |= {f"#r{number}": name for number, name in enumerate(absent)}
    removals = [f"#r{number}" for number in range(len(absent))]
    expression = "SET " + ", ".join(assignments) + (" REMOVE " + ", ".join(removals) if removals else "")
    request: dict[str, Any] = {
        "UpdateExpression": expression,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": {**values, ":empty": {"L": []}},
    }
    if item.get("event_order") is not None:
        request["ConditionExpression"] = "attribute_not_exists(event_order) OR event_order <= :order"
        request["ExpressionAttributeValues"][":order"] = {"S": item["event_order"]}
        if keep_done:
            request["ConditionExpression"] = (
                "attribute_not_exists(event_order) OR event_order < :order"
                " OR (event_order = :order AND #status <> :done)"
            )
            request["ExpressionAttributeNames"]["#status"] = "status"
            request["ExpressionAttributeValues"][":done"] = {"S": "done"}
    return request


def trimmed_document(document: dict[str, Any]) -> dict[str, Any]:
    """What listings and searches show of a document (title, language, top entities, summary), bounded."""
    small = (
        "schema_version",
        "language",
        "model",
        "entities_status",
        "entities_reason",
        "stats",
        "encoding",
        "source_format",
    )
    return {
        **{name: document[name] for name in small if name in document},
        "title": document["title"][:TITLE_CHARS],
        "entities": [
            {
                "type": entity["type"],
                "text": entity["text"][:TEXT_CHARS],
                "count": entity["count"],
                "salience": entity["salience"],
                "aliases": [alias[:TEXT_CHARS] for alias in entity["aliases"][:TOP_ALIASES]],
            }
            for entity in document["entities"][:TOP_ENTITIES]
        ],
        "summary": [
            {**sentence, "text": sentence["text"][:SENTENCE_CHARS]}
            for sentence in document["summary"][:TOP_SENTENCES]
        ],
        "keywords": [keyword[:TEXT_CHARS] for keyword in document["keywords"][:TOP_KEYWORDS]],
    }


def get_result(dynamodb: Any, table: str, bucket: str, key: str, *, s3: Any = None) -> ResultItem | None:
    """The item of one object as plain Python, or None when it was never processed or has been deleted.

    With `s3`, a document kept in the results bucket is read back whole; without it the item has the trimmed
    view, and `document_location` says where the whole document is.
    """
    response = dynamodb.get_item(
        TableName=table, Key={"id": {"S": result_id(bucket, key)}}, ConsistentRead=True
    )
    if "Item" not in response:
        return None
    item = plain_item(response["Item"])
    if item["status"] == "deleted":
        return None
    return with_whole_document(item, s3) if s3 is not None else item


def with_whole_document(item: ResultItem, s3: Any) -> ResultItem:
    """The item with its whole document, read from the results bucket when the item holds a trimmed view."""
    if s3 is not None and item.get("document_location"):
        results_bucket, _, results_key = item["document_location"].removeprefix("s3://").partition("/")
        item["document"] = json.loads(s3.get_object(Bucket=results_bucket, Key=results_key)["Body"].read())
    return item


def _call(method: Any, bucket: str, key: str, **params: Any) -> Any:
    """Call S3, turning "no such key" into ObjectMissing; every other error still propagates."""
    try:
        return method(**params)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in _MISSING_CODES:
            reason = f"object s3://{bucket}/{key} no longer exists (deleted before it was processed)"
            raise ObjectMissing(reason) from None
        raise


def _put_document(s3: Any, bucket: str, item: ResultItem) -> str:
    """Store a whole document under a key of its own in the results bucket; return its s3:// location."""
    key = f"results/{hashlib.sha256(item['id'].encode()).hexdigest()}/{uuid.uuid4().hex}.json"
    body = json.dumps(item["document"], ensure_ascii=False).encode()
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")
    return f"s3://{bucket}/{key}"


def _delete_document(s3: Any, location: str | None) -> None:
    """Delete a results-bucket document that no item points to any more."""
    if location:
        bucket, _, key = location.removeprefix("s3://").partition("/")
        s3.delete_object(Bucket=bucket, Key=key)


def _json(document: dict[str, Any]) -> str:
    """Documents are stored as JSON strings so they round-trip exactly (DynamoDB numbers are decimals)."""
    return json.dumps(document, ensure_ascii=False)


def _item_size(attributes: dict[str, Any]) -> int:
    """An upper bound of DynamoDB's size of an item: UTF-8 names and strings, numbers by their digits."""
    return sum(len(name.encode()) + _value_size(value) for name, value in attributes.items())


def _value_size(value: dict[str, Any]) -> int:
    """The size of one attribute value as DynamoDB counts it (lists and maps: 3 bytes plus 1 per element)."""
    [(kind, inner)] = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind in ("N", "B"):
        return len(inner) + 1
    if kind in ("SS", "NS", "BS"):
        return sum(len(v.encode() if isinstance(v, str) else v) + 1 for v in inner)
    if kind == "L":
        return 3 + sum(1 + _value_size(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + _value_size(v) for k, v in inner.items())
    return 1


def _serialise(item: Mapping[str, Any]) -> dict[str, Any]:
    """DynamoDB attribute values for the item, leaving out attributes whose value is None."""
    return {name: _SERIALIZER.serialize(value) for name, value in item.items() if value is not None}


def plain_item(item: dict[str, Any]) -> ResultItem:
    """Plain Python for a DynamoDB item: numbers as int/float, `document` parsed back into a dict."""
    result = {name: _from_decimal(_DESERIALIZER.deserialize(value)) for name, value in item.items()}
    if isinstance(result.get("document"), str):
        result["document"] = json.loads(result["document"])
    return cast(ResultItem, result)


def _from_decimal(value: Any) -> Any:
    """Decimals become int or float, recursively, so callers never see DynamoDB's number type."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_from_decimal(v) for v in value]
    if isinstance(value, dict):
        return {k: _from_decimal(v) for k, v in value.items()}
    return value
