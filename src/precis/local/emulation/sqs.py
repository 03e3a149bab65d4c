"""moto's SQS made fit for a backlog: sending a message no longer walks the whole queue three times.

moto 5.2.5 builds every queue attribute, approximate counts included (each a pass over all messages),
only to read one flag when a message is sent; with a backlog of 10,000 messages sending becomes quadratic
(minutes for a `precis reprocess --all`). While a message is being sent, the three approximate counts
answer 0 without counting; GetQueueAttributes still counts as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from moto.sqs.models import Queue, SQSBackend

_COUNTS = (
    "approximate_number_of_messages",
    "approximate_number_of_messages_delayed",
    "approximate_number_of_messages_not_visible",
)
_sending = threading.local()
_installed: list[bool] = []


def install() -> None:
    """Patch moto's SQS backend (once per process)."""
    if _installed:
        return
    for name in _COUNTS:
        setattr(Queue, name, property(_uncounted_while_sending(getattr(Queue, name).fget)))
    SQSBackend.send_message = _sending_flag(SQSBackend.send_message)  # type: ignore[method-assign]
    _installed.append(True)


def _uncounted_while_sending(count: Callable[[Queue], int]) -> Callable[[Queue], int]:
    """The count, except inside send_message, which never reads it."""

    def counted(queue: Queue) -> int:
        return 0 if getattr(_sending, "active", False) else count(queue)

    return counted


def _sending_flag(send: Callable[..., Any]) -> Callable[..., Any]:
    """Mark this thread as sending for the duration of the call."""

    def send_message(self: SQSBackend, *args: Any, **kwargs: Any) -> Any:
        _sending.active = True
        try:
            return send(self, *args, **kwargs)
        finally:
            _sending.active = False

    return send_message
