"""Browser tests: Playwright drives Debian's chromium against pytest-django's live server."""

import os
from pathlib import Path

import pytest

# The live server on the loopback address itself: "localhost" needs /etc/hosts and may mean ::1.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags chromium keeps calling Google's hosts, which this
# network refuses; --no-sandbox because the tests run as root.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.fixture(scope="module")
def browser():
    """One chromium per test file. Not one per session: Playwright's sync API keeps an event loop running in this
    thread while it is open, and code under test calls asyncio.run (pyHanko); pytest-xdist sends a worker the
    files biggest first, so a file without a browser may come after one with it, and it must find no loop."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/test.sh installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread, and Django then refuses synchronous
    # database calls from it (SynchronousOnlyOperation), the test database's flush included. This
    # is Django's documented switch for such code; it is set only while the browser runs (the
    # browser tests of a file run last in it) so that no other test, nor a `check --deploy` subprocess, sees it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    """A fresh browser profile the size of a school laptop; an English browser, as school computers often have."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-US",
                                  timezone_id="Asia/Ho_Chi_Minh")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def demo_school(transactional_db):
    """The demo school, rebuilt for every browser test: the live server's database is flushed after each."""
    from seed.demo import build_demo_school

    return build_demo_school()


@pytest.fixture
def screenshot(page):
    """screenshot("name") saves the page as test-results/<name>.png and returns the path."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def _screenshot(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _screenshot
