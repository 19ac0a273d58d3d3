"""The site spider as a fleet worker: seeds and scope come from the shared frontier.

Why not scrapy-redis's ``RedisSpider``/``RedisMixin``: its ``start_requests()`` reads start URLs
from a Redis list, and Scrapy 2.13 replaced ``start_requests()`` by the asynchronous
``start()`` (2.16 removed the old one; scrapy-redis's async-start pull request #316 is still
open). Its start-URL pop (``LRANGE`` + ``LTRIM``) is also destructive: a worker killed between
the pop and the enqueue loses those seeds. Here ``clearcrawl seed`` (and ``clearcrawl crawl
--frontier``) push seeds straight into the leased queue as requests, deduplicated fleet-wide in
the same script, so :meth:`FleetSiteSpider.start` has nothing to yield: the scheduler hands out
work. The spider's link-following, rights handling and records are the site spider's.

Scope: the crawl's origins (the seeds', plus those a seed redirects into) are a Redis set
(:class:`FleetOrigins`), so every worker follows the same links. ``max_pages`` and
``max_pages_per_origin`` are the fleet's (the frontier's budget and per-origin cap, counted in
Redis), not the spider's.

:class:`FleetFrontierMiddleware` (spider middleware, 2) pushes a page's outlinks into the
frontier *as the callback yields them*, before :class:`crawler.recovery.FrontierJournalMiddleware`
(1) reports the page's links journaled: the page's capture is written (and its lease
acknowledged) only once its links are in Redis, so a killed worker never loses the part of the
site below a page it archived.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from scrapy import Request

from crawler.distributed.fleet import FleetWorker, fleet_of
from crawler.distributed.frontier import FrontierUnavailable
from filters.prefetch import Origin, origin_of_url, origin_url
from filters.reasons import Reason
from spiders.site import SiteSpider

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

#: Seconds an origin found out of scope stays so before Redis is asked again (a seed added
#: by ``clearcrawl seed`` brings its origin into scope within this time).
NEGATIVE_TTL_S = 10.0


class FleetOrigins:
    """The crawl's origins, shared in Redis, with a local cache (set-like: ``in``, ``add``)."""

    def __init__(self, fleet: FleetWorker, initial: Iterable[Origin] = ()) -> None:
        self.fleet = fleet
        self._in: set[Origin] = set(initial)
        self._out: dict[Origin, float] = {}
        if self._in:
            self._remote_add(self._in)

    def _remote_add(self, origins: Iterable[Origin]) -> None:
        try:
            self.fleet.frontier.add_origins(origin_url(o) for o in origins)
        except FrontierUnavailable as exc:
            self.fleet.fail(exc)

    def __contains__(self, origin: object) -> bool:
        if origin in self._in:
            return True
        if not isinstance(origin, tuple) or self.fleet.failed is not None:
            return False
        now = time.monotonic()
        if self._out.get(origin, 0.0) > now:
            return False
        try:
            found = self.fleet.frontier.has_origin(origin_url(origin))
        except FrontierUnavailable as exc:
            self.fleet.fail(exc)
            return False
        if found:
            self._in.add(origin)
            self._out.pop(origin, None)
        else:
            if len(self._out) > 100_000:
                self._out.clear()
            self._out[origin] = now + NEGATIVE_TTL_S
        return found

    def learn(self, origin: Origin) -> None:
        """Note locally an origin known to be in scope (a request of it came from the queue)."""
        self._in.add(origin)
        self._out.pop(origin, None)

    def add(self, origin: Origin) -> None:
        self._in.add(origin)
        self._out.pop(origin, None)
        self._remote_add([origin])

    def __iter__(self) -> Iterator[Origin]:
        return iter(self._in)

    def __len__(self) -> int:
        return len(self._in)


class FleetSiteSpider(SiteSpider):
    """:class:`spiders.site.SiteSpider` fed by the shared frontier (module docstring)."""

    name = "site"
    requires_seeds = False

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> FleetSiteSpider:
        kwargs["max_pages"] = 0  # the fleet's budget is the frontier's
        kwargs["max_pages_per_origin"] = 0  # so is the per-origin cap (record_origin_cap)
        spider = super().from_crawler(crawler, *args, **kwargs)
        assert isinstance(spider, FleetSiteSpider)  # noqa: S101 - cls is a subclass
        spider.origins = FleetOrigins(fleet_of(crawler), spider.origins)  # type: ignore[assignment]
        return spider

    def parse(self, response: Any) -> Iterator[Request]:
        """Parse as the site spider does, noting the page's origin in scope (it came from the queue).

        Without this, a worker that had seen links into an origin before ``clearcrawl seed``
        added it would keep treating it as off-site for :data:`NEGATIVE_TTL_S`.
        """
        queued_url = (response.meta.get("redirect_urls") or [response.url])[0]
        origins = self.origins
        if isinstance(origins, FleetOrigins):
            origins.learn(origin_of_url(queued_url))
        return super().parse(response)

    def _connect_sitemaps(self, crawler: Crawler) -> None:
        """Listen for robots.txt ``Sitemap:`` lines even when this worker started without them.

        A worker may join (or create) the crawl before ``crawl --sitemaps`` records the flag in
        the crawl's meta; it would then parse robots.txt files without queueing their
        ``Sitemap:`` URLs, and pages listed only there were never fetched (seen as a flaky
        ``test_sitemaps_in_a_fleet``). :meth:`_robots_sitemaps` reads the crawl's flag instead.
        """
        from crawler import signals as cc_signals

        super()._connect_sitemaps(crawler)
        if not self.sitemaps:
            crawler.signals.connect(self._robots_sitemaps, signal=cc_signals.robots_parsed)

    def _robots_sitemaps(self, origin: str, robots: Any, **kw: Any) -> None:
        """Queue an origin's ``Sitemap:`` URLs when the *crawl* has ``--sitemaps`` (one HGET)."""
        if not self.sitemaps:
            fleet = fleet_of(self.crawler)
            if fleet.failed is not None:
                return
            try:
                on = fleet.frontier.meta().get("sitemaps") == "1"
            except FrontierUnavailable as exc:
                fleet.fail(exc)
                return
            if not on:
                return
            self.sitemaps = True
        super()._robots_sitemaps(origin, robots, **kw)

    def _record_offsite(self, url: str, found_on: str) -> None:
        """Record an off-site link once for the whole fleet, not once per worker that saw it.

        The site spider remembers the off-site URLs it recorded (8-byte digests, so a footer
        link on every page is one decision line); a fleet shares that memory in Redis
        (:meth:`crawler.distributed.frontier.Frontier.claim_offsite`: ``SADD`` answers 1 to
        exactly one worker), so the merged ``not-fetched.jsonl`` lists each URL once without
        export having to deduplicate. The local set stays in front: one round trip per
        off-site URL per worker at most. Redis unreachable: the worker stops (fail closed) and
        the URL is recorded here anyway (twice at worst, never not at all).

        The claim comes before the record is written: a worker killed in between leaves the
        URL claimed and unrecorded (it was not fetched either; README, shared frontier).
        """
        key = self._key(url)
        if key in self._offsite:
            return
        fleet = fleet_of(self.crawler)
        first = True
        if fleet.failed is None:
            try:
                first = fleet.frontier.claim_offsite(key)
            except FrontierUnavailable as exc:
                fleet.fail(exc)
        if not first:
            self._offsite.add(key)
            self.crawler.stats.inc_value("clearcrawl/offsite/recorded_by_fleet")
            return
        super()._record_offsite(url, found_on)

    def record_origin_cap(self, url: str, cap: int) -> None:
        """Record ``url``, refused for the crawl's per-origin cap, once for the whole fleet.

        The cap is counted in Redis by the push script (a worker-local count would let each
        of N workers take the cap: N times the pages of an origin). The scheduler calls this
        for each push answered "origin cap spent"; as for off-site links
        (:meth:`_record_offsite`), a local digest set stands in front and a Redis set claim
        (:meth:`crawler.distributed.frontier.Frontier.claim`, kind ``origin-cap``) lets
        exactly one worker write the ``not-fetched`` line (reason ``origin-page-cap:N``, as
        the single-machine spider's). Redis unreachable: recorded here anyway (twice at worst).
        """
        key = self._key(url)
        if key in self._over_cap:
            return
        self._over_cap.add(key)
        fleet = fleet_of(self.crawler)
        first = True
        if fleet.failed is None:
            try:
                first = fleet.frontier.claim("origin-cap", key)
            except FrontierUnavailable as exc:
                fleet.fail(exc)
        if not first:
            self.crawler.stats.inc_value("clearcrawl/frontier/origin_cap_recorded_by_fleet")
            return
        self.recorder.not_fetched(url, [Reason.ORIGIN_PAGE_CAP.with_arg(cap)])

    def _seed_failed(self, seed: str | None, why: str, meta: dict[str, Any] | None = None) -> None:
        """Count an unreachable seed, without failing this worker for it.

        ``clearcrawl crawl`` fails when none of *its* seeds answered; a fleet worker fetches
        whatever seeds the queue hands it, and the failure is in the decisions log either way.
        """
        if seed is not None:
            self.crawler.stats.inc_value("clearcrawl/seeds/unreachable")

    async def start(self) -> AsyncIterator[Any]:
        """Nothing: seeds are already requests in the shared queue (module docstring)."""
        for _ in ():
            yield _


class FleetFrontierMiddleware:
    """Spider middleware (2): push each callback's new requests into the shared frontier."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FleetFrontierMiddleware:
        return cls(crawler)

    def _push(self, batch: list[Request]) -> None:
        scheduler = fleet_of(self.crawler).scheduler
        if scheduler is None:
            raise RuntimeError("FleetFrontierMiddleware needs the LeasedScheduler")
        scheduler.push(batch)

    def process_spider_output(self, response: Any, result: Any, spider: Any = None) -> Any:
        batch: list[Request] = []
        for obj in result:
            if isinstance(obj, Request) and not obj.dont_filter:
                batch.append(obj)
            else:
                yield obj
        self._push(batch)

    async def process_spider_output_async(
        self, response: Any, result: Any, spider: Any = None
    ) -> Any:
        batch: list[Request] = []
        async for obj in result:
            if isinstance(obj, Request) and not obj.dont_filter:
                batch.append(obj)
            else:
                yield obj
        self._push(batch)
