"""Every supported trigger becomes object references whose keys are the real, decoded object keys."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from aws_lambda_powertools.utilities.data_classes import SQSEvent
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from hypothesis import example, given
from hypothesis import strategies as st

from precis.aws.events import (
    SEQUENCER_WIDTH,
    ObjectRef,
    UnsupportedEvent,
    is_sqs_event,
    object_refs,
    sqs_record_refs,
)

EVENTS = Path(__file__).resolve().parents[2] / "events"
BUCKET = "precis-articles-123456789012-us-east-1"
SAMPLE_REF = ObjectRef(
    bucket=BUCKET,
    key="seeds/fr-03.txt",
    size=4775,
    etag="ab63ed27d94abf91db36b2cf7cd6886b",
    sequencer="00678780181A2B3C4D",
)
keys = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(" +%/&=?#"),
    min_size=1,
    max_size=60,
)


def _load(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def _s3_event(*raw_keys: str) -> dict[str, Any]:
    """The sample S3 notification with one record per raw (already encoded) key."""
    event = _load("s3-put.json")
    template = event["Records"][0]
    event["Records"] = [copy.deepcopy(template) for _ in raw_keys]
    for record, raw_key in zip(event["Records"], raw_keys, strict=True):
        record["s3"]["object"]["key"] = raw_key
    return event


def _eventbridge_event(key: str) -> dict[str, Any]:
    event = _load("eventbridge-object-created.json")
    event["detail"]["object"]["key"] = key
    return event


def _sqs_event(*bodies: dict[str, Any]) -> dict[str, Any]:
    event = _load("sqs-s3-put.json")
    template = event["Records"][0]
    event["Records"] = [
        {**template, "messageId": f"m{i}", "body": json.dumps(body)} for i, body in enumerate(bodies)
    ]
    return event


@pytest.mark.parametrize("sample", ["s3-put.json", "sqs-s3-put.json"])
def test_object_refs_reads_the_s3_samples(sample: str) -> None:
    [ref] = object_refs(_load(sample))

    assert ref == ObjectRef(**{**SAMPLE_REF.__dict__, "event_time": "2025-01-15T09:30:00.000Z"})


@pytest.mark.parametrize("sample", ["sns-s3-put.json", "sqs-sns-s3-put.json"])
def test_object_refs_reads_s3_events_fanned_out_through_sns(sample: str) -> None:
    [ref] = object_refs(_load(sample))

    assert ref == ObjectRef(**{**SAMPLE_REF.__dict__, "event_time": "2025-01-15T09:30:00.000Z"})


def _sns_notification(message: dict[str, Any]) -> dict[str, Any]:
    """The SNS notification of the S3 -> SNS -> SQS sample, around another message."""
    notification = json.loads(_load("sqs-sns-s3-put.json")["Records"][0]["body"])
    return {**notification, "Message": json.dumps(message)}


@given(key=keys)
def test_sqs_record_refs_unwraps_s3_events_inside_sns_notifications(key: str) -> None:
    event = _sqs_event(
        _sns_notification(_s3_event(quote_plus(key))),
        _sns_notification(json.loads(_load("s3-test-event.json")["Records"][0]["body"])),
    )

    assert [[ref.key for ref in sqs_record_refs(record)] for record in SQSEvent(event).records] == [[key], []]


@pytest.mark.parametrize("message", ["not json", "[1]", json.dumps({"Type": "Notification"})])
def test_sqs_record_refs_rejects_sns_notifications_of_something_else(message: str) -> None:
    notification = {**_sns_notification({}), "Message": message}
    record = {**_load("sqs-s3-put.json")["Records"][0], "body": json.dumps(notification)}

    with pytest.raises(UnsupportedEvent):
        sqs_record_refs(SQSRecord(record))


def test_object_refs_reads_the_eventbridge_sample() -> None:
    [ref] = object_refs(_load("eventbridge-object-created.json"))

    assert ref == ObjectRef(**{**SAMPLE_REF.__dict__, "event_time": "2025-01-15T09:30:00Z"})


def test_object_refs_ignores_the_s3_test_event() -> None:
    event = _load("s3-test-event.json")

    assert object_refs(event) == []
    assert sqs_record_refs(next(SQSEvent(event).records)) == []


def test_object_refs_decodes_each_record_of_a_multi_record_event() -> None:
    event = _s3_event("inbox%2Fred+flower.txt", "caf%C3%A9+%2B+cr%C3%A8me.txt", "plain.txt")

    assert [ref.key for ref in object_refs(event)] == [
        "inbox/red flower.txt",
        "café + crème.txt",
        "plain.txt",
    ]


def test_object_refs_reads_moto_minimal_records() -> None:
    record = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-east-1",
        "eventTime": "2025-01-15T09:30:00.000Z",
        "eventName": "ObjectCreated:Put",
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "c",
            "bucket": {"name": BUCKET, "arn": f"arn:aws:s3:::{BUCKET}"},
            "object": {"key": "a%2Fb+c.txt", "size": 3, "eTag": "e"},
        },
    }

    assert object_refs({"Records": [record]}) == [
        ObjectRef(bucket=BUCKET, key="a/b c.txt", size=3, etag="e", event_time="2025-01-15T09:30:00.000Z")
    ]


def test_object_refs_keep_creations_and_removals_only() -> None:
    event = _s3_event("kept.txt", "removed.txt", "tagged.txt")
    event["Records"][1]["eventName"] = "ObjectRemoved:Delete"
    event["Records"][2]["eventName"] = "ObjectTagging:Put"
    deleted = _eventbridge_event("removed.txt")
    deleted["detail-type"] = "Object Deleted"
    restored = _eventbridge_event("restored.txt")
    restored["detail-type"] = "Object Restore Completed"

    assert [(ref.key, ref.removed) for ref in object_refs(event)] == [
        ("kept.txt", False),
        ("removed.txt", True),
    ]
    assert [(ref.key, ref.removed) for ref in object_refs(deleted)] == [("removed.txt", True)]
    assert object_refs(restored) == []


@given(key=keys)
def test_object_refs_decodes_s3_keys_however_they_were_encoded(key: str) -> None:
    assert [ref.key for ref in object_refs(_s3_event(quote_plus(key), quote(key, safe="/")))] == [key, key]


@given(key=keys)
def test_object_refs_keeps_eventbridge_keys_as_written(key: str) -> None:
    [ref] = object_refs(_eventbridge_event(key))

    assert ref.key == key


@given(key=keys)
def test_sqs_record_refs_unwraps_s3_and_eventbridge_bodies(key: str) -> None:
    event = _sqs_event(_s3_event(quote_plus(key)), _eventbridge_event(key))

    assert is_sqs_event(event)
    assert [[ref.key for ref in sqs_record_refs(record)] for record in SQSEvent(event).records] == [
        [key],
        [key],
    ]
    assert [ref.key for ref in object_refs(event)] == [key, key]


@pytest.mark.parametrize(
    "event",
    [{}, {"source": "aws.ec2", "detail": {}}, {"detail-type": "Object Created"}],
)
def test_object_refs_rejects_unsupported_events(event: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedEvent):
        object_refs(event)


@pytest.mark.parametrize("body", ["not json", "[1, 2]", json.dumps(_load("sqs-s3-put.json"))])
def test_sqs_record_refs_rejects_bodies_that_are_not_s3_or_eventbridge_events(body: str) -> None:
    record = {**_load("sqs-s3-put.json")["Records"][0], "body": body}

    with pytest.raises(UnsupportedEvent):
        sqs_record_refs(SQSRecord(record))


sequencers = st.text(alphabet="0123456789ABCDEF", min_size=1, max_size=SEQUENCER_WIDTH)
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))


def _s3_comparison(a: str, b: str) -> int:
    """-1, 0 or 1, as S3 says to compare sequencers: right-pad the shorter with zeros, then compare."""
    width = max(len(a), len(b))
    a, b = a.ljust(width, "0"), b.ljust(width, "0")
    return (a > b) - (a < b)


def _order(**fields: Any) -> str | None:
    return ObjectRef(bucket=BUCKET, key="k", **fields).order


@given(a=sequencers, b=sequencers)
@example(a="0A1B", b="0A1B000")
@example(a="0A2", b="0A1FFFFFFF")
def test_event_order_compares_sequencers_of_any_length_as_s3_documents(a: str, b: str) -> None:
    order_a, order_b = _order(sequencer=a), _order(sequencer=b)

    assert order_a is not None and order_b is not None
    assert (order_a > order_b) - (order_a < order_b) == _s3_comparison(a, b)
    assert _order(sequencer=a.lower()) == order_a


@given(earlier=moments, later=moments, offset=st.sampled_from([-5, 0, 2]))
def test_event_order_falls_back_to_the_event_time_in_any_format(
    earlier: datetime, later: datetime, offset: int
) -> None:
    zone = timezone(timedelta(hours=offset))
    as_s3 = earlier.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    as_offset = later.astimezone(zone).isoformat()

    order_earlier, order_later = _order(event_time=as_s3), _order(event_time=as_offset)

    assert order_earlier is not None and order_later is not None
    expected = earlier.replace(microsecond=earlier.microsecond // 1000 * 1000)
    assert (order_earlier < order_later) == (expected < later)
    assert _order(event_time=later.timestamp()) == order_later


@given(sequencer=sequencers, moment=moments)
def test_event_order_puts_any_sequenced_event_after_any_timed_one(sequencer: str, moment: datetime) -> None:
    timed = _order(event_time=moment.isoformat())
    sequenced = _order(sequencer=sequencer, event_time=moment.isoformat())

    assert timed is not None and sequenced is not None and timed < sequenced


@pytest.mark.parametrize("event_time", [None, "", "yesterday", "2025-13-45T00:00:00Z"])
def test_event_order_is_none_without_a_sequencer_or_a_readable_time(event_time: str | None) -> None:
    assert _order(event_time=event_time) is None
