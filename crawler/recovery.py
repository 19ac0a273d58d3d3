"""Crash recovery and ``--resume``: the archive, not Scrapy's job state, says what is done.

Why not Scrapy's ``JOBDIR`` alone (Scrapy 2.19 source): the scheduler writes its disk-queue
state (``requests.queue/active.json``, queuelib's ``info.json``) only in ``close()``, and
``RFPDupeFilter`` appends to ``requests.seen`` through a buffered file. After ``SIGKILL`` the
queue is lost and the seen-set is missing its last entries, while the WARC writer may have lost
its last queued captures. Resuming from that state either refetches archived pages (duplicate
records) or never refetches pages whose records were lost.

So clearcrawl keeps two facts of its own, both written so that a kill cannot tear them:

* the **frontier journal** ``DIR/job/frontier.jsonl``: one line per request the scheduler
  accepted (URL and depth), written unbuffered as it is accepted, and one line (marked
  ``"over_budget"``) per link found after ``--max-pages`` was spent, so a resume with a higher
  budget continues from there;
* the **archive**: closed WARC files with their ``NAME.urls`` ledgers (see
  :mod:`crawler.warcwriter`), plus whatever complete captures a ``.warc.gz.open`` file left by a
  killed crawl holds — :func:`recover_open_warc` cuts it after its last complete capture, writes
  its ledger and renames it.

On ``--resume``, :class:`ArchiveDupeFilter` treats every URL in a ledger as seen (never
fetched again, so the export sees each capture once) and re-queues every journal URL that is not
archived (including those fetched but lost in the crash). The site spider offers the over-budget links
again, within the new budget.

``DIR/job/crawl.json`` (:func:`read_crawl_record`) records what the crawl was started with
(seeds, policy digest, budget), so ``--resume`` needs no seeds and refuses another policy.

Exceptions: :class:`RecoveryError` — a WARC that cannot be read at all (not gzip, not WARC),
or one a running crawl still holds.

Importing this module does not import Scrapy (the Scrapy components import it lazily), so the
export and other tools can recover a crawl folder with :func:`recover_warc_dir` too.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from crawler.digestset import DigestSet
from crawler.warcrecovery import (
    Member,
    RecoveryError,
    ScanResult,
    archived_urls,
    iter_members,
    recover_open_warc,
    recover_warc_dir,
    scan_warc,
)

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

__all__ = [
    "CRAWL_RECORD",
    "JOB_DIR",
    "JOURNAL_NAME",
    "META_JOURNALED",
    "ArchiveDupeFilter",
    "FrontierJournalMiddleware",
    "Member",
    "RecoveryError",
    "ScanResult",
    "archived_urls",
    "iter_members",
    "journal_entries",
    "journaled_urls",
    "link_over_budget",
    "links_journaled",
    "read_crawl_record",
    "recover_open_warc",
    "recover_warc_dir",
    "scan_warc",
    "write_crawl_record",
]

logger = logging.getLogger(__name__)

JOURNAL_NAME = "frontier.jsonl"

#: Sent with ``url=`` once every link found in that URL's response is in the frontier journal
#: (or there was nothing to journal). The WARC extension holds a page's capture until then, so
#: no page is ever archived while its outlinks could still be lost to a kill.
links_journaled = object()

META_JOURNALED = "_clearcrawl_journaled"


#: Sent by the site spider with ``url=`` and ``depth=`` for a link it did not request because
#: ``max_pages`` was spent. Journaled (marked ``over_budget``) so that a resume with a higher
#: budget can request it: without that line the link would be known to no later run.
link_over_budget = object()

JOB_DIR = "job"
CRAWL_RECORD = "crawl.json"


def _journal_line(url: str, depth: int, *, over_budget: bool = False) -> bytes:
    entry: dict[str, Any] = {"url": url, "depth": depth}
    if over_budget:
        entry["over_budget"] = True
    return json.dumps(entry).encode("utf-8") + b"\n"


def _open_journal(crawler: Crawler) -> tuple[Path, Any]:
    out = crawler.settings.get("CLEARCRAWL_OUTPUT_DIR")
    if not out:
        raise ValueError("CLEARCRAWL_OUTPUT_DIR is not set: the frontier journal lives there")
    path = Path(out) / "job" / JOURNAL_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    # Unbuffered append: each line is one write(2) with O_APPEND, whole or absent after a kill.
    return path, path.open("ab", buffering=0)


def journal_entries(out_dir: Path) -> Iterator[tuple[str, int, bool]]:
    """Yield ``(url, depth, over_budget)`` per line of ``OUT/job/frontier.jsonl`` (torn: skipped)."""
    path = Path(out_dir) / JOB_DIR / JOURNAL_NAME
    if not path.is_file():
        return
    with path.open("rb") as fh:
        for raw in fh:
            try:
                entry = json.loads(raw)
                yield str(entry["url"]), int(entry.get("depth", 0)), bool(entry.get("over_budget"))
            except (ValueError, KeyError, TypeError, AttributeError):
                continue  # a line torn by the kill


def journaled_urls(out_dir: Path) -> Iterator[tuple[str, int]]:
    """``(url, depth)`` of every request the journal records (not the over-budget links)."""
    for url, depth, over_budget in journal_entries(out_dir):
        if not over_budget:
            yield url, depth


def read_crawl_record(out_dir: Path) -> dict[str, Any] | None:
    """``DIR/job/crawl.json`` (what the crawl was started with), or None if there is none.

    Raises :class:`RecoveryError` when it exists but is not a JSON object (hand-edited or torn:
    resuming on a guess could mix policies in one folder).
    """
    path = Path(out_dir) / JOB_DIR / CRAWL_RECORD
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RecoveryError(f"{path} is unreadable ({exc}); cannot resume safely") from exc
    if not isinstance(record, dict):
        raise RecoveryError(f"{path} is not a JSON object; cannot resume safely")
    return record


def write_crawl_record(out_dir: Path, record: dict[str, Any]) -> Path:
    """Write ``DIR/job/crawl.json`` atomically (temporary file, fsync, rename)."""
    path = Path(out_dir) / JOB_DIR / CRAWL_RECORD
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
    return path


class FrontierJournalMiddleware:
    """Spider middleware (next to the engine): journal each new request *before* handing it on.

    After the callback's output is exhausted it sends :data:`links_journaled` for the response's
    URL. Journaling here rather than in the scheduler matters because Scrapy processes a
    callback's output in parallel tasks: when the output ends, some requests may not be enqueued
    yet, but they are all in the journal.
    """

    def __init__(self, crawler: Crawler) -> None:
        from scrapy import Request, signals

        self.crawler = crawler
        self._request_cls = Request
        self._path, self._fh = _open_journal(crawler)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.over_budget, signal=link_over_budget)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def _journal(self, response: Any, obj: Any) -> None:
        if isinstance(obj, self._request_cls) and not obj.dont_filter:
            depth = int(obj.meta.get("depth", response.meta.get("depth", 0) + 1))
            self._fh.write(_journal_line(obj.url, depth))
            obj.meta[META_JOURNALED] = True

    def over_budget(self, url: str, depth: int) -> None:
        """Journal a link the spider left for lack of budget.

        Called during the page's callback, so before its capture may be archived.
        """
        if not self._fh.closed:
            self._fh.write(_journal_line(url, depth, over_budget=True))

    def _done(self, response: Any) -> None:
        request = getattr(response, "request", None)
        url = request.url if request is not None else response.url
        self.crawler.signals.send_catch_log(signal=links_journaled, url=url)

    def process_spider_output(self, response: Any, result: Any, spider: Any = None) -> Any:
        try:
            for obj in result:
                self._journal(response, obj)
                yield obj
        finally:
            self._done(response)

    async def process_spider_output_async(
        self, response: Any, result: Any, spider: Any = None
    ) -> Any:
        try:
            async for obj in result:
                self._journal(response, obj)
                yield obj
        finally:
            self._done(response)

    def spider_closed(self, spider: Any) -> None:
        self._fh.close()


class ArchiveDupeFilter:
    """Scrapy dupefilter that journals the frontier and, on resume, skips what is archived.

    Replaces ``RFPDupeFilter`` (``DUPEFILTER_CLASS``; Scrapy's dupefilter interface is duck-typed:
    ``from_crawler``, ``open``, ``request_seen``, ``close``, ``log``). Seen-set: request fingerprints, as
    Scrapy's. Journal: ``DIR/job/frontier.jsonl``, one ``{"url", "depth"}`` line per accepted
    request not already journaled by :class:`FrontierJournalMiddleware` (seeds, redirect
    targets), unbuffered. When the journal already exists at start (a resumed crawl), archived
    URLs are marked seen and unarchived journal URLs are scheduled again at ``spider_opened``
    with the spider's ``parse``/``errback``.
    """

    def __init__(self, crawler: Crawler, out_dir: Path, *, debug: bool = False) -> None:
        from scrapy import Request

        self._request_cls = Request
        self.crawler = crawler
        self.fingerprinter = crawler.request_fingerprinter
        self.out_dir = out_dir
        self.job_dir = out_dir / "job"
        self.journal_path = self.job_dir / JOURNAL_NAME
        self.debug = debug
        # First 8 bytes of each fingerprint, ~16 bytes a URL (crawler/digestset.py): a crawl seeded
        # with millions of URLs. A collision (~3e-6 over ten million URLs) skips one URL, never
        # admits one.
        self._fingerprints = DigestSet()
        self._journal: Any = None
        self._requeue: list[tuple[str, int]] = []
        self.resumed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        out = crawler.settings.get("CLEARCRAWL_OUTPUT_DIR")
        if not out:
            raise ValueError("CLEARCRAWL_OUTPUT_DIR is not set: the frontier journal lives there")
        from scrapy import signals

        df = cls(crawler, Path(out), debug=crawler.settings.getbool("DUPEFILTER_DEBUG"))
        crawler.signals.connect(df.spider_opened, signal=signals.spider_opened)
        if crawler.settings.get("JOBDIR"):
            logger.warning(
                "JOBDIR is set: Scrapy will also restore its own queue on resume, and requests "
                "in it may be fetched twice. clearcrawl's resume needs no JOBDIR."
            )
        return df

    def _fp(self, url: str) -> bytes:
        return self.fingerprinter.fingerprint(self._request_cls(url))

    def open(self) -> None:
        self.job_dir.mkdir(parents=True, exist_ok=True)
        # The journal middleware may have created it empty already: only content means resume.
        if self.journal_path.exists() and self.journal_path.stat().st_size > 0:
            self.resumed = True
            self._load_resume_state()
        self._journal = self.journal_path.open("ab", buffering=0)

    def _load_resume_state(self) -> None:
        archived = 0
        for url in archived_urls(self.out_dir / "warc"):
            self._fingerprints.add(self._fp(url))
            archived += 1
        queued: set[bytes] = set()
        for url, depth in journaled_urls(self.out_dir):
            fp = self._fp(url)
            if fp in self._fingerprints or fp in queued:
                continue
            queued.add(fp)
            self._requeue.append((url, depth))
        stats = self.crawler.stats
        if stats is not None:
            stats.set_value("clearcrawl/resume/archived_urls", archived)
            stats.set_value("clearcrawl/resume/requeued", len(self._requeue))
        logger.info(
            "Resuming: %d URLs already archived, %d re-queued from the frontier journal",
            archived,
            len(self._requeue),
        )

    def spider_opened(self, spider: Any) -> None:
        if not self._requeue:
            return
        engine = self.crawler.engine  # set from spider_opened on (Scrapy raises before that)
        depth_priority = self.crawler.settings.getint("DEPTH_PRIORITY")
        callback = getattr(spider, "parse", None)
        errback = getattr(spider, "errback", None)
        for url, depth in self._requeue:
            # Through the dupefilter like any request (journaled again: harmless, the resume
            # after this one dedupes by fingerprint), so a rediscovered link is not queued twice.
            engine.crawl(
                self._request_cls(
                    url,
                    callback=callback,
                    errback=errback,
                    priority=-depth * depth_priority,
                    meta={"depth": depth},
                )
            )
        self._requeue = []

    def request_seen(self, request: Request) -> bool:
        fp = self.fingerprinter.fingerprint(request)
        seen = fp in self._fingerprints
        if not seen:
            self._fingerprints.add(fp)
            if self._journal is not None and not request.meta.get(META_JOURNALED):
                self._journal.write(_journal_line(request.url, int(request.meta.get("depth", 0))))
        redirected_from = request.meta.get("redirect_urls")
        if redirected_from:
            # The redirect's target is journaled (or known): its 3xx capture may be written.
            self.crawler.signals.send_catch_log(signal=links_journaled, url=redirected_from[-1])
        return seen

    def close(self, reason: str) -> None:
        if self._journal is not None:
            self._journal.close()
            self._journal = None

    def log(self, request: Request, spider: Any) -> None:
        if self.debug:
            logger.debug("Filtered duplicate request: %s", request, extra={"spider": spider})
