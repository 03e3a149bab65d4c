"""Keeping the query index exact: an article's entries written and its earlier versions' removed, in
transactions that only the article's latest write can commit.

Each transaction carries a check that the article item still holds this write's `write_id`, so a run
superseded by a newer upload (or a deletion) can never add or remove an entry once the newer write has
taken over; the newer run removes whatever an older one left. An entry that is counted (the listing per
status, the canonical name per entity and day) is written with `attribute_not_exists` and its counters
in the same transaction, and removed with `attribute_exists` and the opposite change, so a retried run
never counts twice. Puts and removals go in separate transactions, which keeps any counter from
appearing twice in one (DynamoDB refuses that), and no transaction holds more than DynamoDB's 100 actions.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from precis.aws.index import DAYS, EntryKey, IndexEntry, Tables, day_of, decode_keys
from precis.aws.items import ResultItem

MAX_ACTIONS = 100
CONFLICT_ATTEMPTS = 8
CONFLICT_BACKOFF_SECONDS = 0.02
# What a counter shows besides its count: the display name and type of the entity it counts.
COUNTER_LABELS = ("name", "type")
_RETRIED_REASONS = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})
_SERIALIZER = TypeSerializer()


class Superseded(Exception):
    """Another write now owns the article's index; it removes and writes whatever this one would have."""


@dataclass(frozen=True)
class Group:
    """Actions that stand or fall together (an entry and its counters), and what replaces them when the
    entry's own condition fails because a retried run already did the counting part."""

    actions: tuple[dict[str, Any], ...]
    fallback: tuple[dict[str, Any], ...] = ()


class IndexWriter:
    """Writes articles' entries to the index table, guarded by the results table (one per container)."""

    def __init__(self, dynamodb: Any, tables: Tables) -> None:
        self.dynamodb = dynamodb
        self.tables = tables
        self._registered_days: set[str] = set()

    def synchronise(self, item: ResultItem, entries: Sequence[IndexEntry], pending: Iterable[str]) -> bool:
        """Write the item's entries, remove the pending keys it no longer owns, clear its pending list.

        False when a newer write has taken over the article (nothing more to do here).
        """
        wanted = {(entry.key.pk, entry.key.sk) for entry in entries}
        stale = [key for key in decode_keys(pending) if (key.pk, key.sk) not in wanted]
        if entries:
            self._register_day(day_of(item["uploaded_at"]))
        puts = [_put_group(self.tables.index, entry) for entry in entries]
        removals = [_delete_group(self.tables.index, key) for key in stale]
        batches = [*_batches(puts), *_batches(removals)] or [[]]
        guard, release = _guard(self.tables.results, item), _release(self.tables.results, item)
        guards = [guard] * (len(batches) - 1) + [release]
        try:
            for batch, guard in zip(batches, guards, strict=True):
                _commit(self.dynamodb, batch, guard)
        except Superseded:
            return False
        return True

    def _register_day(self, day: str) -> None:
        """The day joins the list that listings walk back through (once per container and day)."""
        if day not in self._registered_days:
            self.dynamodb.put_item(TableName=self.tables.index, Item={"pk": {"S": DAYS}, "sk": {"S": day}})
            self._registered_days.add(day)


def _put_group(table: str, entry: IndexEntry) -> Group:
    """Write an entry; a counted one only if absent, with its counters, else just refresh its attributes."""
    item = {"pk": entry.key.pk, "sk": entry.key.sk, **entry.attributes}
    plain = {"Put": {"TableName": table, "Item": _serialise(item)}}
    if not entry.key.counters:
        return Group((plain,))
    counted = {**plain["Put"], "ConditionExpression": "attribute_not_exists(pk)"}
    labels = {name: entry.attributes[name] for name in COUNTER_LABELS if name in entry.attributes}
    return Group(({"Put": counted}, *_counter_updates(table, entry.key, 1, labels)), (plain,))


def _delete_group(table: str, key: EntryKey) -> Group:
    """Remove an entry; a counted one only if present, with its counters, else there is nothing to do."""
    delete = {"TableName": table, "Key": _serialise({"pk": key.pk, "sk": key.sk})}
    if not key.counters:
        return Group(({"Delete": delete},))
    counted = {**delete, "ConditionExpression": "attribute_exists(pk)"}
    return Group(({"Delete": counted}, *_counter_updates(table, key, -1)))


def _counter_updates(
    table: str, key: EntryKey, change: int, labels: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Add `change` to each counter of an entry (a counter item appears when first counted); an increment
    also labels the counter with the entry's name and type, so a reader needs no other item."""
    settings = [f"#{name} = :{name}" for name in labels or {}]
    expression = "ADD articles :change" + (" SET " + ", ".join(settings) if settings else "")
    values = {
        ":change": {"N": str(change)},
        **_serialise({f":{name}": v for name, v in (labels or {}).items()}),
    }
    names = {f"#{name}": name for name in labels or {}}
    return [
        {
            "Update": {
                "TableName": table,
                "Key": _serialise({"pk": counter_pk, "sk": counter_sk}),
                "UpdateExpression": expression,
                "ExpressionAttributeValues": values,
                **({"ExpressionAttributeNames": names} if names else {}),
            }
        }
        for counter_pk, counter_sk in key.counters
    ]


def _guard(table: str, item: ResultItem) -> dict[str, Any]:
    """Commit only while the article item still holds this write."""
    return {
        "ConditionCheck": {
            "TableName": table,
            "Key": {"id": {"S": item["id"]}},
            "ConditionExpression": "write_id = :write",
            "ExpressionAttributeValues": {":write": {"S": item["write_id"]}},
        }
    }


def _release(table: str, item: ResultItem) -> dict[str, Any]:
    """The last transaction's guard: once its entries are written (and every stale one removed), nothing
    is pending any more; its condition is the guard's, so it takes the guard's place."""
    return {
        "Update": {
            "TableName": table,
            "Key": {"id": {"S": item["id"]}},
            "UpdateExpression": "REMOVE index_pending",
            "ConditionExpression": "write_id = :write",
            "ExpressionAttributeValues": {":write": {"S": item["write_id"]}},
        }
    }


def _batches(groups: Sequence[Group]) -> list[list[Group]]:
    """Groups packed in order into transactions of at most MAX_ACTIONS (one kept for the guard), a group
    starting a new one where it would touch an item already in it: removals of several earlier versions
    can share a counter, and DynamoDB refuses two actions on one item in one transaction."""
    batches: list[list[Group]] = []
    size, touched = MAX_ACTIONS, set[str]()
    for group in groups:
        items = {_item_key(action) for action in group.actions}
        if size + len(group.actions) > MAX_ACTIONS - 1 or items & touched:
            batches.append([])
            size, touched = 0, set()
        batches[-1].append(group)
        size += len(group.actions)
        touched |= items
    return batches


def _item_key(action: dict[str, Any]) -> str:
    """The table and key of the item an action touches."""
    ((_, part),) = action.items()
    key = part.get("Key") or {name: part["Item"][name] for name in ("pk", "sk")}
    return json.dumps([part["TableName"], key], sort_keys=True)


def _commit(dynamodb: Any, groups: list[Group], guard: dict[str, Any]) -> None:
    """One transaction: the guard and the groups, falling back group by group where a condition says the
    work was done already, and retrying conflicts with other transactions after a short, jittered wait."""
    for attempt in range(CONFLICT_ATTEMPTS):
        actions = [guard, *(action for group in groups for action in group.actions)]
        try:
            dynamodb.transact_write_items(TransactItems=actions)
            return
        except ClientError as error:
            reasons = _cancellation_reasons(error)
            if reasons is None:
                raise
        if reasons[0] == "ConditionalCheckFailed":
            raise Superseded
        failed = _failed_groups(groups, reasons[1:])
        if failed:
            groups = [
                Group(group.fallback) if index in failed else group for index, group in enumerate(groups)
            ]
            groups = [group for group in groups if group.actions]
        elif not set(reasons) <= _RETRIED_REASONS | {"None"} or attempt == CONFLICT_ATTEMPTS - 1:
            raise RuntimeError(f"index transaction cancelled: {', '.join(sorted(set(reasons) - {'None'}))}")
        else:
            time.sleep(CONFLICT_BACKOFF_SECONDS * 2**attempt * random.uniform(0.5, 1.5))
    raise RuntimeError(f"index transaction still conflicting after {CONFLICT_ATTEMPTS} attempts")


def _cancellation_reasons(error: ClientError) -> list[str] | None:
    """The per-action reason codes of a cancelled transaction, or None for any other error."""
    if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return None
    return [str(reason.get("Code", "None")) for reason in error.response.get("CancellationReasons", [])]


def _failed_groups(groups: Sequence[Group], reasons: Sequence[str]) -> set[int]:
    """Indexes of the groups one of whose actions failed its condition."""
    failed, position = set(), 0
    for index, group in enumerate(groups):
        if "ConditionalCheckFailed" in reasons[position : position + len(group.actions)]:
            failed.add(index)
        position += len(group.actions)
    return failed


def _serialise(item: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB attribute values; floats become Decimals (DynamoDB's numbers), None values are left out."""
    exact = json.loads(json.dumps(item), parse_float=Decimal)
    return {name: _SERIALIZER.serialize(value) for name, value in exact.items() if value is not None}
