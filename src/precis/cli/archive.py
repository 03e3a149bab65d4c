"""`precis status`, `precis ingest` and `precis query`: a stack's counts, uploads, and its stored results."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from precis.cli.options import (
    Subparsers,
    add_aws_options,
    add_command,
    add_format_option,
    add_timeout_option,
    emit,
    positive_int,
    report_error,
    target_from,
)
from precis.cli.render import item_report, item_row, status_report, table, to_json
from precis.errors import ExitCode, NotFoundError, UserError
from precis.names import SUPPORTED_SUFFIXES

if TYPE_CHECKING:
    from precis.aws.items import ResultItem
    from precis.stack.ingest import Uploaded
    from precis.stack.target import Target

logger = logging.getLogger("precis.cli")


def command_status(args: argparse.Namespace) -> int:
    """Show the stack's resources and how many objects, messages and items each holds."""
    from precis.stack.status import stack_status

    status = stack_status(target_from(args))
    emit(to_json(status) if args.json else status_report(status))
    return 0


def print_items(items: Sequence[ResultItem], output_format: str) -> None:
    """Items as one JSON array, or as text reports."""
    if output_format == "json":
        emit(to_json(list(items)))
    elif items:
        emit("\n\n".join(item_report(item) for item in items))


def warn_skipped(skipped: Sequence[Path]) -> None:
    """Say what was left out, so a missing article is never a mystery."""
    if skipped:
        shown = ", ".join(str(path) for path in skipped[:5]) + (", ..." if len(skipped) > 5 else "")
        suffixes = "/".join(SUPPORTED_SUFFIXES)
        logger.warning("skipped %d file(s) not ending in %s: %s", len(skipped), suffixes, shown)


def upload(target: Target, paths: Sequence[Path], prefix: str, progress: bool) -> tuple[list[Uploaded], int]:
    """Upload the supported files under `paths`; returns the uploads and how many files could not be read."""
    from precis.stack.ingest import plan_uploads, upload_all

    plan = plan_uploads(paths, prefix)
    warn_skipped(plan.skipped)
    if not plan.uploads:
        folders = ", ".join(map(str, paths))
        raise UserError(f"nothing to upload: no {'/'.join(SUPPORTED_SUFFIXES)} files in {folders}")
    uploaded = upload_all(target.client("s3"), target.names.bucket, plan.uploads, progress=progress)
    logger.info("uploaded %d file(s) to s3://%s/", len(uploaded), target.names.bucket)
    return uploaded, len(plan.uploads) - len(uploaded)


def wait_for(
    target: Target, uploaded: Sequence[Uploaded], timeout: int, progress: bool
) -> tuple[list[ResultItem], list[str]]:
    """Items in upload order, and the keys that got none in time."""
    from precis.stack.ingest import wait_for_items

    names = target.names
    found, missing = wait_for_items(
        target.client("dynamodb"),
        target.client("s3"),
        names.table,
        names.bucket,
        uploaded,
        timeout=timeout,
        progress=progress,
    )
    return [found[upload.key] for upload in uploaded if upload.key in found], missing


def command_ingest(args: argparse.Namespace) -> int:
    """Upload files and folders to the articles bucket; with --wait, print each object's result."""
    target = target_from(args)
    uploaded, unreadable = upload(target, [Path(path) for path in args.paths], args.prefix, not args.quiet)
    if not args.wait:
        rows = [{"key": upload.key, "etag": upload.etag} for upload in uploaded]
        urls = "\n".join(f"s3://{target.names.bucket}/{row['key']}" for row in rows)
        emit(to_json(rows) if args.format == "json" else urls)
        return ExitCode.FAILED if unreadable else 0
    items, missing = wait_for(target, uploaded, args.timeout, not args.quiet)
    print_items(items, args.format)
    for key in missing:
        report_error(f"no item for {key} after {args.timeout} s (see `precis status` and the worker logs)")
    return ExitCode.FAILED if missing or unreadable else 0


def command_query(args: argparse.Namespace) -> int:
    """Read items back through the same storage adapters the handler writes with."""
    from precis.aws.storage import find_by_entity, get_result, list_results

    target = target_from(args)
    dynamodb, names = target.client("dynamodb"), target.names
    if args.query == "get":
        item = get_result(dynamodb, names.table, names.bucket, args.key, s3=target.client("s3"))
        if item is None:
            raise NotFoundError(
                f"no item for s3://{names.bucket}/{args.key} (not uploaded, or not processed yet)"
            )
        print_items([item], args.format)
        return 0
    if args.query == "list":
        items = list(list_results(dynamodb, names.table, limit=args.limit))
    else:
        items = list(find_by_entity(dynamodb, names.table, args.name))
    items.sort(key=lambda item: str(item.get("key")))
    emit(to_json(items) if args.format == "json" else table([item_row(item) for item in items]))
    return 0


def add_status(commands: Subparsers) -> None:
    """`precis status`"""
    parser = add_command(commands, "status", command_status, "show resources and counts")
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_aws_options(parser)


def add_ingest(commands: Subparsers) -> None:
    """`precis ingest PATH...`"""
    parser = add_command(commands, "ingest", command_ingest, "upload files and folders")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files, or folders uploaded recursively")
    parser.add_argument("--prefix", default="", help="key prefix (a folder) in the bucket")
    parser.add_argument("--wait", action="store_true", help="wait for each object's item and print it")
    add_timeout_option(parser)
    add_format_option(parser, ("text", "json"), "text")
    add_aws_options(parser)


def add_query(commands: Subparsers) -> None:
    """`precis query get|list|entity`"""
    parser = add_command(commands, "query", command_query, "read stored results")
    queries = parser.add_subparsers(dest="query", required=True, metavar="QUERY")
    get = queries.add_parser(
        "get", help="the item of one object key", description="The item of one object key."
    )
    get.add_argument("key", metavar="KEY", help="object key, exactly as in the bucket")
    listing = queries.add_parser("list", help="all items", description="All items, as a table.")
    listing.add_argument("--limit", type=positive_int, help="at most this many items")
    entity = queries.add_parser(
        "entity", help="items naming an entity", description="Items naming an entity."
    )
    entity.add_argument("name", metavar="NAME", help="entity name or alias (case-insensitive)")
    for query in (get, listing, entity):
        add_format_option(query, ("text", "json"), "text")
        add_aws_options(query)
