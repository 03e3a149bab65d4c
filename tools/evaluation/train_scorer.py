"""Fit the summary sentence scorer on OrangeSum train and write the weights the core ships.

Each body sentence of each training article is labelled with its own ROUGE-L F1 against the article's
human abstract; a ridge regression over `precis.core.scoring.FEATURES` predicts that label. Weights
are fitted on the train file only. `--ablation` then scores groups of features and the selection
settings on the validation file (where the settings were chosen) and writes docs/SCORER.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from rouge_score.rouge_scorer import RougeScorer

from precis.core.pipeline import Analysis, Summariser
from precis.core.scoring import FEATURES, LinearScorer
from precis.core.summary import select_sentences, to_sentence
from tools.evaluation.data import DEFAULT_DATA_DIR, REPO_ROOT, TRAIN_FILE, Article, read_articles
from tools.evaluation.rouge import SummaryScores, WordTokenizer, score_summaries

WEIGHTS_PATH = REPO_ROOT / "src" / "precis" / "core" / "summary_weights.json"
ABLATION_PATH = REPO_ROOT / "docs" / "SCORER.md"
RIDGE = 1.0
FEATURE_GROUPS = {
    "position": ("first", "second", "third", "inverse_position", "relative_position"),
    "paragraphs": ("first_in_paragraph", "inverse_paragraph"),
    "length": ("log_length", "short", "long"),
    "title": ("title_recall", "title_jaccard"),
    "entity salience": ("entity_salience", "entity_count"),
    "centrality": ("centrality",),
    "quotes, digits, questions": ("has_quote", "starts_with_quote", "has_digit", "question"),
}
SELECTIONS: dict[str, dict[str, Any]] = {
    "3 sentences, 80 words": {"word_budget": 80, "relative_score": 0.0},
    "3 sentences, 50 words": {"word_budget": 50, "relative_score": 0.0},
    "3 sentences, 50 words, >= 0.7 x best (shipped)": {},
}


def training_rows(summariser: Summariser, articles: list[Article]) -> tuple[np.ndarray, np.ndarray]:
    """Features and ROUGE-L labels of every candidate sentence of the articles."""
    scorer = RougeScorer(["rougeL"], tokenizer=WordTokenizer())
    features: list[list[float]] = []
    labels: list[float] = []
    for done, article in enumerate(articles, 1):
        analysis = summariser.analyse(article.precis_input)
        for candidate, row in zip(analysis.candidates, analysis.features, strict=True):
            sentence = to_sentence(candidate.span, article.precis_input).text
            labels.append(scorer.score(article.summary, sentence)["rougeL"].fmeasure)
            features.append(row)
        if done % 500 == 0:
            print(f"  {done}/{len(articles)} articles", file=sys.stderr)
    return np.array(features), np.array(labels)


def fit_ridge(features: np.ndarray, labels: np.ndarray, ridge: float = RIDGE) -> tuple[list[float], float]:
    """Closed-form ridge regression; the intercept is not penalised, unused (all-zero) features get 0."""
    design = np.hstack([features, np.ones((len(features), 1))])
    penalty = ridge * np.eye(design.shape[1])
    penalty[-1, -1] = 0.0
    solution = np.linalg.solve(design.T @ design + penalty, design.T @ labels)
    return [round(float(w), 6) for w in solution[:-1]], round(float(solution[-1]), 6)


def ablation(
    features: np.ndarray, labels: np.ndarray, summariser: Summariser, validation: list[Article]
) -> str:
    """What each feature group and each selection rule adds, as ROUGE on the validation file."""
    analyses = [summariser.analyse(article.precis_input) for article in validation]
    references = [article.summary for article in validation]
    rows = []
    used: list[str] = []
    for group, names in FEATURE_GROUPS.items():
        used.extend(names)
        mask = np.array([name in used for name in FEATURES], dtype=float)
        scorer = LinearScorer(*_as_scorer(fit_ridge(features * mask, labels)))
        rows.append((f"+ {group}", _rouge(scorer, analyses, validation, references, {})))
    full = LinearScorer(*_as_scorer(fit_ridge(features, labels)))
    for name, settings in SELECTIONS.items():
        rows.append((f"all features, {name}", _rouge(full, analyses, validation, references, settings)))
    lines = ["| scorer | R-1 | R-2 | R-L | words |", "| --- | --- | --- | --- | --- |"]
    lines += [f"| {n} | {s.rouge1:.2f} | {s.rouge2:.2f} | {s.rouge_l:.2f} | {s.words:.1f} |" for n, s in rows]
    return "\n".join(lines)


def _as_scorer(fitted: tuple[list[float], float]) -> tuple[tuple[float, ...], float]:
    """Fitted weights in the form LinearScorer takes."""
    weights, bias = fitted
    return tuple(weights), bias


def _rouge(
    scorer: LinearScorer,
    analyses: list[Analysis],
    articles: list[Article],
    references: list[str],
    settings: dict[str, Any],
) -> SummaryScores:
    """ROUGE of the summaries one scorer and one selection rule give."""
    summaries = []
    for analysis, article in zip(analyses, articles, strict=True):
        chosen = select_sentences(analysis.candidates, scorer.score(analysis.features), **settings)
        summaries.append([to_sentence(c.span, article.precis_input).text for c in chosen])
    return score_summaries(references, summaries)


def _write_ablation(table: str, trained_on: str, path: Path) -> None:
    """docs/SCORER.md: the ablation, dated, with what it was fitted on."""
    path.write_text(
        "# Summary scorer: what each idea adds\n\n"
        f"Written by `python -m tools.evaluation.train_scorer --ablation` on {datetime.now(UTC).date()}. "
        f"Weights fitted on {trained_on}; ROUGE F1 x100 on the 300 validation articles (same protocol as "
        "docs/EVAL.md). Feature groups are added one at a time, each row refitted; the last rows keep all "
        "features and vary the selection rule (a sentence scoring under 0.7 x the best one is left out).\n\n"
        f"{table}\n"
    )


def main(argv: list[str] | None = None) -> int:
    """Fit on the training file and overwrite the shipped weights."""
    parser = argparse.ArgumentParser(prog="python -m tools.evaluation.train_scorer", description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, help="folder holding the eval files")
    parser.add_argument("--limit", type=int, default=None, help="train on the first N articles only")
    parser.add_argument("--model", default="fr_core_news_sm", help="spaCy model used for the features")
    parser.add_argument("--output", type=Path, default=WEIGHTS_PATH)
    parser.add_argument("--ablation", action="store_true", help="also write docs/SCORER.md (reads valid)")
    args = parser.parse_args(argv)
    if not (args.data / TRAIN_FILE).is_file():
        print(f"error: {args.data / TRAIN_FILE} is absent", file=sys.stderr)
        return 2
    articles = read_articles(args.data, args.limit, file=TRAIN_FILE)
    print(f"featurising {len(articles)} training articles with {args.model}", file=sys.stderr)
    summariser = Summariser.load({"fr": args.model})
    features, labels = training_rows(summariser, articles)
    weights, bias = fit_ridge(features, labels)
    model = {
        "features": list(FEATURES),
        "weights": weights,
        "bias": bias,
        "trained_on": f"{TRAIN_FILE} ({len(articles)} articles, {len(labels)} sentences)",
        "label": "ROUGE-L F1 of the sentence against the human abstract",
        "spacy_model": args.model,
        "ridge": RIDGE,
        "fitted": datetime.now(UTC).date().isoformat(),
    }
    args.output.write_text(json.dumps(model, indent=2) + "\n")
    print(f"wrote {args.output}", file=sys.stderr)
    if args.ablation:
        table = ablation(features, labels, summariser, read_articles(args.data))
        _write_ablation(table, model["trained_on"], ABLATION_PATH)
        print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
