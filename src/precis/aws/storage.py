"""Storage adapters: plain functions over low-level boto3 clients, shared by the handler and the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

_MISSING_CODES = {"404", "NoSuchKey", "NotFound"}
_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


class UnreadableObject(Exception):
    """The object can never be processed as it is; retrying the message would not help."""


class ObjectTooLarge(UnreadableObject):
    """The object is over the size limit; refused before its body is downloaded."""


class ObjectMissing(UnreadableObject):
    """The object was deleted (or never existed) by the time its notification was processed."""


class ResultTooLarge(ValueError):
    """DynamoDB refused the item for its size (400 KB); the same result would be refused on every retry."""


@dataclass(frozen=True)
class StoredObject:
    """An object's bytes with the metadata that identifies the exact version that was read."""

    data: bytes
    etag: str
    version_id: str | None
    size: int


def read_object(s3: Any, bucket: str, key: str, *, max_bytes: int) -> StoredObject:
    """Read an object, checking its size with HEAD first so a huge upload is never downloaded."""
    head = _call(s3.head_object, bucket, key, Bucket=bucket, Key=key)
    size = int(head["ContentLength"])
    if size > max_bytes:
        raise ObjectTooLarge(f"object is {size:,} bytes, over the {max_bytes:,}-byte limit; not read")
    # IfMatch: if the object was replaced since HEAD, S3 answers 412 and the message is retried later.
    response = _call(s3.get_object, bucket, key, Bucket=bucket, Key=key, IfMatch=head["ETag"])
    return StoredObject(
        data=response["Body"].read(),
        etag=head["ETag"].strip('"'),
        version_id=head.get("VersionId"),
        size=size,
    )


def result_id(bucket: str, key: str) -> str:
    """The partition key of an object's item: bucket names cannot contain '/', so this is unambiguous."""
    return f"{bucket}/{key}"


def normalise_name(name: str) -> str:
    """Entity names are stored and searched in this form, which makes lookups case-insensitive."""
    return " ".join(name.split()).lower()


def put_result(dynamodb: Any, table: str, item: dict[str, Any]) -> None:
    """Write (or replace) an object's item; `document` goes in as a JSON string so it round-trips exactly."""
    if item.get("document") is not None:
        item = {**item, "document": json.dumps(item["document"], ensure_ascii=False)}
    try:
        dynamodb.put_item(TableName=table, Item=_serialise(item))
    except ClientError as error:
        if "Item size has exceeded" in error.response.get("Error", {}).get("Message", ""):
            raise ResultTooLarge("the result is over DynamoDB's 400 KB item limit") from None
        raise


def get_result(dynamodb: Any, table: str, bucket: str, key: str) -> dict[str, Any] | None:
    """The item of one object as plain Python, or None when it was never processed."""
    response = dynamodb.get_item(
        TableName=table, Key={"id": {"S": result_id(bucket, key)}}, ConsistentRead=True
    )
    return _plain(response["Item"]) if "Item" in response else None


def list_results(dynamodb: Any, table: str, *, limit: int | None = None) -> Iterator[dict[str, Any]]:
    """Every stored item (up to `limit`), in table order, as plain Python."""
    return _scan(dynamodb, {"TableName": table}, limit)


def find_by_entity(dynamodb: Any, table: str, name: str) -> Iterator[dict[str, Any]]:
    """Items naming an entity, by canonical name or alias, ignoring case.

    This scans the whole table with a filter, which is fine for a small archive; a GSI on one item per
    (entity, document) pair is the way to go once the table grows.
    """
    request = {
        "TableName": table,
        "FilterExpression": "contains(entity_names, :name) OR contains(entity_aliases, :name)",
        "ExpressionAttributeValues": {":name": {"S": normalise_name(name)}},
    }
    return _scan(dynamodb, request, None)


def _call(method: Any, bucket: str, key: str, **params: Any) -> Any:
    """Call S3, turning "no such key" into ObjectMissing; every other error still propagates."""
    try:
        return method(**params)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in _MISSING_CODES:
            reason = f"object s3://{bucket}/{key} no longer exists (deleted before it was processed)"
            raise ObjectMissing(reason) from None
        raise


def _scan(dynamodb: Any, request: dict[str, Any], limit: int | None) -> Iterator[dict[str, Any]]:
    """Yield scanned items page by page, stopping after `limit` items."""
    pages = dynamodb.get_paginator("scan").paginate(**request)
    return islice((_plain(item) for page in pages for item in page["Items"]), limit)


def _serialise(item: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB attribute values for the item, leaving out attributes whose value is None."""
    return {name: _SERIALIZER.serialize(value) for name, value in item.items() if value is not None}


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    """Plain Python for a DynamoDB item: numbers as int/float, `document` parsed back into a dict."""
    result = {name: _from_decimal(_DESERIALIZER.deserialize(value)) for name, value in item.items()}
    if isinstance(result.get("document"), str):
        result["document"] = json.loads(result["document"])
    return result


def _from_decimal(value: Any) -> Any:
    """Decimals become int or float, recursively, so callers never see DynamoDB's number type."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_from_decimal(v) for v in value]
    if isinstance(value, dict):
        return {k: _from_decimal(v) for k, v in value.items()}
    return value
