"""RSL licences a page links (RSL 1.0 §4.5 ``Link`` header, §4.6 ``<link>``): fetched for the page.

A licence robots.txt declares is a pre-fetch policy file (:mod:`crawler.middlewares.prefetch`).
A page may name another one; its terms decide for that page, so the rights middleware fetches
it before deciding, through the downloader (archived in the WARC like every policy file, kind
``rsl-linked``), once per URL per cache window, and only when it is on the page's origin and
robots.txt lets every honoured token read it (otherwise it is not fetched and the page fails
closed, ``rsl-unavailable:linked-licence-not-fetched``). Its reference joins the page's
``prefetch.policy_files`` so the export finds the archived bytes and re-evaluates them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from scrapy import Request
from scrapy.http.request import NO_CALLBACK

from crawler.exchange import iso, utc_now
from crawler.middlewares.capture import META_KIND
from filters.prefetch import origin_base, origin_of_url
from filters.results import FetchPermission
from filters.rsl import NO_CONTEXT, RslContext, RslPolicy, linked_urls, rsl_from_fetch
from filters.rsl.evaluate import same_origin
from filters.rsl.policy import LINKED_KIND

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from filters.html import ParsedPage

logger = logging.getLogger(__name__)

_NOT_REDIRECTS = [s for s in range(100, 600) if s not in (301, 302, 303, 307, 308)]


class LinkedLicences:
    """Fetch, cache and parse the RSL licences pages link (see the module docstring)."""

    def __init__(
        self,
        crawler: Crawler,
        tokens: tuple[str, ...],
        *,
        context: RslContext = NO_CONTEXT,
        cache_seconds: float = 24 * 3600,
        max_entries: int = 10_000,
    ) -> None:
        self.crawler = crawler
        self.tokens = tokens
        self.context = context
        self.cache_seconds = cache_seconds
        self.max_entries = max_entries
        self._cache: dict[str, tuple[float, RslPolicy]] = {}
        self._pending: dict[str, asyncio.Future[RslPolicy]] = {}

    async def for_page(
        self, page: ParsedPage, prefetch: FetchPermission | None
    ) -> tuple[dict[str, RslPolicy], FetchPermission | None]:
        """Return the page's linked licences (URL → policy) and ``prefetch`` naming their files."""
        urls = linked_urls(page, prefetch.rsl if prefetch is not None else None)
        return await self.for_urls(urls, page.url, prefetch)

    async def for_urls(
        self, urls: Sequence[str], page_url: str, prefetch: FetchPermission | None
    ) -> tuple[dict[str, RslPolicy], FetchPermission | None]:
        """:meth:`for_page` for the licence URLs a page links (found by a detector process)."""
        linked: dict[str, RslPolicy] = {}
        for url in urls:
            if not same_origin(url, page_url) or not await self._robots_allow(url):
                continue
            linked[url] = await self._get(url)
        refs = tuple(p.ref for p in linked.values() if p.ref is not None)
        if refs and prefetch is not None:
            prefetch = replace(prefetch, policy_files=(*prefetch.policy_files, *refs))
        return linked, prefetch

    async def _robots_allow(self, url: str) -> bool:
        from crawler.middlewares.prefetch import PolicyFilesMiddleware

        for mw in self.crawler.engine.downloader.middleware.middlewares:
            if isinstance(mw, PolicyFilesMiddleware):
                policies = await mw.policies_for(origin_of_url(url))
                return bool(policies.robots.verdict(url, self.tokens).allowed)
        return False  # no pre-fetch gate: nothing may be fetched unchecked

    async def _get(self, url: str) -> RslPolicy:
        now = time.monotonic()
        hit = self._cache.get(url)
        if hit is not None and now - hit[0] < self.cache_seconds:
            return hit[1]
        pending = self._pending.get(url)
        if pending is not None:
            return await asyncio.shield(pending)
        fut: asyncio.Future[RslPolicy] = asyncio.get_running_loop().create_future()
        fut.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._pending[url] = fut
        try:
            policy = await self._fetch(url)
            self._cache.pop(url, None)
            self._cache[url] = (time.monotonic(), policy)
            while len(self._cache) > self.max_entries:
                del self._cache[next(iter(self._cache))]
            fut.set_result(policy)
            return policy
        except BaseException as exc:
            fut.set_exception(exc)
            raise
        finally:
            del self._pending[url]

    async def _fetch(self, url: str) -> RslPolicy:
        stats = self.crawler.stats
        req = Request(
            url,
            priority=1000,
            dont_filter=True,
            callback=NO_CALLBACK,
            meta={
                META_KIND: LINKED_KIND,
                "redirect_ttl": 5,
                "handle_httpstatus_list": _NOT_REDIRECTS,
                "download_slot": origin_base(url),
            },
        )
        fetched_at = iso(utc_now())
        stats.inc_value("clearcrawl/rsl-linked/request_count")
        try:
            resp = await self.crawler.engine.download_async(req)
        except Exception as exc:  # noqa: BLE001 - unreachable: the licence fails closed
            stats.inc_value(f"clearcrawl/rsl-linked/exception_count/{type(exc).__name__}")
            return rsl_from_fetch(
                url,
                0,
                b"",
                fetched_at,
                final_url=url,
                error=f"{type(exc).__name__}: {exc}",
                context=self.context,
                kind=LINKED_KIND,
            )
        stats.inc_value(f"clearcrawl/rsl-linked/response_status_count/{resp.status}")
        return rsl_from_fetch(
            url,
            resp.status,
            resp.body,
            fetched_at,
            final_url=resp.url,
            context=self.context,
            kind=LINKED_KIND,
        )
