"""Text reports and tables: readable, complete, and never breaking an entity name across lines."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest

from precis.cli.embedded import demo_report
from precis.cli.render import (
    display_width,
    document_report,
    entities_by_type,
    item_report,
    pack,
    status_report,
    table,
    to_json,
)
from precis.cli.worker_log import condensed
from tests.conftest import result_item


def entity(kind: str, text: str, count: int, salience: float) -> dict[str, Any]:
    """An entity of Document.to_dict() with only what the report reads."""
    return {"type": kind, "text": text, "count": count, "salience": salience, "aliases": [], "mentions": []}


DOCUMENT: dict[str, Any] = {
    "title": "Les États-Unis défendent\nleur position",
    "language": {"code": "fr", "confidence": 0.987},
    "model": {"name": "fr_core_news_sm", "version": "3.8.0"},
    "entities": [
        entity("MISC", "Coupe du monde", 1, 0.1),
        entity("LOC", "Bruxelles", 1, 0.2),
        entity("ORG", "OTAN", 5, 0.8),
        entity("PER", "Pete Hegseth", 6, 0.9),
        entity("LOC", "Ukraine", 10, 0.7),
    ],
    "entities_status": "ok",
    "entities_reason": None,
    "summary": [
        {"text": "Première phrase.", "start": 0, "end": 16},
        {"text": "Deuxième\nphrase.", "start": 17, "end": 33},
    ],
    "when": [{"text": "ce jeudi", "kind": "weekday", "mentions": [[0, 8]]}],
    "quotes": [
        {"text": "Ce n’est pas\nune trahison", "start": 0, "end": 25, "speaker": "Pete Hegseth"},
        {"text": "Sans auteur", "start": 30, "end": 41, "speaker": None},
    ],
    "keywords": ["paix", "réunion"],
    "stats": {"characters": 4000, "words": 712, "sentences": 30, "reading_time_seconds": 186},
    "encoding": "utf-8",
    "source_format": "text",
    "schema_version": "2.0",
}


def test_report_groups_entities_per_then_loc_then_org_then_others_by_salience() -> None:
    groups = entities_by_type(DOCUMENT["entities"], top=5)

    assert list(groups) == ["PER", "LOC", "ORG", "MISC"]
    assert [e["text"] for e in groups["LOC"]] == ["Ukraine", "Bruxelles"]
    assert [e["text"] for e in entities_by_type(DOCUMENT["entities"], top=1)["LOC"]] == ["Ukraine"]


def test_report_pack_never_splits_an_entry_and_keeps_lines_short() -> None:
    entries = [f"Personne Numéro {n} ({n})" for n in range(30)]

    lines = pack(entries, "  PER  ", indent=7, width=60)

    assert all(len(line) <= 60 for line in lines)
    assert [e.strip(",") for line in lines for e in line[7:].split(", ")] == entries


def test_report_document_shows_title_language_entities_summary_dates_and_quotes() -> None:
    report = document_report(DOCUMENT, source="fr-03.txt")

    lines = report.splitlines()
    assert lines[0] == "== fr-03.txt"
    assert lines[1] == "Les États-Unis défendent leur position"
    assert "fr (0.99) · fr_core_news_sm 3.8.0 · 712 words, 3 min read" in lines[2]
    assert "  PER  Pete Hegseth (6)" in lines
    assert "  LOC  Ukraine (10), Bruxelles (1)" in lines
    assert "    1. Première phrase." in lines
    assert "    2. Deuxième phrase." in lines
    assert "  when ce jeudi" in lines
    assert lines[lines.index("  quotes:") + 1 :][:2] == [
        "    « Ce n’est pas une trahison » (Pete Hegseth)",
        "    « Sans auteur »",
    ]
    assert "  keywords: paix, réunion" in lines


def test_report_says_how_many_entities_and_quotes_it_hides_and_full_shows_them() -> None:
    people = [entity("PER", f"Personne {n}", 1, 1 - n / 100) for n in range(7)]
    quotes = [{"text": f"Citation {n}", "start": 0, "end": 1, "speaker": None} for n in range(14)]
    document = {**DOCUMENT, "entities": people, "quotes": quotes}

    short = document_report(document).splitlines()
    full = document_report(document, full=True).splitlines()

    assert (
        "  PER  Personne 0 (1), Personne 1 (1), Personne 2 (1), Personne 3 (1), Personne 4 (1), +2 more"
        in short
    )
    assert short[-3:-1] == ["    « Citation 2 »", "    +11 more"]
    assert "Personne 6 (1)" in "\n".join(full)
    assert "more" not in "\n".join(full)
    assert sum(line.startswith("    « Citation") for line in full) == 14


def test_report_says_why_entities_are_missing() -> None:
    document = {
        **DOCUMENT,
        "entities": [],
        "entities_status": "no_model",
        "entities_reason": "no entity model is configured for language 'en'",
    }

    assert (
        "  entities: no entity model is configured for language 'en'"
        in document_report(document).splitlines()
    )


def test_report_failed_item_shows_its_error_not_a_document() -> None:
    item = result_item("articles", "bad.txt", status="failed", error="not UTF-8 text")

    assert item_report(item) == "== bad.txt [failed]\n  error: not UTF-8 text"
    assert item_report(result_item("articles", "bad.txt", document=DOCUMENT)).startswith(
        "== bad.txt [done]\nLes"
    )


def test_report_table_aligns_columns_and_handles_no_rows() -> None:
    rows = [{"key": "a.txt", "status": "done"}, {"key": "dossier/long-name.txt", "status": "failed"}]

    lines = table(rows).splitlines()

    assert lines[0] == "KEY                    STATUS"
    assert lines[2] == "dossier/long-name.txt  failed"
    assert table([]) == "(no items)"


def test_report_table_aligns_decomposed_accents_by_display_width() -> None:
    nfd = unicodedata.normalize("NFD", "été/élève.txt")
    rows = [{"key": nfd, "status": "done"}, {"key": "ete/eleve.txt", "status": "failed"}]

    lines = table(rows).splitlines()

    assert display_width(nfd) == len("été/élève.txt") < len(nfd)
    assert display_width(lines[1][: lines[1].index("done")]) == lines[0].index("STATUS")
    assert lines[2].index("failed") == lines[0].index("STATUS")


def test_report_demo_ends_with_totals_including_missing_items() -> None:
    items = [
        result_item("articles", "a.txt", document=DOCUMENT),
        result_item("articles", "b.txt", status="failed"),
    ]

    report = demo_report(items, ["c.txt"], timeout=60)

    assert "== c.txt [no item after 60 s]" in report
    assert report.endswith("3 articles: 1 done, 1 failed, 1 missing")


def test_report_status_names_every_resource_with_its_counts() -> None:
    status = {
        "endpoint_url": "http://127.0.0.1:4566",
        "region": "us-east-1",
        "names": {"bucket": "b", "table": "t", "queue": "q", "dead_letter_queue": "d"},
        "objects": 3,
        "queue": {"visible": 1, "in_flight": 2},
        "dead_letter_queue": {"visible": 0, "in_flight": 0},
        "items": {"done": 2, "failed": 1},
        "web_url": "http://127.0.0.1:8080/",
    }

    assert status_report(status).splitlines() == [
        "endpoint  http://127.0.0.1:4566 (us-east-1)",
        "bucket    b: 3 objects",
        "queue     q: 1 visible, 2 in flight",
        "dlq       d: 0 visible, 0 in flight",
        "table     t: 3 items (2 done, 1 failed)",
        "viewer    http://127.0.0.1:8080/",
    ]


def test_report_json_keeps_accents_readable() -> None:
    assert to_json({"title": "État"}, indent=None) == '{"title": "État"}'


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        (
            '{"level":"INFO","message":"Article summarised","outcome":"processed","correlation_id":"a.txt",'
            '"language":"fr","entities":3,"processing_ms":812}',
            "processed  a.txt (fr, 3 entities, 812 ms)",
        ),
        (
            '{"level":"WARNING","message":"Article not summarised","outcome":"failed",'
            '"correlation_id":"b.txt","reason":"the file is empty"}',
            "failed     b.txt: the file is empty",
        ),
        (
            '{"level":"ERROR","message":"Object not processed; it will be retried","outcome":"retry",'
            '"correlation_id":"c.txt"}',
            "retry      c.txt: Object not processed; it will be retried",
        ),
        ('{"level":"ERROR","message":"table missing"}', "error: table missing"),
        (
            "2026-12-02 22:40:01,123 worker-1 WARNING polling failed; retrying",
            "worker-1 warning: polling failed; retrying",
        ),
        ("2026-12-02 22:40:01,123 worker-0 INFO Found credentials in environment variables.", None),
        ('{"_aws":{"Timestamp":1,"CloudWatchMetrics":[]},"ProcessingTime":[812]}', None),
        ('{"level":"INFO","message":"Duplicate"', None),
        ("  warnings.warn(", None),
    ],
)
def test_serve_log_keeps_outcomes_warnings_and_errors_only(line: str, shown: str | None) -> None:
    assert condensed(line + "\n") == shown
