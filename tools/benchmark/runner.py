"""Runs every section in turn (each in fresh processes where it matters) and writes the report."""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from precis.aws.settings import DEFAULT_MODEL
from tools.benchmark.api import measure_api
from tools.benchmark.articles import Article, seed_article, validation_articles, write_files
from tools.benchmark.cold import cold_start
from tools.benchmark.endtoend import measure_end_to_end
from tools.benchmark.jobs import measure_jobs
from tools.benchmark.lambda_cold import measure_lambda_cold
from tools.benchmark.peers import measure_peers
from tools.benchmark.query import measure_query
from tools.benchmark.report import Results, render, targets_section
from tools.benchmark.splice import STANDALONE, splice
from tools.benchmark.throughput import measure_throughput
from tools.benchmark.warm import measure_warm
from tools.common.machine import load_average, machine_facts, package_versions

SECTIONS = ("cold", "warm", "throughput", "end-to-end", "peers", "query", "api", "jobs", "lambda")
SINGLE_THREAD = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")
FALLBACK_COPIES = 100
T = TypeVar("T")


def build_parser(prog: str) -> argparse.ArgumentParser:
    """Options; the defaults are what `make bench` runs (from the repository root)."""
    parser = argparse.ArgumentParser(prog=prog, description="Measure Précis and write docs/BENCH.md.")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="spaCy package (default: %(default)s)")
    parser.add_argument("--seed", type=Path, default=Path("seeds/fr-03.txt"), help="the seed article")
    parser.add_argument(
        "--articles",
        type=Path,
        default=Path("../shared/eval/orangesum_valid300.jsonl"),
        help="OrangeSum validation JSONL; its rows are skipped when the file is absent",
    )
    parser.add_argument("--output", type=Path, default=Path("docs/BENCH.md"), help="report to write")
    parser.add_argument("--runs", type=int, default=5, help="cold starts per row (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=2, help="timed passes over the articles (default: 2)")
    parser.add_argument("--seed-calls", type=int, default=20, help="seed calls per round (default: 20)")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N articles (0: all)")
    parser.add_argument("--skip", action="append", choices=SECTIONS, default=[], help="leave a section out")
    parser.add_argument(
        "--only",
        action="append",
        choices=sorted(STANDALONE),
        default=[],
        help="measure only this section and replace its part of --output, keeping the rest (repeatable)",
    )
    parser.add_argument(
        "--query-sizes",
        type=int,
        nargs=2,
        default=[1_000, 20_000],
        metavar=("SMALL", "LARGE"),
        help="archive sizes of the query section (default: 1000 20000)",
    )
    parser.add_argument(
        "--api-size",
        type=int,
        default=2_000,
        metavar="ARTICLES",
        help="articles in the archive of the api section (default: %(default)s)",
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: 2 cold runs, 1 round, 30 articles")
    return parser


def run_from_args(argv: Sequence[str] | None, prog: str) -> int:
    """Parse, run, write; 0 once the report is written (missed targets are results, not failures)."""
    options = build_parser(prog).parse_args(argv)
    if options.quick:
        options.runs, options.rounds, options.seed_calls, options.limit = 2, 1, 5, options.limit or 30
        options.query_sizes = [200, 1_000]
        options.api_size = 300
    if options.only:
        options.skip = [name for name in SECTIONS if name not in options.only]
    if not options.seed.is_file():
        print(f"{prog}: no seed article at {options.seed}", file=sys.stderr)
        return 2
    results = run(options, " ".join([prog, *(argv if argv is not None else sys.argv[1:])]))
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(report_text(options, results), encoding="utf-8")
    print("\n".join(targets_section(results)))
    print(f"written to {options.output}")
    return 0


def report_text(options: argparse.Namespace, results: Results) -> str:
    """The whole report; with --only, the existing one with those sections (and their targets) redone."""
    if not options.only or not options.output.is_file():
        return render(results)
    minutes = (results.finished - results.started).total_seconds() / 60
    note = (
        f"run of {results.started:%Y-%m-%d %H:%M} UTC ({minutes:.0f} min), `{results.command}`, "
        f"load average {results.load[0]} at start, {results.load[1]} at end"
        + "".join(f"; **{name} not measured**: {error}" for name, error in results.errors.items())
        + "."
    )
    return splice(options.output.read_text(encoding="utf-8"), render(results), options.only, note)


def log(message: str) -> None:
    """Progress on stderr."""
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def in_child(function: Callable[..., T], *args: Any) -> T:
    """Run in a fresh spawned process, so nothing the parent loaded (moto, earlier models) is shared."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def attempt(results: Results, name: str, skip: list[str], measure: Callable[[], T]) -> T | None:
    """One section; its failure is recorded in the report instead of ending the run."""
    if name in skip:
        return None
    log(f"{name}...")
    try:
        return measure()
    except Exception as error:
        results.errors[name] = f"{type(error).__name__}: {error}"
        log(f"{name} failed: {results.errors[name]}")
        return None


def run(options: argparse.Namespace, command: str) -> Results:
    """Every section, in the order of the report."""
    for name in SINGLE_THREAD:
        os.environ.setdefault(name, "1")
    results = Results(
        started=datetime.now(UTC),
        finished=datetime.now(UTC),
        command=command,
        model=options.model,
        machine=machine_facts(),
        load=(load_average(), ""),
        versions=package_versions(),
    )
    seed = seed_article(options.seed)
    articles = validation_articles(options.articles)
    if articles is None:
        results.notes.append(
            f"{options.articles} is absent: the OrangeSum rows are skipped; seed copies stand in."
        )
    elif options.limit:
        articles = articles[: options.limit]
    with tempfile.TemporaryDirectory(prefix="precis-bench-") as folder:
        measure_all(options, results, seed, articles, Path(folder))
    results.finished = datetime.now(UTC)
    results.load = (results.load[0], load_average())
    return results


def measure_all(
    options: argparse.Namespace, results: Results, seed: Article, articles: list[Article] | None, folder: Path
) -> None:
    """The sections themselves; files for the multi-process sections go to a temporary folder."""
    corpus = articles or [Article(f"seed-{index:03d}.txt", seed.data) for index in range(FALLBACK_COPIES)]
    paths = write_files(corpus, folder)
    results.characters = [len(article.text) for article in corpus]
    skip = options.skip
    results.cold = attempt(
        results, "cold", skip, lambda: cold_start(options.model, options.seed, options.runs)
    )
    results.lambda_cold = attempt(
        results, "lambda", skip, lambda: measure_lambda_cold(options.model, options.seed, options.runs)
    )
    warm = attempt(
        results, "warm", skip, lambda: in_child(measure_warm, *warm_inputs(options, seed, articles))
    )
    results.warm, results.linearity = warm if warm else (None, None)
    results.throughput = attempt(
        results, "throughput", skip, lambda: measure_throughput(options.model, paths, [1, 2], options.rounds)
    )
    stack_log = folder / "stack.log"
    results.end_to_end = attempt(
        results, "end-to-end", skip, lambda: measure_end_to_end(paths, [1, 2], stack_log)
    )
    peer_sets = {
        name: [item.decode() for item in data] for name, data in text_sets(options, seed, articles).items()
    }
    results.peers = attempt(results, "peers", skip, lambda: in_child(measure_peers, options.model, peer_sets))
    texts = [article.data for article in corpus]
    results.query = attempt(
        results, "query", skip, lambda: in_child(measure_query, options.model, texts, options.query_sizes)
    )
    results.api = attempt(
        results, "api", skip, lambda: in_child(measure_api, options.model, texts, options.api_size)
    )
    results.jobs = attempt(
        results, "jobs", skip, lambda: measure_jobs(paths, [1, 2], options.rounds, options.model)
    )


def text_sets(
    options: argparse.Namespace, seed: Article, articles: list[Article] | None
) -> dict[str, list[bytes]]:
    """The seed repeated, and the validation articles when present."""
    sets = {f"seed {seed.name} ({len(seed.text):,} characters)": [seed.data] * options.seed_calls}
    if articles:
        sets[f"OrangeSum validation ({len(articles)} articles)"] = [article.data for article in articles]
    return sets


def warm_inputs(
    options: argparse.Namespace, seed: Article, articles: list[Article] | None
) -> tuple[str, dict[str, list[bytes]], dict[str, int], bytes]:
    """Arguments of `measure_warm`: three rounds over the short seed set, `--rounds` over the articles."""
    sets = text_sets(options, seed, articles)
    rounds = {name: 3 if name.startswith("seed") else options.rounds for name in sets}
    return options.model, sets, rounds, seed.data
