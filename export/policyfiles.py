"""Policy files (robots.txt, tdmrep.json, ai.txt, the RSL licence) archived, found by digest.

The crawler records, in each page's metadata record, the policy files its pre-fetch verdict
relied on: kind, URL, HTTP status, sha256 of the body as received and fetch time
(:class:`filters.results.PolicyFileRef`). The policy files themselves are archived as ordinary
responses in the same WARC files, *before* the pages that relied on them (the pre-fetch gate
waits for them). The exporter keeps every archived policy file it has read in a
:class:`PolicyFileStore` (a small in-memory LRU over an on-disk spill, so memory stays flat
whatever the number of origins) and hands each page the archived files its record names.

:func:`recheck_prefetch` then proves, per page, that each file relied on is archived byte for
byte (matching sha256), rebuilds the origin's policies from the archived bytes and re-derives
the pre-fetch verdict with the evaluator the crawler used
(:func:`filters.prefetch.fetch_permission`: robots.txt for every honoured token,
robots.txt content signals, tdmrep.json, ai.txt, the RSL licence robots.txt names, evaluated
with the crawl's recorded RSL user type and regions). Fail closed: a page whose policy files are
not in the archive, whose re-derived verdict refuses it, or whose re-derivation fails, is
excluded with a reason saying which; a reservation recorded at crawl time is never undone.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from export.manifest import EvidenceItem, PolicyFileItem, RobotsSection, TdmPolicyItem
from export.policystore import (
    ArchivedPolicyFile,
    PolicyFileStore,
    _int,
    archived_from_capture,
    policy_file_key,
    recorded_refs,
    ref_key,
)
from filters.optout.tdmpolicy import TdmPolicy, tdm_policy_from_fetch
from filters.prefetch import (
    POLICY_FILE_KINDS,
    ROBOTS_TXT,
    RSL_LICENSE,
    TDM_POLICY,
    FetchResult,
    OriginPolicies,
    PrefetchPlan,
)
from filters.reasons import Reason
from filters.results import OptoutSignal, optout_signal_from_json
from filters.rsl import NO_CONTEXT, RslContext, rsl_from_fetch
from filters.rsl.feed import KIND as FEED_KIND
from filters.rsl.feed import rsl_from_feed_fetch
from filters.rsl.policy import LINKED_KIND, max_age_expired

__all__ = [
    "POLICIES_CACHE_SIZE",
    "ArchivedPolicyFile",
    "PolicyFileStore",
    "PrefetchRecheck",
    "archived_from_capture",
    "evidence_items",
    "linked_licences",
    "page_tdm_policies",
    "policy_file_key",
    "recheck_prefetch",
    "recorded_refs",
    "ref_key",
]


logger = logging.getLogger(__name__)

#: Parsed origin policies kept per worker process (parsing is the expensive part of a verdict;
#: a robots.txt can hold 500 KB of rules, so the cache stays small).
POLICIES_CACHE_SIZE = 64


@dataclass(slots=True)
class PrefetchRecheck:
    """The pre-fetch verdict re-derived from the archived policy files.

    ``signals`` are the opt-out signals to combine with the page's own (the re-derived ones,
    plus any reservation the crawler recorded that the re-derivation does not repeat: a
    reservation is never undone); ``reasons`` exclude the page.
    """

    files: list[PolicyFileItem]
    robots: RobotsSection | None
    signals: list[OptoutSignal]
    reasons: list[str]
    #: The RSL outcome re-derived from the archived licence (``None`` when not re-derived).
    rsl: Any = None
    #: The TDM policies the URL's tdmrep.json reservation names, re-read from the archive.
    tdm_policies: tuple[TdmPolicy, ...] = ()


_policies_cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()


def evidence_items(raw: Any) -> list[EvidenceItem]:
    """Evidence from result objects or their JSON form (unknown shapes become excerpts)."""
    out: list[EvidenceItem] = []
    for e in raw or ():
        if isinstance(e, dict):
            get = e.get
        else:

            def get(name: str, default: Any = "", _e: Any = e) -> Any:
                return getattr(_e, name, default)

        out.append(
            EvidenceItem(
                source=str(get("source", "") or ""),
                locator=str(get("locator", "") or ""),
                excerpt=str(get("excerpt", "") or ""),
                note=str(get("note", "") or ""),
            )
        )
    return out


def _archived_result(ref: dict[str, Any], found: ArchivedPolicyFile | None) -> FetchResult:
    """Return the crawl's fetch of one policy file, replayed from its archived bytes (or failure)."""
    fetched_at = str(ref.get("fetched_at") or "")
    final_url = str(ref.get("final_url") or "")
    if found is None:  # the crawl's fetch failed: nothing was archived, the failure is the fact
        return FetchResult(
            0, b"", fetched_at, final_url=final_url, error=str(ref.get("error") or "")
        )
    return FetchResult(found.status, found.body, fetched_at, final_url=final_url)


def _origin_policies(
    url: str,
    refs: dict[str, dict[str, Any]],
    found: dict[str, ArchivedPolicyFile | None],
    tokens: Sequence[str],
    rsl_context: RslContext = NO_CONTEXT,
) -> OriginPolicies:
    """Rebuild the origin's policies as the crawler's pre-fetch gate built them.

    The same plan the crawler's middleware drives (:class:`filters.prefetch.PrefetchPlan`, on
    the same normalised origin), fed the archived bytes instead of fetches: robots.txt first,
    then each file robots.txt let the crawler read. A file the plan asks for that the crawl
    recorded no fetch of fails closed (not checked).
    """
    plan = PrefetchPlan(
        url, tokens, options={RSL_LICENSE.name: {"context": rsl_context}}, cross_origin=True
    )
    for job in plan:
        name = _ref_name(job.kind.name, job.url) if job.kind.follows else job.kind.name
        if name in refs or job.kind is ROBOTS_TXT:
            # the recorded URL is the one the crawler fetched (its normalised origin)
            plan.accept(job, _archived_result(refs.get(name) or {}, found.get(name)))
        elif job.kind.not_checked is not None:  # it should have been fetched: fail closed
            plan.record(job, job.kind.not_checked(job.url, "no fetch of it was recorded"))
    return plan.result()


def _ref_name(kind: str, url: str) -> str:
    """Key of a recorded fetch: the kind, or kind + URL for kinds of several files (RSL, TDM)."""
    known = POLICY_FILE_KINDS.get(kind)
    return f"{kind} {url}" if known is not None and known.follows else kind


def _tdm_terms(ref: dict[str, Any], hit: ArchivedPolicyFile | None) -> TdmPolicyItem:
    """Return the TDM policy's terms, re-read from its archived bytes (or its recorded failure)."""
    res = _archived_result(ref, hit)
    url = str(ref.get("url") or "")
    policy = tdm_policy_from_fetch(
        url, res.status, res.body, res.fetched_at, final_url=res.final_url, error=res.error
    )
    return TdmPolicyItem.of(policy)


def recheck_prefetch(
    url: str,
    meta: dict[str, Any] | None,
    archived: Sequence[ArchivedPolicyFile],
    tokens: Sequence[str],
    rsl_context: RslContext = NO_CONTEXT,
    *,
    captured_at: str = "",
) -> PrefetchRecheck:
    """Re-derive the pre-fetch verdict for ``url`` from the archived policy files.

    Each recorded policy file is matched with its archived copy; the verdict (robots.txt for
    every honoured token, its content signals, tdmrep.json, ai.txt) is computed from those
    bytes by the crawler's own evaluator (:func:`filters.prefetch.fetch_permission`). With
    ``captured_at`` (the page's WARC-Date), an RSL licence copy older than its ``max-age`` at
    capture time is not relied on: ``rsl-unavailable:max-age-expired`` (RSL 1.0 §3.1).
    """
    from filters.prefetch import REFUSED_REASON, fetch_permission

    by_key = {a.key: a for a in archived}
    items: list[PolicyFileItem] = []
    reasons: list[str] = []
    refs: dict[str, dict[str, Any]] = {}
    found: dict[str, ArchivedPolicyFile | None] = {}
    for ref in recorded_refs(meta):
        status = _int(ref.get("status"))
        error = str(ref.get("error") or "")
        hit = by_key.get(ref_key(ref))
        kind = str(ref.get("kind") or "")
        check: Literal["archived", "not-archived", "fetch-failed"]
        if hit is None and (status == 0 or error):
            check = "fetch-failed"
        elif hit is None:
            check = "not-archived"
            reasons.append(Reason.POLICY_FILE_NOT_ARCHIVED.with_arg(kind or "unknown"))
        else:
            check = "archived"
        items.append(
            PolicyFileItem(
                kind=kind,
                url=str(ref.get("url") or ""),
                final_url=str(ref.get("final_url") or ""),
                status=status,
                sha256=str(ref.get("sha256") or ""),
                fetched_at=str(ref.get("fetched_at") or ""),
                error=error,
                archived=hit.pointer if hit is not None else None,
                check=check,
                original=hit.original if hit is not None else None,
                tdm_policy=_tdm_terms(ref, hit) if kind == TDM_POLICY.name else None,
            )
        )
        name = _ref_name(kind, str(ref.get("url") or ""))
        if name not in refs:
            refs[name] = ref
            found[name] = hit
    recorded = _recorded_signals(meta)
    pre = (meta or {}).get("prefetch")
    rec_robots = pre.get("robots") if isinstance(pre, dict) else None
    if "robots.txt" not in refs:
        reasons.append(Reason.ROBOTS_NOT_RECORDED)
        return PrefetchRecheck(items, None, recorded, reasons)
    if any(i.check == "not-archived" for i in items):
        # without the exact bytes there is nothing to re-derive from: keep the recorded
        # signals, and the page is excluded anyway
        return PrefetchRecheck(
            items, _robots_section(refs["robots.txt"], rec_robots, None, ""), recorded, reasons
        )
    try:
        policies = _cached_policies(url, refs, found, tokens, rsl_context)
        permission = fetch_permission(policies, url, tuple(tokens))
    except Exception as exc:
        logger.debug("pre-fetch re-derivation failed for %s", url, exc_info=True)
        reasons.append(Reason.PREFETCH_RECHECK_ERROR.with_arg(type(exc).__name__))
        section = _robots_section(
            refs["robots.txt"], rec_robots, None, f"re-evaluation failed: {exc}"
        )
        return PrefetchRecheck(items, section, recorded, reasons)
    robots = _robots_section(refs["robots.txt"], rec_robots, permission.robots, "")
    if robots.recheck_allowed is False:
        reasons.append(Reason.ROBOTS_RECHECK_DISALLOWED)
    # Reasons that are not opt-outs (those travel as signals): a failed evaluation, and a
    # policy file robots.txt forbids reading (unknown, not an opt-out: its own reason).
    # ... and the RSL licence's terms, unknown conditions and failures (RSL 1.0, issue 15).
    reasons.extend(
        r
        for r in permission.reasons
        if r.startswith(
            (
                Reason.PREFETCH_ERROR,
                REFUSED_REASON.with_arg(""),
                Reason.RSL_TERMS,
                Reason.RSL_CONDITION_UNKNOWN,
                Reason.RSL_UNAVAILABLE,
            )
        )
    )
    fetched = sorted(
        str(r.get("fetched_at") or "") for r in refs.values() if r.get("kind") == "rsl"
    )
    if fetched and max_age_expired(permission.rsl, fetched[0], captured_at):
        reasons.append(Reason.RSL_UNAVAILABLE.with_arg("max-age-expired"))
    signals = list(permission.optout)
    fired = {s.signal for s in signals if s.reserved}
    signals.extend(s for s in recorded if s.reserved and s.signal not in fired)
    return PrefetchRecheck(
        items, robots, signals, reasons, rsl=permission.rsl, tdm_policies=permission.tdm_policies
    )


def _cached_policies(
    url: str,
    refs: dict[str, dict[str, Any]],
    found: dict[str, ArchivedPolicyFile | None],
    tokens: Sequence[str],
    rsl_context: RslContext = NO_CONTEXT,
) -> Any:
    # Parsing is the expensive part; every page of an origin shares the same files. The key
    # holds the bytes' digest, not only the recorded one.
    key: tuple[Any, ...] = (tuple(tokens), rsl_context)
    for kind in sorted(refs):
        hit = found.get(kind)
        body_sha = hashlib.sha1(hit.body).hexdigest() if hit is not None else None  # noqa: S324
        key += ((kind, json.dumps(refs[kind], sort_keys=True), body_sha),)
    policies = _policies_cache.get(key)
    if policies is None:
        policies = _origin_policies(url, refs, found, tokens, rsl_context)
        _policies_cache[key] = policies
        while len(_policies_cache) > POLICIES_CACHE_SIZE:
            _policies_cache.popitem(last=False)
    else:
        _policies_cache.move_to_end(key)
    return policies


def linked_licences(
    meta: dict[str, Any] | None,
    archived: Sequence[ArchivedPolicyFile],
    rsl_context: RslContext = NO_CONTEXT,
) -> dict[str, Any]:
    """Return the RSL licences a page linked, rebuilt from their archived copies (URL → policy).

    A recorded fetch that failed is replayed as the failure (fail closed, as at crawl time); one
    whose bytes are not archived is left out, so the page's link stays unread (fail closed, and
    ``policy-file-not-archived:rsl-linked`` says why).
    """
    by_key = {a.key: a for a in archived}
    out: dict[str, Any] = {}
    for ref in recorded_refs(meta):
        if ref.get("kind") not in (LINKED_KIND, FEED_KIND):
            continue
        hit = by_key.get(ref_key(ref))
        if hit is None and not (_int(ref.get("status")) == 0 or ref.get("error")):
            continue
        res = _archived_result(ref, hit)
        url = str(ref.get("url") or "")
        if ref.get("kind") == FEED_KIND:  # RSL 1.0 §4.7: a feed the page names
            out[url] = rsl_from_feed_fetch(
                url,
                res.status,
                res.body,
                res.fetched_at,
                final_url=res.final_url,
                error=res.error,
                context=rsl_context,
            )
            continue
        out[url] = rsl_from_fetch(
            url,
            res.status,
            res.body,
            res.fetched_at,
            final_url=res.final_url,
            error=res.error,
            context=rsl_context,
            kind=LINKED_KIND,
        )
    return out


def page_tdm_policies(
    urls: Sequence[str], meta: dict[str, Any] | None, archived: Sequence[ArchivedPolicyFile]
) -> tuple[TdmPolicy, ...]:
    """Return the TDM policies a page's header or meta names, re-read from their archived copies.

    ``urls`` come from :func:`filters.optout.tdmpolicy.page_policy_request` on the archived
    page. A policy the crawl recorded no fetch of (another origin, robots.txt) or whose bytes
    are not archived is *not fetched*: unknown terms, which no grant can rely on.
    """
    by_key = {a.key: a for a in archived}
    refs = {
        str(r.get("url") or ""): r for r in recorded_refs(meta) if r.get("kind") == TDM_POLICY.name
    }
    out: list[TdmPolicy] = []
    for url in urls:
        ref = refs.get(url)
        hit = by_key.get(ref_key(ref)) if ref is not None else None
        if ref is None or (hit is None and not (_int(ref.get("status")) == 0 or ref.get("error"))):
            out.append(TdmPolicy.not_fetched(url, "no archived copy of it was recorded"))
            continue
        res = _archived_result(ref, hit)
        out.append(
            tdm_policy_from_fetch(
                url, res.status, res.body, res.fetched_at, final_url=res.final_url, error=res.error
            )
        )
    return tuple(out)


def _recorded_signals(meta: dict[str, Any] | None) -> list[OptoutSignal]:
    pre = (meta or {}).get("prefetch")
    if not isinstance(pre, dict):
        return []
    return [optout_signal_from_json(s) for s in pre.get("optout") or ()]


def _robots_section(
    ref: dict[str, Any], recorded: Any, verdict: Any, failure: str
) -> RobotsSection:
    recorded = recorded if isinstance(recorded, dict) else {}
    rec_allowed = recorded.get("allowed")
    rec_allowed = rec_allowed if isinstance(rec_allowed, bool) else None
    if verdict is not None:
        recheck_allowed: bool | None = bool(verdict.allowed)
        recheck_reason = str(getattr(verdict, "reason", "") or "")
        recheck_evidence = evidence_items(getattr(verdict, "evidence", ()))
    else:
        recheck_allowed = None
        recheck_reason = failure or "robots.txt with the recorded digest is not in the archive"
        recheck_evidence = []
    matches = (
        None if recheck_allowed is None or rec_allowed is None else recheck_allowed == rec_allowed
    )
    return RobotsSection(
        url=str(ref.get("final_url") or ref.get("url") or ""),
        sha256=str(ref.get("sha256") or ""),
        fetched_at=str(ref.get("fetched_at") or ""),
        recorded_allowed=rec_allowed,
        recorded_reason=str(recorded.get("reason") or ""),
        recorded_evidence=evidence_items(recorded.get("evidence")),
        recheck_allowed=recheck_allowed,
        recheck_reason=recheck_reason,
        recheck_evidence=recheck_evidence,
        matches_recorded=matches,
    )
