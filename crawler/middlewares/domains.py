"""Allow and deny lists of domains, honoured before any request leaves the crawler.

Downloader middleware at priority 50, ahead of :class:`~crawler.middlewares.prefetch.
PolicyFilesMiddleware` (100): a URL whose host is on ``CLEARCRAWL_DENY_DOMAINS`` (or, when
``CLEARCRAWL_ALLOW_DOMAINS`` is set, not on it) is refused here, so nothing is requested from that
host at all — not its robots.txt, tdmrep.json or ai.txt either, since those are fetched only for
a page request that got past this point. Redirect targets come back through the downloader
middlewares as new requests, so a redirect into a denied domain is refused the same way.

Each refused page URL gets a ``not-fetched`` decision with reason
``domain-denied:<entry>@sha256:<list digest>`` or ``domain-not-allowed:sha256:<list digest>`` (the
digest travels in the reason, so the export's ``not-fetched.jsonl.gz`` carries it) and a
``domain_list`` section naming the list (``@FILE`` or ``inline``),
its sha256, its size and the entry that matched (:meth:`filters.domains.DomainList.evidence`),
so the export's ``not-fetched.jsonl.gz`` proves which list was honoured — the EU General-Purpose
AI Code of Practice (copyright chapter) asks crawlers to exclude sites recognised as persistently
infringing, from a list the Commission publishes.

Why not Scrapy's ``OffsiteMiddleware`` (``allowed_domains``): it drops requests with a debug
line and a stat, leaving no decision to explain, and has no deny list.

Settings (``-s`` or the ``--allow-domains`` / ``--deny-domains`` flags): ``"a.org,b.org"`` or
``"@FILE"`` (see :mod:`filters.domains`). A list that cannot be read or parsed stops the crawl
before it starts (``ValueError``, one line): a rights list half applied must not run.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached

from crawler.middlewares.capture import META_KIND
from crawler.recorder import DecisionRecorder
from filters.domains import (
    DomainList,
    DomainListError,
    domain_list_from_bytes,
    domain_list_inline,
)
from filters.reasons import STATS_PREFETCH, Reason, stats_key

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def load_domain_list(value: str | None, setting: str) -> DomainList | None:
    """``"a.org,b.org"`` or ``"@FILE"`` as a :class:`DomainList` (None when unset or empty).

    Raises ``ValueError`` naming ``setting`` when the file cannot be read or an entry is bad.
    """
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    try:
        if text.startswith("@"):
            path = Path(text[1:])
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise ValueError(f"{setting}: cannot read {path}: {exc.strerror or exc}") from exc
            return domain_list_from_bytes(data, text)
        return domain_list_inline(text)
    except DomainListError as exc:
        raise ValueError(f"{setting}: {exc}") from exc


class DomainListMiddleware:
    """Downloader middleware (50): refuse requests to denied (or not allowed) domains."""

    def __init__(
        self, crawler: Crawler, *, allow: DomainList | None, deny: DomainList | None
    ) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.allow = allow
        self.deny = deny
        self.recorder = DecisionRecorder(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DomainListMiddleware:
        s = crawler.settings
        allow = load_domain_list(s.get("CLEARCRAWL_ALLOW_DOMAINS"), "CLEARCRAWL_ALLOW_DOMAINS")
        deny = load_domain_list(s.get("CLEARCRAWL_DENY_DOMAINS"), "CLEARCRAWL_DENY_DOMAINS")
        for kind, lst in (("allow", allow), ("deny", deny)):
            if lst is not None:
                crawler.stats.set_value(f"clearcrawl/domains/{kind}_list_sha256", lst.sha256)
                crawler.stats.set_value(f"clearcrawl/domains/{kind}_list_entries", len(lst.domains))
        return cls(crawler, allow=allow, deny=deny)

    def refusal(self, url_host: str | None) -> tuple[str, dict[str, object]] | None:
        """Reason id and list evidence refusing ``url_host``, or None when it may be requested."""
        if self.deny is not None:
            hit = self.deny.match(url_host)
            if hit is not None:
                reason = Reason.DOMAIN_DENIED.with_arg(f"{hit}@sha256:{self.deny.sha256}")
                return reason, self.deny.evidence("deny", hit)
        if self.allow is not None and self.allow.match(url_host) is None:
            reason = Reason.DOMAIN_NOT_ALLOWED.with_arg(f"sha256:{self.allow.sha256}")
            return reason, self.allow.evidence("allow", "")
        return None

    def process_request(self, request: Request, spider: Any = None) -> None:
        if self.deny is None and self.allow is None:
            return
        refused = self.refusal(urlparse_cached(request).hostname)
        if refused is None:
            return
        reason, evidence = refused
        kind = request.meta.get(META_KIND, "page")
        if kind == "page":
            self.recorder.not_fetched(
                request.url,
                [reason],
                details={"domain_list": evidence},
                stats_prefix=STATS_PREFETCH,
            )
        else:
            self.stats.inc_value(stats_key(reason, STATS_PREFETCH))
        logger.debug("Refused %s before any request: %s", request.url, reason)
        raise IgnoreRequest(f"clearcrawl: {reason}")
