"""The local adapter: requests on 127.0.0.1 become HTTP API v2 events, the handler's answers responses."""

from __future__ import annotations

import base64
import http.client
import json
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from precis.cli import main
from precis.errors import UnavailableError
from precis.local.stack import EmbeddedStack, StackOptions
from precis.local.web import ApiServer, http_api_event
from precis.stack.status import stack_status
from tests.integration.conftest import load_event

HANDLER = "tests.integration.poison_handler:create"


def request(
    url: str, method: str, path: str, headers: Mapping[str, str] | None = None
) -> http.client.HTTPResponse:
    """One request to the server at `url`; the response is read before the connection closes."""
    host, port = url.removeprefix("http://").rstrip("/").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request(method, path, headers=dict(headers or {}))
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


class Recorder:
    """A stand-in handler: keeps each event and answers with a fixed binary response."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def __call__(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        self.events.append(dict(event))
        return {
            "statusCode": 418,
            "headers": {"Content-Type": "application/octet-stream", "X-Answer": "yes"},
            "cookies": ["seen=1; Path=/"],
            "body": base64.b64encode(b"\x00teapot").decode(),
            "isBase64Encoded": True,
        }


@pytest.fixture
def recorder() -> Iterator[tuple[Recorder, ApiServer]]:
    """The adapter in front of the recording handler, on a free port."""
    function = Recorder()
    with ApiServer(function, 0) as server:
        yield function, server


def test_local_web_event_has_the_shape_api_gateway_sends() -> None:
    sample = load_event("http-api-articles.json")

    event = http_api_event(
        "GET", "/api/articles?limit=2&status=done", {"Host": "127.0.0.1"}, b"", "127.0.0.1"
    )

    assert set(event) == set(sample) - {"pathParameters"}
    assert set(event["requestContext"]) == set(sample["requestContext"]) - {"authorizer"}
    assert set(event["requestContext"]["http"]) == set(sample["requestContext"]["http"])
    assert event["queryStringParameters"] == sample["queryStringParameters"]
    assert event["rawQueryString"] == sample["rawQueryString"]


def test_local_web_request_becomes_an_event_and_the_answer_a_response(
    recorder: tuple[Recorder, ApiServer],
) -> None:
    function, server = recorder

    response = request(
        server.url, "GET", "/api/articles/a%2Fb%20c.txt?x=1&x=2&q=%C3%A9t%C3%A9", {"Cookie": "a=1; b=2"}
    )

    (event,) = function.events
    assert event["rawPath"] == "/api/articles/a%2Fb%20c.txt"
    assert event["queryStringParameters"] == {"x": "1,2", "q": "été"}
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["requestContext"]["http"]["method"] == "GET"
    assert event["requestContext"]["http"]["sourceIp"] == "127.0.0.1"
    assert response.status == 418
    assert response.getheader("X-Answer") == "yes"
    assert response.getheader("Set-Cookie") == "seen=1; Path=/"
    assert response.getheader("Content-Length") == str(len(b"\x00teapot"))


class Overlaps:
    """A stand-in handler that notes how many invocations run at once (each lasts a moment)."""

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def __call__(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.05)  # long enough for the other requests to arrive meanwhile
        with self.lock:
            self.running -= 1
        return {"statusCode": 200, "body": event["rawPath"]}


def test_local_web_calls_the_handler_once_at_a_time_as_one_lambda_environment() -> None:
    function = Overlaps()
    with ApiServer(function, 0) as server, ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda n: request(server.url, "GET", f"/{n}").status, range(16)))

    assert answers == [200] * 16
    assert function.most == 1


def test_local_web_busy_port_is_a_clear_error(recorder: tuple[Recorder, ApiServer]) -> None:
    _, server = recorder
    port = int(server.url.rstrip("/").rsplit(":", 1)[1])

    with pytest.raises(UnavailableError, match="--web-port"):
        ApiServer(Recorder(), port)


def test_local_web_embedded_stack_serves_the_router_and_status_gives_its_url(
    capsys: pytest.CaptureFixture[str],
) -> None:
    options = StackOptions(port=0, workers=1, handler=HANDLER, web_port=0)
    with EmbeddedStack(options) as stack:
        web_url = stack.web_url
        assert web_url is not None
        listing = request(web_url, "GET", "/api/articles")
        openapi = request(web_url, "GET", "/api/openapi.json")
        page = request(web_url, "GET", "/")
        status = stack_status(stack.started_target())
        capsys.readouterr()
        main(["status", "--json", "--endpoint-url", stack.endpoint_url])
        printed = json.loads(capsys.readouterr().out)

    assert listing.status == openapi.status == page.status == 200
    assert page.getheader("Content-Type", "").startswith("text/html")
    assert status["web_url"] == printed["web_url"] == web_url
    assert web_url.startswith("http://127.0.0.1:")
