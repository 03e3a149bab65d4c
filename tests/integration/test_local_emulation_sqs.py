"""The embedded stack's SQS hands each visible message to one receiver, however many poll at once."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from moto import mock_aws
from moto.sqs.models import sqs_backends

from precis.names import LOCAL_ACCOUNT_ID, LOCAL_REGION

MESSAGES = 400
RECEIVERS = 8


def _drain(backend: object, queue: str) -> list[str]:
    """Receive until nothing is visible; the visibility timeout outlasts the test, so nothing returns."""
    received: list[str] = []
    while batch := backend.receive_message(queue, 10, 0, 300):  # type: ignore[attr-defined]
        received += [message.id for message in batch]
    return received


@mock_aws
def test_concurrent_receivers_never_get_one_message_twice() -> None:
    backend = sqs_backends[LOCAL_ACCOUNT_ID][LOCAL_REGION]
    backend.create_queue("receivers")
    for number in range(MESSAGES):
        backend.send_message("receivers", f"message {number}")

    with ThreadPoolExecutor(RECEIVERS) as pool:
        batches = list(pool.map(_drain, [backend] * RECEIVERS, ["receivers"] * RECEIVERS))

    received = Counter(message for batch in batches for message in batch)
    assert len(received) == MESSAGES
    assert [message for message, count in received.items() if count > 1] == []
