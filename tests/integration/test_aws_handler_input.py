"""Whatever is uploaded gets an item: odd keys, odd bytes, huge results; and article text never leaks."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import time
from dataclasses import replace
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from precis.aws.formats import SUPPORTED_SUFFIXES
from precis.aws.items import ResultItem
from precis.names import LOCAL_NAMES
from tests.integration.conftest import (
    RESULTS_BUCKET,
    SEED,
    SHORT_SEED,
    Handler,
    LambdaContext,
    Stack,
    inject_fault,
    load_event,
)

TABLE = LOCAL_NAMES.table
SENTINEL = "Zorglubovitch"
ENGLISH = (
    "Storm closes schools across Scotland\n\n"
    "Heavy snow closed hundreds of schools across Scotland on Monday, officials in Edinburgh said. "
    "The Met Office warned that more snow would fall overnight in the Highlands.\n\n"
    "Ministers said the closures would be reviewed on Tuesday morning as temperatures were expected to rise."
)
FRENCH = SHORT_SEED.read_text(encoding="utf-8")
TITLE = "Sécheresse : la Bretagne limite l'usage de l'eau"
# Any characters before a supported suffix (the bucket notifies only those), within S3's 1,024-byte limit.
keys = (
    st.tuples(
        st.lists(
            st.characters(blacklist_categories=("Cs", "Cc", "Cn", "Co"))
            | st.sampled_from([" ", "+", "%", "/", "%20", "%2F", "é", "😀", "👩‍👩‍👧", "e\u0301"]),
            min_size=1,
            max_size=120,
        ).map("".join),
        st.sampled_from(SUPPORTED_SUFFIXES),
    )
    .map("".join)
    .filter(lambda key: len(key.encode()) <= 1024)
)


def entity_names(item: ResultItem) -> list[str]:
    """The canonical names of a stored document's entities."""
    return [entity["text"] for entity in item.get("document", {}).get("entities", [])]


def _process(handler: Handler, stack: Stack, key: str, data: bytes) -> ResultItem:
    """Upload one object, deliver its notification, and return its item."""
    stack.upload(key, data)
    assert handler.lambda_handler(stack.receive_event(), LambdaContext()) == {"batchItemFailures": []}
    return stack.result(key)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=keys)
@example(key="inbox/a b+c%20d%2F/sûr 100%/😀 résumé.txt")
@example(key="é" * 510 + ".txt")
@example(key="deep/" * 204 + "a.md")
@example(key="/leading slash.txt")
def test_handler_stores_any_key_as_it_was_uploaded(handler: Handler, stack: Stack, key: str) -> None:
    item = _process(handler, stack, key, SHORT_SEED.read_bytes())

    assert (item["key"], item["status"]) == (key, "done")
    assert item["id"] == f"{LOCAL_NAMES.bucket}/{key}"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty or contains only whitespace"),
        (b" \n\t\r\n  \n", "empty or contains only whitespace"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01", "a PNG image, not a text article"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>", "a PDF document, not a text article"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00article.txt", "a zip archive (or an Office document)"),
        (b"\xff\xfe\x00\xd8", "utf-16 byte order mark but is not valid utf-16"),
        (b"<html><body><nav>Menu</nav></body></html>", "no readable paragraphs"),
    ],
    ids=["empty", "whitespace", "png", "pdf", "zip", "broken-utf16", "html-without-text"],
)
def test_handler_stores_a_failed_item_saying_why_an_upload_is_not_an_article(
    handler: Handler, stack: Stack, body: bytes, reason: str
) -> None:
    item = _process(handler, stack, "uploads/not-an-article.txt", body)

    assert item["status"] == "failed"
    assert reason in item["error"]
    assert "document" not in item


@pytest.mark.parametrize("key", ["UPPER.TXT", "inbox/article.HTML", "notes.Md", "page.hTm"])
def test_handler_summarises_supported_types_whatever_the_case_of_their_suffix(
    handler: Handler, stack: Stack, key: str
) -> None:
    assert _process(handler, stack, key, SHORT_SEED.read_bytes())["status"] == "done"


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("photos/plage.jpg", "files ending in '.jpg' are not summarised"),
        ("README", "files without a suffix are not summarised"),
        ("archive.txt.gz", "files ending in '.gz' are not summarised"),
    ],
)
def test_handler_answers_an_unsupported_upload_with_a_failed_item(
    handler: Handler, stack: Stack, nlp_runs: list[bytes], key: str, reason: str
) -> None:
    item = _process(handler, stack, key, SHORT_SEED.read_bytes())

    assert (item["status"], nlp_runs) == ("failed", [])
    assert reason in item["error"] and SENTINEL not in item["error"]
    assert [listing["key"] for listing in stack.archive().failed().items] == [key]
    stack.s3.delete_object(Bucket=LOCAL_NAMES.bucket, Key=key)
    assert handler.lambda_handler(stack.receive_event(), LambdaContext()) == {"batchItemFailures": []}
    assert stack.items() == [] and stack.archive().failed().items == []


def test_handler_logs_why_a_message_was_not_understood_never_its_body(
    handler: Handler, stack: Stack, log_stream: io.StringIO
) -> None:
    stack.upload("mixed/one.txt", SHORT_SEED.read_bytes())
    event = stack.receive_event()
    garbage = {**event["Records"][-1], "messageId": "not-an-event", "body": f"{SENTINEL} is not JSON"}
    event["Records"].append(garbage)

    response = handler.lambda_handler(event, LambdaContext())

    assert response == {"batchItemFailures": [{"itemIdentifier": "not-an-event"}]}
    [line] = [json.loads(line) for line in log_stream.getvalue().splitlines() if "not-an-event" in line]
    assert (line["message_id"], line["outcome"]) == ("not-an-event", "retry")
    assert "does not carry a JSON body" in line["reason"]
    assert SENTINEL not in log_stream.getvalue()


@pytest.mark.parametrize(
    ("body", "encoding", "title"),
    [
        (FRENCH.replace("'", "’").encode("cp1252"), "cp1252", TITLE.replace("'", "’")),
        (FRENCH.encode("latin-1"), "cp1252", TITLE),
        (FRENCH.encode("utf-16"), "utf-16", TITLE),
        (b"\xef\xbb\xbf" + FRENCH.encode(), "utf-8-sig", TITLE),
    ],
    ids=["cp1252-not-utf-8", "latin-1", "utf-16-bom", "utf-8-bom"],
)
def test_handler_decodes_legacy_and_unicode_encodings(
    handler: Handler, stack: Stack, body: bytes, encoding: str, title: str
) -> None:
    item = _process(handler, stack, "uploads/encoded.txt", body)

    assert item["status"] == "done"
    assert item["document"]["encoding"] == encoding
    assert item["title"] == title
    assert "Finistère" in entity_names(item)


def test_handler_summarises_the_article_of_an_html_page(handler: Handler, stack: Stack) -> None:
    paragraphs = "".join(f"<p>{paragraph}</p>" for paragraph in FRENCH.split("\n\n")[1:])
    page = (
        "<!DOCTYPE html><html><head><title>Sécheresse en Bretagne</title>"
        f"<script>var tracker = '{SENTINEL}';</script></head><body><nav>Accueil | Météo</nav>"
        f"<article>{paragraphs}</article><footer>© Le Journal</footer></body></html>"
    )

    item = _process(handler, stack, "pages/secheresse.html", page.encode())

    assert item["status"] == "done"
    assert item["document"]["source_format"] == "html"
    assert item["title"] == "Sécheresse en Bretagne"
    assert "Finistère" in entity_names(item)
    assert SENTINEL not in json.dumps(item, ensure_ascii=False) and "<p>" not in json.dumps(item)


def test_handler_summarises_a_language_without_a_model_and_says_why_entities_are_missing(
    handler: Handler, stack: Stack
) -> None:
    item = _process(handler, stack, "world/storm.txt", ENGLISH.encode())

    assert item["status"] == "done"
    assert item["language"] == "en"
    assert item["document"]["entities"] == []
    assert item["document"]["entities_status"] == "no_model"
    assert item["document"]["entities_reason"] == "no entity model is configured for language 'en'"
    assert item["document"]["summary"]


def test_handler_finishes_one_huge_line_at_the_size_limit(handler: Handler, stack: Stack) -> None:
    words = [word.strip(".,;:!?«»") for word in SEED.read_text(encoding="utf-8").split()]
    line = " ".join(words * (handler.function.settings.max_object_bytes // len(" ".join(words)) + 1))
    data = line.encode()[: handler.function.settings.max_object_bytes].rsplit(b" ", 1)[0]

    started = time.perf_counter()
    item = _process(handler, stack, "huge/one-line.txt", data)
    seconds = time.perf_counter() - started

    assert item["status"] == "done" and item["size"] == len(data)
    assert item["document"]["stats"]["characters"] == len(data.decode())
    assert seconds < 30


def test_handler_refuses_one_byte_over_the_limit_before_downloading(
    handler: Handler, stack: Stack, nlp_runs: list[bytes]
) -> None:
    downloads: list[str] = []
    handler.function.clients.s3.meta.events.register(
        "before-parameter-build.s3.GetObject", lambda params, **_: downloads.append(params["Key"])
    )
    limit = handler.function.settings.max_object_bytes

    item = _process(handler, stack, "huge/too-big.txt", b"a " * (limit // 2) + b"!")

    assert item["status"] == "failed"
    assert item["error"] == f"object is {limit + 1:,} bytes, over the {limit:,}-byte limit; not read"
    assert downloads == [] and nlp_runs == []


def test_handler_stores_a_document_too_large_for_an_item_in_the_results_bucket(
    handler: Handler, stack: Stack
) -> None:
    summarise = handler.summariser.inner.summarise

    def with_many_keywords(data: bytes) -> Any:
        return replace(summarise(data), keywords=tuple(f"mot-clé {n}" for n in range(40_000)))

    handler.summariser.replacement = with_many_keywords

    item = _process(handler, stack, "long/article.txt", SEED.read_bytes())

    raw = stack.dynamodb.get_item(TableName=TABLE, Key={"id": {"S": item["id"]}})["Item"]
    assert len(json.dumps(raw, ensure_ascii=False).encode()) < 400_000
    digest = hashlib.sha256(item["id"].encode()).hexdigest()
    assert item["document_location"].startswith(f"s3://{RESULTS_BUCKET}/results/{digest}/")
    assert len(item["document"]["keywords"]) == 40_000
    trimmed = json.loads(raw["document"]["S"])
    assert trimmed["title"] == item["document"]["title"] and trimmed["summary"] == item["document"]["summary"]
    assert trimmed["entities"][0]["text"] == item["document"]["entities"][0]["text"]
    assert stack.s3.list_objects_v2(Bucket=LOCAL_NAMES.bucket)["KeyCount"] == 1


def test_handler_never_puts_article_text_in_logs_metrics_items_or_errors(
    handler: Handler,
    stack: Stack,
    log_stream: io.StringIO,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    backoff: list[float],
) -> None:
    caplog.set_level(logging.DEBUG)
    article = FRENCH.replace("Bretagne", f"Bretagne de M. {SENTINEL}", 1).replace(
        "\n\n", f"\n\n{SENTINEL} a parlé.\n\n", 1
    )
    binary = f"{SENTINEL}\x01\x02\x03\x04\x05\x06".encode() * 20
    stack.upload("private/article.txt", article.encode())
    stack.upload("private/binary.txt", binary)
    handler.lambda_handler(stack.receive_event(), LambdaContext())
    stack.upload("private/throttled.txt", article.encode("cp1252"))
    inject_fault(
        handler.function.clients.dynamodb, "UpdateItem", status=400, code="ThrottlingException", table=TABLE
    )

    with pytest.raises(ClientError) as raised:
        handler.lambda_handler(_direct_event("private/throttled.txt"), LambdaContext())

    out, err = capsys.readouterr()
    logs = log_stream.getvalue() + caplog.text + out + err
    assert "Article summarised" in logs and "Article not summarised" in logs and "ThrottlingException" in logs
    assert "ArticlesProcessed" in out and "ArticlesFailed" in out
    assert SENTINEL not in logs
    assert SENTINEL not in str(raised.value) + repr(raised.value)
    assert SENTINEL not in stack.result("private/binary.txt")["error"]
    assert SENTINEL in json.dumps(stack.result("private/article.txt")["document"], ensure_ascii=False)


def _direct_event(key: str) -> dict[str, Any]:
    """The sample S3 notification, naming `key`."""
    event = load_event("s3-put.json")
    event["Records"][0]["s3"]["object"]["key"] = key
    return event
