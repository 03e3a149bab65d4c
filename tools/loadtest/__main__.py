"""`python -m tools.loadtest` (make loadtest): run the load test and write docs/LOADTEST.md."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from precis.aws.settings import DEFAULT_MODELS
from precis.local.stack import StackOptions
from tools.evaluation.data import REPO_ROOT
from tools.loadtest.run import (
    DEFAULT_ARTICLES,
    DEFAULT_OUTPUT,
    DEFAULT_SEED,
    LoadTest,
    render_report,
    run_loadtest,
)

logger = logging.getLogger("tools.loadtest")


def build_parser() -> argparse.ArgumentParser:
    """The options `make loadtest LOADTEST_ARGS=...` passes through."""
    parser = argparse.ArgumentParser(prog="python -m tools.loadtest", description=__doc__)
    parser.add_argument(
        "--articles", type=int, default=DEFAULT_ARTICLES, help="how many (default: %(default)s)"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default: %(default)s)")
    parser.add_argument(
        "--output", type=Path, default=Path(DEFAULT_OUTPUT), help="report (default: %(default)s)"
    )
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default: %(default)s)")
    parser.add_argument("--model", default=DEFAULT_MODELS, help="PRECIS_MODELS (default: %(default)s)")
    parser.add_argument(
        "--kills", type=int, default=None, help="workers killed mid-article (default: one per 1,000 articles)"
    )
    parser.add_argument(
        "--no-server-restart", action="store_true", help="do not restart moto's server during the run"
    )
    parser.add_argument(
        "--time-http-scan",
        action="store_true",
        help="also time one Scan page of the index over HTTP, for comparison (seconds per page in moto)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Exit 1 when the audit finds anything lost, run twice, stale, undeleted, misindexed or given up
    silently (or the queue did not empty in time)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="loadtest: %(message)s")
    settings = LoadTest(
        seeds=REPO_ROOT / "seeds",
        articles=args.articles,
        seed=args.seed,
        kills=args.kills,
        restart_server=not args.no_server_restart,
        time_http_scan=args.time_http_scan,
    )
    report = run_loadtest(
        settings, StackOptions(port=0, workers=args.workers, models=args.model), progress=not args.quiet
    )
    text = render_report(report)
    args.output.write_text(text, encoding="utf-8")
    print(text)
    logger.info("report written to %s", args.output)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
