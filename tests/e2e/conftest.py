"""Browser fixtures: Debian's Chromium driven by Playwright's sync API.

The browser is the system one (/usr/bin/chromium, installed by .ci/run), never
Playwright's own download, so the tests run offline.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


# Playwright's sync API keeps an event loop running in the test thread, and Django
# refuses ORM calls (database setup and flush included) from such a thread. The
# variable is set only while an e2e test sets up, runs and tears down, never at
# import: set for the whole session it leaks into other tests, and
# `manage.py check --deploy` run by tests/config fails on it (async.E001).
@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    os.environ[ASYNC_UNSAFE] = "true"
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    try:
        return (yield)
    finally:
        os.environ.pop(ASYNC_UNSAFE, None)


# Module scope, not session: a live Playwright keeps an event loop running in
# this thread, and Django refuses database work from such a thread. Closing it
# with each browser module lets the (transactional) tests that pytest-django
# orders after the browser tests use the database normally.
@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM}; .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: (
            page.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    yield page
    context.close()
