"""Scrapy extension that writes ``DIR/decisions.jsonl``: one line per URL considered.

Appends (so a resumed crawl keeps earlier lines) and flushes each line, so a killed crawl
loses at most the line being written. The WARC ``metadata`` records carry the same objects.
"""

from __future__ import annotations

import json
from typing import IO, TYPE_CHECKING, Any

from scrapy import signals

from crawler import signals as cc_signals
from crawler.extensions.warc import output_dir

if TYPE_CHECKING:
    from pathlib import Path

    from scrapy.crawler import Crawler

    from crawler.exchange import Exchange


class DecisionLogExtension:
    """Append every ``rights_decided`` record to ``decisions.jsonl``."""

    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path
        self._fh: IO[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DecisionLogExtension:
        out = output_dir(crawler)
        ext = cls(crawler, out / "decisions.jsonl")
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.rights_decided, signal=cc_signals.rights_decided)
        return ext

    def spider_opened(self, spider: Any) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = self.path.open("a", encoding="utf-8")

    def rights_decided(self, record: dict[str, Any], exchange: Exchange | None) -> None:
        if self._fh is None:
            self.spider_opened(None)
        if self._fh is None:  # pragma: no cover - spider_opened always opens it
            return
        self._fh.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
        self._fh.flush()
        self.crawler.stats.inc_value("clearcrawl/decisions/written")

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
