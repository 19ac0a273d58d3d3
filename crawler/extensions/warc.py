"""Scrapy extension that archives every decided exchange into WARC files.

Subscribes to :data:`crawler.signals.rights_decided`; the writing itself (record building,
digests, gzip) runs in one background thread, because zlib and hashlib release the GIL and the
crawl is otherwise bound by Scrapy on one core (``shared/reference/performance.md``). The queue
is bounded, so a slow disk slows the crawl instead of filling memory.

A WARC that cannot be written stops the crawl: without the archive there is no evidence, and
clearcrawl does not collect what it cannot account for.
"""

from __future__ import annotations

import logging
import queue
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals

from crawler import __version__
from crawler import signals as cc_signals
from crawler.exchange import Exchange
from crawler.indexing import write_cdxj
from crawler.policyconf import load_policy, load_tokens
from crawler.warcwriter import RotatingWarcWriter

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

_STOP = object()


def output_dir(crawler: Crawler) -> Path:
    out = crawler.settings.get("CLEARCRAWL_OUTPUT_DIR")
    if not out:
        raise ValueError("CLEARCRAWL_OUTPUT_DIR is not set: clearcrawl needs a folder for WARC files and decisions.jsonl")
    return Path(out)


class WarcWriterExtension:
    """Write request/response/metadata records for every ``rights_decided`` signal."""

    def __init__(self, crawler: Crawler, writer: RotatingWarcWriter, *, cdxj: bool) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.writer = writer
        self.cdxj = cdxj
        self.error: BaseException | None = None
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=256)
        self._thread = threading.Thread(target=self._run, name="clearcrawl-warc", daemon=True)
        self._closing = False
        writer.on_closed = self._file_closed

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcWriterExtension:
        s = crawler.settings
        out = output_dir(crawler)
        max_bytes = s.getint("CLEARCRAWL_WARC_MAX_BYTES")
        if max_bytes < 1_000_000:
            raise ValueError("CLEARCRAWL_WARC_MAX_BYTES must be at least 1000000 (WARC 1.1 Annex C suggests 1 GB)")
        level = s.getint("CLEARCRAWL_WARC_GZIP_LEVEL")
        if not 1 <= level <= 9:
            raise ValueError("CLEARCRAWL_WARC_GZIP_LEVEL must be between 1 and 9")
        policy = load_policy(s)
        tokens = load_tokens(s)
        warcinfo = {
            "http-header-user-agent": s.get("USER_AGENT") or "",
            "operator": s.get("CLEARCRAWL_CONTACT") or "",
            "robots": "obey RFC 9309 for every honoured token; unreachable robots.txt = disallow",
            "clearcrawl-honoured-tokens": ", ".join(tokens),
            "clearcrawl-policy": policy.canonical_json(),
            "clearcrawl-policy-digest": policy.digest,
            "description": f"clearcrawl {__version__} rights-cleared crawl",
        }
        writer = RotatingWarcWriter(
            out / "warc",
            prefix=s.get("CLEARCRAWL_WARC_PREFIX") or "clearcrawl",
            max_bytes=max_bytes,
            gzip_level=level,
            warcinfo=warcinfo,
        )
        ext = cls(crawler, writer, cdxj=s.getbool("CLEARCRAWL_WARC_CDXJ"))
        crawler.signals.connect(ext.rights_decided, signal=cc_signals.rights_decided)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        self._thread.start()

    def rights_decided(self, record: dict[str, Any], exchange: Exchange | None) -> None:
        if self.error is not None:
            return
        if not self._thread.is_alive() and not self._closing:
            self._thread.start()
        self._queue.put((exchange, record))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                break
            if self.error is not None:
                continue
            exchange, record = item
            try:
                if exchange is None:
                    self.writer.write_decision_only(record["url"], record)
                else:
                    self.writer.write_capture(exchange, record)
                    self.stats.inc_value("clearcrawl/warc/captures")
                    if not record.get("fetch", {}).get("body_stored", True):
                        self.stats.inc_value("clearcrawl/warc/bodies_withheld")
            except BaseException as exc:
                self.error = exc
                logger.exception("WARC writing failed; stopping the crawl (no archive, no evidence)")
                self.crawler.stats.set_value("clearcrawl/warc/error", repr(exc))
                self._stop_crawl()
        try:
            self.writer.close()
        except BaseException as exc:
            self.error = exc
            logger.exception("closing the WARC file failed")
        self.stats.set_value("clearcrawl/warc/records_written", self.writer.records_written)
        self.stats.set_value("clearcrawl/warc/files", len(self.writer.closed_files))

    def _stop_crawl(self) -> None:
        from scrapy.utils.defer import deferred_from_coro
        from twisted.internet import reactor

        engine = self.crawler.engine
        if engine is None:
            return
        reactor.callFromThread(
            lambda: deferred_from_coro(engine.close_spider_async(reason="warc_error"))
        )

    def _file_closed(self, path: Path) -> None:
        if self.cdxj:
            try:
                write_cdxj(path)
            except Exception:
                logger.exception("CDXJ indexing of %s failed (the WARC itself is intact)", path)

    def spider_closed(self, spider: Any, reason: str) -> None:
        self._closing = True
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()
        elif self._thread.ident is None:
            self.writer.close()
