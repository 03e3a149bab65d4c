"""`precis status` and `precis ingest`: a stack's resources and counts, and uploads to it."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from precis.aws.formats import SUPPORTED_SUFFIXES
from precis.cli.options import (
    Subparsers,
    add_aws_options,
    add_command,
    add_format_option,
    add_full_option,
    add_timeout_option,
    emit,
    print_items,
    report_error,
    target_from,
)
from precis.cli.render import status_report, to_json
from precis.errors import ExitCode, UserError

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
    print_items(items, args.format, full=args.full)
    for key in missing:
        report_error(f"no item for {key} after {args.timeout} s (see `precis status` and the worker logs)")
    failed = sum(item.get("status") != "done" for item in items)
    if failed:
        report_error(f"{failed} of {len(items)} item(s) failed (see `precis query failed`)")
    return ExitCode.FAILED if missing or unreadable or failed else ExitCode.OK


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
    parser.add_argument(
        "--wait", action="store_true", help="wait for each object's item and print it; exit 1 if any failed"
    )
    add_timeout_option(parser)
    add_format_option(parser, ("text", "json"), "text")
    add_full_option(parser)
    add_aws_options(parser)
