"""The query index: the entries each stored article contributes, one Query away from every question.

Every entry is an item of the index table under a partition key (`pk`) that names a question and a sort
key (`sk`) that orders the answers, newest first. An article's entries derive from its item alone
(`entries_for`), so they can always be recomputed; the article item records the keys it owns (its
manifest), which is how a re-upload or a deletion finds the entries to remove. Counters (articles per
entity per day, items per status) are only ever changed together with the entry they count, in one
transaction, so they stay exact whatever is retried. See docs/QUERY.md for the layout and its costs.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from precis.aws.items import ResultItem
from precis.core.identity import fingerprint

# Partition key prefixes; `#` never occurs in a fingerprint, a day or a language code.
LISTING, FAILED, LANGUAGE, NAME, QUOTE, WORD, TOP, COUNT = (
    "list",
    "failed",
    "lang",
    "name",
    "quote",
    "word",
    "top",
    "count",
)
DAYS = "days"
# Counters are spread over shards by article, so concurrent articles naming the same entity on the same
# day rarely touch the same counter item (fewer transaction conflicts, 8x the write rate per day).
SHARDS = 8
# What a name entry says about the other entities of its article, for "who appears with X".
COOCCURRING = 10
QUOTE_CHARS = 1_000
TITLE_CHARS = 300
MIN_WORD_LENGTH = 3
# A partition key takes at most 2,048 bytes; names beyond this are cut and completed by a digest.
MAX_KEY_PART_BYTES = 1_000
_ELISION = re.compile(r"['’`]")
# Title words too common to search by (French and English function words).
STOP_WORDS = frozenset(
    "les des une que qui pour par sur dans avec sans sont est pas plus aux ses ces son sa leur leurs "
    "mais ont cette comme apres avant entre vers chez the and for with from that this are was were".split()
)


@dataclass(frozen=True)
class Tables:
    """The two tables of the archive: results (one item per object) and the query index."""

    results: str
    index: str


@dataclass(frozen=True, order=True)
class EntryKey:
    """Where an entry lives, and the counters that count it (changed only together with it)."""

    pk: str
    sk: str
    counters: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class IndexEntry:
    """One index item: its key and what a reader of that question needs without another read."""

    key: EntryKey
    attributes: Mapping[str, Any] = field(default_factory=dict)


def day_of(timestamp: str) -> str:
    """`2026-12-02` of `2026-12-02T09:15:00.000Z`: the time bucket of listings and counters."""
    return timestamp[:10]


def shard_of(value: str) -> int:
    """A stable shard in [0, SHARDS) for an article id."""
    return int.from_bytes(hashlib.sha256(value.encode()).digest()[:4], "big") % SHARDS


def listing_pk(day: str) -> str:
    """Every article uploaded that day."""
    return f"{LISTING}#{day}"


def failed_pk(day: str) -> str:
    """The articles uploaded that day that could not be summarised."""
    return f"{FAILED}#{day}"


def language_pk(language: str, day: str) -> str:
    """The articles in one language uploaded that day."""
    return f"{LANGUAGE}#{language}#{day}"


def name_pk(name_fingerprint: str) -> str:
    """The articles naming an entity by one form of its name (canonical or alias)."""
    return f"{NAME}#{_bounded(name_fingerprint)}"


def quote_pk(speaker_fingerprint: str) -> str:
    """The quotations attributed to one speaker."""
    return f"{QUOTE}#{_bounded(speaker_fingerprint)}"


def word_pk(word: str) -> str:
    """The articles with one word in their title."""
    return f"{WORD}#{word}"


def top_pk(day: str, shard: int) -> str:
    """One shard of the day's counters of articles per entity."""
    return f"{TOP}#{day}#{shard}"


def count_pk(shard: int) -> str:
    """One shard of the archive's counters of items per status."""
    return f"{COUNT}#{shard}"


def ordered_sk(uploaded_at: str, item_id: str, *rest: str) -> str:
    """Upload time first, so that a Query reads the newest first; a digest of the id (an object key may
    take 1,024 bytes, a whole sort key no more) and what follows keep keys unique."""
    return "#".join((uploaded_at, _digest(item_id), *rest))


def _digest(value: str) -> str:
    """16 hex digits of SHA-256: short, and unique among any archive's ids in practice."""
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def _bounded(text: str) -> str:
    """A key part within DynamoDB's limits: a very long name keeps its start and a digest of the whole."""
    return (
        text
        if len(text.encode()) <= MAX_KEY_PART_BYTES
        else f"{text[: MAX_KEY_PART_BYTES // 4]}~{_digest(text)}"
    )


def title_words(title: str) -> list[str]:
    """Searchable words of a title: folded as names are, elisions split off (`l’OTAN` gives `otan`), short
    words and function words left out."""
    words = (word for word in fingerprint(_ELISION.sub(" ", title)).split() if len(word) >= MIN_WORD_LENGTH)
    return list(dict.fromkeys(word for word in words if word not in STOP_WORDS))


def entries_for(item: ResultItem) -> list[IndexEntry]:
    """Every index entry of a stored article: listings, names, quotes and title words."""
    if item["status"] == "deleted":
        return []
    entries = _listing_entries(item)
    document = item.get("document")
    if item["status"] == "done" and document is not None:
        entries += _name_entries(item, document)
        entries += _quote_entries(item, document)
        entries += _word_entries(item)
    return entries


def listing_summary(item: ResultItem) -> dict[str, Any]:
    """What a listing shows of an item, so that listing never reads the items themselves."""
    fields = {
        "id": item["id"],
        "bucket": item["bucket"],
        "key": item["key"],
        "status": item["status"],
        "title": item.get("title", "")[:TITLE_CHARS],
        "language": item.get("language"),
        "error": item.get("error"),
        "entities": len((item.get("document") or {}).get("entities", [])),
        "uploaded_at": item["uploaded_at"],
        "processed_at": item["processed_at"],
        "pipeline_version": item["pipeline_version"],
        "model_name": item.get("model_name"),
        "model_version": item.get("model_version"),
    }
    return {name: value for name, value in fields.items() if value is not None}


def _listing_entries(item: ResultItem) -> list[IndexEntry]:
    """Recent, failed and per-language listings; the recent one is counted per status."""
    day, summary = day_of(item["uploaded_at"]), listing_summary(item)
    sk = ordered_sk(item["uploaded_at"], item["id"])
    status_counter = (count_pk(shard_of(item["id"])), item["status"])
    entries = [IndexEntry(EntryKey(listing_pk(day), sk, (status_counter,)), summary)]
    if item["status"] == "failed":
        entries.append(IndexEntry(EntryKey(failed_pk(day), sk), summary))
    if item.get("language"):
        entries.append(IndexEntry(EntryKey(language_pk(str(item["language"]), day), sk), summary))
    return entries


def _name_entries(item: ResultItem, document: Mapping[str, Any]) -> list[IndexEntry]:
    """One entry per entity and form of its name; the canonical form's entry is counted per day."""
    entities = document.get("entities", [])
    day, shard = day_of(item["uploaded_at"]), shard_of(item["id"])
    entries = []
    for entity in entities:
        identity = entity["id"]
        common = {
            "id": item["id"],
            "key": item["key"],
            "title": item.get("title", "")[:TITLE_CHARS],
            "uploaded_at": item["uploaded_at"],
            "entity_id": identity,
            "type": entity["type"],
            "name": entity["text"],
            "count": entity["count"],
            "salience": entity["salience"],
            "with": _cooccurring(entities, identity),
        }
        canonical = fingerprint(entity["text"])
        counter = (top_pk(day, shard), identity)
        for form in dict.fromkeys(fingerprint(name) for name in (entity["text"], *entity["aliases"])):
            counters = (counter,) if form == canonical else ()
            key = EntryKey(
                name_pk(form), ordered_sk(item["uploaded_at"], item["id"], entity["type"]), counters
            )
            entries.append(IndexEntry(key, {**common, "form": form}))
    return _unique(entries)


def _cooccurring(entities: Sequence[Mapping[str, Any]], identity: str) -> list[dict[str, str]]:
    """The article's most salient other entities, as `who appears with` counts them."""
    others = [entity for entity in entities if entity["id"] != identity][:COOCCURRING]
    return [{"entity_id": entity["id"], "name": entity["text"], "type": entity["type"]} for entity in others]


def _quote_entries(item: ResultItem, document: Mapping[str, Any]) -> list[IndexEntry]:
    """One entry per attributed quotation, under its speaker's canonical name."""
    entries = []
    for number, quote in enumerate(document.get("quotes", [])):
        if not quote.get("speaker"):
            continue
        key = EntryKey(
            quote_pk(fingerprint(quote["speaker"])),
            ordered_sk(item["uploaded_at"], item["id"], f"{number:04d}"),
        )
        attributes = {
            "id": item["id"],
            "key": item["key"],
            "title": item.get("title", "")[:TITLE_CHARS],
            "uploaded_at": item["uploaded_at"],
            "speaker": quote["speaker"],
            "text": quote["text"][:QUOTE_CHARS],
            "start": quote["start"],
            "end": quote["end"],
        }
        entries.append(IndexEntry(key, attributes))
    return entries


def _word_entries(item: ResultItem) -> list[IndexEntry]:
    """One entry per searchable title word, each carrying the title's words (space-padded, so that
    `contains(title_words, " word ")` matches whole words) to check the other words of a search."""
    folded = " ".join(title_words(item.get("title", "")))
    sk = ordered_sk(item["uploaded_at"], item["id"])
    summary = {**listing_summary(item), "title_words": f" {folded} "}
    return [IndexEntry(EntryKey(word_pk(word), sk), summary) for word in title_words(item.get("title", ""))]


def _unique(entries: Iterable[IndexEntry]) -> list[IndexEntry]:
    """One entry per key: where two entities fold to the same name and type, a counted (canonical) entry
    wins over an alias, then the more salient entity; the order is deterministic either way."""
    seen: dict[tuple[str, str], IndexEntry] = {}
    for entry in sorted(entries, key=lambda entry: not entry.key.counters):
        seen.setdefault((entry.key.pk, entry.key.sk), entry)
    return list(seen.values())


def encode_keys(keys: Iterable[EntryKey]) -> list[str]:
    """A manifest as the article item stores it: one compact JSON string per key, readable in the console."""
    return [json.dumps([key.pk, key.sk, [list(counter) for counter in key.counters]]) for key in keys]


def decode_keys(manifest: Iterable[str]) -> list[EntryKey]:
    """The keys of a stored manifest, in order, each once."""
    keys = []
    for encoded in dict.fromkeys(manifest):
        pk, sk, counters = json.loads(encoded)
        keys.append(EntryKey(pk, sk, tuple((counter_pk, counter_sk) for counter_pk, counter_sk in counters)))
    return keys
