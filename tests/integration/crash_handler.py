"""The real handler with a gate inside the NLP step, so a test can kill a worker while it holds a batch."""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

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


def gated(summarise: Callable[[bytes], Any], data: bytes) -> Any:
    """Say this worker is mid-article (its idempotency record is in progress), then wait for the release."""
    etag = hashlib.md5(data).hexdigest()
    note(holding=etag)
    while not (gate() / RELEASE).exists():
        time.sleep(0.05)
    document = summarise(data)
    note(summarised=etag)
    return document


@functools.cache
def real_handler() -> ModuleType:
    """The handler module (its import loads the model and reads the function's environment), gated."""
    module = importlib.import_module("precis.aws.handler")
    module.SUMMARISER.summarise = functools.partial(gated, module.SUMMARISER.summarise)
    return module


def lambda_handler(event: dict[str, Any], context: Any) -> Any:
    """Log each delivery's keys and receive count, then run the real handler."""
    for record in event["Records"]:
        note(
            keys=object_keys(record["body"]),
            receive_count=int(record["attributes"]["ApproximateReceiveCount"]),
        )
    return real_handler().lambda_handler(event, context)


# A worker loads the model now, before it says it is ready; the test process only reads the constants above.
if GATE_VARIABLE in os.environ:
    real_handler()
