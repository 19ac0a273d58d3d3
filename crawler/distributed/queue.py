"""Requests in the shared frontier: how they are encoded, pushed and leased.

:class:`LeasedPriorityQueue` adapts ``scrapy_redis.queue.PriorityQueue`` (scrapy-redis 0.9.1):
the same sorted set ordered by ``-priority`` and the same request serialisation
(``Request.to_dict`` + a serializer with ``dumps``/``loads``, pickle by default), but

* ``push`` goes through :meth:`crawler.distributed.frontier.Frontier.push_many`, which checks the
  fleet's pending and done sets and the crawl's budget in the same Lua script (scrapy-redis
  checks its dupefilter and then pushes: two round trips that two workers can interleave);
* ``pop`` leases instead of removing (:meth:`~crawler.distributed.frontier.Frontier.pop`), so a
  worker killed with the request in hand loses nothing: the lease runs out and the request goes
  back in the queue;
* each member starts with the request's 20-byte fingerprint, so the Lua scripts can key the
  in-flight set and the done-set without unpickling, and the pickled dict leaves out the
  fields at their defaults (:data:`DEFAULTS`);
* ``meta`` is reduced to plain values before it is stored: the rights layer hangs parsed pages,
  exchanges and verdicts on a request's meta, and a redirect copies them onto its target; those
  belong to one worker's fetch, not to the shared queue (and would make every member kilobytes).
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable
from typing import Any

from scrapy import Request
from scrapy.utils.request import fingerprint, request_from_dict
from scrapy_redis.queue import PriorityQueue

from crawler.distributed.frontier import FP_LEN, Frontier
from filters.prefetch import origin_of_url, origin_url
from spiders.sitemaps import META_SITEMAP

#: The meta keys a queued request keeps (plus any key whose value is a plain value and whose
#: name does not start with ``_``, ``download_`` or ``clearcrawl_``).
KEEP_META = frozenset({"clearcrawl_seed"})
_PLAIN = (str, int, float, bool, type(None))


def _plain(value: Any) -> bool:
    if isinstance(value, _PLAIN):
        return True
    if isinstance(value, (list, tuple)):
        return all(isinstance(v, _PLAIN) for v in value)
    return False


def portable_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """Return the part of a request's meta that may travel to another worker."""
    out: dict[str, Any] = {}
    for key, value in meta.items():
        if key in KEEP_META or (
            not key.startswith(("_", "download_", "clearcrawl_")) and _plain(value)
        ):
            out[key] = list(value) if isinstance(value, tuple) else value
    return out


def request_fp(request: Request) -> bytes:
    """Scrapy's request fingerprint (``REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"``)."""
    return fingerprint(request)


def url_fp(url: str) -> bytes:
    """Return the fingerprint of a plain GET of ``url`` (what a capture's URL acknowledges)."""
    return fingerprint(Request(url))


def cap_origin(request: Request) -> str:
    """Return the origin ``request`` counts against under ``--max-pages-per-origin`` ('' = none).

    As in the single-machine spider (:mod:`spiders.seeding`), the cap counts the page URLs the
    spider asks for (seeds and links): a redirect's target (the redirect middleware schedules
    it, the spider never sees it) and sitemap files (:data:`spiders.sitemaps.META_SITEMAP`) do
    not count; policy files never pass through the frontier.
    """
    if request.meta.get("redirect_urls") or request.meta.get(META_SITEMAP):
        return ""
    return origin_url(origin_of_url(request.url))


#: ``Request.to_dict`` fields at their ``Request()`` defaults: left out of a queue member
#: (``request_from_dict`` passes only the fields present, so the defaults come back). Halves a
#: member's size; at a billion queued URLs that is hundreds of GB of Redis memory.
DEFAULTS: dict[str, Any] = {
    "callback": None,
    "errback": None,
    "headers": {},
    "body": b"",
    "cookies": {},
    "meta": {},
    "encoding": "utf-8",
    "flags": [],
    "cb_kwargs": {},
    "dont_filter": False,
    "method": "GET",
    "priority": 0,
}


def encode(fp: bytes, data: dict[str, Any]) -> bytes:
    """Queue member: fingerprint, then the pickled request dict without its default fields."""
    if len(fp) != FP_LEN:
        raise ValueError(f"fingerprint must be {FP_LEN} bytes")
    compact = {k: v for k, v in data.items() if k not in DEFAULTS or DEFAULTS[k] != v}
    return fp + pickle.dumps(compact, protocol=pickle.HIGHEST_PROTOCOL)


def decode(member: bytes) -> tuple[bytes, dict[str, Any]]:
    """Split a queue member into (fingerprint, request dict)."""
    # The frontier is the crawl's own Redis (trusted like scrapy-redis's pickled queue).
    return member[:FP_LEN], pickle.loads(member[FP_LEN:])  # noqa: S301


def seed_dict(url: str, *, depth: int = 0) -> dict[str, Any]:
    """Return the request dict of a seed pushed without a spider (``clearcrawl seed``)."""
    data = Request(url, meta={"clearcrawl_seed": url, "depth": depth}).to_dict()
    data["callback"] = "parse"
    data["errback"] = "errback"
    return data


class LeasedPriorityQueue(PriorityQueue):  # type: ignore[misc]  # scrapy-redis is untyped
    """scrapy-redis's priority queue with leases and fleet-wide dedupe (module docstring)."""

    def __init__(
        self,
        server: Any,
        spider: Any,
        key: str,
        serializer: Any = None,
        *,
        frontier: Frontier,
        worker: str,
        lease_s: float,
    ) -> None:
        super().__init__(server, spider, key, serializer)
        self.frontier = frontier
        self.worker = worker
        self.lease_s = lease_s

    def __len__(self) -> int:
        return self.frontier.queue_length()

    def entry(self, request: Request) -> tuple[bytes, float, bytes, str]:
        data = request.to_dict(spider=self.spider)
        data["meta"] = portable_meta(data.get("meta") or {})
        fp = request_fp(request)
        return fp, -float(request.priority), encode(fp, data), cap_origin(request)

    def push_many(self, requests: Iterable[Request]) -> list[int]:
        """Push requests that are new to the fleet; one code per request (see the frontier)."""
        return self.frontier.push_many(self.entry(r) for r in requests)

    def push(self, request: Request) -> None:
        self.push_many([request])

    def pop(self, timeout: int = 0) -> Request | None:
        member = self.frontier.pop(self.worker, self.lease_s)
        if member is None:
            return None
        fp, data = decode(member)
        request: Request = request_from_dict(data, spider=self.spider)
        request.meta[META_LEASE] = fp
        return request

    def clear(self) -> None:
        """Never: the frontier outlives every worker (``clearcrawl status`` reads it)."""


#: The fingerprint a leased request was popped under (its ack key).
META_LEASE = "_clearcrawl_lease"
