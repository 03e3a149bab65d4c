"""Export: every stored result streamed out of a stack, read page by page through the query index."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

from precis.aws.items import ResultItem

# What the item keeps for the index's bookkeeping, not for readers.
BOOKKEEPING = ("index_manifest", "index_pending", "write_id", "event_order", "expires_at")
ARTICLE_COLUMNS = ("key", "status", "uploaded_at", "language", "title", "entities", "summary", "error")
ENTITY_COLUMNS = (
    "key",
    "uploaded_at",
    "title",
    "type",
    "name",
    "id",
    "country",
    "count",
    "salience",
    "aliases",
)


def public_item(item: ResultItem) -> dict[str, Any]:
    """An item as people read it: its fields and document, without the index's bookkeeping."""
    return {name: value for name, value in item.items() if name not in BOOKKEEPING}


def article_rows(items: Iterable[ResultItem]) -> Iterator[dict[str, Any]]:
    """One flat row per article (summary sentences joined), for a spreadsheet."""
    for item in items:
        document = item.get("document") or {}
        yield {
            "key": item["key"],
            "status": item["status"],
            "uploaded_at": item["uploaded_at"],
            "language": item.get("language", ""),
            "title": item.get("title", ""),
            "entities": len(document.get("entities", [])),
            "summary": " ".join(sentence["text"] for sentence in document.get("summary", [])),
            "error": item.get("error", ""),
        }


def entity_rows(items: Iterable[ResultItem]) -> Iterator[dict[str, Any]]:
    """One row per article and entity, ready for pandas: what `precis export --entities` writes."""
    for item in items:
        for entity in (item.get("document") or {}).get("entities", []):
            yield {
                "key": item["key"],
                "uploaded_at": item["uploaded_at"],
                "title": item.get("title", ""),
                "type": entity["type"],
                "name": entity["text"],
                "id": entity.get("id", ""),
                "country": entity.get("country") or "",
                "count": entity["count"],
                "salience": entity["salience"],
                "aliases": "; ".join(entity["aliases"]),
            }


def write_jsonl(rows: Iterable[dict[str, Any]], output: IO[str]) -> int:
    """One JSON object per line (UTF-8 kept readable); returns how many lines were written."""
    count = 0
    for row in rows:
        output.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(rows: Iterable[dict[str, Any]], columns: tuple[str, ...], output: IO[str]) -> int:
    """CSV with a header row; returns how many data rows were written."""
    writer = csv.DictWriter(output, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count
