"""Re-derive the rights decision for one capture from what the WARC holds.

Page-level findings (licence, paywall, opt-outs in headers and HTML) are recomputed from the
stored headers and body with the same detectors the crawler used (:mod:`filters.assess`).
Pre-fetch signals (robots.txt, tdmrep.json, ai.txt) come from the capture's ``metadata``
record, which names each policy file with its digest and fetch time; the policy files are
archived in the same WARC and :func:`export.policyfiles.recheck_prefetch` proves each one is
there byte for byte and re-derives the pre-fetch verdict (robots.txt, tdmrep.json, ai.txt,
robots.txt content signals) from the archived bytes.

Fail closed: a capture without a readable decision record, with a withheld body, with a body
that does not decode, whose policy files are not archived, that robots.txt (re-read) does not
allow, or that the crawler itself found reserved, is excluded. Reservations only ever add up:
a crawl-time opt-out is never undone by re-running the detectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from export.httpbody import ContentDecodingError, decode_body
from export.manifest import PolicyFileItem, RobotsSection
from export.policyfiles import ArchivedPolicyFile, recheck_prefetch
from export.warcread import Capture
from filters._html import ParsedPage
from filters.assess import PageAssessment, assess_parsed
from filters.policy import Policy
from filters.results import OptoutSignal, optout_signal_from_json


@dataclass(slots=True)
class Derived:
    """The outcome for one capture: ``include`` plus every reason it is out."""

    capture: Capture
    include: bool
    reasons: list[str] = field(default_factory=list)
    assessment: PageAssessment | None = None
    page: ParsedPage | None = None
    policy_files: list[PolicyFileItem] = field(default_factory=list)
    robots: RobotsSection | None = None


def recorded_prefetch(meta: dict[str, Any]) -> tuple[list[OptoutSignal], list[str]]:
    """Opt-out signals and refusal reasons the crawler knew before fetching."""
    pre = meta.get("prefetch")
    if pre is None:
        return [], []
    if not isinstance(pre, dict):
        return [], ["prefetch-record-unreadable"]
    signals = [optout_signal_from_json(s) for s in pre.get("optout") or ()]
    reasons = [str(r) for r in pre.get("reasons") or ()]
    if pre.get("allowed") is False and not reasons:
        reasons.append("prefetch-refused")
    return signals, reasons


def _crawl_time_reserved(meta: dict[str, Any]) -> bool:
    assessment = meta.get("assessment")
    if not isinstance(assessment, dict):
        return False
    optout = assessment.get("optout")
    return isinstance(optout, dict) and bool(optout.get("reserved"))


def derive(
    capture: Capture,
    policy: Policy,
    tokens: Sequence[str],
    archived: Sequence[ArchivedPolicyFile] = (),
) -> Derived:
    """Decide whether ``capture`` may be exported, re-running every page-level detector."""
    meta = capture.metadata
    if capture.record_type == "":
        pre = recheck_prefetch(capture.url, meta, archived, tokens)
        reasons = [str(r) for r in (meta or {}).get("reasons") or ["not-fetched"]]
        return Derived(capture, False, reasons, policy_files=pre.files, robots=pre.robots)
    if not isinstance(meta, dict):
        return Derived(capture, False, ["no-decision-record"])
    pre = recheck_prefetch(capture.url, meta, archived, tokens)
    d = Derived(capture, False, [], policy_files=pre.files, robots=pre.robots)
    if meta.get("outcome") == "redirect":
        d.reasons.append(f"redirect:{capture.status}")
        return d
    if capture.record_type == "revisit":
        d.reasons.append(f"revisit-of:{capture.refers_to}")
        return d
    if capture.withheld:
        recorded = [str(r) for r in meta.get("reasons") or ()] or ["optout:recorded"]
        d.reasons.extend(["body-withheld", *recorded])
        return d
    fetch = meta.get("fetch")
    truncated = fetch.get("truncated") if isinstance(fetch, dict) else None
    if truncated:
        # Part of a body is not what was published: the rest could reserve or relicense it.
        # WARC 1.1 §5.13 ``length`` = the crawl's size cap (crawler.decisions.truncation_reason).
        d.reasons.append("too-large" if truncated == "length" else f"truncated:{truncated}")
        return d

    _, extra = recorded_prefetch(meta)
    extra.extend(pre.reasons)
    if _crawl_time_reserved(meta):
        extra.append("crawl-time-optout")
    try:
        html = decode_body(capture.headers, capture.body)
    except ContentDecodingError as exc:
        d.reasons.append(f"undecodable-body:{exc}")
        return d
    headers = tuple((k, v) for k, v in capture.headers if k.lower() != "content-encoding")
    page = ParsedPage(capture.url, headers, html, capture.status)
    assessment = assess_parsed(
        page, policy=policy, tokens=tokens, prior_optout=pre.signals, extra_reasons=extra
    )
    d.include = assessment.decision.include
    d.reasons = list(assessment.decision.reasons)
    d.assessment = assessment
    d.page = page
    return d
