"""`precis query ...`: the archive's questions, each a Query of the index or a GetItem, page by page."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from precis.cli.options import (
    Subparsers,
    add_aws_options,
    add_command,
    add_format_option,
    add_full_option,
    emit,
    positive_int,
    target_from,
)
from precis.cli.render import (
    entity_count_row,
    item_report,
    item_result,
    listing_row,
    mention_row,
    quote_row,
    table,
    to_json,
)
from precis.errors import ExitCode, NotFoundError, UserError

if TYPE_CHECKING:
    from precis.aws.query import Archive, Page

logger = logging.getLogger("precis.cli")
ENTITY_TYPES = ("PER", "LOC", "ORG")
Rows = Callable[[Mapping[str, Any]], dict[str, str]]


@contextmanager
def readable_errors() -> Iterator[None]:
    """A question the archive cannot answer (bad cursor, limit, date, name) is a usage error."""
    from precis.aws.query import InvalidQuery

    try:
        yield
    except InvalidQuery as error:
        raise UserError(str(error)) from None


def command_query(args: argparse.Namespace) -> int:
    """Answer one question about the stored results; pages end with the cursor of the next one."""
    target = target_from(args)
    archive = target.archive()
    with readable_errors():
        if args.query == "get":
            return show_item(archive, target.names.bucket, args)
        if args.query in ("top", "cooccur"):
            return show_counts(archive, args)
        return show_pages(archive, args)


def show_item(archive: Archive, bucket: str, args: argparse.Namespace) -> int:
    """One object's document with its item's fields under `result` (GetItem), or the raw item."""
    item = archive.article(bucket, args.key)
    if item is None:
        raise NotFoundError(
            f"no item for s3://{bucket}/{args.key} (not uploaded, deleted, or not processed yet)"
        )
    if args.item:
        emit(to_json(item))
    elif args.format == "json":
        emit(to_json(item_result(item)))
    else:
        emit(item_report(item, full=args.full))
    return ExitCode.OK if item.get("status") == "done" else ExitCode.FAILED


def show_counts(archive: Archive, args: argparse.Namespace) -> int:
    """Entities with their numbers of articles: the period's top ones, or those seen with an entity."""
    if args.query == "top":
        counts = archive.top_entities(days=args.days, entity_type=args.type, limit=args.limit)
    else:
        counts = archive.cooccurring(
            args.name, entity_type=args.type, limit=args.limit, articles=args.articles
        )
    emit(to_json(counts) if args.format == "json" else table([entity_count_row(count) for count in counts]))
    return 0


def show_pages(archive: Archive, args: argparse.Namespace) -> int:
    """Page after page with --all, else one page and, on stderr, how to ask for the next."""
    fetch, rows = QUESTIONS[args.query]
    cursor, items = args.cursor, []
    while True:
        page: Page[Any] = fetch(archive, args, cursor)
        items += page.items
        cursor = page.cursor
        if not (args.all and cursor):
            break
    if args.format == "json":
        emit(to_json({"items": items, "cursor": cursor}))
    else:
        emit(table([rows(item) for item in items]))
        if cursor:
            logger.info("more: add --cursor %s (or --all)", cursor)
    return 0


QUESTIONS: dict[str, tuple[Callable[[Archive, argparse.Namespace, str | None], Page[Any]], Rows]] = {
    "recent": (
        lambda archive, args, cursor: archive.recent(
            limit=args.limit, cursor=cursor, status=args.status, language=args.language, since=args.since
        ),
        listing_row,
    ),
    "failed": (
        lambda archive, args, cursor: archive.failed(limit=args.limit, cursor=cursor, since=args.since),
        listing_row,
    ),
    "search": (
        lambda archive, args, cursor: archive.search_titles(
            args.words, limit=args.limit, cursor=cursor, since=args.since
        ),
        listing_row,
    ),
    "entity": (
        lambda archive, args, cursor: archive.articles_naming(
            args.name, entity_type=args.type, limit=args.limit, cursor=cursor, since=args.since
        ),
        mention_row,
    ),
    "quotes": (
        lambda archive, args, cursor: archive.quotes_by(
            args.name, limit=args.limit, cursor=cursor, since=args.since
        ),
        quote_row,
    ),
}


def add_query(commands: Subparsers) -> None:
    """`precis query get|recent|failed|search|entity|top|cooccur|quotes`"""
    parser = add_command(commands, "query", command_query, "ask the stored results a question")
    queries = parser.add_subparsers(dest="query", required=True, metavar="QUESTION")
    get = queries.add_parser(
        "get",
        help="one object's document",
        description="One object's document, as `precis summarise` prints it (its item's fields under "
        "`result`); exit 1 when its item is failed.",
    )
    get.add_argument("key", metavar="KEY", help="object key, exactly as in the bucket")
    add_format_option(get, ("text", "json"), "text")
    get.add_argument("--item", action="store_true", help="print the raw table item as JSON instead")
    add_full_option(get)
    add_aws_options(get)
    recent = _paged(queries, "recent", "articles, newest first", aliases=["list"])
    recent.set_defaults(query="recent")
    recent.add_argument("--status", choices=("done", "failed"), help="only items with this status")
    recent.add_argument("--language", metavar="CODE", help="only articles in this language (e.g. fr)")
    _paged(queries, "failed", "items that could not be summarised, with their reasons")
    search = _paged(queries, "search", "articles whose title holds every word")
    search.add_argument("words", metavar="WORDS", help="title words (case and accents ignored)")
    entity = _paged(queries, "entity", "articles naming an entity, by name or alias")
    entity.add_argument("name", metavar="NAME", help="entity name or alias (case and accents ignored)")
    _type_option(entity)
    quotes = _paged(queries, "quotes", "what a speaker was quoted saying, newest first")
    quotes.add_argument("name", metavar="SPEAKER", help="the speaker's name")
    top = _counted(queries, "top", "the entities most articles named in the last days")
    top.add_argument("--days", type=positive_int, default=7, help="the period, in days (default: 7)")
    cooccur = _counted(queries, "cooccur", "who appears with an entity")
    cooccur.add_argument("name", metavar="NAME", help="entity name or alias")
    cooccur.add_argument(
        "--articles", type=positive_int, default=200, help="read its most recent N articles (default: 200)"
    )


def _paged(queries: Subparsers, name: str, summary: str, **kwargs: Any) -> argparse.ArgumentParser:
    """A question answered page by page."""
    parser: argparse.ArgumentParser = queries.add_parser(
        name, help=summary, description=summary[0].upper() + summary[1:] + ".", **kwargs
    )
    parser.add_argument(
        "--limit", type=positive_int, default=20, help="page size (default: 20, at most 1000)"
    )
    parser.add_argument("--cursor", help="start where a previous page ended (its cursor)")
    parser.add_argument("--all", action="store_true", help="every page to the end, one after another")
    parser.add_argument("--since", metavar="DATE", help="only uploads from this ISO date or time on")
    add_format_option(parser, ("text", "json"), "text")
    add_aws_options(parser)
    return parser


def _counted(queries: Subparsers, name: str, summary: str) -> argparse.ArgumentParser:
    """A question answered by entities and their numbers of articles."""
    parser: argparse.ArgumentParser = queries.add_parser(
        name, help=summary, description=summary[0].upper() + summary[1:] + "."
    )
    parser.add_argument("--limit", type=positive_int, default=20, help="how many entities (default: 20)")
    _type_option(parser)
    add_format_option(parser, ("text", "json"), "text")
    add_aws_options(parser)
    return parser


def _type_option(parser: argparse.ArgumentParser) -> None:
    """--type PER|LOC|ORG."""
    parser.add_argument("--type", choices=ENTITY_TYPES, type=str.upper, help="only this entity type")
