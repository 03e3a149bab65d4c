"""`precis summarise FILE...`: the core alone, no AWS; prints the document the table would store, with
`result` saying which file it is."""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Mapping
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
    resolve_models,
)
from precis.cli.render import document_report, summarised_result, to_json
from precis.errors import ExitCode, UnavailableError

if TYPE_CHECKING:
    from precis.core.pipeline import Summariser

logger = logging.getLogger("precis.cli")


def load_summariser(models: Mapping[str, str]) -> Summariser:
    """Load the spaCy pipelines (imported here: spaCy takes a second that other commands should not pay)."""
    from precis.core.pipeline import Summariser

    logger.info("loading %s", ", ".join(models.values()))
    try:
        return Summariser.load(models)
    except OSError as error:
        packages = " ".join(package.replace("_", "-") for package in models.values())
        raise UnavailableError(f"cannot load a spaCy model ({error}); try `pip install {packages}`") from None


def summarise_file(summariser: Summariser, path: str) -> dict[str, Any] | None:
    """One file's document, or None after saying on stderr why it has none."""
    from precis.core.errors import ArticleError

    try:
        return summarised_result(path, summariser.summarise(Path(path).read_bytes()).to_dict())
    except OSError as error:
        report_error(f"{path}: cannot read: {error.strerror or error}")
    except ArticleError as error:
        report_error(f"{path}: not a readable article: {error}")
    return None


def command_summarise(args: argparse.Namespace) -> int:
    """Summarise local files with the core only, no AWS; prints the document the table would store."""
    summariser = load_summariser(resolve_models(args.model, os.environ))
    documents: list[dict[str, Any]] = []
    for path in args.files:
        document = summarise_file(summariser, path)
        if document is None:
            continue
        documents.append(document)
        if args.format == "jsonl":
            emit(to_json(document, indent=None))
        elif args.format == "text":
            emit(document_report(document, source=path, full=args.full) + "\n")
    if args.format == "json" and documents:
        emit(to_json(documents[0] if len(args.files) == 1 else documents))
    return 0 if len(documents) == len(args.files) else ExitCode.FAILED


def add_summarise(commands: Subparsers) -> None:
    """`precis summarise FILE...`"""
    parser = add_command(
        commands, "summarise", command_summarise, "summarise local files (no AWS)", aliases=["summarize"]
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="article files (.txt, .md, .html)")
    add_format_option(parser, ("json", "jsonl", "text"), "json")
    add_full_option(parser)
    add_model_option(parser)
