"""Sentence features and the small linear model, fitted on OrangeSum train, that ranks them."""

from __future__ import annotations

import bisect
import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from spacy.tokens import Span

from precis.core.document import Entity

FEATURES = (
    "first",
    "second",
    "third",
    "inverse_position",
    "relative_position",
    "first_in_paragraph",
    "inverse_paragraph",
    "log_length",
    "short",
    "long",
    "title_recall",
    "title_jaccard",
    "entity_salience",
    "entity_count",
    "centrality",
    "has_quote",
    "starts_with_quote",
    "has_digit",
    "question",
)
_SHORT_WORDS = 12
_LONG_WORDS = 40
_QUOTE_MARKS = frozenset('«»“”"')


@dataclass(frozen=True)
class Candidate:
    """A body sentence that may enter the summary, with what the scorer needs to know about it."""

    span: Span
    index: int
    paragraph: int
    first_in_paragraph: bool
    words: frozenset[str]
    length: int


@dataclass(frozen=True)
class LinearScorer:
    """Weights over FEATURES; fitted by `python -m tools.evaluation.train_scorer`, shipped as JSON."""

    weights: tuple[float, ...]
    bias: float

    def score(self, features: Sequence[Sequence[float]]) -> list[float]:
        """One score per sentence: the predicted ROUGE-L of the sentence against a human abstract."""
        return [self.bias + sum(w * x for w, x in zip(self.weights, row, strict=True)) for row in features]


@lru_cache(maxsize=1)
def default_scorer() -> LinearScorer:
    """The shipped weights; refuses a file fitted on another feature list."""
    data = json.loads(resources.files("precis.core").joinpath("summary_weights.json").read_text())
    if tuple(data["features"]) != FEATURES:
        raise ValueError("summary_weights.json was fitted on other features: refit with tools.evaluation")
    return LinearScorer(weights=tuple(data["weights"]), bias=data["bias"])


def sentence_features(
    candidates: Sequence[Candidate], entities: Sequence[Entity], title_words: frozenset[str]
) -> list[list[float]]:
    """A row of FEATURES per candidate, in the same order."""
    centrality = _centrality([candidate.words for candidate in candidates])
    mentions = sorted((start, entity.salience) for entity in entities for start, _ in entity.mentions)
    starts = [start for start, _ in mentions]
    last = max(len(candidates) - 1, 1)
    rows = []
    for position, candidate in enumerate(candidates):
        first = bisect.bisect_left(starts, candidate.span.start_char)
        inside = bisect.bisect_left(starts, candidate.span.end_char)
        saliences = [salience for _, salience in mentions[first:inside]]
        rows.append(_row(candidate, last, title_words, saliences, centrality[position]))
    return rows


def _row(
    candidate: Candidate,
    last: int,
    title_words: frozenset[str],
    saliences: list[float],
    centrality: float,
) -> list[float]:
    """The features of one sentence, given the saliences of the entities it mentions."""
    text = candidate.span.text.strip()
    shared = len(candidate.words & title_words)
    union = len(candidate.words | title_words)
    values = {
        "first": float(candidate.index == 0),
        "second": float(candidate.index == 1),
        "third": float(candidate.index == 2),
        "inverse_position": 1.0 / (1 + candidate.index),
        "relative_position": candidate.index / last,
        "first_in_paragraph": float(candidate.first_in_paragraph),
        "inverse_paragraph": 1.0 / (1 + candidate.paragraph),
        "log_length": math.log1p(candidate.length),
        "short": float(candidate.length < _SHORT_WORDS),
        "long": float(candidate.length > _LONG_WORDS),
        "title_recall": shared / len(title_words) if title_words else 0.0,
        "title_jaccard": shared / union if union else 0.0,
        "entity_salience": min(sum(saliences), 2.0) / 2.0,
        "entity_count": min(len(saliences), 5) / 5,
        "centrality": centrality,
        "has_quote": float(any(char in _QUOTE_MARKS for char in text)),
        "starts_with_quote": float(text[:1] in _QUOTE_MARKS),
        "has_digit": float(any(char.isdigit() for char in text)),
        "question": float(text.endswith("?")),
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
