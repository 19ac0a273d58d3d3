"""One worker's side of the fleet: its leases, its counters, its heartbeat, its failure.

One :class:`FleetWorker` per crawler (:func:`fleet_of`), shared by the scheduler, the
middlewares and :class:`crawler.distributed.extension.FleetExtension`:

* **leases** — every request the worker popped and has not yet seen written to its WARC file;
  a heartbeat thread renews them every ``heartbeat_s`` (a quarter of the lease) and, on the way,
  puts other workers' expired leases back in the queue (:meth:`Frontier.reap`). A lease this
  worker has held for longer than ``max_hold_s`` is no longer renewed: something lost it
  locally, and letting it expire re-queues it (a second fetch at worst, never a lost page);
* **acknowledgement** — the WARC writer process acks each URL its worker leased right after
  writing the record (:mod:`crawler.distributed.ack`), and :data:`crawler.signals.captures_archived`
  (sent when the writer reports the write) only forgets the lease here; with the writer in a
  thread of this process (``CLEARCRAWL_WARC_PROCESS = False``) that signal acks, in the writer
  thread, before the next record is written. If the writer process cannot reach Redis, the
  heartbeat fails too and the worker stops (the unacknowledged leases run out);
* **counters** — fetched / decided / archived, by kind, outcome and reason, added up locally and
  sent with the heartbeat (``clearcrawl status`` reads them);
* **fail closed** — any Redis failure (:class:`FrontierUnavailable`) marks the worker failed:
  the scheduler hands out nothing more, the politeness gate refuses to start a download, the
  spider closes with ``frontier_unreachable`` and ``clearcrawl worker`` exits 1 with one line.
  What it held is not acknowledged, so its leases run out and another worker fetches them.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from crawler.distributed.frontier import Frontier, FrontierUnavailable, new_worker_id

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

_ATTR = "_clearcrawl_fleet"

#: KEYS: token sets; ARGV: ttl ms, then one token per key. Extends tokens still held.
RENEW_TOKENS_LUA = """
local t = redis.call('TIME'); local now = t[1] * 1000 + math.floor(t[2] / 1000)
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], 'XX', now + tonumber(ARGV[1]), ARGV[i + 1])
  redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[1]))
end
return #KEYS
"""
FAILED_REASON = "frontier_unreachable"


def fleet_of(crawler: Crawler) -> FleetWorker:
    """Return the crawler's :class:`FleetWorker`, built from its settings on first use."""
    fleet = getattr(crawler, _ATTR, None)
    if fleet is None:
        fleet = FleetWorker.from_settings(crawler)
        setattr(crawler, _ATTR, fleet)
    return fleet


class FleetWorker:
    """Leases, counters and heartbeat of one worker (module docstring)."""

    def __init__(
        self,
        frontier: Frontier,
        *,
        worker_id: str,
        lease_s: float,
        idle_exit_s: float,
        out_dir: str = "",
        crawler: Crawler | None = None,
        writer_acks: bool = False,
    ) -> None:
        self.frontier = frontier
        self.worker_id = worker_id
        self.lease_s = lease_s
        self.heartbeat_s = max(0.2, min(5.0, lease_s / 4))
        self.max_hold_s = max(600.0, 10 * lease_s)
        self.idle_exit_s = idle_exit_s
        self.out_dir = out_dir
        #: The WARC writer process acknowledges in Redis itself (crawler.distributed.ack).
        self.writer_acks = writer_acks
        self.crawler = crawler
        self.failed: str | None = None
        self.scheduler: Any = None  # the LeasedScheduler, once built
        self.last_counts: Any = None  # the fleet's numbers at the last heartbeat (progress)
        self.started = time.time()
        self._lock = threading.Lock()
        self._leases: dict[bytes, float] = {}  # fp -> monotonic time popped
        self._counts: Counter[str] = Counter()
        self._totals: Counter[str] = Counter()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._rate: list[tuple[float, int]] = []
        #: Policy-file URLs this worker has archived and the policy cache has not yet consumed.
        self.archived_policy_urls: set[str] = set()
        # Politeness tokens this worker holds (key, token): renewed with each heartbeat.
        self._tokens: set[tuple[str, str]] = set()
        self._locks: set[str] = set()
        self.token_ttl_ms = int(3 * self.heartbeat_s * 1000) + 1000
        self._renew_tokens = frontier.redis.register_script(RENEW_TOKENS_LUA)

    @classmethod
    def from_settings(cls, crawler: Crawler) -> FleetWorker:
        s = crawler.settings
        url = s.get("CLEARCRAWL_FRONTIER_URL")
        if not url:
            raise ValueError("CLEARCRAWL_FRONTIER_URL is not set: the shared frontier needs it")
        lease_s = s.getfloat("CLEARCRAWL_FRONTIER_LEASE_SECONDS")
        if lease_s < 1:
            raise ValueError("CLEARCRAWL_FRONTIER_LEASE_SECONDS must be at least 1")
        idle = s.getfloat("CLEARCRAWL_FRONTIER_IDLE_EXIT")
        if idle < 0:
            raise ValueError("CLEARCRAWL_FRONTIER_IDLE_EXIT must be >= 0 (0 = run until stopped)")
        frontier = Frontier(url, s.get("CLEARCRAWL_FRONTIER_CRAWL_ID") or "default")
        try:
            frontier.configure_bloom_from_meta(frontier.meta())
        except FrontierUnavailable as exc:
            raise ValueError(str(exc)) from exc
        return cls(
            frontier,
            worker_id=s.get("CLEARCRAWL_FRONTIER_WORKER_ID") or new_worker_id(),
            lease_s=lease_s,
            idle_exit_s=idle,
            writer_acks=bool(s.getdict("CLEARCRAWL_WARC_ACK"))
            and s.getbool("CLEARCRAWL_WARC_PROCESS", True),
            out_dir=str(s.get("CLEARCRAWL_OUTPUT_DIR") or ""),
            crawler=crawler,
        )

    # -- failure ---------------------------------------------------------------------------
    def fail(self, exc: BaseException) -> None:
        """Stop fetching: Redis is gone (fail closed). Logged once, as one line."""
        if self.failed is not None:
            return
        self.failed = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        # INFO: ``clearcrawl worker`` ends with this as its one error line (exit 1).
        logger.info("%s; this worker stops fetching", self.failed)
        crawler = self.crawler
        if crawler is None or crawler.engine is None:
            return
        from scrapy.utils.defer import deferred_from_coro
        from twisted.internet import reactor

        engine = crawler.engine

        def close() -> None:
            if engine.spider is not None:
                deferred_from_coro(engine.close_spider_async(reason=FAILED_REASON))

        reactor.callFromThread(close)

    # -- leases ----------------------------------------------------------------------------
    def leased(self, fp: bytes) -> None:
        with self._lock:
            self._leases[fp] = time.monotonic()

    def held(self) -> int:
        with self._lock:
            return len(self._leases)

    def archived(self, fps: list[bytes]) -> None:
        """Acknowledge the leased fingerprints among ``fps`` (their records are written)."""
        with self._lock:
            mine = [fp for fp in fps if fp in self._leases]
            self._counts["archived"] += len(fps)
        if not mine or self.failed is not None:
            return
        if not self.writer_acks:  # else done already: the writer acked before it told us
            try:
                self.frontier.ack(mine)
            except FrontierUnavailable as exc:
                self.fail(exc)
                return
        with self._lock:
            for fp in mine:
                self._leases.pop(fp, None)
            self._counts["acknowledged"] += len(mine)

    def policy_file_archived(self, where: dict[str, tuple[str, int]]) -> None:
        """Record where this worker archived policy files (``policy-warc`` hash, by URL)."""
        with self._lock:
            self.archived_policy_urls.update(where)
        f = self.frontier
        mapping = {
            url: json.dumps(
                {"warc": w[0], "offset": w[1], "worker": self.worker_id, "out": self.out_dir},
                sort_keys=True,
            )
            for url, w in where.items()
        }
        try:
            f.call(f.redis.hset, f.prefix + "policy-warc", mapping=mapping)
        except FrontierUnavailable as exc:
            self.fail(exc)

    def take_archived(self, urls: set[str]) -> set[str]:
        """Return (and forget) those of ``urls`` whose captures this worker has written."""
        with self._lock:
            found = urls & self.archived_policy_urls
            self.archived_policy_urls -= found
        return found

    def release_unacknowledged(self) -> int:
        """At a graceful end: give back what was taken and not archived (back in the queue)."""
        with self._lock:
            fps = list(self._leases)
            self._leases.clear()
        if not fps or self.failed is not None:
            return 0
        try:
            return self.frontier.release(self.worker_id, fps)
        except FrontierUnavailable:
            return 0  # the leases run out instead

    # -- politeness tokens -----------------------------------------------------------------
    def token_taken(self, key: str, token: str) -> None:
        with self._lock:
            self._tokens.add((key, token))

    def token_given_back(self, key: str, token: str) -> None:
        with self._lock:
            self._tokens.discard((key, token))

    def lock_taken(self, key: str) -> None:
        """Keep a lock key alive with the heartbeat (a killed worker's lock expires quickly)."""
        with self._lock:
            self._locks.add(key)

    def lock_given_back(self, key: str) -> None:
        with self._lock:
            self._locks.discard(key)

    # -- counters --------------------------------------------------------------------------
    def count(self, key: str, n: int = 1) -> None:
        with self._lock:
            self._counts[key] += n

    def totals(self) -> Counter[str]:
        with self._lock:
            return self._totals + self._counts

    # -- heartbeat -------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="clearcrawl-fleet-heartbeat", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.beat(stopped=True)

    def _run(self) -> None:
        while not self._stop.wait(self.heartbeat_s):
            self.beat()

    def beat(self, *, stopped: bool = False) -> None:
        """Renew leases, re-queue expired ones, send counters and this worker's line."""
        if self.failed is not None:
            return
        now = time.monotonic()
        with self._lock:
            renew = [fp for fp, t in self._leases.items() if now - t < self.max_hold_s]
            tokens = list(self._tokens)
            locks = list(self._locks)
            deltas = dict(self._counts)
            self._totals.update(self._counts)
            self._counts.clear()
            fetched = self._totals["fetched"]
            archived = self._totals["archived"]
        self._rate.append((now, fetched))
        self._rate = [(t, n) for t, n in self._rate if now - t <= 60.0]
        t0, n0 = self._rate[0]
        rate = (fetched - n0) / (now - t0) if now > t0 else 0.0
        try:
            if renew and not stopped:
                self.frontier.renew(self.worker_id, renew, self.lease_s)
            if tokens and not stopped:
                self.frontier.call(
                    self._renew_tokens,
                    keys=[k for k, _ in tokens],
                    args=[self.token_ttl_ms, *(t for _, t in tokens)],
                )
            for key in locks if not stopped else ():
                self.frontier.call(self.frontier.redis.pexpire, key, self.token_ttl_ms)
            if not stopped:
                self.frontier.reap()
            self.frontier.incr_stats(deltas)
            self.frontier.heartbeat(
                self.worker_id,
                {
                    "host": socket.gethostname(),
                    "pid": os.getpid(),
                    "out": self.out_dir,
                    "started": self.started,
                    "seen": self.frontier.server_time(),
                    "heartbeat_s": self.heartbeat_s,
                    "fetched": fetched,
                    "archived": archived,
                    "held": len(renew),
                    "pages_per_s": round(rate, 2),
                    "stopped": stopped,
                },
            )
            self.last_counts = self.frontier.counts()
        except FrontierUnavailable as exc:
            with self._lock:  # not sent: keep them for a later beat
                self._counts.update(deltas)
                self._totals.subtract(deltas)
            self.fail(exc)
