"""RSL licences a page links (RSL 1.0 §4.5 ``Link`` header, §4.6 ``<link>``): fetched for the page.

A licence robots.txt declares is a pre-fetch policy file (:mod:`crawler.middlewares.prefetch`).
A page may name another one; its terms decide for that page, so the rights middleware fetches
it before deciding, through the downloader (archived in the WARC like every policy file, kind
``rsl-linked``), once per URL per cache window for the whole crawl, and only when the
robots.txt of the licence's own origin (the page's, or another: RSL 1.0 §4.4 lets a licence live
on a different host) lets every honoured token read it (otherwise it is not fetched and the
page fails closed, ``rsl-unavailable:linked-licence-not-fetched``). Its reference joins the page's
``prefetch.policy_files`` so the export finds the archived bytes and re-evaluates them.

Feeds the page names (``<link rel="alternate" type="application/rss+xml|atom+xml">``, RSL 1.0
§4.7 licence feeds, :mod:`filters.rsl.feed`) are fetched the same way (kind ``rsl-feed``, on any
origin whose robots.txt allows it), but one robots.txt forbids is simply not read: ``rel="alternate"`` claims
no licence (counted in ``clearcrawl/rsl-feed/not_read``).

The same goes for the TDMRep TDM policy a page's ``tdm-policy`` header or meta tag names when
its effective reservation is 1 (:func:`filters.optout.tdmpolicy.page_policy_request`): fetched
once per URL per cache window (kind ``tdm-policy``, archived), only on the page's origin and
when robots.txt allows it; it supersedes the tdmrep.json rule's policy in
``prefetch.tdm_policies`` (TDMRep processing priority). It never changes the decision by
itself: only a grant relying on it reads its terms.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.http.request import NO_CALLBACK

from crawler.cache import SingleFlight, TtlCache
from crawler.exchange import iso, utc_now
from crawler.middlewares.capture import META_KIND
from crawler.offload import PageNeeds, page_needs
from filters.optout.tdmpolicy import KIND as TDM_POLICY_KIND
from filters.optout.tdmpolicy import TdmPolicy, TdmPolicySet, tdm_policy_from_fetch
from filters.prefetch import TDM_POLICY, OriginPolicies, origin_base, origin_of_url
from filters.results import FetchPermission
from filters.rsl import NO_CONTEXT, RslContext, rsl_from_fetch
from filters.rsl.evaluate import same_origin
from filters.rsl.feed import KIND as FEED_KIND
from filters.rsl.feed import rsl_from_feed_fetch
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
        self._cache: TtlCache[tuple[str, str], Any] = TtlCache(
            cache_seconds, max_entries=max_entries
        )
        self._loading: SingleFlight[tuple[str, str], Any] = SingleFlight()

    async def for_page(
        self, page: ParsedPage, prefetch: FetchPermission | None
    ) -> tuple[dict[str, Any], FetchPermission | None]:
        """Return the page's linked licences (URL → policy) and ``prefetch`` naming their files."""
        return await self.for_urls(page_needs(page, prefetch), page.url, prefetch)

    async def for_urls(
        self, needs: PageNeeds, page_url: str, prefetch: FetchPermission | None
    ) -> tuple[dict[str, Any], FetchPermission | None]:
        """:meth:`for_page` for the URLs a page names (found by a detector process, or in-line).

        ``needs`` are the licences the page links, the feeds it names and the TDM policies its
        header or meta names (:func:`page_needs`, run where the page is parsed).
        """
        linked: dict[str, Any] = {}  # URL -> RslPolicy, or FeedRsl for a feed
        for url in needs.licences:
            if not await self._robots_allow(url):  # any origin (RSL 1.0 §4.4), its robots.txt
                continue
            linked[url] = await self._get(url, LINKED_KIND)
        for url in needs.feeds:
            if not await self._robots_allow(url):
                self.crawler.stats.inc_value("clearcrawl/rsl-feed/not_read")
                continue
            linked[url] = await self._get(url, FEED_KIND)
        refs = tuple(p.ref for p in linked.values() if p.ref is not None)
        if refs and prefetch is not None:
            prefetch = replace(prefetch, policy_files=(*prefetch.policy_files, *refs))
        if prefetch is not None and needs.tdm_policies:
            prefetch = await self._tdm_policies(needs.tdm_policies, page_url, prefetch)
        return linked, prefetch

    async def _tdm_policies(
        self, urls: Sequence[str], page_url: str, prefetch: FetchPermission
    ) -> FetchPermission:
        """Fetch the TDM policy the page names (module docstring); it supersedes the file's."""
        found: list[TdmPolicy] = []
        for url in urls:
            if not same_origin(url, page_url):
                found.append(
                    TdmPolicy.not_fetched(
                        url, "it is on another origin than the page (RFC 9309 §2.3)"
                    )
                )
            elif not await self._robots_allow(url):
                found.append(TdmPolicy.not_fetched(url, "robots.txt forbids fetching it"))
            else:  # one the origin's tdmrep.json names too was fetched with it: not again
                found.append(
                    await self._origin_tdm_policy(url) or await self._get(url, TDM_POLICY_KIND)
                )
        refs = tuple(
            p.ref for p in found if p.ref is not None and p.ref not in prefetch.policy_files
        )
        return replace(
            prefetch,
            policy_files=(*prefetch.policy_files, *refs),
            tdm_policies=tuple(found),
        )

    async def _origin_policies(self, url: str) -> OriginPolicies | None:
        from crawler.middlewares.prefetch import PolicyFilesMiddleware

        for mw in self.crawler.engine.downloader.middleware.middlewares:
            if isinstance(mw, PolicyFilesMiddleware):
                return await mw.policies_for(origin_of_url(url))
        return None

    async def _robots_allow(self, url: str) -> bool:
        """Whether the robots.txt of ``url``'s own origin lets every honoured token fetch it.

        The page's origin or another (a licence or feed hosted by a collective or a CDN, RSL
        1.0 §4.4–§4.7): RFC 9309 §2.3 binds a crawler by each host's file, read once per
        cache window by :meth:`PolicyFilesMiddleware.robots_for` (never waiting on a plan).
        """
        from crawler.middlewares.prefetch import PolicyFilesMiddleware

        for mw in self.crawler.engine.downloader.middleware.middlewares:
            if isinstance(mw, PolicyFilesMiddleware):
                robots = await mw.robots_for(origin_of_url(url))
                return bool(robots.verdict(url, self.tokens).allowed)
        return False  # no pre-fetch gate: nothing may be fetched unchecked

    async def _origin_tdm_policy(self, url: str) -> TdmPolicy | None:
        policies = await self._origin_policies(url)
        found = policies.of(TDM_POLICY) if policies is not None else None
        return found.get(url) if isinstance(found, TdmPolicySet) else None

    async def _get(self, url: str, kind: str) -> Any:
        key = (kind, url)
        hit = self._cache.get(key)
        if hit is not None:
            return hit

        async def load() -> Any:
            policy = await self._fetch(url, kind)
            self._cache.put(key, policy)
            return policy

        return await self._loading.run(key, load)

    def _parse(self, kind: str, url: str, status: int, body: bytes, at: str, **kw: Any) -> Any:
        if kind == TDM_POLICY_KIND:
            return tdm_policy_from_fetch(url, status, body, at, **kw)
        if kind == FEED_KIND:
            return rsl_from_feed_fetch(url, status, body, at, context=self.context, **kw)
        return rsl_from_fetch(url, status, body, at, context=self.context, kind=LINKED_KIND, **kw)

    async def _fetch(self, url: str, kind: str) -> Any:
        stats = self.crawler.stats
        req = Request(
            url,
            priority=1000,
            dont_filter=True,
            callback=NO_CALLBACK,
            meta={
                META_KIND: kind,
                "redirect_ttl": 5,
                "handle_httpstatus_list": _NOT_REDIRECTS,
                "download_slot": origin_base(url),
            },
        )
        fetched_at = iso(utc_now())
        stat = f"clearcrawl/{kind}"
        stats.inc_value(f"{stat}/request_count")
        try:
            resp = await self.crawler.engine.download_async(req)
        except Exception as exc:  # noqa: BLE001 - unreachable: the licence fails closed
            stats.inc_value(f"{stat}/exception_count/{type(exc).__name__}")
            return self._parse(
                kind, url, 0, b"", fetched_at, final_url=url, error=f"{type(exc).__name__}: {exc}"
            )
        stats.inc_value(f"{stat}/response_status_count/{resp.status}")
        return self._parse(kind, url, resp.status, resp.body, fetched_at, final_url=resp.url)
