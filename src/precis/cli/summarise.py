"""`precis summarise FILE...`: the core alone, no AWS; prints the document the table would store."""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from precis.cli.options import (
    Subparsers,
    add_command,
    add_format_option,
    add_full_option,
    add_model_option,
    emit,
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


def summarised(paths: Sequence[str], models: Mapping[str, str]) -> Iterator[Result]:
    """The paths' results in order, from a summariser loaded here."""
    require_installed(models)
    summariser = load_summariser(models)
    return (summarise_file(summariser, path) for path in paths)


def command_summarise(args: argparse.Namespace) -> int:
    """Summarise local files with the core only, no AWS; prints the document the table would store.
    Results come in input order, a file that fails is a result too, and the exit code says whether any did."""
    models = resolve_models(args.model, os.environ)
    missing = check_inputs(args.inputs)
    results: list[Result] = []
    for result in _ordered(missing, args.inputs, models):
        results.append(result)
        if args.format == "jsonl":
            emit(to_json(result, indent=None))
        elif args.format == "text":
            emit(result_report(result, full=args.full) + "\n")
    if args.format == "json":
        emit(to_json(results[0] if len(results) == 1 else results))
    failed = sum(result["result"]["status"] != "done" for result in results)
    if failed:
        report_error(f"{failed} of {len(results)} input(s) could not be summarised")
    return ExitCode.FAILED if failed else ExitCode.OK


def check_inputs(inputs: Sequence[str]) -> dict[str, Result]:
    """The failed result of each input that does not exist: checked before any model loads."""
    return {
        name: failed_result(name, "cannot read: No such file or directory")
        for name in inputs
        if not Path(name).exists()
    }


def _ordered(
    known: Mapping[str, Result], paths: Sequence[str], models: Mapping[str, str]
) -> Iterator[Result]:
    """Each path's result in input order, the known failures without a model, the others from the core."""
    todo = [path for path in paths if path not in known]
    done = summarised(todo, models) if todo else iter(())
    for path in paths:
        yield known[path] if path in known else next(done)


def add_summarise(commands: Subparsers) -> None:
    """`precis summarise FILE...`"""
    parser = add_command(
        commands, "summarise", command_summarise, "summarise local files (no AWS)", aliases=["summarize"]
    )
    parser.add_argument("inputs", nargs="+", metavar="FILE", help="article files (.txt, .md, .html)")
    add_format_option(parser, ("json", "jsonl", "text"), "json")
    add_full_option(parser)
    add_model_option(parser)
