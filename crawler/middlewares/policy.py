"""Pre-fetch rights gate: robots.txt (RFC 9309) and policy-file opt-outs, per origin.

Replaces Scrapy's ``RobotsTxtMiddleware`` (which allows everything when robots.txt is
unreachable, keys its cache by netloc only and never expires it; ``shared/reference/robots.md``
§2). For every page request it makes sure the origin's policy files are fetched (through the
normal downloader, so they are archived in the WARC like any response), evaluates them, records
the verdict in ``request.meta["clearcrawl_prefetch"]`` and refuses the request with
``IgnoreRequest`` when any honoured token is disallowed or a reservation is known before
fetching. A refused URL still gets a decision (``not-fetched``) with its evidence.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.httpobj import urlparse_cached

from crawler import signals as cc_signals
from crawler.decisions import not_fetched_record
from crawler.exchange import iso, utc_now
from crawler.middlewares.capture import META_KIND
from crawler.policyconf import load_policy, load_tokens
from filters.results import FetchPermission
from filters.robots import RobotsPolicy, robots_from_fetch

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

META_PREFETCH = "clearcrawl_prefetch"
Origin = tuple[str, str, int]


def origin_of(request: Request) -> Origin:
    """RFC 9309 §2.3: robots.txt applies to one scheme + host + port."""
    parsed = urlparse_cached(request)
    scheme = parsed.scheme.lower()
    port = parsed.port or (443 if scheme == "https" else 80)
    return scheme, (parsed.hostname or "").lower(), port


def origin_url(origin: Origin) -> str:
    scheme, host, port = origin
    default = 443 if scheme == "https" else 80
    hostpart = f"[{host}]" if ":" in host else host
    return f"{scheme}://{hostpart}" + ("" if port == default else f":{port}")


class PolicyFilesMiddleware:
    """Downloader middleware (100): fetch, cache and apply each origin's policy files."""

    def __init__(self, crawler: Crawler, *, tokens: tuple[str, ...], cache_seconds: float) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.tokens = tokens
        self.cache_seconds = cache_seconds
        self.policy = load_policy(crawler.settings)
        self._robots: dict[Origin, tuple[float, RobotsPolicy]] = {}
        self._pending: dict[Origin, asyncio.Future[RobotsPolicy]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PolicyFilesMiddleware:
        s = crawler.settings
        cache = s.getfloat("CLEARCRAWL_ROBOTS_CACHE_SECONDS")
        if not 0 < cache <= 24 * 3600:
            raise ValueError("CLEARCRAWL_ROBOTS_CACHE_SECONDS must be in (0, 86400] (RFC 9309 §2.4)")
        return cls(crawler, tokens=load_tokens(s), cache_seconds=cache)

    async def process_request(self, request: Request, spider: Any = None) -> None:
        if request.meta.get(META_KIND, "page") != "page":
            return
        if not request.url.startswith(("http://", "https://")):
            return
        robots = await self.robots_for(origin_of(request))
        verdict = robots.verdict(request.url, self.tokens)
        reasons: list[str] = []
        if not verdict.allowed:
            reasons.append("robots-unreachable" if robots.mode == "disallow-all" else "robots-disallowed")
        signals = robots.optout_signals(request.url, self.tokens)
        reasons.extend(f"optout:{s.signal}" for s in signals if s.reserved)
        permission = FetchPermission(
            allowed=not reasons, reasons=tuple(reasons), robots=verdict, optout=signals,
            policy_files=(robots.ref,),
        )
        request.meta[META_PREFETCH] = permission
        if permission.allowed:
            return
        for r in reasons:
            self.stats.inc_value(f"clearcrawl/prefetch/{r.split(':', 1)[0]}")
        self.stats.inc_value("clearcrawl/decision/not-fetched")
        self.crawler.signals.send_catch_log(
            signal=cc_signals.rights_decided,
            record=not_fetched_record(request.url, reasons, permission, self.policy),
            exchange=None,
        )
        logger.debug("Refused before fetching %s: %s", request.url, ", ".join(reasons))
        raise IgnoreRequest(f"clearcrawl: {', '.join(reasons)}")

    async def robots_for(self, origin: Origin) -> RobotsPolicy:
        cached = self._robots.get(origin)
        if cached and time.monotonic() - cached[0] < self.cache_seconds:
            return cached[1]
        pending = self._pending.get(origin)
        if pending is not None:
            return await asyncio.shield(pending)
        fut: asyncio.Future[RobotsPolicy] = asyncio.get_running_loop().create_future()
        self._pending[origin] = fut
        try:
            policy = await self._fetch_robots(origin)
            self._robots[origin] = (time.monotonic(), policy)
            fut.set_result(policy)
            return policy
        except BaseException as exc:
            fut.set_exception(exc)
            raise
        finally:
            del self._pending[origin]

    async def _fetch_robots(self, origin: Origin) -> RobotsPolicy:
        url = origin_url(origin) + "/robots.txt"
        req = Request(
            url,
            priority=1000,
            dont_filter=True,
            callback=NO_CALLBACK,
            meta={META_KIND: "robots.txt", "redirect_ttl": 5, "handle_httpstatus_all": True},
        )
        fetched_at = iso(utc_now())
        self.stats.inc_value("clearcrawl/robots/request_count")
        try:
            resp = await self.crawler.engine.download_async(req)
        except Exception as exc:
            self.stats.inc_value(f"clearcrawl/robots/exception_count/{type(exc).__name__}")
            logger.warning(
                "robots.txt for %s could not be fetched (%s); treating the origin as disallowed "
                "(RFC 9309 §2.3.1.4) until a later fetch succeeds", url, exc,
            )
            return robots_from_fetch(url, 0, b"", fetched_at, error=f"{type(exc).__name__}: {exc}")
        self.stats.inc_value(f"clearcrawl/robots/response_status_count/{resp.status}")
        if resp.status >= 500 or resp.status == 429:
            logger.warning(
                "robots.txt for %s returned %s; treating the origin as disallowed "
                "(RFC 9309 §2.3.1.4) until a later fetch succeeds", url, resp.status,
            )
        return robots_from_fetch(url, resp.status, resp.body, fetched_at, final_url=resp.url)
