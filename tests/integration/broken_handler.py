"""The load test's chaos handler broken on purpose, one way per audited property, each on its own keys
(BREAKS_VARIABLE: JSON, break name -> keys), so a test can check that the audit names exactly them."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from typing import Any

from precis.aws.events import ObjectRef
from precis.aws.index import IndexEntry
from precis.aws.index_writer import IndexWriter
from precis.aws.items import ResultItem
from precis.aws.storage import get_result
from precis.aws.summarise import LambdaHandler, lambda_handler_for, logger
from tools.loadtest.chaos import Chaos, ChaosFunction, chaos_function

BREAKS_VARIABLE = "BROKEN_HANDLER_BREAKS"
# lost: never run, yet acknowledged; twice: run on every delivery, idempotency bypassed; stale: a re-upload
# acknowledged unrun once the key has an item; deleted: deletions acknowledged unrun; orphan: a re-upload
# leaves its earlier version's index entries; missing: no index entries written; giveup: the last receive
# stores no failed item.
BREAKS = ("lost", "twice", "stale", "deleted", "orphan", "missing", "giveup")


def breaks() -> dict[str, set[str]]:
    """The keys each break applies to."""
    given = json.loads(os.environ.get(BREAKS_VARIABLE, "{}"))
    return {name: set(given.get(name, [])) for name in BREAKS}


class BrokenIndex(IndexWriter):
    """The real index writer, except for the keys whose entries it leaves behind or never writes."""

    broken: dict[str, set[str]]

    def synchronise(self, item: ResultItem, entries: Sequence[IndexEntry], pending: Iterable[str]) -> bool:
        """Nothing for `missing` keys; no removal of earlier entries for `orphan` keys."""
        if item["key"] in self.broken["missing"]:
            return True
        if item["key"] in self.broken["orphan"]:
            pending = []
        return super().synchronise(item, entries, pending)


class BrokenFunction(ChaosFunction):
    """The chaos function, broken per key."""

    broken: dict[str, set[str]]

    def process_object(self, ref: ObjectRef, context: Any) -> None:
        """Skip, or run without idempotency, as each break says."""
        broken = self.broken
        if ref.key in broken["lost"] or (ref.removed and ref.key in broken["deleted"]):
            return
        if ref.key in broken["stale"] and not ref.removed and self._has_item(ref):
            return
        if ref.key in broken["twice"]:
            logger.set_correlation_id(ref.key)
            self.summarise_and_store(ref)
            return
        super().process_object(ref, context)

    def give_up_if_last(self, ref: ObjectRef, receives: int, error: Exception) -> None:
        """No failed item for `giveup` keys."""
        if ref.key not in self.broken["giveup"]:
            super().give_up_if_last(ref, receives, error)

    def _has_item(self, ref: ObjectRef) -> bool:
        """The key already has a result (of an earlier upload)."""
        return get_result(self.clients.dynamodb, self.settings.table_name, ref.bucket, ref.key) is not None


def create() -> LambdaHandler:
    """The worker's factory: the chaos function with its breaks and a broken index writer."""
    broken = breaks()
    function = chaos_function(Chaos.from_environment(), BrokenFunction)
    assert isinstance(function, BrokenFunction)
    function.broken = broken
    index = BrokenIndex(function.clients.dynamodb, function.index.tables)
    index.broken = broken
    function.index = index
    return lambda_handler_for(function)
