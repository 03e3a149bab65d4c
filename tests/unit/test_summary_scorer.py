"""The scorer's training tools on hand-made data: fast ROUGE-L, salience counts, ridge, the facts cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rouge_score.rouge_scorer import RougeScorer

from precis.core.pipeline import Summariser
from precis.core.scoring import FEATURES, LinearScorer, SentenceFacts, WordSalience
from precis.core.summary import LengthRule
from tools.evaluation.facts import (
    ArticleFacts,
    from_json,
    label_scorer,
    text_facts,
    to_json,
    without_entities,
)
from tools.evaluation.rouge import WordTokenizer, lcs_length, rouge_l
from tools.evaluation.runner import length_bucket
from tools.evaluation.train_scorer import design, fit_ridge, salience_table, seed_penalty

SEED = Path(__file__).resolve().parents[2] / "seeds" / "fr-03.txt"


@pytest.mark.parametrize(
    ("reference", "candidate"),
    [
        ("le chat dort sur le tapis rouge", "le chien dort sur le tapis"),
        ("a b c d e f", "f e d c b a"),
        ("un deux trois", "quatre cinq"),
        ("la paix la paix la guerre", "la guerre la paix"),
        ("", "un mot"),
    ],
)
def test_fast_rouge_l_equals_rouge_score(reference: str, candidate: str) -> None:
    tokens = WordTokenizer()
    expected = RougeScorer(["rougeL"], tokenizer=tokens).score(reference, candidate)["rougeL"].fmeasure
    assert rouge_l(tokens.tokenize(reference), tokens.tokenize(candidate)) == pytest.approx(expected)


def test_lcs_length_counts_a_subsequence_not_a_substring() -> None:
    assert lcs_length(list("abcbdab"), list("bdcaba")) == 4


def article(key: str, words: list[set[str]], abstract: set[str]) -> ArticleFacts:
    """A made-up article whose sentences hold the given content words."""
    sentences = tuple(
        SentenceFacts(
            text=f"Phrase {i}.", index=i, paragraph=0, in_paragraph=i, length=10, words=frozenset(w)
        )
        for i, w in enumerate(words)
    )
    labels = tuple((0.1, 0.0, 0.1) for _ in sentences)
    return ArticleFacts(key, "Résumé.", 100, frozenset({"titre"}), frozenset(abstract), sentences, labels)


def test_salience_counts_how_often_an_article_word_reaches_the_abstract() -> None:
    articles = [
        article("a", [{"otan", "jeudi"}], {"otan"}),
        article("b", [{"otan"}, {"jeudi"}], {"otan"}),
        article("c", [{"otan", "rare"}], {"rare"}),
    ]
    table = salience_table(articles, size=2)
    assert set(table.probabilities) == {"otan", "jeudi"}
    assert table.probabilities["otan"] > table.probabilities["jeudi"]
    assert table.unknown == 1.0  # `rare`, left out of the table, reached its abstract every time


def test_ridge_recovers_a_linear_rule() -> None:
    rng = np.random.default_rng(0)
    features = rng.random((200, 3))
    labels = features @ np.array([0.5, -0.2, 0.0]) + 0.1
    scorer = fit_ridge(features, labels, ridge=1e-6)
    assert scorer.weights == pytest.approx((0.5, -0.2, 0.0), abs=1e-4)
    assert scorer.bias == pytest.approx(0.1, abs=1e-4)


def test_cached_facts_read_back_the_same() -> None:
    original = article("a", [{"otan", "jeudi"}, {"paix"}], {"otan"})
    assert from_json(to_json(original)) == original


@pytest.mark.parametrize(("words", "bucket"), [(0, "0-199"), (199, "0-199"), (200, "200-399"), (712, "700+")])
def test_length_buckets(words: int, bucket: str) -> None:
    assert length_bucket(words) == bucket


def test_facts_do_not_need_the_entity_model(summariser: Summariser) -> None:
    text = SEED.read_text(encoding="utf-8")
    scorer = label_scorer()
    lean = text_facts(without_entities("fr_core_news_sm"), "fr-03", text, "", scorer)
    assert lean == text_facts(summariser, "fr-03", text, "", scorer)
    assert len(lean.sentences) > 10


def test_seed_penalty_is_the_smallest_that_drops_sentences_leaning_on_context() -> None:
    sentences = (
        SentenceFacts(
            "Mais il l'a fait hier.", index=0, paragraph=0, in_paragraph=0, length=10, words=frozenset()
        ),
        SentenceFacts(
            "L'Europe veut être à la table.",
            index=1,
            paragraph=1,
            in_paragraph=0,
            length=10,
            words=frozenset(),
        ),
    )
    seed = ArticleFacts("seed", "", 100, frozenset(), frozenset(), sentences, ((0, 0, 0), (0, 0, 0)))
    first = FEATURES.index("first")
    scorer = LinearScorer(weights=tuple(0.05 if i == first else 0.0 for i in range(len(FEATURES))), bias=0.1)
    rule = LengthRule(brief_article=200)  # a brief: one sentence
    assert seed_penalty(scorer, rule, design([seed], WordSalience({}, 0.0))) == 0.06
