"""The read-only HTTP API and the viewer's pages: one Powertools router, behind API Gateway or locally.

Every answer comes from `precis.aws.query.Archive` (a Query or a GetItem, never a scan); the article route
also reads the article back from its bucket so the viewer can highlight the document's offsets in it. That
text is returned, never logged. Errors are JSON `{"error": ...}`: 400 for a bad parameter or cursor, 404
for an unknown article, entity or route, 500 without internals.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Annotated, Any
from urllib.parse import unquote

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config
from botocore.exceptions import ClientError

from precis.aws.index import Tables
from precis.aws.items import ResultItem
from precis.aws.query import Archive, InvalidQuery, Page
from precis.aws.settings import ApiSettings
from precis.core.errors import ArticleError
from precis.core.text import article_text

logger = Logger(service="precis-api")
# botocore logs response bodies (article text included) at DEBUG: keep it above that level whatever is asked.
logging.getLogger("botocore").setLevel(logging.INFO)
# The context is Lambda's, or precis.local.context.LambdaContext when the local adapter calls it.
LambdaHandler = Callable[[Mapping[str, Any], Any], dict[str, Any]]

API_VERSION = "1"
MAX_PAGE = 100
MAX_DAYS = 366
# An article is read back for the viewer only if it is no larger than this (the summariser's limit is lower).
MAX_TEXT_BYTES = 2_000_000
# The pages' scripts and styles come from this origin only: nothing inline runs, nothing is fetched elsewhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
}
PAGES = {"home": "index.html", "article": "article.html", "entity": "entity.html"}
ASSETS = {
    "viewer.js": "text/javascript; charset=utf-8",
    "viewer.css": "text/css; charset=utf-8",
}
# Item fields that are bookkeeping of the write path, not facts about the article.
PRIVATE_FIELDS = frozenset(
    {
        "index_manifest",
        "index_pending",
        "write_id",
        "event_order",
        "sequencer",
        "document_location",
        "document",
    }
)
_CLIENT_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=3, read_timeout=10
)

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="answers per page")]
Cursor = Annotated[str | None, Query(description="the `cursor` of the previous page, to read the next one")]
EntityType = Annotated[str | None, Query(alias="type", description="PER, LOC or ORG")]


class NotFound(LookupError):
    """An article or entity the archive does not hold; the message names it."""


def error(status: int, message: str) -> Response[str]:
    """The JSON error every failure answers with."""
    return json_response({"error": message}, status)


def json_response(body: Any, status: int = 200) -> Response[str]:
    """A JSON answer; never cached, since the archive changes under it."""
    headers = {**SECURITY_HEADERS, "Cache-Control": "no-store"}
    return Response(status, "application/json", json.dumps(body, ensure_ascii=False), headers)


def page_json(page: Page[Any]) -> dict[str, Any]:
    """A page of answers and the cursor of the next one (null on the last page)."""
    return {"items": page.items, "cursor": page.cursor}


def public_fields(item: ResultItem) -> dict[str, Any]:
    """An item's fields as the API shows them: without the write path's bookkeeping."""
    return {name: value for name, value in item.items() if name not in PRIVATE_FIELDS}


def read_text(s3: Any, item: ResultItem) -> str | None:
    """The text the item's document offsets point into, from the exact version that was summarised;
    None when it can no longer be read (deleted, replaced without versioning, too large, undecodable)."""
    request = {"Bucket": item["bucket"], "Key": item["key"]}
    if item.get("version_id"):
        request["VersionId"] = str(item["version_id"])
    if int(item.get("size") or 0) > MAX_TEXT_BYTES:
        return None
    try:
        data = s3.get_object(**request)["Body"].read()
        return article_text(data).text
    except ClientError as failure:
        logger.warning("article text unavailable", extra={"code": failure.response["Error"].get("Code")})
    except ArticleError:
        logger.warning("article text undecodable")
    return None


def static_file(name: str, content_type: str) -> Response[str]:
    """A page or asset shipped in the package, with the pages' security headers."""
    body = resources.files("precis.aws").joinpath("web", name).read_text(encoding="utf-8")
    headers = {**SECURITY_HEADERS, "Cache-Control": "no-cache"}
    return Response(200, content_type, body, headers)


def validation_message(failure: RequestValidationError) -> str:
    """Pydantic's complaints about the parameters, one clause each, e.g. `limit: must be <= 100`."""
    parts = []
    for problem in failure.errors():
        where = [str(part) for part in problem.get("loc", ()) if part not in ("query", "path")]
        parts.append(f"{'.'.join(where) or 'request'}: {problem.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def create_router(archive: Archive, s3: Any, articles_bucket: str) -> APIGatewayHttpResolver:
    """The routes of API v1 and the viewer's pages over one archive and its articles bucket."""
    app = APIGatewayHttpResolver(enable_validation=True)
    _add_errors(app)
    _add_article_routes(app, archive, s3, articles_bucket)
    _add_entity_routes(app, archive)
    _add_pages(app)
    return app


def _add_errors(app: APIGatewayHttpResolver) -> None:
    """Every failure as JSON with the right status; a crash says nothing about the code or the data."""

    @app.exception_handler(RequestValidationError)
    def bad_parameters(failure: RequestValidationError) -> Response[str]:
        return error(400, validation_message(failure))

    @app.exception_handler(InvalidQuery)
    def bad_query(failure: InvalidQuery) -> Response[str]:
        return error(400, str(failure))

    @app.exception_handler(NotFound)
    def unknown(failure: NotFound) -> Response[str]:
        return error(404, str(failure.args[0]))

    @app.not_found
    def no_route(_: Exception) -> Response[str]:
        return error(404, "no such route; GET /api/openapi.json lists them")

    @app.exception_handler(Exception)
    def crash(failure: Exception) -> Response[str]:
        logger.exception("request failed", extra={"path": app.current_event.path})
        return error(500, "internal error; the request was logged")


def _add_article_routes(app: APIGatewayHttpResolver, archive: Archive, s3: Any, articles_bucket: str) -> None:
    """Listings, title search and one article with its text."""

    @app.get("/api/articles")
    def list_articles(
        limit: Limit = 20,
        cursor: Cursor = None,
        status: Annotated[str | None, Query(description="done or failed")] = None,
        language: Annotated[str | None, Query(description="ISO 639-1 code, e.g. fr")] = None,
        q: Annotated[str | None, Query(description="words that must all be in the title")] = None,
    ) -> Response[str]:
        if q:
            if status or language:
                raise InvalidQuery(
                    "q searches titles of every status and language: leave status and language out"
                )
            return json_response(page_json(archive.search_titles(q, limit=limit, cursor=cursor)))
        return json_response(
            page_json(archive.recent(limit=limit, cursor=cursor, status=status, language=language))
        )

    @app.get("/api/articles/<key>")
    def get_article(key: str) -> Response[str]:
        object_key = unquote(key)
        item = archive.article(articles_bucket, object_key)
        if item is None:
            raise NotFound(f"no article with key {object_key!r}")
        text = read_text(s3, item) if item["status"] == "done" else None
        return json_response({"item": public_fields(item), "document": item.get("document"), "text": text})


def _add_entity_routes(app: APIGatewayHttpResolver, archive: Archive) -> None:
    """Top entities, and per entity: its articles, who appears with it, what it was quoted saying."""

    def known(name: str, entity_type: str | None) -> None:
        """Raise NotFound when no article names the entity (one Query of one item)."""
        if not archive.articles_naming(name, entity_type=entity_type, limit=1).items:
            raise NotFound(f"no article names {name!r}")

    @app.get("/api/entities")
    def top_entities(
        days: Annotated[int, Query(ge=1, le=MAX_DAYS, description="period ending today (UTC)")] = 7,
        entity_type: EntityType = None,
        limit: Limit = 20,
    ) -> Response[str]:
        rows = archive.top_entities(days=days, entity_type=entity_type, limit=limit)
        return json_response({"items": rows})

    @app.get("/api/entities/<name>/articles")
    def entity_articles(
        name: str, entity_type: EntityType = None, limit: Limit = 20, cursor: Cursor = None
    ) -> Response[str]:
        page = archive.articles_naming(unquote(name), entity_type=entity_type, limit=limit, cursor=cursor)
        if not page.items and cursor is None:
            raise NotFound(f"no article names {unquote(name)!r}")
        return json_response(page_json(page))

    @app.get("/api/entities/<name>/cooccurring")
    def cooccurring(name: str, entity_type: EntityType = None, limit: Limit = 20) -> Response[str]:
        rows = archive.cooccurring(unquote(name), entity_type=entity_type, limit=limit)
        if not rows:
            known(unquote(name), entity_type)
        return json_response({"items": rows})

    @app.get("/api/entities/<name>/quotes")
    def quotes(name: str, limit: Limit = 20, cursor: Cursor = None) -> Response[str]:
        page = archive.quotes_by(unquote(name), limit=limit, cursor=cursor)
        if not page.items and cursor is None:
            known(unquote(name), None)
        return json_response(page_json(page))

    @app.get("/api/openapi.json")
    def openapi() -> Response[str]:
        schema = app.get_openapi_json_schema(title="Précis archive API", version=API_VERSION)
        return Response(200, "application/json", schema, {**SECURITY_HEADERS})


def _add_pages(app: APIGatewayHttpResolver) -> None:
    """The viewer: three static pages that read the API, and their script and stylesheet."""
    html = "text/html; charset=utf-8"

    @app.get("/", include_in_schema=False)
    def home() -> Response[str]:
        return static_file(PAGES["home"], html)

    @app.get("/articles/<key>", include_in_schema=False)
    def article_page(key: str) -> Response[str]:
        return static_file(PAGES["article"], html)

    @app.get("/entities/<name>", include_in_schema=False)
    def entity_page(name: str) -> Response[str]:
        return static_file(PAGES["entity"], html)

    @app.get("/static/<name>", include_in_schema=False)
    def asset(name: str) -> Response[str]:
        if name not in ASSETS:
            raise NotFound(f"no asset {name!r}")
        return static_file(name, ASSETS[name])


def handler_for(router: APIGatewayHttpResolver) -> LambdaHandler:
    """The entry point Lambda (or the local adapter) calls: Powertools' logging context around the router."""

    @logger.inject_lambda_context(clear_state=True)
    def lambda_handler(event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        return router.resolve(event, context)

    return lambda_handler


def archive_for(settings: ApiSettings, dynamodb: Any, s3: Any) -> Archive:
    """The archive the settings name, read through these clients."""
    return Archive(dynamodb, Tables(settings.table_name, settings.index_table_name), s3=s3)


def from_environment() -> LambdaHandler:
    """The init phase of ApiFunction: settings read once, clients built (boto3 honours AWS_ENDPOINT_URL)."""
    settings = ApiSettings.from_env()
    dynamodb, s3 = boto3.client("dynamodb", config=_CLIENT_CONFIG), boto3.client("s3", config=_CLIENT_CONFIG)
    return handler_for(create_router(archive_for(settings, dynamodb, s3), s3, settings.articles_bucket))
