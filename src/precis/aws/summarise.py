"""SummariseFunction: events to objects, each object version summarised once, one item per object."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Protocol

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config
from botocore.exceptions import ClientError

from precis.aws import events, formats, index, storage
from precis.aws.events import ObjectRef, UnsupportedEvent, utc_time
from precis.aws.index import Tables
from precis.aws.index_writer import IndexWriter
from precis.aws.items import ItemStatus, ResultItem
from precis.aws.settings import Settings
from precis.core.document import PIPELINE_VERSION
from precis.core.errors import ArticleError

if TYPE_CHECKING:
    from precis.core.document import Document
    from precis.core.pipeline import Summariser

logger = Logger()
# botocore logs request and response bodies, article text included, at DEBUG: keep it above that level even
# when the function's log level (and so the root logger's) is DEBUG.
logging.getLogger("botocore").setLevel(logging.INFO)
# Only botocore is traced (S3 and DynamoDB calls): by default the tracer patches every library X-Ray knows,
# importing those the layer happens to hold (httpx, requests, sqlite3: about 0.5 s of the cold start).
tracer = Tracer(patch_modules=("botocore",))
metrics = Metrics(namespace="Precis")

# botocore's standard mode retries throttling and 5xx with backoff and jitter, up to this many tries in all.
MAX_ATTEMPTS = 5
# An article at the size limit takes about 5 s; one started with less time left might be cut off mid-way.
MIN_REMAINING_MS = 15_000
# One event of one object version: duplicate notifications of it carry the same values, whatever their SQS
# message id. The pipeline version and the models join them, so reprocessing under new code runs again.
IDEMPOTENCY_FIELDS = "bucket, key, removed, version_id, etag, sequencer || event_time"
# A deleted object's tombstone outlives any late event about it: the dead-letter queue keeps one 14 days.
TOMBSTONE_DAYS = 30

# What became of one delivery of one object, logged as the `outcome` key of its log line: `processed`,
# `failed` and `superseded` are summarise-and-store runs; `removed` stored a deletion; `duplicate` skipped
# an object version already done; `retry` left the message to be delivered again; `gave_up` follows the
# `retry` of the last receive SQS allows, once its `failed` item is stored.
Outcome = Literal["processed", "failed", "superseded", "removed", "duplicate", "retry", "gave_up"]
RUN_OUTCOMES: frozenset[Outcome] = frozenset({"processed", "failed", "superseded"})

# Lambda passes its own context object; the local workers and the tests pass precis.local.context's.
LambdaHandler = Callable[[dict[str, Any], Any], Mapping[str, Any]]


class OutOfTime(RuntimeError):
    """Too little of the invocation is left to start on an object; the message is delivered again later."""


class Summarises(Protocol):
    """What the function needs of the core: `precis.core.pipeline.Summariser`, or a test's stand-in."""

    def summarise(self, data: bytes) -> Document:
        """The document of an article's bytes; ArticleError when they are not a readable article."""
        ...


class Clients(NamedTuple):
    """The AWS clients the function uses, built once per container."""

    s3: Any
    dynamodb: Any
    idempotency: DynamoDBPersistenceLayer


def make_clients(settings: Settings) -> Clients:
    """Clients with explicit retries and timeouts; boto3 honours AWS_ENDPOINT_URL (moto, LocalStack)."""
    config = Config(
        retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS}, connect_timeout=5, read_timeout=20
    )
    dynamodb = boto3.client("dynamodb", config=config)
    idempotency = DynamoDBPersistenceLayer(table_name=settings.idempotency_table_name, boto3_client=dynamodb)
    return Clients(s3=boto3.client("s3", config=config), dynamodb=dynamodb, idempotency=idempotency)


def _skipped_duplicate(response: Any, idempotent_data: DataRecord) -> Any:
    """Called instead of processing when this object version was already done: say so, and change nothing."""
    previous = (response or {}).get("status")
    logger.info("Duplicate delivery skipped", extra={"outcome": "duplicate", "previous_status": previous})
    metrics.add_metric(name="DuplicatesSkipped", unit=MetricUnit.Count, value=1)
    return response


class SummariseFunction:
    """The function's work over injected settings, core and clients: built once per container or test."""

    def __init__(
        self,
        settings: Settings,
        summariser: Summarises,
        clients: Clients,
        *,
        min_remaining_ms: int = MIN_REMAINING_MS,
    ) -> None:
        self.settings = settings
        self.summariser = summariser
        self.clients = clients
        self.min_remaining_ms = min_remaining_ms
        self.processor = BatchProcessor(event_type=EventType.SQS)
        self.index = IndexWriter(clients.dynamodb, Tables(settings.table_name, settings.index_table_name))
        # The Lambda context is registered per invocation: an in-progress record expires with a timed-out run.
        self.idempotency = IdempotencyConfig(
            event_key_jmespath=idempotency_key(settings),
            raise_on_no_idempotency_key=True,
            response_hook=_skipped_duplicate,
        )
        self._summarise_once = idempotent_function(
            self.summarise_and_store,
            data_keyword_argument="ref",
            persistence_store=clients.idempotency,
            config=self.idempotency,
        )

    def handle(self, event: dict[str, Any], context: LambdaContext) -> Mapping[str, Any]:
        """SQS batches report failed records for redelivery; other events raise so Lambda retries them."""
        self.idempotency.register_lambda_context(context)
        if events.is_sqs_event(event):
            return process_partial_response(
                event=event, record_handler=self.handle_record, processor=self.processor, context=context
            )
        for ref in events.object_refs(event):
            self.process_object(ref, context)
        return {}

    def handle_record(self, record: SQSRecord, lambda_context: LambdaContext) -> None:
        """Process every object of one SQS message; an exception marks only this message as failed."""
        try:
            refs = events.sqs_record_refs(record)
        except UnsupportedEvent as error:
            logger.warning(
                "Message not understood; it goes back to the queue",
                extra={"outcome": "retry", "message_id": record.message_id, "reason": str(error)},
            )
            raise
        for ref in refs:
            try:
                self.process_object(ref, lambda_context)
            except Exception as error:
                self.give_up_if_last(ref, int(record.attributes.approximate_receive_count or 0), error)
                raise

    def give_up_if_last(self, ref: ObjectRef, receives: int, error: Exception) -> None:
        """On the last receive SQS allows, store a `failed` item saying so, so the give-up shows in listings
        and `precis reprocess --failed` retries it; the message still goes on to the dead-letter queue.

        Not for a deletion (a failed item would bring the deleted object back) nor for an upload another
        delivery is processing right now (that run records its own outcome).
        """
        last = receives >= self.settings.max_receive_count
        if not last or ref.removed or isinstance(error, IdempotencyAlreadyInProgressError):
            return
        reason = f"gave up after {receives} attempts: {error_name(error)}"
        try:
            written = self.store(failed_item(ref, reason), keep_done=True)
            if not written:
                self.finish_index(ref)
        except Exception as failure:
            logger.warning(
                "Give-up not recorded; the message still goes to the dead-letter queue",
                extra={"outcome": "retry", "reason": reason, "error": error_name(failure)},
            )
            return
        metrics.add_metric(name="GiveUps", unit=MetricUnit.Count, value=1)
        logger.warning(
            "Gave up on the object; its message goes to the dead-letter queue",
            extra={"outcome": "gave_up", "reason": reason, "stored": written},
        )

    def finish_index(self, ref: ObjectRef) -> bool:
        """When the give-up yields to a `done` item of this very upload, its delivery failed between the item
        and the index (no later delivery will finish it): bring the item's index entries in line now."""
        item = storage.get_result(
            self.clients.dynamodb, self.settings.table_name, ref.bucket, ref.key, s3=self.clients.s3
        )
        if item is None or item["status"] != "done" or item.get("event_order") != ref.order:
            return False
        return self.index.synchronise(item, index.entries_for(item), item.get("index_pending", []))

    @tracer.capture_method(capture_response=False)
    def process_object(self, ref: ObjectRef, context: LambdaContext) -> None:
        """Summarise and store one object version once, however many times its notification is delivered."""
        logger.set_correlation_id(ref.key)
        logger.append_keys(bucket=ref.bucket)
        try:
            self._ensure_time_left(context)
            self._summarise_once(ref=ref)
        except Exception:
            logger.exception("Object not processed; it will be retried", extra={"outcome": "retry"})
            raise

    def summarise_and_store(self, ref: ObjectRef) -> dict[str, str]:
        """Summarise the object (or record its deletion) and store the item and its index entries; errors
        other than unreadable articles propagate to be retried.

        Returns the little that the idempotency record keeps (never article text).
        """
        if ref.removed:
            item = tombstone_item(ref)
        elif not formats.is_supported(ref.key):
            item = failed_item(ref, formats.unsupported_reason(ref.key))
        else:
            item = self.summarise_object(ref)
        written = self.store(item)
        _record(item, written)
        return {"status": item["status"] if written else "superseded"}

    def store(self, item: ResultItem, *, keep_done: bool = False) -> bool:
        """Write the item unless a newer event's is stored (or, with `keep_done`, this event's `done` one),
        then bring its index entries in line with it."""
        entries = index.entries_for(item)
        item["index_manifest"] = index.encode_keys(entry.key for entry in entries)
        item["write_id"] = uuid.uuid4().hex
        pending = storage.put_result(
            self.clients.dynamodb,
            self.settings.table_name,
            item,
            s3=self.clients.s3,
            results_bucket=self.settings.results_bucket,
            keep_done=keep_done,
        )
        if pending is None:
            return False
        self.index.synchronise(item, entries, pending)
        return True

    def summarise_object(self, ref: ObjectRef) -> ResultItem:
        """A `done` item, or a `failed` one when the object can never be summarised (no retry would help)."""
        started = time.perf_counter()
        try:
            stored = storage.read_object(
                self.clients.s3,
                ref.bucket,
                ref.key,
                max_bytes=self.settings.max_object_bytes,
                version_id=ref.version_id,
            )
            document = self.summariser.summarise(stored.data).to_dict()
        except (ArticleError, storage.UnreadableObject) as error:
            item = failed_item(ref, str(error))
        else:
            item = done_item(ref, stored, document)
        item["processing_ms"] = round((time.perf_counter() - started) * 1000)
        return item

    def _ensure_time_left(self, context: LambdaContext) -> None:
        """Refuse to start an object a timeout could cut off; failing it alone keeps the rest of the batch."""
        remaining = context.get_remaining_time_in_millis()
        if remaining < self.min_remaining_ms:
            raise OutOfTime(
                f"{remaining} ms of the invocation left, under the {self.min_remaining_ms} ms needed"
            )


def idempotency_key(settings: Settings) -> str:
    """JMESPath over the object reference, with the code's pipeline version and models as a literal."""
    models = ",".join(f"{language}={package}" for language, package in settings.models.items())
    return f"[{IDEMPOTENCY_FIELDS}, `{json.dumps(f'{PIPELINE_VERSION}|{models}')}`]"


def lambda_handler_for(function: SummariseFunction) -> LambdaHandler:
    """The entry point Lambda calls: Powertools' logging context, tracing and metrics around `handle`."""

    @logger.inject_lambda_context(clear_state=True)
    @tracer.capture_lambda_handler
    @metrics.log_metrics(capture_cold_start_metric=True)
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Mapping[str, Any]:
        return function.handle(event, context)

    return lambda_handler


def function_from_environment() -> SummariseFunction:
    """The init phase: settings read once, the model loaded, clients built (SnapStart snapshots this)."""
    settings = Settings.from_env()
    Summariser = summariser_class()
    summariser = Summariser.load(settings.models, langid_dir=settings.langid_dir)
    return SummariseFunction(settings, summariser, make_clients(settings))


def summariser_class() -> type[Summariser]:
    """The core's Summariser, imported (with spaCy) only when a function is built: spaCy first, without its
    command line, which a function never runs (precis.core.lean_spacy)."""
    from precis.core.lean_spacy import import_spacy

    import_spacy()
    from precis.core.pipeline import Summariser

    return Summariser


def from_environment() -> LambdaHandler:
    """The handler Lambda (and each local worker) calls, built once per container."""
    return lambda_handler_for(function_from_environment())


def error_name(error: BaseException) -> str:
    """The code of the AWS error behind it (`ThrottlingException`, `SlowDown`), even when a library wrapped
    it, else the exception's class: never a message, which might quote the article."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ClientError):
            return str(cause.response.get("Error", {}).get("Code") or type(cause).__name__)
        cause = cause.__cause__ or cause.__context__
    return type(error).__name__


def done_item(ref: ObjectRef, stored: storage.StoredObject, document: dict[str, Any]) -> ResultItem:
    """The item of a summarised article, projecting from the JSON document what listing and search need."""
    model = document.get("model") or {}
    return {
        **_base_item(ref, "done"),
        "document": document,
        "title": document["title"][: storage.TITLE_CHARS],
        "language": document["language"]["code"],
        "etag": stored.etag,
        "version_id": stored.version_id,
        "size": stored.size,
        "model_name": model.get("name"),
        "model_version": model.get("version"),
    }


def failed_item(ref: ObjectRef, reason: str) -> ResultItem:
    """The item of an object that will never summarise, so users see why instead of a silent gap."""
    return {**_base_item(ref, "failed"), "error": reason}


def tombstone_item(ref: ObjectRef) -> ResultItem:
    """What stays of a deleted object: no result, no index entry, only enough to refuse older events."""
    expires = datetime.now(UTC) + timedelta(days=TOMBSTONE_DAYS)
    return {**_base_item(ref, "deleted"), "expires_at": int(expires.timestamp())}


def _base_item(ref: ObjectRef, status: ItemStatus) -> ResultItem:
    """Fields every item has, taken from the event (the object itself may be gone)."""
    now = datetime.now(UTC)
    return {
        "id": storage.result_id(ref.bucket, ref.key),
        "bucket": ref.bucket,
        "key": ref.key,
        "status": status,
        "etag": ref.etag,
        "version_id": ref.version_id,
        "size": ref.size,
        "sequencer": ref.sequencer,
        "event_time": ref.event_time,
        "event_order": ref.order,
        "uploaded_at": utc_time(ref.event_time) or str(utc_time(now)),
        "processed_at": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "pipeline_version": PIPELINE_VERSION,
    }


def _record(item: ResultItem, written: bool) -> None:
    """Metrics and one log line per object; never the article text or the title."""
    fields = {"status": item["status"], "processing_ms": item.get("processing_ms")}
    metrics.add_metric(
        name="ProcessingTime", unit=MetricUnit.Milliseconds, value=item.get("processing_ms", 0)
    )
    if not written:
        metrics.add_metric(name="ArticlesSuperseded", unit=MetricUnit.Count, value=1)
        message = "Result not stored: a newer upload of this key is already stored"
        logger.info(message, extra={"outcome": "superseded", **fields})
    elif item["status"] == "deleted":
        metrics.add_metric(name="ArticlesRemoved", unit=MetricUnit.Count, value=1)
        logger.info("Deleted object's result removed", extra={"outcome": "removed", **fields})
    elif item["status"] == "failed":
        metrics.add_metric(name="ArticlesFailed", unit=MetricUnit.Count, value=1)
        logger.warning(
            "Article not summarised", extra={"outcome": "failed", **fields, "reason": item.get("error")}
        )
    else:
        metrics.add_metric(name="ArticlesProcessed", unit=MetricUnit.Count, value=1)
        details = {
            "language": item.get("language"),
            "entities": len(item.get("document", {}).get("entities", [])),
        }
        logger.info("Article summarised", extra={"outcome": "processed", **fields, **details})
