"""ApiFunction's routes with HTTP API v2 events (events/), over articles the real handler summarised."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

import pytest

from precis.aws.api import MAX_PAGE, create_router, from_environment, handler_for
from precis.aws.settings import Settings
from precis.core.pipeline import Summariser
from precis.local.context import LambdaContext
from precis.names import LOCAL_NAMES
from precis.stack.target import Target, local_session
from tests.conftest import SEEDS
from tests.integration.conftest import (
    Handler,
    RecordingSummariser,
    Stack,
    inject_fault,
    load_event,
    moto_account,
)

WEB = Path(__file__).resolve().parents[2] / "src" / "precis" / "aws" / "web"
FOLDER_KEY = "dossier/été 2026 #1.txt"
EMPTY = "vide.txt"


@dataclass(frozen=True)
class Answer:
    """A response of the handler: status, headers and the body (parsed when JSON)."""

    status: int
    headers: dict[str, str]
    body: Any


def http_event(path: str, **query: Any) -> dict[str, Any]:
    """The sample event of events/ for another path and query, as API Gateway would build it."""
    event = copy.deepcopy(load_event("http-api-articles.json"))
    raw_query = "&".join(f"{name}={quote(str(value), safe='')}" for name, value in query.items())
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["rawQueryString"] = raw_query
    event["pathParameters"] = {"proxy": path.lstrip("/")}
    event.pop("queryStringParameters")
    if query:
        event["queryStringParameters"] = dict(parse_qsl(raw_query))
    return event


Get = Callable[..., Answer]


def caller(function: Callable[[dict[str, Any], Any], dict[str, Any]]) -> Get:
    """GET path?query through a handler, as API Gateway would call it."""

    def get(path: str, **query: Any) -> Answer:
        response = function(http_event(path, **query), LambdaContext())
        headers = response.get("headers", {})
        body = response["body"]
        parsed = json.loads(body) if headers.get("Content-Type", "").startswith("application/json") else body
        return Answer(response["statusCode"], headers, parsed)

    return get


def process(handler: Handler, stack: Stack, uploads: dict[str, bytes]) -> None:
    """Upload the articles and run the real handler on their notifications."""
    for key, body in uploads.items():
        stack.upload(key, body)
    handler.lambda_handler(stack.receive_event(), LambdaContext())


@pytest.fixture(scope="module")
def get(summariser: Summariser) -> Iterator[Get]:
    """The seeds, one under a folder key with spaces and accents, and an empty file, processed once for the
    module (the routes only read); then ApiFunction's entry point as Lambda builds it from its environment."""
    uploads = {seed.name: seed.read_bytes() for seed in sorted(SEEDS.glob("*.txt"))}
    uploads[FOLDER_KEY] = (SEEDS / "fr-02.txt").read_bytes()
    uploads[EMPTY] = b""
    with pytest.MonkeyPatch.context() as monkeypatch, moto_account(monkeypatch) as stack:
        process(Handler.build(Settings.from_env(), RecordingSummariser(summariser)), stack, uploads)
        monkeypatch.setenv("PRECIS_ARTICLES_BUCKET", LOCAL_NAMES.bucket)
        yield caller(from_environment())


def keys(answer: Answer) -> list[str]:
    """The object keys of a page of articles."""
    return [item["key"] for item in answer.body["items"]]


def test_api_sample_event_is_answered(get: Get) -> None:
    answer = caller(from_environment())("/api/articles", limit=2, status="done")
    direct = from_environment()(load_event("http-api-articles.json"), LambdaContext())

    assert answer.status == direct["statusCode"] == 200
    assert json.loads(direct["body"]) == answer.body


def test_api_lists_articles_newest_first_page_by_page(get: Get) -> None:
    first = get("/api/articles", limit=4)
    second = get("/api/articles", limit=4, cursor=first.body["cursor"])

    assert first.status == second.status == 200
    assert len(first.body["items"]) == 4
    assert second.body["cursor"] is None
    assert sorted(keys(first) + keys(second)) == sorted(
        [*(s.name for s in SEEDS.glob("*.txt")), FOLDER_KEY, EMPTY]
    )
    times = [item["uploaded_at"] for item in first.body["items"] + second.body["items"]]
    assert times == sorted(times, reverse=True)


def test_api_filters_articles_by_status_language_and_title_words(get: Get) -> None:
    failed = get("/api/articles", status="failed")
    english = get("/api/articles", language="en")
    tramway = get("/api/articles", q="tramway Lyon")

    assert keys(failed) == [EMPTY]
    assert "empty" in failed.body["items"][0]["error"]
    assert keys(english) == ["en-01.txt"]
    assert keys(tramway) == ["fr-01.txt"]


@pytest.mark.parametrize(
    ("query", "complaint"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": MAX_PAGE + 1}, "limit"),
        ({"limit": "vingt"}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"status": "lost"}, "status"),
        ({"q": "tramway", "status": "done"}, "q"),
        ({"q": "a"}, "word"),
    ],
)
def test_api_refuses_bad_parameters_with_400_and_a_reason(
    get: Get, query: dict[str, Any], complaint: str
) -> None:
    answer = get("/api/articles", **query)

    assert answer.status == 400
    assert set(answer.body) == {"error"}
    assert complaint in answer.body["error"]


def test_api_article_has_its_document_and_the_text_its_offsets_point_into(get: Get) -> None:
    answer = get("/api/articles/fr-03.txt")
    item, document, text = answer.body["item"], answer.body["document"], answer.body["text"]

    assert answer.status == 200
    assert item["key"] == "fr-03.txt"
    assert text.startswith(document["title"])
    assert document["summary"]
    for sentence in document["summary"]:
        assert text[sentence["start"] : sentence["end"]] == sentence["text"]
    rutte = next(entity for entity in document["entities"] if entity["text"] == "Mark Rutte")
    assert {text[start:end] for start, end in rutte["mentions"]} <= {*rutte["aliases"], rutte["text"]}
    assert not {"index_manifest", "index_pending", "write_id", "event_order"} & set(item)


def test_api_article_key_is_url_encoded_in_the_path(get: Get) -> None:
    answer = get("/api/articles/" + quote(FOLDER_KEY, safe=""))

    assert answer.status == 200
    assert answer.body["item"]["key"] == FOLDER_KEY
    assert answer.body["text"] == (SEEDS / "fr-02.txt").read_text(encoding="utf-8")


def test_api_failed_article_gives_its_reason_and_no_text(get: Get) -> None:
    answer = get(f"/api/articles/{EMPTY}")

    assert answer.status == 200
    assert answer.body["item"]["status"] == "failed"
    assert answer.body["item"]["error"]
    assert answer.body["document"] is None
    assert answer.body["text"] is None


@pytest.mark.parametrize(
    "path",
    [
        "/api/articles/absent.txt",
        "/api/entities/Personne%20Inconnue/articles",
        "/api/entities/Personne%20Inconnue/cooccurring",
        "/api/entities/Personne%20Inconnue/quotes",
        "/api/nothing-here",
        "/static/secret.py",
    ],
)
def test_api_unknown_article_entity_or_route_is_404_json(get: Get, path: str) -> None:
    answer = get(path)

    assert answer.status == 404
    assert set(answer.body) == {"error"}


def test_api_top_entities_by_type_and_period(get: Get) -> None:
    people = get("/api/entities", type="PER", days=7, limit=50)
    everything = get("/api/entities", limit=50)

    assert people.status == everything.status == 200
    assert {row["type"] for row in people.body["items"]} == {"PER"}
    assert "Mark Rutte" in {row["name"] for row in people.body["items"]}
    assert {"PER", "LOC"} <= {row["type"] for row in everything.body["items"]}
    assert get("/api/entities", days=0).status == 400
    assert get("/api/entities", type="PLANET").status == 400


def test_api_entity_articles_by_canonical_name_or_alias(get: Get) -> None:
    by_name = get("/api/entities/Mark%20Rutte/articles")
    by_alias = get("/api/entities/rutte/articles", type="PER")

    assert keys(by_name) == keys(by_alias) == ["fr-03.txt"]
    assert by_name.body["items"][0]["name"] == "Mark Rutte"


def test_api_entity_cooccurring_and_quotes(get: Get) -> None:
    together = get("/api/entities/Mark%20Rutte/cooccurring", type="PER")
    quotes = get("/api/entities/Mark%20Rutte/quotes")

    assert "Pete Hegseth" in {row["name"] for row in together.body["items"]}
    assert quotes.body["items"]
    assert {quote["key"] for quote in quotes.body["items"]} == {"fr-03.txt"}
    assert all(quote["speaker"] == "Mark Rutte" for quote in quotes.body["items"])


def test_api_openapi_schema_lists_every_api_route_and_no_page(get: Get) -> None:
    answer = get("/api/openapi.json")

    assert answer.status == 200
    assert set(answer.body["paths"]) == {
        "/api/articles",
        "/api/articles/{key}",
        "/api/entities",
        "/api/entities/{name}/articles",
        "/api/entities/{name}/cooccurring",
        "/api/entities/{name}/quotes",
        "/api/openapi.json",
    }
    limit = next(
        p for p in answer.body["paths"]["/api/articles"]["get"]["parameters"] if p["name"] == "limit"
    )
    assert limit["schema"]["maximum"] == MAX_PAGE


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/", "text/html"),
        ("/articles/fr-03.txt", "text/html"),
        ("/entities/Mark%20Rutte", "text/html"),
        ("/static/viewer.js", "text/javascript"),
        ("/static/viewer.css", "text/css"),
    ],
)
def test_api_pages_are_served_with_a_strict_content_security_policy(
    get: Get, path: str, content_type: str
) -> None:
    answer = get(path)
    policy = answer.headers["Content-Security-Policy"]

    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith(content_type)
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_api_pages_weigh_under_150_kb_and_load_nothing_from_elsewhere() -> None:
    files = list(WEB.iterdir())
    text = "".join(path.read_text(encoding="utf-8") for path in files)

    assert sum(path.stat().st_size for path in files) < 150_000
    assert "http://" not in text and "https://" not in text
    assert "<script>" not in text and "style=" not in text
    assert "innerHTML" not in text and "insertAdjacentHTML" not in text and "document.write" not in text


def test_api_crash_answers_500_without_internals(get: Get) -> None:
    archive = Target(local_session(), None, LOCAL_NAMES).archive()
    inject_fault(archive.dynamodb, "Query", status=400, code="ValidationException", times=None)
    crashing = caller(handler_for(create_router(archive, archive.s3, LOCAL_NAMES.bucket)))

    answer = crashing("/api/articles")

    assert answer.status == 500
    assert answer.body == {"error": "internal error; the request was logged"}


def test_api_never_logs_the_article_text(get: Get, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    answer = get("/api/articles/fr-03.txt")
    get("/api/articles/absent.txt")
    logged = "".join(capsys.readouterr())

    sentences = [sentence["text"] for sentence in answer.body["document"]["summary"]]
    assert sentences
    assert not any(sentence[:40] in logged for sentence in sentences)
