"""Post-fetch rights decision on every final response.

At priority 585 this middleware sees the body after ``HttpCompressionMiddleware`` (590) has
decoded it and before ``RetryMiddleware`` (550) consumes error responses. It runs every
page-level detector once (:func:`filters.assess.assess_parsed`), combining the response's own
opt-out signals with those known before fetching, and sends ``rights_decided`` with the captured
exchange: the WARC writer stores it (without the body when an opt-out fired), the decision log
writes its line. The parsed page is left in ``request.meta`` so the spider extracts links from
the same tree instead of parsing again.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from crawler import signals as cc_signals
from crawler.decisions import page_record, policy_file_record
from crawler.exchange import Exchange, utc_now
from crawler.middlewares.capture import (
    META_EXCHANGE,
    META_KIND,
    request_headers,
    response_headers,
)
from crawler.middlewares.prefetch import META_PREFETCH
from crawler.rightsconfig import load_grants, load_policy, load_tokens
from filters.assess import assess_parsed
from filters.grants import GrantOutcome, GrantSet, admit
from filters.html import ParsedPage
from filters.reasons import stats_key

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
        self.stats = crawler.stats
        self.policy = load_policy(crawler.settings)
        self.tokens = load_tokens(crawler.settings)
        self.grants = load_grants(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ResponseRightsMiddleware:
        return cls(crawler)

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Response:
        exchange = request.meta.pop(META_EXCHANGE, None) or fallback_exchange(request, response)
        if exchange.kind != "page":
            self.stats.inc_value(f"clearcrawl/policyfile/{exchange.kind}")
            self._send(policy_file_record(exchange, self.policy), exchange)
            return response
        prefetch = request.meta.get(META_PREFETCH)
        page = ParsedPage(response.url, response.headers, response.body, response.status)
        assessment = assess_parsed(
            page,
            policy=self.policy,
            tokens=self.tokens,
            prior_optout=prefetch.optout if prefetch is not None else (),
        )
        granted = None
        if self.grants is not None and not assessment.decision.include:
            # An agreement is judged at the fetch time, as the export judges it at the capture
            # time (the same instant: the WARC-Date of this exchange).
            granted = admit(
                self.grants, exchange.url, exchange.started_at, assessment.decision.reasons
            )
            decision = replace(
                assessment.decision, include=granted.admitted, reasons=granted.reasons
            )
            assessment = replace(assessment, decision=decision)
        record = page_record(exchange, assessment, prefetch, self.policy)
        if granted is not None and granted.grant is not None:
            # The agreement overrides what excluded it (an opt-out only if it names it): keep
            # the body, so the export can re-derive the same admission from the archive.
            record["fetch"]["body_stored"] = True
            record["grant"] = grant_record(granted, self.grants)
        elif granted is not None and granted.note:
            record["grant"] = {"admitted": False, "note": granted.note}
        self._count(record, assessment)
        request.meta[META_PAGE] = page
        request.meta[META_DECISION] = record
        self._send(record, exchange)
        return response

    def _send(self, record: dict[str, Any], exchange: Exchange) -> None:
        self.crawler.signals.send_catch_log(
            signal=cc_signals.rights_decided, record=record, exchange=exchange
        )

    def _count(self, record: dict[str, Any], assessment: Any) -> None:
        inc = self.stats.inc_value
        inc(f"clearcrawl/decision/{record['outcome']}")
        lic = assessment.license
        inc(f"clearcrawl/license/{(lic.spdx if lic and lic.spdx else 'none')}")
        if assessment.optout is not None:
            for sig in assessment.optout.signals:
                if sig.reserved:
                    inc(f"clearcrawl/optout/{sig.signal}")
        if assessment.paywall is not None and assessment.paywall.paywalled:
            inc(f"clearcrawl/paywall/{assessment.paywall.kind or 'unknown'}")
        for reason in record["reasons"]:
            inc(stats_key(reason))
