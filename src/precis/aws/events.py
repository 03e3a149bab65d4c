"""Event parsing: every supported trigger becomes a list of object references with decoded keys."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.data_classes import S3Event, SNSEvent, SQSEvent
from aws_lambda_powertools.utilities.data_classes.s3_event import S3EventBridgeNotificationEvent
from aws_lambda_powertools.utilities.data_classes.sns_event import SNSMessage
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

# S3 sequencers are 16 to 20 hex digits today; padding to 64 leaves room and keeps string order exact.
SEQUENCER_WIDTH = 64


class UnsupportedEvent(ValueError):
    """The event is not one this function is wired to; failing makes the misconfiguration visible."""


@dataclass(frozen=True)
class ObjectRef:
    """One created (or, with `removed`, deleted) object named by an event; `key` is always decoded."""

    bucket: str
    key: str
    size: int | None = None
    etag: str | None = None
    version_id: str | None = None
    sequencer: str | None = None
    event_time: str | None = None
    removed: bool = False

    @property
    def order(self) -> str | None:
        """A string that sorts after the orders of older events on the same key; None when nothing orders it.

        S3's sequencer when the event has one (S3 and EventBridge always send it), else the event time (moto
        sends none), which has only millisecond resolution; a sequenced order sorts after any time-based one.
        """
        if self.sequencer:
            return f"2:{normalise_sequencer(self.sequencer)}"
        moment = utc_time(self.event_time)
        return f"1:{moment}" if moment else None


def normalise_sequencer(sequencer: str) -> str:
    """Right-pad with zeros to a fixed width, as S3 says to compare sequencers: then string order works."""
    return sequencer.strip().upper().ljust(SEQUENCER_WIDTH, "0")


def is_sqs_event(event: Mapping[str, Any]) -> bool:
    """SQS batches go through the batch processor; everything else is handled record by record."""
    return _records_from(event, "eventSource", "aws:sqs")


def is_sns_event(event: Mapping[str, Any]) -> bool:
    """S3 -> SNS -> Lambda: records whose `Sns.Message` is the S3 event, as a string."""
    return _records_from(event, "EventSource", "aws:sns")


def _records_from(event: Mapping[str, Any], field: str, source: str) -> bool:
    """The event has records and every one of them comes from `source`."""
    records = event.get("Records") or []
    return bool(records) and all(isinstance(r, Mapping) and r.get(field) == source for r in records)


def object_refs(event: Mapping[str, Any]) -> list[ObjectRef]:
    """Objects named by an SQS batch, an SNS delivery, an S3 notification, an EventBridge event or an
    s3:TestEvent (none)."""
    if is_sqs_event(event):
        return [ref for record in SQSEvent(dict(event)).records for ref in sqs_record_refs(record)]
    if is_sns_event(event):
        return [
            ref
            for record in SNSEvent(dict(event)).records
            for ref in _sns_message_refs(record.sns, f"SNS message {record.sns.message_id}")
        ]
    return _notification_refs(event)


def sqs_record_refs(record: SQSRecord) -> list[ObjectRef]:
    """Objects named by one SQS message, whose body is an S3 notification, an EventBridge event, or an SNS
    notification (S3 -> SNS -> SQS fan-out) whose `Message` is an S3 notification."""
    try:
        body = record.json_body
    except json.JSONDecodeError:
        raise UnsupportedEvent(f"SQS message {record.message_id} does not carry a JSON body") from None
    if not isinstance(body, Mapping) or is_sqs_event(body) or is_sns_event(body):
        raise UnsupportedEvent(f"SQS message {record.message_id} does not carry an S3 or EventBridge event")
    if body.get("Type") == "Notification" and "TopicArn" in body:
        return _sns_message_refs(SNSMessage(dict(body)), f"SQS message {record.message_id}")
    return _notification_refs(body)


def _sns_message_refs(message: SNSMessage, source: str) -> list[ObjectRef]:
    """Objects named by the S3 notification an SNS message carries as a JSON string."""
    try:
        inner = json.loads(message.message)
    except (json.JSONDecodeError, TypeError):
        raise UnsupportedEvent(f"{source} is an SNS notification whose Message is not JSON") from None
    if not isinstance(inner, Mapping) or is_sqs_event(inner) or is_sns_event(inner):
        raise UnsupportedEvent(f"{source} is an SNS notification that carries no S3 event")
    return _notification_refs(inner)


def _notification_refs(event: Mapping[str, Any]) -> list[ObjectRef]:
    """Objects named by an S3 notification or an EventBridge event; none for an s3:TestEvent."""
    if event.get("Event") == "s3:TestEvent":
        return []
    if "Records" in event:
        return _s3_refs(S3Event(dict(event)))
    if event.get("source") == "aws.s3" and isinstance(event.get("detail"), Mapping):
        return _eventbridge_refs(S3EventBridgeNotificationEvent(dict(event)))
    raise UnsupportedEvent(f"unsupported event with fields {sorted(event)[:8]}")


def _s3_refs(event: S3Event) -> list[ObjectRef]:
    """Created and removed objects of an S3 notification; keys are URL-encoded there, so each record's own
    key is decoded."""
    refs = []
    for record in event.records:
        if not record.event_name.startswith(("ObjectCreated:", "ObjectRemoved:")):
            continue
        obj = record.s3.get_object
        refs.append(
            ObjectRef(
                bucket=record.s3.bucket.name,
                key=unquote_plus(obj.key),
                size=obj.get("size"),
                etag=obj.get("eTag"),
                version_id=obj.get("versionId"),
                sequencer=obj.get("sequencer"),
                event_time=record.get("eventTime"),
                removed=record.event_name.startswith("ObjectRemoved:"),
            )
        )
    return refs


def _eventbridge_refs(event: S3EventBridgeNotificationEvent) -> list[ObjectRef]:
    """The created or deleted object of an EventBridge event, whose key is NOT URL-encoded (so read raw)."""
    if event.detail_type not in ("Object Created", "Object Deleted"):
        return []
    obj = event.detail.object
    return [
        ObjectRef(
            bucket=event.detail.bucket.name,
            key=obj["key"],
            size=obj.get("size"),
            etag=obj.get("etag"),
            version_id=obj.get("version-id"),
            sequencer=obj.get("sequencer"),
            event_time=event.get("time"),
            removed=event.detail_type == "Object Deleted",
        )
    ]


def utc_time(value: str | float | datetime | None) -> str | None:
    """An event time in one fixed-width UTC format, so that string order is time order; None if unreadable."""
    try:
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, int | float):
            moment = datetime.fromtimestamp(value, UTC)
        else:
            moment = datetime.fromisoformat(str(value))
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
