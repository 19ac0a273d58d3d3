"""Capture each HTTP exchange next to the downloader, exactly as it crossed the wire.

At priority 950 this middleware's ``process_request`` runs last before the download (so it sees
every header Scrapy will send) and its ``process_response`` runs first after it (so the body is
still content-encoded and the headers are the server's). The :class:`~crawler.exchange.Exchange`
travels in ``request.meta`` to :class:`~crawler.middlewares.rights.ResponseRightsMiddleware`,
which decides on it after decompression.

Redirects never reach that far (``RedirectMiddleware`` at 600 turns them into new requests), so
3xx exchanges are recorded here, with outcome ``redirect``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.utils.httpobj import urlparse_cached

from crawler import signals as cc_signals
from crawler.decisions import redirect_record
from crawler.exchange import Exchange, utc_now
from crawler.policyconf import load_policy

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

META_EXCHANGE = "clearcrawl_exchange"
META_STARTED = "_clearcrawl_started"
META_KIND = "clearcrawl_kind"


def request_headers(request: Request) -> list[tuple[bytes, bytes]]:
    """Every header of ``request`` as sent, one pair per value, ``Host`` added if absent."""
    out: list[tuple[bytes, bytes]] = []
    names = {k.lower() for k in request.headers}
    if b"host" not in names:
        parsed = urlparse_cached(request)
        out.append((b"Host", (parsed.netloc or "").encode("ascii", "replace")))
    for name, values in request.headers.items():
        out.extend((name, v) for v in values)
    return out


def response_headers(response: Response) -> list[tuple[bytes, bytes]]:
    """Every header of ``response``, one pair per value (repeated headers kept)."""
    out: list[tuple[bytes, bytes]] = []
    for name, values in response.headers.items():
        out.extend((name, v) for v in values)
    return out


class ExchangeCaptureMiddleware:
    """Downloader middleware (950): stash the raw exchange, record redirects."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.policy = load_policy(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExchangeCaptureMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> None:
        request.meta[META_STARTED] = utc_now()

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Response:
        ip = getattr(response, "ip_address", None)
        protocol = getattr(response, "protocol", None) or "HTTP/1.1"
        if not protocol.upper().startswith("HTTP/1"):
            # WARC stores HTTP/2 exchanges as HTTP/1.1 messages (shared/reference/warc.md §1).
            protocol = "HTTP/1.1"
        truncated = None
        if "download_maxsize" in response.flags or "dataloss" in response.flags:
            truncated = "length"
        exchange = Exchange(
            url=request.url,
            method=request.method,
            request_headers=request_headers(request),
            request_body=request.body or b"",
            status=response.status,
            response_headers=response_headers(response),
            body=response.body,
            started_at=request.meta.get(META_STARTED) or utc_now(),
            protocol=protocol,
            ip_address=str(ip) if ip is not None else None,
            kind=request.meta.get(META_KIND, "page"),
            truncated=truncated,
        )
        location = response.headers.get(b"Location")
        if 300 <= response.status < 400 and location:
            loc = location.decode("latin-1")
            self.crawler.stats.inc_value("clearcrawl/fetch/redirect")
            self.crawler.signals.send_catch_log(
                signal=cc_signals.rights_decided,
                record=redirect_record(exchange, loc, self.policy),
                exchange=exchange,
            )
        else:
            request.meta[META_EXCHANGE] = exchange
        return response
