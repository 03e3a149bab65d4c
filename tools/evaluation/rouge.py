"""ROUGE for French: rouge-score's scorer with a Unicode word tokenizer, and the Lead-n baselines."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import fmean

from rouge_score.rouge_scorer import RougeScorer

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")
_WORD = re.compile(r"\w+")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])\s+")


class WordTokenizer:
    """Lowercased `\\w+` words: rouge-score's default tokenizer drops accented letters, wrong for French."""

    def tokenize(self, text: str) -> list[str]:
        """The words of the text, accents kept, no stemming."""
        return _WORD.findall(text.lower())


@dataclass(frozen=True)
class SummaryScores:
    """Mean ROUGE F1 x100 over the articles, and the mean size of the system's summaries."""

    rouge1: float
    rouge2: float
    rouge_l: float
    sentences: float
    words: float
    empty: int


def split_sentences(text: str) -> list[str]:
    """Paragraphs, then a break after `.`, `!`, `?` or `…` followed by space: the README's Lead-n splitter."""
    return [
        sentence.strip()
        for paragraph in text.split("\n")
        for sentence in _SENTENCE_BREAK.split(paragraph)
        if sentence.strip()
    ]


def lead(text: str, count: int) -> list[str]:
    """The first `count` sentences: the baseline any extractive summariser of news must beat."""
    return split_sentences(text)[:count]


def score_summaries(references: Sequence[str], summaries: Sequence[Sequence[str]]) -> SummaryScores:
    """Mean per-article F1 (no bootstrap: deterministic figures); each summary is a list of sentences."""
    if len(references) != len(summaries):
        raise ValueError("one summary per reference is needed")
    tokenizer = WordTokenizer()
    scorer = RougeScorer(list(ROUGE_TYPES), use_stemmer=False, tokenizer=tokenizer)
    scores = [
        scorer.score(ref, " ".join(summary)) for ref, summary in zip(references, summaries, strict=True)
    ]
    means = {kind: 100 * fmean(score[kind].fmeasure for score in scores) for kind in ROUGE_TYPES}
    return SummaryScores(
        rouge1=means["rouge1"],
        rouge2=means["rouge2"],
        rouge_l=means["rougeL"],
        sentences=fmean(len(summary) for summary in summaries),
        words=fmean(len(tokenizer.tokenize(" ".join(summary))) for summary in summaries),
        empty=sum(1 for summary in summaries if not summary),
    )


def lcs_length(reference: Sequence[str], candidate: Sequence[str]) -> int:
    """Longest common subsequence of two token lists, bit-parallel (Hyyrö 2004): one big-integer step per
    candidate token instead of rouge-score's table, for the scorer's many tuning runs."""
    masks: dict[str, int] = {}
    for position, token in enumerate(reference):
        masks[token] = masks.get(token, 0) | (1 << position)
    full = (1 << len(reference)) - 1
    row = full
    for token in candidate:
        matches = row & masks.get(token, 0)
        row = ((row + matches) | (row - matches)) & full
    return len(reference) - row.bit_count()


def rouge_l(reference: Sequence[str], candidate: Sequence[str]) -> float:
    """ROUGE-L F1 of two token lists, as rouge-score computes it (0 when either is empty)."""
    common = lcs_length(reference, candidate)
    if not common:
        return 0.0
    precision, recall = common / len(candidate), common / len(reference)
    return 2 * precision * recall / (precision + recall)
