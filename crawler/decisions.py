"""The decision record: one JSON object per URL the crawler considered.

The same object is written as a line of ``DIR/decisions.jsonl.gz`` and, for every archived
exchange, as the body of a WARC ``metadata`` record that refers to the response record. The
exporter re-derives page-level findings from the archived bytes and takes the pre-fetch verdict
(robots.txt, tdmrep.json, ai.txt, with the digests and fetch times of those files) from here.

Outcomes:

``exported-candidate``  fetched, and the rights policy admits it (export still checks text).
``excluded``            fetched, and at least one rule excludes it (``reasons``); a body cut at
                        ``DOWNLOAD_MAXSIZE`` (or one that exceeds it once decompressed) is always
                        excluded with ``too-large`` (archived with ``WARC-Truncated: length``).
``not-fetched``         refused before fetching (robots.txt, a pre-fetch opt-out), the fetch
                        failed (``fetch-error:*``), the URL is on an origin outside the crawl
                        (``off-site``, recorded once per URL), or a redirect to it was not followed
                        because the chain exceeded ``REDIRECT_MAX_TIMES`` (``redirect-limit``).
``policy-file``         robots.txt, tdmrep.json or ai.txt, archived as evidence.
``redirect``            a 3xx response; the target is considered separately.

What is the same for every decision of a run (the policy's full text, the honoured tokens, the
User-Agent) is written once, as the run's first line in the log (:func:`run_record`, schema
``clearcrawl.run/1``); each decision names the policy by label and digest.

Each builder returns a typed :class:`filters.record.DecisionRecord` (the contract the export
parses back); :meth:`~filters.record.DecisionRecord.to_json` is what is written.
"""

from __future__ import annotations

from typing import Any

from crawler import __version__
from crawler.exchange import Exchange, iso, utc_now
from filters.assess import PageAssessment
from filters.policy import Policy
from filters.reasons import Reason
from filters.record import DecisionRecord, FetchRecord, Outcome, TooLargeRecord, WarcIds
from filters.results import FetchPermission

RUN_SCHEMA = "clearcrawl.run/1"

# The outcome strings are spelled once, in filters.record.Outcome (a StrEnum: equal to, and
# serialised as, the same strings as before).
CANDIDATE = Outcome.CANDIDATE
EXCLUDED = Outcome.EXCLUDED
NOT_FETCHED = Outcome.NOT_FETCHED
POLICY_FILE = Outcome.POLICY_FILE
REDIRECT = Outcome.REDIRECT

TOO_LARGE = Reason.TOO_LARGE
REDIRECT_LIMIT = Reason.REDIRECT_LIMIT


def truncation_reason(truncated: str | None) -> str | None:
    """Return the exclusion reason for a body not received in full, or None.

    ``WARC-Truncated`` values (WARC 1.1 §5.13): ``length`` is the size cap (``too-large``);
    anything else (``disconnect``…) is ``truncated:<value>``. Nothing decided on part of a body
    may admit it: the rest could hold a reservation or a different licence.
    """
    if not truncated:
        return None
    return TOO_LARGE if truncated == "length" else Reason.TRUNCATED.with_arg(truncated)


#: policy -> (label, digest): both hash the policy's canonical JSON, the same for every
#: record of a crawl; computed once per policy object instead of twice per record.
_POLICY_IDS: dict[int, tuple[Policy, str, str]] = {}


def _policy_ids(policy: Policy) -> tuple[str, str]:
    hit = _POLICY_IDS.get(id(policy))
    if hit is None or hit[0] is not policy:
        if len(_POLICY_IDS) > 64:
            _POLICY_IDS.clear()
        hit = (policy, policy.label, policy.digest)
        _POLICY_IDS[id(policy)] = hit
    return hit[1], hit[2]


def _record(
    url: str,
    outcome: Outcome,
    reasons: list[str] | tuple[str, ...],
    policy: Policy,
    **sections: Any,
) -> DecisionRecord:
    label, digest = _policy_ids(policy)
    return DecisionRecord(
        url=url,
        outcome=outcome,
        reasons=tuple(reasons),
        decided_at=iso(utc_now()),
        clearcrawl_version=__version__,
        policy_label=label,
        policy_digest=digest,
        **sections,
    )


def run_record(policy: Policy, tokens: tuple[str, ...], user_agent: str) -> dict[str, Any]:
    """Return the log's header for one crawl run: the constants each decision refers to.

    ``policy.content`` is the canonical JSON whose sha256 is ``policy.digest`` (the value every
    decision carries), so the log alone shows which rules decided.
    """
    return {
        "schema": RUN_SCHEMA,
        "started_at": iso(utc_now()),
        "clearcrawl_version": __version__,
        "policy": {
            "label": policy.label,
            "digest": policy.digest,
            "content": policy.canonical_json(),
        },
        "honoured_tokens": list(tokens),
        "user_agent": user_agent,
    }


def _fetch(
    exchange: Exchange, body_stored: bool, too_large: TooLargeRecord | None = None
) -> FetchRecord:
    ctype = next(
        (v.decode("latin-1") for k, v in exchange.response_headers if k.lower() == b"content-type"),
        None,
    )
    return FetchRecord(
        status=exchange.status,
        fetched_at=iso(exchange.started_at),
        ip_address=exchange.ip_address,
        protocol=exchange.protocol,
        content_type=ctype,
        content_length=len(exchange.body),
        payload_digest=exchange.payload_digest,
        body_stored=body_stored,
        truncated=exchange.truncated,
        too_large=too_large,
    )


def _warc_ids(exchange: Exchange) -> WarcIds:
    return WarcIds(
        request_record_id=exchange.request_record_id,
        response_record_id=exchange.response_record_id,
        metadata_record_id=exchange.metadata_record_id,
    )


def page_record(
    exchange: Exchange,
    assessment: PageAssessment,
    prefetch: FetchPermission | None,
    policy: Policy,
) -> DecisionRecord:
    """Decision for a fetched page. The body is not stored when an opt-out fired."""
    decision = assessment.decision
    outcome = CANDIDATE if decision.include else EXCLUDED
    reasons = list(decision.reasons)
    cut = truncation_reason(exchange.truncated)
    if cut is not None:
        outcome = EXCLUDED
        reasons.insert(0, cut)
    reserved = assessment.optout is None or assessment.optout.reserved
    return _record(
        exchange.url,
        outcome,
        reasons,
        policy,
        kind=exchange.kind,
        fetch=_fetch(exchange, body_stored=not reserved),
        warc=_warc_ids(exchange),
        prefetch=prefetch,
        assessment=assessment.to_json(),
    )


def not_fetched_record(
    url: str,
    reasons: list[str] | tuple[str, ...],
    prefetch: FetchPermission | None,
    policy: Policy,
    *,
    found_on: str | None = None,
) -> DecisionRecord:
    """Decision for a URL refused before fetching, or whose fetch failed.

    ``found_on`` is the page that linked to an off-site URL (recorded, not followed).
    """
    details = () if found_on is None else (("found_on", found_on),)
    return _record(url, NOT_FETCHED, reasons, policy, prefetch=prefetch, details=details)


def too_large_record(
    exchange: Exchange,
    prefetch: FetchPermission | None,
    policy: Policy,
    *,
    detail: TooLargeRecord,
) -> DecisionRecord:
    """Decision for a response dropped for size before any detector saw it (a gzip bomb).

    ``exchange`` is archived headers only (``truncated`` is ``length``); ``detail`` says what
    exceeded the cap and keeps the length and digest of the body as served.
    """
    return _record(
        exchange.url,
        EXCLUDED,
        [TOO_LARGE],
        policy,
        kind=exchange.kind,
        fetch=_fetch(exchange, body_stored=True, too_large=detail),
        warc=_warc_ids(exchange),
        prefetch=prefetch,
    )


def redirect_limit_record(
    url: str, source: str, chain: list[str], kind: str, policy: Policy, *, max_hops: int
) -> DecisionRecord:
    """Decision for a redirect target not requested because the chain hit its limit.

    ``source`` is the URL whose redirect pointed here; ``chain`` every URL of the chain before
    it (each has its own ``redirect`` line).
    """
    details = (
        ("redirected_from", source),
        ("redirect_chain", chain),
        ("redirect_max_hops", max_hops),
    )
    return _record(url, NOT_FETCHED, [REDIRECT_LIMIT], policy, kind=kind, details=details)


def policy_file_record(
    exchange: Exchange, policy: Policy, *, too_large: TooLargeRecord | None = None
) -> DecisionRecord:
    """Record for an archived robots.txt, tdmrep.json or ai.txt (evidence, not a page).

    ``too_large``: the file exceeded ``DOWNLOAD_MAXSIZE`` once decompressed (reason
    ``too-large``; its rules were not read).
    """
    return _record(
        exchange.url,
        POLICY_FILE,
        [] if too_large is None else [TOO_LARGE],
        policy,
        kind=exchange.kind,
        fetch=_fetch(exchange, body_stored=True, too_large=too_large),
        warc=_warc_ids(exchange),
    )


def redirect_record(
    exchange: Exchange,
    location: str | None,
    policy: Policy,
    *,
    target: str | None = None,
    origin_added: str | None = None,
    origin_added_because: str | None = None,
) -> DecisionRecord:
    """Record for a 3xx response; its target is requested (and decided) separately.

    ``target`` is the absolute URL ``location`` points to; ``origin_added`` the origin a seed's
    redirect brought into the crawl (:meth:`spiders.site.SiteSpider.admit_redirect_origin`).
    """
    details: list[tuple[str, Any]] = [("location", location), ("target", target)]
    if origin_added is not None:
        details += [("origin_added", origin_added), ("origin_added_because", origin_added_because)]
    return _record(
        exchange.url,
        REDIRECT,
        [Reason.REDIRECT.with_arg(exchange.status)],
        policy,
        kind=exchange.kind,
        fetch=_fetch(exchange, body_stored=True),
        warc=_warc_ids(exchange),
        details=tuple(details),
    )
