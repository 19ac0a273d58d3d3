"""Fleet-wide politeness: per-origin concurrency and Crawl-delay enforced across workers.

Scrapy enforces ``DOWNLOAD_DELAY``, ``CONCURRENT_REQUESTS_PER_DOMAIN`` and (through
:class:`crawler.extensions.crawldelay.CrawlDelayExtension`) robots.txt ``Crawl-delay`` per
*process* (download slots); scrapy-redis adds nothing, so N workers hit an origin N times as
hard as one. This downloader middleware (990: the last before the downloader, so nothing after
it can drop a request that holds a token) takes a token for the request's origin from Redis
before the download and gives it back when the request leaves the downloader
(``request_left_downloader``, sent on success and failure alike):

* at most ``CONCURRENT_REQUESTS_PER_DOMAIN`` tokens per origin for the whole fleet, or one
  when the origin states a ``Crawl-delay``;
* with a delay, a token is granted no sooner than ``delay`` after the previous grant, fleet-wide
  (Redis server time), so two workers never start requests to one origin faster than one would;
* a token lives three heartbeats and the worker's heartbeat renews the tokens it holds
  (:meth:`~crawler.distributed.fleet.FleetWorker.beat`), so a killed worker's tokens free their
  origin within seconds (a fixed "longest download" expiry held the origin for 90 s).

The delay is the one :class:`~crawler.middlewares.prefetch.PolicyFilesMiddleware` reports with
``crawl_delay_found`` (also when the robots.txt verdict came from the fleet's cache,
:mod:`crawler.distributed.policycache`), capped by ``CLEARCRAWL_CRAWL_DELAY_MAX`` and floored
by ``DOWNLOAD_DELAY`` as in the single-machine crawl. The fleet add-on moves both here: the
process's download slots get no delay (``DOWNLOAD_DELAY`` becomes
``CLEARCRAWL_FRONTIER_DOWNLOAD_DELAY``; ``CrawlDelayExtension`` is off), because a slot delay
would start a download later than its grant and bring two workers' requests closer together
than the delay (measured: 0.2 s apart under ``Crawl-delay: 1`` before this). A request waiting for a token holds one of
the worker's ``CONCURRENT_REQUESTS``; that is the price of never being faster than one crawler.

Fail closed: when Redis cannot be reached the request is dropped (``IgnoreRequest``) without a
decision: its lease is not acknowledged, so another worker fetches it later.
"""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import IgnoreRequest

from crawler.distributed.fleet import FleetWorker, fleet_of
from crawler.distributed.frontier import FrontierUnavailable
from crawler.middlewares.prefetch import crawl_delay_found
from filters.prefetch import origin_of_url, origin_url

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

META_TOKEN = "_clearcrawl_polite_token"  # noqa: S105 - a meta key, not a secret

#: KEYS: holders (zset token -> expiry ms), next-start key; ARGV: token, limit, delay ms, ttl ms.
#: Returns 0 when granted, else the milliseconds to wait before asking again.
ACQUIRE_LUA = """
local t = redis.call('TIME'); local now = t[1] * 1000 + math.floor(t[2] / 1000)
local limit, delay, ttl = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= limit then return 50 end
local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
if nxt > now then return nxt - now end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl)
if delay > 0 then redis.call('SET', KEYS[2], now + delay, 'PX', delay + 1000) end
return 0
"""


class FleetPolitenessMiddleware:
    """Downloader middleware (990): one fleet-wide token per download (module docstring)."""

    def __init__(self, crawler: Crawler, fleet: FleetWorker) -> None:
        s = crawler.settings
        self.crawler = crawler
        self.fleet = fleet
        self.per_origin = max(1, s.getint("CONCURRENT_REQUESTS_PER_DOMAIN") or 1)
        self.base_delay_s = s.getfloat("CLEARCRAWL_FRONTIER_DOWNLOAD_DELAY")
        self.max_delay_s = s.getfloat("CLEARCRAWL_CRAWL_DELAY_MAX")
        self.ttl_ms = fleet.token_ttl_ms
        self.delays: dict[str, float] = {}
        self._acquire = fleet.frontier.redis.register_script(ACQUIRE_LUA)
        self._serial = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FleetPolitenessMiddleware:
        mw = cls(crawler, fleet_of(crawler))
        crawler.signals.connect(mw.crawl_delay_found, signal=crawl_delay_found)
        crawler.signals.connect(mw.request_left_downloader, signal=signals.request_left_downloader)
        return mw

    def crawl_delay_found(self, slot: str, delay_s: float | None, **kwargs: Any) -> None:
        if delay_s is None or not math.isfinite(delay_s):
            self.delays.pop(slot, None)
        else:
            self.delays[slot] = max(self.base_delay_s, min(delay_s, self.max_delay_s))

    def _keys(self, origin: str) -> list[str]:
        p = self.fleet.frontier.prefix
        return [f"{p}polite:{origin}", f"{p}polite-next:{origin}"]

    async def process_request(self, request: Request, spider: Any = None) -> None:
        if not request.url.startswith(("http://", "https://")):
            return
        origin = origin_url(origin_of_url(request.url))
        delay = self.delays.get(origin, self.base_delay_s)
        limit = 1 if delay > 0 else self.per_origin
        self._serial += 1
        token = f"{self.fleet.worker_id}:{self._serial}"
        f = self.fleet.frontier
        while True:
            if self.fleet.failed is not None:
                raise IgnoreRequest(f"clearcrawl: {self.fleet.failed}; not fetching")
            try:
                wait_ms = int(
                    f.call(
                        self._acquire,
                        keys=self._keys(origin),
                        args=[token, limit, int(delay * 1000), self.ttl_ms],
                    )
                )
            except FrontierUnavailable as exc:
                self.fleet.fail(exc)
                continue
            if wait_ms <= 0:
                break
            self.crawler.stats.inc_value("clearcrawl/politeness/waits")
            await asyncio.sleep(min(wait_ms, 1000) / 1000)
        request.meta[META_TOKEN] = (origin, token)
        self.fleet.token_taken(self._keys(origin)[0], token)

    def request_left_downloader(self, request: Request, spider: Any = None) -> None:
        held = request.meta.pop(META_TOKEN, None)
        if held is None or self.fleet.failed is not None:
            return
        origin, token = held
        self.fleet.token_given_back(self._keys(origin)[0], token)
        f = self.fleet.frontier
        try:
            f.call(f.redis.zrem, self._keys(origin)[0], token)
        except FrontierUnavailable as exc:
            self.fleet.fail(exc)
