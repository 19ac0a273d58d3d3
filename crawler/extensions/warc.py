"""Scrapy extension that archives every decided exchange into WARC files.

Subscribes to :data:`crawler.signals.rights_decided`. The crawl is bound by Scrapy on one core
(one reactor thread, https://docs.scrapy.org/en/latest/topics/architecture.html; measured by
``benchmarks/crawl_throughput.py``), so the writing itself (record building, digests, gzip)
runs elsewhere: by default in a writer *process* (``python -m crawler.warcprocess``, fed pickled
captures through a pipe by one sender thread), so none of it competes for the crawl's GIL; with
``CLEARCRAWL_WARC_PROCESS = False`` in one background thread of the crawl process instead. The
queue is bounded, so a slow disk slows the crawl instead of filling memory. The writer process
dies with the crawl (``PR_SET_PDEATHSIG``) and ignores Ctrl-C (the crawl stops it after its
graceful shutdown), so a killed crawl leaves exactly what a killed single process would.

What happens to a closed file runs in a second thread, so a rotation never stalls writing:
CDXJ index (``CLEARCRAWL_WARC_CDXJ``; the writer makes it from lines collected as it wrote,
:class:`crawler.indexing.CdxjCollector`, so only a file left without one is re-read here), WACZ
package (``CLEARCRAWL_WARC_WACZ``) and, when
``CLEARCRAWL_WARC_STORE`` is an ``s3://`` URL, the verified upload
(:mod:`crawler.storage.uploader`). Closed files left by an earlier run in the same folder (a
crash, a failed upload) are picked up at start. At spider close the extension waits for the
writer, then for indexing, then at most ``CLEARCRAWL_S3_CLOSE_TIMEOUT`` seconds for uploads;
whatever is not verified stays on disk and is counted in ``clearcrawl/s3/failed`` /
``clearcrawl/s3/pending`` (``clearcrawl crawl`` then exits 1).

Crash ordering. When :class:`crawler.recovery.FrontierJournalMiddleware` is installed (it is
with ``clearcrawl crawl``), a page's capture is *held* until that middleware reports its
outlinks journaled (a redirect's, until its target is journaled; a retried response's, until the
retry is scheduled). Otherwise a kill could land after the page was archived — so ``--resume``
never fetches it again — but before its links were recorded, and that part of the site would be
silently lost. Anything held longer than ``CLEARCRAWL_WARC_HOLD_SECONDS`` (a response that went
nowhere) is written anyway.

A WARC that cannot be written stops the crawl: without the archive there is no evidence, and
clearcrawl does not collect what it cannot account for.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import task
from twisted.internet.defer import Deferred

from crawler import __version__
from crawler import signals as cc_signals
from crawler.exchange import Exchange
from crawler.indexing import cdxj_path, wacz_path, write_cdxj, write_wacz
from crawler.recovery import links_journaled
from crawler.rightsconfig import load_policy, load_rsl_context, load_tokens
from crawler.warcwriter import WARC_SUFFIX, EncodedDecision, RotatingWarcWriter

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.storage.uploader import WarcUploader
from crawler.extensions.warcsettings import build_uploader, operator_contact, output_dir

__all__ = [
    "JOURNAL_MIDDLEWARE",
    "MIN_WARC_BYTES",
    "WarcWriterExtension",
    "build_uploader",
    "operator_contact",
    "output_dir",
]


logger = logging.getLogger(__name__)

_STOP = object()
MIN_WARC_BYTES = 64 * 1024
JOURNAL_MIDDLEWARE = "crawler.recovery.FrontierJournalMiddleware"
_BATCH_S = 0.05
_BATCH_MAX = 64
_FRAME_MAX = 16  # captures per pickled frame to the writer process (~16 KB each on a 13 KB page)


class WarcWriterExtension:
    """Write request/response/metadata records for every ``rights_decided`` signal."""

    def __init__(
        self,
        crawler: Crawler,
        writer: RotatingWarcWriter,
        *,
        cdxj: bool,
        wacz: bool = False,
        uploader: WarcUploader | None = None,
        close_timeout_s: float = 3600.0,
        hold_s: float | None = None,
        child_config: dict[str, Any] | None = None,
    ) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.writer = writer
        self.cdxj = cdxj
        self.wacz = wacz
        self.uploader = uploader
        self.close_timeout_s = close_timeout_s
        self.error: BaseException | None = None
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=256)
        self._thread = threading.Thread(target=self._run, name="clearcrawl-warc", daemon=True)
        self._closed_queue: queue.Queue[Any] = queue.Queue()
        self._finisher = threading.Thread(
            target=self._finish_files, name="clearcrawl-warc-closed", daemon=True
        )
        self._closing = False
        self.hold_s = hold_s  # None: write captures as they come (no journal to wait for)
        self._held: dict[str, list[tuple[float, Exchange, EncodedDecision]]] = {}
        self._held_lock = threading.Lock()
        self._sweeper: task.LoopingCall | None = None
        self.child_config = child_config  # None: write in a thread of this process
        self._proc: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        writer.on_closed = self._closed_queue.put

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcWriterExtension:
        s = crawler.settings
        out = output_dir(crawler)
        max_bytes = s.getint("CLEARCRAWL_WARC_MAX_BYTES")
        if max_bytes < MIN_WARC_BYTES:
            raise ValueError(
                f"CLEARCRAWL_WARC_MAX_BYTES must be at least {MIN_WARC_BYTES} "
                "(WARC 1.1 Annex C suggests 1 GB; the floor catches unit typos)"
            )
        level = s.getint("CLEARCRAWL_WARC_GZIP_LEVEL")
        if not 1 <= level <= 9:
            raise ValueError("CLEARCRAWL_WARC_GZIP_LEVEL must be between 1 and 9")
        dedupe_entries = s.getint("CLEARCRAWL_WARC_DEDUPE_MAX_ENTRIES", 100_000)
        if dedupe_entries < 0:
            raise ValueError(
                "CLEARCRAWL_WARC_DEDUPE_MAX_ENTRIES must be >= 0 (0 = no revisit records)"
            )
        close_timeout = s.getfloat("CLEARCRAWL_S3_CLOSE_TIMEOUT", 3600.0)
        hold_s = s.getfloat("CLEARCRAWL_WARC_HOLD_SECONDS", 60.0)
        if hold_s <= 0:
            raise ValueError("CLEARCRAWL_WARC_HOLD_SECONDS must be > 0")
        journaled = s.getwithbase("SPIDER_MIDDLEWARES").get(JOURNAL_MIDDLEWARE) is not None
        policy = load_policy(s)
        tokens = load_tokens(s)
        user_agent = s.get("USER_AGENT") or ""
        prefix = s.get("CLEARCRAWL_WARC_PREFIX") or "clearcrawl"
        warcinfo = {
            "isPartOf": prefix,
            "http-header-user-agent": user_agent,
            "operator": operator_contact(user_agent, s.get("CLEARCRAWL_CONTACT")),
            "robots": "obey RFC 9309 for every honoured token; unreachable robots.txt = disallow",
            "clearcrawl-honoured-tokens": ", ".join(tokens),
            "clearcrawl-policy": policy.canonical_json(),
            "clearcrawl-policy-digest": policy.digest,
            "clearcrawl-rsl-user": load_rsl_context(s).user,
            "clearcrawl-rsl-geo": ", ".join(load_rsl_context(s).geo),
            "clearcrawl-withheld-bodies": "bodies of responses carrying an AI/TDM reservation "
            "are not stored (WARC-Truncated: unspecified, Clearcrawl-Withheld-Payload-Digest)",
            "description": f"clearcrawl {__version__} rights-cleared crawl",
        }
        try:
            writer = RotatingWarcWriter(
                out / "warc",
                prefix=prefix,
                max_bytes=max_bytes,
                gzip_level=level,
                warcinfo=warcinfo,
                dedupe=dedupe_entries > 0,
                dedupe_max_entries=dedupe_entries,
                # in-process writing (CLEARCRAWL_WARC_PROCESS = False): index as it writes
                cdxj=s.getbool("CLEARCRAWL_WARC_CDXJ") or s.getbool("CLEARCRAWL_WARC_WACZ", False),
            )
        except ValueError as exc:
            raise ValueError(f"CLEARCRAWL_WARC_*: {exc}") from exc
        cdxj = s.getbool("CLEARCRAWL_WARC_CDXJ")
        wacz = s.getbool("CLEARCRAWL_WARC_WACZ", False)
        child_config = None
        if s.getbool("CLEARCRAWL_WARC_PROCESS", True):
            child_config = {
                "directory": str(out / "warc"),
                "prefix": prefix,
                "host": writer.host,
                "max_bytes": max_bytes,
                "gzip_level": level,
                "warcinfo": warcinfo,
                "dedupe": dedupe_entries > 0,
                "dedupe_max_entries": dedupe_entries,
                "cdxj": cdxj,
                "wacz": wacz,
                # a fleet worker's: acknowledge in Redis right after each write (distributed/ack.py)
                "ack": s.getdict("CLEARCRAWL_WARC_ACK") or None,
                # the first detector as a thread of the writer: one Python process fewer
                "host_detector": s.getint("CLEARCRAWL_OFFLOAD_WORKERS", 2) > 0
                and s.getbool("CLEARCRAWL_OFFLOAD_IN_WRITER", True),
            }
        ext = cls(
            crawler,
            writer,
            cdxj=cdxj,
            wacz=wacz,
            child_config=child_config,
            uploader=build_uploader(crawler, out),
            close_timeout_s=close_timeout,
            hold_s=hold_s if journaled else None,
        )
        crawler.signals.connect(ext.rights_decided, signal=cc_signals.rights_decided)
        crawler.signals.connect(ext.release, signal=links_journaled)
        crawler.signals.connect(ext.request_scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    # -- lifecycle -------------------------------------------------------------------------
    def _start(self) -> None:
        if self._thread.ident is not None:
            return
        if self.child_config is not None:
            self._start_child()
        self._thread.start()
        self._finisher.start()
        if self.uploader is not None:
            self.uploader.start()
        # Closed files an earlier run left here (crash, failed upload, missing index).
        for path in sorted(self.writer.directory.glob("*" + WARC_SUFFIX)):
            self._closed_queue.put(path)

    def spider_opened(self, spider: Any) -> None:
        self._start()
        if self.hold_s is not None:
            self._sweeper = task.LoopingCall(self._sweep)
            self._sweeper.start(min(self.hold_s, 5.0), now=False)

    def rights_decided(
        self, record: dict[str, Any], exchange: Exchange | None, record_json: bytes | None = None
    ) -> None:
        if self.error is not None:
            return
        if not self._closing:
            self._start()
        # The writer needs the record's JSON and two of its fields, not the object: sent as
        # bytes, it costs the sender thread (and the writer process) next to nothing to pickle.
        encoded = EncodedDecision.of(record, record_json)
        if exchange is None:
            self._queue.put((None, (record["url"], encoded)))
            return
        if self.hold_s is not None and exchange.kind == "page":
            with self._held_lock:
                self._held.setdefault(exchange.url, []).append(
                    (time.monotonic(), exchange, encoded)
                )
            return
        self._queue.put((exchange, encoded))

    def release(self, url: str) -> None:
        """Queue the held capture(s) of ``url``: its outlinks are journaled."""
        with self._held_lock:
            items = self._held.pop(url, [])
        for _, exchange, record in items:
            self._queue.put((exchange, record))

    def request_scheduled(self, request: Any, spider: Any = None) -> None:
        # A retry (dont_filter, same URL) follows its archived error response; nothing to journal.
        if request.dont_filter:
            self.release(request.url)
            redirected_from = request.meta.get("redirect_urls")
            if redirected_from:
                self.release(redirected_from[-1])

    def _sweep(self, *, everything: bool = False) -> None:
        limit = time.monotonic() - (self.hold_s or 0.0)
        with self._held_lock:
            stale = [u for u, items in self._held.items() if everything or items[0][0] <= limit]
        for url in stale:
            if not everything:
                self.stats.inc_value("clearcrawl/warc/hold_expired")
            self.release(url)

    # -- writer process --------------------------------------------------------------------
    def _start_child(self) -> None:
        config = dict(self.child_config or {})
        hosting = config.pop("host_detector", False)
        pipes: list[int] = []
        if hosting:  # two pipes for a detector thread in the writer (crawler.offload.serve_hosted)
            jobs_r, jobs_w = os.pipe()
            answers_r, answers_w = os.pipe()
            pipes = [jobs_r, jobs_w, answers_r, answers_w]
            config["detector_fds"] = (jobs_r, answers_w)
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "crawler.warcprocess"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                pass_fds=(jobs_r, answers_w) if hosting else (),
            )
        except BaseException:
            for fd in pipes:
                os.close(fd)
            raise
        assert self._proc.stdin is not None  # noqa: S101 - Popen with PIPE
        self._proc.stdin.write(pickle.dumps(config, protocol=pickle.HIGHEST_PROTOCOL))
        self._proc.stdin.flush()
        if hosting:
            os.close(jobs_r)  # the child's ends
            os.close(answers_w)
            to_child = os.fdopen(jobs_w, "wb")
            from_child = os.fdopen(answers_r, "rb")
            taken = self.crawler.signals.send_catch_log(
                signal=cc_signals.detector_hosted,
                proc=self._proc,
                to_child=to_child,
                from_child=from_child,
            )
            if not any(result is True for _, result in taken):
                to_child.close()  # nobody decides pages off-line: the thread ends at once
                from_child.close()
        self._reader = threading.Thread(
            target=self._read_events, name="clearcrawl-warc-events", daemon=True
        )
        self._reader.start()

    def _read_events(self) -> None:
        """Turn the writer process's events into stats, closed files and errors."""
        proc = self._proc
        if proc is None or proc.stdout is None:
            return
        for line in proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            ev = event.pop("ev", "")
            if ev in ("progress", "done"):
                self.stats.set_value("clearcrawl/warc/captures", event["captures"])
                self.stats.set_value("clearcrawl/warc/revisits", event["revisits"])
                self.stats.set_value("clearcrawl/warc/bodies_withheld", event["withheld"])
            if ev == "done":
                self.stats.set_value("clearcrawl/warc/records_written", event["records"])
                self.stats.set_value("clearcrawl/warc/files", event["files"])
                self.stats.set_value("clearcrawl/warc/dedupe_evicted", event["evicted"])
                self.stats.set_value("clearcrawl/warc/process_cpu_s", event["cpu_s"])
                self.stats.set_value("clearcrawl/warc/process_peak_rss_mb", event["peak_rss_mb"])
            elif ev == "written":  # one event per batch the sender piped
                where = event.get("where") or {}
                self._written(event["urls"], {u: tuple(w) for u, w in where.items()} or None)
            elif ev == "closed":
                self._closed_queue.put(Path(event["path"]))
            elif ev == "error":
                self._fail(RuntimeError(f"WARC writer process: {event['message']}"))

    def _written(self, urls: list[str], where: dict[str, tuple[str, int]] | None = None) -> None:
        """Tell ``captures_archived`` receivers (in this thread) that ``urls`` are in the file."""
        self.crawler.signals.send_catch_log(
            signal=cc_signals.captures_archived, urls=urls, where=where or {}
        )

    def _fail(self, exc: BaseException) -> None:
        if self.error is None:
            self.error = exc
            logger.error(
                "WARC writing failed (%s); stopping the crawl (no archive, no evidence)", exc
            )
            self.crawler.stats.set_value("clearcrawl/warc/error", repr(exc))
            self._stop_crawl()

    def _send_all(self) -> None:
        """Sender thread: pickle queued captures in batches and pipe them to the writer."""
        proc = self._proc
        if proc is None or proc.stdin is None:
            return
        pipe = proc.stdin
        dumps = pickle.dumps
        proto = pickle.HIGHEST_PROTOCOL
        for batch in self._batch_lists():
            stop = batch[-1] is _STOP
            items = batch[:-1] if stop else batch
            # One frame per _FRAME_MAX captures: the writer reports each in one "written" event.
            # Capped, so a backlog of 256 queued captures is never pickled (here) and unpickled
            # (in the writer) as one object of several MB: both processes' peak RSS would pay.
            for start in range(0, len(items), _FRAME_MAX):
                if self.error is not None:
                    break
                frame = dumps(("batch", items[start : start + _FRAME_MAX]), proto)
                try:
                    pipe.write(frame)
                    pipe.flush()
                except (BrokenPipeError, OSError) as exc:
                    self._fail(exc)
                del frame
            if stop:
                break
        try:
            pipe.write(dumps(("stop",), proto))
            pipe.close()
        except (BrokenPipeError, OSError):
            pass
        code = proc.wait()
        if self._reader is not None:
            self._reader.join()
        if code != 0:
            self._fail(RuntimeError(f"WARC writer process exited with status {code}"))

    # -- writer thread ---------------------------------------------------------------------
    def _batch_lists(self) -> Any:
        """Yield lists of queued items, waking at most every ``_BATCH_S`` while the crawl runs.

        Waking per item would make this thread take the GIL back from the reactor thread
        several times per page; in batches it does its Python work in longer, rarer slices.
        """
        while True:
            item = self._queue.get()
            batch = [item]
            while item is not _STOP:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                batch.append(item)
            yield batch
            if batch[-1] is _STOP:
                return
            if len(batch) < _BATCH_MAX and not self._closing:
                time.sleep(_BATCH_S)

    def _batches(self) -> Any:
        for batch in self._batch_lists():
            yield from batch

    def _run(self) -> None:
        try:
            if self._proc is not None:
                self._send_all()
            else:
                self._write_all()
        finally:
            # CPU this thread used (in-process: mostly gzip and hashing, which release the GIL;
            # with a writer process: pickling): lets a benchmark tell archiving's cost apart.
            self.stats.set_value("clearcrawl/warc/thread_cpu_s", round(time.thread_time(), 3))

    def _write_all(self) -> None:
        for item in self._batches():
            if item is _STOP:
                break
            if self.error is not None:
                continue
            exchange, record = item
            try:
                if exchange is None:
                    url, encoded = record
                    self.writer.write_decision_only(url, encoded)
                    self._written([url])
                else:
                    pointers = self.writer.write_capture(exchange, record)
                    self.stats.inc_value("clearcrawl/warc/captures")
                    if pointers["response_record_type"] == "revisit":
                        self.stats.inc_value("clearcrawl/warc/revisits")
                    if not record.body_stored:
                        self.stats.inc_value("clearcrawl/warc/bodies_withheld")
                    where = (pointers["warc_file"], pointers["response_offset"])
                    self._written([exchange.url], {exchange.url: where})
            except BaseException as exc:
                self.error = exc
                logger.exception(
                    "WARC writing failed; stopping the crawl (no archive, no evidence)"
                )
                self.crawler.stats.set_value("clearcrawl/warc/error", repr(exc))
                self._stop_crawl()
        try:
            self.writer.close()
        except BaseException as exc:
            self.error = exc
            logger.exception("closing the WARC file failed")
            self.crawler.stats.set_value("clearcrawl/warc/error", repr(exc))
        self.stats.set_value("clearcrawl/warc/records_written", self.writer.records_written)
        self.stats.set_value("clearcrawl/warc/files", len(self.writer.closed_files))
        self.stats.set_value("clearcrawl/warc/dedupe_evicted", self.writer.payloads.evicted)

    def _stop_crawl(self) -> None:
        from scrapy.utils.defer import deferred_from_coro
        from twisted.internet import reactor

        engine = self.crawler.engine  # set while the crawl runs (Scrapy raises before that)
        reactor.callFromThread(
            lambda: deferred_from_coro(engine.close_spider_async(reason="warc_error"))
        )

    # -- closed-file thread ----------------------------------------------------------------
    def _finish_files(self) -> None:
        done: set[Path] = set()
        while True:
            path = self._closed_queue.get()
            if path is _STOP:
                break
            if path in done or not path.exists():
                continue
            done.add(path)
            try:
                if (self.cdxj or self.wacz) and not cdxj_path(path).exists():
                    write_cdxj(path)
                if self.wacz and not wacz_path(path).exists():
                    write_wacz(path)
                    self.stats.inc_value("clearcrawl/warc/wacz")
            except Exception:
                logger.exception("Indexing/packaging %s failed (the WARC itself is intact)", path)
                self.stats.inc_value("clearcrawl/warc/index_errors")
            if self.uploader is not None:
                self.uploader.submit(path)

    def _drain(self) -> None:
        """Wait (in a pool thread, at spider close) for writer, closed files, then uploads."""
        if self._thread.ident is not None:
            self._queue.put(_STOP)
            self._thread.join()
            self._closed_queue.put(_STOP)
            self._finisher.join()
        else:
            self.writer.close()
        if self.uploader is not None and self.uploader.started:
            ok = self.uploader.close(self.close_timeout_s)
            self.stats.set_value("clearcrawl/s3/failed", len(self.uploader.failed))
            self.stats.set_value("clearcrawl/s3/pending", len(self.uploader.pending))
            if not ok:
                logger.warning(
                    "Not every WARC was uploaded and verified; local copies are kept in %s",
                    self.writer.directory,
                )

    def abort(self, timeout_s: float) -> bool:
        """Close what can be closed at a forced stop (second Ctrl-C: no ``spider_closed``).

        Captures still held for their outlinks are dropped, not written: their links may not
        be journaled, and the journal already lists their URLs, so ``--resume`` fetches them
        again. What is queued is written and the open file closed (renamed from ``.open``), for
        at most ``timeout_s`` seconds; past that, the writer process dies with the crawl and
        the ``.open`` file is cut by ``--resume`` (:mod:`crawler.recovery`). Uploads are not
        waited for (``--resume`` uploads closed files). Returns True if the file was closed.
        """
        with self._held_lock:
            dropped = sum(len(items) for items in self._held.values())
            self._held.clear()
        if dropped:
            self.stats.set_value("clearcrawl/warc/dropped_at_forced_stop", dropped)
        self._closing = True
        if self._thread.ident is None:
            self.writer.close()
            return True
        try:
            self._queue.put(_STOP, timeout=timeout_s)
        except queue.Full:
            return False
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    async def spider_closed(self, spider: Any, reason: str) -> None:
        # In a thread: waiting for uploads must not freeze the reactor (progress, other hooks).
        # Our own daemon thread, not the reactor's pool: a second Ctrl-C stops the reactor, which
        # joins its pool's threads, and a drain waiting for S3 would then hold the process for
        # up to CLEARCRAWL_S3_CLOSE_TIMEOUT; the forced stop (:meth:`abort`) waits 10 s at most.
        if self._sweeper is not None and self._sweeper.running:
            self._sweeper.stop()
        self._sweep(everything=True)
        self._closing = True
        await maybe_deferred_to_future(_in_daemon_thread(self._drain))


def _in_daemon_thread(fn: Any) -> Deferred[Any]:
    """Like ``deferToThread``, in a daemon thread outside the reactor's pool."""
    from twisted.internet import reactor

    d: Deferred[Any] = Deferred()

    def run() -> None:
        try:
            result = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting coroutine
            reactor.callFromThread(d.errback, exc)
        else:
            reactor.callFromThread(d.callback, result)

    threading.Thread(target=run, name="clearcrawl-warc-drain", daemon=True).start()
    return d
