"""Capture each HTTP exchange next to the downloader, exactly as it crossed the wire.

At priority 950 this middleware's ``process_request`` runs last before the download (so it sees
every header Scrapy will send) and its ``process_response`` runs first after it (so the body is
still content-encoded and the headers are the server's). The :class:`~crawler.exchange.Exchange`
travels in ``request.meta`` to :class:`~crawler.middlewares.rights.ResponseRightsMiddleware`,
which decides on it after decompression.

Redirects never reach that far (``RedirectMiddleware`` at 600 turns them into new requests), so
3xx exchanges are recorded here, with outcome ``redirect``: the ``location`` as sent, the absolute
``target``, and, when a seed's redirect chain leaves its origin, the origin the spider admitted
(``origin_added``; see :meth:`spiders.site.SiteSpider.admit_redirect_origin`).

Size cap. ``DOWNLOAD_MAXSIZE`` (or the request's ``download_maxsize`` meta) is enforced here,
through Scrapy's ``headers_received`` / ``bytes_received`` signals, instead of by the download
handler: the handler cancels the download and nothing reaches a middleware, so the URL would be
neither archived nor decided. Stopping with ``StopDownload(fail=False)`` delivers the response
with what was received up to the cap (headers only when ``Content-Length`` already exceeds it);
it is archived with ``WARC-Truncated: length`` (WARC 1.1 §5.13) and decided ``excluded`` with
reason ``too-large`` (:func:`crawler.decisions.page_record`). Pages only: a robots.txt,
tdmrep.json or ai.txt over the cap still fails to download, which makes its origin unreachable
(disallow) rather than leaving rules unread. A PDF (``Content-Type: application/pdf``, or a
body opening with ``%PDF-``) has its own, usually smaller, cap ``CLEARCRAWL_PDF_MAXSIZE``. A
body that only exceeds the cap
once decompressed (a gzip bomb) is handled by
:class:`crawler.middlewares.limits.RecordedHttpCompressionMiddleware`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from scrapy import signals
from scrapy.exceptions import StopDownload
from scrapy.utils.httpobj import urlparse_cached
from w3lib.url import safe_url_string

from crawler.exchange import Exchange, utc_now
from crawler.middlewares.grants import redact_authorization
from crawler.recorder import DecisionRecorder
from filters.pdf import is_pdf

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

META_EXCHANGE = "clearcrawl_exchange"
META_STARTED = "_clearcrawl_started"
META_KIND = "clearcrawl_kind"
#: set on a request whose download was stopped at the size cap: the number of bytes announced or
#: received when it was stopped
META_TOO_LARGE = "_clearcrawl_too_large"
_RECEIVED = "_clearcrawl_received"
_PDF = "_clearcrawl_pdf"  # the response is a PDF: CLEARCRAWL_PDF_MAXSIZE applies
#: ``request.meta`` key carried by a seed's request and, through Scrapy's redirects (which copy
#: the meta), by every hop of its redirect chain: the seed URL (set by the site spider).
META_SEED = "clearcrawl_seed"


def request_headers(request: Request) -> list[tuple[bytes, bytes]]:
    """Every header of ``request`` as sent, one pair per value, ``Host`` added if absent.

    An ``Authorization: License`` token is replaced by its digest
    (:func:`crawler.middlewares.grants.redact_authorization`).
    """
    out: list[tuple[bytes, bytes]] = []
    names = {k.lower() for k in request.headers}
    if b"host" not in names:
        parsed = urlparse_cached(request)
        out.append((b"Host", (parsed.netloc or "").encode("ascii", "replace")))
    for name, values in request.headers.items():
        # A licence token is a credential: the archive keeps its digest, not the token.
        out.extend((name, redact_authorization(name, v)) for v in values)
    return out


def response_headers(response: Response) -> list[tuple[bytes, bytes]]:
    """Every header of ``response``, one pair per value (repeated headers kept)."""
    out: list[tuple[bytes, bytes]] = []
    for name, values in response.headers.items():
        out.extend((name, v) for v in values)
    return out


class ExchangeCaptureMiddleware:
    """Downloader middleware (950): stash the raw exchange, record redirects."""

    def __init__(self, crawler: Crawler, *, max_bytes: int = 0, pdf_max_bytes: int = 0) -> None:
        self.crawler = crawler
        self.recorder = DecisionRecorder(crawler)
        self.max_bytes = max_bytes  # 0: no cap
        self.pdf_max_bytes = pdf_max_bytes  # 0: max_bytes only

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExchangeCaptureMiddleware:
        max_bytes = crawler.settings.getint("DOWNLOAD_MAXSIZE", 0)
        if max_bytes < 0:
            raise ValueError("DOWNLOAD_MAXSIZE must be >= 0 (0 = no limit)")
        pdf_max_bytes = crawler.settings.getint("CLEARCRAWL_PDF_MAXSIZE", 0)
        if pdf_max_bytes < 0:
            raise ValueError("CLEARCRAWL_PDF_MAXSIZE must be >= 0 (0 = DOWNLOAD_MAXSIZE only)")
        mw = cls(crawler, max_bytes=max_bytes, pdf_max_bytes=pdf_max_bytes)
        crawler.signals.connect(mw.headers_received, signal=signals.headers_received)
        crawler.signals.connect(mw.bytes_received, signal=signals.bytes_received)
        return mw

    def _cap(self, request: Request) -> int:
        # Pages only: a policy file cut short would read as complete (rules lost = fail open),
        # so for those Scrapy's handler still cancels, which is "unreachable" (RFC 9309 §2.3.1.4).
        if request.meta.get(META_KIND, "page") != "page":
            return 0
        cap = int(request.meta.get("download_maxsize", self.max_bytes) or 0)
        if self.pdf_max_bytes and request.meta.get(_PDF):
            cap = min(cap, self.pdf_max_bytes) if cap else self.pdf_max_bytes
        return cap

    def headers_received(
        self, headers: Any, body_length: Any, request: Request, spider: Any = None
    ) -> None:
        ctype = headers.get(b"Content-Type") if headers is not None else None
        if ctype and is_pdf(ctype.decode("latin-1"), None):
            request.meta[_PDF] = True
        cap = self._cap(request)
        if cap and isinstance(body_length, int) and body_length > cap:
            self._stop(request, body_length, cap)

    def bytes_received(self, data: bytes, request: Request, spider: Any = None) -> None:
        if not request.meta.get(_RECEIVED) and is_pdf(None, data):
            request.meta[_PDF] = True  # a PDF sent under another media type: the magic bytes
        cap = self._cap(request)
        if not cap:
            return
        received = request.meta.get(_RECEIVED, 0) + len(data)
        request.meta[_RECEIVED] = received
        if received > cap:
            self._stop(request, received, cap)

    def _stop(self, request: Request, size: int, cap: int) -> None:
        request.meta[META_TOO_LARGE] = size
        self.crawler.stats.inc_value("clearcrawl/fetch/too_large")
        logger.warning(
            "%s: body of %d+ bytes exceeds DOWNLOAD_MAXSIZE (%d); archiving what was received, "
            "up to the cap, as truncated",
            request.url,
            size,
            cap,
        )
        raise StopDownload(fail=False)

    def process_request(self, request: Request, spider: Any = None) -> None:
        request.meta[META_STARTED] = utc_now()
        request.meta.pop(META_TOO_LARGE, None)  # a redirect or retry inherits its source's meta
        request.meta.pop(_RECEIVED, None)
        request.meta.pop(_PDF, None)

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Response:
        ip = getattr(response, "ip_address", None)
        protocol = getattr(response, "protocol", None) or "HTTP/1.1"
        if not protocol.upper().startswith("HTTP/1"):
            # WARC stores HTTP/2 exchanges as HTTP/1.1 messages: an application/http block
            # (WARC 1.1 §6.3.2) has HTTP/1.1's status-line grammar (RFC 9112 §4).
            protocol = "HTTP/1.1"
        truncated = None
        body = response.body
        if request.meta.get(META_TOO_LARGE) is not None and "download_stopped" in response.flags:
            truncated = "length"  # WARC 1.1 §5.13: exceeded the configured max length
            cap = self._cap(request)
            body = body[:cap] if cap else body
        elif "dataloss" in response.flags:
            truncated = "disconnect"  # the connection closed before Content-Length was reached
        exchange = Exchange(
            url=request.url,
            method=request.method,
            request_headers=request_headers(request),
            request_body=request.body or b"",
            status=response.status,
            response_headers=response_headers(response),
            body=body,
            started_at=request.meta.get(META_STARTED) or utc_now(),
            protocol=protocol,
            ip_address=str(ip) if ip is not None else None,
            kind=request.meta.get(META_KIND, "page"),
            truncated=truncated,
        )
        location = response.headers.get(b"Location")
        if 300 <= response.status < 400 and location:
            loc = location.decode("latin-1")
            target = _absolute(request.url, loc)
            seed = request.meta.get(META_SEED)
            admit = getattr(self.crawler.spider, "admit_redirect_origin", None)
            added = None
            if seed is not None and target is not None and callable(admit):
                added = admit(seed, target) or None
            self.recorder.redirect(
                exchange,
                loc,
                target=target,
                origin_added=added,
                origin_added_because=f"seed {seed} redirects there" if added else None,
            )
        else:
            request.meta[META_EXCHANGE] = exchange
        return response


def _absolute(base: str, location: str) -> str | None:
    """Return the absolute URL a ``Location`` value points to (RFC 9110 §10.2.2), or None."""
    try:
        return urljoin(base, safe_url_string(location.strip()))
    except ValueError:
        return None
