"""The site spider: follow links within the seeds' origins, let the rights layer decide.

The spider holds no rights logic. ``PolicyFilesMiddleware`` refuses what may not be fetched,
``ResponseRightsMiddleware`` decides on what was fetched and archives it; the spider only
follows links, those :func:`crawler.offload.page_links` extracted from the parse the detectors
used (in a detector process by default), and honours ``nofollow`` (robots meta tag or
``X-Robots-Tag`` addressed to us) by following none from such pages.

Arguments (``-a`` with ``scrapy crawl``, or keyword arguments): ``seeds`` (comma-separated or
a list), ``seeds_file`` (one URL per line, ``-`` for stdin, gzip accepted; read lazily,
:mod:`spiders.seeding`), ``sitemaps`` (discover pages from sitemaps, :mod:`spiders.sitemaps`),
``max_pages_per_origin`` (:mod:`spiders.seeding`), ``max_pages`` (distinct page URLs
requested, earlier runs of a resumed crawl included;
0 = no limit; links found once it is spent are journaled, so a resume with a higher budget
continues from them), ``allow_offsite`` (follow links to other origins too). Depth is Scrapy's ``DEPTH_LIMIT``.

Scope. The crawl stays on the seeds' origins (RFC 6454 scheme + host + port), plus every origin a
seed redirects into: ``http://`` → ``https://`` and apex → ``www`` would otherwise end the crawl
at one page. :class:`~crawler.middlewares.capture.ExchangeCaptureMiddleware` asks
:meth:`SiteSpider.admit_redirect_origin` when a seed's redirect chain leaves its origin and
records the answer on the redirect's decision line; the new origin's policy files are fetched
before any of its pages like any other origin's. A link to any other origin is not followed but
is recorded once (``not-fetched``, reason ``off-site``): every URL the crawl considered has a line.

Seeds that could not be reached (no HTTP answer from their origin: connection refused, DNS
failure, timeout) are counted in ``clearcrawl/seeds/*`` and kept in :attr:`SiteSpider.seed_failures`;
``clearcrawl crawl`` fails (exit 1) when no seed was reached at all.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, cast

import scrapy
from scrapy.exceptions import IgnoreRequest
from twisted.python.failure import Failure

from crawler.digestset import DigestSet
from crawler.middlewares.capture import META_SEED
from crawler.middlewares.prefetch import META_PREFETCH, META_SLOT, origin_of_url, origin_url
from crawler.offload import META_LINKS, PageLinks
from crawler.recorder import DecisionRecorder
from crawler.recovery import journal_entries, link_over_budget
from crawler.rightsconfig import load_policy, load_tokens
from filters import Policy
from filters.reasons import Reason
from filters.results import FetchPermission
from spiders.seeding import SeedingMixin
from spiders.sitemaps import META_SITEMAP, SitemapMixin

logger = logging.getLogger(__name__)


OFFSITE = Reason.OFF_SITE
#: ``request.meta`` key of a seed read from ``--seeds-file``: counted, not kept in memory.
META_FILE_SEED = "clearcrawl_file_seed"
#: Unreachable file seeds kept for the end-of-crawl message (all are in the decisions log).
MAX_SEED_FAILURES_KEPT = 100
#: Origins a seed's redirect brought into the crawl, one ``scheme://host[:port]`` a line, so a
#: resumed crawl keeps them in scope (relative to the output folder).
ORIGINS_ADDED = Path("job") / "origins-added.txt"
#: Off-site URLs already recorded (one per line), so that ``--resume`` records each only once.
OFFSITE_RECORDED = Path("job") / "offsite-recorded.txt"


class SiteSpider(SitemapMixin, SeedingMixin, scrapy.Spider):
    """Crawl from seed URLs, staying on their origins unless told otherwise."""

    name = "site"
    #: A fleet worker (crawler.distributed.spider) gets its seeds from the shared frontier.
    requires_seeds = True
    #: Set by :meth:`from_crawler` from the crawl's settings.
    tokens: tuple[str, ...]
    policy: Policy
    recorder: DecisionRecorder

    def __init__(
        self,
        seeds: str | list[str] | None = None,
        max_pages: int | str = 0,
        allow_offsite: bool | str = False,
        seeds_file: str | None = None,
        sitemaps: bool | str = False,
        max_pages_per_origin: int | str = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(seeds, str):
            seeds = [s for s in seeds.split(",") if s.strip()]
        self.seeds = [s.strip() for s in (seeds or [])]
        if not self.seeds and not seeds_file and self.requires_seeds:
            raise ValueError("the site spider needs at least one seed URL (-a seeds=URL[,URL...])")
        self._init_seeding(seeds_file, max_pages_per_origin)
        self._init_sitemaps(sitemaps)
        self.max_pages = int(max_pages or 0)
        self.allow_offsite = str(allow_offsite).lower() in {"1", "true", "yes"}
        self.origins = {origin_of_url(s) for s in self.seeds}
        # 8-byte digests, not URLs: the set lives as long as the crawl, so it must stay small.
        self._requested = DigestSet()  # ~16 bytes a URL (crawler/digestset.py)
        # Off-site URLs already recorded (same digests): a footer link on every page of a
        # million-page crawl is one decision line, not a million.
        self._offsite = DigestSet()
        # 8-byte digests of the command line's seeds reached (file seeds are only counted).
        self._seeds_reached: set[bytes] = set()
        #: seed URL -> why it could not be reached (no HTTP answer from its origin)
        self.seed_failures: dict[str, str] = {}
        self._origins_file: Path | None = None  # DIR/job/origins-added.txt (resume)
        self._offsite_path: Path | None = None  # DIR/job/offsite-recorded.txt (resume)
        self._offsite_fh: IO[str] | None = None
        self._from_journal = 0  # URLs earlier runs of a resumed crawl requested
        # Links journaled as over budget (same digests): with a small budget, most of a site.
        self._over_budget = DigestSet()
        self._offered: list[tuple[str, int]] = []  # earlier runs' over-budget links, offered again

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> SiteSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.tokens = load_tokens(crawler.settings)
        spider.policy = load_policy(crawler.settings)
        spider.recorder = DecisionRecorder(crawler, spider.policy)
        crawler.signals.connect(spider._request_dropped, signal=scrapy.signals.request_dropped)
        spider._connect_sitemaps(crawler)
        spider._pace_seeds(crawler.settings)
        out = crawler.settings.get("CLEARCRAWL_OUTPUT_DIR")
        if out:
            spider._count_earlier_runs(Path(out))
        if out:
            spider._load_added_origins(Path(out) / ORIGINS_ADDED)
            spider._load_offsite(Path(out) / OFFSITE_RECORDED)
        return spider

    def _load_offsite(self, path: Path) -> None:
        """Off-site URLs earlier runs recorded are not recorded again by ``--resume``.

        The file is appended to after each decision is logged: a kill between the two records
        a URL twice at worst, never not at all.
        """
        self._offsite_path = path
        if not path.exists():
            return
        with path.open(encoding="utf-8", errors="surrogateescape") as fh:
            for line in fh:
                if line.strip():
                    self._offsite.add(self._key(line.rstrip("\n")))

    def closed(self, reason: str) -> None:
        if self._offsite_fh is not None:
            self._offsite_fh.close()
            self._offsite_fh = None

    def _load_added_origins(self, path: Path) -> None:
        """Origins earlier runs admitted through a seed's redirect stay in scope on ``--resume``.

        The seed itself is archived by then and not requested again, so its redirect is not
        seen again; without this file the resumed crawl would treat the target site's links as
        off-site.
        """
        self._origins_file = path
        if not path.exists():
            return
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                self.origins.add(origin_of_url(line.strip()))

    @staticmethod
    def _key(url: str) -> bytes:
        return hashlib.blake2b(url.encode("utf-8", "surrogatepass"), digest_size=8).digest()

    def _count_earlier_runs(self, out: Path) -> None:
        """On ``--resume``, URLs requested by earlier runs count against ``max_pages``.

        They are read from the frontier journal (every request the scheduler accepted, redirect
        targets included, so a resumed budget errs on the side of fewer pages). Links an earlier
        run left for lack of budget are offered again by :meth:`start`, within this run's budget.
        """
        over: dict[bytes, tuple[str, int]] = {}
        for url, depth, over_budget in journal_entries(out):
            key = self._key(url)
            if over_budget:
                if key not in self._requested:
                    over.setdefault(key, (url, depth))
            elif self.max_pages:
                self._requested.add(key)  # without a budget only the dupefilter needs the set
                self._count_origin(url)
                over.pop(key, None)
            else:
                self._count_origin(url)
                over.pop(key, None)
        self._from_journal = len(self._requested)
        self._offered = list(over.values())
        self._over_budget = DigestSet(over)

    async def start(self) -> Any:
        if self._from_journal:
            self.crawler.stats.set_value(
                "clearcrawl/spider/max_pages_counted_from_journal", self._from_journal
            )
        for url in self.seeds:
            for seed_req in self._seed_requests(url):
                yield seed_req
        async for url in self._file_seeds():
            for seed_req in self._seed_requests(url, from_file=True):
                yield seed_req
        depth_limit = self.crawler.settings.getint("DEPTH_LIMIT")
        offered, self._offered = self._offered, []
        for url, depth in offered:
            if self.max_pages and len(self._requested) >= self.max_pages:
                break
            if depth_limit and depth > depth_limit:
                continue
            req = self._request(url, depth=depth)
            if req is not None:
                self.crawler.stats.inc_value("clearcrawl/spider/over_budget_resumed")
                yield req

    def _seed_requests(self, url: str, *, from_file: bool = False) -> Iterator[scrapy.Request]:
        req = self._request(url, depth=0, seed=True)
        if req is not None:
            if from_file:
                req.meta[META_FILE_SEED] = True
                self._seeds_pending += 1  # until its request ends (_seed_reached/_seed_failed)
                self.crawler.stats.max_value("clearcrawl/seeds/max_pending", self._seeds_pending)
            self.crawler.stats.inc_value("clearcrawl/seeds/requested")
            yield req
        sitemap = self._origin_sitemap(url)
        if sitemap is not None:
            yield sitemap

    def _request(
        self, url: str, depth: int | None = None, *, seed: bool = False
    ) -> scrapy.Request | None:
        key = self._key(url)
        if key in self._requested:
            return None
        if self.max_pages and len(self._requested) >= self.max_pages:
            self.crawler.stats.inc_value("clearcrawl/spider/max_pages_reached")
            if key not in self._over_budget:
                self._over_budget.add(key)
                self.crawler.signals.send_catch_log(
                    signal=link_over_budget, url=url, depth=depth or 0
                )
            return None
        if not self._origin_admits(url):
            return None
        self._requested.add(key)
        # The origin's download slot from the start (the pre-fetch gate sets the same), so the
        # broad-crawl scheduler queue (DownloaderAwarePriorityQueue) sees the downloader's slots.
        meta: dict[str, Any] = {META_SLOT: origin_url(origin_of_url(url))}
        if depth:
            meta["depth"] = depth
        if seed:
            meta[META_SEED] = url
        return scrapy.Request(url, callback=self.parse, errback=self.errback, meta=meta or None)

    # -- scope -----------------------------------------------------------------------------
    def admit_redirect_origin(self, seed: str, target: str) -> str | None:
        """Let a seed's redirect take the crawl into the target's origin.

        Returns the origin added (``scheme://host[:port]``), or None when the target's origin
        is already in scope (or every origin is, with ``allow_offsite``).
        """
        if self.allow_offsite or not target.startswith(("http://", "https://")):
            return None
        origin = origin_of_url(target)
        if origin in self.origins:
            return None
        self.origins.add(origin)
        added = origin_url(origin)
        if self._origins_file is not None:
            self._origins_file.parent.mkdir(parents=True, exist_ok=True)
            with self._origins_file.open("a", encoding="utf-8") as fh:
                fh.write(added + "\n")
        self.crawler.stats.inc_value("clearcrawl/seeds/redirect_origins_added")
        logger.info("seed %s redirects to %s: origin %s joins the crawl", seed, target, added)
        return added

    def _record_offsite(self, url: str, found_on: str) -> None:
        key = self._key(url)
        if key in self._offsite:
            return
        self._offsite.add(key)
        self.crawler.stats.inc_value("clearcrawl/offsite/recorded")
        self.recorder.not_fetched(url, [OFFSITE], found_on=found_on)
        if self._offsite_path is not None:
            if self._offsite_fh is None:
                self._offsite_path.parent.mkdir(parents=True, exist_ok=True)
                self._offsite_fh = self._offsite_path.open(
                    "a", encoding="utf-8", errors="surrogateescape"
                )
            self._offsite_fh.write(url + "\n")

    # -- seeds -----------------------------------------------------------------------------
    def _seed_reached(self, seed: str | None, meta: dict[str, Any] | None = None) -> None:
        if seed is not None and meta is not None and meta.get(META_FILE_SEED):
            # Millions of file seeds: counted, not remembered (each seed request ends once).
            self._file_seed_done()
            self.crawler.stats.inc_value("clearcrawl/seeds/reached")
            return
        if seed is None or self._key(seed) in self._seeds_reached:
            return
        self._seeds_reached.add(self._key(seed))
        self.seed_failures.pop(seed, None)
        self.crawler.stats.inc_value("clearcrawl/seeds/reached")

    def _seed_failed(self, seed: str | None, why: str, meta: dict[str, Any] | None = None) -> None:
        if seed is not None and meta is not None and meta.get(META_FILE_SEED):
            self._file_seed_done()
            self.crawler.stats.inc_value("clearcrawl/seeds/unreachable")
            if len(self.seed_failures) < MAX_SEED_FAILURES_KEPT:  # the rest: decisions log
                self.seed_failures[seed] = why
            return
        if seed is None or self._key(seed) in self._seeds_reached or seed in self.seed_failures:
            return
        self.seed_failures[seed] = why
        self.crawler.stats.inc_value("clearcrawl/seeds/unreachable")

    def _request_dropped(self, request: scrapy.Request, spider: Any = None) -> None:
        # A seed the dupefilter drops was archived by an earlier run (``--resume``).
        self._seed_reached(request.meta.get(META_SEED), request.meta)

    def parse(self, response: Any) -> Iterator[scrapy.Request]:
        self._seed_reached(response.meta.get(META_SEED), response.meta)
        if self.sitemaps and _looks_like_sitemap(response):  # re-queued by --resume
            yield from self.parse_sitemap(response)
            return
        # Extracted by the rights layer from the parse its detectors used (crawler.offload).
        links = response.meta.get(META_LINKS)
        if not isinstance(links, PageLinks):
            return
        if links.nofollow:
            self.crawler.stats.inc_value("clearcrawl/links/nofollow_pages")
            return
        for url in links.urls:
            if not self.allow_offsite and origin_of_url(url) not in self.origins:
                self._record_offsite(url, response.url)
                continue
            req = self._request(url, depth=response.meta.get("depth", 0) + 1)
            if req is not None:
                yield req

    def errback(self, failure: Failure) -> None:
        # Scrapy sets ``failure.request``; twisted's Failure is partly untyped (check, type).
        fail = cast("Any", failure)
        request = fail.request
        seed = request.meta.get(META_SEED)
        if fail.check(IgnoreRequest):
            # Refused by the rights layer, or dropped by a size/redirect limit: already recorded.
            if seed is not None:
                why = _unreachable_origin(request.meta.get(META_PREFETCH))
                if why is None or request.meta.get("redirect_urls"):
                    self._seed_reached(seed, request.meta)  # its origin answered
                else:
                    self._seed_failed(seed, why, request.meta)
            return
        reason = Reason.FETCH_ERROR.with_arg(fail.type.__name__)
        if request.meta.get("redirect_urls"):
            self._seed_reached(seed, request.meta)  # the seed answered with a redirect
        else:
            self._seed_failed(seed, reason, request.meta)
        self.recorder.not_fetched(request.url, [reason], request.meta.get(META_PREFETCH))


def _looks_like_sitemap(response: Any) -> bool:
    """Tell whether a response is a sitemap's (its request, or an XML/gzip body on resume)."""
    if response.meta.get(META_SITEMAP):
        return True
    ctype = (response.headers.get(b"Content-Type") or b"").lower().split(b";")[0].strip()
    return ctype in (b"application/xml", b"text/xml", b"application/gzip", b"application/x-gzip")


def _unreachable_origin(prefetch: FetchPermission | None) -> str | None:
    """Why a refused URL's origin gave no HTTP answer at all (robots.txt fetch failed), or None.

    A robots.txt that answered (even 5xx) means the origin was reached; status 0 means no
    response came (``filters.robots.robots_from_fetch``), and its ``error`` says why.
    """
    if prefetch is None or prefetch.allowed or prefetch.robots is None:
        return None
    ref = prefetch.robots.policy_file
    if ref is None or ref.status != 0:
        return None
    kind = ref.error.split(":", 1)[0].strip() or "no response"
    return f"robots.txt unreachable: {kind}"
