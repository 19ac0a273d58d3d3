"""Scheduler over the shared frontier: scrapy-redis's, with leases and fail-closed errors.

Adapts ``scrapy_redis.scheduler.Scheduler`` (0.9.1):

* its queue is :class:`crawler.distributed.queue.LeasedPriorityQueue` (pop = lease) and its
  dupefilter :class:`crawler.distributed.dupefilter.FleetDupeFilter`, built from
  ``CLEARCRAWL_FRONTIER_*`` settings rather than ``REDIS_URL``/``SCHEDULER_QUEUE_CLASS``;
* ``persist`` is always on and nothing is flushed on close (scrapy-redis clears both keys on
  close unless ``SCHEDULER_PERSIST``): one worker ending must not empty the fleet's frontier;
* requests with ``dont_filter`` (retries: the same URL this worker already holds a lease for)
  stay in a local queue — they belong to the lease, and if the worker dies the lease brings
  the original request back;
* a URL refused for the crawl's ``--max-pages-per-origin`` (push code 3: the cap is the
  fleet's, counted in Redis) is counted in ``clearcrawl/frontier/origin_cap`` and recorded
  once for the fleet by :meth:`crawler.distributed.spider.FleetSiteSpider.record_origin_cap`;
* when a redirect target has been queued, the redirect's held capture may be written
  (:data:`crawler.recovery.links_journaled`, as :class:`crawler.recovery.ArchiveDupeFilter`
  does for the single-machine crawl);
* a Redis failure does not raise into the engine (scrapy-redis lets ``ConnectionError``
  crash the crawl loop): the worker is marked failed (:meth:`FleetWorker.fail`), no request is
  handed out any more and the spider closes with ``frontier_unreachable``.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any, Self

from scrapy_redis.scheduler import Scheduler as RedisScheduler

from crawler.distributed.dupefilter import FleetDupeFilter
from crawler.distributed.fleet import FleetWorker, fleet_of
from crawler.distributed.frontier import FrontierUnavailable
from crawler.distributed.queue import META_LEASE, LeasedPriorityQueue
from crawler.recovery import links_journaled

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

#: Codes of :meth:`crawler.distributed.frontier.Frontier.push_many`.
QUEUED, SEEN, OVER_BUDGET, ORIGIN_CAP = 1, 0, 2, 3
_STAT = {QUEUED: "queued", SEEN: "duplicate", OVER_BUDGET: "over_budget", ORIGIN_CAP: "origin_cap"}


class LeasedScheduler(RedisScheduler):  # type: ignore[misc]  # scrapy-redis is untyped
    """scrapy-redis's scheduler on the leased, fleet-wide frontier (module docstring)."""

    def __init__(self, crawler: Crawler, fleet: FleetWorker) -> None:
        frontier = fleet.frontier
        super().__init__(
            server=frontier.redis,
            persist=True,
            queue_key=frontier.k_queue,
            dupefilter=FleetDupeFilter(frontier),
            dupefilter_key=frontier.k_done,
        )
        self.crawler = crawler
        self.fleet = fleet
        self.stats = crawler.stats
        self._local: deque[Request] = deque()
        fleet.scheduler = self

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, fleet_of(crawler))

    def open(self, spider: Any) -> None:
        self.spider = spider
        self.queue = LeasedPriorityQueue(
            self.server,
            spider,
            self.queue_key,
            frontier=self.fleet.frontier,
            worker=self.fleet.worker_id,
            lease_s=self.fleet.lease_s,
        )

    def close(self, reason: str) -> None:
        """Keep the frontier (module docstring)."""

    def __len__(self) -> int:
        return len(self._local) + self._queued()

    def _queued(self) -> int:
        if self.fleet.failed is not None:
            return 0
        try:
            return self.fleet.frontier.queue_length()
        except FrontierUnavailable as exc:
            self.fleet.fail(exc)
            return 0

    def has_pending_requests(self) -> bool:
        return bool(self._local) or self._queued() > 0

    def enqueue_request(self, request: Request) -> bool:
        if request.dont_filter:
            self._local.append(request)
            self.stats.inc_value("scheduler/enqueued/local")
            return True
        ok = self.push([request])[0] == QUEUED
        redirected_from = request.meta.get("redirect_urls")
        if redirected_from:
            self.crawler.signals.send_catch_log(signal=links_journaled, url=redirected_from[-1])
        return ok

    def push(self, requests: list[Request]) -> list[int]:
        """Queue ``requests`` in the shared frontier; one code each (``SEEN`` on failure)."""
        if not requests:
            return []
        if self.fleet.failed is not None:
            return [SEEN] * len(requests)
        try:
            codes = self.queue.push_many(requests)
        except FrontierUnavailable as exc:
            self.fleet.fail(exc)
            return [SEEN] * len(requests)
        for request, code in zip(requests, codes, strict=True):
            self.stats.inc_value(f"clearcrawl/frontier/{_STAT[code]}")
            if code == QUEUED:
                self.fleet.count("queued")
            elif code == ORIGIN_CAP:
                self._origin_cap_refused(request.url)
        return codes

    def _origin_cap_refused(self, url: str) -> None:
        """Record ``url`` (refused for the fleet's per-origin cap) through the spider, once."""
        record = getattr(self.spider, "record_origin_cap", None)
        if record is None:
            return
        try:
            cap = self.fleet.frontier.origin_cap()
        except FrontierUnavailable as exc:
            self.fleet.fail(exc)
            return
        record(url, cap)

    def next_request(self) -> Request | None:
        if self._local:
            self.stats.inc_value("scheduler/dequeued/local")
            return self._local.popleft()
        if self.fleet.failed is not None:
            return None
        try:
            request = self.queue.pop()
        except FrontierUnavailable as exc:
            self.fleet.fail(exc)
            return None
        if request is None:
            return None
        self.fleet.leased(request.meta[META_LEASE])
        self.stats.inc_value("scheduler/dequeued/redis")
        return request
