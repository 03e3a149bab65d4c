"""Extractive summary, keywords and stats from a segmented document."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Span

from precis.core import scoring
from precis.core.document import Sentence, Stats
from precis.core.scoring import SentenceFacts, needs_context

WORDS_PER_MINUTE = 230
MIN_WORDS = 6  # fewer words rarely carry a fact on their own
_REDUNDANCY = 0.6


@dataclass(frozen=True)
class LengthRule:
    """How long a summary is, by article length; chosen on held-out OrangeSum train articles and shipped
    in summary_weights.json (docs/SCORER.md): abstracts there average 33 words, whatever the article."""

    brief_article: int = 250  # words under which one sentence says it all
    long_article: int = 600  # words from which the point takes two sentences or three
    long_fewest: int = 2
    most: int = 3
    word_budget: int = 50
    long_budget: int = 110  # three sentences near an abstract's 33 words: set, not searched
    relative_score: float = 0.7  # a sentence under this share of the best one's score is left out
    context_penalty: float = 0.0  # taken off the score of a sentence that leans on the one before

    def sentences(self, article_words: int) -> tuple[int, int]:
        """The fewest and most sentences for an article of this many words."""
        if article_words < self.brief_article:
            return 1, 1
        if article_words < self.long_article:
            return 1, min(2, self.most)
        return self.long_fewest, self.most

    def budget(self, article_words: int) -> int:
        """The most words the summary's sentences may add up to."""
        return self.long_budget if article_words >= self.long_article else self.word_budget


@lru_cache(maxsize=1)
def default_rule() -> LengthRule:
    """The rule fitted with the shipped weights."""
    return LengthRule(**scoring.shipped_model()["rule"])


def select_sentences(
    sentences: Sequence[SentenceFacts],
    scores: Sequence[float],
    article_words: int,
    rule: LengthRule | None = None,
) -> list[SentenceFacts]:
    """Best-scored sentences that are not redundant, within the rule's budgets, returned in article order.

    A sentence scoring under `rule.relative_score` times the best one is left out once the article's
    fewest sentences are in: a weak second sentence lowers ROUGE precision more than it adds recall.
    """
    rule = rule or default_rule()
    fewest, most = rule.sentences(article_words)
    budget = rule.budget(article_words)
    adjusted = [
        score - rule.context_penalty * needs_context(sentence.text)
        for sentence, score in zip(sentences, scores, strict=True)
    ]
    ranked = sorted(zip(adjusted, sentences, strict=True), key=lambda pair: (-pair[0], pair[1].index))
    best = ranked[0][0] if ranked else 0.0
    chosen: list[SentenceFacts] = []
    for score, candidate in ranked:
        if len(chosen) == most or (len(chosen) >= fewest and score < rule.relative_score * best):
            break
        if chosen and sum(c.length for c in chosen) + candidate.length > budget:
            continue
        if any(_overlap(candidate.words, c.words) > _REDUNDANCY for c in chosen):
            continue
        chosen.append(candidate)
    return sorted(chosen, key=lambda c: c.index)


def _overlap(first: frozenset[str], second: frozenset[str]) -> float:
    """Share of the smaller set found in the other one."""
    if not first or not second:
        return 0.0
    return len(first & second) / min(len(first), len(second))


def stats(text: str, words: int, sentences: int) -> Stats:
    """Article size and reading time."""
    return Stats(
        characters=len(text),
        words=words,
        sentences=sentences,
        reading_time_seconds=math.ceil(words * 60 / WORDS_PER_MINUTE),
    )


def to_sentence(span: Span, original: str) -> Sentence:
    """The sentence as written in the decoded text (curly apostrophes and all), with its offsets."""
    start, end = span.start_char, span.end_char
    while end > start and original[end - 1].isspace():
        end -= 1
    return Sentence(text=original[start:end], start=start, end=end)
