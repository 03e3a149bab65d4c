"""Debian's headless chromium through its chromedriver (Selenium), as the viewer's browser tests, the
benchmark and the screenshot script drive it; `make browser` installs both."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

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
# Long enough for a page on two busy cores; a condition never met fails with what was awaited.
TIMEOUT_SECONDS = 30.0
POLL_SECONDS = 0.05
T = TypeVar("T")


def missing() -> str | None:
    """Why no browser can be driven here (the binaries or Selenium are absent), or None when one can."""
    absent = [name for name in ("chromium", "chromedriver") if shutil.which(name) is None]
    if absent:
        return f"no {' or '.join(absent)} on PATH (`make browser` installs chromium and chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (`make .venv/.dev-installed`)"
    return None


@contextmanager
def chromium(width: int = 1280, height: int = 1000) -> Iterator[Any]:
    """A headless chromium with a throwaway profile, quit on exit."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="precis-chromium-") as scratch:
        options = webdriver.ChromeOptions()
        options.binary_location = str(shutil.which("chromium"))
        for flag in (*FLAGS, f"--user-data-dir={scratch}"):
            options.add_argument(flag)
        service = Service(executable_path=str(shutil.which("chromedriver")))
        driver = webdriver.Chrome(options=options, service=service)
        try:
            driver.set_window_size(width, height)
            yield driver
        finally:
            driver.quit()


def wait_until(driver: Any, condition: Callable[[Any], T], awaited: str) -> T:
    """The first truthy value of `condition(driver)`, polled until TIMEOUT_SECONDS; a timeout names what
    was awaited."""
    from selenium.webdriver.support.ui import WebDriverWait

    waiting = WebDriverWait(driver, TIMEOUT_SECONDS, poll_frequency=POLL_SECONDS)
    return waiting.until(condition, message=f"waited {TIMEOUT_SECONDS:.0f} s for {awaited}")


def page_ready(driver: Any) -> bool:
    """Whether the viewer's script has shown the page's data (it marks the body once, when done) and the
    stylesheet has loaded too: before it, a bar is an empty inline span of no width."""
    marked = driver.find_element("css selector", "body").get_attribute("data-ready") == "true"
    return marked and driver.execute_script("return document.readyState") == "complete"


def navigate(driver: Any, action: Callable[[], object]) -> Any:
    """Run an action that loads another page (a get, a click, a submitted form), then wait until that new
    page is ready; the old page's ready mark can never be mistaken for the new one's."""
    from selenium.webdriver.support import expected_conditions

    old = driver.find_element("css selector", "html")
    action()
    wait_until(driver, expected_conditions.staleness_of(old), "the next page to replace this one")
    wait_until(driver, page_ready, f"{driver.current_url} to show its data")
    return driver


def load(driver: Any, url: str) -> Any:
    """Open a page and wait until it has shown its data."""
    return navigate(driver, lambda: driver.get(url))
