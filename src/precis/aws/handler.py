"""Lambda shell: turn events into objects, summarise each with the core, store one item per object."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config

from precis.aws import events, storage
from precis.aws.events import ObjectRef
from precis.aws.settings import Settings
from precis.core import PIPELINE_VERSION, ArticleError, Summariser

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace="Precis")
processor = BatchProcessor(event_type=EventType.SQS)


class Clients(NamedTuple):
    """The AWS clients the function uses, built once per container."""

    s3: Any
    dynamodb: Any


def make_clients() -> Clients:
    """Clients with standard retries; boto3 itself honours AWS_ENDPOINT_URL (moto server, LocalStack)."""
    config = Config(retries={"mode": "standard"})
    return Clients(s3=boto3.client("s3", config=config), dynamodb=boto3.client("dynamodb", config=config))


SETTINGS = Settings.from_env()
SUMMARISER = Summariser.load(SETTINGS.models)
CLIENTS = make_clients()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Mapping[str, Any]:
    """SQS batches report failed records for redelivery; other events raise so Lambda retries them."""
    if events.is_sqs_event(event):
        return process_partial_response(
            event=event, record_handler=handle_record, processor=processor, context=context
        )
    for ref in events.object_refs(event):
        process_object(ref)
    return {}


def handle_record(record: SQSRecord) -> None:
    """Process every object of one SQS message; an exception marks only this message as failed."""
    for ref in events.sqs_record_refs(record):
        process_object(ref)


@tracer.capture_method(capture_response=False)
def process_object(ref: ObjectRef) -> None:
    """Summarise and store one object; errors other than unreadable articles propagate to be retried."""
    logger.set_correlation_id(ref.key)
    logger.append_keys(bucket=ref.bucket)
    try:
        item = store(ref, summarise_object(ref))
    except Exception:
        logger.exception("Object not processed; it will be retried")
        raise
    _record(item)


def summarise_object(ref: ObjectRef) -> dict[str, Any]:
    """A `done` item, or a `failed` one when the object can never be summarised (retrying would not help)."""
    started = time.perf_counter()
    try:
        stored = storage.read_object(CLIENTS.s3, ref.bucket, ref.key, max_bytes=SETTINGS.max_object_bytes)
        document = SUMMARISER.summarise(stored.data).to_dict()
    except (ArticleError, storage.UnreadableObject) as error:
        item = failed_item(ref, str(error))
    else:
        item = done_item(ref, stored, document)
    item["processing_ms"] = round((time.perf_counter() - started) * 1000)
    return item


def store(ref: ObjectRef, item: dict[str, Any]) -> dict[str, Any]:
    """Write the item; a result too large for the table is replaced by a `failed` item saying so."""
    try:
        storage.put_result(CLIENTS.dynamodb, SETTINGS.table_name, item)
    except storage.ResultTooLarge as error:
        item = {**failed_item(ref, str(error)), "processing_ms": item["processing_ms"]}
        storage.put_result(CLIENTS.dynamodb, SETTINGS.table_name, item)
    return item


def done_item(ref: ObjectRef, stored: storage.StoredObject, document: dict[str, Any]) -> dict[str, Any]:
    """The item of a summarised article, projecting from the JSON document what listing and search need."""
    model = document.get("model") or {}
    entities = document["entities"]
    return {
        **_base_item(ref),
        "status": "done",
        "document": document,
        "title": document["title"],
        "language": document["language"]["code"],
        "entity_names": _names(entity["text"] for entity in entities),
        "entity_aliases": _names(alias for entity in entities for alias in entity["aliases"]),
        "etag": stored.etag,
        "version_id": stored.version_id,
        "size": stored.size,
        "model_name": model.get("name"),
        "model_version": model.get("version"),
    }


def failed_item(ref: ObjectRef, reason: str) -> dict[str, Any]:
    """The item of an object that will never summarise, so users see why instead of a silent gap."""
    return {**_base_item(ref), "status": "failed", "error": reason}


def _base_item(ref: ObjectRef) -> dict[str, Any]:
    """Fields every item has, taken from the event (the object itself may be gone)."""
    return {
        "id": storage.result_id(ref.bucket, ref.key),
        "bucket": ref.bucket,
        "key": ref.key,
        "etag": ref.etag,
        "version_id": ref.version_id,
        "size": ref.size,
        "sequencer": ref.sequencer,
        "event_time": ref.event_time,
        "processed_at": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "pipeline_version": PIPELINE_VERSION,
    }


def _names(names: Iterable[str]) -> list[str]:
    """Distinct normalised names, sorted so items are stable across runs."""
    return sorted({storage.normalise_name(name) for name in names if name.strip()})


def _record(item: dict[str, Any]) -> None:
    """Metrics and one log line per object; never the article text or the title."""
    failed = item["status"] == "failed"
    name = "ArticlesFailed" if failed else "ArticlesProcessed"
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="ProcessingTime", unit=MetricUnit.Milliseconds, value=item["processing_ms"])
    fields = {"status": item["status"], "processing_ms": item["processing_ms"]}
    if failed:
        logger.warning("Article not summarised", extra={**fields, "reason": item["error"]})
    else:
        logger.info(
            "Article summarised",
            extra={**fields, "language": item["language"], "entities": len(item["entity_names"])},
        )
