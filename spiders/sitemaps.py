"""Sitemap discovery (``--sitemaps``): pages listed in an origin's sitemaps join the crawl.

For every origin in the crawl's scope, :class:`SitemapMixin` requests

* ``/sitemap.xml`` (the conventional location, sitemaps.org "Informing search engine crawlers"),
  when the origin's first seed is read, and
* every ``Sitemap:`` line of the origin's robots.txt (RFC 9309 §2.2.4 leaves other records to
  crawlers; sitemaps.org defines this one), when :class:`~crawler.middlewares.prefetch.
  PolicyFilesMiddleware` has parsed it (signal :data:`crawler.signals.robots_parsed`) — the
  robots.txt fetched for the rights decision, not a second copy.

A sitemap is fetched as a page is: through the domain lists, the pre-fetch gate (robots.txt must
allow it for every honoured token, a known reservation refuses it, both recorded as for any
URL), archived in the WARC with its decision (``excluded``: it is XML, not text for the
dataset). Its body is then read with Scrapy's own :class:`scrapy.utils.sitemap.Sitemap` (lxml,
no entity resolution, no network): a ``sitemapindex`` adds its ``<loc>`` sitemaps, a ``urlset``
adds its ``<loc>`` pages (links off the crawl's origins are recorded ``off-site`` as any link).
A gzip-compressed sitemap (``.xml.gz``, gzip magic, RFC 1952) is decompressed with
:func:`scrapy.utils.gz.gunzip` capped at ``DOWNLOAD_MAXSIZE`` as Scrapy's ``SitemapSpider``
does, so a gzip bomb stops at the cap (``clearcrawl/sitemaps/too_large``); a body cut at the
download cap is not parsed at all. At most ``CLEARCRAWL_SITEMAPS_MAX_PER_ORIGIN`` sitemap files
are requested per origin (sitemaps.org allows 50,000 per index; an index loop is also cut by the
seen-set). Pages found count against ``--max-pages`` and ``--max-pages-per-origin`` like links;
depth is one more than the sitemap's (robots.txt-listed and ``/sitemap.xml`` files are depth 0).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag, urljoin

import scrapy
from w3lib.url import safe_url_string

from crawler.digestset import DigestSet
from crawler.middlewares.capture import META_TOO_LARGE
from filters.prefetch import Origin, origin_of_url, origin_url

if TYPE_CHECKING:
    from filters.robots import RobotsPolicy

logger = logging.getLogger(__name__)

#: ``request.meta`` key marking a sitemap request (its callback reads it as a sitemap).
META_SITEMAP = "clearcrawl_sitemap"
_GZIP_MAGIC = b"\x1f\x8b"


def _absolute(base: str, loc: str) -> str | None:
    """Return the absolute, fragment-free, safely escaped http(s) URL a ``<loc>`` names, or None."""
    loc = loc.strip()
    if not loc:
        return None
    try:
        url = safe_url_string(urldefrag(urljoin(base, loc))[0])
    except ValueError:
        return None
    return url if url.startswith(("http://", "https://")) else None


class SitemapMixin:
    """Sitemap discovery for the site spider (see the module docstring)."""

    crawler: Any
    origins: set[Origin]
    allow_offsite: bool
    sitemaps: bool

    def _init_sitemaps(self, sitemaps: bool | str) -> None:
        self.sitemaps = str(sitemaps).lower() in {"1", "true", "yes"}
        self._sitemap_seen = DigestSet()
        self._sitemaps_per_origin: dict[Origin, int] = {}
        self._sitemap_max = 1000

    def _connect_sitemaps(self, crawler: Any) -> None:
        from crawler import signals as cc_signals

        self._sitemap_max = crawler.settings.getint("CLEARCRAWL_SITEMAPS_MAX_PER_ORIGIN", 1000)
        if self.sitemaps:
            if self._sitemap_max < 1:
                raise ValueError("CLEARCRAWL_SITEMAPS_MAX_PER_ORIGIN must be >= 1")
            crawler.signals.connect(self._robots_sitemaps, signal=cc_signals.robots_parsed)

    # -- requests --------------------------------------------------------------------------
    def _in_scope(self, url: str) -> bool:
        return self.allow_offsite or origin_of_url(url) in self.origins

    def _sitemap_request(self, url: str, *, depth: int = 0) -> scrapy.Request | None:
        """Return a request for the sitemap at ``url``, or None (seen, or the origin's cap is spent)."""
        key = hashlib.blake2b(url.encode("utf-8", "surrogatepass"), digest_size=8).digest()
        if key in self._sitemap_seen:
            return None
        origin = origin_of_url(url)
        taken = self._sitemaps_per_origin.get(origin, 0)
        if taken >= self._sitemap_max:
            self.crawler.stats.inc_value("clearcrawl/sitemaps/over_cap")
            return None
        self._sitemap_seen.add(key)
        self._sitemaps_per_origin[origin] = taken + 1
        self.crawler.stats.inc_value("clearcrawl/sitemaps/requested")
        meta: dict[str, Any] = {META_SITEMAP: True, "download_slot": origin_url(origin)}
        if depth:
            meta["depth"] = depth
        return scrapy.Request(
            url, callback=self.parse_sitemap, errback=getattr(self, "errback", None), meta=meta
        )

    def _origin_sitemap(self, seed: str) -> scrapy.Request | None:
        """``/sitemap.xml`` of a seed's origin, the first time the origin is met."""
        if not self.sitemaps:
            return None
        return self._sitemap_request(origin_url(origin_of_url(seed)) + "/sitemap.xml")

    def _robots_sitemaps(self, origin: str, robots: RobotsPolicy, **_: Any) -> None:
        """Schedule the ``Sitemap:`` URLs of an in-scope origin's robots.txt (signal handler)."""
        if robots.parsed is None or not self._in_scope(origin + "/"):
            return
        engine = self.crawler.engine
        for line in robots.parsed.sitemaps:
            try:
                url = urljoin(origin + "/", line.value.strip())
            except ValueError:
                continue
            if not url.startswith(("http://", "https://")):
                continue
            self.crawler.stats.inc_value("clearcrawl/sitemaps/from_robots")
            req = self._sitemap_request(url)
            if req is not None and engine is not None:
                engine.crawl(req)

    # -- parsing ---------------------------------------------------------------------------
    def sitemap_body(self, response: Any) -> bytes | None:
        """Return the sitemap XML of ``response``, decompressed and capped; None when unusable."""
        stats = self.crawler.stats
        if response.status != 200:
            stats.inc_value("clearcrawl/sitemaps/not_ok")
            return None
        if response.meta.get(META_TOO_LARGE) is not None:
            stats.inc_value("clearcrawl/sitemaps/truncated")
            return None  # cut at DOWNLOAD_MAXSIZE: the rest of the list is unknown
        body: bytes = response.body
        if body[:2] == _GZIP_MAGIC:
            from scrapy.utils._compression import _DecompressionMaxSizeExceeded
            from scrapy.utils.gz import gunzip

            cap = int(response.meta.get("download_maxsize") or 0) or self.crawler.settings.getint(
                "DOWNLOAD_MAXSIZE"
            )
            try:
                body = gunzip(body, max_size=cap)
            except _DecompressionMaxSizeExceeded:
                stats.inc_value("clearcrawl/sitemaps/too_large")
                logger.warning(
                    "%s: sitemap exceeds DOWNLOAD_MAXSIZE (%d bytes) once decompressed; not read",
                    response.url,
                    cap,
                )
                return None
            except (OSError, EOFError, ValueError):
                stats.inc_value("clearcrawl/sitemaps/unreadable")
                return None
        return body

    def parse_sitemap(self, response: Any) -> Iterator[scrapy.Request]:
        """Yield requests for the sitemaps (index) or pages (urlset) a sitemap lists."""
        from scrapy.utils.sitemap import Sitemap

        stats = self.crawler.stats
        body = self.sitemap_body(response)
        if body is None:
            return
        try:
            sitemap = Sitemap(body)
            kind = sitemap.type
            entries = [str(e.get("loc") or "") for e in sitemap]
        except Exception as exc:  # noqa: BLE001 - any parse failure: the file lists nothing
            stats.inc_value("clearcrawl/sitemaps/unreadable")
            logger.info("%s is not a readable sitemap (%s)", response.url, type(exc).__name__)
            return
        depth = int(response.meta.get("depth", 0))
        stats.inc_value(f"clearcrawl/sitemaps/parsed/{kind or 'unknown'}")
        for loc in entries:
            yield from self._sitemap_entry(kind, loc, response.url, depth)

    def _sitemap_entry(
        self, kind: str, loc: str, found_on: str, depth: int
    ) -> Iterator[scrapy.Request]:
        url = _absolute(found_on, loc)
        if url is None:
            return
        if not self._in_scope(url):
            record_offsite = getattr(self, "_record_offsite", None)
            if record_offsite is not None:
                record_offsite(url, found_on)
            return
        if kind == "sitemapindex":
            req = self._sitemap_request(url, depth=depth + 1)
        elif kind == "urlset":
            self.crawler.stats.inc_value("clearcrawl/sitemaps/pages_listed")
            req = self._request(url, depth=depth + 1)  # type: ignore[attr-defined]
        else:
            return
        if req is not None:
            yield req
