"""Each entity rule on small made-up sentences whose model spans are set by hand: with it and without."""

from __future__ import annotations

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from precis.core.document import Entity
from precis.core.entities import NO_RULES_SKIPPED, RULES, find_entities
from precis.core.identity import entity_id


@pytest.fixture(scope="module")
def nlp() -> Language:
    """French tokenisation only: the rules read the spans the model would have marked."""
    return spacy.blank("fr")


def marked(nlp: Language, text: str, *spans: tuple[str, str]) -> Doc:
    """The text with each (surface, label) marked where it first occurs, as the model would."""
    doc = nlp(text)
    ents = []
    for surface, label in spans:
        start = text.index(surface)
        span = doc.char_span(start, start + len(surface), label=label)
        assert span is not None, surface
        ents.append(span)
    doc.ents = ents
    return doc


def names(doc: Doc, skip: frozenset[str] = NO_RULES_SKIPPED, **kwargs: object) -> dict[str, Entity]:
    """The entities found, by canonical name."""
    return {entity.text: entity for entity in find_entities(doc, title_end=0, skip=skip, **kwargs)}  # type: ignore[arg-type]


def test_entities_gazetteer_merges_variants_under_the_canonical_name(nlp: Language) -> None:
    doc = marked(
        nlp,
        "Les USA et les États-Unis soutiennent l'OTAN.",
        ("USA", "LOC"),
        ("États-Unis", "LOC"),
        ("OTAN", "LOC"),
    )
    found = names(doc)
    us = found["États-Unis"]
    assert (us.type, us.country, us.id, us.count, us.aliases) == ("LOC", "US", "LOC:etats unis", 2, ("USA",))
    assert found["OTAN"].type == "ORG" and found["OTAN"].country is None
    without = names(doc, frozenset({"gazetteer", "scan"}))
    assert {"USA", "États-Unis"} <= set(without) and without["OTAN"].type == "LOC"


def test_entities_gazetteer_leaves_ambiguous_first_names_to_the_model(nlp: Language) -> None:
    doc = marked(nlp, "Maurice a parlé à Dominique.", ("Maurice", "PER"), ("Dominique", "PER"))
    assert {(e.text, e.type, e.country) for e in names(doc).values()} == {
        ("Maurice", "PER", None),
        ("Dominique", "PER", None),
    }


def test_entities_scan_finds_countries_the_model_missed(nlp: Language) -> None:
    text = "Les ministres de France, Pologne et Italie ont signé avec le PS et le Ps."
    doc = marked(nlp, text, ("Pologne", "LOC"), ("Italie", "LOC"))
    found = names(doc)
    assert found["France"].country == "FR" and found["France"].mentions == ((17, 23),)
    assert found["Parti socialiste"].aliases == ("PS",) and found["Parti socialiste"].count == 1
    assert "France" not in names(doc, frozenset({"scan"}))


def test_entities_scan_splits_names_glued_together(nlp: Language) -> None:
    text = "Le groupe de contact pour l'Ukraine OTAN s'est réuni."
    doc = marked(nlp, text, ("Ukraine OTAN", "ORG"))
    assert {(e.text, e.type) for e in names(doc).values()} == {("Ukraine", "LOC"), ("OTAN", "ORG")}
    assert set(names(doc, frozenset({"scan"}))) == {"Ukraine OTAN"}


def test_entities_headings_alone_name_nothing(nlp: Language) -> None:
    text = "Réponse alliée\n\nRutte, profil\n\nMark Rutte a reçu les ministres à Paris."
    doc = marked(nlp, text, ("Réponse", "LOC"), ("Rutte", "PER"), ("Mark Rutte", "PER"), ("Paris", "LOC"))
    headings = [(0, 14), (16, 29)]
    found = names(doc, headings=headings)
    assert set(found) == {"Mark Rutte", "Paris"}
    assert found["Mark Rutte"].aliases == ("Rutte",)
    assert "Réponse" in names(doc, frozenset({"headings"}), headings=headings)


def test_entities_nationalities_are_not_entities(nlp: Language) -> None:
    text = "Les Européens écoutent le président russe Vladimir Poutine et Anne Martin, française."
    doc = marked(
        nlp,
        text,
        ("Européens", "MISC"),
        ("président russe Vladimir Poutine", "PER"),
        ("Anne Martin, française", "PER"),
    )
    doc_loc = marked(nlp, "Les Allemands votent.", ("Allemands", "LOC"))
    surname = marked(nlp, "Fanchette Philippin est venue.", ("Fanchette Philippin", "PER"))
    assert set(names(doc)) == {"Vladimir Poutine", "Anne Martin"}
    assert set(names(surname)) == {"Fanchette Philippin"}
    assert set(names(doc_loc)) == set()
    assert "Allemands" in names(doc_loc, frozenset({"demonyms"}))


def test_entities_generic_nouns_numbers_and_lowercased_words_name_nothing(nlp: Language) -> None:
    text = "Le Conseil a reçu les Six au Sénat. Une Réunion est prévue ; la réunion durera."
    doc = marked(nlp, text, ("Conseil", "ORG"), ("Six", "ORG"), ("Sénat", "ORG"), ("Réunion", "LOC"))
    assert set(names(doc)) == {"Sénat"}
    assert set(names(doc, frozenset({"common_words"}))) == {"Conseil", "Six", "Sénat", "Réunion"}


def test_entities_organisation_nouns_make_organisations(nlp: Language) -> None:
    doc = marked(nlp, "La Chambre des communes a voté.", ("Chambre des communes", "LOC"))
    assert names(doc)["Chambre des communes"].type == "ORG"
    assert names(doc, frozenset({"org_heads"}))["Chambre des communes"].type == "LOC"


def test_entities_translation_fragments_are_not_organisations(nlp: Language) -> None:
    text = (
        "Cela aura des conséquences Pour Sécurité internationale et la sécurité de tous, selon les "
        "ministres des Affaires étrangères de France. L'Action nationale proteste."
    )
    doc = marked(
        nlp,
        text,
        ("Sécurité internationale", "ORG"),
        ("Affaires étrangères de France", "ORG"),
        ("Action nationale", "ORG"),
    )
    found = names(doc)
    assert set(found) == {"Action nationale", "France"}
    assert found["France"].type == "LOC"
    assert {"Sécurité internationale", "Affaires étrangères de France"} <= set(
        names(doc, frozenset({"fragments"}))
    )


def test_entities_ids_follow_type_and_canonical_name(nlp: Language) -> None:
    doc = marked(
        nlp,
        "Emmanuel Macron reçoit l'ONU à Paris.",
        ("Emmanuel Macron", "PER"),
        ("ONU", "ORG"),
        ("Paris", "LOC"),
    )
    for rules in (NO_RULES_SKIPPED, frozenset(RULES)):
        for entity in find_entities(doc, title_end=0, skip=rules):
            assert entity.id == entity_id(entity.type, entity.text)
