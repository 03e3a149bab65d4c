"""moto's DynamoDB made fit for the embedded stack: transactions isolated from other writes, and fast.

moto 5.2.5 rolls a failed TransactWriteItems back from deep copies of every table it touches, made once
per action before running it: O(table size x actions) per call, which takes minutes per article once the
query index holds a few thousand entries. And its server answers requests on parallel threads with no
lock, so neither a transaction nor an update is isolated from concurrent requests, as DynamoDB's are (the
index writer's guard relies on that, and a reader could see half an updated item). `install()` keeps a
copy of only the items a transaction touches, restores those on failure, and serialises every item read
and write behind one lock. moto also answers a Query by listing and sorting every item of the table (a
second per Query once the index holds a million entries); the patched Query reads only its partition.
The embedded stack and the tests install it.
"""

from __future__ import annotations

import copy
import inspect
import threading
from collections.abc import Callable
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

# Every call that reads or writes items: moto applies an update attribute by attribute, so a read between
# two of them would see half an item, which DynamoDB never shows.
_ITEM_CALLS = (
    "put_item",
    "update_item",
    "delete_item",
    "transact_write_items",
    "batch_write_item",
    "get_item",
    "batch_get_item",
    "query",
    "scan",
)
# Held by every item call; whoever reads moto's tables from memory holds it too, to see whole items.
item_lock = threading.RLock()
_installed: list[bool] = []


def install() -> None:
    """Patch moto's DynamoDB backend (once per process)."""
    if _installed:
        return
    Table.__deepcopy__ = _shared_table  # type: ignore[attr-defined]
    for name in _ITEM_CALLS:
        setattr(DynamoDBBackend, name, _serialised(getattr(DynamoDBBackend, name)))
    DynamoDBBackend.transact_write_items = _restoring(DynamoDBBackend.transact_write_items)  # type: ignore[method-assign]
    Table.query = _partition_only(Table.query)  # type: ignore[method-assign]
    _installed.append(True)


def _partition_only(query: Callable[..., Any]) -> Callable[..., Any]:
    """A Query of the table itself considers the items of its partition only, as DynamoDB does."""
    signature = inspect.signature(query)

    def partition_query(table: Table, *args: Any, **kwargs: Any) -> Any:
        arguments = signature.bind(table, *args, **kwargs).arguments
        hash_key = arguments.get("hash_key")
        if arguments.get("index_name") or hash_key is None or not table.range_key_attr:
            return query(table, *args, **kwargs)
        partition = list(table.items[hash_key].values()) if hash_key in table.items else []
        table.all_items = lambda: partition  # type: ignore[method-assign]
        try:
            return query(table, *args, **kwargs)
        finally:
            del table.all_items

    return partition_query


def _shared_table(table: Table, memo: dict[int, Any]) -> Table:
    """moto copies whole tables only to roll transactions back; `_restoring` rolls back touched items."""
    return table


def _serialised(write: Callable[..., Any]) -> Callable[..., Any]:
    """One item call at a time across the server's threads: each sees whole items, as in DynamoDB."""

    def locked(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
        with item_lock:
            return write(self, *args, **kwargs)

    return locked


def _restoring(transact: Callable[..., Any]) -> Callable[..., Any]:
    """Run a transaction; if it fails, put back exactly the items it touched."""

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> Any:
        with item_lock:
            before = [_original(self, action) for action in transact_items]
            try:
                return transact(self, transact_items)
            except Exception:
                for restore in before:
                    if restore is not None:
                        restore()
                raise

    return transact_write_items


def _original(backend: DynamoDBBackend, action: dict[str, Any]) -> Callable[[], None] | None:
    """How to put back the item one action touches (None if its table is unknown). moto's put and delete
    replace or drop the item object, so keeping the object is enough; an update changes it in place, so
    it is copied."""
    ((kind, part),) = action.items()
    table = backend.tables.get(part.get("TableName", ""))
    if table is None:
        return None
    attributes = part["Item"] if kind == "Put" else part["Key"]
    hash_value = DynamoType(attributes[table.hash_key_attr])
    range_value = DynamoType(attributes[table.range_key_attr]) if table.range_key_attr else None
    current = table.get_item(hash_value, range_value)
    saved = copy.deepcopy(current) if kind == "Update" and current is not None else current

    def restore() -> None:
        partition: dict[Any, Any] = table.items[hash_value] if range_value is not None else table.items
        slot = range_value if range_value is not None else hash_value
        if saved is None:
            partition.pop(slot, None)
        else:
            partition[slot] = saved

    return restore
