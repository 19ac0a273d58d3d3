"""Pre-fetch rights gate: robots.txt (RFC 9309) and policy-file opt-outs, per origin.

Replaces Scrapy's ``RobotsTxtMiddleware``, which allows everything when robots.txt is
unreachable (RFC 9309 §2.3.1.4: disallow all), keys its cache by netloc only (§2.3: per scheme,
host and port) and never expires it (§2.4: at most 24 hours). For every page request it makes sure the origin's policy files are fetched (through the
normal downloader, so they are archived in the WARC like any response), evaluates them
(:func:`filters.prefetch.fetch_permission`), records the verdict in
``request.meta["clearcrawl_prefetch"]`` and refuses the request with ``IgnoreRequest`` when any
honoured token is disallowed or a reservation is known before fetching. A refused URL still
gets a decision (``not-fetched``) with its evidence.

Per origin (scheme, host, port; RFC 9309 §2.3), once per cache window
(``CLEARCRAWL_ROBOTS_CACHE_SECONDS``, at most 24 h, §2.4), this middleware drives the shared
sans-I/O plan :class:`filters.prefetch.PrefetchPlan` (the registry
:data:`filters.prefetch.POLICY_FILES` says which files, in which order) with Scrapy requests:

1. ``/robots.txt``. Redirects are followed by Scrapy's ``RedirectMiddleware`` with
   ``redirect_ttl`` 5 (§2.3.1.2: five hops; the sixth, and any loop, which exhausts the hops,
   end as "unreachable" = complete disallow). 5xx and 429 are retried by ``RetryMiddleware``
   first; a failure is cached for the same window and re-fetched after it.
2. ``/.well-known/tdmrep.json``, ``/ai.txt`` and the RSL licences robots.txt names
   (``License:``, RSL 1.0 §4.4; evaluated with ``CLEARCRAWL_RSL_USER`` / ``CLEARCRAWL_RSL_GEO``;
   one on another host only if *that* host's robots.txt, :meth:`robots_for`, lets every
   honoured token read it, then fetched once per URL per cache window for the whole crawl),
   concurrently, each only if robots.txt lets
   every honoured token fetch it. Otherwise the file is not read, and unless robots.txt already
   refuses everything the origin's pages are refused with ``policy-file-refused-by-robots:<file>``
   (fail closed, but not recorded as an opt-out the site never made; counted in
   ``clearcrawl/<file>/refused_by_robots`` per origin and
   ``clearcrawl/prefetch/policy-file-refused-by-robots/<file>`` per URL).
3. The TDM policies (TDMRep ``tdm-policy``, ODRL) the reserving rules of tdmrep.json name, on
   the origin, each fetched once per cache window when robots.txt lets every honoured token
   read it (:data:`filters.prefetch.TDM_POLICY`): archived, their terms recorded, never an
   admission (a grant naming one relies on its terms).

tdmrep.json is parsed, validated and compiled into its rule index once per origin, in a worker
thread (``asyncio.to_thread``): a file near its 500 KiB cap holds ~10k rules, and JSON decoding
plus validation must not stall the event loop. Per-URL matching against the compiled index
stays inline (microseconds for ordinary files), except for an origin whose file makes it costly
(``TdmrepPolicy.costly``: over 1,000 rules sharing a head, about 1 ms per 1,000): those URLs are
evaluated in a worker thread too (``benchmarks/tdmrep_rules.py`` measures both).

Politeness: every request gets the download slot of its origin (``download_slot`` meta), so
``CONCURRENT_REQUESTS_PER_DOMAIN`` applies per origin; after each robots.txt parse the
:data:`crawl_delay_found` signal lets :class:`crawler.extensions.crawldelay.CrawlDelayExtension`
set that slot's delay.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http.request import NO_CALLBACK

from crawler import signals as cc_signals
from crawler.cache import SingleFlight, TtlCache
from crawler.exchange import iso, utc_now
from crawler.middlewares.capture import META_KIND
from crawler.recorder import DecisionRecorder
from crawler.rightsconfig import load_grants, load_rsl_context, load_tokens
from filters.grants import admit
from filters.prefetch import (
    POLICY_FILES,
    ROBOTS_TXT,
    RSL_LICENSE,
    TDMREP_JSON,
    FetchResult,
    Origin,
    OriginPolicies,
    PolicyFetch,
    PrefetchPlan,
    fetch_permission,
    origin_of_url,
    origin_url,
)
from filters.reasons import Reason
from filters.results import FetchPermission
from filters.robots import DISALLOW_ALL, MAX_BYTES, REFUSED_BY_ROBOTS, RobotsPolicy
from filters.rsl import NO_CONTEXT, RslContext

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

__all__ = [
    "META_PREFETCH",
    "META_SLOT",
    "OriginCache",
    "PolicyFilesMiddleware",
    "crawl_delay_found",
    "origin_of",
    "origin_of_url",
    "origin_url",
]

META_PREFETCH = "clearcrawl_prefetch"
META_SLOT = "download_slot"
T = TypeVar("T")

#: ``crawl_delay_found(slot: str, delay_s: float | None, evidence: Evidence | None, url: str)``:
#: sent after every robots.txt parse, also when it states no delay (so a re-fetched file that
#: dropped its Crawl-delay resets the slot). Belongs in :mod:`crawler.signals` eventually.
crawl_delay_found = object()

#: Stats stem per policy-file kind (``clearcrawl/<stem>/...``), from the registry.
POLICY_FILE_STATS = {k.name: k.stat for k in POLICY_FILES}
#: Every status except the redirects ``RedirectMiddleware`` follows: policy-file responses reach
#: us whatever their status, while 301/302/303/307/308 are still followed (``redirect_ttl``).
_NOT_REDIRECTS = [s for s in range(100, 600) if s not in (301, 302, 303, 307, 308)]


def origin_of(request: Request) -> Origin:
    """Return the origin of ``request`` (see :func:`origin_of_url`)."""
    return origin_of_url(request.url)


class OriginCache(TtlCache[Origin, T]):
    """Per-origin values that expire ``max_age_s`` after they were stored (RFC 9309 §2.4)."""


class PolicyFilesMiddleware:
    """Downloader middleware (100): fetch, cache and apply each origin's policy files."""

    def __init__(
        self,
        crawler: Crawler,
        *,
        tokens: tuple[str, ...],
        cache_seconds: float,
        max_bytes: int = MAX_BYTES,
        clock: Callable[[], float] = time.monotonic,
        rsl_context: RslContext = NO_CONTEXT,
    ) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.tokens = tokens
        self.cache_seconds = cache_seconds
        self.max_bytes = max_bytes
        self.rsl_context = rsl_context
        self.recorder = DecisionRecorder(crawler)
        self.grants = load_grants(crawler.settings)
        self._cache: OriginCache[OriginPolicies] = OriginCache(cache_seconds, clock)
        self._loading: SingleFlight[Origin, OriginPolicies] = SingleFlight()
        #: robots.txt per origin, fetched apart from the origin's plan so that a licence host's
        #: file can be read for another origin's plan without waiting on its own (two origins
        #: naming each other's licences never wait on each other).
        self._robots_cache: OriginCache[RobotsPolicy] = OriginCache(cache_seconds, clock)
        self._robots_loading: SingleFlight[Origin, RobotsPolicy] = SingleFlight()
        #: Fetches of files on another origin (RSL licences of a collective or a CDN), per URL
        #: for the whole crawl, whichever origins name them; each plan parses its own copy.
        self._shared: TtlCache[str, FetchResult] = TtlCache(cache_seconds, clock, 10_000)
        self._shared_loading: SingleFlight[str, FetchResult] = SingleFlight()
        self._clock = clock

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PolicyFilesMiddleware:
        s = crawler.settings
        cache = s.getfloat("CLEARCRAWL_ROBOTS_CACHE_SECONDS")
        if not 0 < cache <= 24 * 3600:
            raise ValueError(
                "CLEARCRAWL_ROBOTS_CACHE_SECONDS must be in (0, 86400] (RFC 9309 §2.4)"
            )
        max_bytes = s.getint("CLEARCRAWL_ROBOTS_MAX_BYTES", MAX_BYTES)
        if max_bytes < MAX_BYTES:
            raise ValueError(
                f"CLEARCRAWL_ROBOTS_MAX_BYTES must be at least {MAX_BYTES} (RFC 9309 §2.5: "
                "parse at least 500 KiB)"
            )
        return cls(
            crawler,
            tokens=load_tokens(s),
            cache_seconds=cache,
            max_bytes=max_bytes,
            rsl_context=load_rsl_context(s),
        )

    # -- the gate --------------------------------------------------------------------------
    async def process_request(self, request: Request, spider: Any = None) -> None:
        if request.meta.get(META_KIND, "page") != "page":
            return
        if not request.url.startswith(("http://", "https://")):
            return
        origin = origin_of(request)
        # Always the request's own origin: a redirected request inherits the meta of its source.
        request.meta[META_SLOT] = origin_url(origin)
        try:
            policies = await self.policies_for(origin)
            if policies.tdmrep.costly:  # thousands of tdmrep.json rules share a head
                self.stats.inc_value("clearcrawl/tdmrep/threaded_evaluations")
                permission = await asyncio.to_thread(
                    fetch_permission, policies, request.url, self.tokens
                )
            else:
                permission = fetch_permission(policies, request.url, self.tokens)
        except Exception as exc:  # never let a failure here admit a URL
            logger.debug("pre-fetch evaluation of %s failed", request.url, exc_info=True)
            self.stats.inc_value(f"clearcrawl/prefetch/exception_count/{type(exc).__name__}")
            permission = FetchPermission(
                allowed=False, reasons=(Reason.PREFETCH_ERROR.with_arg(type(exc).__name__),)
            )
        if not permission.allowed and self.grants is not None:
            # An agreement that names every opt-out refusing this URL (and nothing else refuses
            # it) lets it be fetched; the reasons stay on record, and the page decision lifts
            # them under the same agreement (filters.grants.admit). robots.txt never yields.
            granted = admit(
                self.grants,
                request.url,
                datetime.now(UTC),
                permission.reasons,
                tdm_policies=permission.tdm_policies,
            )
            if granted.admitted:
                self.stats.inc_value("clearcrawl/grants/prefetch_overridden")
                permission = replace(permission, allowed=True)
        request.meta[META_PREFETCH] = permission
        if permission.allowed:
            return
        self.recorder.refused(request.url, permission)
        logger.debug("Refused before fetching %s: %s", request.url, ", ".join(permission.reasons))
        raise IgnoreRequest(f"clearcrawl: {', '.join(permission.reasons)}")

    # -- per-origin policy files -----------------------------------------------------------
    async def policies_for(self, origin: Origin) -> OriginPolicies:
        cached = self._cache.get(origin)
        if cached is not None:
            return cached

        async def load() -> OriginPolicies:
            policies = await self._load(origin)
            self._cache.put(origin, policies)
            return policies

        return await self._loading.run(origin, load)

    async def _load(self, origin: Origin) -> OriginPolicies:
        """Drive the origin's :class:`filters.prefetch.PrefetchPlan` with Scrapy requests."""
        base = origin_url(origin)
        plan = self._plan(base)
        while not plan.done:
            jobs = plan.pending()
            await asyncio.gather(*(self._run(plan, job) for job in jobs))
            robots = plan.robots
            if jobs and jobs[0].kind is ROBOTS_TXT and robots is not None:
                self._robots_parsed(base, jobs[0].url, robots)
        policies = plan.result()
        for kind in POLICY_FILES:
            if kind.gated_by_robots and policies.of(kind).outcome == REFUSED_BY_ROBOTS:
                self.stats.inc_value(f"clearcrawl/{kind.stat}/refused_by_robots")
        return policies

    def _plan(self, base: str) -> PrefetchPlan:
        return PrefetchPlan(
            base,
            self.tokens,
            max_bytes={ROBOTS_TXT.name: self.max_bytes},
            options={RSL_LICENSE.name: {"context": self.rsl_context}},
            cross_origin=True,
        )

    async def robots_for(self, origin: Origin) -> RobotsPolicy:
        """Return the origin's robots.txt policy, fetched at most once per cache window.

        Shared by the origin's own plan and by other origins' plans that must check it before
        fetching a file hosted there (an RSL licence, RSL 1.0 §4.4; RFC 9309 §2.3); it never
        waits on any plan, so plans of origins naming each other's licences cannot deadlock.
        """
        cached = self._cache.get(origin)
        if cached is not None:
            return cached.robots
        robots = self._robots_cache.get(origin)
        if robots is not None:
            return robots

        async def load() -> RobotsPolicy:
            plan = self._plan(origin_url(origin))
            (job,) = plan.pending()
            policy: RobotsPolicy = plan.parse(job, await self._fetch(job.url, job.kind.name))
            self._robots_cache.put(origin, policy)
            return policy

        return await self._robots_loading.run(origin, load)

    async def _shared_fetch(self, job: PolicyFetch) -> FetchResult:
        """Fetch a file on another origin once per URL per cache window, for the whole crawl."""
        hit = self._shared.get(job.url)
        if hit is not None:
            self.stats.inc_value(f"clearcrawl/{job.kind.stat}/shared_hits")
            return hit

        async def load() -> FetchResult:
            result = await self._fetch(job.url, job.kind.name)
            self._shared.put(job.url, result)
            return result

        return await self._shared_loading.run(job.url, load)

    def _robots_parsed(self, base: str, url: str, robots: RobotsPolicy) -> None:
        if robots.mode == DISALLOW_ALL:
            self.stats.inc_value(f"clearcrawl/robots/disallow_all/{robots.cause}")
            logger.warning("%s: %s", url, robots.reason)
        if robots.ref.truncated:
            self.stats.inc_value("clearcrawl/robots/truncated")
        delay, evidence = robots.crawl_delay_detail(self.tokens)
        self.crawler.signals.send_catch_log(
            signal=crawl_delay_found, slot=base, delay_s=delay, evidence=evidence, url=url
        )
        self.crawler.signals.send_catch_log(
            signal=cc_signals.robots_parsed, origin=base, robots=robots, url=url
        )

    async def _run(self, plan: PrefetchPlan, job: PolicyFetch) -> None:
        if job.kind is ROBOTS_TXT:
            plan.record(job, await self.robots_for(origin_of_url(job.url)))
            return
        if job.gate:  # on another origin: its own robots.txt decides first (RFC 9309 §2.3)
            refused = plan.gate(job, await self.robots_for(origin_of_url(job.gate)))
            if refused is not None:
                plan.record(job, refused)
                return
            result = await self._shared_fetch(job)
        else:
            result = await self._fetch(job.url, job.kind.name)
        if job.kind.heavy:  # parse, validate and compile off the event loop (module docstring)
            policy = await asyncio.to_thread(plan.parse, job, result)
        else:
            policy = plan.parse(job, result)
        plan.record(job, policy)
        if job.kind is TDMREP_JSON and policy.ref is not None and policy.ref.truncated:
            self.stats.inc_value("clearcrawl/tdmrep/over_cap")

    async def _fetch(self, url: str, kind: str) -> FetchResult:
        """Fetch one policy file through the downloader; status 0 when no response came."""
        stat = f"clearcrawl/{POLICY_FILE_STATS.get(kind, kind)}"
        req = Request(
            url,
            priority=1000,
            dont_filter=True,
            callback=NO_CALLBACK,
            meta={
                META_KIND: kind,
                "redirect_ttl": 5,
                "handle_httpstatus_list": _NOT_REDIRECTS,
                META_SLOT: origin_url(origin_of_url(url)),
            },
        )
        fetched_at = iso(utc_now())
        self.stats.inc_value(f"{stat}/request_count")
        try:
            resp = await self.crawler.engine.download_async(req)
        except Exception as exc:  # noqa: BLE001 - any failure is "unreachable" (RFC 9309 §2.3.1.4)
            self.stats.inc_value(f"{stat}/exception_count/{type(exc).__name__}")
            return FetchResult(
                0, b"", fetched_at, final_url=url, error=f"{type(exc).__name__}: {exc}"
            )
        self.stats.inc_value(f"{stat}/response_status_count/{resp.status}")
        hops = resp.meta.get("redirect_times", 0) if hasattr(resp, "meta") else 0
        if hops:
            self.stats.inc_value(f"{stat}/redirected")
        return FetchResult(resp.status, resp.body, fetched_at, final_url=resp.url)
