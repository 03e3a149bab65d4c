"""The HTTP API and the viewer over a large archive: the embedded stack (moto server, the local adapter on
127.0.0.1, the same Lambda handler as ApiFunction) holding `size` articles written through the real storage
and index code, each route's latency over keep-alive HTTP, and each viewer page's time to show its data in
headless chromium.

Runs in a child process. The articles are the benchmark's texts summarised once, then written again and
again under their own keys (`tools.benchmark.query.archive_items`), each text put into the articles
bucket so the article route reads it back as it does on AWS; nothing is summarised while writing.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from precis.aws.settings import Settings
from precis.aws.summarise import SummariseFunction, make_clients
from precis.core.pipeline import Summariser
from tools.benchmark.query import NoModel, archive_items, most_common
from tools.common import browser
from tools.common.stats import TimedCalls

CALLS = 40
LOADS = 10
MAX_TEXTS = 100
TOP_LIMIT = 10  # what the home page's chart asks for
READY_MARK = "precis-ready"  # set by viewer.js when the page's data is shown


@dataclass(frozen=True)
class Timing(TimedCalls):
    """One route or page: what was asked, how many answers it gave, latencies in ms."""

    name: str
    path: str
    answers: float
    latencies_ms: list[float]


@dataclass
class ApiResults:
    """What the section measured; `pages_error` says why the pages were not timed (no browser here)."""

    size: int
    build_seconds: float = 0.0
    routes: list[Timing] = field(default_factory=list)
    pages: list[Timing] = field(default_factory=list)
    pages_error: str | None = None

    def route(self, name: str) -> Timing | None:
        """One route's timing, if it was measured."""
        return next((route for route in self.routes if route.name == name), None)


@dataclass(frozen=True)
class Asked:
    """The archive's values the routes ask about: article keys, the most named entity, the most quoted."""

    keys: list[str]
    entity: str
    speaker: str


def measure_api(model: str, texts: list[bytes], size: int) -> ApiResults:
    """Entry point of the child process: summarise the texts once, write the archive, time the API and
    the pages."""
    from precis.local.stack import EmbeddedStack, StackOptions, function_environment

    summariser = Summariser.load({"fr": model})
    texts = texts[:MAX_TEXTS]
    documents = [summariser.summarise(text).to_dict() for text in texts]
    results = ApiResults(size)
    options = StackOptions(port=0, workers=0, web_port=0, log_level="WARNING")
    with EmbeddedStack(options) as stack:
        os.environ.update(function_environment(options, stack.started_target()))
        started = time.perf_counter()
        keys = _write(texts, documents, size)
        results.build_seconds = time.perf_counter() - started
        entity, speaker = most_common(documents)
        asked = Asked(keys, entity, speaker)
        assert stack.web_url is not None
        results.routes = time_routes(stack.web_url, asked)
        results.pages_error = browser.missing()
        if results.pages_error is None:
            results.pages = time_pages(stack.web_url, asked)
    return results


def _write(texts: list[bytes], documents: list[dict[str, Any]], size: int) -> list[str]:
    """The archive, as the function writes it (text in the bucket, item, index entries), ending today;
    the keys of its done articles."""
    settings = Settings.from_env()
    function = SummariseFunction(settings, NoModel(), make_clients(settings))
    keys = []
    for item, source in archive_items(documents, size, datetime.now(UTC).date()):
        if source is not None:
            function.clients.s3.put_object(Bucket=item["bucket"], Key=item["key"], Body=texts[source])
            keys.append(item["key"])
        function.store(item)
    return keys


def routes(asked: Asked) -> dict[str, Callable[[int], str]]:
    """Each timed route: its row's name and the path of its n-th call (the article changes each call)."""
    entity, speaker = quote(asked.entity, safe=""), quote(asked.speaker, safe="")
    return {
        "recent articles, 20": lambda _: "/api/articles?limit=20",
        "title search, 20": lambda _: "/api/articles?q=benchmark&limit=20",
        "one article (item, document, text)": lambda n: (
            "/api/articles/" + quote(asked.keys[n * 7919 % len(asked.keys)], safe="")
        ),
        "articles naming an entity, 20": lambda _: f"/api/entities/{entity}/articles?limit=20",
        "who appears with an entity": lambda _: f"/api/entities/{entity}/cooccurring",
        f"top entities, 7 days, {TOP_LIMIT}": lambda _: f"/api/entities?days=7&limit={TOP_LIMIT}",
        "quotes by a speaker, 20": lambda _: f"/api/entities/{speaker}/quotes?limit=20",
    }


def time_routes(url: str, asked: Asked, calls: int = CALLS) -> list[Timing]:
    """Every route once untimed, then `calls` rounds in which the routes take turns, over one keep-alive
    connection as a browser holds it."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
    paths = routes(asked)
    latencies: dict[str, list[float]] = {name: [] for name in paths}
    answers: dict[str, list[int]] = {name: [] for name in paths}
    try:
        for path in paths.values():
            _get(connection, path(0))
        for call in range(calls):
            for name, path in paths.items():
                started = time.perf_counter()
                body = _get(connection, path(call))
                latencies[name].append((time.perf_counter() - started) * 1000)
                answers[name].append(_answers(body))
    finally:
        connection.close()
    return [Timing(name, paths[name](0), statistics.fmean(answers[name]), latencies[name]) for name in paths]


def _get(connection: http.client.HTTPConnection, path: str) -> dict[str, Any]:
    """One GET, its whole body read; anything but 200 ends the section (a route that fails is no figure)."""
    connection.request("GET", path, headers={"Accept": "application/json"})
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"GET {path} answered {response.status}: {body[:200]!r}")
    return dict(json.loads(body))


def _answers(body: dict[str, Any]) -> int:
    """How many answers a body holds: a page's items, or one article."""
    return len(body["items"]) if "items" in body else 1


def pages(asked: Asked) -> dict[str, str]:
    """Each timed viewer page and its path."""
    return {
        "home (recent, chart of the top entities)": "/",
        "an article (highlighted text and panels)": "/articles/" + quote(asked.keys[0], safe=""),
        "an entity (articles, who with, quotes)": "/entities/" + quote(asked.entity, safe=""),
    }


def time_pages(url: str, asked: Asked, loads: int = LOADS) -> list[Timing]:
    """Each page loaded once untimed, then `loads` times in turns; the time is the page's own, from
    navigation start to the mark its script sets once the data is shown."""
    paths = pages(asked)
    times: dict[str, list[float]] = {name: [] for name in paths}
    with browser.chromium() as driver:
        for turn in range(loads + 1):
            for name, path in paths.items():
                browser.load(driver, url.rstrip("/") + path)
                ready = driver.execute_script(
                    "return performance.getEntriesByName(arguments[0])[0].startTime", READY_MARK
                )
                if turn:
                    times[name].append(float(ready))
    return [Timing(name, paths[name], 1, times[name]) for name in paths]
