"""``crawl --sitemaps``: pages discovered from robots.txt ``Sitemap:`` lines and /sitemap.xml.

Issue 13: sitemap indexes and gzipped sitemaps are followed, sitemap files are policy-checked
(robots.txt must allow them; a disallowed one is never requested) and archived in the WARC like
any fetch, and a gzip bomb stops at ``DOWNLOAD_MAXSIZE``. The site's pages are linked from
nowhere, so only the sitemaps can lead the crawler to them; the server's access log shows what
was requested.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.demo.server import SiteServer
from tests.support.helpers import crawl, read_decisions

MAXSIZE = 200_000
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def urlset(*locs: str, pad: int = 0) -> str:
    entries = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
    padding = f"<!-- {'x' * pad} -->" if pad else ""
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {NS}>{padding}{entries}</urlset>\n'


def index(*locs: str) -> str:
    entries = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex {NS}>{entries}</sitemapindex>\n'


def write_site(root: Path) -> None:
    """The site; robots.txt and the sitemaps are written once the port is known."""
    (root / "maps").mkdir(parents=True)
    (root / "private").mkdir()
    for name in ("a1", "a2", "b1", "c1", "secret", "bomb-page"):
        (root / f"{name}.html").write_text(
            f"<html><head><title>{name}</title></head><body><p>{name}</p></body></html>"
        )
    (root / "index.html").write_text("<html><body><h1>Home, no links</h1></body></html>")
    bomb = gzip.compress(urlset("/bomb-page.html", pad=10 * MAXSIZE).encode(), mtime=0)
    assert len(bomb) < MAXSIZE // 10
    (root / "_routes.json").write_text(
        json.dumps(
            {
                "/maps/a.xml.gz": {
                    "file": "maps/a.gz",
                    "headers": [["Content-Type", "application/gzip"]],
                },
                "/maps/bomb.xml.gz": {
                    "body_hex": bomb.hex(),
                    "headers": [["Content-Type", "application/x-gzip"]],
                },
            }
        )
    )


def publish_sitemaps(root: Path, base: str) -> None:
    (root / "robots.txt").write_text(
        "User-agent: *\nDisallow: /private/\n\n"
        f"Sitemap: {base}/sitemap-index.xml\nSitemap: {base}/private/sitemap.xml\n"
    )
    (root / "sitemap-index.xml").write_text(
        index(f"{base}/maps/a.xml.gz", f"{base}/maps/b.xml", f"{base}/maps/bomb.xml.gz")
    )
    (root / "maps" / "a.gz").write_bytes(
        gzip.compress(urlset(f"{base}/a1.html", f"{base}/a2.html").encode())
    )
    (root / "maps" / "b.xml").write_text(urlset(f"{base}/b1.html", "http://offsite.invalid/x.html"))
    (root / "sitemap.xml").write_text(urlset(f"{base}/c1.html", f"{base}/a1.html"))
    (root / "private" / "sitemap.xml").write_text(urlset(f"{base}/secret.html"))


@pytest.fixture(scope="module")
def sitemap_crawl(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("sitemaps")
    root = base / "site"
    write_site(root)
    with SiteServer(root) as server:
        publish_sitemaps(root, server.url)
        out = base / "crawl"
        crawl(out, server.url + "/", extra=("--sitemaps", "-s", f"DOWNLOAD_MAXSIZE={MAXSIZE}"))
        log = Counter(server.log.paths())
        return {"url": server.url, "out": out, "log": log}


def test_pages_listed_in_sitemaps_are_crawled_once(sitemap_crawl: dict[str, Any]) -> None:
    log = sitemap_crawl["log"]
    for path in ("/a1.html", "/a2.html", "/b1.html", "/c1.html"):
        assert log[path] == 1, path
    for path in ("/sitemap-index.xml", "/maps/a.xml.gz", "/maps/b.xml", "/sitemap.xml"):
        assert log[path] == 1, path
    assert log["/robots.txt"] == 1  # the rights fetch's copy is the one read for Sitemap: lines


def test_disallowed_sitemap_is_never_requested(sitemap_crawl: dict[str, Any]) -> None:
    log = sitemap_crawl["log"]
    assert log["/private/sitemap.xml"] == 0
    assert log["/secret.html"] == 0
    url = sitemap_crawl["url"] + "/private/sitemap.xml"
    [rec] = [r for r in read_decisions(sitemap_crawl["out"]) if r["url"] == url]
    assert rec["outcome"] == "not-fetched"
    assert rec["reasons"] == ["robots-disallowed"]


def test_gzip_bomb_sitemap_stops_at_the_cap(sitemap_crawl: dict[str, Any]) -> None:
    assert sitemap_crawl["log"]["/maps/bomb.xml.gz"] == 1
    assert sitemap_crawl["log"]["/bomb-page.html"] == 0
    stats = json.loads((sitemap_crawl["out"] / "crawl-stats.json").read_text())
    assert stats["clearcrawl/sitemaps/too_large"] == 1
    assert stats["clearcrawl/sitemaps/parsed/sitemapindex"] == 1
    assert stats["clearcrawl/sitemaps/parsed/urlset"] == 3  # a.xml.gz, b.xml, /sitemap.xml


def test_sitemaps_are_archived_and_decided(sitemap_crawl: dict[str, Any]) -> None:
    base = sitemap_crawl["url"]
    out = sitemap_crawl["out"]
    archived = set()
    for path in sorted((out / "warc").glob("*.warc.gz")):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    archived.add(record.rec_headers.get_header("WARC-Target-URI"))
    sitemaps = {
        f"{base}/sitemap-index.xml",
        f"{base}/maps/a.xml.gz",
        f"{base}/maps/b.xml",
        f"{base}/maps/bomb.xml.gz",
        f"{base}/sitemap.xml",
    }
    assert sitemaps <= archived
    decided = {r["url"]: r for r in read_decisions(out)}
    for url in sitemaps:
        assert decided[url]["outcome"] == "excluded"  # XML, not text for the dataset
        assert decided[url]["warc"]["response_record_id"]
    assert decided["http://offsite.invalid/x.html"]["reasons"] == ["off-site"]


def test_without_sitemaps_no_sitemap_is_read(tmp_path: Path) -> None:
    root = tmp_path / "site"
    write_site(root)
    with SiteServer(root) as server:
        publish_sitemaps(root, server.url)
        crawl(tmp_path / "crawl", server.url + "/")
        log = Counter(server.log.paths())
    assert log["/"] == 1
    assert set(log) == {"/", "/robots.txt", "/.well-known/tdmrep.json", "/ai.txt"}
