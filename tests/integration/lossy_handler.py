"""The real handler on a lossy platform (listed keys acknowledged, never run): the load test must notice."""

from __future__ import annotations

import os
from typing import Any

from precis.aws.summarise import LambdaHandler, from_environment
from tests.integration.poison_handler import object_keys

DROP_VARIABLE = "LOSSY_HANDLER_DROP"


def dropped() -> set[str]:
    """The keys whose notifications this platform loses (one per line of the variable)."""
    return set(os.environ.get(DROP_VARIABLE, "").splitlines()) - {""}


def create() -> LambdaHandler:
    """The real handler behind a filter that passes on only the records to keep."""
    real = from_environment()

    def lambda_handler(event: dict[str, Any], context: Any) -> Any:
        """The dropped records count as successes, so the worker deletes them."""
        lost = dropped()
        kept = [record for record in event["Records"] if not lost & set(object_keys(record["body"]))]
        return real({**event, "Records": kept}, context)

    return lambda_handler
