"""The viewer in a real headless Chromium over the embedded stack: highlights, links, search, the bar chart,
phone width, and hostile articles whose payloads must stay text."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from precis.cli import main
from precis.local.stack import EmbeddedStack, StackOptions
from precis.stack.status import queues_status
from tests.conftest import SEEDS
from tests.integration.test_local_stack import DRAINED, eventually

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="no chromium/chromedriver (apt-get install -y chromium chromium-driver; .ci/run installs them)",
)
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
)
# Set to a folder (e.g. docs) to save the pages' screenshots there.
SCREENSHOTS = os.environ.get("PRECIS_SCREENSHOTS")
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
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Debian's chromium through its chromedriver, with a throwaway profile."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    driver.set_window_size(1280, 1000)
    yield driver
    driver.quit()


class Viewer:
    """The browser on the stack's viewer: open a page, wait until its scripts are done, read it."""

    def __init__(self, driver: Any, url: str) -> None:
        self.driver = driver
        self.url = url.rstrip("/")

    def open(self, path: str) -> Any:
        """Load a page and wait until its data is shown."""
        self.driver.get(self.url + path)
        return self.wait_ready()

    def wait_ready(self) -> Any:
        """Wait until the page's script has shown its data (it marks the body when done)."""
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(self.driver, 30).until(
            lambda driver: driver.find_element("css selector", "body").get_attribute("data-ready") == "true"
        )
        return self.driver

    def texts(self, selector: str) -> list[str]:
        """The visible text of every element matching a CSS selector."""
        return [element.text for element in self.driver.find_elements("css selector", selector)]

    def ran_payload(self) -> bool:
        """Whether any hostile payload ran (it would have set window.__xss, or left an alert open)."""
        from selenium.common.exceptions import UnexpectedAlertPresentException

        try:
            return bool(self.driver.execute_script("return window.__xss === 1"))
        except UnexpectedAlertPresentException:
            return True

    def screenshot(self, name: str) -> None:
        """Save the page when PRECIS_SCREENSHOTS names a folder."""
        if SCREENSHOTS:
            self.driver.save_screenshot(str(Path(SCREENSHOTS) / name))


@pytest.fixture
def viewer(stack: EmbeddedStack, browser: Any) -> Viewer:
    """The browser on this stack's viewer, at desktop width."""
    assert stack.web_url is not None
    browser.set_window_size(1280, 1000)
    return Viewer(browser, stack.web_url)


def test_viewer_home_lists_articles_and_charts_the_top_entities(viewer: Viewer) -> None:
    driver = viewer.open("/")
    bars = driver.find_elements("css selector", "#top-chart .bar")
    titles = viewer.texts("#articles .article-row a")

    assert len(bars) == 10
    assert all(bar.size["width"] > 0 for bar in bars)
    assert all(label for label in viewer.texts("#top-chart .bar-label"))
    assert "Lyon inaugure une ligne de tramway vers l'Est lyonnais" in titles
    assert len(titles) == 6
    viewer.screenshot("viewer-home.png")


def test_viewer_search_form_finds_articles_by_title_words(viewer: Viewer) -> None:
    from selenium.webdriver.common.keys import Keys

    driver = viewer.open("/")
    driver.find_element("id", "q").send_keys("tramway", Keys.ENTER)
    viewer.wait_ready()

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
    viewer.screenshot("viewer-article.png")


def test_viewer_entity_link_opens_its_page_with_articles_company_and_quotes(viewer: Viewer) -> None:
    driver = viewer.open("/articles/fr-03.txt")
    driver.find_element("css selector", "#text a.ent-PER[data-entity='PER:mark rutte']").click()
    viewer.open(driver.current_url.removeprefix(viewer.url))

    assert driver.current_url.endswith("/entities/Mark%20Rutte?type=PER")
    assert driver.find_element("id", "name").text == "Mark Rutte"
    assert driver.find_element("id", "kind").text == "person"
    assert viewer.texts("#articles .article-row a")[0].startswith("Les États-Unis défendent")
    assert "Pete Hegseth" in viewer.texts("#cooccurring .bar-label")
    assert viewer.texts("#quotes li")
    viewer.screenshot("viewer-entity.png")


def test_viewer_is_keyboard_navigable_to_an_entity(viewer: Viewer) -> None:
    from selenium.webdriver.common.keys import Keys

    driver = viewer.open("/articles/fr-03.txt")
    body = driver.find_element("css selector", "body")
    for _ in range(12):
        body = driver.switch_to.active_element
        if "ent" in (body.get_attribute("class") or "").split():
            break
        body.send_keys(Keys.TAB)

    assert "ent" in (driver.switch_to.active_element.get_attribute("class") or "").split()


def test_viewer_failed_article_shows_its_reason(viewer: Viewer) -> None:
    driver = viewer.open(f"/articles/{EMPTY}")

    assert driver.find_element("id", "failure").is_displayed()
    assert "empty" in driver.find_element("id", "failure").text


def test_viewer_fits_a_phone_screen(viewer: Viewer) -> None:
    viewer.driver.set_window_size(390, 844)
    driver = viewer.open("/articles/fr-03.txt")

    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    assert driver.find_element("css selector", "#text a.ent-PER").is_displayed()


def test_viewer_runs_no_payload_from_hostile_articles_and_keys(viewer: Viewer) -> None:
    viewer.open("/")
    hostile_title = next(title for title in viewer.texts("#articles .article-row a") if "<script>" in title)
    assert not viewer.ran_payload()
    article = viewer.open("/articles/" + quote(HOSTILE_KEY, safe=""))
    shown_title = article.find_element("id", "title").text
    shown_text = article.find_element("id", "text").text
    assert not viewer.ran_payload()
    for entity in viewer.texts("#entities a")[:3]:
        viewer.open("/entities/" + quote(entity.rsplit(" ×", 1)[0], safe=""))
        assert not viewer.ran_payload()
    viewer.open("/entities/" + quote("<img src=x onerror=window.__xss=1>", safe=""))

    assert not viewer.ran_payload()
    assert article.find_elements("css selector", "img, svg, script:not([src])") == []
    assert hostile_title == shown_title
    assert "<script>window.__xss = 1</script>" in shown_title
    assert 'href="javascript:window.__xss=1"' in shown_text
    assert article.find_elements("css selector", "#text img, #text svg, #text script") == []
    assert all(
        (link.get_attribute("href") or "").startswith(viewer.url)
        for link in article.find_elements("css selector", "a")
    )
