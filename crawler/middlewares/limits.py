"""Scrapy's decompression-size and redirect limits, with a decision line for what they drop.

Scrapy's ``HttpCompressionMiddleware`` (590) raises ``IgnoreRequest`` when a body exceeds
``DOWNLOAD_MAXSIZE`` once decompressed (a gzip bomb), and ``RedirectMiddleware`` (600) and
``MetaRefreshMiddleware`` (580) raise it when a chain exceeds ``REDIRECT_MAX_TIMES``. Both happen
after :class:`~crawler.middlewares.capture.ExchangeCaptureMiddleware` captured the exchange and
before :class:`~crawler.middlewares.rights.ResponseRightsMiddleware` could decide on it, and the
spider's errback cannot tell them from a refusal the rights layer already recorded: without
these subclasses such URLs would have no line in ``decisions.jsonl`` and no WARC record.

* Too large once decompressed: the response is archived headers only, with
  ``WARC-Truncated: length`` (WARC 1.1 §5.13), and decided ``excluded`` / ``too-large``; the
  decision keeps the length and digest of the body as served. The bomb itself is not stored:
  every reader of the archive would have to inflate it again.
* Redirect limit: the target that was not requested gets a ``not-fetched`` line with reason
  ``redirect-limit`` and the chain that led to it (each hop has its own ``redirect`` line).

Each subclass only adds the record and re-raises the same exception, so Scrapy's behaviour is
unchanged. :mod:`crawler.addon` installs them in place of Scrapy's classes, at the same
priorities.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.exceptions import IgnoreRequest

from crawler.exchange import sha1_b32
from crawler.middlewares.capture import META_EXCHANGE, META_KIND, META_TOO_LARGE
from crawler.middlewares.prefetch import META_PREFETCH
from crawler.middlewares.rights import fallback_exchange
from crawler.recorder import DecisionRecorder
from crawler.recovery import links_journaled
from filters.record import TooLargeRecord

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


def _recorder(crawler: Crawler, cache: dict[str, DecisionRecorder]) -> DecisionRecorder:
    if "recorder" not in cache:
        cache["recorder"] = DecisionRecorder(crawler)
    return cache["recorder"]


def _links_done(crawler: Crawler, done_url: str) -> None:
    # Nothing of this response will be parsed for links: its capture need not wait for any.
    crawler.signals.send_catch_log(signal=links_journaled, url=done_url)


class RecordedHttpCompressionMiddleware(HttpCompressionMiddleware):
    """``HttpCompressionMiddleware`` that archives and decides what it drops for size."""

    def __init__(self, stats: Any = None, *, crawler: Crawler | None = None) -> None:
        super().__init__(stats, crawler=crawler)
        self._crawler = crawler
        self._cache: dict[str, DecisionRecorder] = {}

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:
            # The only IgnoreRequest this middleware raises: DOWNLOAD_MAXSIZE exceeded while
            # decompressing.
            if self._crawler is not None:
                self._record(self._crawler, request, response, str(exc))
            raise
        except Exception:
            if request.meta.get(META_TOO_LARGE) is None:
                raise
            # A body cut at the cap may end inside its compression header: nothing decodes, and
            # the page is excluded as too-large anyway. Decide on the headers alone.
            logger.debug("cut body of %s does not decode", request.url, exc_info=True)
            headers = response.headers.copy()
            del headers[b"Content-Encoding"]
            return response.replace(body=b"", headers=headers)

    def _record(self, crawler: Crawler, request: Request, response: Response, why: str) -> None:
        exchange = request.meta.pop(META_EXCHANGE, None) or fallback_exchange(request, response)
        served = exchange.body
        exchange.body = b""
        exchange.truncated = "length"
        detail = TooLargeRecord(
            reason="decompressed body exceeds DOWNLOAD_MAXSIZE",
            served_length=len(served),
            served_payload_digest=sha1_b32(served),
            message=why,
        )
        recorder = _recorder(crawler, self._cache)
        if exchange.kind == "page":
            recorder.too_large(exchange, request.meta.get(META_PREFETCH), detail)
        else:
            recorder.policy_file(exchange, too_large=detail)
        crawler.stats.inc_value("clearcrawl/fetch/too_large_decompressed")
        _links_done(crawler, exchange.url)


class _RecordRedirectLimit:
    """Mixin for Scrapy's redirect middlewares: a line for the target a limit left unrequested."""

    crawler: Crawler
    max_redirect_times: int
    _cache: dict[str, DecisionRecorder]

    def _redirect(self, redirected: Request, request: Request, *args: Any, **kwargs: Any) -> Any:
        try:
            return super()._redirect(redirected, request, *args, **kwargs)  # type: ignore[misc]
        except IgnoreRequest:
            self._record_limit(redirected, request)
            raise

    def _record_limit(self, redirected: Request, request: Request) -> None:
        crawler = self.crawler
        if not hasattr(self, "_cache"):
            self._cache = {}
        chain = [*request.meta.get("redirect_urls", []), request.url]
        _recorder(crawler, self._cache).redirect_limit(
            redirected.url,
            request.url,
            chain,
            request.meta.get(META_KIND, "page"),
            max_hops=self.max_redirect_times,
        )
        logger.info(
            "%s: redirect to %s not followed (more than %d hops)",
            request.url,
            redirected.url,
            self.max_redirect_times,
        )
        _links_done(crawler, request.url)


class RecordedRedirectMiddleware(_RecordRedirectLimit, RedirectMiddleware):
    """``RedirectMiddleware`` that records the target a too-long chain leaves unrequested."""


class RecordedMetaRefreshMiddleware(_RecordRedirectLimit, MetaRefreshMiddleware):
    """``MetaRefreshMiddleware`` that records the target a too-long chain leaves unrequested."""
