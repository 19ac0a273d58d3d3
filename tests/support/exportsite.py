"""Shared export fixtures: one real crawl of ``tests/sites/export-mixed`` per test session.

The crawl runs the real CLI in a subprocess (Twisted cannot restart in-process) against the
fixture site served on 127.0.0.1; exports of it are cached by their settings, so every export
test module reuses the same crawl and the same default export. The site holds one page per
outcome the export must handle (see ``EXPECTED``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crawler.demo.server import SiteServer
from tests.support.helpers import SITES, crawl

SITE = SITES / "export-mixed"

#: page → (where it must end up, reason class or licence)
EXPECTED: dict[str, tuple[str, str]] = {
    "sa.html": ("exported", "CC-BY-SA-4.0"),
    "port.html": ("exported", "CC-BY-SA-3.0-DE"),
    "pd.html": ("exported", "CC-PDM-1.0"),
    "cc0.html": ("exported", "CC0-1.0"),
    "gz.html": ("exported", "CC-BY-4.0"),
    "short.html": ("excluded", "too-little-text"),
    "nc.html": ("excluded", "license-not-allowed"),
    "noai.html": ("excluded", "body-withheld"),
    "": ("excluded", "no-license"),  # the index page
    "secret.html": ("not-fetched", "robots-disallowed"),
}
DUPLICATES = ("a1.html", "a1-reprint.html")  # same text: exactly one is exported

_cache: dict[str, Any] = {}


def mixed_crawl(factory: pytest.TempPathFactory) -> Path:
    """Crawl the fixture site once per session; return the crawl folder."""
    if "crawl" not in _cache:
        out = factory.mktemp("export-mixed") / "crawl"
        with SiteServer(SITE) as server:
            crawl(out, server.url + "/")
        _cache["crawl"] = out
    return _cache["crawl"]  # type: ignore[no-any-return]


def mixed_export(factory: pytest.TempPathFactory, name: str = "default", **kwargs: Any) -> Path:
    """Export the session crawl once per ``name`` (``kwargs`` go to ``run_export``)."""
    from export.run import run_export

    key = f"export:{name}"
    if key not in _cache:
        out = factory.mktemp(f"dataset-{name}") / "ds"
        kwargs.setdefault("workers", 2)
        _cache[f"summary:{name}"] = run_export(mixed_crawl(factory), out, **kwargs)
        _cache[key] = out
    return _cache[key]  # type: ignore[no-any-return]


def page_name(url: str) -> str:
    return url.rsplit("/", 1)[-1]
