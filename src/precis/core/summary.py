"""Extractive summary, keywords and stats from a segmented document."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from spacy.tokens import Span

from precis.core.document import Entity, Sentence, Stats

MAX_SENTENCES = 3
WORD_BUDGET = 80
MAX_KEYWORDS = 8
WORDS_PER_MINUTE = 230
_MIN_WORDS = 6
_REDUNDANCY = 0.6
_WEIGHTS = {"position": 0.45, "entities": 0.35, "title": 0.2}


@dataclass(frozen=True)
class Candidate:
    """A body sentence that may enter the summary, with the content words used to score it."""

    span: Span
    index: int
    words: frozenset[str]

    @property
    def length(self) -> int:
        return sum(1 for token in self.span if token.is_alpha)


def content_words(tokens: Sequence | Span) -> frozenset[str]:
    """Lowercased alphabetic non-stop words: what two sentences must share to say the same thing."""
    return frozenset(
        token.lower_ for token in tokens if token.is_alpha and not token.is_stop and len(token) > 2
    )


def summarise_sentences(
    candidates: Sequence[Candidate], entities: Sequence[Entity], title_words: frozenset[str]
) -> list[Span]:
    """Pick at most MAX_SENTENCES non-redundant sentences within WORD_BUDGET, returned in article order."""
    scores = {
        candidate.index: _score(candidate, len(candidates), entities, title_words) for candidate in candidates
    }
    chosen: list[Candidate] = []
    for candidate in sorted(candidates, key=lambda c: (-scores[c.index], c.index)):
        if len(chosen) == MAX_SENTENCES:
            break
        if chosen and sum(c.length for c in chosen) + candidate.length > WORD_BUDGET:
            continue
        if any(_overlap(candidate.words, c.words) > _REDUNDANCY for c in chosen):
            continue
        chosen.append(candidate)
    return [candidate.span for candidate in sorted(chosen, key=lambda c: c.index)]


def _score(
    candidate: Candidate, total: int, entities: Sequence[Entity], title_words: frozenset[str]
) -> float:
    """Lead position, salient entities named and words shared with the title, weighted."""
    position = 1.0 - candidate.index / max(total, 1)
    start, end = candidate.span.start_char, candidate.span.end_char
    named = [e.salience for e in entities if any(start <= m_start < end for m_start, _ in e.mentions)]
    entity_score = min(sum(named), 2.0) / 2.0
    title_score = _overlap(candidate.words, title_words)
    parts = {"position": position, "entities": entity_score, "title": title_score}
    return sum(_WEIGHTS[name] * value for name, value in parts.items())


def _overlap(first: frozenset[str], second: frozenset[str]) -> float:
    """Share of the smaller set found in the other one."""
    if not first or not second:
        return 0.0
    return len(first & second) / min(len(first), len(second))


def is_candidate(sentence: Span) -> bool:
    """Long enough to carry a fact on its own."""
    return sum(1 for token in sentence if token.is_alpha) >= _MIN_WORDS


def keywords(tokens: Sequence, excluded: Sequence[tuple[int, int]]) -> tuple[str, ...]:
    """The most frequent content words outside entity mentions, first occurrence breaking ties."""
    inside = {offset for start, end in excluded for offset in range(start, end)}
    counts: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    for token in tokens:
        if token.is_alpha and not token.is_stop and len(token) > 3 and token.idx not in inside:
            counts[token.lower_] += 1
            first_seen.setdefault(token.lower_, token.i)
    ranked = sorted(counts, key=lambda word: (-counts[word], first_seen[word]))
    return tuple(word for word in ranked if counts[word] > 1)[:MAX_KEYWORDS]


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
