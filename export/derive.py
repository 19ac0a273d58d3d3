"""Re-derive the rights decision for one capture from what the WARC holds.

Page-level findings (licence, paywall, opt-outs in headers and HTML) are recomputed from the
stored headers and body with the same detectors the crawler used (:mod:`filters.assess`).
Pre-fetch signals (robots.txt, tdmrep.json, ai.txt) come from the capture's ``metadata``
record, which names each policy file with its digest and fetch time; the policy files are
archived in the same WARC and :func:`export.policyfiles.recheck_prefetch` proves each one is
there byte for byte and re-derives the pre-fetch verdict (robots.txt, tdmrep.json, ai.txt,
robots.txt content signals) from the archived bytes.

The page-level decision itself is :func:`decide_page`: the rights detectors and the policy
(:func:`filters.assess.assess_parsed`), then, for a page they admit, main-text extraction and
the policy's ``min_text_chars``. ``clearcrawl check`` (saved files and live URLs) calls the same
function, so the reviewer's tool and the export cannot disagree about the same bytes.

Fail closed: a capture without a readable decision record, with a withheld body, with a body
that does not decode, whose policy files are not archived, that robots.txt (re-read) does not
allow, or that the crawler itself found reserved, is excluded. Reservations only ever add up:
a crawl-time opt-out is never undone by re-running the detectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from export.extract import Extracted, extract_text
from export.httpbody import ContentDecodingError, decode_body
from export.manifest import PolicyFileItem, RobotsSection
from export.policyfiles import (
    ArchivedPolicyFile,
    linked_licences,
    page_tdm_policies,
    recheck_prefetch,
)
from export.warcread import Capture
from filters.assess import PageAssessment, assess_parsed
from filters.grants import GrantOutcome, GrantSet, admit, parse_instant
from filters.html import ParsedPage
from filters.optout.tdmpolicy import page_policy_request
from filters.policy import Policy
from filters.reasons import Reason
from filters.record import Outcome, RecordError
from filters.results import FetchPermission, OptoutSignal
from filters.rsl import NO_CONTEXT, RslContext


@dataclass(frozen=True, slots=True)
class PageDecision:
    """The whole page-level decision: the rights assessment, the extracted text, the verdict.

    ``reasons`` holds the assessment's reasons plus the text step's (``extractor-error:…``,
    ``too-little-text:<chars>``); ``include`` is true only when there are none.
    """

    assessment: PageAssessment
    extracted: Extracted | None
    include: bool
    reasons: tuple[str, ...]
    grant: GrantOutcome | None = None

    def check_fields(self) -> dict[str, Any]:
        """Return the findings and this decision as a ``clearcrawl check`` line shows them."""
        fields = self.assessment.check_fields()
        fields["decision"] = {**fields["decision"], "include": self.include}
        fields["decision"]["reasons"] = list(self.reasons)
        fields["text"] = None if self.extracted is None else {"chars": len(self.extracted.text)}
        return fields


def parse_http_page(
    url: str, headers: Sequence[tuple[str, str]], body: bytes, status: int
) -> ParsedPage:
    """Undo the response's ``Content-Encoding`` (RFC 9110 §8.4) and parse the page.

    Raises :class:`export.httpbody.ContentDecodingError` when the body does not decode; the
    caller excludes the page as ``undecodable-body``.
    """
    html = decode_body(tuple(headers), body)
    plain = tuple((k, v) for k, v in headers if k.lower() != "content-encoding")
    return ParsedPage(url, plain, html, status)


def decide_page(
    page: ParsedPage,
    *,
    policy: Policy,
    tokens: Sequence[str] | None = None,
    prior_optout: Sequence[OptoutSignal] = (),
    extra_reasons: Sequence[str] = (),
    markdown: bool = False,
    rsl: Any = None,
    rsl_context: RslContext = NO_CONTEXT,
    rsl_linked: Any = None,
    grants: GrantSet | None = None,
    captured_at: datetime | None = None,
    tdm_policies: Sequence[Any] = (),
) -> PageDecision:
    """Decide one page exactly as the export does (also what ``clearcrawl check`` runs).

    Text is extracted only when the rights checks admit the page (extraction is the costly
    step); an extractor crash excludes the page (``extractor-error``), and a page with fewer
    than ``policy.min_text_chars`` characters of main text, or none, is excluded as
    ``too-little-text:<chars>``: a row needs text.

    ``grants`` (``--grants``): an agreement covering the page, valid at ``captured_at`` (the
    capture time, as the crawl judged it), admits what only an agreement answers
    (:func:`filters.grants.admit`); the text step still applies. ``tdm_policies``: the TDMRep
    TDM policies the page's reservation names (re-read from the archive), which a grant naming
    one relies on.
    """
    assessment = assess_parsed(
        page,
        policy=policy,
        tokens=tokens,
        prior_optout=prior_optout,
        extra_reasons=extra_reasons,
        rsl=rsl,
        rsl_context=rsl_context,
        rsl_linked=rsl_linked,
    )
    reasons = list(assessment.decision.reasons)
    granted = None
    if grants is not None and reasons:
        granted = admit(grants, page.url, captured_at, reasons, tdm_policies=tdm_policies)
        reasons = list(granted.reasons)
    extracted: Extracted | None = None
    if not reasons:
        try:
            extracted = extract_text(page, markdown=markdown)
        except Exception as exc:  # noqa: BLE001 - an extractor crash excludes, never admits
            reasons.append(Reason.EXTRACTOR_ERROR.with_arg(type(exc).__name__))
        else:
            chars = 0 if extracted is None else len(extracted.text)
            if extracted is None or chars < policy.min_text_chars:
                reasons.append(Reason.TOO_LITTLE_TEXT.with_arg(chars))
    return PageDecision(assessment, extracted, not reasons, tuple(reasons), granted)


@dataclass(slots=True)
class Derived:
    """The outcome for one capture: ``include`` plus every reason it is out."""

    capture: Capture
    include: bool
    reasons: list[str] = field(default_factory=list)
    assessment: PageAssessment | None = None
    page: ParsedPage | None = None
    extracted: Extracted | None = None
    policy_files: list[PolicyFileItem] = field(default_factory=list)
    robots: RobotsSection | None = None
    #: The RSL outcome (:class:`filters.rsl.RslOutcome`): the page's, else the pre-fetch one.
    rsl: Any = None
    grant: GrantOutcome | None = None


def recorded_prefetch(prefetch: FetchPermission | None) -> tuple[list[OptoutSignal], list[str]]:
    """Opt-out signals and refusal reasons the crawler knew before fetching."""
    if prefetch is None:
        return [], []
    reasons = list(prefetch.reasons)
    if not prefetch.allowed and not reasons:
        reasons.append(Reason.PREFETCH_REFUSED)
    return list(prefetch.optout), reasons


def unreadable_record(error: RecordError) -> list[str]:
    """Reasons for a capture whose decision record is missing or malformed (fail closed).

    ``no-decision-record``, plus ``prefetch-record-unreadable`` when it is the pre-fetch
    verdict that does not parse (the opt-outs known before fetching are then unknown).
    """
    reasons: list[str] = [Reason.NO_DECISION_RECORD]
    if error.section == "prefetch":
        reasons.append(Reason.PREFETCH_RECORD_UNREADABLE)
    return reasons


def derive(
    capture: Capture,
    policy: Policy,
    tokens: Sequence[str],
    archived: Sequence[ArchivedPolicyFile] = (),
    *,
    markdown: bool = False,
    rsl_context: RslContext = NO_CONTEXT,
    grants: GrantSet | None = None,
) -> Derived:
    """Decide whether ``capture`` may be exported, re-running every page-level detector."""
    meta = capture.metadata
    try:
        record = capture.decision()
    except RecordError as exc:  # a missing or garbled record excludes (fail closed), never admits
        return Derived(capture, False, unreadable_record(exc))
    pre = recheck_prefetch(
        capture.url, meta, archived, tokens, rsl_context, captured_at=capture.date
    )
    if capture.record_type == "":
        reasons = list(record.reasons) or [Reason.NOT_FETCHED]
        return Derived(
            capture, False, reasons, policy_files=pre.files, robots=pre.robots, rsl=pre.rsl
        )
    d = Derived(capture, False, [], policy_files=pre.files, robots=pre.robots, rsl=pre.rsl)
    if record.outcome is Outcome.REDIRECT:
        d.reasons.append(Reason.REDIRECT.with_arg(capture.status))
        return d
    if capture.record_type == "revisit" and capture.payload_from is None:
        # The payload it repeats is not in the archive read: nothing to re-derive from. The
        # crawl's own reasons (e.g. http-status:404) stay, so the count does not change meaning.
        recorded = list(record.reasons)
        d.reasons.extend([*recorded, Reason.REVISIT_UNRESOLVED.with_arg(capture.refers_to)])
        return d
    if capture.withheld:
        recorded = list(record.reasons) or [Reason.OPTOUT.with_arg("recorded")]
        d.reasons.extend([Reason.BODY_WITHHELD, *recorded])
        return d
    truncated = record.fetch.truncated if record.fetch is not None else None
    if truncated:
        # Part of a body is not what was published: the rest could reserve or relicense it.
        # WARC 1.1 §5.13 ``length`` = the crawl's size cap (crawler.decisions.truncation_reason).
        d.reasons.append(
            Reason.TOO_LARGE if truncated == "length" else Reason.TRUNCATED.with_arg(truncated)
        )
        return d

    _, extra = recorded_prefetch(record.prefetch)
    extra.extend(pre.reasons)
    if record.crawl_time_reserved:
        extra.append(Reason.CRAWL_TIME_OPTOUT)
    try:
        page = parse_http_page(capture.url, capture.headers, capture.body, capture.status)
    except ContentDecodingError as exc:
        d.reasons.append(Reason.UNDECODABLE_BODY.with_arg(exc))
        return d
    decision = decide_page(
        page,
        policy=policy,
        tokens=tokens,
        prior_optout=pre.signals,
        extra_reasons=extra,
        markdown=markdown,
        rsl=pre.rsl,
        rsl_context=rsl_context,
        rsl_linked=linked_licences(meta, archived, rsl_context),
        grants=grants,
        captured_at=parse_instant(capture.date) if capture.date else None,
        tdm_policies=page_tdm_policies(page_policy_request(page, pre.signals), meta, archived)
        or pre.tdm_policies,
    )
    d.grant = decision.grant
    d.include = decision.include
    d.reasons = list(decision.reasons)
    d.assessment = decision.assessment
    d.rsl = decision.assessment.rsl
    d.page = page
    d.extracted = decision.extracted
    return d
