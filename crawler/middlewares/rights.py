"""Post-fetch rights decision on every final response.

At priority 585 this middleware sees the body after ``HttpCompressionMiddleware`` (590) has
decoded it and before ``RetryMiddleware`` (550) consumes error responses. It runs every
page-level detector once (:func:`filters.assess.assess_parsed`), combining the response's own
opt-out signals with those known before fetching, and sends ``rights_decided`` with the captured
exchange (through :class:`crawler.recorder.DecisionRecorder`): the WARC writer stores it
(without the body when an opt-out fired), the decision log writes its line. The parsed page is left in ``request.meta`` so the spider extracts links from
the same tree instead of parsing again.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from crawler.exchange import Exchange, utc_now
from crawler.middlewares.capture import (
    META_EXCHANGE,
    META_KIND,
    request_headers,
    response_headers,
)
from crawler.middlewares.prefetch import META_PREFETCH
from crawler.middlewares.rsllinks import LinkedLicences
from crawler.recorder import DecisionRecorder
from crawler.rightsconfig import load_grants, load_policy, load_rsl_context, load_tokens
from filters.assess import assess_parsed
from filters.grants import GrantOutcome, GrantSet, admit
from filters.html import ParsedPage

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

META_PAGE = "clearcrawl_page"
META_DECISION = "clearcrawl_decision"


def fallback_exchange(request: Request, response: Response) -> Exchange:
    """Rebuild the exchange when the capture middleware was bypassed (e.g. a cached response)."""
    return Exchange(
        url=request.url,
        method=request.method,
        request_headers=request_headers(request),
        request_body=request.body or b"",
        status=response.status,
        response_headers=response_headers(response),
        body=response.body,
        started_at=utc_now(),
        kind=request.meta.get(META_KIND, "page"),
    )


def grant_record(outcome: GrantOutcome, grants: GrantSet | None) -> dict[str, Any]:
    """Build the ``grant`` section of a decision admitted under an agreement (no token)."""
    assert outcome.grant is not None  # noqa: S101 - callers pass an admitted outcome
    return {
        "admitted": True,
        **outcome.grant.reference(),
        "lifted": list(outcome.lifted),
        "note": outcome.note,
        "grants_digest": grants.digest if grants is not None else None,
    }


class ResponseRightsMiddleware:
    """Downloader middleware (585): assess each final response and announce the decision."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.policy = load_policy(crawler.settings)
        self.tokens = load_tokens(crawler.settings)
        self.rsl_context = load_rsl_context(crawler.settings)
        self.linked = LinkedLicences(
            crawler,
            self.tokens,
            context=self.rsl_context,
            cache_seconds=crawler.settings.getfloat("CLEARCRAWL_ROBOTS_CACHE_SECONDS"),
        )
        self.recorder = DecisionRecorder(crawler, self.policy)
        self.grants = load_grants(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ResponseRightsMiddleware:
        return cls(crawler)

    async def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Response:
        exchange = request.meta.pop(META_EXCHANGE, None) or fallback_exchange(request, response)
        if exchange.kind != "page":
            self.recorder.policy_file(exchange)
            return response
        prefetch = request.meta.get(META_PREFETCH)
        page = ParsedPage(response.url, response.headers, response.body, response.status)
        # RSL licences the page links (RSL 1.0 §4.5/§4.6), fetched and archived before deciding
        linked, prefetch = await self.linked.for_page(page, prefetch)
        assessment = assess_parsed(
            page,
            policy=self.policy,
            tokens=self.tokens,
            prior_optout=prefetch.optout if prefetch is not None else (),
            rsl=prefetch.rsl if prefetch is not None else None,
            rsl_context=self.rsl_context,
            rsl_linked=linked,
        )
        granted = None
        if self.grants is not None and not assessment.decision.include:
            # An agreement is judged at the fetch time, as the export judges it at the capture
            # time (the same instant: the WARC-Date of this exchange).
            granted = admit(
                self.grants,
                exchange.url,
                exchange.started_at,
                assessment.decision.reasons,
                tdm_policies=prefetch.tdm_policies if prefetch is not None else (),
            )
            decision = replace(
                assessment.decision, include=granted.admitted, reasons=granted.reasons
            )
            assessment = replace(assessment, decision=decision)
        grant: dict[str, Any] | None = None
        if granted is not None and granted.grant is not None:
            # The agreement overrides what excluded it (an opt-out only if it names it): keep
            # the body, so the export can re-derive the same admission from the archive.
            grant = grant_record(granted, self.grants)
        elif granted is not None and granted.note:
            grant = {"admitted": False, "note": granted.note}
        request.meta[META_PAGE] = page
        request.meta[META_DECISION] = self.recorder.page(
            exchange,
            assessment,
            prefetch,
            grant=grant,
            keep_body=grant is not None and grant.get("admitted") is True,
        )
        return response
