"""Is the query index exact? Scan both tables (a tool may; no read path of the product does) and compare
the index with what every live item says it should hold: entries, counters, nothing pending.

A Scan over HTTP is slow on moto (each 1 MB page is built and parsed as JSON); a tool running the
embedded stack in its own process reads moto's tables in memory instead (`in_process_rows`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from moto.backends import get_backend

from precis.aws.index import DAYS, Tables, entries_for
from precis.aws.items import ResultItem
from precis.aws.storage import plain_item, with_whole_document
from precis.local.emulation.dynamodb import item_lock
from precis.names import LOCAL_ACCOUNT_ID, LOCAL_REGION

# Every item of a table by name, as plain Python.
Rows = Callable[[str], Iterable[dict[str, Any]]]


@dataclass
class Audit:
    """What differs between the index and the items; every list empty means the index is exact."""

    items: int = 0
    entries: int = 0
    missing: list[tuple[str, str]] = field(default_factory=list)
    orphans: list[tuple[str, str]] = field(default_factory=list)
    stale_attributes: list[tuple[str, str]] = field(default_factory=list)
    wrong_counters: list[tuple[str, str, int, int]] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        """No missing entry, no orphan, no entry out of date, every counter right, nothing pending."""
        differences = (self.missing, self.orphans, self.stale_attributes, self.wrong_counters, self.pending)
        return not any(differences)


def audit_index(dynamodb: Any, tables: Tables, s3: Any = None, *, rows: Rows | None = None) -> Audit:
    """Compare the index table with the entries and counters the live items derive (tables read by
    `rows`, a Scan over `dynamodb` by default)."""
    rows = rows or (lambda table: scan_rows(dynamodb, table))
    report = Audit()
    expected: dict[tuple[str, str], dict[str, Any]] = {}
    counters: Counter[tuple[str, str]] = Counter()
    for item in rows(tables.results):
        if item.get("index_pending"):
            report.pending.append(item["id"])
        if item["status"] == "deleted":
            continue
        report.items += 1
        for entry in entries_for(with_whole_document(cast(ResultItem, item), s3)):
            expected[(entry.key.pk, entry.key.sk)] = dict(entry.attributes)
            counters.update(entry.key.counters)
    actual_counters: Counter[tuple[str, str]] = Counter()
    seen: set[tuple[str, str]] = set()
    for row in rows(tables.index):
        key = (row["pk"], row["sk"])
        if "articles" in row:
            actual_counters[key] = int(row["articles"])
            continue
        if row["pk"] == DAYS:
            continue
        report.entries += 1
        seen.add(key)
        if key not in expected:
            report.orphans.append(key)
        elif _attributes(row) != _json_like(expected[key]):
            report.stale_attributes.append(key)
    report.missing = sorted(set(expected) - seen)
    report.wrong_counters = sorted(
        (pk, sk, counters[(pk, sk)], actual_counters[(pk, sk)])
        for pk, sk in set(counters) | set(actual_counters)
        if counters[(pk, sk)] != actual_counters[(pk, sk)]
    )
    return report


def scan_rows(dynamodb: Any, table: str) -> Iterator[dict[str, Any]]:
    """Every item of a table, as plain Python, through paginated Scans."""
    for page in dynamodb.get_paginator("scan").paginate(TableName=table):
        for item in page["Items"]:
            yield dict(plain_item(item))


def _attributes(row: dict[str, Any]) -> dict[str, Any]:
    """An index item without its keys."""
    return {name: value for name, value in row.items() if name not in ("pk", "sk")}


def _json_like(attributes: dict[str, Any]) -> dict[str, Any]:
    """Attributes as they read back from DynamoDB (None left out; numbers as stored)."""
    return {name: value for name, value in attributes.items() if value is not None}


def in_process_rows(table: str) -> list[dict[str, Any]]:
    """Every item of a table of the moto server running in this process, read from its memory."""
    backend = get_backend("dynamodb")[LOCAL_ACCOUNT_ID][LOCAL_REGION]
    with item_lock:
        attributes = [dict(item.attrs) for item in backend.get_table(table).all_items()]
    return [
        dict(plain_item({name: value.to_regular_json() for name, value in attrs.items()}))
        for attrs in attributes
    ]
