"""The embedded stack's S3 notifications carry what S3 sends, so ordering works as deployed."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from precis.local.emulation.s3 import next_sequencer
from precis.names import LOCAL_NAMES
from tests.integration.conftest import (
    SEED,
    SHORT_SEED,
    Handler,
    LambdaContext,
    Stack,
    load_event,
    redelivered,
    sqs_event,
)

BUCKET = LOCAL_NAMES.bucket
SAMPLE_KEY = "seeds/fr-03.txt"
# The samples in events/ are shaped as real events of SEED uploaded as SAMPLE_KEY.
SAMPLES = ["s3-put.json", "sqs-s3-put.json", "eventbridge-object-created.json"]


def _records(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The S3 records of every message of an SQS event (the s3:TestEvent has none)."""
    bodies = [json.loads(record["body"]) for record in event["Records"]]
    return [s3 for body in bodies for s3 in body.get("Records", [])]


def _replayed(sample: str) -> dict[str, Any]:
    """A sample from events/ as it reaches the function: SQS samples as they are, others in an SQS batch."""
    event = load_event(sample)
    return event if sample.startswith("sqs-") else sqs_event(event)


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def test_local_notifications_carry_a_growing_sequencer_and_the_version_id(stack: Stack) -> None:
    versions = [stack.s3.put_object(Bucket=BUCKET, Key="a.txt", Body=body) for body in (b"one", b"two")]
    stack.s3.put_object(Bucket=BUCKET, Key="b.txt", Body=b"other")
    stack.s3.delete_object(Bucket=BUCKET, Key="a.txt")

    records = _records(stack.receive_event())

    a = [record for record in records if record["s3"]["object"]["key"] == "a.txt"]
    assert [record["eventName"] for record in a] == [
        "ObjectCreated:Put",
        "ObjectCreated:Put",
        "ObjectRemoved:DeleteMarkerCreated",
    ]
    assert [record["s3"]["object"]["versionId"] for record in a[:2]] == [v["VersionId"] for v in versions]
    sequencers = [record["s3"]["object"]["sequencer"] for record in a]
    assert sequencers == sorted(sequencers) and len(set(sequencers)) == 3
    assert all(len(sequencer) == 18 for sequencer in sequencers)
    assert "eTag" not in a[2]["s3"]["object"] and a[2]["s3"]["object"]["versionId"]


def test_sequencers_grow_per_key_even_when_the_clock_does_not() -> None:
    moment = 1_736_933_400_000_000_000
    first, second = (next_sequencer("bucket", "same-instant.txt", moment) for _ in range(2))

    assert first == "0067878018" + "00000000" and second > first
    assert next_sequencer("bucket", "other.txt", moment) == first


def test_a_local_deletion_removes_the_result(handler: Handler, stack: Stack, context: LambdaContext) -> None:
    stack.upload("gone.txt", SHORT_SEED.read_bytes())
    handler.lambda_handler(stack.receive_event(), context)
    stack.s3.delete_object(Bucket=BUCKET, Key="gone.txt")

    assert handler.lambda_handler(stack.receive_event(), context) == {"batchItemFailures": []}
    assert stack.items() == []


@pytest.mark.parametrize("sample", SAMPLES)
def test_a_replayed_real_event_never_pins_a_stale_result(
    handler: Handler, stack: Stack, context: LambdaContext, sample: str
) -> None:
    stack.upload(SAMPLE_KEY, SEED.read_bytes())
    stack.receive_event()
    replayed = _replayed(sample)
    handler.lambda_handler(replayed, context)
    assert stack.result(SAMPLE_KEY)["etag"] == _md5(SEED.read_bytes())

    stack.upload(SAMPLE_KEY, SHORT_SEED.read_bytes())
    handler.lambda_handler(stack.receive_event(), context)
    handler.lambda_handler(redelivered(replayed), context)

    assert stack.result(SAMPLE_KEY)["etag"] == _md5(SHORT_SEED.read_bytes())


@pytest.mark.parametrize("sample", SAMPLES)
def test_a_late_replayed_event_never_replaces_a_local_upload(
    handler: Handler, stack: Stack, context: LambdaContext, sample: str
) -> None:
    stack.upload(SAMPLE_KEY, SEED.read_bytes())
    stack.receive_event()
    stack.upload(SAMPLE_KEY, SHORT_SEED.read_bytes())
    handler.lambda_handler(stack.receive_event(), context)
    stored = stack.result(SAMPLE_KEY)

    handler.lambda_handler(_replayed(sample), context)

    assert stack.result(SAMPLE_KEY) == stored
