"""A worker process doing what Lambda's SQS event source mapping does: poll, invoke, delete successes."""

from __future__ import annotations

import base64
import importlib
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.synchronize import Event
from typing import Any

import boto3

from precis.local.context import FUNCTION_NAME, LambdaContext, function_arn
from precis.names import DEFAULT_HANDLER

# Real credentials must not reach a worker that only ever talks to the local endpoint.
CLEARED_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")

Handler = Callable[[dict[str, Any], Any], Any]
# No "precis" in the name: Powertools' Logger (service "precis") filters out root-handler records of any
# logger whose name contains its service name, which would hide why a worker could not start.
logger = logging.getLogger("local.worker")


@dataclass(frozen=True)
class WorkerConfig:
    """Everything a spawned worker needs; picklable, and the handler's environment travels with it."""

    queue_url: str
    queue_arn: str
    region: str
    environment: Mapping[str, str]
    handler: str = DEFAULT_HANDLER
    batch_size: int = 10
    wait_seconds: int = 1
    function_timeout: int = 60
    memory_mb: int = 2048
    log_level: str = "INFO"
    log_file: str | None = None


def load_handler(dotted: str) -> Handler:
    """Import `module:factory` and call the factory once: Lambda's init phase (the model loads here)."""
    module_name, _, factory_name = dotted.partition(":")
    if not factory_name:
        raise ValueError(f"handler {dotted!r} is not of the form module:factory")
    factory: Callable[[], Handler] = getattr(importlib.import_module(module_name), factory_name)
    return factory()


def new_context(config: WorkerConfig) -> LambdaContext:
    """A fresh context per invocation (new request id, full time budget)."""
    return LambdaContext.with_time_left(
        config.function_timeout,
        invoked_function_arn=function_arn(FUNCTION_NAME, config.region),
        memory_limit_in_mb=config.memory_mb,
    )


def lambda_message_attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    """SQS API message attribute -> the camelCase shape Lambda puts in event records."""
    binary = value.get("BinaryValue")
    return {
        "stringValue": value.get("StringValue"),
        "binaryValue": base64.b64encode(binary).decode() if binary is not None else None,
        "stringListValues": list(value.get("StringListValues", [])),
        "binaryListValues": [base64.b64encode(item).decode() for item in value.get("BinaryListValues", [])],
        "dataType": value["DataType"],
    }


def sqs_record(message: Mapping[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One ReceiveMessage result as a record of Lambda's SQS event."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {
            name: lambda_message_attribute(value)
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def sqs_event(messages: Sequence[Mapping[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """The event Lambda would pass for one batch."""
    return {"Records": [sqs_record(message, queue_arn, region) for message in messages]}


def failed_message_ids(response: Any, event: Mapping[str, Any]) -> set[str]:
    """Ids to keep in the queue, read the way Lambda reads a ReportBatchItemFailures response."""
    if not isinstance(response, Mapping):
        return set()
    failures = response.get("batchItemFailures") or []
    known = {record["messageId"] for record in event["Records"]}
    ids = {str(failure.get("itemIdentifier")) for failure in failures if isinstance(failure, Mapping)}
    return ids if ids <= known else known


def invoke(handler: Handler, event: dict[str, Any], config: WorkerConfig) -> set[str]:
    """Call the handler; an exception fails the whole batch, as it does on Lambda."""
    try:
        response = handler(event, new_context(config))
    except Exception:
        logger.exception("handler raised: the whole batch of %d will be retried", len(event["Records"]))
        return {record["messageId"] for record in event["Records"]}
    return failed_message_ids(response, event)


def receive(sqs: Any, config: WorkerConfig) -> list[dict[str, Any]]:
    """One long poll; ApproximateReceiveCount and the other system attributes included, as Lambda has them."""
    response = sqs.receive_message(
        QueueUrl=config.queue_url,
        MaxNumberOfMessages=config.batch_size,
        WaitTimeSeconds=config.wait_seconds,
        MessageSystemAttributeNames=["All"],
        MessageAttributeNames=["All"],
    )
    messages: list[dict[str, Any]] = response.get("Messages", [])
    return messages


def delete_succeeded(sqs: Any, queue_url: str, messages: list[dict[str, Any]], failed: set[str]) -> None:
    """Delete what succeeded; failures stay and come back after the visibility timeout, then go to the DLQ."""
    entries = [
        {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
        for index, message in enumerate(messages)
        if message["MessageId"] not in failed
    ]
    if entries:
        response = sqs.delete_message_batch(QueueUrl=queue_url, Entries=entries)
        for failure in response.get("Failed", []):
            logger.warning("could not delete message %s: %s", failure["Id"], failure.get("Message"))


def poll_once(sqs: Any, handler: Handler, config: WorkerConfig) -> int:
    """Receive one batch, process it and settle it; returns how many messages it saw."""
    messages = receive(sqs, config)
    if not messages:
        return 0
    event = sqs_event(messages, config.queue_arn, config.region)
    failed = invoke(handler, event, config)
    delete_succeeded(sqs, config.queue_url, messages, failed)
    logger.info(
        "batch of %d: %d succeeded, %d failed", len(messages), len(messages) - len(failed), len(failed)
    )
    return len(messages)


def configure_logging(index: int, level: str) -> None:
    """Worker lines on stderr, prefixed with the worker's number, at the stack's log level."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"%(asctime)s worker-{index} %(levelname)s %(message)s"))
    # On the handler, not on root: the handler module sets botocore's logger to INFO, and records of a logger
    # with its own level reach root's handlers whatever root's level is.
    handler.setLevel(level)
    logging.getLogger().addHandler(handler)
    logger.setLevel(level)


def append_output_to(path: str) -> None:
    """Point stderr at a file that every worker appends to, so a caller can read the handler's log lines."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(descriptor, sys.stderr.fileno())
    os.close(descriptor)


def prepare_process(config: WorkerConfig, index: int) -> None:
    """Leave Ctrl-C to the parent, stdout to stderr, and the environment ready before the handler import."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if config.log_file:
        append_output_to(config.log_file)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    for name in CLEARED_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update(config.environment)
    # As `python -m` does: a --handler module of the user's own, in the current folder, is importable.
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    configure_logging(index, config.log_level)


def parent_alive() -> bool:
    """A parent killed without cleanup (SIGKILL) must not leave workers polling a dead server forever."""
    parent = multiprocessing.parent_process()
    return parent is None or parent.is_alive()


def run_worker(config: WorkerConfig, index: int, ready: Event, stop: Event) -> None:
    """Process entry point: import the handler once, signal readiness, then poll until asked to stop."""
    prepare_process(config, index)
    try:
        handler = load_handler(config.handler)
    except Exception as error:
        logger.error("cannot load handler %s: %s: %s", config.handler, type(error).__name__, error)
        sys.exit(1)
    sqs = boto3.client("sqs", region_name=config.region)
    ready.set()
    while not stop.is_set() and parent_alive():
        try:
            poll_once(sqs, handler, config)
        except Exception as error:
            logger.warning("polling failed (%s: %s); retrying", type(error).__name__, error)
            stop.wait(1)
