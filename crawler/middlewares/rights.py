"""Post-fetch rights decision on every final response.

At priority 585 this middleware sees the body after ``HttpCompressionMiddleware`` (590) has
decoded it and before ``RetryMiddleware`` (550) consumes error responses. It hands the response
(raw bytes, headers, status, and what was known before fetching) to
:func:`crawler.offload.decide_page`, which runs every page-level detector once
(:func:`filters.assess.assess_parsed`), applies the policy and any licensed-source agreement,
builds the decision record and extracts the page's links from the same parse. By default that
runs in ``CLEARCRAWL_OFFLOAD_WORKERS`` detector processes (:class:`crawler.offload.OffloadPool`),
off the reactor thread the whole crawl shares; ``0`` runs it in-line, with the same result. The
middleware then counts the record and sends ``rights_decided`` with the captured exchange
(through :class:`crawler.recorder.DecisionRecorder`): the WARC writer stores it (without the
body when an opt-out fired), the decision log writes its line. The links go to the spider in
``request.meta`` (:data:`crawler.offload.META_LINKS`), so it never parses the page again.

A page that links RSL licences (RSL 1.0 §4.5/§4.6) comes back asking for them: they are fetched
through the downloader (:class:`crawler.middlewares.rsllinks.LinkedLicences`, archived) and the
page is decided again with them.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from scrapy import signals

from crawler import signals as cc_signals
from crawler.exchange import Exchange, utc_now
from crawler.middlewares.capture import (
    META_EXCHANGE,
    META_KIND,
    request_headers,
    response_headers,
)
from crawler.middlewares.prefetch import META_PREFETCH
from crawler.middlewares.rsllinks import LinkedLicences
from crawler.offload import (
    META_LINKS,
    DecideContext,
    OffloadPool,
    PageJob,
    PageVerdict,
    decide_page,
    grant_record,
)
from crawler.recorder import DecisionRecorder
from crawler.rightsconfig import load_grants, load_policy, load_rsl_context, load_tokens

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

__all__ = [
    "META_DECISION",
    "META_LINKS",
    "META_PAGE",
    "ResponseRightsMiddleware",
    "fallback_exchange",
    "grant_record",
]

logger = logging.getLogger(__name__)

#: kept for callers of earlier versions; the spider now reads :data:`META_LINKS`
META_PAGE = "clearcrawl_page"
META_DECISION = "clearcrawl_decision"


def fallback_exchange(request: Request, response: Response) -> Exchange:
    """Rebuild the exchange when the capture middleware was bypassed (e.g. a cached response)."""
    return Exchange(
        url=request.url,
        method=request.method,
        request_headers=request_headers(request),
        request_body=request.body or b"",
        status=response.status,
        response_headers=response_headers(response),
        body=response.body,
        started_at=utc_now(),
        kind=request.meta.get(META_KIND, "page"),
    )


class ResponseRightsMiddleware:
    """Downloader middleware (585): assess each final response and announce the decision."""

    def __init__(self, crawler: Crawler, *, workers: int = 0, timeout_s: float = 60.0) -> None:
        self.crawler = crawler
        self.policy = load_policy(crawler.settings)
        self.tokens = load_tokens(crawler.settings)
        self.rsl_context = load_rsl_context(crawler.settings)
        self.linked = LinkedLicences(
            crawler,
            self.tokens,
            context=self.rsl_context,
            cache_seconds=crawler.settings.getfloat("CLEARCRAWL_ROBOTS_CACHE_SECONDS"),
        )
        self.recorder = DecisionRecorder(crawler, self.policy)
        self.grants = load_grants(crawler.settings)
        self.ctx = DecideContext(
            policy=self.policy, tokens=self.tokens, rsl_context=self.rsl_context, grants=self.grants
        )
        after = crawler.settings.getint("CLEARCRAWL_OFFLOAD_AFTER_PAGES", 100)
        if after < 0:
            raise ValueError("CLEARCRAWL_OFFLOAD_AFTER_PAGES must be >= 0 (0 = from the start)")
        self.pool = (
            OffloadPool(self.ctx, workers, timeout_s, after_pages=after) if workers > 0 else None
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ResponseRightsMiddleware:
        s = crawler.settings
        workers = s.getint("CLEARCRAWL_OFFLOAD_WORKERS", 2)
        if workers < 0:
            raise ValueError("CLEARCRAWL_OFFLOAD_WORKERS must be >= 0 (0 = decide in-line)")
        timeout_s = s.getfloat("CLEARCRAWL_OFFLOAD_TIMEOUT", 60.0)
        if timeout_s <= 0:
            raise ValueError("CLEARCRAWL_OFFLOAD_TIMEOUT must be > 0 (seconds)")
        mw = cls(crawler, workers=workers, timeout_s=timeout_s)
        if mw.pool is not None:
            crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
            crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
            crawler.signals.connect(mw.detector_hosted, signal=cc_signals.detector_hosted)
        return mw

    def detector_hosted(self, proc: Any, to_child: Any, from_child: Any) -> bool:
        """Take the WARC writer's detector thread as the pool's first worker."""
        return self.pool is not None and self.pool.host(proc, to_child, from_child)

    def spider_opened(self, spider: Any) -> None:
        if self.pool is not None and self.pool.after_pages == 0:
            self.pool.start()  # the workers import the detectors while the crawl starts

    async def spider_closed(self, spider: Any, reason: str) -> None:
        if self.pool is not None:
            stats = self.crawler.stats
            stats.set_value("clearcrawl/offload/failed", self.pool.failures)
            cpu_s, rss_mb = await self.pool.aclose()
            stats.set_value("clearcrawl/offload/workers", self.pool.size)
            # how many ran: a detector thread in the WARC writer, detector processes started
            stats.set_value("clearcrawl/offload/hosted", self.pool.hosted)
            stats.set_value("clearcrawl/offload/processes_started", self.pool.started)
            stats.set_value("clearcrawl/offload/decided", self.pool.decided)
            stats.set_value("clearcrawl/offload/decided_inline", self.pool.inline)
            stats.set_value("clearcrawl/offload/process_cpu_s", round(cpu_s, 3))
            stats.set_value("clearcrawl/offload/process_peak_rss_mb", round(rss_mb, 1))

    async def _decide(self, job: PageJob) -> PageVerdict:
        if self.pool is not None:
            verdict = await self.pool.decide(job)
            if verdict is not None:
                return verdict
        # In-line: offloading is off, or no detector process is ready yet (crawl start).
        return decide_page(job, self.ctx)

    async def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Response:
        exchange = request.meta.pop(META_EXCHANGE, None) or fallback_exchange(request, response)
        if exchange.kind != "page":
            self.recorder.policy_file(exchange)
            return response
        job = PageJob(
            exchange=exchange,
            url=response.url,
            status=response.status,
            headers=response_headers(response),
            body=response.body,
            prefetch=request.meta.get(META_PREFETCH),
        )
        verdict = await self._decide(job)
        if verdict.needs:
            # RSL licences and feeds the page links (RSL 1.0 §4.5-§4.7) and the TDM policy it
            # names, fetched and archived before deciding
            linked, prefetch = await self.linked.for_urls(verdict.needs, response.url, job.prefetch)
            verdict = await self._decide(replace(job, prefetch=prefetch, linked=linked))
        if verdict.built is None:  # pragma: no cover - a second round never asks again
            raise RuntimeError(f"{response.url}: no decision after fetching its RSL licences")
        request.meta[META_LINKS] = verdict.links
        request.meta[META_DECISION] = self.recorder.page_built(verdict.built, exchange)
        return response
