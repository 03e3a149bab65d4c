"""moto's SQS made fit for a backlog and for concurrent workers.

moto 5.2.5 builds every queue attribute, approximate counts included (each a pass over all messages),
only to read one flag when a message is sent, and the retention period for every message it receives; with
a backlog of 10,000 messages sending and receiving become quadratic (minutes for a `precis reprocess
--all`, over a second per batch for the workers). While a message is being sent or received, the three
approximate counts answer 0 without counting; GetQueueAttributes still counts as before.

Its server also answers ReceiveMessage on parallel threads with no lock: two workers polling at once can
both find a message visible and both receive it, a duplicate delivery inside the visibility timeout that
SQS never makes. Each pass over the queue is serialised here; the long poll waits outside the lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from moto.sqs.models import Queue, SQSBackend

_COUNTS = (
    "approximate_number_of_messages",
    "approximate_number_of_messages_delayed",
    "approximate_number_of_messages_not_visible",
)
_uncounted = threading.local()
_receiving = threading.Lock()
_installed: list[bool] = []


def install() -> None:
    """Patch moto's SQS backend (once per process)."""
    if _installed:
        return
    for name in _COUNTS:
        setattr(Queue, name, property(_not_while_flagged(getattr(Queue, name).fget)))
    SQSBackend.send_message = _uncounting(SQSBackend.send_message)  # type: ignore[method-assign]
    receive = _uncounting(SQSBackend.receive_message)
    SQSBackend.receive_message = _one_receiver_at_a_time(receive)  # type: ignore[method-assign]
    _installed.append(True)


def _not_while_flagged(count: Callable[[Queue], int]) -> Callable[[Queue], int]:
    """The count, except inside send_message and receive_message, which never read it."""

    def counted(queue: Queue) -> int:
        return 0 if getattr(_uncounted, "active", False) else count(queue)

    return counted


def _uncounting(method: Callable[..., Any]) -> Callable[..., Any]:
    """Flag this thread as inside the call, so the counts it never reads are not computed."""

    def uncounted(self: SQSBackend, *args: Any, **kwargs: Any) -> Any:
        _uncounted.active = True
        try:
            return method(self, *args, **kwargs)
        finally:
            _uncounted.active = False

    return uncounted


def _one_receiver_at_a_time(receive: Callable[..., list[Any]]) -> Callable[..., list[Any]]:
    """Each pass picks and marks messages alone; between passes a long poll waits for new messages."""

    def receive_message(
        self: SQSBackend,
        queue_name: str,
        count: int,
        wait_seconds_timeout: int,
        visibility_timeout: int,
        message_attribute_names: list[str] | None = None,
    ) -> list[Any]:
        deadline = time.monotonic() + wait_seconds_timeout
        while True:
            with _receiving:
                messages = receive(self, queue_name, count, 0, visibility_timeout, message_attribute_names)
            left = deadline - time.monotonic()
            if messages or left <= 0:
                return messages
            self.get_queue(queue_name).wait_for_messages(min(1, left))  # type: ignore[arg-type]  # a Condition timeout

    return receive_message
