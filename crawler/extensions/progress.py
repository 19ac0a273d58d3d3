"""Live progress of a crawl on stderr (``clearcrawl crawl``/``demo``; off with ``--quiet``).

What a user of a long crawl needs to know is whether it is alive, how fast it goes, how much
is left and how big the archive grows: each line has the elapsed time, pages fetched and the
rate, the scheduler's queue (``scheduler/enqueued`` − ``scheduler/dequeued``) and the requests
in flight, the share of ``--max-pages`` spent with an ETA (without a budget: the rate only),
refusals, captures archived and the WARC bytes this run wrote.

On a terminal it redraws one rich status line; otherwise it prints a plain line every 15 s, so
CI logs show that a long crawl is alive without flooding them.

The formatting functions at the top are pure (no Scrapy, no clock), so the ETA arithmetic is
unit-tested and the export's progress (:mod:`crawler.cli.export`) uses the same words and units.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filters.reasons import Reason

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

PLAIN_INTERVAL_S = 15.0
WARC_NAMES = (".warc.gz", ".warc.gz.open")


# --- pure formatting ----------------------------------------------------------------------
def format_duration(seconds: float) -> str:
    """``42 s``, ``3 min 05 s``, ``2 h 07 min``, ``3 d 04 h`` (two units at most)."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m} min {s:02d} s"
    h, m = divmod(m, 60)
    if h < 24:
        return f"{h} h {m:02d} min"
    d, h = divmod(h, 24)
    return f"{d} d {h:02d} h"


def format_bytes(n: float) -> str:
    """Decimal units, as disks and S3 bills count: ``512 B``, ``1.5 kB``, ``12.3 MB``."""
    value = float(max(0, n))
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")  # pragma: no cover


def per_second(count: float, seconds: float) -> float:
    """``count / seconds``; 0 when no time has passed (never a division by zero)."""
    return count / seconds if seconds > 0 else 0.0


def eta_seconds(done: float, total: float, elapsed: float, *, start: float = 0) -> float | None:
    """Seconds left to reach ``total`` at this run's pace, or None when it cannot be told.

    ``done`` counts from the beginning of the job and ``start`` is what was already done when
    this run began (a resumed crawl spends what is left of its budget), so the pace is
    ``(done - start) / elapsed`` and the time left ``(total - done) / pace``.
    """
    if total <= 0:
        return None
    if done >= total:
        return 0.0
    progressed = done - start
    if progressed <= 0 or elapsed <= 0:
        return None
    return (total - done) * elapsed / progressed


@dataclass(frozen=True, slots=True)
class CrawlProgress:
    """A snapshot of the crawl's counters (this run unless said otherwise)."""

    elapsed: float
    fetched: int
    refused: int
    archived: int
    candidates: int
    queued: int
    in_flight: int
    budget: int = 0  # --max-pages; 0 = none
    budget_used: int = 0  # pages counted against it, earlier runs of a resumed crawl included
    budget_start: int = 0  # what earlier runs had used
    warc_bytes: int = 0
    offsite: int = 0  # links to other origins, recorded but never requested (no refusal)


def crawl_line(p: CrawlProgress) -> str:
    """One progress line: elapsed, fetched and rate, queue, budget share and ETA, archive."""
    rate = per_second(p.fetched + p.refused, p.elapsed)
    parts = [f"crawl {format_duration(p.elapsed)}: {p.fetched} fetched ({rate:.1f} URLs/s)"]
    if p.budget:
        used = min(p.budget_used, p.budget)
        eta = eta_seconds(used, p.budget, p.elapsed, start=p.budget_start)
        eta_text = "ETA ?" if eta is None else f"ETA {format_duration(eta)}"
        parts.append(f"{used}/{p.budget} pages ({100 * used / p.budget:.0f}%) {eta_text}")
    parts.append(f"queue {p.queued}+{p.in_flight} in flight")
    parts.append(f"{p.archived} archived, {format_bytes(p.warc_bytes)} WARC")
    parts.append(f"{p.refused} refused")
    if p.offsite:
        parts.append(f"{p.offsite} off-site not followed")
    parts.append(f"{p.candidates} candidates")
    return ", ".join(parts)


def export_line(captures: int, done_bytes: int, total_bytes: int, elapsed: float) -> str:
    """One export progress line: records read, WARC bytes of the total, rate and ETA."""
    rate = per_second(captures, elapsed)
    head = f"export {format_duration(elapsed)}: {captures} WARC captures read ({rate:.1f}/s)"
    if total_bytes > 0:
        done = min(done_bytes, total_bytes)
        eta = eta_seconds(done, total_bytes, elapsed)
        eta_text = "ETA ?" if eta is None else f"ETA {format_duration(eta)}"
        return (
            f"{head}, {format_bytes(done)} of {format_bytes(total_bytes)} WARC "
            f"({100 * done / total_bytes:.0f}%), {eta_text}"
        )
    return f"{head}, {format_bytes(done_bytes)} WARC"


# --- WARC bytes a run wrote ----------------------------------------------------------------
def warc_names(warc_dir: Path) -> set[str]:
    """Names of the WARC files (closed or open) in ``warc_dir`` now."""
    if not warc_dir.is_dir():
        return set()
    return {p.name for p in warc_dir.iterdir() if p.name.endswith(WARC_NAMES)}


def warc_bytes_since(warc_dir: Path, before: set[str]) -> int:
    """Bytes of the WARC files written since ``before`` was taken (:func:`warc_names`).

    A run never appends to an earlier file (it rotates to a new serial), so new names are this
    run's files. Files already uploaded and deleted locally are counted from
    ``DIR/s3-uploads.jsonl`` (sizes verified by HEAD).
    """
    total = 0
    local: set[str] = set()
    if warc_dir.is_dir():
        for p in warc_dir.iterdir():
            if p.name.endswith(WARC_NAMES) and p.name not in before:
                try:
                    total += p.stat().st_size
                except OSError:  # renamed (closed) between listing and stat
                    continue
                local.add(p.name.removesuffix(".open"))
    uploads = warc_dir.parent / "s3-uploads.jsonl"
    if uploads.is_file():
        with uploads.open(encoding="utf-8") as fh:
            for line in fh:
                try:
                    entry = json.loads(line)
                    name = str(entry["uri"]).rsplit("/", 1)[-1]
                    size = int(entry["size"])
                except (ValueError, KeyError, TypeError):
                    continue
                if name.endswith(".warc.gz") and name not in before and name not in local:
                    local.add(name)
                    total += size
    return total


# --- the Scrapy extension -----------------------------------------------------------------
class ProgressExtension:
    """Report the crawl's progress while it runs (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.tty = sys.stderr.isatty()
        self._loop: Any = None
        self._status: Any = None
        self._last_plain = time.monotonic()
        self._t0 = time.monotonic()
        out = crawler.settings.get("CLEARCRAWL_OUTPUT_DIR")
        self._warc_dir = Path(out) / "warc" if out else None
        self._warc_before = warc_names(self._warc_dir) if self._warc_dir else set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressExtension:
        from scrapy import signals
        from scrapy.exceptions import NotConfigured

        if not crawler.settings.getbool("CLEARCRAWL_PROGRESS"):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def snapshot(self) -> CrawlProgress:
        g = self.crawler.stats.get_value
        cand = g("clearcrawl/decision/exported-candidate", 0)
        exc = g("clearcrawl/decision/excluded", 0)
        nf = g("clearcrawl/decision/not-fetched", 0)
        # Not-fetched decisions that are no refusal: off-site links (never requested, so not
        # counted against --max-pages either), redirect targets past the limit, failed fetches.
        offsite = g("clearcrawl/excluded/off-site", 0)
        not_refused = offsite + sum(
            g(f"clearcrawl/excluded/{r}", 0) for r in (Reason.REDIRECT_LIMIT, Reason.FETCH_ERROR)
        )
        try:
            engine = self.crawler.engine
        except RuntimeError:  # not started yet (Scrapy raises rather than return None)
            engine = None
        downloader = getattr(engine, "downloader", None)
        spider = getattr(engine, "spider", None)
        budget = int(getattr(spider, "max_pages", 0) or 0)
        earlier = int(getattr(spider, "_from_journal", 0) or 0)
        return CrawlProgress(
            elapsed=time.monotonic() - self._t0,
            fetched=cand + exc,
            refused=max(0, nf - not_refused),
            offsite=offsite,
            archived=g("clearcrawl/warc/captures", 0),
            candidates=cand,
            queued=max(0, g("scheduler/enqueued", 0) - g("scheduler/dequeued", 0)),
            in_flight=len(getattr(downloader, "active", ()) or ()),
            budget=budget,
            budget_used=earlier + cand + exc + nf - offsite,
            budget_start=earlier,
            warc_bytes=(
                warc_bytes_since(self._warc_dir, self._warc_before) if self._warc_dir else 0
            ),
        )

    def _line(self) -> str:
        return crawl_line(self.snapshot())

    def _text(self) -> Any:
        from rich.text import Text

        # One line whatever the terminal's width: cut, never wrapped.
        return Text(self._line(), no_wrap=True, overflow="ellipsis")

    def opened(self, spider: Any) -> None:
        from twisted.internet import task

        self._t0 = time.monotonic()
        self._last_plain = self._t0
        if self.tty:
            from rich.console import Console

            self._status = Console(stderr=True).status(self._text())
            self._status.start()
        self._loop = task.LoopingCall(self.tick)
        self._loop.start(0.5, now=False)

    def tick(self) -> None:
        if self._status is not None:
            self._status.update(self._text())
        elif time.monotonic() - self._last_plain >= PLAIN_INTERVAL_S:
            self._last_plain = time.monotonic()
            print(self._line(), file=sys.stderr, flush=True)

    def stop(self) -> None:
        """Stop redrawing (spider close, or a forced stop where no close signal comes)."""
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        if self._status is not None:
            self._status.stop()
            self._status = None

    def closed(self, spider: Any, reason: str) -> None:
        self.stop()
