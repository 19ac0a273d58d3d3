"""Each origin's policy files fetched once per cache window for the whole fleet.

:class:`~crawler.middlewares.prefetch.PolicyFilesMiddleware` caches an origin's robots.txt,
tdmrep.json and ai.txt verdict inputs per *process* for ``CLEARCRAWL_ROBOTS_CACHE_SECONDS``
(RFC 9309 §2.4: at most 24 hours); with N workers every origin would be asked N times per
window. This subclass keeps the per-process cache and its in-process coalescing, and puts a
fleet cache under it, in Redis:

1. ``policy:{origin}`` holds the evaluated :class:`filters.prefetch.OriginPolicies` — every
   verdict input (parsed files, statuses, the fetched bytes' digests and fetch times, which
   are in each file's ``PolicyFileRef``) — plus the fetch time and the worker that fetched it,
   and expires with the cache window counted from the fetch, not from the reads;
2. on a miss, one worker takes ``policy-lock:{origin}`` (``SET NX PX``) and fetches the files
   through its downloader, so they are archived in *its* WARC files like any response, and
   publishes the entry only once its WARC writer reports them written: a worker killed between
   the fetch and the write must not leave the fleet deciding on files no WARC holds (the
   export re-checks every decision against the archived files). The others wait for the entry,
   or fetch the files themselves once the lock is gone;
3. where the archived copy is: the ``policy-warc`` hash maps each policy-file URL to the WARC
   file and offset that hold it (and the worker and its folder), filled from the fetching
   worker's ``captures_archived`` events (:class:`crawler.distributed.extension.FleetExtension`);
   the export itself finds the files across all crawl folders it is given, by URL and digest.

A worker that takes a verdict from the fleet cache still sends ``crawl_delay_found``, so its
download slots and the fleet politeness gate know the origin's Crawl-delay.

The entry is pickled (like scrapy-redis's queued requests): the frontier's Redis is the crawl's
own, trusted infrastructure. An entry that does not unpickle is treated as missing (refetched),
never as permission.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import time
from typing import TYPE_CHECKING, Any

from crawler.distributed.fleet import FleetWorker, fleet_of
from crawler.distributed.frontier import FrontierUnavailable
from crawler.middlewares.prefetch import PolicyFilesMiddleware
from filters.prefetch import FetchResult, Origin, OriginPolicies, origin_of_url, origin_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: Seconds between looks at the fleet cache while another worker fetches an origin's files.
POLL_S = 0.1
#: Seconds the fetching worker waits for its WARC writer to write an origin's policy files
#: before it gives up sharing the verdict (the others then fetch the files themselves).
ARCHIVE_WAIT_S = 60.0


class FleetPolicyFilesMiddleware(PolicyFilesMiddleware):
    """Policy files per origin, once per window for the fleet (module docstring)."""

    fleet: FleetWorker
    _expires: dict[Origin, float]  # fleet entry's end of window (epoch seconds), per origin
    _fetched: dict[Origin, set[str]]  # policy-file URLs fetched (and redirected to) per origin

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FleetPolicyFilesMiddleware:
        mw = super().from_crawler(crawler)
        assert isinstance(mw, FleetPolicyFilesMiddleware)  # noqa: S101 - cls is a subclass
        mw.fleet = fleet_of(crawler)
        mw._expires = {}
        mw._fetched = {}
        return mw

    def _keys(self, origin: Origin) -> tuple[str, str]:
        p = self.fleet.frontier.prefix
        base = origin_url(origin)
        return f"{p}policy:{base}", f"{p}policy-lock:{base}"

    async def policies_for(self, origin: Origin) -> OriginPolicies:
        expires = self._expires.get(origin)
        if expires is not None and time.time() >= expires:
            # The fleet entry's window is over: drop the per-process copy too (RFC 9309 §2.4).
            self._cache.discard(origin)
            del self._expires[origin]
        return await super().policies_for(origin)

    async def _load(self, origin: Origin) -> OriginPolicies:
        f = self.fleet.frontier
        key, lock = self._keys(origin)
        window_ms = int(self.cache_seconds * 1000)
        lock_ms = self.fleet.token_ttl_ms  # renewed by this worker's heartbeat while it lives
        while True:
            if self.fleet.failed is not None:
                raise RuntimeError(self.fleet.failed)  # refused as prefetch-error (fail closed)
            try:
                raw = f.call(f.redis.get, key)
                entry = _unpickle(raw) if raw else None
                if entry is not None:
                    return self._from_fleet(origin, entry)
                got = f.call(f.redis.set, lock, self.fleet.worker_id, nx=True, px=lock_ms)
            except FrontierUnavailable as exc:
                self.fleet.fail(exc)
                continue
            if got:
                self.fleet.lock_taken(lock)
                break
            await asyncio.sleep(POLL_S)
        self.stats.inc_value("clearcrawl/fleet/policy_fetched")
        try:
            fetched_at = time.time()
            self._fetched[origin] = set()
            policies = await super()._load(origin)
            entry = {"policies": policies, "fetched_at": fetched_at, "worker": self.fleet.worker_id}
            # Published only once the files are in this worker's WARC: other workers decide on
            # this entry, and the export needs the archived copies to re-check those decisions.
            if await self._archived(self._fetched.pop(origin, set())):
                try:
                    f.call(
                        f.redis.set,
                        key,
                        pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL),
                        px=window_ms,
                    )
                except FrontierUnavailable as exc:
                    self.fleet.fail(exc)
            else:
                self.stats.inc_value("clearcrawl/fleet/policy_not_published")
            self._expires[origin] = fetched_at + self.cache_seconds
            self.fleet.count("policy/fetched")
            return policies
        finally:
            self.fleet.lock_given_back(lock)
            try:
                if f.call(f.redis.get, lock) == self.fleet.worker_id.encode():
                    f.call(f.redis.delete, lock)
            except FrontierUnavailable:
                pass

    async def _fetch(self, url: str, kind: str) -> FetchResult:
        result = await super()._fetch(url, kind)
        if result.status:  # a response came: its capture (and its redirects') will be archived
            urls = self._fetched.setdefault(origin_of_url(url), set())
            urls.update({url, result.final_url or url})
        return result

    async def _archived(self, urls: set[str]) -> bool:
        """Wait until this worker's WARC writer has written ``urls`` (False after the timeout)."""
        waiting = set(urls)
        deadline = time.monotonic() + ARCHIVE_WAIT_S
        while waiting:
            waiting -= self.fleet.take_archived(waiting)
            if not waiting:
                break
            if time.monotonic() > deadline or self.fleet.failed is not None:
                logger.warning(
                    "policy files %s not archived within %.0f s; not shared with the fleet",
                    sorted(waiting),
                    ARCHIVE_WAIT_S,
                )
                return False
            await asyncio.sleep(POLL_S / 2)
        return True

    def _from_fleet(self, origin: Origin, entry: dict[str, Any]) -> OriginPolicies:
        policies: OriginPolicies = entry["policies"]
        self._expires[origin] = float(entry["fetched_at"]) + self.cache_seconds
        self.stats.inc_value("clearcrawl/fleet/policy_from_cache")
        self.fleet.count("policy/from_fleet_cache")
        robots = policies.robots
        if robots is not None:
            base = origin_url(origin)
            self._robots_parsed(base, base + "/robots.txt", robots)
        return policies


def _unpickle(raw: bytes) -> dict[str, Any] | None:
    try:
        entry = pickle.loads(raw)  # noqa: S301 - the crawl's own Redis (module docstring)
    except Exception:  # noqa: BLE001 - a torn or foreign entry: fetch again (never treated as a verdict)
        logger.warning("unreadable fleet policy-cache entry; fetching the files again")
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("policies"), OriginPolicies):
        return None
    return entry
