"""`precis summarise FILE|FOLDER...`: the core alone, no AWS; prints the document the table would store."""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from precis.aws.formats import SUPPORTED_SUFFIXES
from precis.cli.archive import warn_skipped
from precis.cli.options import (
    Subparsers,
    add_command,
    add_format_option,
    add_full_option,
    add_model_option,
    emit,
    positive_int,
    report_error,
    require_installed,
    resolve_models,
)
from precis.cli.render import failed_result, result_report, summarised_result, to_json
from precis.errors import ExitCode, UnavailableError

if TYPE_CHECKING:
    from precis.core.pipeline import Summariser

logger = logging.getLogger("precis.cli")
Result = dict[str, Any]


def load_summariser(models: Mapping[str, str]) -> Summariser:
    """Load the spaCy pipelines (imported here: spaCy takes a second that other commands should not pay)."""
    from precis.core.pipeline import Summariser

    logger.info("loading %s", ", ".join(models.values()))
    try:
        return Summariser.load(models)
    except OSError as error:
        raise UnavailableError(f"cannot load a spaCy model ({error})") from None


def summarise_file(summariser: Summariser, path: str) -> Result:
    """One file's printed result: its document, or why it has none."""
    from precis.core.errors import ArticleError

    try:
        data = Path(path).read_bytes()
    except OSError as error:
        return failed_result(path, f"cannot read: {error.strerror or error}")
    try:
        return summarised_result(path, summariser.summarise(data).to_dict())
    except ArticleError as error:
        return failed_result(path, f"not a readable article: {error}")


def summarised(paths: Sequence[str], models: Mapping[str, str], jobs: int) -> Iterator[Result]:
    """The paths' results in order: in this process, or in `jobs` worker processes each with its model."""
    require_installed(models)
    if jobs == 1 or len(paths) == 1:
        summariser = load_summariser(models)
        return (summarise_file(summariser, path) for path in paths)
    from precis.cli.parallel import in_processes

    return in_processes(paths, models, jobs)


def command_summarise(args: argparse.Namespace) -> int:
    """Summarise local files and folders with the core only, no AWS; prints the document the table would
    store. Folders are read recursively for .txt, .md, .html and .htm files (any case); results come in
    input order, a file that fails is a result too, and the exit code says whether any did."""
    models = resolve_models(args.model, os.environ)
    paths, missing = expand_inputs(args.inputs)
    results: list[Result] = []
    for result in _ordered(missing, paths, models, args.jobs, not args.quiet):
        results.append(result)
        if args.format == "jsonl":
            emit(to_json(result, indent=None))
        elif args.format == "text":
            emit(result_report(result, full=args.full) + "\n")
    if args.format == "json":
        single = len(args.inputs) == 1 and len(results) == 1 and not Path(args.inputs[0]).is_dir()
        emit(to_json(results[0] if single else results))
    failed = sum(result["result"]["status"] != "done" for result in results)
    if failed:
        report_error(f"{failed} of {len(results)} input(s) could not be summarised")
    return ExitCode.FAILED if failed else ExitCode.OK


def expand_inputs(inputs: Sequence[str]) -> tuple[list[str], dict[str, Result]]:
    """The files to summarise, folders read recursively, and the failed result of each input that is
    missing or an empty folder: checked before any model loads."""
    paths: list[str] = []
    missing: dict[str, Result] = {}
    skipped: list[Path] = []
    for name in inputs:
        path = Path(name)
        if path.is_dir():
            files = sorted(child for child in path.rglob("*") if child.is_file())
            found = [str(child) for child in files if child.suffix.lower() in SUPPORTED_SUFFIXES]
            skipped += [child for child in files if child.suffix.lower() not in SUPPORTED_SUFFIXES]
            if not found:
                missing[name] = failed_result(name, f"no {'/'.join(SUPPORTED_SUFFIXES)} files in this folder")
            paths.extend(found or [name])
        elif not path.exists():
            missing[name] = failed_result(name, "cannot read: No such file or directory")
            paths.append(name)
        else:
            paths.append(name)
    warn_skipped(skipped)
    return paths, missing


def _ordered(
    known: Mapping[str, Result], paths: Sequence[str], models: Mapping[str, str], jobs: int, show: bool
) -> Iterator[Result]:
    """Each path's result in input order, the known failures without a model, the others from the core."""
    from tqdm import tqdm

    todo = [path for path in paths if path not in known]
    done = summarised(todo, models, jobs) if todo else iter(())
    # As the upload bar: on stderr, and hidden when stderr is not a terminal.
    with tqdm(
        total=len(paths), unit="file", desc="summarising", leave=False, disable=None if show else True
    ) as bar:
        for path in paths:
            yield known[path] if path in known else next(done)
            bar.update()


def add_summarise(commands: Subparsers) -> None:
    """`precis summarise FILE|FOLDER...`"""
    parser = add_command(
        commands, "summarise", command_summarise, "summarise local files (no AWS)", aliases=["summarize"]
    )
    parser.add_argument(
        "inputs", nargs="+", metavar="PATH", help="article files (.txt, .md, .html), or folders of them"
    )
    add_format_option(parser, ("json", "jsonl", "text"), "json")
    parser.add_argument(
        "--jobs",
        type=positive_int,
        default=1,
        help=f"worker processes, each loading its own model once; more than this machine's {os.cpu_count()} "
        "CPUs gains nothing (default: 1)",
    )
    add_full_option(parser)
    add_model_option(parser)
