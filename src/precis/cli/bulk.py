"""`precis reprocess` and `precis export`: work on a whole archive, page by page, with progress on stderr."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

from precis.cli.options import (
    Subparsers,
    add_aws_options,
    add_command,
    add_model_option,
    emit,
    resolve_models,
    target_from,
)
from precis.cli.query import readable_errors

if TYPE_CHECKING:
    from precis.aws.query import Listing, Page
    from precis.stack.reprocess import Candidate
    from precis.stack.target import Target

logger = logging.getLogger("precis.cli")
T = TypeVar("T")


def command_reprocess(args: argparse.Namespace) -> int:
    """Send objects already in the bucket through the queue again, as S3 notifies uploads; the function
    reruns the NLP for items of another pipeline version or model, and skips what the running code did."""
    from precis.stack.reprocess import enqueue, notifications

    target = target_from(args)
    with readable_errors():
        candidates = list(_chosen(target, args))
    if not candidates:
        emit("nothing to reprocess")
        return 0
    sent = 0
    with _progress(len(candidates), "msg", "enqueuing", not args.quiet) as bar:
        for count in enqueue(target, notifications(target, candidates)):
            sent += count
            bar.update(count)
    emit(f"enqueued {sent} object(s) on {target.names.queue}; `precis status` shows the queue draining")
    return 0


def _chosen(target: Target, args: argparse.Namespace) -> Iterator[Candidate]:
    """The objects the options name: all, under a prefix, failed items, or stale ones."""
    from precis.stack.reprocess import bucket_objects, listed, stale

    if args.all or args.prefix is not None:
        yield from bucket_objects(target, args.prefix or "")
    elif args.failed:
        yield from listed(_pages(lambda cursor: target.archive().failed(limit=1000, cursor=cursor)))
    else:
        models = resolve_models(args.model, os.environ)
        yield from listed(listing for listing in target.archive().listings() if stale(listing, models))


def _pages(fetch: Callable[[str | None], Page[Listing]]) -> Iterator[Listing]:
    """Every item of a paged question."""
    cursor: str | None = None
    while True:
        page = fetch(cursor)
        yield from page.items
        cursor = page.cursor
        if cursor is None:
            return


def command_export(args: argparse.Namespace) -> int:
    """Stream every stored result as JSON lines or CSV (one row per article, or per article and entity)."""
    from precis.stack.export import (
        ARTICLE_COLUMNS,
        ENTITY_COLUMNS,
        article_rows,
        entity_rows,
        public_item,
        write_csv,
        write_jsonl,
    )

    archive = target_from(args).archive()
    with readable_errors():
        total = sum(archive.counts().values())
        items = _counted(archive.items(archive.listings(since=args.since)), total, not args.quiet)
        with _output(args.output) as output:
            if args.entities:
                rows = entity_rows(items)
                written = (
                    write_csv(rows, ENTITY_COLUMNS, output)
                    if args.format == "csv"
                    else write_jsonl(rows, output)
                )
            elif args.format == "csv":
                written = write_csv(article_rows(items), ARTICLE_COLUMNS, output)
            else:
                written = write_jsonl((public_item(item) for item in items), output)
    logger.info("exported %d row(s)%s", written, f" to {args.output}" if args.output else "")
    return 0


def _counted(items: Iterable[T], total: int, show: bool) -> Iterator[T]:
    """Items passed through while a bar on stderr counts them."""
    with _progress(total, "item", "exporting", show) as bar:
        for item in items:
            yield item
            bar.update()


@contextmanager
def _progress(total: int, unit: str, desc: str, show: bool) -> Iterator[Any]:
    """The progress bar uploads use (tqdm on stderr, hidden when stderr is not a terminal)."""
    from precis.stack.ingest import progress_bar

    with progress_bar(total, unit, desc, show) as bar:
        yield bar


@contextmanager
def _output(path: str | None) -> Iterator[IO[str]]:
    """The file to write, or stdout."""
    if path is None:
        yield sys.stdout
        return
    with Path(path).open("w", encoding="utf-8", newline="") as output:
        yield output


def add_reprocess(commands: Subparsers) -> None:
    """`precis reprocess --stale|--failed|--prefix P|--all`"""
    parser = add_command(
        commands, "reprocess", command_reprocess, "send stored objects through the function again"
    )
    chosen = parser.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--stale", action="store_true", help="items of another pipeline version or model")
    chosen.add_argument("--failed", action="store_true", help="items that could not be summarised")
    chosen.add_argument("--prefix", metavar="P", help="every object whose key starts with P")
    chosen.add_argument("--all", action="store_true", help="every object in the bucket")
    add_model_option(parser)
    add_aws_options(parser)


def add_export(commands: Subparsers) -> None:
    """`precis export`"""
    parser = add_command(commands, "export", command_export, "stream every stored result")
    parser.add_argument(
        "--format", choices=("jsonl", "csv"), default="jsonl", help="output format (default: jsonl)"
    )
    parser.add_argument("--entities", action="store_true", help="one row per article and entity")
    parser.add_argument("--since", metavar="DATE", help="only uploads from this ISO date or time on")
    parser.add_argument("--output", metavar="FILE", help="write here instead of stdout")
    add_aws_options(parser)
