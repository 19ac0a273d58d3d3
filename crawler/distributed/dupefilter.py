"""The fleet's duplicate filter: a URL is seen when it is pending or done, fleet-wide.

Adapts ``scrapy_redis.dupefilter.RFPDupeFilter`` (scrapy-redis 0.9.1), which ``SADD``s a SHA-1
of its own fingerprint when a request is *enqueued* into one ever-growing set, and deletes the
set when the spider closes (``close()``). Here:

* the fingerprint is Scrapy's own (``scrapy.utils.request.fingerprint``, the 2.7 fingerprinter
  clearcrawl sets), so a fingerprint computed by ``clearcrawl seed`` without a crawler and one
  computed by a worker agree;
* "seen" has two parts (:mod:`crawler.distributed.frontier`): *pending* (queued or leased) and
  *done* (acknowledged once its record is written to a WARC file). A URL becomes done only
  when archived or decided, so a lost worker's URLs are never mistaken for fetched ones;
* the done part is an exact set or a Bloom filter (``CLEARCRAWL_FRONTIER_BLOOM_CAPACITY``,
  :mod:`crawler.distributed.bloom`; a false positive skips a page, it never admits one);
* nothing is deleted on close: the frontier outlives any one worker.

The check-and-enqueue itself is one Lua script in :meth:`Frontier.push_many` (the scheduler
calls it); :meth:`request_seen` is the read-only form of the same test, for tools and tests.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy_redis.dupefilter import RFPDupeFilter

from crawler.distributed.frontier import Frontier
from crawler.distributed.queue import request_fp


class FleetDupeFilter(RFPDupeFilter):  # type: ignore[misc]  # scrapy-redis is untyped
    """Pending-or-done test against the shared frontier (module docstring)."""

    def __init__(self, frontier: Frontier, *, debug: bool = False) -> None:
        super().__init__(frontier.redis, key=frontier.k_done, debug=debug)
        self.frontier = frontier

    def request_fingerprint(self, request: Request) -> bytes:
        return request_fp(request)

    def request_seen(self, request: Request) -> bool:
        fp = self.request_fingerprint(request)
        f = self.frontier
        if f.call(f.redis.sismember, f.k_pending, fp):
            return True
        if f.bloom is None:
            return bool(f.call(f.redis.sismember, f.k_done, fp))
        key, bits = f.bloom.locate(fp)
        pipe = f.redis.pipeline(transaction=False)
        for bit in bits:
            pipe.getbit(f"{f.prefix}bloom:{key}", bit)
        return all(f.call(pipe.execute))

    def close(self, reason: str = "") -> None:
        """Keep the fingerprints (scrapy-redis deletes them here)."""

    def clear(self) -> None:
        """Never clear the fleet's done-set from a worker."""

    def log(self, request: Request, spider: Any) -> None:
        if self.debug:
            self.logger.debug("Filtered duplicate request: %s", request, extra={"spider": spider})
