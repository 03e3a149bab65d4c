"""`python -m tools.evaluation` and `precis eval`: score Précis on the shared data, print and save it."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from precis.aws.settings import DEFAULT_MODEL
from precis.errors import ExitCode
from tools.evaluation.data import DEFAULT_DATA_DIR, REPO_ROOT, DataMissingError, check_data_dir

DEFAULT_OUTPUT = REPO_ROOT / "docs" / "EVAL.md"


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    """The options, shared by `python -m tools.evaluation` and `precis eval`."""
    parser = argparse.ArgumentParser(
        prog=prog or "python -m tools.evaluation",
        description="ROUGE on OrangeSum and entity P/R/F1 on HIPE, written to docs/EVAL.md and printed.",
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, help="evaluation data folder")
    parser.add_argument("--limit", type=_positive, help="only the first N articles and N NER documents")
    parser.add_argument(
        "--model", default=DEFAULT_MODEL, help="installed spaCy package (default: %(default)s)"
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="Markdown page to write")
    return parser


def _positive(value: str) -> int:
    """A count of at least one: an empty run has no mean to report."""
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    """Run the evaluation; exit 3 (unavailable), saying why, when data, model or rouge-score is missing."""
    args = build_parser(prog).parse_args(argv)
    problem = _unavailable(args.data, args.model)
    if problem:
        print(f"precis eval: {problem}", file=sys.stderr)
        return ExitCode.UNAVAILABLE
    from tools.evaluation import report, runner

    page = report.render(runner.run(args.data, args.model, args.limit))
    report.write(page, args.output)
    print(page, end="")
    print(f"written to {args.output}", file=sys.stderr)
    return 0


def _unavailable(data_dir: Path, model: str) -> str | None:
    """Why the run cannot start, checked before minutes of work: data, scorer, model."""
    try:
        check_data_dir(data_dir)
    except DataMissingError as error:
        return f"{error}; pass --data DIR to read it from elsewhere"
    if importlib.util.find_spec("rouge_score") is None:
        return "rouge-score is not installed: pip install -e '.[eval]'"
    if importlib.util.find_spec(model) is None:
        return f"the spaCy model {model!r} is not installed: pip install {model.replace('_', '-')}"
    return None


if __name__ == "__main__":
    sys.exit(main())
