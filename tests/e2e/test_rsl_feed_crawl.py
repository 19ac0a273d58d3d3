"""RSL 1.0 §4.7 licence feeds end to end: pages naming an RSS or Atom feed with ``rsl:`` terms.

``tests/sites/rsl-feed``: every page names a feed (``<link rel="alternate">``); the RSS feed
prohibits training for one item, permits it for another, and asks payment for a channel-level
pattern; a second feed's RSL elements are not a conformant licence; an Atom feed prohibits one
entry. The access log shows each feed requested once; the WARC holds them; the export, re-reading
the archived feeds, decides as the crawl did and names the feed's term.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.demo.server import SiteServer
from tests.support.helpers import SITES, crawl, read_decisions, read_jsonl, run_cli

pytestmark = pytest.mark.slow

EXPORTED = ["/", "/posts/b.html", "/other.html", "/atom/y.html"]
EXCLUDED = {
    "/posts/a.html": "optout:rsl",
    "/posts/c.html": "rsl-terms:payment:purchase",
    "/bad/x.html": "rsl-unavailable:feed-unknown-element",
    "/atom/x.html": "optout:rsl",
}


@pytest.fixture(scope="module")
def feed_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("rslfeed")
    server = SiteServer(SITES / "rsl-feed").start()
    try:
        out = tmp / "crawl"
        crawl(out, server.url + "/")
        dataset = tmp / "dataset"
        proc = run_cli("export", str(out), "--out", str(dataset))
        assert proc.returncode == 0, proc.stderr
        yield {"base": server.url, "paths": server.log.paths(), "out": out, "dataset": dataset}
    finally:
        server.stop()


def entries(dataset: Path) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for name in ("manifest.jsonl.gz", "excluded.jsonl.gz", "not-fetched.jsonl.gz"):
        for e in read_jsonl(dataset / name):
            found[e["url"]] = e
    return found


def test_each_feed_is_requested_once(feed_crawl: dict[str, Any]) -> None:
    paths = feed_crawl["paths"]
    for feed in ("/feed.xml", "/bad-feed.xml", "/atom.xml"):
        assert paths.count(feed) == 1, paths  # named by several pages, one cache window


def test_feeds_are_archived(feed_crawl: dict[str, Any]) -> None:
    archived: set[str] = set()
    for path in sorted((feed_crawl["out"] / "warc").glob("*.warc.gz")):
        with path.open("rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type in ("response", "revisit"):
                    archived.add(rec.rec_headers.get_header("WARC-Target-URI"))
    for feed in ("/feed.xml", "/bad-feed.xml", "/atom.xml"):
        assert feed_crawl["base"] + feed in archived


def test_crawl_and_export_apply_the_feed_terms_to_its_items(feed_crawl: dict[str, Any]) -> None:
    base = feed_crawl["base"]
    found = entries(feed_crawl["dataset"])
    for path in EXPORTED:
        assert found[base + path]["status"] == "exported", found[base + path]["decision"]
    decisions = {r["url"]: r for r in read_decisions(feed_crawl["out"])}
    for path, reason in EXCLUDED.items():
        e = found[base + path]
        assert e["status"] == "excluded"
        assert reason in e["decision"]["reasons"]
        assert any(
            pf["kind"] == "rsl-feed" and pf["check"] == "archived" for pf in e["policy_files"]
        )
        assert reason in decisions[base + path]["reasons"]  # the crawl decided the same
    b = found[base + "/posts/b.html"]
    assert b["rsl"]["verdict"] == "permitted"


def test_explain_names_the_feed_term(feed_crawl: dict[str, Any]) -> None:
    proc = run_cli("explain", str(feed_crawl["dataset"]), feed_crawl["base"] + "/posts/c.html")
    assert proc.returncode == 0, proc.stderr
    assert "rsl-terms:payment:purchase" in proc.stdout
    assert "https://licensing.example/feed-buy" in proc.stdout
    assert "feed.xml" in proc.stdout
