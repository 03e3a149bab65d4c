"""One evaluation run: load the models once, run every system on the same texts, collect the figures."""

from __future__ import annotations

import os
import platform
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from importlib.metadata import version
from pathlib import Path
from typing import TypeVar

import spacy

import precis
from precis.core.pipeline import Summariser
from tools.evaluation.data import (
    SUMMARY_FILE,
    TRAIN_FILE,
    Article,
    NerDocument,
    read_articles,
    read_ner_documents,
)
from tools.evaluation.facts import label_scorer, load_facts, text_facts
from tools.evaluation.rouge import SummaryScores, score_summaries, split_sentences
from tools.evaluation.scoring import MATCH_MODES, Counts, corpus_counts, retyped_spans
from tools.evaluation.systems import lead_summaries, precis_entities, precis_summaries, spacy_entities
from tools.evaluation.train_scorer import MODEL, SEED, AblationRow, ablation, shipped_setup, trained_articles

PRECIS = "Précis"
PREVIOUS = "previous scorer"
BUCKET_LEAD = "Lead-2"
BUCKET_LIMITS = (200, 400, 700)
BUCKETS = ("0-199", "200-399", "400-699", "700+")
SPACY = "spaCy"
REFERENCE = "reference abstract"
LEAD_COUNTS = (1, 2, 3)
T = TypeVar("T")


@dataclass(frozen=True)
class Environment:
    """What produced the figures, so a later run can tell a code change from an upgrade or another machine."""

    day: str
    precis: str
    spacy: str
    model: str
    rouge_score: str
    python: str
    cpus: int


@dataclass(frozen=True)
class SummaryResults:
    """ROUGE and summary sizes per system on the same articles, by article length too, and the scorer's
    ablation (each idea added in turn) with what each row says of the seed."""

    articles: int
    systems: dict[str, SummaryScores]
    buckets: dict[str, dict[str, SummaryScores]]  # bucket -> system -> scores
    bucket_sizes: dict[str, int]
    ablation: list[AblationRow]
    seed: dict[str, list[str]]  # ablation row or system -> the seed's summary


@dataclass(frozen=True)
class EntityResults:
    """Entity counts per system, match mode and type, with the diagnostics that explain them."""

    documents: int
    trimmed_documents: int
    gold_spans: int
    counts: dict[tuple[str, str], dict[str, Counts]]
    retyped: dict[str, int]
    precis_not_extracted: int
    precis_mentions: int
    precis_misaligned: int
    ablation: dict[str, dict[str, dict[str, Counts]]]  # rules left out -> match mode -> type -> counts


@dataclass(frozen=True)
class Results:
    """Everything the report shows, with wall-clock seconds per stage."""

    environment: Environment
    summaries: SummaryResults
    entities: EntityResults
    seconds: dict[str, float]


class Stopwatch:
    """Wall-clock seconds per stage, in the order the stages ran."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def time(self, stage: str, work: Callable[[], T]) -> T:
        """Run `work`, adding its duration to `stage`."""
        started = time.perf_counter()
        result = work()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - started
        return result


def run(data_dir: Path, model: str, limit: int | None) -> Results:
    """Load once, then score summaries on OrangeSum and entities on HIPE."""
    started = time.perf_counter()
    watch = Stopwatch()
    summariser = watch.time("loading", lambda: Summariser.load({"fr": model}))
    nlp = watch.time("loading", lambda: spacy.load(model))
    articles = read_articles(data_dir, limit)
    documents = read_ner_documents(data_dir, limit)
    summaries = watch.time("summaries", lambda: evaluate_summaries(summariser, articles, data_dir, limit))
    entities = watch.time("entities", lambda: evaluate_entities(summariser, nlp, documents))
    watch.seconds["total"] = time.perf_counter() - started
    return Results(environment(nlp), summaries, entities, watch.seconds)


def environment(nlp: spacy.language.Language) -> Environment:
    """Versions of everything that affects the scores, and the machine's size."""
    return Environment(
        day=date.today().isoformat(),
        precis=precis.__version__,
        spacy=spacy.__version__,
        model=f"{nlp.meta['lang']}_{nlp.meta['name']} {nlp.meta['version']}",
        rouge_score=version("rouge-score"),
        python=platform.python_version(),
        cpus=os.cpu_count() or 1,
    )


def evaluate_summaries(
    summariser: Summariser, articles: list[Article], data_dir: Path, train_limit: int | None
) -> SummaryResults:
    """Précis and Lead-1/2/3 against the abstracts, plus the abstracts' own size for scale; by length; the
    scorer's ablation on the same articles, fitted on as many train articles as the shipped weights (or
    `train_limit`, for a quick run)."""
    references = [article.summary for article in articles]
    outputs = {PRECIS: precis_summaries(summariser, articles)}
    outputs |= {f"Lead-{count}": lead_summaries(articles, count) for count in LEAD_COUNTS}
    outputs[REFERENCE] = [split_sentences(reference) for reference in references]
    systems = {name: score_summaries(references, summaries) for name, summaries in outputs.items()}
    test = load_facts(data_dir, SUMMARY_FILE, MODEL, limit=len(articles))
    train = load_facts(data_dir, TRAIN_FILE, MODEL, limit=min(trained_articles(), train_limit or sys.maxsize))
    seed = text_facts(summariser, SEED.name, SEED.read_text(encoding="utf-8"), "", label_scorer())
    rows = ablation(train, test, shipped_setup(), seed)
    outputs[PREVIOUS] = rows[0].summaries
    buckets = [length_bucket(facts.words) for facts in test]
    shown = {name: outputs[name] for name in (PRECIS, PREVIOUS, BUCKET_LEAD)}
    after = [s.text for s in summariser.summarise_text(SEED.read_text(encoding="utf-8")).summary]
    return SummaryResults(
        articles=len(articles),
        systems=systems,
        buckets=_by_bucket(buckets, references, shown),
        bucket_sizes=dict(Counter(buckets)),
        ablation=rows,
        seed={PREVIOUS: rows[0].seed, PRECIS: after},
    )


def length_bucket(words: int) -> str:
    """The article-length bucket (words) a summary's score is reported in."""
    for limit, name in zip(BUCKET_LIMITS, BUCKETS, strict=False):
        if words < limit:
            return name
    return BUCKETS[-1]


def _by_bucket(
    buckets: list[str], references: list[str], outputs: dict[str, list[list[str]]]
) -> dict[str, dict[str, SummaryScores]]:
    """ROUGE of each system within each length bucket."""
    scores: dict[str, dict[str, SummaryScores]] = {}
    for bucket in BUCKETS:
        rows = [number for number, name in enumerate(buckets) if name == bucket]
        if rows:
            scores[bucket] = {
                system: score_summaries([references[n] for n in rows], [summaries[n] for n in rows])
                for system, summaries in outputs.items()
            }
    return scores


def evaluate_entities(
    summariser: Summariser, nlp: spacy.language.Language, documents: list[NerDocument]
) -> EntityResults:
    """The bare model and Précis's cleaned entities against the same gold spans."""
    golds = [list(document.gold) for document in documents]
    cleaned = precis_entities(summariser, documents)
    predictions = {SPACY: spacy_entities(nlp, documents), PRECIS: cleaned.spans}
    return EntityResults(
        documents=len(documents),
        trimmed_documents=sum(1 for document in documents if document.trimmed),
        gold_spans=sum(len(gold) for gold in golds),
        counts={
            (system, mode): corpus_counts(golds, spans, mode)
            for system, spans in predictions.items()
            for mode in MATCH_MODES
        },
        retyped={system: retyped_spans(golds, spans) for system, spans in predictions.items()},
        precis_not_extracted=cleaned.not_extracted,
        precis_mentions=cleaned.mentions,
        precis_misaligned=cleaned.misaligned,
        ablation={
            name: {mode: corpus_counts(golds, spans, mode) for mode in MATCH_MODES}
            for name, spans in cleaned.ablation.items()
        },
    )
