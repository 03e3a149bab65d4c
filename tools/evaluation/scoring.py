"""Entity precision, recall and F1 per type and micro-averaged, with exact or overlapping span matches."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tools.evaluation.data import ENTITY_TYPES, Span

MICRO = "micro"
MATCH_MODES = ("exact", "overlap")


@dataclass(frozen=True)
class Counts:
    """True positives, false positives and false negatives, from which P/R/F follow."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def precision(self) -> float:
        """Share of predicted spans that match gold (0 when nothing was predicted)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """Share of gold spans that were found (0 when there is no gold)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def exact_matches(gold: Sequence[Span], predicted: Sequence[Span]) -> int:
    """Spans with the same start, end and type, each counted at most once on either side."""
    return sum((Counter(gold) & Counter(predicted)).values())


def overlap_matches(gold: Sequence[Span], predicted: Sequence[Span]) -> int:
    """Same type and at least one shared character; each gold and each prediction matched at most once."""
    unmatched = sorted(gold)
    matched = 0
    for span in sorted(predicted):
        hit = next((g for g in unmatched if g.type == span.type and _overlaps(g, span)), None)
        if hit is not None:
            unmatched.remove(hit)
            matched += 1
    return matched


def _overlaps(first: Span, second: Span) -> bool:
    """Half-open character ranges that share a character."""
    return first.start < second.end and second.start < first.end


MATCHERS: dict[str, Callable[[Sequence[Span], Sequence[Span]], int]] = {
    "exact": exact_matches,
    "overlap": overlap_matches,
}


def document_counts(gold: Sequence[Span], predicted: Sequence[Span], mode: str) -> dict[str, Counts]:
    """Counts per entity type for one document; types other than PER/LOC/ORG are ignored on both sides."""
    counts = {}
    for kind in ENTITY_TYPES:
        gold_of_kind = [span for span in gold if span.type == kind]
        predicted_of_kind = [span for span in predicted if span.type == kind]
        tp = MATCHERS[mode](gold_of_kind, predicted_of_kind)
        counts[kind] = Counts(tp, len(predicted_of_kind) - tp, len(gold_of_kind) - tp)
    return counts


def corpus_counts(
    golds: Sequence[Sequence[Span]], predictions: Sequence[Sequence[Span]], mode: str
) -> dict[str, Counts]:
    """Counts per type summed over documents, plus their micro total under MICRO."""
    if len(golds) != len(predictions):
        raise ValueError("one prediction list per gold list is needed")
    totals = dict.fromkeys(ENTITY_TYPES, Counts())
    for gold, predicted in zip(golds, predictions, strict=True):
        for kind, counts in document_counts(gold, predicted, mode).items():
            totals[kind] = totals[kind] + counts
    totals[MICRO] = sum(totals.values(), Counts())
    return totals


def retyped_spans(golds: Sequence[Sequence[Span]], predictions: Sequence[Sequence[Span]]) -> int:
    """Predictions with a gold span's exact offsets but another type: a typing error, not a span error."""
    total = 0
    for gold, predicted in zip(golds, predictions, strict=True):
        gold_types = {(span.start, span.end): span.type for span in gold}
        total += sum(
            1
            for span in predicted
            if span.type in ENTITY_TYPES and gold_types.get((span.start, span.end), span.type) != span.type
        )
    return total
