"""An origin's RSL licence as a pre-fetch policy file (RSL 1.0 §4.4), and its verdict per URL.

robots.txt names the licence (``License:``, §4.4); :func:`locate_licence` picks the line that
applies to the honoured tokens, :func:`rsl_from_fetch` maps the fetch of that URL to an
:class:`RslPolicy`, and :meth:`RslPolicy.outcome` evaluates it for any URL of the origin
(:func:`filters.rsl.evaluate.evaluate_rsl`).

**Fetch outcome → policy** (the status rules of :mod:`filters.robots.status`, read for a file
the site explicitly declared):

============================================  ===============================================
2xx, a conformant RSL document                parse; evaluate per URL
2xx, anything else (HTML, wrong namespace,    **fail closed** for every URL of the origin: the
not well-formed, a DOCTYPE, …)                licence the site declared cannot be read
404, 410 and other 4xx                        no RSL terms (the declared file does not exist)
401, 403, 407, 451                            fail closed (refused)
429, 5xx, timeout, connection error           fail closed until a later fetch succeeds
============================================  ===============================================

A ``License:`` URL on another origin is not fetched (that origin's robots.txt would have to be
read first; fail closed, ``cross-origin``), nor one robots.txt forbids (``policy-file-refused-by-
robots:rsl``), and two different ``License:`` URLs for the same crawler are not combined yet
(fail closed, ``several-licences``). Caching: fetched with the origin's other policy files, once
per cache window (≤ 24 h, shorter than any ``max-age``, whose unit is days, §3.1).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from filters.reasons import Reason
from filters.results import Evidence, OptoutSignal, PolicyFileRef, RobotsVerdict, excerpt
from filters.robots.status import (
    ABSENT,
    FAIL_CLOSED,
    PARSE,
    REFUSED_BY_ROBOTS,
    SKIPPED,
    classify_fetch,
    policy_file_ref,
)
from filters.rsl.discover import absolute_http_url
from filters.rsl.document import MAX_BYTES, RslDocument, parse_rsl
from filters.rsl.evaluate import (
    NO_CONTEXT,
    RslContext,
    RslOutcome,
    Verdict,
    evaluate_rsl,
    same_origin,
)

KIND = "rsl"
#: A licence document a page links (RSL 1.0 §4.5/§4.6), archived under its own kind.
LINKED_KIND = "rsl-linked"
SIGNAL = "rsl"
#: No ``License:`` line applies: nothing to fetch, no RSL terms.
NONE_DECLARED = "none-declared"


class RslPolicy:
    """The RSL licence robots.txt declared for one origin (or why there is none / it is unusable).

    ``outcome`` is one of :mod:`filters.robots.status`' outcomes or :data:`NONE_DECLARED`;
    ``cause`` the short id of a failure (``http-503``, ``unreachable``, ``malformed``…).
    """

    __slots__ = (
        "_last",
        "cause",
        "context",
        "declared",
        "document",
        "outcome",
        "reason",
        "ref",
        "refusal",
        "url",
    )

    def __init__(
        self,
        url: str,
        outcome: str,
        reason: str,
        *,
        ref: PolicyFileRef | None = None,
        document: RslDocument | None = None,
        cause: str = "",
        context: RslContext = NO_CONTEXT,
        refusal: Sequence[Evidence] = (),
        declared: Sequence[Evidence] = (),
    ) -> None:
        self.url = url
        self.outcome = outcome
        self.reason = reason
        self.ref = ref
        self.document = document
        self.cause = cause
        self.context = context
        self.refusal = tuple(refusal)
        self.declared = tuple(declared)  # the robots.txt License: line(s) that named it
        self._last: tuple[str, RslOutcome] | None = None  # signal/reasons/outcome of one URL

    # -- constructors for files that are not fetched ---------------------------------------
    @classmethod
    def none_declared(cls, base: str) -> RslPolicy:
        return cls(base + "/robots.txt", NONE_DECLARED, "robots.txt names no RSL licence")

    @classmethod
    def not_checked(cls, url: str, why: str, *, fail_closed: bool = True) -> RslPolicy:
        """Record a licence not fetched: fail closed, unless robots.txt refuses everything."""
        if fail_closed:
            return cls(url, FAIL_CLOSED, f"RSL licence not checked: {why}", cause="not-checked")
        return cls(url, SKIPPED, f"RSL licence not checked: {why}")

    @classmethod
    def refused_by_robots(cls, url: str, verdict: RobotsVerdict) -> RslPolicy:
        """robots.txt forbids fetching the licence it names: its terms are unknown."""
        return cls(
            url,
            REFUSED_BY_ROBOTS,
            f"RSL licence not read: robots.txt forbids fetching it ({verdict.reason}); its terms "
            "are unknown, so the origin's pages are not taken (fail closed)",
            refusal=verdict.evidence,
        )

    @classmethod
    def unusable(cls, url: str, cause: str, why: str, declared: Sequence[Evidence]) -> RslPolicy:
        """Record a declared licence clearcrawl will not fetch (another origin, several)."""
        return cls(url, FAIL_CLOSED, why, cause=cause, declared=declared)

    # -- the verdict -----------------------------------------------------------------------
    def outcome_for(self, url: str) -> RslOutcome:
        """Return the RSL outcome for ``url`` (:class:`filters.rsl.evaluate.RslOutcome`)."""
        last = self._last
        if last is not None and last[0] == url:
            return last[1]
        out = self._outcome_for(url)
        self._last = (url, out)
        return out

    def _outcome_for(self, url: str) -> RslOutcome:
        where = (Evidence(source=KIND, locator=self.url, note=self.reason), *self.declared)
        if self.outcome == PARSE and self.document is not None:
            out = evaluate_rsl(self.document, url, self.context)
            return RslOutcome(
                verdict=out.verdict,
                reason=out.reason,
                cause=out.cause,
                licence_url=out.licence_url,
                terms=out.terms,
                attribution=out.attribution,
                licence_urls=out.licence_urls,
                max_age_days=out.max_age_days,
                evidence=(*self.declared, *out.evidence),
            )
        if self.outcome == FAIL_CLOSED:
            return RslOutcome(
                verdict=Verdict.UNAVAILABLE,
                cause=self.cause or "unavailable",
                reason=f"the RSL licence {self.url} is unusable: {self.reason}; not taken "
                "(fail closed)",
                licence_url=self.url,
                evidence=where,
            )
        return RslOutcome(
            verdict=Verdict.NONE,
            reason=self.reason,
            licence_url=self.url if self.outcome != NONE_DECLARED else "",
            evidence=(*where, *self.refusal),
        )

    def signal(self, url: str) -> OptoutSignal:
        """Return the ``rsl`` opt-out signal: reserved when training is prohibited."""
        out = self.outcome_for(url)
        reserved = {Verdict.PROHIBITED: True, Verdict.PERMITTED: False}.get(out.verdict)
        evidence = out.evidence or (Evidence(source=KIND, locator=self.url, note=out.reason),)
        if reserved is True:
            evidence = (Evidence(source=KIND, locator=out.licence_url, note=out.reason), *evidence)
        return OptoutSignal(signal=SIGNAL, reserved=reserved, evidence=evidence)

    def reasons(self, url: str) -> list[str]:
        """Return the reasons (other than the opt-out) this licence keeps ``url`` out for."""
        return outcome_reasons(self.outcome_for(url))


def outcome_reasons(out: RslOutcome) -> list[str]:
    """Return the reason ids of an outcome that is not a plain opt-out (that is a signal)."""
    if out.verdict == Verdict.TERMS:
        return [Reason.RSL_TERMS.with_arg(out.cause or "terms")]
    if out.verdict == Verdict.CONDITION_UNKNOWN:
        return [Reason.RSL_CONDITION_UNKNOWN.with_arg(out.cause)]
    if out.verdict == Verdict.UNAVAILABLE:
        return [Reason.RSL_UNAVAILABLE.with_arg(out.cause or "unavailable")]
    return []


def _status_cause(status: int, error: str) -> str:
    if error or not status:
        return "unreachable"
    return f"http-{status}"


def rsl_from_fetch(
    url: str,
    status: int,
    body: bytes,
    fetched_at: str,
    *,
    final_url: str = "",
    error: str = "",
    context: RslContext = NO_CONTEXT,
    max_bytes: int = MAX_BYTES,
    declared: Sequence[Evidence] = (),
    kind: str = KIND,
) -> RslPolicy:
    """Map one fetch of the declared licence to a policy (table in the module docstring).

    ``kind`` names the file in its reference: ``rsl`` for the licence robots.txt declares,
    ``rsl-linked`` for one a page links (:mod:`filters.rsl.page`).
    """
    body = bytes(body or b"")
    ref = policy_file_ref(
        kind,
        url,
        status,
        body,
        fetched_at,
        final_url=final_url,
        error=error,
        truncated=len(body) > max_bytes,
    )
    outcome, reason = classify_fetch("RSL licence", status, error)
    if outcome == ABSENT:
        return RslPolicy(
            url, ABSENT, f"{reason}: no RSL terms", ref=ref, context=context, declared=declared
        )
    if outcome != PARSE:
        return RslPolicy(
            url,
            FAIL_CLOSED,
            reason.replace("a reservation cannot be ruled out", "its terms are unknown"),
            ref=ref,
            cause=_status_cause(status, error),
            context=context,
            declared=declared,
        )
    if len(body) > max_bytes:
        return RslPolicy(
            url,
            FAIL_CLOSED,
            f"RSL licence is {len(body)} bytes, over the {max_bytes}-byte limit",
            ref=ref,
            cause="oversized",
            context=context,
            declared=declared,
        )
    parsed = parse_rsl(body, final_url or url)
    if parsed.document is None:
        return RslPolicy(
            url,
            FAIL_CLOSED,
            f"RSL licence HTTP {status} is not a usable RSL 1.0 document: {excerpt(parsed.error)}",
            ref=ref,
            cause=parsed.cause or "malformed",
            context=context,
            declared=declared,
        )
    doc = parsed.document
    return RslPolicy(
        url,
        PARSE,
        f"RSL licence HTTP {status}: {len(doc.contents)} <content> element(s), max-age "
        f"{doc.max_age_days} day(s)",
        ref=ref,
        document=doc,
        context=context,
        declared=declared,
    )


def locate_licence(robots: Any, base: str, tokens: Sequence[str]) -> tuple[str | None, Any]:
    """Return the licence URL to fetch for an origin, or the policy settled without one.

    ``robots`` is the origin's :class:`filters.robots.RobotsPolicy`; ``base`` its
    ``scheme://host[:port]``. Returns ``(url, {"declared": evidence})`` to fetch ``url`` (the
    ``License:`` lines become evidence of the fetched policy), or ``(None, policy)``.
    """
    lines = robots.license_lines(tokens)
    if not lines:
        return None, RslPolicy.none_declared(base)
    declared = tuple(
        Evidence(
            source="robots.txt",
            locator=f"line {line.number}",
            excerpt=excerpt(line.text),
            note="RSL 1.0 §4.4 License directive",
        )
        for line in lines
    )
    urls = list(dict.fromkeys(absolute_http_url(line.value) for line in lines))
    if "" in urls:
        bad = next(line for line in lines if not absolute_http_url(line.value))
        return None, RslPolicy.unusable(
            base + "/robots.txt",
            "bad-license-line",
            f"robots.txt line {bad.number} License: {bad.value!r} is not an absolute http(s) URL "
            "(§4.4); the declared licence cannot be read",
            declared,
        )
    if len(urls) > 1:
        return None, RslPolicy.unusable(
            urls[0],
            "several-licences",
            f"robots.txt declares {len(urls)} different RSL licences ({', '.join(urls)}); "
            "combining several is not supported, so none is relied on",
            declared,
        )
    if same_origin(urls[0], base) is False:
        return None, RslPolicy.unusable(
            urls[0],
            "cross-origin",
            f"the RSL licence {urls[0]} is on another origin; it is not fetched without that "
            "origin's robots.txt (RFC 9309 §2.3)",
            declared,
        )
    return urls[0], {"declared": declared}
