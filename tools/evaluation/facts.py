"""The scorer's training cache: each OrangeSum article's sentence facts and ROUGE labels, computed once.

spaCy over the 21,401 training articles is the slow part of fitting the scorer (minutes); features are
cheap to derive from the cached facts, so the ablation and every refit read the cache instead. The cache
lives outside the repository (`~/.cache/precis/facts`, or `$PRECIS_CACHE/facts`) and is never committed.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing import Pool
from pathlib import Path
from typing import Any

from rouge_score.rouge_scorer import RougeScorer

from precis.core.pipeline import Summariser
from precis.core.scoring import SentenceFacts, content_words
from precis.core.summary import to_sentence
from tools.evaluation.data import Article, read_articles
from tools.evaluation.rouge import ROUGE_TYPES, WordTokenizer

FACTS_VERSION = "1"  # bump when SentenceFacts or the labels change: older caches are then ignored
_CHUNK = 8
_PROGRESS_EVERY = 1000


@dataclass(frozen=True)
class ArticleFacts:
    """One article as the scorer's training sees it: its sentences' facts and their ROUGE F1 labels."""

    id: str
    summary: str
    words: int
    title_words: frozenset[str]
    abstract_words: frozenset[str]
    sentences: tuple[SentenceFacts, ...]
    labels: tuple[tuple[float, float, float], ...]  # R-L of each sentence against the abstract


def cache_dir() -> Path:
    """Where caches go: `$PRECIS_CACHE/facts`, else `~/.cache/precis/facts`."""
    root = os.environ.get("PRECIS_CACHE")
    return (Path(root) if root else Path.home() / ".cache" / "precis") / "facts"


def cache_path(data_file: str, model: str) -> Path:
    """One cache file per data file, model and facts version."""
    return cache_dir() / f"{Path(data_file).stem}.{model}.v{FACTS_VERSION}.jsonl"


def article_facts(summariser: Summariser, article: Article, scorer: RougeScorer) -> ArticleFacts:
    """Run the pipeline up to sentence selection and label each candidate with its ROUGE."""
    return text_facts(summariser, article.id, article.precis_input, article.summary, scorer)


def text_facts(
    summariser: Summariser, key: str, text: str, summary: str, scorer: RougeScorer
) -> ArticleFacts:
    """The facts of any text, labelled against `summary` (an empty one labels every sentence 0)."""
    analysis = summariser.analyse(text)
    labels = []
    for candidate in analysis.candidates:
        scores = scorer.score(summary, to_sentence(candidate.span, text).text)
        labels.append(tuple(round(scores[kind].fmeasure, 4) for kind in ROUGE_TYPES))
    nlp = next(iter(summariser.pipelines.values()))
    return ArticleFacts(
        id=key,
        summary=summary,
        words=analysis.words,
        title_words=analysis.title_words,
        abstract_words=content_words(nlp.make_doc(summary)),
        sentences=tuple(candidate.facts for candidate in analysis.candidates),
        labels=tuple(labels),  # type: ignore[arg-type]
    )


def to_json(facts: ArticleFacts) -> str:
    """One cache line (word sets sorted, so the file is deterministic)."""
    sentences = [{**vars(sentence), "words": sorted(sentence.words)} for sentence in facts.sentences]
    row = {
        **vars(facts),
        "title_words": sorted(facts.title_words),
        "abstract_words": sorted(facts.abstract_words),
        "sentences": sentences,
        "labels": [list(label) for label in facts.labels],
    }
    return json.dumps(row, ensure_ascii=False)


def from_json(line: str) -> ArticleFacts:
    """The article back from its cache line."""
    row: dict[str, Any] = json.loads(line)
    sentences = tuple(SentenceFacts(**{**s, "words": frozenset(s["words"])}) for s in row["sentences"])
    return ArticleFacts(
        id=row["id"],
        summary=row["summary"],
        words=row["words"],
        title_words=frozenset(row["title_words"]),
        abstract_words=frozenset(row["abstract_words"]),
        sentences=sentences,
        labels=tuple(tuple(label) for label in row["labels"]),  # type: ignore[misc]
    )


def read_cache(path: Path) -> list[ArticleFacts]:
    """The cached articles (none when there is no cache yet); a line cut short by an interrupt is skipped."""
    if not path.is_file():
        return []
    facts = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            try:
                facts.append(from_json(line))
            except json.JSONDecodeError:
                continue
    return facts


def load_facts(
    data_dir: Path, data_file: str, model: str, *, workers: int = 1, limit: int | None = None
) -> list[ArticleFacts]:
    """The facts of the file's first `limit` articles, computing (and caching) those not cached yet."""
    articles = read_articles(data_dir, limit, file=data_file)
    path = cache_path(data_file, model)
    cached = {facts.id: facts for facts in read_cache(path)}
    missing = [article for article in articles if article.id not in cached]
    if missing:
        print(f"facts: {len(missing)} articles of {data_file} to compute ({path})", file=sys.stderr)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as cache:
            for done, facts in enumerate(_compute(missing, model, workers), 1):
                cache.write(to_json(facts) + "\n")
                cached[facts.id] = facts
                if done % _PROGRESS_EVERY == 0:
                    print(f"  {done}/{len(missing)}", file=sys.stderr)
    return [cached[article.id] for article in articles]


_WORKER: tuple[Summariser, RougeScorer] | None = None


def without_entities(model: str) -> Summariser:
    """The pipeline with its named-entity model disabled: the facts do not read entities, and it is most
    of spaCy's time (tests/unit/test_summary_scorer.py checks the facts are the same)."""
    summariser = Summariser.load({"fr": model})
    for nlp in summariser.pipelines.values():
        if "ner" in nlp.pipe_names:
            nlp.disable_pipe("ner")
    return summariser


def label_scorer() -> RougeScorer:
    """ROUGE as the evaluation computes it, for the labels."""
    return RougeScorer(list(ROUGE_TYPES), tokenizer=WordTokenizer())


def _start_worker(model: str) -> None:
    """Load the model once per process."""
    global _WORKER
    _WORKER = (without_entities(model), label_scorer())


def _one(article: Article) -> ArticleFacts:
    """One article's facts in a worker."""
    assert _WORKER is not None
    return article_facts(_WORKER[0], article, _WORKER[1])


def _compute(articles: list[Article], model: str, workers: int) -> Iterator[ArticleFacts]:
    """Facts in input order, in this process or in a pool of `workers`."""
    if workers <= 1:
        _start_worker(model)
        yield from map(_one, articles)
        return
    with Pool(workers, initializer=_start_worker, initargs=(model,)) as pool:
        yield from pool.imap(_one, articles, chunksize=_CHUNK)
