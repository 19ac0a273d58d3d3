"""Honour robots.txt ``Crawl-delay`` by setting the download slot's delay for that origin.

``Crawl-delay`` is not part of RFC 9309; Bing and Yandex honour it and it is cheap politeness.
Scrapy parses it (``RobotParser.crawl_delay``) but applies it nowhere (``robots.md`` §2.8).

:class:`crawler.middlewares.prefetch.PolicyFilesMiddleware` gives every request the download slot
of its origin and sends :data:`~crawler.middlewares.prefetch.crawl_delay_found` after each
robots.txt parse with the largest delay among the groups that apply to the honoured tokens.
This extension writes it, capped by ``CLEARCRAWL_CRAWL_DELAY_MAX``, into the downloader's
per-slot settings (the same table ``DOWNLOAD_SLOTS`` fills, so a slot that Scrapy garbage-collects
and re-creates keeps the delay) and into the live slot, with jitter 0 so the delay is a floor,
not an average. ``DOWNLOAD_DELAY`` stays the minimum when it is larger.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any

from crawler.middlewares.prefetch import crawl_delay_found

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from filters.results import Evidence

logger = logging.getLogger(__name__)


class CrawlDelayExtension:
    """Apply each origin's robots.txt ``Crawl-delay`` to its download slot."""

    def __init__(self, crawler: Crawler, *, max_delay_s: float, base_delay_s: float) -> None:
        self.crawler = crawler
        self.max_delay_s = max_delay_s
        self.base_delay_s = base_delay_s

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlDelayExtension:
        s = crawler.settings
        cap = s.getfloat("CLEARCRAWL_CRAWL_DELAY_MAX")
        if not math.isfinite(cap) or cap < 0:
            raise ValueError("CLEARCRAWL_CRAWL_DELAY_MAX must be a number of seconds >= 0")
        ext = cls(crawler, max_delay_s=cap, base_delay_s=s.getfloat("DOWNLOAD_DELAY"))
        crawler.signals.connect(ext.crawl_delay_found, signal=crawl_delay_found)
        return ext

    def applied_delay(self, delay_s: float | None) -> float | None:
        """Return the slot delay for a stated ``Crawl-delay`` (None: no stated delay)."""
        if delay_s is None:
            return None
        return max(self.base_delay_s, min(delay_s, self.max_delay_s))

    def crawl_delay_found(
        self,
        slot: str,
        delay_s: float | None,
        evidence: Evidence | None = None,
        url: str = "",
        **kwargs: Any,
    ) -> None:
        engine = self.crawler.engine
        downloader = getattr(engine, "downloader", None)
        if downloader is None:
            return
        stats = self.crawler.stats
        applied = self.applied_delay(delay_s)
        settings = downloader.per_slot_settings
        live = downloader.slots.get(slot)
        if applied is None:
            if settings.pop(slot, None) is not None and live is not None:
                live.delay = self.base_delay_s  # the file no longer states a delay
            return
        settings[slot] = {**settings.get(slot, {}), "delay": applied, "jitter": 0.0}
        if live is not None:
            live.delay = applied
            live.jitter = 0.0
        stats.inc_value("clearcrawl/crawl_delay/applied")
        if delay_s is not None and delay_s > self.max_delay_s:
            stats.inc_value("clearcrawl/crawl_delay/capped")
        stats.max_value("clearcrawl/crawl_delay/max_applied_s", applied)
        logger.debug(
            "Crawl-delay %s s for %s (stated %s s in %s; %s)",
            applied,
            slot,
            delay_s,
            url,
            evidence.locator if evidence else "",
        )
