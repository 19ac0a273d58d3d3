"""Re-derive the rights decision for one capture from what the WARC holds.

Page-level findings (licence, paywall, opt-outs in headers and HTML) are recomputed from the
stored headers and body with the same detectors the crawler used (:mod:`filters.assess`).
Pre-fetch signals (robots.txt, tdmrep.json, ai.txt) come from the capture's ``metadata``
record, which names each policy file with its digest and fetch time; the policy files are
archived in the same WARC.

Fail closed: a capture without a readable decision record, with a withheld body, with a body
that does not decode, or that the crawler itself excluded for an opt-out, is excluded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from export.httpbody import ContentDecodingError, decode_body
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
    html: bytes = b""


def _recorded_prefetch(meta: dict[str, Any]) -> tuple[list[OptoutSignal], list[str]]:
    pre = meta.get("prefetch") or {}
    if not isinstance(pre, dict):
        return [], ["prefetch-record-unreadable"]
    signals = [optout_signal_from_json(s) for s in pre.get("optout") or ()]
    reasons = [str(r) for r in pre.get("reasons") or ()]
    if pre.get("allowed") is False and not reasons:
        reasons.append("prefetch-refused")
    return signals, reasons


def derive(capture: Capture, policy: Policy, tokens: Sequence[str]) -> Derived:
    """Decide whether ``capture`` may be exported, re-running every page-level detector."""
    meta = capture.metadata
    if capture.record_type == "":
        reasons = [str(r) for r in (meta or {}).get("reasons") or ["not-fetched"]]
        return Derived(capture=capture, include=False, reasons=reasons)
    if not isinstance(meta, dict):
        return Derived(capture=capture, include=False, reasons=["no-decision-record"])
    if meta.get("outcome") == "redirect":
        return Derived(capture=capture, include=False, reasons=[f"redirect:{capture.status}"])
    if capture.record_type == "revisit":
        return Derived(capture=capture, include=False, reasons=[f"revisit-of:{capture.refers_to}"])
    if capture.withheld:
        recorded = [str(r) for r in meta.get("reasons") or ()] or ["optout:recorded"]
        return Derived(capture=capture, include=False, reasons=["body-withheld", *recorded])

    prior, extra = _recorded_prefetch(meta)
    recorded_optout = ((meta.get("assessment") or {}).get("optout") or {}) if isinstance(
        meta.get("assessment"), dict
    ) else {}
    if isinstance(recorded_optout, dict) and recorded_optout.get("reserved"):
        extra.append("crawl-time-optout")
    try:
        html = decode_body(capture.headers, capture.body)
    except ContentDecodingError as exc:
        return Derived(capture=capture, include=False, reasons=[f"undecodable-body:{exc}"])
    headers = tuple((k, v) for k, v in capture.headers if k.lower() != "content-encoding")
    page = ParsedPage(capture.url, headers, html, capture.status)
    assessment = assess_parsed(
        page, policy=policy, tokens=tokens, prior_optout=prior, extra_reasons=extra
    )
    return Derived(
        capture=capture,
        include=assessment.decision.include,
        reasons=list(assessment.decision.reasons),
        assessment=assessment,
        page=page,
        html=html,
    )
