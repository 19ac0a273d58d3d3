"""Acknowledge archived URLs as close to the write as possible, and again after a crash.

Issue 13 asks that nothing archived is fetched again. A URL is archived when its record is in a
WARC file on one machine and done when the frontier in Redis says so; no operation makes both
true at once, so a worker killed between the two leaves a URL archived and still leased, and
when the lease runs out another worker would fetch it again. Two mechanisms make that window
as small as it can be:

* :class:`WrittenAck` runs *in the WARC writer process* (:mod:`crawler.warcprocess`, configured
  through ``CLEARCRAWL_WARC_ACK`` by :class:`crawler.distributed.addon.FleetAddon`). Right after
  a page's or decision's record is written (an unbuffered write: the bytes are in the kernel,
  so a SIGKILL of the process does not lose them) and before the next record is taken, it
  acknowledges the URL in Redis when this worker holds its lease. The crawl process then only
  forgets the lease (:class:`crawler.distributed.fleet.FleetWorker`: one Redis round trip per
  page, not two); with the writer in a thread of the crawl process it acks there, after the
  write and before the next one. What remains is one Redis round trip after the write. Because the writer rotates files only when
  the next record arrives, a record in that window is always in the file that was still open.
* :func:`acknowledge_recovered`: a worker restarted on the same ``--out`` closes that open file
  (:func:`crawler.warcrecovery.recover_warc_dir`) and acknowledges every URL its ledger lists
  before fetching anything. A URL still leased to the dead worker becomes done; one whose
  lease already ran out and that waits in the queue again is dropped when popped (the pop
  script skips fingerprints that are no longer pending), so it is not fetched either.

What still fetches an archived page twice: the writer process killed between the write and
its Redis round trip, *and* the lease running out and another worker taking the URL before a
worker is restarted on that folder (a machine that never comes back). Each such URL is then
fetched twice and archived twice; export keeps one row (it deduplicates by URL).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from crawler.distributed.frontier import Frontier, FrontierUnavailable

logger = logging.getLogger(__name__)

#: ``CLEARCRAWL_FRONTIER_TEST_KILL_AT_WRITE`` points: where the test aid kills the worker.
KILL_POINTS = ("before-ack", "after-ack")


def parse_kill_at(value: str) -> tuple[int, str]:
    """Parse the test aid ``N:POINT`` (kill at the N-th page or decision record, 0 = never)."""
    if not value:
        return 0, ""
    n, _, point = value.partition(":")
    if not n.isdigit() or point not in KILL_POINTS:
        raise ValueError(
            "CLEARCRAWL_FRONTIER_TEST_KILL_AT_WRITE must be N:before-ack or N:after-ack, "
            f"got {value!r}"
        )
    return int(n), point


def ack_config(settings: Any) -> dict[str, Any]:
    """``CLEARCRAWL_WARC_ACK``: what the writer process needs to acknowledge for its worker."""
    kill_n, kill_point = parse_kill_at(settings.get("CLEARCRAWL_FRONTIER_TEST_KILL_AT_WRITE") or "")
    return {
        "frontier": settings.get("CLEARCRAWL_FRONTIER_URL"),
        "crawl_id": settings.get("CLEARCRAWL_FRONTIER_CRAWL_ID") or "default",
        "worker": settings.get("CLEARCRAWL_FRONTIER_WORKER_ID"),
        "kill_at": kill_n,
        "kill_point": kill_point,
    }


class WrittenAck:
    """In the WARC writer process: acknowledge each written URL this worker leased."""

    def __init__(
        self, frontier: Frontier, worker: str, *, kill_at: int = 0, kill_point: str = ""
    ) -> None:
        self.frontier = frontier
        self.worker = worker
        self.kill_at = kill_at
        self.kill_point = kill_point
        self.written_n = 0
        self.failed = False
        self.acked = 0

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> WrittenAck:
        frontier = Frontier(config["frontier"], config["crawl_id"])
        try:
            frontier.configure_bloom_from_meta(frontier.meta())
        except FrontierUnavailable:
            # The crawl process meets the same failure and stops the worker (fail closed);
            # nothing is acknowledged from here, so the leases run out instead.
            ack = cls(frontier, config["worker"])
            ack.failed = True
            return ack
        return cls(
            frontier,
            config["worker"],
            kill_at=int(config.get("kill_at") or 0),
            kill_point=str(config.get("kill_point") or ""),
        )

    def written(self, url: str) -> None:
        """``url``'s record is in the file: acknowledge it now (one Redis round trip)."""
        from crawler.distributed.queue import url_fp

        self.written_n += 1
        if self.written_n == self.kill_at and self.kill_point == "before-ack":
            self._kill_worker(url)
        if not self.failed:
            try:
                self.acked += self.frontier.ack([url_fp(url)], owner=self.worker)
            except FrontierUnavailable:
                self.failed = True  # the crawl process's ack fails too and stops the worker
        if self.written_n == self.kill_at and self.kill_point == "after-ack":
            self._kill_worker(url)

    def _kill_worker(self, url: str) -> None:
        """Test aid (``CLEARCRAWL_FRONTIER_TEST_KILL_AT_WRITE``): SIGKILL the worker here."""
        sys.stderr.write(
            f"clearcrawl: test aid: killing the worker at {self.kill_point} of {url}\n"
        )
        sys.stderr.flush()
        os.kill(os.getppid(), signal.SIGKILL)
        os._exit(137)


def acknowledge_recovered(frontier: Frontier, urls: Iterable[str]) -> int:
    """Mark done every URL of a restarted worker's recovered WARC files.

    Returns how many were still pending (leased to the dead worker, or queued again after its
    lease ran out).
    """
    from crawler.distributed.queue import url_fp

    n = 0
    batch: list[bytes] = []
    for url in urls:
        batch.append(url_fp(url))
        if len(batch) >= 1000:
            n += frontier.ack(batch)
            batch = []
    n += frontier.ack(batch)
    return n


def recovered_urls(paths: Iterable[Path]) -> Iterable[str]:
    """Yield the URLs the ledgers of ``paths`` (recovered WARC files) list."""
    from crawler.warcwriter import ledger_path

    for path in paths:
        ledger = ledger_path(path)
        if not ledger.exists():
            continue
        with ledger.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield line.rstrip("\n")
