"""Is the query index exact? Scan both tables (a tool may; no read path of the product does) and compare
the index with what every live item says it should hold: entries, counters, nothing pending."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from precis.aws.index import DAYS, Tables, entries_for
from precis.aws.items import ResultItem
from precis.aws.storage import plain_item, with_whole_document


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


def audit_index(dynamodb: Any, tables: Tables, s3: Any = None) -> Audit:
    """Compare the index table with the entries and counters the live items derive."""
    report = Audit()
    expected: dict[tuple[str, str], dict[str, Any]] = {}
    counters: Counter[tuple[str, str]] = Counter()
    for item in _scan(dynamodb, tables.results):
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
    for row in _scan(dynamodb, tables.index):
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


def _scan(dynamodb: Any, table: str) -> Iterator[dict[str, Any]]:
    """Every item of a table, as plain Python."""
    for page in dynamodb.get_paginator("scan").paginate(TableName=table):
        for item in page["Items"]:
            yield dict(plain_item(item))


def _attributes(row: dict[str, Any]) -> dict[str, Any]:
    """An index item without its keys."""
    return {name: value for name, value in row.items() if name not in ("pk", "sk")}


def _json_like(attributes: dict[str, Any]) -> dict[str, Any]:
    """Attributes as they read back from DynamoDB (None left out; numbers as stored)."""
    return {name: value for name, value in attributes.items() if value is not None}
