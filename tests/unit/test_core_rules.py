"""The French rules on their own: time expressions and quotation pairing on small made-up sentences."""

from __future__ import annotations

import pytest

from precis.core.document import Entity
from precis.core.identity import entity_id
from precis.core.quotes import find_quotes
from precis.core.temporal import find_time_references


@pytest.mark.parametrize(
    ("sentence", "expected", "kind"),
    [
        ("Le sommet a lieu ce jeudi à Bruxelles.", "ce jeudi", "weekday"),
        ("Ils se sont vus mercredi soir.", "mercredi soir", "weekday"),
        ("Les frontières d'avant 2014 sont exclues.", "avant 2014", "year"),
        ("Le décret du 1er janvier 2020 s'applique.", "du 1er janvier 2020", "date"),
        ("La loi votée en juin 2019 change tout.", "en juin 2019", "month"),
        ("Rendez-vous à 14 h 30 devant la mairie.", "14 h 30", "time"),
        ("La décision est attendue la semaine prochaine.", "la semaine prochaine", "relative"),
        ("Il l'a dit hier soir.", "hier soir", "relative"),
    ],
)
def test_rules_time_expressions(sentence: str, expected: str, kind: str) -> None:
    references = find_time_references(sentence)
    assert [(r.text, r.kind) for r in references] == [(expected, kind)]


def test_rules_time_expressions_ignore_bare_numbers_and_months_without_dates() -> None:
    assert find_time_references("Mai est un prénom ; 2014 personnes sont venues.") == ()


def person(name: str, *mentions: tuple[int, int]) -> Entity:
    return Entity(
        id=entity_id("PER", name),
        type="PER",
        text=name,
        country=None,
        count=len(mentions),
        salience=1.0,
        aliases=(),
        mentions=mentions,
    )


def test_rules_quotes_named_after_the_quote() -> None:
    text = "« Nous resterons », a déclaré Anne Martin."
    start = text.index("Anne")
    quotes = find_quotes(text, [(0, len(text))], [person("Anne Martin", (start, start + 11))])
    assert [(q.text, q.speaker) for q in quotes] == [("Nous resterons", "Anne Martin")]


def test_rules_quotes_garbled_closing_guillemet_and_pronoun_speaker() -> None:
    text = "Paul Durand est arrivé. « Rien ne change « , a-t-il ajouté."
    quotes = find_quotes(text, [(0, len(text))], [person("Paul Durand", (0, 11))])
    assert [(q.text, q.speaker) for q in quotes] == [("Rien ne change", "Paul Durand")]


def test_rules_quotes_without_a_speaker_stay_unattributed() -> None:
    text = "Une situation « douce » comme à Minsk."
    assert [(q.text, q.speaker) for q in find_quotes(text, [(0, len(text))], [])] == [("douce", None)]


def test_rules_opening_guillemet_starts_the_next_sentence() -> None:
    import spacy

    from precis.core.sentences import add_sentence_rules

    nlp = spacy.blank("xx")
    add_sentence_rules(nlp)
    doc = nlp("Les agriculteurs demandent des dérogations. « Sans eau, rien ne pousse », dit-elle.")
    assert [sentence.text for sentence in doc.sents] == [
        "Les agriculteurs demandent des dérogations.",
        "« Sans eau, rien ne pousse », dit-elle.",
    ]
