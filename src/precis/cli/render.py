"""Human-readable renderings of documents and items, and the one JSON shape every command prints for an
article: the stored document itself, untouched, with a `result` key saying which input it is and how it went
(a failed input has only `result`)."""

from __future__ import annotations

import json
import textwrap
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from precis.aws.items import ResultItem

ENTITY_TYPE_ORDER = ("PER", "LOC", "ORG")
WIDTH = 100
TITLE_WIDTH = 60
TOP_ENTITIES = 5
TOP_QUOTES = 3


def to_json(value: Any, *, indent: int | None = 2) -> str:
    """JSON as the table stores it: UTF-8 text kept readable (no \\u escapes)."""
    return json.dumps(value, ensure_ascii=False, indent=indent)


def summarised_result(source: str, document: Mapping[str, Any]) -> dict[str, Any]:
    """A summarised input as printed: its document, and where it came from under `result`."""
    return {**document, "result": {"source": source, "status": "done", "error": None}}


def failed_result(source: str, error: str) -> dict[str, Any]:
    """An input that has no document, as printed: only `result`, with the reason."""
    return {"result": {"source": source, "status": "failed", "error": error}}


def item_result(item: ResultItem) -> dict[str, Any]:
    """A table item as printed: its document, with the item's other fields under `result`."""
    fields = {name: value for name, value in item.items() if name != "document"}
    result = {"source": f"s3://{item['bucket']}/{item['key']}", "error": None, **fields}
    return {**(item.get("document") or {}), "result": result}


def result_report(result: Mapping[str, Any], *, full: bool = False) -> str:
    """A printed result as text: its document's report, or its error."""
    outcome = result["result"]
    source = f"{outcome['source']} [{outcome['status']}]"
    if outcome["status"] == "done" and "schema_version" in result:
        return document_report(result, source=source, full=full)
    return f"== {source}\n  error: {outcome['error'] or 'no document stored'}"


def one_line(text: str) -> str:
    """Collapse the article's line breaks and runs of spaces for display."""
    return " ".join(text.split())


def shorten(text: str, width: int) -> str:
    """Fit a cell in a table column."""
    return textwrap.shorten(one_line(text), width=width, placeholder="…") if text else ""


def pack(entries: Sequence[str], first: str, indent: int, width: int = WIDTH) -> list[str]:
    """Comma-separated entries over lines, never breaking inside one entry (`Mark Rutte (4)`)."""
    lines = [first]
    for number, entry in enumerate(entries):
        separator = ", " if number else ""
        if number and len(lines[-1]) + len(separator) + len(entry) > width:
            lines[-1] += ","
            lines.append(" " * indent + entry)
        else:
            lines[-1] += separator + entry
    return lines


def entities_by_type(
    entities: Iterable[Mapping[str, Any]], top: int | None = None
) -> dict[str, list[Mapping[str, Any]]]:
    """The most salient entities of each type (all with top=None), PER/LOC/ORG first, then the others."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for entity in sorted(entities, key=lambda entity: -float(entity.get("salience", 0))):
        groups.setdefault(str(entity["type"]), []).append(entity)
    order = [*ENTITY_TYPE_ORDER, *sorted(set(groups) - set(ENTITY_TYPE_ORDER))]
    return {kind: groups[kind][:top] for kind in order if kind in groups}


def hidden(total: int, shown: int) -> list[str]:
    """`+9 more` when a report leaves entries out, so nothing is hidden without saying so."""
    return [f"+{total - shown} more"] if total > shown else []


def describe_language(document: Mapping[str, Any]) -> str:
    """`fr (0.98) · fr_core_news_sm 3.8.0 · 924 words, 4 min read`."""
    language = document.get("language") or {}
    parts = [f"{language.get('code', '?')} ({float(language.get('confidence', 0)):.2f})"]
    model = document.get("model")
    if model:
        parts.append(f"{model['name']} {model['version']}")
    stats = document.get("stats")
    if stats:
        minutes = max(1, round(stats["reading_time_seconds"] / 60))
        parts.append(f"{stats['words']} words, {minutes} min read")
    return " · ".join(parts)


def quote_lines(document: Mapping[str, Any], top: int | None) -> list[str]:
    """The first attributed quotations, `« text » (speaker)`, and how many more there are."""
    quotes = document.get("quotes") or []
    lines = []
    for quote in quotes[:top]:
        speaker = f" ({quote['speaker']})" if quote.get("speaker") else ""
        lines.extend(
            textwrap.wrap(
                f"« {one_line(quote['text'])} »{speaker}",
                WIDTH,
                initial_indent="    ",
                subsequent_indent="      ",
            )
        )
    lines.extend(f"    {more}" for more in hidden(len(quotes), len(quotes[:top])))
    return ["  quotes:", *lines] if lines else []


def document_lines(document: Mapping[str, Any], *, full: bool = False) -> list[str]:
    """Title, language, top entities by type, dates, summary, quotes and keywords; `full` shows them all."""
    lines = [one_line(document.get("title") or "(no title)"), f"  {describe_language(document)}"]
    if document.get("entities_status", "ok") != "ok":
        lines.append(f"  entities: {document.get('entities_reason') or document['entities_status']}")
    top = None if full else TOP_ENTITIES
    for kind, entities in entities_by_type(document.get("entities", [])).items():
        names = [f"{entity['text']} ({entity['count']})" for entity in entities[:top]]
        lines.extend(pack([*names, *hidden(len(entities), len(names))], f"  {kind:<5}", indent=7))
    moments = [moment["text"] for moment in document.get("when") or []]
    if moments:
        lines.extend(pack(moments, "  when ", indent=7))
    lines.append("  summary:")
    for number, sentence in enumerate(document.get("summary", []), start=1):
        prefix = f"    {number}. "
        lines.extend(
            textwrap.wrap(one_line(sentence["text"]), WIDTH, initial_indent=prefix, subsequent_indent=" " * 7)
        )
    lines.extend(quote_lines(document, top=None if full else TOP_QUOTES))
    keywords = document.get("keywords")
    if keywords:
        lines.extend(pack(keywords, "  keywords: ", indent=12))
    return lines


def document_report(document: Mapping[str, Any], *, source: str | None = None, full: bool = False) -> str:
    """The text report of a document, headed by where it came from."""
    header = [f"== {source}"] if source else []
    return "\n".join([*header, *document_lines(document, full=full)])


def item_report(item: ResultItem, *, full: bool = False) -> str:
    """An item as text: its document when done, its error when it failed."""
    source = f"{item.get('key', item.get('id', '?'))} [{item.get('status', '?')}]"
    if item.get("status") == "done" and item.get("document"):
        return document_report(item["document"], source=source, full=full)
    return f"== {source}\n  error: {item.get('error') or 'no document stored'}"


def listing_row(listing: Mapping[str, Any]) -> dict[str, str]:
    """The columns `precis query recent/failed/search` show for one article."""
    return {
        "uploaded": str(listing.get("uploaded_at", ""))[:19].replace("T", " "),
        "key": str(listing.get("key", "")),
        "status": str(listing.get("status", "")),
        "lang": str(listing.get("language") or ""),
        "entities": str(listing.get("entities", "")),
        "title": shorten(str(listing.get("title") or listing.get("error") or ""), TITLE_WIDTH),
    }


def mention_row(mention: Mapping[str, Any]) -> dict[str, str]:
    """The columns `precis query entity` shows for one article naming the entity."""
    return {
        "uploaded": str(mention.get("uploaded_at", ""))[:19].replace("T", " "),
        "key": str(mention.get("key", "")),
        "type": str(mention.get("type", "")),
        "name": str(mention.get("name", "")),
        "count": str(mention.get("count", "")),
        "salience": f"{float(mention.get('salience', 0)):.2f}",
        "title": shorten(str(mention.get("title") or ""), TITLE_WIDTH),
    }


def quote_row(quote: Mapping[str, Any]) -> dict[str, str]:
    """The columns `precis query quotes` shows for one quotation."""
    return {
        "uploaded": str(quote.get("uploaded_at", ""))[:19].replace("T", " "),
        "key": str(quote.get("key", "")),
        "quote": shorten(str(quote.get("text", "")), TITLE_WIDTH),
    }


def entity_count_row(count: Mapping[str, Any]) -> dict[str, str]:
    """The columns `precis query top/cooccur` show for one entity."""
    return {"articles": str(count["articles"]), "type": str(count["type"]), "name": str(count["name"])}


def display_width(text: str) -> int:
    """Terminal columns: combining accents (NFD) take none, wide East Asian characters two."""
    return sum(
        0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1
        for char in text
    )


def table(rows: Sequence[Mapping[str, str]]) -> str:
    """Left-aligned columns named by the first row's keys, aligned by display width, not code points."""
    if not rows:
        return "(no items)"
    columns = list(rows[0])
    widths = {column: max(len(column), *(display_width(row[column]) for row in rows)) for column in columns}
    lines = [[column.upper() for column in columns], *([row[column] for column in columns] for row in rows)]
    return "\n".join(
        "  ".join(
            cell + " " * (widths[column] - display_width(cell))
            for cell, column in zip(line, columns, strict=True)
        ).rstrip()
        for line in lines
    )


def describe_queue(counts: Mapping[str, int]) -> str:
    """Queue depth as SQS reports it."""
    return f"{counts['visible']} visible, {counts['in_flight']} in flight"


def status_report(status: Mapping[str, Any]) -> str:
    """`precis status` without --json."""
    names = status["names"]
    items = status["items"]
    item_counts = ", ".join(f"{count} {name}" for name, count in items.items()) or "none"
    return "\n".join(
        [
            f"endpoint  {status['endpoint_url'] or 'AWS'} ({status['region']})",
            f"bucket    {names['bucket']}: {status['objects']} objects",
            f"queue     {names['queue']}: {describe_queue(status['queue'])}",
            f"dlq       {names['dead_letter_queue']}: {describe_queue(status['dead_letter_queue'])}",
            f"table     {names['table']}: {sum(items.values())} items ({item_counts})",
            f"viewer    {status.get('web_url') or 'none (precis serve serves one; precis web for a stack)'}",
        ]
    )
