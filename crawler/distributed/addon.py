"""Scrapy add-on that turns a clearcrawl crawl into a fleet worker on the shared frontier.

Applied after :class:`crawler.addon.ClearcrawlAddon` (``ADDONS`` priority 10 > 0), because it
replaces components that add-on installs:

* ``SCHEDULER``: :class:`crawler.distributed.scheduler.LeasedScheduler` (scrapy-redis's, leased);
* the pre-fetch gate: :class:`crawler.distributed.policycache.FleetPolicyFilesMiddleware` at the
  same priority (100) instead of ``PolicyFilesMiddleware`` (policy files once per fleet);
* :class:`crawler.distributed.politeness.FleetPolitenessMiddleware` (990): fleet-wide tokens,
  which also take over ``DOWNLOAD_DELAY`` (moved to ``CLEARCRAWL_FRONTIER_DOWNLOAD_DELAY``) and
  robots.txt ``Crawl-delay`` (``CrawlDelayExtension`` is switched off: a per-process slot delay
  would start a download later than its fleet-wide grant);
* :class:`crawler.distributed.spider.FleetFrontierMiddleware` (spider middleware 2): outlinks
  into Redis before the page's capture is released;
* :class:`crawler.distributed.extension.FleetExtension`: acks, counters, idle exit;
* ``CLEARCRAWL_WARC_ACK``: the WARC writer process acknowledges each URL right after writing
  its record (:mod:`crawler.distributed.ack`), before the crawl process hears of it;
* :class:`crawler.distributed.progress.FleetProgressExtension` in place of the progress
  display, when there is one (fleet totals appended).

``clearcrawl worker`` and ``clearcrawl crawl --frontier`` install it; it refuses to run
without ``CLEARCRAWL_FRONTIER_URL``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.distributed.ack import ack_config
from crawler.distributed.frontier import new_worker_id

if TYPE_CHECKING:
    from scrapy.settings import Settings

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.prefetch.PolicyFilesMiddleware": None,
    "crawler.distributed.policycache.FleetPolicyFilesMiddleware": 100,
    "crawler.distributed.politeness.FleetPolitenessMiddleware": 990,
}
SPIDER_MIDDLEWARES = {"crawler.distributed.spider.FleetFrontierMiddleware": 2}
EXTENSIONS = {
    "crawler.distributed.extension.FleetExtension": 130,
    # Delays move from the process's download slots to the fleet's gate (politeness.py): a
    # slot delay would start a download later than its fleet-wide grant, and two workers'
    # requests would then come closer together than the delay.
    "crawler.extensions.crawldelay.CrawlDelayExtension": None,
}
PROGRESS = "crawler.extensions.progress.ProgressExtension"
FLEET_PROGRESS = "crawler.distributed.progress.FleetProgressExtension"


class FleetAddon:
    """Scrapy add-on: ``ADDONS = {"crawler.distributed.addon.FleetAddon": 10}``."""

    def update_settings(self, settings: Settings) -> None:
        if not settings.get("CLEARCRAWL_FRONTIER_URL"):
            raise ValueError("CLEARCRAWL_FRONTIER_URL is not set: a fleet worker needs redis://…")
        settings.set("SCHEDULER", "crawler.distributed.scheduler.LeasedScheduler", priority="addon")
        if not settings.get("CLEARCRAWL_FRONTIER_WORKER_ID"):
            settings.set("CLEARCRAWL_FRONTIER_WORKER_ID", new_worker_id(), priority="addon")
        # The WARC writer process acknowledges each URL right after writing it (ack.py).
        settings.set("CLEARCRAWL_WARC_ACK", ack_config(settings), priority="addon")
        for name, prio in DOWNLOADER_MIDDLEWARES.items():
            settings["DOWNLOADER_MIDDLEWARES"][name] = prio
        for name, sprio in SPIDER_MIDDLEWARES.items():
            settings["SPIDER_MIDDLEWARES"][name] = sprio
        for name, eprio in EXTENSIONS.items():
            settings["EXTENSIONS"][name] = eprio
        if settings.get("CLEARCRAWL_FRONTIER_DOWNLOAD_DELAY") is None:
            settings.set(
                "CLEARCRAWL_FRONTIER_DOWNLOAD_DELAY",
                settings.getfloat("DOWNLOAD_DELAY"),
                priority="cmdline",
            )
        settings.set("DOWNLOAD_DELAY", 0.0, priority="cmdline")
        # The progress line gets the fleet's totals (clearcrawl crawl/worker turn it on).
        if settings["EXTENSIONS"].get(PROGRESS) is not None:
            settings["EXTENSIONS"][FLEET_PROGRESS] = settings["EXTENSIONS"][PROGRESS]
            settings["EXTENSIONS"][PROGRESS] = None
