"""The real handler on a lossy platform (listed keys acknowledged, never run): the load test must notice."""

from __future__ import annotations

import functools
import importlib
import os
from types import ModuleType
from typing import Any

from tests.integration.poison_handler import object_keys

DROP_VARIABLE = "LOSSY_HANDLER_DROP"


@functools.cache
def real_handler() -> ModuleType:
    """The handler module (its import loads the model and reads the function's environment)."""
    return importlib.import_module("precis.aws.handler")


def dropped() -> set[str]:
    """The keys whose notifications this platform loses (one per line of the variable)."""
    return set(os.environ.get(DROP_VARIABLE, "").splitlines()) - {""}


def lambda_handler(event: dict[str, Any], context: Any) -> Any:
    """Pass on only the records to keep; the dropped ones count as successes, so they are deleted."""
    lost = dropped()
    kept = [record for record in event["Records"] if not lost & set(object_keys(record["body"]))]
    return real_handler().lambda_handler({**event, "Records": kept}, context)


# A worker loads the model now, before it says it is ready; the test process only reads the constant above.
if DROP_VARIABLE in os.environ:
    real_handler()
