"""Seeds from a file and per-origin page caps: the site spider's broad-crawl half.

:class:`SeedingMixin` gives :class:`spiders.site.SiteSpider`:

* ``seeds_file`` — seeds read lazily with :func:`crawler.seeds.read_seeds` while the crawl runs.
  Scrapy (2.13+) pulls ``start()`` as fast as it yields, so the generator itself waits — the
  lazy start-request pattern of Scrapy's docs (``start-requests-lazy``) — while the engine
  cannot take more requests (``engine.needs_backout()``) *and* at least
  :func:`seeds_in_flight` seeds are queued or downloading. Waiting only for an empty scheduler,
  as the docs' example does, would let one large site's links hold every other seed back; a
  standing pool of seeds keeps new origins in the scheduler, where
  ``DownloaderAwarePriorityQueue`` serves the origins with the fewest downloads first. The
  frontier then holds a few hundred seeds, not the file. Each valid seed's origin joins the crawl's scope as it is read. An invalid line is
  recorded (``not-fetched``, ``invalid-seed:<why>``, its URL the file's line as an RFC 5147
  reference, :func:`seed_line_uri`, with the line's text) and counted in
  ``clearcrawl/seeds/invalid``.
* ``max_pages_per_origin`` — at most N distinct page URLs requested per origin (RFC 6454 scheme,
  host, port; :func:`filters.prefetch.origin_of_url`, the unit robots.txt applies to). Links
  beyond it are recorded once each (``not-fetched``, ``origin-page-cap:N``) and not requested.
  Policy files and sitemaps do not count. On ``--resume`` the frontier journal's URLs count.

Memory per seed is what any requested URL costs (the spider's and the dupefilter's seen-sets,
``benchmarks/seeds_memory.py`` measures it); the seed reader itself holds one line.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.utils.asyncio import sleep as scrapy_sleep

from crawler.digestset import DigestSet
from crawler.recorder import DecisionRecorder
from crawler.seeds import STDIN, read_seeds
from filters.prefetch import Origin, origin_of_url
from filters.reasons import Reason

if TYPE_CHECKING:
    from filters.policy import Policy

logger = logging.getLogger(__name__)


def seeds_in_flight(concurrent_requests: int) -> int:
    """File seeds kept queued or downloading: twice the downloader's capacity, at least 64."""
    return max(64, 2 * concurrent_requests)


def seed_line_uri(seeds_file: str | None, line: int) -> str:
    """Name line ``line`` (1-based) of the seeds file as a URI: ``file:///PATH#line=N-1,N``.

    A line that is no URL cannot be its own record's URL (the WARC's ``WARC-Target-URI`` must be
    a URI, WARC 1.1 §5.4), so the record names where it is: RFC 5147 §3 line fragments of a
    ``text/plain`` file (``#line=5,6`` is the sixth line). Standard input is ``/dev/stdin``.
    """
    stdin = not seeds_file or seeds_file == STDIN
    path = Path("/dev/stdin") if stdin else Path(str(seeds_file)).absolute()
    return f"{path.as_uri()}#line={line - 1},{line}"


class SeedingMixin:
    """Seeds-file feeding and per-origin caps (mixed into the site spider)."""

    crawler: Any
    policy: Policy
    recorder: DecisionRecorder
    origins: set[Origin]
    seeds_file: str | None
    max_pages_per_origin: int

    def _init_seeding(self, seeds_file: str | None, max_pages_per_origin: int | str) -> None:
        self.seeds_file = str(seeds_file) if seeds_file else None
        self.max_pages_per_origin = int(max_pages_per_origin or 0)
        if self.max_pages_per_origin < 0:
            raise ValueError("max_pages_per_origin must be >= 0 (0 = no limit)")
        self._per_origin: dict[Origin, int] = {}
        self._seeds_pending = 0  # file seeds yielded whose request has not ended yet
        self._seeds_in_flight = 200
        self._over_cap = DigestSet()  # 8-byte digests: each over-cap URL recorded once

    def _pace_seeds(self, settings: Any) -> None:
        self._seeds_in_flight = seeds_in_flight(settings.getint("CONCURRENT_REQUESTS", 16))

    # -- seeds file ------------------------------------------------------------------------
    async def _file_seeds(self) -> AsyncIterator[str]:
        """Yield the valid seed URLs of ``seeds_file``, paced by the engine (invalid lines recorded)."""
        if not self.seeds_file:
            return
        stats = self.crawler.stats
        for seed in read_seeds(self.seeds_file):
            if seed.url is None:
                self._record_invalid_seed(seed.line, seed.text, seed.error or "invalid")
                continue
            stats.inc_value("clearcrawl/seeds/read")
            self.origins.add(origin_of_url(seed.url))
            engine = self.crawler.engine
            while (
                engine is not None
                and self._seeds_pending >= self._seeds_in_flight
                and engine.needs_backout()
            ):
                # Polled, not signalled: if a seed's end were ever missed, an idle downloader
                # still lets the file go on (needs_backout() is then False).
                await scrapy_sleep(0.2)
            yield seed.url

    def _file_seed_done(self) -> None:
        """One file seed's request ended (reached, failed or dropped)."""
        self._seeds_pending = max(0, self._seeds_pending - 1)

    def _record_invalid_seed(self, line: int, text: str, why: str) -> None:
        self.crawler.stats.inc_value("clearcrawl/seeds/invalid")
        self.recorder.not_fetched(
            seed_line_uri(self.seeds_file, line),
            [Reason.INVALID_SEED.with_arg(why)],
            details={"seeds_file": {"path": self.seeds_file, "line": line, "text": text}},
        )
        logger.info(
            "seeds file %s line %d is not a seed URL (%s): %r", self.seeds_file, line, why, text
        )

    # -- per-origin cap --------------------------------------------------------------------
    def _count_origin(self, url: str) -> None:
        """Count a URL an earlier run requested against its origin's cap (``--resume``)."""
        if self.max_pages_per_origin:
            origin = origin_of_url(url)
            self._per_origin[origin] = self._per_origin.get(origin, 0) + 1

    def _origin_admits(self, url: str) -> bool:
        """Take one page of ``url``'s origin's cap; False (and recorded once) when it is spent."""
        cap = self.max_pages_per_origin
        if not cap:
            return True
        origin = origin_of_url(url)
        taken = self._per_origin.get(origin, 0)
        if taken < cap:
            self._per_origin[origin] = taken + 1
            return True
        stats = self.crawler.stats
        stats.inc_value("clearcrawl/spider/origin_page_cap_reached")
        key = hashlib.blake2b(url.encode("utf-8", "surrogatepass"), digest_size=8).digest()
        if key in self._over_cap:
            return False
        self._over_cap.add(key)
        self.recorder.not_fetched(url, [Reason.ORIGIN_PAGE_CAP.with_arg(cap)])
        return False
