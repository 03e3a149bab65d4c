"""A stand-in Lambda handler for the worker tests: records what it was given and fails "poison" objects."""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import unquote_plus

LOG_VARIABLE = "POISON_HANDLER_LOG"


def object_keys(body: str) -> list[str]:
    """Decoded object keys of an S3 notification (none for s3:TestEvent)."""
    return [unquote_plus(record["s3"]["object"]["key"]) for record in json.loads(body).get("Records", [])]


def record_call(record: dict[str, Any], context: Any) -> None:
    """One JSON line per record (when asked to), so the test process sees what the worker passed."""
    path = os.environ.get(LOG_VARIABLE)
    if not path:
        return
    line = {
        "keys": object_keys(record["body"]),
        "receive_count": int(record["attributes"]["ApproximateReceiveCount"]),
        "fields": sorted(record),
        "event_source": record["eventSource"],
        "event_source_arn": record["eventSourceARN"],
        "region": record["awsRegion"],
        "remaining_ms": context.get_remaining_time_in_millis(),
    }
    with open(path, "a", encoding="utf-8") as log:
        log.write(json.dumps(line) + "\n")


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Report every record naming a key with "poison" in it as failed, as ReportBatchItemFailures expects."""
    failures = []
    for record in event["Records"]:
        record_call(record, context)
        if any("poison" in key for key in object_keys(record["body"])):
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def create() -> Any:
    """The worker's factory: this handler needs no set-up."""
    return lambda_handler
