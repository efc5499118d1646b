"""For the web tests (and scripts/web_screenshot.py): a real review server, uvicorn in a thread on a free
loopback port, always stopped; and headless Chromium driven by Selenium through Debian's chromedriver."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from smgov_nlp.review.store import DecisionStore
from smgov_nlp.review.web.server import ReviewServer, load_review

STARTUP_TIMEOUT = 10.0
CHROMEDRIVER = Path("/usr/bin/chromedriver")  # Debian's chromium-driver: Selenium Manager downloads nothing
# The machine's network is closed: no background connections (updates, sync, field trials, QUIC).
CHROME_ARGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-dev-shm-usage", "--window-size=1280,1000")


@contextlib.contextmanager
def serving(queue: Path, data_dir: Path, reviewer: str | None = None, host: str = "127.0.0.1") -> Iterator[ReviewServer]:
    """Serve the review of ``queue`` on ``host`` (a free port) for the ``with`` block."""
    server = ReviewServer(load_review(queue, data_dir, reviewer), host, 0)
    thread = threading.Thread(target=server.serve, name="review-server", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the review server did not start"
            time.sleep(0.02)
        yield server
    finally:
        server.stop()
        thread.join(STARTUP_TIMEOUT)
        assert not thread.is_alive(), "the review server did not stop"


def headless_chrome(profile: Path):
    """A headless Chromium with a fresh profile in ``profile``; call ``quit()`` when done."""
    assert CHROMEDRIVER.exists(), f"no {CHROMEDRIVER}: run make test, which installs chromium and chromium-driver"
    options = webdriver.ChromeOptions()
    for argument in (*CHROME_ARGS, f"--user-data-dir={profile}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


def rows(data_dir: Path) -> list[dict]:
    """Every row of reviewed.csv, in file order."""
    return DecisionStore(data_dir).history().to_dict("records")


def wait_rows(data_dir: Path, count: int, timeout: float = 10.0) -> list[dict]:
    """The rows of reviewed.csv once there are ``count`` of them (fails after ``timeout`` seconds)."""
    def enough() -> list[dict] | None:
        found = rows(data_dir)
        return found if len(found) >= count else None

    return wait_for(enough, timeout, lambda: f"expected {count} rows in reviewed.csv, found {len(rows(data_dir))}")


def wait_for(check: Callable[[], object], timeout: float = 10.0, message: Callable[[], str] = lambda: "timed out"):
    """The first truthy value of ``check()``, polled until ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, message()
        time.sleep(0.05)
