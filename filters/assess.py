"""One entry point that runs every page-level detector on a response and applies the policy.

The crawler (at fetch time), the exporter (re-deriving from the WARC) and ``clearcrawl check``
(the reviewer's single-page tool) all call :func:`assess_page`, so the three can never disagree
about the same bytes.

HTML (and XHTML) and PDF bodies can be assessed and exported: the licence and paywall detectors
read the markup, or the PDF's metadata and first and last pages (:mod:`filters.pdf`), and the
export extracts text from either. A PDF that cannot be read (encrypted, damaged, no text layer)
is excluded as ``pdf-unreadable:<problem>``. Any other non-empty body (``image/png``, plain
text…) is excluded as ``unsupported-content-type:<media type>`` (RFC 9110 §8.3), and not as
``no-license``: its body was never read for a licence, so saying none covers it would be a
statement the crawl cannot make. Header signals (``X-Robots-Tag``, ``Link``
licences, TDMRep headers) are still evaluated and recorded.

Fail closed: a detector that raises does not stop the others; its finding is replaced by ``None``
and the decision gets the reason ``detector-error:<detector>:<ExceptionType>``, which excludes the
page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from filters.html import ParsedPage, parse_page
from filters.license import detect_license
from filters.license.spdx import license_url_to_spdx
from filters.optout import detect_optout
from filters.paywall import detect_paywall
from filters.pdf import PdfDocument, detect_pdf_license, is_pdf, read_pdf
from filters.policy import DEFAULT_POLICY, Policy
from filters.reasons import Reason
from filters.results import (
    Decision,
    Evidence,
    LicenseFinding,
    LicenseHit,
    OptoutFinding,
    OptoutSignal,
    PaywallFinding,
    Scope,
    to_jsonable,
)
from filters.rsl import NO_CONTEXT, RslContext, RslOutcome, Verdict, outcome_reasons, page_rsl
from filters.tokens import honored_tokens

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class PageAssessment:
    """Everything the detectors found on one response, and the resulting decision."""

    url: str
    status: int
    license: LicenseFinding | None
    paywall: PaywallFinding | None
    optout: OptoutFinding | None
    decision: Decision
    notes: tuple[str, ...] = ()
    #: The RSL licence that concerns the page (robots.txt's and the page's own, combined).
    rsl: RslOutcome | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = to_jsonable(self)  # a dataclass always converts to a dict
        return out

    def check_fields(self) -> dict[str, Any]:
        """Return the findings and decision as a ``clearcrawl check`` line shows them."""
        a = self.to_json()
        return {
            "license": a["license"],
            "paywall": a["paywall"],
            "optout": a["optout"],
            "rsl": a["rsl"],
            "decision": {
                "include": a["decision"]["include"],
                "reasons": a["decision"]["reasons"],
                "policy": a["decision"]["policy"],
            },
        }


def _run(name: str, fn: Callable[[], T], errors: list[str]) -> T | None:
    try:
        return fn()
    except Exception as exc:  # a crashing detector excludes the page; it never admits it
        logger.debug("detector %s crashed", name, exc_info=True)
        errors.append(Reason.DETECTOR_ERROR.with_arg(f"{name}:{type(exc).__name__}"))
        return None


#: Reasons that describe what the licence detector found in the body.
_BODY_LICENSE_REASONS = frozenset({Reason.NO_LICENSE, Reason.LICENSE_PART_ONLY})


def unsupported_content_type(page: ParsedPage) -> str | None:
    """``unsupported-content-type:<media type>`` for a non-empty body that is not HTML, else None.

    The media type is the ``Content-Type`` without parameters (``unknown`` when absent and the
    body does not look like HTML).
    """
    if not page.body or page.is_html or is_pdf(page.content_type, page.body):
        return None
    return Reason.UNSUPPORTED_CONTENT_TYPE.with_arg(page.content_type or "unknown")


def rsl_license(out: RslOutcome) -> LicenseFinding | None:
    """Return the site-level licence finding an RSL permission gives (None when it gives none).

    A Creative Commons or OSI licence URL in the permitting licence's ``<standard>`` or
    ``<legal>`` (RSL 1.0 §3.6, §3.13) is read as a site-wide statement of that licence; a free
    or attribution-only RSL permission without one becomes ``LicenseRef-RSL-<free|attribution>``,
    which a policy admits only when it lists it (the default does not).
    """
    if out.verdict != Verdict.PERMITTED:
        return None
    where = Evidence(source="rsl", locator=out.licence_url, excerpt="", note=out.reason)
    for url in out.licence_urls:
        lic = license_url_to_spdx(url)
        if lic is not None and lic.versioned:
            hit = LicenseHit(
                spdx=lic.spdx,
                url=lic.url or url,
                scope=Scope.SITE,
                scope_reason="named by the site's RSL licence (<standard>/<legal>), which "
                "covers this URL",
                evidence=Evidence(
                    source="rsl", locator=out.licence_url, excerpt=url, note=out.reason
                ),
            )
            return LicenseFinding(
                spdx=lic.spdx,
                scope=Scope.SITE,
                url=lic.url or url,
                reason=f"site-level licence from the RSL licence {out.licence_url}",
                hits=(hit,),
                detector="filters.rsl",
            )
    spdx = f"LicenseRef-RSL-{out.cause or 'free'}"
    hit = LicenseHit(
        spdx=spdx,
        url=out.licence_url,
        scope=Scope.SITE,
        scope_reason="the site's RSL licence permits AI training for this URL",
        evidence=where,
    )
    return LicenseFinding(
        spdx=spdx,
        scope=Scope.SITE,
        url=out.licence_url,
        reason=f"RSL permission without a standard licence ({out.licence_url})",
        hits=(hit,),
        detector="filters.rsl",
    )


def assess_parsed(
    page: ParsedPage,
    *,
    policy: Policy = DEFAULT_POLICY,
    tokens: Sequence[str] | None = None,
    prior_optout: Sequence[OptoutSignal] = (),
    extra_reasons: Sequence[str] = (),
    rsl: RslOutcome | None = None,
    rsl_context: RslContext = NO_CONTEXT,
    rsl_linked: Mapping[str, Any] | None = None,
) -> PageAssessment:
    """Assess an already parsed page (the crawler shares the tree with link extraction).

    ``rsl`` is the pre-fetch RSL outcome (the licence robots.txt declares); the page's own RSL
    licences (:func:`filters.rsl.page_rsl`; those it links as fetched, ``rsl_linked``: URL →
    :class:`filters.rsl.RslPolicy`) are combined with it, most restrictively. A
    prohibition joins the opt-outs as ``rsl``, terms and failures add their reasons, and a
    permission's licence is a site-level finding when the page states no licence of its own
    (a page's own statement is more specific, RSL 1.0 §4.9).
    """
    toks = tuple(tokens) if tokens is not None else honored_tokens()
    errors: list[str] = []
    rsl_out = _run("rsl", lambda: page_rsl(page, rsl, rsl_context, rsl_linked), errors)
    rsl_reasons: list[str] = []
    if rsl_out is not None and rsl_out is not rsl:
        if rsl_out.verdict == Verdict.PROHIBITED:
            prior_optout = [
                *prior_optout,
                OptoutSignal(
                    signal="rsl",
                    reserved=True,
                    evidence=(
                        Evidence(source="rsl", locator=rsl_out.licence_url, note=rsl_out.reason),
                        *rsl_out.evidence,
                    ),
                ),
            ]
        rsl_reasons = [r for r in outcome_reasons(rsl_out) if r not in extra_reasons]
    optout = _run("optout", lambda: detect_optout(page, tokens=toks, prior=prior_optout), errors)
    pdf: PdfDocument | None = None
    if page.body and not page.is_html and is_pdf(page.content_type, page.body):
        pdf = _run("pdf", lambda: read_pdf(page.body), errors)
        doc = pdf
        lic = _run("license", lambda: detect_pdf_license(page, doc), errors) if doc else None
    else:
        lic = _run("license", lambda: detect_license(page), errors)
    if rsl_out is not None and (lic is None or (lic.spdx is None and not lic.ambiguous)):
        lic = rsl_license(rsl_out) or lic  # a crashed licence detector still excludes
    paywall = _run("paywall", lambda: detect_paywall(page), errors)
    reasons = [*extra_reasons, *rsl_reasons, *errors]
    unreadable = pdf is not None and bool(pdf.problem)
    if pdf is not None and pdf.problem:
        reasons.append(Reason.PDF_UNREADABLE.with_arg(pdf.problem))
    if page.status >= 400 and (paywall is None or not paywall.paywalled):
        reasons.append(Reason.HTTP_STATUS.with_arg(page.status))
    elif page.status < 200:
        # 0: an archive's status line that does not parse (a record of another tool); 1xx is
        # never a final answer (RFC 9110 §15.2). Either way nobody saw the page served: fail closed.
        reasons.append(Reason.HTTP_STATUS.with_arg(page.status or "unreadable"))
    unsupported = unsupported_content_type(page)
    if unsupported is not None:
        reasons.append(unsupported)
    decision = policy.decide(lic, paywall, optout, tuple(reasons))
    if unsupported is not None or unreadable:  # body never read for a licence: no claim
        kept = tuple(r for r in decision.reasons if r not in _BODY_LICENSE_REASONS)
        decision = replace(decision, reasons=kept)
    return PageAssessment(
        url=page.url,
        status=page.status,
        license=lic,
        paywall=paywall,
        optout=optout,
        decision=decision,
        notes=tuple(page.notes),
        rsl=rsl_out,
    )


def assess_page(
    url: str,
    headers: Any = None,
    body: bytes | str | None = b"",
    status: int = 200,
    **kwargs: Any,
) -> PageAssessment:
    """Parse ``body`` and assess it; see :func:`assess_parsed` for the keyword arguments."""
    return assess_parsed(parse_page(url, headers, body, status), **kwargs)
