"""Re-derive a foreign page's pre-fetch verdict from the policy files found for it (issue 14).

The crawler's own sans-I/O plan (:class:`filters.prefetch.PrefetchPlan`) decides which files
matter (robots.txt first, RFC 9309; then tdmrep.json and ai.txt), so the verdict is the
crawl's rule; a file found nowhere is ``policy-file-unknown`` when the policy requires it, else
recorded as a relaxation.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from export.manifest import PolicyFileItem, RobotsSection
from export.policyarchive import FoundPolicyFile
from export.policyfiles import ArchivedPolicyFile, evidence_items
from filters.policy import Policy
from filters.prefetch import (
    ROBOTS_TXT,
    FetchResult,
    PrefetchPlan,
    fetch_permission,
    origin_base,
)
from filters.reasons import Reason
from filters.results import FetchPermission


def policy_kinds() -> tuple[Any, ...]:
    """Return the registered policy-file kinds (read at call time: a kind added later counts)."""
    from filters.prefetch import POLICY_FILES

    return POLICY_FILES


def missing_item(kind: str, url: str, why: str) -> PolicyFileItem:
    """Return the manifest item of a policy file named or required but found nowhere."""
    return PolicyFileItem(
        kind=kind,
        url=url,
        final_url="",
        status=0,
        sha256="",
        fetched_at="",
        error=why,
        archived=None,
        check="missing",
        source="none",
    )


def found_item(found: FoundPolicyFile, url: str) -> PolicyFileItem:
    """Return the manifest item of a found policy file, naming its source and record."""
    source = (
        found.source
        if found.source in ("same-archive", "policy-archive")
        else ("fetched-at-export")
    )
    return PolicyFileItem(
        kind=found.kind,
        url=url,
        final_url=found.final_url,
        status=found.status,
        sha256=found.sha256,
        fetched_at=found.fetched_at,
        error="",
        archived=found.pointer,
        check="archived",
        original=found.original,
        source=source,  # type: ignore[arg-type]
    )


@dataclass(slots=True)
class ForeignPrefetch:
    """The pre-fetch verdict re-derived for a foreign page, with the files it rested on."""

    files: list[PolicyFileItem]
    robots: RobotsSection | None
    permission: FetchPermission | None
    reasons: list[str]
    relaxations: list[str]


#: Origin-level evaluations remembered per worker (an origin's pages share their files).
ORIGIN_MEMORY = 4096


@dataclass(frozen=True, slots=True)
class _OriginVerdict:
    """What the plan made of one origin's files: the same for every page of the origin."""

    items: tuple[PolicyFileItem, ...]
    reasons: tuple[str, ...]
    relaxed: tuple[str, ...]
    robots_missing: bool
    policies: Any  # filters.prefetch.OriginPolicies


_origins: OrderedDict[tuple[Any, ...], _OriginVerdict] = OrderedDict()


def _file_key(f: ArchivedPolicyFile) -> tuple[Any, ...]:
    """Everything of a found file the plan and the manifest item read (not its time distance)."""
    return (
        type(f).__name__,
        f.kind,
        f.url,
        f.status,
        f.sha256,
        f.pointer,
        f.original,
        getattr(f, "source", ""),
        getattr(f, "fetched_at", ""),
        getattr(f, "final_url", ""),
    )


def _origin_verdict(
    url: str, found: Sequence[ArchivedPolicyFile], policy: Policy, tokens: Sequence[str]
) -> _OriginVerdict:
    """Run the crawler's plan over an origin's files, once per origin and set of files.

    :class:`filters.prefetch.PrefetchPlan` reads only the URL's origin (its files are
    origin-level: RFC 9309 §2.3, TDMRep §3.1, ai.txt), so its result is shared by every page of
    the origin that found the same files; parsing robots.txt and gating tdmrep.json and ai.txt
    by it per page cost a foreign export ~3 % of its CPU time. Only the page's own verdict
    (:func:`filters.prefetch.fetch_permission`) is per URL.
    """
    required = tuple(policy.archive_required_policy_files)
    key = (origin_base(url), tuple(_file_key(f) for f in found), required, tuple(tokens))
    hit = _origins.get(key)
    if hit is not None:
        _origins.move_to_end(key)
        return hit
    verdict = _plan_origin(url, found, set(required), tokens)
    _origins[key] = verdict
    while len(_origins) > ORIGIN_MEMORY:
        _origins.popitem(last=False)
    return verdict


def _plan_origin(
    url: str, found: Sequence[ArchivedPolicyFile], required: set[str], tokens: Sequence[str]
) -> _OriginVerdict:
    by_kind = {f.kind: f for f in found}
    # Located files (RSL licences, TDM policies) are several per kind: keyed by the URL named.
    by_url = {(f.kind, f.url): f for f in found}
    items: list[PolicyFileItem] = []
    reasons: list[str] = []
    relaxed: list[str] = []
    plan = PrefetchPlan(url, tokens)
    robots_missing = False
    for job in plan:
        name = job.kind.name
        hit = by_url.get((name, job.url)) if job.kind.follows else by_kind.get(name)
        if isinstance(hit, FoundPolicyFile):
            items.append(found_item(hit, job.url))
            plan.accept(
                job, FetchResult(hit.status, hit.body, hit.fetched_at, final_url=hit.final_url)
            )
            continue
        why = "not in the archives read, nor in a policy archive, nor fetched"
        items.append(missing_item(name, job.url, why))
        if name in required:
            reasons.append(Reason.POLICY_FILE_UNKNOWN.with_arg(name))
        else:
            relaxed.append(name)
        if job.kind is ROBOTS_TXT:
            robots_missing = True
            # Relaxed: decided as if the site had none (RFC 9309 §2.3.1.3, 4xx: allow);
            # required: the page is excluded above, evaluated as if absent only for evidence.
            plan.accept(job, FetchResult(404, b"", "", final_url=""))
        elif job.kind.not_checked is not None:
            # A located file that was named but found nowhere fails closed for the URLs it
            # covers only through the policy's requirement above (relaxation recorded).
            plan.record(job, job.kind.not_checked(job.url, why, fail_closed=False))
    return _OriginVerdict(
        tuple(items), tuple(reasons), tuple(relaxed), robots_missing, plan.result()
    )


def evaluate_policy_files(
    url: str,
    found: Sequence[ArchivedPolicyFile],
    policy: Policy,
    tokens: Sequence[str],
    producer: str,
) -> ForeignPrefetch:
    """Re-derive the pre-fetch verdict a crawl would have reached, from the files found.

    The crawler's plan decides which files matter (robots.txt first; a file robots.txt keeps
    us from reading is refused by robots, not looked up), so the verdict is the crawl's rule.
    """
    origin = _origin_verdict(url, found, policy, tokens)
    by_kind = {f.kind: f for f in found}
    items = list(origin.items)
    reasons = list(origin.reasons)
    relaxed = list(origin.relaxed)
    robots_missing = origin.robots_missing
    policies = origin.policies
    permission = fetch_permission(policies, url, tuple(tokens))
    # Opt-outs travel as signals (the page assessment counts them); other refusals as reasons.
    for r in permission.reasons:
        if r.startswith(Reason.OPTOUT.with_arg("")):
            continue
        if robots_missing and r.startswith(("robots-",)):
            continue
        reasons.append(r)
    robots_file = by_kind.get(ROBOTS_TXT.name)
    robots = None
    if robots_file is not None and permission.robots is not None:
        verdict = permission.robots
        robots = RobotsSection(
            url=robots_file.url,
            sha256=robots_file.sha256,
            fetched_at=getattr(robots_file, "fetched_at", ""),
            recorded_allowed=None,
            recorded_reason=f"no crawl-time decision: the archive was written by {producer}",
            recorded_evidence=[],
            recheck_allowed=bool(verdict.allowed),
            recheck_reason=str(verdict.reason or ""),
            recheck_evidence=evidence_items(verdict.evidence),
            matches_recorded=None,
        )
    return ForeignPrefetch(items, robots, permission, reasons, relaxed)
