"""Sentence facts, their features, and the small linear model, fitted on OrangeSum train, that ranks them."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from spacy.tokens import Span, Token

FEATURES = (
    "first",
    "second",
    "third",
    "inverse_position",
    "relative_position",
    "first_in_paragraph",
    "inverse_paragraph",
    "inverse_in_paragraph",
    "log_length",
    "short",
    "long",
    "length_gap",
    "title_recall",
    "title_jaccard",
    "centrality",
    "has_quote",
    "starts_with_quote",
    "has_digit",
    "question",
    "salience_mean",
    "salience_max",
    "salience_sum",
)
_SHORT_WORDS = 12
_LONG_WORDS = 40
_ABSTRACT_WORDS = 33  # a human OrangeSum abstract's mean length: a sentence near it can be the whole summary
_QUOTE_MARKS = frozenset('«»“”"')
_DIGIT = re.compile(r"\d")
_SALIENCE_SUM_CAP = 5.0
# A sentence that opens on an anaphora or a connective only makes sense after the one before it.
_CONTEXT_OPENING = re.compile(
    r"^\W*(?:il(?!\s+(?:n['’]|ne\s+)?(?:y\s+a|faut|s['’]agit)\b)|elle|ils|elles|lui|eux|cela|ça|ceci|"
    r"celui-ci|celle-ci|ceux-ci|celles-ci|ce dernier|cette dernière|ces derniers|ces dernières|"
    r"mais|cependant|pourtant|toutefois|néanmoins|or|en effet|par ailleurs|de plus|en outre|d['’]ailleurs|"
    r"donc|ainsi|enfin|aussi|et)\b"
    r"|^\W*(?:[\w'’-]+\s+){0,3}(?:lui|elle|eux|elles)-mêmes?\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SentenceFacts:
    """What the features are computed from, as plain data: the scorer's training caches it per sentence."""

    text: str
    index: int
    paragraph: int
    in_paragraph: int  # 0 for the first sentence of its paragraph
    length: int
    words: frozenset[str]


@dataclass(frozen=True)
class Candidate:
    """A body sentence that may enter the summary: its span in the document and its facts."""

    span: Span
    facts: SentenceFacts


@dataclass(frozen=True)
class WordSalience:
    """How often a word of an article reappears in its human abstract (OrangeSum train), by word."""

    probabilities: Mapping[str, float]
    unknown: float  # the rate of the words the table leaves out (rarer ones)

    def of(self, word: str) -> float:
        """The word's rate, or the rate of rare words."""
        return self.probabilities.get(word, self.unknown)


@dataclass(frozen=True)
class LinearScorer:
    """Weights over FEATURES; fitted by `python -m tools.evaluation.train_scorer`, shipped as JSON."""

    weights: tuple[float, ...]
    bias: float

    def score(self, features: Sequence[Sequence[float]]) -> list[float]:
        """One score per sentence: the predicted ROUGE of the sentence against a human abstract."""
        return [self.bias + sum(w * x for w, x in zip(self.weights, row, strict=True)) for row in features]


def _core_json(name: str) -> dict[str, Any]:
    """A JSON file shipped beside this module."""
    return json.loads(resources.files("precis.core").joinpath(name).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def shipped_model() -> dict[str, Any]:
    """summary_weights.json: the weights, what they were fitted on, and the summary's length rule."""
    return _core_json("summary_weights.json")


@lru_cache(maxsize=1)
def default_scorer() -> LinearScorer:
    """The shipped weights; refuses a file fitted on another feature list."""
    data = shipped_model()
    if tuple(data["features"]) != FEATURES:
        raise ValueError("summary_weights.json was fitted on other features: refit with tools.evaluation")
    return LinearScorer(weights=tuple(data["weights"]), bias=data["bias"])


@lru_cache(maxsize=1)
def default_salience() -> WordSalience:
    """The shipped word salience table (tools.evaluation.train_scorer writes it)."""
    data = _core_json("word_salience.json")
    return WordSalience(probabilities=data["words"], unknown=data["unknown"])


def needs_context(text: str) -> bool:
    """True for a sentence that leans on the one before (`Mais il ...`, `Hegseth lui-même l'a fait`)."""
    return _CONTEXT_OPENING.search(text) is not None


def sentence_facts(sentences: Sequence[tuple[Span, int]]) -> list[SentenceFacts]:
    """The facts of each candidate sentence, given with the index of its paragraph, in article order.

    Entities are left out on purpose: the named-entity model is most of spaCy's time, and without it the
    whole training split is featurised in minutes (their features added nothing measurable, docs/SCORER.md).
    """
    facts: list[SentenceFacts] = []
    for index, (span, paragraph) in enumerate(sentences):
        previous = facts[-1] if facts else None
        facts.append(
            SentenceFacts(
                text=span.text.strip(),
                index=index,
                paragraph=paragraph,
                in_paragraph=previous.in_paragraph + 1 if previous and previous.paragraph == paragraph else 0,
                length=word_count(span),
                words=content_words(span),
            )
        )
    return facts


def content_words(tokens: Iterable[Token]) -> frozenset[str]:
    """Lowercased alphabetic non-stop words: what two sentences must share to say the same thing."""
    return frozenset(
        token.lower_ for token in tokens if token.is_alpha and not token.is_stop and len(token) > 2
    )


def word_count(sentence: Span) -> int:
    """Alphabetic words: the unit of the word budget and of the minimum candidate length."""
    return sum(1 for token in sentence if token.is_alpha)


def sentence_features(
    facts: Sequence[SentenceFacts], title_words: frozenset[str], salience: WordSalience
) -> list[list[float]]:
    """A row of FEATURES per sentence, in the same order."""
    centrality = _centrality([sentence.words for sentence in facts])
    last = max(len(facts) - 1, 1)
    return [
        _row(sentence, last, title_words, salience, score)
        for sentence, score in zip(facts, centrality, strict=True)
    ]


def _row(
    facts: SentenceFacts, last: int, title_words: frozenset[str], salience: WordSalience, centrality: float
) -> list[float]:
    """The features of one sentence."""
    text = facts.text
    shared = len(facts.words & title_words)
    union = len(facts.words | title_words)
    rates = [salience.of(word) for word in facts.words] or [0.0]
    values = {
        "first": float(facts.index == 0),
        "second": float(facts.index == 1),
        "third": float(facts.index == 2),
        "inverse_position": 1.0 / (1 + facts.index),
        "relative_position": facts.index / last,
        "first_in_paragraph": float(facts.in_paragraph == 0),
        "inverse_paragraph": 1.0 / (1 + facts.paragraph),
        "inverse_in_paragraph": 1.0 / (1 + facts.in_paragraph),
        "log_length": math.log1p(facts.length),
        "short": float(facts.length < _SHORT_WORDS),
        "long": float(facts.length > _LONG_WORDS),
        "length_gap": min(abs(facts.length - _ABSTRACT_WORDS) / _ABSTRACT_WORDS, 2.0),
        "title_recall": shared / len(title_words) if title_words else 0.0,
        "title_jaccard": shared / union if union else 0.0,
        "centrality": centrality,
        "has_quote": float(not _QUOTE_MARKS.isdisjoint(text)),
        "starts_with_quote": float(text[:1] in _QUOTE_MARKS),
        "has_digit": float(_DIGIT.search(text) is not None),
        "question": float(text.endswith("?")),
        "salience_mean": sum(rates) / len(rates),
        "salience_max": max(rates),
        "salience_sum": min(sum(rates), _SALIENCE_SUM_CAP) / _SALIENCE_SUM_CAP,
    }
    return [values[name] for name in FEATURES]


def _centrality(bags: Sequence[frozenset[str]]) -> list[float]:
    """Mean cosine similarity to the other sentences (binary TF-IDF): LexRank's degree, in linear time."""
    document_frequency = Counter(word for bag in bags for word in bag)
    count = len(bags)
    idf = {word: math.log((1 + count) / (1 + df)) + 1.0 for word, df in document_frequency.items()}
    norms = [math.sqrt(sum(idf[word] ** 2 for word in bag)) for bag in bags]
    total: Counter[str] = Counter()
    for bag, norm in zip(bags, norms, strict=True):
        total.update({word: idf[word] / norm for word in bag} if norm else {})
    scores = []
    for bag, norm in zip(bags, norms, strict=True):
        similarity = sum(idf[word] / norm * total[word] for word in bag) - 1.0 if norm else 0.0
        scores.append(similarity / max(count - 1, 1))
    return scores
