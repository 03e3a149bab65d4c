"""Extractive summary, keywords and stats from a segmented document."""

from __future__ import annotations

import math
from collections.abc import Sequence

from spacy.tokens import Span

from precis.core.document import Sentence, Stats
from precis.core.scoring import Candidate

# Chosen on the OrangeSum validation file (docs/EVAL.md): human abstracts there average 33 words.
MAX_SENTENCES = 3
WORD_BUDGET = 50
RELATIVE_SCORE = 0.7
WORDS_PER_MINUTE = 230
MIN_WORDS = 6  # fewer words rarely carry a fact on their own
_REDUNDANCY = 0.6


def content_words(tokens: Sequence | Span) -> frozenset[str]:
    """Lowercased alphabetic non-stop words: what two sentences must share to say the same thing."""
    return frozenset(
        token.lower_ for token in tokens if token.is_alpha and not token.is_stop and len(token) > 2
    )


def select_sentences(
    candidates: Sequence[Candidate],
    scores: Sequence[float],
    *,
    max_sentences: int = MAX_SENTENCES,
    word_budget: int = WORD_BUDGET,
    relative_score: float = RELATIVE_SCORE,
) -> list[Candidate]:
    """Best-scored sentences that are not redundant, within the budgets, returned in article order.

    A sentence scoring under `relative_score` times the best one is left out: a weak second sentence
    lowers ROUGE precision more than it adds recall.
    """
    chosen: list[Candidate] = []
    ranked = sorted(zip(scores, candidates, strict=True), key=lambda pair: (-pair[0], pair[1].index))
    best = ranked[0][0] if ranked else 0.0
    for score, candidate in ranked:
        if len(chosen) == max_sentences or (chosen and score < relative_score * best):
            break
        if chosen and sum(c.length for c in chosen) + candidate.length > word_budget:
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


def word_count(sentence: Span) -> int:
    """Alphabetic words: the unit of the word budget and of the minimum candidate length."""
    return sum(1 for token in sentence if token.is_alpha)


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
