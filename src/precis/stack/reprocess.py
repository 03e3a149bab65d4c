"""Reprocessing: objects already in the bucket sent through the normal queue again, as S3 would notify them.

Each chosen object becomes an S3 notification on the articles queue, so the function handles it exactly
like an upload: the same idempotency (a duplicate of an object version already done under the running
code's pipeline version is skipped; under another version it runs again), the same ordering, the same
failure handling. A message carries the stored item's sequencer (an equal order may replace the item; a
newer upload's own event still wins), and its event time and version id while the object is unchanged,
else the object's last modification time (and no version id: the latest is read).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote_plus

from precis.aws.batching import batched
from precis.aws.events import utc_time
from precis.aws.formats import is_supported
from precis.aws.query import Listing
from precis.aws.storage import plain_item, result_id
from precis.core.document import PIPELINE_VERSION
from precis.stack.target import Target

SEND_BATCH = 10
READ_BATCH = 100
_ORDER_FIELDS = "#key, etag, version_id, sequencer, event_time"


@dataclass(frozen=True)
class Candidate:
    """An object to notify again: its key, and what the bucket listing says of it (when it was listed)."""

    key: str
    etag: str | None = None
    size: int | None = None
    modified: datetime | None = None


def stale(listing: Listing, models: Mapping[str, str]) -> bool:
    """An item another pipeline version or another model produced: the running code would write another."""
    model = listing.get("model_name")
    return listing["pipeline_version"] != PIPELINE_VERSION or (
        model is not None and model not in models.values()
    )


def bucket_objects(target: Target, prefix: str = "") -> Iterator[Candidate]:
    """The supported objects of the articles bucket under a prefix (ListObjectsV2, page by page)."""
    pages = (
        target.client("s3")
        .get_paginator("list_objects_v2")
        .paginate(Bucket=target.names.bucket, Prefix=prefix)
    )
    for page in pages:
        for entry in page.get("Contents", []):
            if is_supported(entry["Key"]):
                yield Candidate(entry["Key"], entry["ETag"].strip('"'), entry["Size"], entry["LastModified"])


def listed(listings: Iterable[Listing]) -> Iterator[Candidate]:
    """Objects named by index listings (failed or stale items), each once."""
    seen: set[str] = set()
    for listing in listings:
        if listing["key"] not in seen:
            seen.add(listing["key"])
            yield Candidate(listing["key"])


def notifications(target: Target, candidates: Iterable[Candidate]) -> Iterator[str]:
    """The S3 notification body of each candidate, read 100 items at a time for their stored order."""
    for chunk in batched(candidates, READ_BATCH):
        stored = _stored_orders(target, [candidate.key for candidate in chunk])
        for candidate in chunk:
            yield json.dumps(_notification(target.names.bucket, candidate, stored.get(candidate.key)))


def enqueue(target: Target, bodies: Iterable[str]) -> Iterator[int]:
    """Send the bodies to the articles queue ten at a time; yields how many each batch sent."""
    sqs, queue_url = target.client("sqs"), target.articles_queue_url()
    for chunk in batched(bodies, SEND_BATCH):
        entries = [{"Id": str(number), "MessageBody": body} for number, body in enumerate(chunk)]
        response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        failed = response.get("Failed", [])
        if failed:
            reasons = ", ".join(
                sorted({str(failure.get("Message") or failure.get("Code")) for failure in failed})
            )
            raise RuntimeError(f"the queue refused {len(failed)} message(s): {reasons}")
        yield len(entries)


def _stored_orders(target: Target, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The ordering fields of the items of these keys (BatchGetItem, asking again for unprocessed keys)."""
    dynamodb, table, bucket = target.client("dynamodb"), target.names.table, target.names.bucket
    request: dict[str, Any] = {
        table: {
            "Keys": [{"id": {"S": result_id(bucket, key)}} for key in dict.fromkeys(keys)],
            "ProjectionExpression": _ORDER_FIELDS,
            "ExpressionAttributeNames": {"#key": "key"},
        }
    }
    found: dict[str, dict[str, Any]] = {}
    while request:
        response = dynamodb.batch_get_item(RequestItems=request)
        for raw in response["Responses"].get(table, []):
            item: dict[str, Any] = dict(plain_item(raw))
            found[str(item["key"])] = item
        request = response.get("UnprocessedKeys") or {}
    return found


def _notification(bucket: str, candidate: Candidate, stored: dict[str, Any] | None) -> dict[str, Any]:
    """One `ObjectCreated:Put` record carrying the stored item's order, so it may replace that item (an
    equal order rewrites); its time and version id stay the stored ones while the object is unchanged (so a
    version already done under this pipeline is a duplicate), else the object's time and latest version."""
    same = stored is not None and (candidate.etag is None or stored.get("etag") == candidate.etag)
    modified = utc_time(candidate.modified) if candidate.modified else None
    obj = {
        "key": quote_plus(candidate.key),
        "size": candidate.size,
        "eTag": candidate.etag or (stored or {}).get("etag"),
        "versionId": (stored or {}).get("version_id") if same else None,
        "sequencer": (stored or {}).get("sequencer"),
    }
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "eventTime": (stored or {}).get("event_time") if same else modified,
                "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": bucket}, "object": _present(obj)},
            }
        ]
    }


def _present(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields that have a value (S3 leaves out what it does not know)."""
    return {name: value for name, value in fields.items() if value is not None}
