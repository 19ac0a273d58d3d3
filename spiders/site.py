"""The site spider: follow links within the seeds' origins, let the rights layer decide.

The spider holds no rights logic. ``PolicyFilesMiddleware`` refuses what may not be fetched,
``ResponseRightsMiddleware`` decides on what was fetched and archives it; the spider only finds
links, reusing the tree the rights middleware already parsed, and honours ``nofollow`` (robots
meta tag or ``X-Robots-Tag`` addressed to us) by not extracting links from such pages.

Arguments (``-a`` with ``scrapy crawl``, or keyword arguments): ``seeds`` (comma-separated or
a list), ``max_pages`` (distinct page URLs requested, earlier runs of a resumed crawl included;
0 = no limit; links found once it is spent are journaled, so a resume with a higher budget
continues from them), ``allow_offsite`` (follow links to other origins too). Depth is Scrapy's ``DEPTH_LIMIT``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin

import scrapy
from scrapy.exceptions import IgnoreRequest
from twisted.python.failure import Failure
from w3lib.url import safe_url_string

from crawler import signals as cc_signals
from crawler.decisions import not_fetched_record
from crawler.middlewares.policy import META_PREFETCH, origin_of_url
from crawler.middlewares.rights import META_PAGE
from crawler.policyconf import load_policy, load_tokens
from crawler.recovery import journal_entries, link_over_budget
from filters._html import ParsedPage
from filters.optout import nofollow


def normalize_link(base: str, href: str) -> str | None:
    """Absolute, fragment-free, safely-escaped http(s) URL for ``href``, or None."""
    href = (href or "").strip()
    if not href or href.startswith(("javascript:", "mailto:", "tel:", "data:", "#")):
        return None
    try:
        url = urldefrag(urljoin(base, href))[0]
        url = safe_url_string(url)
    except ValueError:
        return None
    if not url.startswith(("http://", "https://")):
        return None
    return url


class SiteSpider(scrapy.Spider):
    """Crawl from seed URLs, staying on their origins unless told otherwise."""

    name = "site"

    def __init__(
        self,
        seeds: str | list[str] | None = None,
        max_pages: int | str = 0,
        allow_offsite: bool | str = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(seeds, str):
            seeds = [s for s in seeds.split(",") if s.strip()]
        self.seeds = [s.strip() for s in (seeds or [])]
        if not self.seeds:
            raise ValueError("the site spider needs at least one seed URL (-a seeds=URL[,URL...])")
        self.max_pages = int(max_pages or 0)
        self.allow_offsite = str(allow_offsite).lower() in {"1", "true", "yes"}
        self.origins = {origin_of_url(s) for s in self.seeds}
        # 8-byte digests, not URLs: the set lives as long as the crawl, so it must stay small.
        self._requested: set[bytes] = set()
        self._from_journal = 0  # URLs earlier runs of a resumed crawl requested
        self._over_budget: set[bytes] = set()  # links journaled as over budget
        self._offered: list[tuple[str, int]] = []  # earlier runs' over-budget links, offered again

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> SiteSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.tokens = load_tokens(crawler.settings)
        spider.policy = load_policy(crawler.settings)
        out = crawler.settings.get("CLEARCRAWL_OUTPUT_DIR")
        if out:
            spider._count_earlier_runs(Path(out))
        return spider

    @staticmethod
    def _key(url: str) -> bytes:
        return hashlib.blake2b(url.encode("utf-8", "surrogatepass"), digest_size=8).digest()

    def _count_earlier_runs(self, out: Path) -> None:
        """On ``--resume``, URLs requested by earlier runs count against ``max_pages``.

        They are read from the frontier journal (every request the scheduler accepted, redirect
        targets included, so a resumed budget errs on the side of fewer pages). Links an earlier
        run left for lack of budget are offered again by :meth:`start`, within this run's budget.
        """
        over: dict[bytes, tuple[str, int]] = {}
        for url, depth, over_budget in journal_entries(out):
            key = self._key(url)
            if over_budget:
                if key not in self._requested:
                    over.setdefault(key, (url, depth))
            elif self.max_pages:
                self._requested.add(key)  # without a budget only the dupefilter needs the set
                over.pop(key, None)
            else:
                over.pop(key, None)
        self._from_journal = len(self._requested)
        self._offered = list(over.values())
        self._over_budget = set(over)

    async def start(self) -> Any:
        if self._from_journal:
            self.crawler.stats.set_value(
                "clearcrawl/spider/max_pages_counted_from_journal", self._from_journal
            )
        for url in self.seeds:
            req = self._request(url, depth=0)
            if req is not None:
                yield req
        depth_limit = self.crawler.settings.getint("DEPTH_LIMIT")
        offered, self._offered = self._offered, []
        for url, depth in offered:
            if self.max_pages and len(self._requested) >= self.max_pages:
                break
            if depth_limit and depth > depth_limit:
                continue
            req = self._request(url, depth=depth)
            if req is not None:
                self.crawler.stats.inc_value("clearcrawl/spider/over_budget_resumed")
                yield req

    def _request(self, url: str, depth: int | None = None) -> scrapy.Request | None:
        key = self._key(url)
        if key in self._requested:
            return None
        if self.max_pages and len(self._requested) >= self.max_pages:
            self.crawler.stats.inc_value("clearcrawl/spider/max_pages_reached")
            if key not in self._over_budget:
                self._over_budget.add(key)
                self.crawler.signals.send_catch_log(
                    signal=link_over_budget, url=url, depth=depth or 0
                )
            return None
        self._requested.add(key)
        meta = {"depth": depth} if depth else None
        return scrapy.Request(url, callback=self.parse, errback=self.errback, meta=meta)

    def parse(self, response: Any) -> Iterator[scrapy.Request]:
        page = response.meta.get(META_PAGE)
        if not isinstance(page, ParsedPage) or page.tree is None:
            return
        stop = nofollow(page, tokens=self.tokens)
        if stop is not None:
            self.crawler.stats.inc_value("clearcrawl/links/nofollow_pages")
            return
        base = response.url
        for href in page.xpath("//base/@href")[:1]:
            base = urljoin(response.url, str(href))
        for href in page.xpath("//a/@href | //area/@href"):
            url = normalize_link(base, str(href))
            if url is None:
                continue
            if not self.allow_offsite and origin_of_url(url) not in self.origins:
                continue
            req = self._request(url, depth=response.meta.get("depth", 0) + 1)
            if req is not None:
                yield req

    def errback(self, failure: Failure) -> None:
        if failure.check(IgnoreRequest):
            return  # refused by the rights layer (already recorded) or by Scrapy's offsite filter
        request = failure.request
        reason = f"fetch-error:{failure.type.__name__}"
        self.crawler.stats.inc_value("clearcrawl/decision/not-fetched")
        self.crawler.stats.inc_value("clearcrawl/excluded/fetch-error")
        self.crawler.signals.send_catch_log(
            signal=cc_signals.rights_decided,
            record=not_fetched_record(
                request.url, [reason], request.meta.get(META_PREFETCH), self.policy
            ),
            exchange=None,
        )
