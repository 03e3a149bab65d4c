"""The viewer in a real headless Chromium over the embedded stack: highlights, links, search, the bar chart,
phone width, and hostile articles whose payloads must stay text."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import quote

import pytest

from precis.cli import main
from precis.local.stack import EmbeddedStack, StackOptions
from precis.stack.status import queues_status
from tests.conftest import SEEDS
from tests.integration.test_local_stack import DRAINED, eventually
from tools.common.browser import chromium, load, navigate, wait_until
from tools.common.browser import missing as browser_missing

NO_BROWSER = browser_missing()
pytestmark = pytest.mark.skipif(NO_BROWSER is not None, reason=str(NO_BROWSER))
# Every payload sets window.__xss or calls alert() if the page ever runs it.
HOSTILE_KEY = "xss <img src=x onerror=window.__xss=1>.txt"
HOSTILE_TEXT = """<script>window.__xss = 1</script> Emmanuel Macron à Paris <img src=x onerror=alert(1)>

Le président Emmanuel Macron a reçu jeudi à Paris le chancelier Olaf Scholz. \
« <img src=x onerror=window.__xss=1> Nous avancerons ensemble », a déclaré Emmanuel Macron devant la presse.

Selon Olaf Scholz, la coopération entre la France et l'Allemagne reste essentielle. \
<a href="javascript:window.__xss=1">lien</a> javascript:window.__xss=1 <svg onload=window.__xss=1>
"""
EMPTY = "vide.txt"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStack]:
    """The embedded stack serving the viewer; the seeds, a hostile article and an empty file processed."""
    folder = tmp_path_factory.mktemp("articles")
    for seed in SEEDS.glob("*.txt"):
        (folder / seed.name).write_bytes(seed.read_bytes())
    (folder / HOSTILE_KEY).write_text(HOSTILE_TEXT, encoding="utf-8")
    (folder / EMPTY).write_bytes(b"")
    with EmbeddedStack(StackOptions(port=0, workers=1, web_port=0)) as running:
        running.wait_ready(180)
        main(["-q", "ingest", str(folder), "--wait", "--endpoint-url", running.endpoint_url])
        # Items are written before their index entries: wait until each batch has finished.
        assert eventually(lambda: queues_status(running.started_target())["queue"] == DRAINED)
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium through its chromedriver, with a throwaway profile."""
    with chromium() as driver:
        yield driver


T = TypeVar("T")


class Viewer:
    """The browser on the stack's viewer: every read waits for the rendered state it reads, never a delay."""

    def __init__(self, driver: Any, url: str) -> None:
        self.driver = driver
        self.url = url.rstrip("/")

    def open(self, path: str) -> Any:
        """Load a page and wait until its script has shown its data."""
        return load(self.driver, self.url + path)

    def follow(self, action: Callable[[], object]) -> Any:
        """Click or submit, then wait until the page it leads to has shown its data."""
        return navigate(self.driver, action)

    def until(self, condition: Callable[[Any], T], awaited: str) -> T:
        """Wait for a rendered state (the condition's first truthy value)."""
        return wait_until(self.driver, condition, awaited)

    def shown(self, selector: str) -> list[Any]:
        """The elements matching a CSS selector once one is there (each list renders in one step)."""
        return self.until(lambda driver: driver.find_elements("css selector", selector), f"{selector!r}")

    def texts(self, selector: str) -> list[str]:
        """The visible text of every element matching a CSS selector, once it is rendered."""
        return [element.text for element in self.shown(selector)]

    def ran_payload(self) -> bool:
        """Whether any hostile payload ran (it would have set window.__xss, or left an alert open)."""
        from selenium.common.exceptions import UnexpectedAlertPresentException

        try:
            return bool(self.driver.execute_script("return window.__xss === 1"))
        except UnexpectedAlertPresentException:
            return True


@pytest.fixture
def viewer(stack: EmbeddedStack, browser: Any) -> Viewer:
    """The browser on this stack's viewer, at desktop width."""
    assert stack.web_url is not None
    browser.set_window_size(1280, 1000)
    return Viewer(browser, stack.web_url)


def test_viewer_home_lists_articles_and_charts_the_top_entities(viewer: Viewer) -> None:
    viewer.open("/")
    viewer.shown("#top-chart li")  # the chart renders its rows, or why there are none, in one step
    bars = viewer.driver.find_elements("css selector", "#top-chart .bar")
    titles = viewer.texts("#articles .article-row a")

    assert len(bars) == 10
    assert all(bar.size["width"] > 0 for bar in bars)
    assert all(label for label in viewer.texts("#top-chart .bar-label"))
    assert "Lyon inaugure une ligne de tramway vers l'Est lyonnais" in titles
    assert len(titles) == 6


def test_viewer_search_form_finds_articles_by_title_words(viewer: Viewer) -> None:
    from selenium.webdriver.common.keys import Keys

    driver = viewer.open("/")
    viewer.follow(lambda: driver.find_element("id", "q").send_keys("tramway", Keys.ENTER))

    assert "q=tramway" in driver.current_url
    assert driver.find_element("id", "q").get_attribute("value") == "tramway"
    assert viewer.texts("#articles .article-row a") == [
        "Lyon inaugure une ligne de tramway vers l'Est lyonnais"
    ]


def test_viewer_failed_filter_shows_the_reason(viewer: Viewer) -> None:
    viewer.open("/?status=failed")

    (row,) = viewer.texts("#articles .article-row")
    assert EMPTY in row and "failed: " in row


def test_viewer_article_highlights_people_marks_the_summary_and_lists_quotes(viewer: Viewer) -> None:
    driver = viewer.open("/articles/fr-03.txt")
    people = set(viewer.texts("#text a.ent-PER"))
    summary = viewer.texts("#summary li")
    marked = "".join(viewer.texts("#text .in-summary"))
    quotes = viewer.texts("#quotes li")

    assert driver.find_element("id", "title").text.startswith("Les États-Unis défendent sa position")
    assert {"Mark Rutte", "Pete Hegseth", "Donald Trump"} <= people
    assert {"Ukraine", "Bruxelles"} <= set(viewer.texts("#text a.ent-LOC"))
    assert summary and all(sentence.split()[0] in marked for sentence in summary)
    assert any(quote.endswith("— Mark Rutte") for quote in quotes)
    tip = driver.find_element("css selector", "#text a.ent-PER[data-entity='PER:mark rutte']")
    assert tip.get_attribute("data-tip").startswith("Mark Rutte (person)")
    assert set(viewer.texts("#legend li")) >= {"PER person", "LOC place", "ORG organisation"}


def test_viewer_entity_link_opens_its_page_with_articles_company_and_quotes(viewer: Viewer) -> None:
    driver = viewer.open("/articles/fr-03.txt")
    link = driver.find_element("css selector", "#text a.ent-PER[data-entity='PER:mark rutte']")
    viewer.follow(link.click)

    assert driver.current_url.endswith("/entities/Mark%20Rutte?type=PER")
    assert driver.find_element("id", "name").text == "Mark Rutte"
    assert driver.find_element("id", "kind").text == "person"
    assert viewer.texts("#articles .article-row a")[0].startswith("Les États-Unis défendent")
    assert "Pete Hegseth" in viewer.texts("#cooccurring .bar-label")
    assert viewer.texts("#quotes li")


def test_viewer_is_keyboard_navigable_to_an_entity(viewer: Viewer) -> None:
    from selenium.webdriver.common.keys import Keys

    viewer.open("/articles/fr-03.txt")

    def focused_entity(driver: Any) -> bool:
        """Whether focus is on an entity; if not, Tab moves it on (the condition is polled)."""
        focused = driver.switch_to.active_element
        if "ent" in (focused.get_attribute("class") or "").split():
            return True
        focused.send_keys(Keys.TAB)
        return False

    assert viewer.until(focused_entity, "Tab to reach an entity mention")


def test_viewer_failed_article_shows_its_reason(viewer: Viewer) -> None:
    driver = viewer.open(f"/articles/{EMPTY}")

    assert driver.find_element("id", "failure").is_displayed()
    assert "empty" in driver.find_element("id", "failure").text


def test_viewer_fits_a_phone_screen(viewer: Viewer) -> None:
    viewer.driver.set_window_size(390, 844)
    driver = viewer.open("/articles/fr-03.txt")

    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    assert viewer.shown("#text a.ent-PER")[0].is_displayed()


def test_viewer_runs_no_payload_from_hostile_articles_and_keys(viewer: Viewer) -> None:
    viewer.open("/")
    hostile_title = next(title for title in viewer.texts("#articles .article-row a") if "<script>" in title)
    assert not viewer.ran_payload()
    article = viewer.open("/articles/" + quote(HOSTILE_KEY, safe=""))
    shown_title = article.find_element("id", "title").text
    shown_text = article.find_element("id", "text").text
    entities = [entity.rsplit(" ×", 1)[0] for entity in viewer.texts("#entities a")[:3]]

    assert not viewer.ran_payload()
    assert article.find_elements("css selector", "img, svg, script:not([src])") == []
    assert hostile_title == shown_title
    assert "<script>window.__xss = 1</script>" in shown_title
    assert 'href="javascript:window.__xss=1"' in shown_text
    assert all(
        (link.get_attribute("href") or "").startswith(viewer.url)
        for link in article.find_elements("css selector", "a")
    )
    for name in [*entities, "<img src=x onerror=window.__xss=1>"]:
        page = viewer.open("/entities/" + quote(name, safe=""))
        assert not viewer.ran_payload()
        assert page.find_elements("css selector", "img, svg, script:not([src])") == []
