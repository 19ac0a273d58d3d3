"""An origin's RSL licence as a pre-fetch policy file (RSL 1.0 §4.4), and its verdict per URL.

robots.txt names the licence (``License:``, §4.4); :func:`locate_licences` reads every
``License:`` line, :func:`rsl_from_fetch` maps the fetch of each URL to an :class:`RslPolicy`,
and :class:`RslLicences` (the origin's policy) evaluates them all for any URL of the origin
(:func:`filters.rsl.evaluate.evaluate_rsl`), most restrictively.

**Several licences, another host** (RSL 1.0 §4.4; rslstandard.org/guide/robots-txt: robots.txt
"must include one or more License directives"; the directive "is global (not tied to any
specific user agent) and crawlers must retrieve and comply with the defined terms"; the URL
"must point to … a valid RSL license file or feed" and "may be on a different host"):

* every ``License:`` line of the file counts, wherever it stands (global, or inside any group:
  the directive is global), so a line in another crawler's group is not ignored;
* each distinct URL on the origin is fetched (up to :data:`MAX_LICENCES`) and every licence's
  outcome for a URL is combined most restrictively (§4.9: "clients MUST honour the most
  restrictive combination"): one unusable licence makes the origin's URLs fail closed;
* a licence on another host (a collective's or a CDN's) is allowed by the spec and is fetched
  only when *that* host's robots.txt lets every honoured token read it (RFC 9309 §2.3 binds a
  crawler per host): the crawler's pre-fetch gate reads the licence host's robots.txt first,
  and fetches the licence once per URL per cache window for the whole crawl, whichever origins
  name it. Refused by that robots.txt → ``policy-file-refused-by-robots:rsl``; unreachable,
  5xx or malformed → ``rsl-unavailable`` (fail closed for the naming origin's URLs, as for a
  licence on the origin). A driver that does not check the licence host's robots.txt
  (``cross_origin=False``) fails closed instead (``rsl-unavailable:cross-origin``);
* more than :data:`MAX_LICENCES` distinct URLs: the rest are not fetched and fail closed
  (``too-many-licences``): a licence left unread could be the restrictive one;
* a ``License:`` URL that serves a feed (RSS/Atom with ``rsl:`` elements, the guide's "or feed")
  is read as a licence feed (:mod:`filters.rsl.feed`).

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

A ``License:`` URL on another origin is fetched only after that origin's robots.txt allowed
it (above), and none robots.txt forbids is fetched (``policy-file-refused-by-
robots:rsl``), and two different ``License:`` URLs for the same crawler are not combined yet
(see above). Caching: fetched with the origin's other policy files, once per cache window
(``CLEARCRAWL_ROBOTS_CACHE_SECONDS`` ≤ 24 h, so never longer than the shortest ``max-age``, one
day: §3.1 counts it in whole days).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
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
    combine_outcomes,
    evaluate_rsl,
    same_origin,
)
from filters.rsl.feed import FeedRsl, looks_like_feed, rsl_from_feed_fetch

KIND = "rsl"
#: A licence document a page links (RSL 1.0 §4.5/§4.6), archived under its own kind.
LINKED_KIND = "rsl-linked"
SIGNAL = "rsl"
#: No ``License:`` line applies: nothing to fetch, no RSL terms.
NONE_DECLARED = "none-declared"
#: Distinct licences fetched per origin (robots.txt may name several, §4.4); more fail closed.
MAX_LICENCES = 4


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
        "feed",
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
        feed: FeedRsl | None = None,
    ) -> None:
        self.url = url
        self.feed = feed  # a License: URL serving a licence feed (§4.4 "license file or feed")
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
        if self.outcome == PARSE and self.feed is not None:
            stated = self.feed.outcome_for(url)
            if stated is None:
                return RslOutcome(
                    verdict=Verdict.NOT_COVERED,
                    reason=f"the licence feed {self.url} states nothing for this URL",
                    licence_url=self.url,
                    evidence=where,
                )
            return _with(stated, (*self.declared, *stated.evidence))
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
        return outcome_signal(self.outcome_for(url), self.url)

    def reasons(self, url: str) -> list[str]:
        """Return the reasons (other than the opt-out) this licence keeps ``url`` out for."""
        return outcome_reasons(self.outcome_for(url))


def _with(out: RslOutcome, evidence: tuple[Evidence, ...]) -> RslOutcome:
    return RslOutcome(
        verdict=out.verdict,
        reason=out.reason,
        cause=out.cause,
        licence_url=out.licence_url,
        terms=out.terms,
        attribution=out.attribution,
        licence_urls=out.licence_urls,
        max_age_days=out.max_age_days,
        evidence=evidence,
    )


def outcome_signal(out: RslOutcome, url: str) -> OptoutSignal:
    """Return the ``rsl`` opt-out signal of an outcome: reserved when training is prohibited."""
    reserved = {Verdict.PROHIBITED: True, Verdict.PERMITTED: False}.get(out.verdict)
    evidence = out.evidence or (Evidence(source=KIND, locator=url, note=out.reason),)
    if reserved is True:
        evidence = (Evidence(source=KIND, locator=out.licence_url, note=out.reason), *evidence)
    return OptoutSignal(signal=SIGNAL, reserved=reserved, evidence=evidence)


class RslLicences:
    """Every RSL licence robots.txt declares for an origin (§4.4: one or more), as one policy.

    Each member is an :class:`RslPolicy` (fetched, or settled unfetched); a URL's outcome is
    their most restrictive combination (§4.9). With no ``License:`` line it holds one
    :meth:`RslPolicy.none_declared` member.
    """

    __slots__ = ("_last", "base", "members")

    def __init__(self, base: str, members: Sequence[RslPolicy]) -> None:
        self.base = base
        self.members = tuple(members) or (RslPolicy.none_declared(base),)
        self._last: tuple[str, RslOutcome] | None = None

    @property
    def outcome(self) -> str:
        """``refused-by-robots`` when robots.txt forbids reading one of them (fail closed)."""
        if any(m.outcome == REFUSED_BY_ROBOTS for m in self.members):
            return REFUSED_BY_ROBOTS
        return PARSE

    @property
    def ref(self) -> None:
        return None

    @property
    def member_refs(self) -> tuple[PolicyFileRef, ...]:
        return tuple(m.ref for m in self.members if m.ref is not None)

    @property
    def url(self) -> str:
        return self.members[0].url

    def outcome_for(self, url: str) -> RslOutcome:
        """Return the combined outcome of every declared licence for ``url`` (§4.9)."""
        last = self._last
        if last is not None and last[0] == url:
            return last[1]
        outs = [m.outcome_for(url) for m in self.members]
        out = combine_outcomes(outs) or outs[0]
        if len(self.members) > 1:
            note = Evidence(
                source=KIND,
                locator="robots.txt",
                note=f"{len(self.members)} RSL licences declared (§4.4); the most restrictive "
                f"outcome for this URL decides (§4.9): {out.verdict}",
            )
            out = _with(out, (note, *out.evidence))
        self._last = (url, out)
        return out

    def signal(self, url: str) -> OptoutSignal:
        """Return the ``rsl`` opt-out signal for ``url`` (reserved when prohibited)."""
        return outcome_signal(self.outcome_for(url), self.url)

    def reasons(self, url: str) -> list[str]:
        """Return the reasons (other than the opt-out) the licences keep ``url`` out for."""
        return outcome_reasons(self.outcome_for(url))


def combine_licences(base: str, members: Iterable[RslPolicy]) -> RslLicences:
    """Return the origin's :class:`RslLicences` from its members (fetched or settled)."""
    return RslLicences(base, tuple(members))


def max_age_expired(out: RslOutcome | None, fetched_at: str, captured_at: str) -> str:
    """Return why a licence may no longer be relied on for a capture ("" when it may).

    RSL 1.0 §3.1: ``max-age`` is how many days a document may be relied on after it was
    retrieved. The crawl never outlives it (its cache window is at most 24 h, the shortest
    ``max-age`` one day); an export judging a capture made more than ``max-age`` days after
    the licence copy it has was fetched would be relying on an expired licence. Unknown times,
    or a licence that was not read (``max_age_days`` 0), say nothing here.
    """
    if out is None or out.max_age_days <= 0:
        return ""
    fetched, captured = _instant(fetched_at), _instant(captured_at)
    if fetched is None or captured is None:
        return ""
    if (captured - fetched).total_seconds() <= out.max_age_days * 86400:
        return ""
    return (
        f"the RSL licence {out.licence_url} was fetched {fetched_at}, but the page was captured "
        f"{captured_at}, more than its max-age of {out.max_age_days} day(s) later (§3.1): the "
        "copy cannot be relied on (fail closed)"
    )


def _instant(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value or "").strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


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
    if parsed.document is None and looks_like_feed(body):
        feed = rsl_from_feed_fetch(
            url, status, body, fetched_at, final_url=final_url, error=error, context=context
        )
        if feed.scopes or feed.cause:  # an RSL licence feed (§4.4 "license file or feed")
            return RslPolicy(
                url,
                PARSE if not feed.cause else FAIL_CLOSED,
                f"RSL licence HTTP {status} is a licence feed: {feed.reason}",
                ref=ref,
                cause=f"feed-{feed.cause}" if feed.cause else "",
                context=context,
                declared=declared,
                feed=feed if not feed.cause else None,
            )
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


def all_license_lines(robots: Any) -> list[Any]:
    """Every ``License:`` line of robots.txt, in file order, wherever it stands.

    The directive is global, "not tied to any specific user agent" (rslstandard.org/guide/
    robots-txt), so a line inside any group counts for every crawler.
    """
    parsed = getattr(robots, "parsed", None)
    if getattr(robots, "mode", None) != "rules" or parsed is None:
        return list(robots.license_lines(()))
    lines = list(parsed.licenses)
    for group in (parsed.preamble, *parsed.groups):
        lines.extend(m for m in group.members if m.field == "license")
    unique = {(line.number, line.value): line for line in lines}
    return sorted(unique.values(), key=lambda line: line.number)


def locate_licences(
    robots: Any, base: str, *, cross_origin: bool = False
) -> tuple[tuple[str, ...], tuple[RslPolicy, ...], Any]:
    """Return ``(URLs to fetch, licences settled unfetched, {url: from_fetch extras})``.

    Every ``License:`` line (:func:`all_license_lines`); see the module docstring for what is
    fetched and what fails closed. Each fetched licence carries, as evidence, the lines that
    named it. With ``cross_origin`` (a driver that checks the licence host's robots.txt before
    fetching, :class:`filters.prefetch.PolicyFetch` ``gate``) a licence on another host is
    returned to fetch like one on the origin (RSL 1.0 §4.4: it "may be on a different host");
    without, it fails closed (``cross-origin``).
    """
    lines = all_license_lines(robots)
    settled: list[RslPolicy] = []
    named: dict[str, list[Evidence]] = {}
    for line in lines:
        ev = Evidence(
            source="robots.txt",
            locator=f"line {line.number}",
            excerpt=excerpt(line.text),
            note="RSL 1.0 §4.4 License directive (global: it applies to every crawler)",
        )
        url = absolute_http_url(line.value)
        if not url:
            settled.append(
                RslPolicy.unusable(
                    base + "/robots.txt",
                    "bad-license-line",
                    f"robots.txt line {line.number} License: {line.value!r} is not an absolute "
                    "http(s) URL (§4.4); the declared licence cannot be read",
                    (ev,),
                )
            )
            continue
        named.setdefault(url, []).append(ev)
    urls: list[str] = []
    for url, evidence in named.items():
        if same_origin(url, base) is False and not cross_origin:
            settled.append(
                RslPolicy.unusable(
                    url,
                    "cross-origin",
                    f"the RSL licence {url} is on another host: RSL allows that, but fetching it "
                    "needs that host's robots.txt permission (RFC 9309 §2.3), which is not "
                    "evaluated for licence hosts; its terms are unknown (fail closed)",
                    evidence,
                )
            )
        elif len(urls) >= MAX_LICENCES:
            settled.append(
                RslPolicy.unusable(
                    url,
                    "too-many-licences",
                    f"robots.txt declares more than {MAX_LICENCES} RSL licences; {url} was not "
                    "read, and an unread licence may be the restrictive one (§4.9; fail closed)",
                    evidence,
                )
            )
        else:
            urls.append(url)
    if not lines:
        settled.append(RslPolicy.none_declared(base))
    extras = {url: {"declared": tuple(named[url])} for url in urls}
    return tuple(urls), tuple(settled), extras


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
