"""A real headless Chromium for tests (Debian's ``chromium``, driven by Playwright).

Playwright's own browser downloads are never used: :func:`chromium_path` finds the system's
Chromium (``$CLEARCRAWL_CHROMIUM``, ``/usr/bin/chromium``, or ``chromium`` /
``chromium-browser`` on ``PATH``), which ``make test`` installs from Debian's packages. A test
that needs it and cannot find it (or cannot import Playwright) fails in CI (``CI`` set) and is
skipped elsewhere, so a broken set-up never passes silently.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def chromium_path() -> str:
    """Path of a Chromium binary; fails (CI) or skips (elsewhere) when there is none."""
    found = [os.environ.get("CLEARCRAWL_CHROMIUM", ""), *CANDIDATES]
    found += [shutil.which(n) or "" for n in ("chromium", "chromium-browser")]
    for path in found:
        if path and Path(path).is_file() and os.access(path, os.X_OK):
            return path
    _missing("no Chromium found (apt-get install chromium, or set CLEARCRAWL_CHROMIUM)")
    raise AssertionError("unreachable")


def _missing(message: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@dataclass
class PageLog:
    """What a page did: every request it made, and every console error or uncaught exception."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def left_the_page(self, own: str) -> list[str]:
        """Requests for anything but the file itself (each one was blocked)."""
        return [u for u in self.requests if u != own]


@contextmanager
def offline_browser() -> Iterator[Any]:
    """A headless Chromium (Playwright ``Browser``); every page opened must go through
    :func:`open_offline`."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        _missing("playwright is not installed (pip install -e .[test])")
        raise
    executable = chromium_path()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


def open_offline(browser: Any, path: Path, **context: Any) -> tuple[Any, PageLog]:
    """Open ``path`` from disk with every network request blocked and logged.

    The file's own URL is let through (and logged too, which shows the logging works); any
    other request, of any scheme, is aborted.
    """
    log = PageLog()
    ctx = browser.new_context(**context)
    ctx.set_offline(True)
    page = ctx.new_page()
    own = path.resolve().as_uri()

    def route(r: Any) -> None:
        log.requests.append(r.request.url)
        if r.request.url == own:
            r.continue_()
        else:
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: log.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: log.errors.append(f"uncaught: {e}"))
    page.on("requestfailed", lambda r: None)
    page.goto(own, wait_until="load")
    return page, log
