"""`python -m tools.screenshots`: the viewer's three pages over the seed articles in the embedded stack,
saved as PNG files for the README (`make screenshots`; needs chromium and chromium-driver, `make browser`)."""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from precis.cli import main as precis
from precis.local.stack import READY_TIMEOUT, EmbeddedStack, StackOptions
from precis.stack.status import queues_status
from tools.common import browser

PAGES = {
    "home.png": "/",
    "article.png": "/articles/fr-03.txt",
    "entity.png": "/entities/Mark%20Rutte?type=PER",
}
WIDTH = 1280
# Tall enough for a whole page of the seeds; a longer one is cut here rather than made a poster.
MAX_HEIGHT = 2000
DRAINED = {"visible": 0, "in_flight": 0}
DRAIN_SECONDS = 120.0


def main(argv: Sequence[str] | None = None) -> int:
    """Start the stack, ingest the seeds, save each page; 3 when no browser can be driven here."""
    parser = argparse.ArgumentParser(prog="python -m tools.screenshots", description=__doc__)
    parser.add_argument("--seeds", type=Path, default=Path("seeds"), help="articles to show")
    parser.add_argument("--output", type=Path, default=Path("docs/screenshots"), help="folder for the PNGs")
    options = parser.parse_args(argv)
    missing = browser.missing()
    if missing:
        print(f"screenshots: {missing}", file=sys.stderr)
        return 3
    options.output.mkdir(parents=True, exist_ok=True)
    with EmbeddedStack(StackOptions(port=0, workers=1, web_port=0, log_level="WARNING")) as stack:
        stack.wait_ready(READY_TIMEOUT)
        with contextlib.redirect_stdout(io.StringIO()):  # the results themselves are in the pictures
            code = precis(
                ["-q", "ingest", str(options.seeds), "--wait", "--endpoint-url", stack.endpoint_url]
            )
        if code:
            return code
        drained(stack)
        assert stack.web_url is not None
        for name, path in save_pages(stack.web_url, options.output):
            print(f"{path} -> {name}")
    return 0


def drained(stack: EmbeddedStack) -> None:
    """Wait until the queue is empty: an item is written before its index entries, which the pages read."""
    deadline = time.monotonic() + DRAIN_SECONDS
    while queues_status(stack.started_target())["queue"] != DRAINED:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the queue did not drain in {DRAIN_SECONDS:.0f} s")
        time.sleep(0.25)


def save_pages(url: str, folder: Path) -> list[tuple[Path, str]]:
    """Each page, once it has shown its data, at desktop width and its own height (up to MAX_HEIGHT)."""
    saved = []
    with browser.chromium(WIDTH) as driver:
        for name, path in PAGES.items():
            driver.set_window_size(WIDTH, 1000)
            browser.load(driver, url.rstrip("/") + path)
            height, chrome = driver.execute_script(
                "return [document.documentElement.scrollHeight, window.outerHeight - window.innerHeight]"
            )
            driver.set_window_size(WIDTH, min(int(height), MAX_HEIGHT) + int(chrome))
            driver.save_screenshot(str(folder / name))
            saved.append((folder / name, path))
    return saved


if __name__ == "__main__":
    raise SystemExit(main())
