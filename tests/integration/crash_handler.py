"""The real handler with a gate inside the NLP step, so a test can kill a worker while it holds a batch."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

from precis.aws.summarise import (
    LambdaHandler,
    SummariseFunction,
    Summarises,
    function_from_environment,
    lambda_handler_for,
)
from precis.core.document import Document
from tests.integration.poison_handler import object_keys

GATE_VARIABLE = "CRASH_HANDLER_GATE"
RELEASE = "release"
CALLS = "calls.jsonl"


def gate() -> Path:
    """The folder the test watches: the calls log, and the release file it creates."""
    return Path(os.environ[GATE_VARIABLE])


def note(**entry: Any) -> None:
    """One JSON line per step, tagged with this worker's pid, so the test knows who held what."""
    with (gate() / CALLS).open("a", encoding="utf-8") as log:
        log.write(json.dumps({"pid": os.getpid(), **entry}) + "\n")


class GatedSummariser:
    """Says this worker is mid-article (its idempotency record is in progress), then waits for the release."""

    def __init__(self, inner: Summarises) -> None:
        self.inner = inner

    def summarise(self, data: bytes) -> Document:
        """The real document, once the test has released the gate."""
        etag = hashlib.md5(data).hexdigest()
        note(holding=etag)
        while not (gate() / RELEASE).exists():
            time.sleep(0.05)
        document = self.inner.summarise(data)
        note(summarised=etag)
        return document


def create() -> LambdaHandler:
    """The real function with its summariser gated, logging each delivery's keys and receive count."""
    real = function_from_environment()
    handler = lambda_handler_for(
        SummariseFunction(real.settings, GatedSummariser(real.summariser), real.clients)
    )

    def lambda_handler(event: dict[str, Any], context: Any) -> Any:
        for record in event["Records"]:
            note(
                keys=object_keys(record["body"]),
                receive_count=int(record["attributes"]["ApproximateReceiveCount"]),
            )
        return handler(event, context)

    return lambda_handler
