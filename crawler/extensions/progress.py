"""Live progress of a crawl on stderr (``clearcrawl crawl``/``demo``; off with ``--quiet``).

On a terminal it redraws one rich status line; otherwise it prints a plain line every 15 s, so
CI logs show that a long crawl is alive without flooding them.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class ProgressExtension:
    """Report fetched / decided / archived counts while the crawl runs."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.tty = sys.stderr.isatty()
        self._loop: task.LoopingCall | None = None
        self._status: Any = None
        self._last_plain = 0.0
        self._t0 = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressExtension:
        if not crawler.settings.getbool("CLEARCRAWL_PROGRESS"):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def _line(self) -> str:
        g = self.crawler.stats.get_value
        cand = g("clearcrawl/decision/exported-candidate", 0)
        exc = g("clearcrawl/decision/excluded", 0)
        nf = g("clearcrawl/decision/not-fetched", 0)
        arch = g("clearcrawl/warc/captures", 0)
        rate = (cand + exc) / max(time.monotonic() - self._t0, 1e-6)
        return (
            f"crawling: {cand + exc} fetched ({rate:.0f}/s), {nf} refused, {arch} archived, "
            f"{cand} candidates"
        )

    def opened(self, spider: Any) -> None:
        if self.tty:
            from rich.console import Console

            self._status = Console(stderr=True).status(self._line())
            self._status.start()
        self._loop = task.LoopingCall(self.tick)
        self._loop.start(0.5, now=False)

    def tick(self) -> None:
        if self._status is not None:
            self._status.update(self._line())
        elif time.monotonic() - self._last_plain >= 15:
            self._last_plain = time.monotonic()
            print(self._line(), file=sys.stderr, flush=True)

    def closed(self, spider: Any, reason: str) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        if self._status is not None:
            self._status.stop()
