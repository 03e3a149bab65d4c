"""Peers on the same texts: pytextrank's extractive summary and YAKE's keywords, per-article time."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from tools.common.stats import Summary, per_call_ms

TEXTRANK = "pytextrank (full spaCy pipeline + textrank, 3 sentences)"
YAKE = "YAKE (keywords, n=3, top 8)"


@dataclass
class PeerRow:
    """One peer on one text set: per-article milliseconds, or why it could not run."""

    label: str
    text_set: str
    calls_ms: list[float] = field(default_factory=list)
    error: str | None = None

    @property
    def summary(self) -> Summary | None:
        """Median and p95 when it ran."""
        return Summary.of(self.calls_ms) if self.calls_ms else None


def textrank(model: str) -> Callable[[str], object]:
    """pytextrank's summary: it ranks noun chunks, so it needs the parser (the full pipeline)."""
    import spacy

    with contextlib.redirect_stdout(io.StringIO()):
        import pytextrank  # noqa: F401  (registers the "textrank" factory; prints on import)

    nlp = spacy.load(model)
    nlp.add_pipe("textrank")
    return lambda text: [sentence.text for sentence in nlp(text)._.textrank.summary(limit_sentences=3)]


def yake_keywords(_: str) -> Callable[[str], object]:
    """YAKE's French keywords: statistics only, no model."""
    import yake

    extractor = yake.KeywordExtractor(lan="fr", n=3, top=8)
    return lambda text: extractor.extract_keywords(text)


PEERS: dict[str, Callable[[str], Callable[[str], object]]] = {TEXTRANK: textrank, YAKE: yake_keywords}


def run_peer(label: str, model: str, sets: dict[str, list[str]]) -> list[PeerRow]:
    """One peer over every text set (one untimed call first), or its error on every row."""
    rows = [PeerRow(label, name) for name in sets]
    try:
        system = PEERS[label](model)
        system(next(iter(sets.values()))[0])
    except Exception as error:
        for row in rows:
            row.error = f"{type(error).__name__}: {error}"
        return rows
    for row, texts in zip(rows, sets.values(), strict=True):
        row.calls_ms = per_call_ms(system, texts)
    return rows


def measure_peers(model: str, sets: dict[str, list[str]]) -> list[PeerRow]:
    """Entry point for the child process: every peer on every set."""
    return [row for label in PEERS for row in run_peer(label, model, sets)]
