"""Transient faults: botocore retries throttling and 5xx with backoff; what still fails goes back to SQS."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from precis.aws.summarise import MAX_ATTEMPTS
from precis.names import LOCAL_NAMES
from tests.integration.conftest import (
    IDEMPOTENCY_TABLE,
    RESULTS_BUCKET,
    SHORT_SEED,
    Handler,
    LambdaContext,
    Stack,
    inject_fault,
    redelivered,
)

TABLE = LOCAL_NAMES.table
KEY = "faults/article.txt"
THROTTLED = "ProvisionedThroughputExceededException"


@pytest.fixture
def event(stack: Stack) -> dict[str, Any]:
    """The SQS event of one uploaded article."""
    stack.upload(KEY, SHORT_SEED.read_bytes())
    return stack.receive_event()


def _failed(response: Any) -> int:
    return len(response["batchItemFailures"])


def test_clients_retry_in_standard_mode_with_an_explicit_number_of_attempts(handler: Handler) -> None:
    for client in (
        handler.function.clients.s3,
        handler.function.clients.dynamodb,
        handler.function.clients.idempotency.client,
    ):
        assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": MAX_ATTEMPTS}
    assert handler.function.clients.idempotency.client is handler.function.clients.dynamodb


@pytest.mark.parametrize(
    ("client", "operation", "status", "code", "table"),
    [
        ("dynamodb", "UpdateItem", 400, THROTTLED, TABLE),
        ("dynamodb", "UpdateItem", 500, "InternalServerError", TABLE),
        ("dynamodb", "PutItem", 400, "ThrottlingException", IDEMPOTENCY_TABLE),
        ("s3", "HeadObject", 503, "SlowDown", None),
        ("s3", "GetObject", 500, "InternalError", None),
    ],
)
def test_handler_rides_out_a_short_fault(
    handler: Handler,
    stack: Stack,
    event: dict[str, Any],
    backoff: list[float],
    client: str,
    operation: str,
    status: int,
    code: str,
    table: str | None,
) -> None:
    attempts = inject_fault(
        getattr(handler.function.clients, client), operation, status=status, code=code, times=2, table=table
    )

    response = handler.lambda_handler(event, LambdaContext())

    assert response == {"batchItemFailures": []}
    assert attempts == [status, status, 200]
    assert len(backoff) == 2
    assert stack.result(KEY)["status"] == "done"


@pytest.mark.parametrize(
    ("client", "operation", "status", "code", "table"),
    [
        ("dynamodb", "UpdateItem", 400, THROTTLED, TABLE),
        ("dynamodb", "UpdateItem", 503, "ServiceUnavailable", TABLE),
        ("dynamodb", "PutItem", 400, THROTTLED, IDEMPOTENCY_TABLE),
        ("s3", "HeadObject", 503, "SlowDown", None),
        ("s3", "GetObject", 500, "InternalError", None),
    ],
)
def test_handler_hands_a_lasting_fault_back_to_sqs_and_stores_nothing(
    handler: Handler,
    stack: Stack,
    event: dict[str, Any],
    backoff: list[float],
    nlp_runs: list[bytes],
    client: str,
    operation: str,
    status: int,
    code: str,
    table: str | None,
) -> None:
    faulty = getattr(handler.function.clients, client)
    attempts = inject_fault(faulty, operation, status=status, code=code, table=table)

    response = handler.lambda_handler(event, LambdaContext())

    assert _failed(response) == 1
    assert attempts == [status] * MAX_ATTEMPTS
    assert stack.items() == []
    faulty.injected_faults.clear()
    assert handler.lambda_handler(redelivered(event), LambdaContext()) == {"batchItemFailures": []}
    assert stack.result(KEY)["status"] == "done"


def test_handler_hands_back_a_large_result_the_results_bucket_refuses(
    handler: Handler,
    stack: Stack,
    event: dict[str, Any],
    backoff: list[float],
) -> None:
    summarise = handler.summariser.inner.summarise
    handler.summariser.replacement = lambda data: replace(
        summarise(data), keywords=tuple(f"mot {n}" for n in range(60_000))
    )
    attempts = inject_fault(handler.function.clients.s3, "PutObject", status=503, code="SlowDown")

    response = handler.lambda_handler(event, LambdaContext())

    assert _failed(response) == 1
    assert len(attempts) == MAX_ATTEMPTS
    assert stack.items() == []
    assert stack.s3.list_objects_v2(Bucket=RESULTS_BUCKET)["KeyCount"] == 0
