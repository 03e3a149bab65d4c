"""The summary's scorer and selection on hand-made sentences: context, length rule, budgets, salience."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from precis.core.scoring import (
    FEATURES,
    SentenceFacts,
    WordSalience,
    default_salience,
    needs_context,
    sentence_features,
)
from precis.core.summary import LengthRule, default_rule, select_sentences

RULE = LengthRule(brief_article=200, long_article=700, word_budget=50, long_budget=90, relative_score=0.5)


def facts(index: int, text: str, length: int = 20, words: frozenset[str] | None = None) -> SentenceFacts:
    """A sentence of a made-up article, its own words unless told."""
    own = words if words is not None else frozenset({f"mot{index}", f"autre{index}"})
    return SentenceFacts(text=text, index=index, paragraph=index, in_paragraph=0, length=length, words=own)


@pytest.mark.parametrize(
    "text",
    [
        "Hegseth lui-même l'a fait, avant que Donald Trump ne parle.",
        "Mais le ministre a refusé.",
        "Il a exclu toute adhésion.",
        "« Elle ne viendra pas », a-t-il dit.",
        "Cependant, rien n'est joué.",
        "Ce dernier a démissionné.",
        "Cela change tout.",
    ],
)
def test_sentences_leaning_on_their_context_are_recognised(text: str) -> None:
    assert needs_context(text)


@pytest.mark.parametrize(
    "text",
    [
        "Le ministre a refusé toute adhésion de l'Ukraine.",
        "« Il n'y a pas de trahison », a déclaré Pete Hegseth.",
        "Il faut que l'Europe soit à la table.",
        "« Il n’y a pas de trahison », a déclaré Pete Hegseth.",
        "Ilan Dupont a gagné.",
        "Ce jeudi, les ministres se réunissent.",
        "Orange annonce ses résultats.",
    ],
)
def test_standalone_sentences_are_not_penalised(text: str) -> None:
    assert not needs_context(text)


def test_article_length_sets_how_many_sentences() -> None:
    assert RULE.sentences(150) == (1, 1)
    assert RULE.sentences(400) == (1, 2)
    assert RULE.sentences(750) == (2, 3)
    assert (RULE.budget(400), RULE.budget(750)) == (50, 90)


def test_a_brief_gets_one_sentence_and_a_long_article_at_least_two() -> None:
    sentences = [facts(i, f"Phrase numéro {i} du texte.") for i in range(5)]
    scores = [0.5, 0.1, 0.45, 0.05, 0.0]
    assert [s.index for s in select_sentences(sentences, scores, 150, RULE)] == [0]
    # The second sentence is far under half the best one: a long article still gets two.
    assert [s.index for s in select_sentences(sentences, [0.5, 0.1, 0.2, 0.05, 0.0], 750, RULE)] == [0, 2]


def test_weak_sentences_stay_out_of_a_mid_length_article() -> None:
    sentences = [facts(i, f"Phrase numéro {i} du texte.") for i in range(3)]
    assert [s.index for s in select_sentences(sentences, [0.5, 0.2, 0.1], 400, RULE)] == [0]
    assert [s.index for s in select_sentences(sentences, [0.5, 0.3, 0.1], 400, RULE)] == [0, 1]


def test_word_budget_skips_a_sentence_too_long_to_fit() -> None:
    sentences = [facts(0, "Une phrase.", 30), facts(1, "Une autre.", 30), facts(2, "Une courte.", 15)]
    chosen = select_sentences(sentences, [0.5, 0.45, 0.4], 400, RULE)
    assert [s.index for s in chosen] == [0, 2]


def test_context_penalty_lets_a_standalone_sentence_win() -> None:
    sentences = [facts(0, "Hegseth lui-même l'a fait hier."), facts(1, "Les États-Unis excluent l'adhésion.")]
    scores = [0.30, 0.25]
    assert [s.index for s in select_sentences(sentences, scores, 150, RULE)] == [0]
    penalised = LengthRule(**{**vars(RULE), "context_penalty": 0.1})
    assert [s.index for s in select_sentences(sentences, scores, 150, penalised)] == [1]


def test_redundant_sentence_is_left_out() -> None:
    shared = frozenset({"ukraine", "otan", "adhésion"})
    sentences = [facts(0, "Un.", words=shared), facts(1, "Deux.", words=shared), facts(2, "Trois.")]
    assert [s.index for s in select_sentences(sentences, [0.5, 0.45, 0.3], 400, RULE)] == [0, 2]


def test_salience_features_read_the_table_and_fall_back_to_rare_words() -> None:
    salience = WordSalience(probabilities={"otan": 0.8}, unknown=0.1)
    rows = sentence_features(
        [facts(0, "Un.", words=frozenset({"otan", "rare"})), facts(1, "Deux.", words=frozenset({"rare"}))],
        frozenset(),
        salience,
    )
    named = [dict(zip(FEATURES, row, strict=True)) for row in rows]
    assert named[0]["salience_max"] == 0.8
    assert named[0]["salience_mean"] == pytest.approx(0.45)
    assert named[1]["salience_mean"] == pytest.approx(0.1)
    assert all(len(row) == len(FEATURES) for row in rows)


def test_shipped_files_match_the_features_and_stay_small() -> None:
    weights = json.loads(resources.files("precis.core").joinpath("summary_weights.json").read_text())
    assert weights["features"] == list(FEATURES)
    assert set(weights["rule"]) == set(vars(default_rule()))
    assert 0 < len(default_salience().probabilities) <= 3000
    size = len(resources.files("precis.core").joinpath("word_salience.json").read_bytes())
    assert size < 60_000
