"""Scrapy extension that writes ``DIR/decisions.jsonl.gz``: one line per URL considered.

gzip, because the uncompressed log costs ~7 KB per page (gigabytes at a million pages); every
reader accepts the ``.jsonl`` and the ``.jsonl.gz`` form (:func:`export.jsonl.iter_lines`).
Appends (so a resumed crawl keeps earlier lines) and sync-flushes each line
(:class:`export.jsonl.GzipLineWriter`), so a killed crawl loses at most the line being written
and the next run repairs the torn tail before appending. A log left uncompressed by an older
clearcrawl is compressed into the new form before the first line is appended.

Each run starts with one ``clearcrawl.run/1`` record (:func:`crawler.decisions.run_record`):
the policy's canonical JSON, the honoured tokens and the User-Agent, written once instead of on
every line; each decision names the policy by label and digest. The WARC ``metadata`` records
carry the same decision objects, and the ``warcinfo`` the same policy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals

from crawler import signals as cc_signals
from crawler.decisions import run_record
from crawler.extensions.warc import output_dir
from crawler.rightsconfig import load_policy, load_tokens
from export.jsonl import GzipLineWriter, compress_jsonl, plain_path, repair

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.exchange import Exchange

LOG_NAME = "decisions.jsonl.gz"


def prepare_log(path: Path) -> int:
    """Make ``path`` (a ``.jsonl.gz`` log) safe to append to; return the lines rewritten.

    An uncompressed log left by an older clearcrawl is compressed into ``path`` first (atomically,
    then removed); a log torn by a kill gets its last member rewritten
    (:func:`export.jsonl.repair`).
    """
    legacy = plain_path(path)
    if legacy.is_file() and not path.exists():
        compress_jsonl(legacy, path)
        legacy.unlink()
    return repair(path)


class DecisionLogExtension:
    """Append every ``rights_decided`` record to ``decisions.jsonl.gz``."""

    def __init__(self, crawler: Crawler, path: Path, header: dict[str, Any] | None = None) -> None:
        self.crawler = crawler
        self.path = path
        self.header = header
        self._log: GzipLineWriter | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DecisionLogExtension:
        out = output_dir(crawler)
        s = crawler.settings
        header = run_record(load_policy(s), load_tokens(s), s.get("USER_AGENT") or "")
        ext = cls(crawler, out / LOG_NAME, header)
        # Before anything runs: a torn or legacy log is made appendable, a corrupt one stops
        # the crawl (JsonlError) instead of being appended to.
        repaired = prepare_log(ext.path)
        if repaired:
            crawler.stats.set_value("clearcrawl/decisions/repaired_lines", repaired)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.rights_decided, signal=cc_signals.rights_decided)
        return ext

    def _write(self, record: dict[str, Any], line: bytes | None = None) -> None:
        if self._log is None:
            self.spider_opened(None)
        if self._log is None:  # pragma: no cover - spider_opened always opens it
            return
        if line is None:
            self._log.write_line(json.dumps(record, ensure_ascii=False, sort_keys=True))
        else:  # serialised once by the recorder (crawler.recorder.record_line), same form
            self._log.write_line(line.decode("utf-8"))

    def spider_opened(self, spider: Any) -> None:
        if self._log is not None:
            return
        self._log = GzipLineWriter(self.path)
        if self.header is not None:  # once per run
            self._write(self.header)

    def rights_decided(
        self, record: dict[str, Any], exchange: Exchange | None, record_json: bytes | None = None
    ) -> None:
        self._write(record, record_json)
        self.crawler.stats.inc_value("clearcrawl/decisions/written")

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
