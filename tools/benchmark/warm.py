"""Warm cost per article: Précis next to stock spaCy (full pipeline and NER alone), in one fresh process.

Systems take turns over the same texts, round after round, so a busy moment on the machine is shared.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from tools.common.stats import Summary, per_call_ms

OURS = "Précis `summarise` (NER + sentencizer + rules)"
STOCK = "spaCy stock, full pipeline"
NER = "spaCy NER only (tokenizer + ner)"
LINEAR_REPEATS = 10
LINEAR_RUNS = 7


@dataclass(frozen=True)
class Series:
    """One system on one text set: per-call milliseconds, and the mean through `nlp.pipe` when it has one."""

    label: str
    calls_ms: list[float]
    pipe_ms: float | None

    @property
    def summary(self) -> Summary:
        """Median, p95 and mean of the per-call times."""
        return Summary.of(self.calls_ms)


@dataclass(frozen=True)
class TextSet:
    """The results on one set of texts."""

    name: str
    articles: int
    series: list[Series]

    def get(self, label: str) -> Series:
        """The series of one system."""
        return next(series for series in self.series if series.label == label)

    def paired_ratio(self, label: str, other: str) -> float:
        """Median over calls of one system's time over another's on the same article in the same turn."""
        pairs = zip(self.get(label).calls_ms, self.get(other).calls_ms, strict=True)
        return Summary.of([mine / theirs for mine, theirs in pairs]).median


@dataclass(frozen=True)
class Linearity:
    """Median milliseconds for an article and the same article repeated, split around spaCy's part."""

    characters: tuple[int, int]
    spacy_ms: tuple[float, float]
    before_ms: tuple[float, float]
    after_ms: tuple[float, float]


class TimedPipeline:
    """Stands in for the loaded pipeline to time tokenisation and components apart from Précis's rules."""

    def __init__(self, nlp: Any) -> None:
        self.nlp = nlp
        self.spacy = 0.0
        self.ended = 0.0

    def make_doc(self, text: str) -> Any:
        """Tokenise, timed."""
        started = time.perf_counter()
        doc = self.nlp.make_doc(text)
        self.spacy += time.perf_counter() - started
        return doc

    def __call__(self, doc: Any) -> Any:
        """Run the components, timed; remember when they ended (what follows is post-processing)."""
        started = time.perf_counter()
        doc = self.nlp(doc)
        self.ended = time.perf_counter()
        self.spacy += self.ended - started
        return doc


def pipe_ms(nlp: Any, texts: Sequence[str]) -> float:
    """Mean milliseconds per text through `nlp.pipe` (spaCy's batched path)."""
    started = time.perf_counter()
    for _ in nlp.pipe(texts):
        pass
    return (time.perf_counter() - started) * 1000 / len(texts)


def load_systems(model: str) -> tuple[Any, Any, Any]:
    """Précis's summariser, the stock full pipeline, and the stock pipeline with only `ner`."""
    import spacy

    from precis.core.pipeline import Summariser

    summariser = Summariser.load({"fr": model})
    full = spacy.load(model)
    ner = spacy.load(model, exclude=[name for name in full.pipe_names if name != "ner"])
    return summariser, full, ner


def measure_set(systems: tuple[Any, Any, Any], name: str, data: list[bytes], rounds: int) -> TextSet:
    """All systems on one text set: per call, the three take turns on each article; then the batches."""
    summariser, full, ner = systems
    texts = [item.decode("utf-8") for item in data]
    calls: dict[str, list[float]] = {OURS: [], STOCK: [], NER: []}
    pipes: dict[str, list[float]] = {STOCK: [], NER: []}
    for _ in range(rounds):
        for item, text in zip(data, texts, strict=True):
            calls[OURS] += per_call_ms(summariser.summarise, [item])
            calls[STOCK] += per_call_ms(full, [text])
            calls[NER] += per_call_ms(ner, [text])
        pipes[STOCK].append(pipe_ms(full, texts))
        pipes[NER].append(pipe_ms(ner, texts))
    series = [
        Series(label, times, Summary.of(pipes[label]).median if label in pipes else None)
        for label, times in calls.items()
    ]
    return TextSet(name, len(data), series)


def linearity(summariser: Any, article: bytes) -> Linearity:
    """The article once and LINEAR_REPEATS times: do the rules after spaCy grow linearly with length?"""
    from precis.core.pipeline import Summariser

    timed = TimedPipeline(summariser.pipelines["fr"])
    probe = Summariser(pipelines=cast(Any, {"fr": timed}), models=summariser.models)
    single, repeated = article, b"\n\n".join([article] * LINEAR_REPEATS)
    samples: tuple[list[tuple[float, ...]], list[tuple[float, ...]]] = ([], [])
    for _ in range(LINEAR_RUNS):
        samples[0].append(split_timing(probe, timed, single))
        samples[1].append(split_timing(probe, timed, repeated))
    first, second = (_medians(runs) for runs in samples)
    return Linearity(
        (len(single.decode()), len(repeated.decode())),
        (first[0], second[0]),
        (first[1], second[1]),
        (first[2], second[2]),
    )


def split_timing(probe: Any, timed: TimedPipeline, data: bytes) -> tuple[float, float, float]:
    """Milliseconds in spaCy, in Précis before spaCy's components, and after them."""
    timed.spacy = 0.0
    started = time.perf_counter()
    probe.summarise(data)
    ended = time.perf_counter()
    after = ended - timed.ended
    return timed.spacy * 1000, (ended - started - timed.spacy - after) * 1000, after * 1000


def _medians(runs: list[tuple[float, ...]]) -> tuple[float, ...]:
    """Median of each position over the runs."""
    return tuple(Summary.of(list(values)).median for values in zip(*runs, strict=True))


def measure_warm(
    model: str, sets: dict[str, list[bytes]], rounds: dict[str, int], seed: bytes
) -> tuple[list[TextSet], Linearity]:
    """Entry point for the child process: load once, warm up, then every text set and the linearity row."""
    systems = load_systems(model)
    for data in [[seed], *sets.values()]:
        warm_up(systems, data)
    results = [measure_set(systems, name, data, rounds[name]) for name, data in sets.items()]
    return results, linearity(systems[0], seed)


def warm_up(systems: tuple[Any, Any, Any], data: list[bytes]) -> None:
    """One untimed pass: each pipeline meets the texts' words once (spaCy adds new words to its vocab)."""
    summariser, full, ner = systems
    for item in data:
        summariser.summarise(item)
        full(item.decode("utf-8"))
        ner(item.decode("utf-8"))
