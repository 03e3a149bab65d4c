"""The query index's entries: derived from the item alone, keyed within DynamoDB's limits, counted once."""

from __future__ import annotations

from typing import Any

import pytest

from precis.aws import index
from precis.core.identity import entity_id
from tests.conftest import result_item


def entity(kind: str, text: str, count: int, salience: float, *aliases: str) -> dict[str, Any]:
    """An entity of a stored document, with the id the core gives it."""
    identity = entity_id(kind, text)
    return {
        "id": identity,
        "type": kind,
        "text": text,
        "count": count,
        "salience": salience,
        "aliases": list(aliases),
    }


DOCUMENT: dict[str, Any] = {
    "title": "Mark Rutte à Bruxelles",
    "entities": [
        entity("PER", "Mark Rutte", 4, 1.0, "Rutte", "Routte"),
        entity("LOC", "Bruxelles", 1, 0.4),
        entity("LOC", "États-Unis", 2, 0.7, "USA"),
    ],
    "quotes": [
        {"text": "Ce n'est pas une trahison", "start": 10, "end": 35, "speaker": "Mark Rutte"},
        {"text": "Sans auteur", "start": 50, "end": 61, "speaker": None},
    ],
}
UPLOADED = "2026-12-02T09:15:00.000000Z"


def _item(**fields: Any) -> Any:
    return result_item(
        "articles",
        "news/rutte.txt",
        uploaded_at=UPLOADED,
        document=DOCUMENT,
        title=DOCUMENT["title"],
        language="fr",
        **fields,
    )


def _by_pk(entries: list[index.IndexEntry]) -> dict[str, list[index.IndexEntry]]:
    grouped: dict[str, list[index.IndexEntry]] = {}
    for entry in entries:
        grouped.setdefault(entry.key.pk, []).append(entry)
    return grouped


def test_index_entries_cover_every_question_of_a_done_article() -> None:
    grouped = _by_pk(index.entries_for(_item()))

    assert set(grouped) == {
        "list#2026-12-02",
        "lang#fr#2026-12-02",
        "name#mark rutte",
        "name#rutte",
        "name#routte",
        "name#bruxelles",
        "name#etats unis",
        "name#usa",
        "quote#mark rutte",
        "word#mark",
        "word#rutte",
        "word#bruxelles",
    }


def test_index_every_form_of_a_name_leads_to_the_canonical_entity_and_only_the_canonical_is_counted() -> None:
    grouped = _by_pk(index.entries_for(_item()))
    forms = [grouped[f"name#{form}"][0] for form in ("mark rutte", "rutte", "routte")]

    assert {entry.attributes["entity_id"] for entry in forms} == {entity_id("PER", "Mark Rutte")}
    assert [bool(entry.key.counters) for entry in forms] == [True, False, False]
    (counter,) = forms[0].key.counters
    assert counter[0].startswith("top#2026-12-02#") and counter[1] == "PER:mark rutte"


def test_index_a_failed_item_is_listed_twice_and_counted_by_status_only() -> None:
    failed = result_item("articles", "broken.txt", status="failed", error="empty", uploaded_at=UPLOADED)
    entries = index.entries_for(failed)

    assert sorted(entry.key.pk for entry in entries) == ["failed#2026-12-02", "list#2026-12-02"]
    counted = [entry.key.counters for entry in entries if entry.key.counters]
    assert counted == [((index.count_pk(index.shard_of(failed["id"])), "failed"),)]
    assert all(entry.attributes["error"] == "empty" for entry in entries)


def test_index_a_tombstone_has_no_entry() -> None:
    assert index.entries_for(_item(status="deleted")) == []


def test_index_sort_keys_stay_within_dynamodb_limits_for_the_longest_keys() -> None:
    long_key = "é" * 510 + ".txt"
    long_name = "Nom " * 400
    document = {**DOCUMENT, "entities": [entity("PER", long_name, 1, 1.0)]}
    item = result_item("a" * 63, long_key, uploaded_at=UPLOADED, document=document, title="t")

    for entry in index.entries_for(item):
        assert len(entry.key.sk.encode()) <= 1024
        assert len(entry.key.pk.encode()) <= 2048


def test_index_sort_keys_order_articles_by_upload_time() -> None:
    earlier = index.ordered_sk("2026-12-02T09:15:00.000000Z", "b/z.txt")
    later = index.ordered_sk("2026-12-02T10:00:00.000000Z", "a/a.txt")

    assert earlier < later


@pytest.mark.parametrize(
    ("title", "words"),
    [
        ("Les États-Unis défendent l’OTAN", ["etats", "unis", "defendent", "otan"]),
        ("La « paix » : pour qui ?", ["paix"]),
        ("OTAN, OTAN et encore l'OTAN", ["otan", "encore"]),
    ],
)
def test_index_title_words_fold_case_accents_and_elisions(title: str, words: list[str]) -> None:
    assert index.title_words(title) == words


def test_index_manifest_round_trips_keys_and_counters() -> None:
    keys = [entry.key for entry in index.entries_for(_item())]

    assert index.decode_keys(index.encode_keys(keys)) == keys
    assert index.decode_keys([*index.encode_keys(keys), *index.encode_keys(keys)]) == keys
