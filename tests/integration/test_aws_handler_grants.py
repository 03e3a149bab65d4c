"""Least privilege, proven: the role grants exactly the S3 and DynamoDB actions that real runs make."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from precis.aws.summarise import MAX_ATTEMPTS
from precis.names import LOCAL_NAMES
from tests.cfn import BUCKET_ARN, RESULTS_BUCKET_ARN, as_list, function_statements
from tests.integration.conftest import (
    IDEMPOTENCY_TABLE,
    RESULTS_BUCKET,
    SEED,
    SHORT_SEED,
    Handler,
    LambdaContext,
    Stack,
    inject_fault,
    redelivered,
    s3_notification,
    sqs_event,
)

# The template's name for each resource the function's code calls: articles, results bucket keys, tables.
RESOURCES = {
    LOCAL_NAMES.bucket: {"Fn::Sub": f"{BUCKET_ARN}/*"},
    RESULTS_BUCKET: {"Fn::Sub": f"{RESULTS_BUCKET_ARN}/results/*"},
    LOCAL_NAMES.table: {"Fn::GetAtt": ["ResultsTable", "Arn"]},
    LOCAL_NAMES.index_table: {"Fn::GetAtt": ["IndexTable", "Arn"]},
    IDEMPOTENCY_TABLE: {"Fn::GetAtt": ["IdempotencyTable", "Arn"]},
}
# S3 operations whose IAM action has another name (Service Authorization Reference, Amazon S3).
S3_ACTIONS = {"HeadObject": "GetObject"}
# A transaction needs no action of its own: each of its parts needs the action of its kind.
TRANSACTION_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
# Granted for what the platform does, not for a call of the code: the SQS poller, the runtime's logs,
# the tracer, and ListBucket so that S3 answers 404 (not 403) for an article deleted before it is read.
PLATFORM_SERVICES = ("sqs:", "logs:", "xray:")
LIST_BUCKET = ("s3:ListBucket", repr({"Fn::Sub": BUCKET_ARN}))

Grants = set[tuple[str, str]]


class GrantRecorder:
    """(IAM action, template resource) of every S3 and DynamoDB call made by the clients it watches."""

    def __init__(self) -> None:
        self.grants: Grants = set()

    def watch(self, handler: Handler) -> Handler:
        """Record the calls of this function's clients from now on."""
        self.watch_clients(handler.function.clients.s3, handler.function.clients.dynamodb)
        return handler

    def watch_clients(self, *clients: Any) -> None:
        """Record the calls of these clients from now on."""
        for client in clients:
            client.meta.events.register("before-parameter-build", self._note)

    def _note(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        """One call: S3 actions by bucket (and version when one is named), DynamoDB actions by table."""
        if model.service_model.service_name == "s3":
            operation = S3_ACTIONS.get(model.name, model.name)
            action = f"s3:{operation}Version" if params.get("VersionId") else f"s3:{operation}"
            self.grants.add((action, repr(RESOURCES[params["Bucket"]])))
        elif model.name == "TransactWriteItems":
            for action in params["TransactItems"]:
                for kind, part in action.items():
                    self.grants.add(
                        (f"dynamodb:{TRANSACTION_ACTIONS[kind]}", repr(RESOURCES[part["TableName"]]))
                    )
        else:
            self.grants.add((f"dynamodb:{model.name}", repr(RESOURCES[params["TableName"]])))


def run(handler: Handler, event: dict[str, Any], context: LambdaContext | None = None) -> Any:
    """Deliver one event, as the SQS poller would."""
    return handler.lambda_handler(event, context or LambdaContext())


def every_path(handler: Handler, stack: Stack, watch: Callable[[Handler], Handler]) -> None:
    """Each way an object can go: done (the notified version, or the latest when an event names none),
    duplicate, superseded, unreadable, too large, its version deleted before it is read, huge result
    replaced, deleted after, a failed run retried, a give-up after the result was stored, and a run cut off
    by a timeout."""
    stack.upload("done.txt", SHORT_SEED.read_bytes())
    event = stack.receive_event()
    run(handler, event)
    run(handler, redelivered(event))
    stack.upload("unversioned.txt", SHORT_SEED.read_bytes())
    stack.receive_event()
    run(handler, sqs_event(s3_notification("unversioned.txt", etag=None)))
    stack.upload("order.txt", SHORT_SEED.read_bytes())
    stack.upload("order.txt", SEED.read_bytes())
    newer_first = stack.receive_event()
    run(handler, {"Records": newer_first["Records"][::-1]})
    stack.upload("empty.txt", b"")
    run(handler, stack.receive_event())
    small = watch(handler.rebuilt(settings=replace(handler.function.settings, max_object_bytes=10)))
    stack.upload("large.txt", SHORT_SEED.read_bytes())
    run(small, stack.receive_event())
    gone = stack.s3.put_object(Bucket=LOCAL_NAMES.bucket, Key="gone.txt", Body=SHORT_SEED.read_bytes())
    stack.s3.delete_object(Bucket=LOCAL_NAMES.bucket, Key="gone.txt", VersionId=gone["VersionId"])
    run(handler, stack.receive_event())
    summarise = handler.summariser.inner.summarise
    handler.summariser.replacement = lambda data: replace(
        summarise(data), keywords=tuple(f"mot {n}" for n in range(60_000))
    )
    for _ in range(2):
        stack.upload("huge.txt", SEED.read_bytes())
        run(handler, stack.receive_event())
    handler.summariser.replacement = None
    run(
        handler,
        sqs_event(s3_notification("huge.txt", etag="", event_name="ObjectRemoved:DeleteMarkerCreated")),
    )
    results = handler.function.clients.dynamodb
    inject_fault(
        results, "UpdateItem", status=400, code="ValidationException", times=1, table=LOCAL_NAMES.table
    )
    stack.upload("retried.txt", SHORT_SEED.read_bytes())
    event = stack.receive_event()
    with pytest.raises(BatchProcessingError):
        run(handler, event)
    run(handler, redelivered(event))
    give_up_after_the_result(handler, stack)
    cut_off(handler, stack, watch)


def give_up_after_the_result(handler: Handler, stack: Stack) -> None:
    """The last receive stores the result, its index transaction fails, the give-up completes the index."""
    inject_fault(
        handler.function.clients.dynamodb,
        "TransactWriteItems",
        status=500,
        code="InternalServerError",
        times=MAX_ATTEMPTS,
        table=LOCAL_NAMES.index_table,
    )
    stack.upload("given-up.txt", SHORT_SEED.read_bytes())
    last = str(handler.function.settings.max_receive_count)
    event = stack.receive_event()
    for record in event["Records"]:
        record["attributes"]["ApproximateReceiveCount"] = last
    with pytest.raises(BatchProcessingError):
        run(handler, event)


class _Killed(BaseException):
    """Lambda ending the invocation at its timeout: no cleanup runs."""


def cut_off(handler: Handler, stack: Stack, watch: Callable[[Handler], Handler]) -> None:
    """A run killed mid-article leaves its record in progress; a later delivery takes it over."""
    stack.upload("timeout.txt", SHORT_SEED.read_bytes())
    event = stack.receive_event()
    impatient = watch(handler.rebuilt(min_remaining_ms=0))

    def killed(data: bytes) -> Any:
        raise _Killed

    impatient.summariser.replacement = killed
    with pytest.raises(_Killed):
        run(impatient, event, LambdaContext.with_time_left(0.5))
    impatient.summariser.replacement = None
    time.sleep(0.6)
    run(handler, redelivered(event))


def code_grants(resources: dict[str, Any]) -> Grants:
    """What the role grants on S3 and DynamoDB, one (action, resource) pair per action, ListBucket aside."""
    granted = {
        (action, repr(resource))
        for statement in function_statements(resources)
        for action in as_list(statement["Action"])
        for resource in as_list(statement["Resource"])
        if not action.startswith(PLATFORM_SERVICES)
    }
    return granted - {LIST_BUCKET}


def test_handler_role_grants_exactly_the_calls_a_real_run_makes(
    handler: Handler, stack: Stack, resources: dict[str, Any]
) -> None:
    recorder = GrantRecorder()
    every_path(recorder.watch(handler), stack, recorder.watch)

    assert sorted(recorder.grants) == sorted(code_grants(resources))
