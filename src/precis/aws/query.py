"""Reading the archive back: every question is a Query of the index table or a GetItem, page by page.

`Archive` answers the seven questions people ask (one article; recent articles by status and language;
articles naming an entity; top entities of a period; failed items; who appears with an entity; what a
speaker said) plus title search and the counts per status, with opaque cursors for the next page. It
never scans: each answer reads the partitions `precis.aws.index` files it under, newest first.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Generic, NotRequired, TypedDict, TypeVar, cast

from boto3.dynamodb.types import TypeDeserializer

from precis.aws import index
from precis.aws.batching import batched
from precis.aws.index import Tables
from precis.aws.items import ResultItem
from precis.aws.storage import get_result, plain_item, with_whole_document
from precis.core.identity import search_fingerprints

ENTITY_TYPES = ("PER", "LOC", "ORG")
STATUSES = ("done", "failed")
MAX_LIMIT = 1_000
PARALLEL_QUERIES = 8
BATCH_GET = 100
_DESERIALIZER = TypeDeserializer()
T = TypeVar("T")


class InvalidQuery(ValueError):
    """A parameter or cursor that cannot be answered; the message says which and why."""


class Listing(TypedDict):
    """An article as listings show it (the index's copy of its item's small fields)."""

    id: str
    bucket: str
    key: str
    status: str
    title: str
    uploaded_at: str
    processed_at: str
    pipeline_version: str
    entities: int
    language: NotRequired[str]
    error: NotRequired[str]
    model_name: NotRequired[str]
    model_version: NotRequired[str]


class Mention(TypedDict):
    """An article naming an entity: how often and how saliently, under which written form."""

    id: str
    key: str
    title: str
    uploaded_at: str
    entity_id: str
    type: str
    name: str
    form: str
    count: int
    salience: float


class QuoteHit(TypedDict):
    """A quotation attributed to a speaker, with the article it is from and where in its text."""

    id: str
    key: str
    title: str
    uploaded_at: str
    speaker: str
    text: str
    start: int
    end: int


class EntityCount(TypedDict):
    """An entity and the number of articles that name it (in a period, or beside another entity)."""

    entity_id: str
    name: str
    type: str
    articles: int


@dataclass(frozen=True)
class Filter:
    """A condition DynamoDB applies to the items a Query reads (they still count as read)."""

    expression: str
    values: dict[str, Any]
    names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of answers, newest first, and the cursor of the next page (None on the last)."""

    items: list[T]
    cursor: str | None


@dataclass
class ReadStats:
    """Items DynamoDB read to answer (ScannedCount summed): what a question costs as the archive grows."""

    items_read: int = 0
    calls: int = 0


@dataclass(frozen=True)
class _Position:
    """Where a walk over partitions stopped: the partition, and DynamoDB's key to start after in it."""

    partition: str
    start: dict[str, str] | None = None


@dataclass
class Archive:
    """The questions people ask of a stack's results, over its tables (and its results bucket)."""

    dynamodb: Any
    tables: Tables
    s3: Any = None
    stats: ReadStats = field(default_factory=ReadStats)

    def article(self, bucket: str, key: str) -> ResultItem | None:
        """One object's item with its whole document, or None when there is none (or it was deleted)."""
        self.stats.calls += 1
        return get_result(self.dynamodb, self.tables.results, bucket, key, s3=self.s3)

    def recent(
        self,
        *,
        limit: int = 20,
        cursor: str | None = None,
        status: str | None = None,
        language: str | None = None,
        since: str | None = None,
    ) -> Page[Listing]:
        """Articles newest first, only failed ones or only one language if asked, back to `since`."""
        days = self._days(since)
        if status == "failed":
            partitions = [index.failed_pk(day) for day in days]
        elif language:
            partitions = [index.language_pk(language, day) for day in days]
        else:
            partitions = [index.listing_pk(day) for day in days]
        if status is not None and status not in STATUSES:
            raise InvalidQuery(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}")
        filters = _equals(
            {"status": status if status != "failed" else None, "language": language if status else None}
        )
        return cast(Page[Listing], self._walk(partitions, limit, cursor, since=since, filters=filters))

    def failed(
        self, *, limit: int = 20, cursor: str | None = None, since: str | None = None
    ) -> Page[Listing]:
        """Items that could not be summarised, newest first, each with its reason (`error`)."""
        return self.recent(limit=limit, cursor=cursor, status="failed", since=since)

    def search_titles(
        self, words: str, *, limit: int = 20, cursor: str | None = None, since: str | None = None
    ) -> Page[Listing]:
        """Articles whose title holds every word (folded like names), newest first."""
        wanted = index.title_words(words)
        if not wanted:
            raise InvalidQuery(f"no searchable word in {words!r} (words of {index.MIN_WORD_LENGTH}+ letters)")
        driver, *others = sorted(wanted, key=len, reverse=True)
        filters = [
            Filter(f"contains(title_words, :w{n})", {f":w{n}": f" {word} "}) for n, word in enumerate(others)
        ]
        page = self._walk([index.word_pk(driver)], limit, cursor, since=since, filters=filters)
        return cast(Page[Listing], page)

    def articles_naming(
        self,
        name: str,
        *,
        entity_type: str | None = None,
        limit: int = 20,
        cursor: str | None = None,
        since: str | None = None,
    ) -> Page[Mention]:
        """Articles that name an entity by its canonical name or any alias, ignoring case and accents."""
        filters = _equals({"type": _checked_type(entity_type)})
        page = self._walk([index.name_pk(_name_key(name))], limit, cursor, since=since, filters=filters)
        return cast(Page[Mention], page)

    def quotes_by(
        self, speaker: str, *, limit: int = 20, cursor: str | None = None, since: str | None = None
    ) -> Page[QuoteHit]:
        """What a speaker was quoted saying across the archive, newest first, with each quote's article."""
        page = self._walk([index.quote_pk(_name_key(speaker))], limit, cursor, since=since)
        return cast(Page[QuoteHit], page)

    def top_entities(
        self, *, days: int = 7, entity_type: str | None = None, limit: int = 20, today: date | None = None
    ) -> list[EntityCount]:
        """The entities named by the most articles uploaded in the last `days` days (today included)."""
        if days < 1:
            raise InvalidQuery(f"days must be at least 1, got {days}")
        end = today or datetime.now(UTC).date()
        period = {(end - timedelta(days=offset)).isoformat() for offset in range(days)}
        partitions = [
            index.top_pk(day, shard)
            for day in sorted(period & set(self._days(None)))
            for shard in range(index.SHARDS)
        ]
        prefix = f"{_checked_type(entity_type)}:" if entity_type else None
        totals: Counter[str] = Counter()
        labels: dict[str, dict[str, Any]] = {}
        with ThreadPoolExecutor(PARALLEL_QUERIES) as pool:
            for rows in pool.map(lambda partition: list(self._all(partition, prefix)), partitions):
                for row in rows:
                    totals[row["sk"]] += int(row.get("articles", 0))
                    labels[row["sk"]] = row
        return _ranked(totals, labels, _checked_limit(limit))

    def cooccurring(
        self, name: str, *, entity_type: str | None = None, limit: int = 20, articles: int = 200
    ) -> list[EntityCount]:
        """Who appears with an entity: the entities its `articles` most recent articles also name."""
        mentions = self.articles_naming(name, entity_type=entity_type, limit=articles).items
        shared: Counter[str] = Counter()
        labels: dict[str, dict[str, Any]] = {}
        seen: set[tuple[str, str]] = set()
        for mention in mentions:
            for other in cast(dict[str, Any], mention).get("with", []):
                if (mention["id"], other["entity_id"]) not in seen:
                    seen.add((mention["id"], other["entity_id"]))
                    shared[other["entity_id"]] += 1
                    labels[other["entity_id"]] = other
        return _ranked(shared, labels, _checked_limit(limit))

    def counts(self) -> dict[str, int]:
        """Items per status over the whole archive (done, failed), from the sharded counters."""
        totals: Counter[str] = Counter()
        for shard in range(index.SHARDS):
            for row in self._all(index.count_pk(shard)):
                totals[row["sk"]] += int(row.get("articles", 0))
        return {status: count for status, count in sorted(totals.items()) if count}

    def items(self, listings: Iterable[Listing]) -> Iterator[ResultItem]:
        """The whole items (documents included) of listed articles, read 100 at a time, in listing order."""
        for chunk in batched(listings, BATCH_GET):
            found = self._batch_get([listing["id"] for listing in chunk])
            for listing in chunk:
                item = found.get(listing["id"])
                if item is not None and item["status"] != "deleted":
                    yield with_whole_document(item, self.s3)

    def _batch_get(self, ids: Sequence[str]) -> dict[str, ResultItem]:
        """Items by id through BatchGetItem, asking again for the keys DynamoDB left unprocessed."""
        request: dict[str, Any] = {self.tables.results: {"Keys": [{"id": {"S": item_id}} for item_id in ids]}}
        found: dict[str, ResultItem] = {}
        while request:
            response = self.dynamodb.batch_get_item(RequestItems=request)
            self.stats.calls += 1
            for raw in response["Responses"].get(self.tables.results, []):
                item = cast(ResultItem, plain_item(raw))
                found[item["id"]] = item
            request = response.get("UnprocessedKeys") or {}
        return found

    def listings(self, *, since: str | None = None) -> Iterator[Listing]:
        """Every listed article, newest first: what export and reprocessing walk (page by page)."""
        for day in self._days(since):
            for row in self._all(index.listing_pk(day)):
                yield cast(Listing, _without_keys(row))

    def _days(self, since: str | None) -> list[str]:
        """Days with uploads, newest first, from `since`'s day on."""
        days = [row["sk"] for row in self._all(index.DAYS, newest_first=True)]
        start = _checked_since(since)[:10] if since else ""
        return [day for day in days if day >= start]

    def _all(
        self, partition: str, prefix: str | None = None, newest_first: bool = False
    ) -> Iterator[dict[str, Any]]:
        """Every item of one partition (optionally only sort keys starting with `prefix`)."""
        request = _query(self.tables.index, partition, since=None, prefix=prefix, newest_first=newest_first)
        while True:
            response = self._query(request)
            yield from response["Items"]
            if "LastEvaluatedKey" not in response:
                return
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _walk(
        self,
        partitions: Sequence[str],
        limit: int,
        cursor: str | None,
        *,
        since: str | None,
        filters: Sequence[Filter] = (),
    ) -> Page[dict[str, Any]]:
        """Up to `limit` items from the partitions in turn, newest first, resuming at `cursor`."""
        wanted, position = _checked_limit(limit), _decode_cursor(cursor, partitions)
        remaining = list(partitions[partitions.index(position.partition) :]) if position else list(partitions)
        start = position.start if position else None
        items: list[dict[str, Any]] = []
        while remaining and len(items) < wanted:
            request = _query(self.tables.index, remaining[0], since=since, filters=filters)
            request["Limit"] = wanted - len(items)
            if start:
                request["ExclusiveStartKey"] = _serialised_key(start)
            response = self._query(request)
            items += [_without_keys(item) for item in response["Items"]]
            start = _plain_key(response["LastEvaluatedKey"]) if "LastEvaluatedKey" in response else None
            if start is None:
                remaining.pop(0)
        next_cursor = _encode_cursor(_Position(remaining[0], start)) if remaining else None
        return Page(items, next_cursor)

    def _query(self, request: dict[str, Any]) -> dict[str, Any]:
        """One Query, its items as plain Python, its cost added to the stats."""
        response: dict[str, Any] = self.dynamodb.query(**request)
        self.stats.calls += 1
        self.stats.items_read += int(response.get("ScannedCount", 0))
        response["Items"] = [plain_item(item) for item in response["Items"]]
        return response


def _query(
    table: str,
    partition: str,
    *,
    since: str | None,
    prefix: str | None = None,
    newest_first: bool = True,
    filters: Sequence[Filter] = (),
) -> dict[str, Any]:
    """A Query request of one partition, newest first, from `since` on or within a sort-key prefix."""
    condition, values = "pk = :pk", {":pk": partition}
    if since:
        condition, values[":since"] = condition + " AND sk >= :since", _checked_since(since)
    elif prefix:
        condition, values[":prefix"] = condition + " AND begins_with(sk, :prefix)", prefix
    names: dict[str, str] = {}
    for item_filter in filters:
        values.update(item_filter.values)
        names.update(item_filter.names)
    request: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": condition,
        "ScanIndexForward": not newest_first,
        "ExpressionAttributeValues": {name: _attribute(value) for name, value in values.items()},
    }
    if filters:
        request["FilterExpression"] = " AND ".join(item_filter.expression for item_filter in filters)
    if names:
        request["ExpressionAttributeNames"] = names
    return request


def _equals(fields: dict[str, str | None]) -> list[Filter]:
    """Filters keeping items whose attribute equals the given value (unset values filter nothing)."""
    return [
        Filter(f"#{name} = :{name}", {f":{name}": value}, {f"#{name}": name})
        for name, value in fields.items()
        if value
    ]


def _attribute(value: Any) -> dict[str, Any]:
    """A DynamoDB attribute value for a string or number parameter."""
    return {"N": str(value)} if isinstance(value, int) else {"S": str(value)}


def _without_keys(item: dict[str, Any]) -> dict[str, Any]:
    """An index item as its answer: the index's own keys left out."""
    return {name: value for name, value in item.items() if name not in ("pk", "sk", "title_words")}


def _ranked(totals: Counter[str], labels: dict[str, dict[str, Any]], limit: int) -> list[EntityCount]:
    """The entities with the most articles, ties by name, with their display name and type."""
    rows = [
        EntityCount(
            entity_id=key,
            name=str(labels[key].get("name", key)),
            type=str(labels[key].get("type", "")),
            articles=count,
        )
        for key, count in totals.items()
        if count > 0
    ]
    return sorted(rows, key=lambda row: (-row["articles"], row["name"]))[:limit]


def _name_key(name: str) -> str:
    """The fingerprint an entity's name is filed under: a known name's canonical one (`USA` is filed under
    `etats unis`, which every article naming the United States has), else the name's own."""
    keys = search_fingerprints(name)
    if not keys:
        raise InvalidQuery(f"no letters or digits to search for in {name!r}")
    return keys[-1]


def _checked_type(entity_type: str | None) -> str | None:
    """An entity type filter, upper-cased; refuses types entities never have."""
    if entity_type is None:
        return None
    if entity_type.upper() not in ENTITY_TYPES:
        raise InvalidQuery(f"unknown entity type {entity_type!r}; expected one of {', '.join(ENTITY_TYPES)}")
    return entity_type.upper()


def _checked_limit(limit: int) -> int:
    """A page size DynamoDB can answer in a few reads."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidQuery(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    return limit


def _checked_since(since: str) -> str:
    """`since` as the sort keys' UTC timestamp format; a date means that day's start."""
    try:
        moment = datetime.fromisoformat(since)
    except ValueError:
        raise InvalidQuery(f"since must be an ISO date or time (e.g. 2026-12-01), got {since!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _encode_cursor(position: _Position) -> str:
    """An opaque cursor: URL-safe base64 of where the walk stopped."""
    payload = json.dumps({"p": position.partition, "k": position.start}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None, partitions: Sequence[str]) -> _Position | None:
    """The position a cursor names; refuses a cursor that is not one of ours or not of this question."""
    if not cursor:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        position = _Position(str(data["p"]), data["k"])
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise InvalidQuery("the cursor is not one this archive gave out") from None
    valid_start = position.start is None or (
        isinstance(position.start, dict) and position.start.get("pk") == position.partition
    )
    if position.partition not in partitions or not valid_start:
        raise InvalidQuery("the cursor belongs to another question (or to days no longer listed)")
    return position


def _plain_key(key: dict[str, Any]) -> dict[str, str]:
    """DynamoDB's LastEvaluatedKey as plain strings, for the cursor."""
    return {name: str(_DESERIALIZER.deserialize(value)) for name, value in key.items()}


def _serialised_key(key: dict[str, str]) -> dict[str, Any]:
    """A cursor's key back as DynamoDB attribute values."""
    return {name: {"S": value} for name, value in key.items()}
