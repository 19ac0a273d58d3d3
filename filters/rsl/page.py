"""RSL licences a page names itself (RSL 1.0 §4.5 ``Link`` header, §4.6 HTML), for that page.

The page stage combines them with the licence robots.txt declared (already evaluated before the
fetch, :mod:`filters.rsl.policy`), most restrictively (§4.9: where terms conflict, clients MUST
honour the most restrictive combination):

* an inline ``<script type="application/rsl+xml">`` is parsed and evaluated here; its
  ``<content url="">`` means this page (§4.6); a malformed one fails closed;
* a ``Link`` header or ``<link rel="license" type="application/rsl+xml">`` naming the licence
  robots.txt declared adds nothing new; one naming any *other* licence document is evaluated
  from its fetch (``linked``: URL → :class:`filters.rsl.policy.RslPolicy`, fetched once per
  cache window by the crawl, archived as kind ``rsl-linked`` and replayed by the export); a
  linked licence that was not fetched (another origin, refused by robots.txt) has unknown
  terms: fail closed (``rsl-unavailable:linked-licence-not-fetched``), the link as evidence;
* a feed the page names (``<link rel="alternate" type="application/rss+xml">``, §4.7) that the
  crawl fetched (in ``linked`` too, a :class:`filters.rsl.feed.FeedRsl`) adds what it states
  for this page's URL (its item, its channel's matching contents); see :mod:`filters.rsl.feed`.

Total: never raises (the caller still guards it as a detector).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from filters.results import Evidence, excerpt
from filters.rsl.discover import RslReference, from_html, from_link_headers
from filters.rsl.document import parse_rsl
from filters.rsl.evaluate import (
    NO_CONTEXT,
    RslContext,
    RslOutcome,
    Verdict,
    combine_outcomes,
    evaluate_rsl,
)
from filters.rsl.feed import feed_links


def linked_urls(page: Any, prefetch: RslOutcome | None = None) -> list[str]:
    """URLs of licence documents the page links (§4.5, §4.6) besides the declared one."""
    known = prefetch.licence_url if prefetch is not None else ""
    urls = [r.url for r in page_references(page) if r.url and r.url != known]
    return list(dict.fromkeys(urls))


def page_references(page: Any) -> list[RslReference]:
    """Every RSL licence ``page`` (a :class:`filters.html.ParsedPage`) names (§4.5, §4.6)."""
    refs = from_link_headers(page.header_values("Link"), page.url)
    if page.is_html:
        refs += from_html(page)
    return refs


def _unavailable(ref: RslReference, cause: str, why: str) -> RslOutcome:
    return RslOutcome(
        verdict=Verdict.UNAVAILABLE,
        cause=cause,
        reason=why,
        licence_url=ref.url,
        evidence=(
            Evidence(
                source=ref.channel, locator=ref.locator, excerpt=excerpt(ref.url or ref.inline)
            ),
        ),
    )


def _linked(page: Any, ref: RslReference, policy: Any) -> RslOutcome:
    out: RslOutcome = policy.outcome_for(page.url)
    where = Evidence(
        source=ref.channel, locator=ref.locator, excerpt=excerpt(ref.url), note="RSL 1.0 §4.5/§4.6"
    )
    return RslOutcome(
        verdict=out.verdict,
        reason=out.reason,
        cause=out.cause,
        licence_url=out.licence_url or ref.url,
        terms=out.terms,
        attribution=out.attribution,
        licence_urls=out.licence_urls,
        max_age_days=out.max_age_days,
        evidence=(where, *out.evidence),
    )


def _outcome(page: Any, ref: RslReference, context: RslContext) -> RslOutcome:
    if ref.inline or not ref.url:
        parsed = parse_rsl(ref.inline, f"{page.url} {ref.locator}", allow_empty_url=True)
        if parsed.document is None:
            return _unavailable(
                ref,
                f"inline-{parsed.cause or 'malformed'}",
                f"the page's inline RSL licence ({ref.locator}) is not a usable RSL 1.0 "
                f"document: {parsed.error}; not taken (fail closed)",
            )
        out = evaluate_rsl(parsed.document, page.url, context, asset_url=page.url)
        where = Evidence(source=ref.channel, locator=ref.locator, note="RSL 1.0 §4.6 inline")
        return RslOutcome(
            verdict=out.verdict,
            reason=out.reason,
            cause=out.cause,
            licence_url=out.licence_url,
            terms=out.terms,
            attribution=out.attribution,
            licence_urls=out.licence_urls,
            max_age_days=out.max_age_days,
            evidence=(where, *out.evidence),
        )
    return _unavailable(
        ref,
        "linked-licence-not-fetched",
        f"the page names the RSL licence {ref.url} ({ref.channel}), which is not the licence "
        "robots.txt declares and was not fetched; its terms are unknown, so the page is not "
        "taken (fail closed)",
    )


def page_rsl(
    page: Any,
    prefetch: RslOutcome | None = None,
    context: RslContext = NO_CONTEXT,
    linked: Mapping[str, Any] | None = None,
) -> RslOutcome | None:
    """Return the RSL outcome for ``page``: its own licences and ``prefetch``, combined.

    ``None`` when no RSL licence concerns the page at all.
    """
    known = prefetch.licence_url if prefetch is not None else ""
    outcomes = [prefetch] if prefetch is not None else []
    for ref in page_references(page):
        if ref.url and ref.url == known:
            continue  # the licence robots.txt declared, already evaluated before the fetch
        if ref.url and linked and ref.url in linked:
            outcomes.append(_linked(page, ref, linked[ref.url]))
            continue
        outcomes.append(_outcome(page, ref, context))
    for url in feed_links(page):  # §4.7: only feeds the crawl fetched (others say nothing)
        if linked and url in linked:
            stated = linked[url].outcome_for(page.url)
            if stated is not None:
                outcomes.append(stated)
    return combine_outcomes(outcomes)
