"""Scrapy extension of a fleet worker: acknowledgements, fleet counters, idle exit.

* :data:`crawler.signals.captures_archived` → :meth:`FleetWorker.archived`: a leased URL is
  acknowledged once its capture or decision record is in this worker's WARC file (never
  earlier: a kill between the decision and the write would otherwise lose the page);
* ``response_downloaded`` (every HTTP response, policy files, redirects and retries included:
  one per line of the site's access log) → ``fetched`` and ``fetched/<kind>``;
  :data:`crawler.signals.rights_decided` → ``decided/<outcome>`` and ``reason/<reason>``;
* ``spider_idle``: scrapy-redis's spiders keep a worker alive forever (``DontCloseSpider``
  on idle) or close it after ``MAX_IDLE_TIME_BEFORE_CLOSE`` of *its own* idleness; a worker
  here exits only when the *fleet* is idle — nothing queued and nothing in flight anywhere —
  for ``CLEARCRAWL_FRONTIER_IDLE_EXIT`` seconds (0: never, run as a service). A worker that
  is idle while another still holds leases waits: those leases may come back to the queue.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider

from crawler import signals as cc_signals
from crawler.distributed.fleet import FleetWorker, fleet_of
from crawler.distributed.frontier import FrontierUnavailable
from crawler.distributed.queue import url_fp
from crawler.middlewares.capture import META_KIND

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class FleetExtension:
    """Connects a fleet worker to the crawl's signals (module docstring)."""

    def __init__(self, crawler: Crawler, fleet: FleetWorker) -> None:
        self.crawler = crawler
        self.fleet = fleet
        self._idle_since: float | None = None
        self._policy_urls: set[str] = set()  # policy files downloaded, not yet archived

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FleetExtension:
        ext = cls(crawler, fleet_of(crawler))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(ext.rights_decided, signal=cc_signals.rights_decided)
        crawler.signals.connect(ext.captures_archived, signal=cc_signals.captures_archived)
        return ext

    def spider_opened(self, spider: Any) -> None:
        self.fleet.start()

    def response_downloaded(self, response: Any, request: Any, spider: Any = None) -> None:
        kind = request.meta.get(META_KIND, "page")
        self.fleet.count("fetched")
        self.fleet.count(f"fetched/{kind}")
        if kind != "page":
            self._policy_urls.add(request.url)

    def rights_decided(self, record: dict[str, Any], exchange: Any = None) -> None:
        self.fleet.count("decided")
        self.fleet.count(f"decided/{record.get('outcome', '')}")
        for reason in record.get("reasons") or ():
            self.fleet.count(f"reason/{reason}")

    def captures_archived(
        self, urls: list[str], where: dict[str, tuple[str, int]] | None = None
    ) -> None:
        self.fleet.archived([url_fp(u) for u in urls])
        found = {u: w for u, w in (where or {}).items() if u in self._policy_urls}
        if found:
            self._policy_urls.difference_update(found)
            self.fleet.policy_file_archived(found)

    def spider_idle(self, spider: Any) -> None:
        if self.fleet.failed is not None:
            return  # fail closed: let the spider close
        if self.fleet.idle_exit_s <= 0:
            raise DontCloseSpider("running as a service (--idle-exit 0)")
        try:
            idle = self.fleet.frontier.is_idle()
        except FrontierUnavailable as exc:
            self.fleet.fail(exc)
            return
        now = time.monotonic()
        if not idle:
            self._idle_since = None
            raise DontCloseSpider("the fleet still has work queued or in flight")
        if self._idle_since is None:
            self._idle_since = now
        if now - self._idle_since < self.fleet.idle_exit_s:
            raise DontCloseSpider("waiting --idle-exit seconds for new work")
