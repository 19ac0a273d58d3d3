"""The pre-fetch verdict for one URL from its origin's policy files (pure; no Scrapy).

An origin's policy files are assembled by one sans-I/O plan, :class:`PrefetchPlan`, over the
registry :data:`POLICY_FILES` (robots.txt first, RFC 9309 §2.3; then ``/.well-known/tdmrep.json``
and ``/ai.txt``, each only if robots.txt lets every honoured token read it). Its three drivers
only fetch: :class:`crawler.middlewares.prefetch.PolicyFilesMiddleware` (Scrapy requests, once
per cache window), ``clearcrawl check`` (:mod:`crawler.livecheck`, urllib) and the export's
re-check over archived bytes (:mod:`export.policyfiles`). Every one keys the origin with
:func:`origin_of_url` / :func:`origin_base`. :func:`fetch_permission` is then called for every
page URL on that origin. A URL is fetched only when robots.txt allows it for every honoured
token **and** no policy file reserves it:

* ``robots-disallowed`` / ``robots-unreachable`` / ``robots-refused`` / ``robots-unreadable``:
  the robots.txt verdict (see :mod:`filters.robots`);
* ``optout:<signal>`` for each reserving pre-fetch signal: ``content-signal``,
  ``content-usage-robots``, ``disallow-ai-training`` (robots.txt lines), ``tdmrep-file``,
  ``ai-txt``;
* ``optout:rsl``, ``rsl-terms:<what>``, ``rsl-condition-unknown:<user|geo>``,
  ``rsl-unavailable:<cause>``: the RSL licence robots.txt names (``License:``, RSL 1.0 §4.4),
  fetched after robots.txt (:mod:`filters.rsl.policy`);
* ``policy-file-refused-by-robots:<file>`` (``tdmrep.json``, ``ai.txt``, ``rsl``): robots.txt forbids
  fetching that policy file (but not every page). What it says is unknown, so the URL is not
  fetched (fail closed), but no opt-out is claimed: the file's signal stays ``reserved=None``
  and its evidence names the file and robots.txt's deciding line and tokens.

Every signal checked travels in ``FetchPermission.optout`` (silent ones with
``reserved=None``), so the not-fetched record, and each fetched page's ``prefetch`` record, say
what was checked, what fired, the raw line or entry and where, and ``policy_files`` names each
file relied on with its sha256 and fetch time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any, Protocol
from urllib.parse import urlsplit

from filters.optout.aitxt import KIND as AITXT_KIND
from filters.optout.aitxt import PATH as AITXT_PATH
from filters.optout.aitxt import AiTxtPolicy, aitxt_from_fetch
from filters.optout.tdmpolicy import KIND as TDM_POLICY_KIND
from filters.optout.tdmpolicy import (
    TdmPolicy,
    TdmPolicySet,
    combine_policies,
    locate_policies,
    tdm_policy_from_fetch,
)
from filters.optout.tdmrep import KIND as TDMREP_KIND
from filters.optout.tdmrep import WELL_KNOWN_PATH, TdmrepPolicy, tdmrep_from_fetch
from filters.reasons import Reason
from filters.results import Evidence, FetchPermission, OptoutSignal, PolicyFileRef, RobotsVerdict
from filters.robots.robotstxt import DISALLOW_ALL, RobotsPolicy, robots_from_fetch
from filters.robots.status import REFUSED_BY_ROBOTS
from filters.rsl.policy import KIND as RSL_KIND
from filters.rsl.policy import RslPolicy, combine_licences, locate_licences, rsl_from_fetch

#: Reason id (``<id>:<file>``) for a URL not fetched because robots.txt forbids reading one of
#: the origin's opt-out policy files (clearcrawl issue 11, item 9).
REFUSED_REASON = Reason.POLICY_FILE_REFUSED_BY_ROBOTS
#: The reason for a robots.txt that refuses the whole origin, by its ``cause``.
_ROBOTS_CAUSE = {
    "unreachable": Reason.ROBOTS_UNREACHABLE,
    "refused": Reason.ROBOTS_REFUSED,
    "unreadable": Reason.ROBOTS_UNREADABLE,
}

#: ``(scheme, host, port)``: the unit robots.txt applies to (RFC 9309 §2.3).
Origin = tuple[str, str, int]

#: Bytes a fetcher reads of any policy file: a little past the RFC 9309 §2.5 parse limit
#: (500 KiB) so that truncation is recorded rather than hidden.
POLICY_FILE_READ_BYTES = 512_000 * 2


def origin_of_url(url: str) -> Origin:
    """RFC 9309 §2.3: robots.txt applies to one scheme + host + port.

    Scheme and host are lowercased (RFC 3986 §6.2.2.1) and the default port is filled in
    (§6.2.3), so ``HTTP://Example.org:80/`` and ``http://example.org/`` are one origin.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or (443 if scheme == "https" else 80)


def origin_url(origin: Origin) -> str:
    """Return ``scheme://host[:port]`` for ``origin`` (the port only when not the default)."""
    scheme, host, port = origin
    default = 443 if scheme == "https" else 80
    hostpart = f"[{host}]" if ":" in host else host
    return f"{scheme}://{hostpart}" + ("" if port == default else f":{port}")


def origin_base(url: str) -> str:
    """Return the normalised ``scheme://host[:port]`` of ``url``'s origin."""
    return origin_url(origin_of_url(url))


class FromFetch(Protocol):
    """The shape shared by ``robots_from_fetch``, ``tdmrep_from_fetch`` and ``aitxt_from_fetch``."""

    def __call__(
        self,
        url: str,
        status: int,
        body: bytes,
        fetched_at: str,
        /,
        *,
        final_url: str = ...,
        error: str = ...,
    ) -> Any: ...


@dataclass(frozen=True, slots=True)
class PolicyFileKind:
    """One kind of origin policy file: where it lives, how it is parsed, whether robots.txt gates it.

    ``name`` is the kind recorded in :class:`filters.results.PolicyFileRef` (and in stats as
    ``stat``); ``attr`` is its field on :class:`OriginPolicies` (a kind without one travels in ``others``). ``heavy``: parsing may
    take long enough (tdmrep.json: validate and compile ~10k rules) that an event-loop driver
    should parse it in a worker thread. All kinds of an origin are cached together, for at most
    24 hours (RFC 9309 §2.4), and read up to ``read_bytes``.
    """

    name: str
    path: str
    from_fetch: FromFetch
    attr: str
    stat: str
    gated_by_robots: bool = True
    heavy: bool = False
    read_bytes: int = POLICY_FILE_READ_BYTES
    #: ``(policy, url, tokens) -> signals`` this file contributes to a URL's verdict.
    signals: Callable[[Any, str, Sequence[str]], list[OptoutSignal]] = dc_field(
        default=lambda policy, url, tokens: []
    )
    #: ``not_checked(url, why, *, fail_closed)`` and ``refused_by_robots(url, verdict)``
    #: constructors of the kind's policy (robots-gated kinds only).
    not_checked: Callable[..., Any] | None = None
    refused_by_robots: Callable[[str, RobotsVerdict], Any] | None = None
    #: ``(policy, url, tokens) -> reason ids`` the file adds that are not opt-outs (RSL terms).
    reasons: Callable[[Any, str, Sequence[str]], list[str]] = dc_field(
        default=lambda policy, url, tokens: []
    )
    #: For a file robots.txt *names* (RSL ``License:``) instead of a fixed ``path``:
    #: ``(robots, base, tokens) -> (url to fetch, extra from_fetch kwargs)`` or
    #: ``(None, policy settled unfetched)``.
    locate: Callable[[RobotsPolicy, str, Sequence[str]], tuple[str | None, Any]] | None = None
    #: For files *another* kind's policy names (TDMRep ``tdm-policy`` URLs in tdmrep.json):
    #: ``follows`` is that kind's name; ``locate_from(policy, base) -> (urls to fetch, members
    #: settled unfetched[, {url: extra from_fetch kwargs}])`` is asked once it is settled; each
    #: URL is fetched (robots-gated) as its own job, and ``combine(base, members)`` makes the
    #: kind's one policy from them all. (The RSL licences robots.txt names follow robots.txt.)
    follows: str = ""
    locate_from: Callable[..., tuple[Any, ...]] | None = None
    #: The files ``locate_from`` names may be on another origin (RSL 1.0 §4.4: a ``License:``
    #: URL "may be on a different host"); ``locate_from`` then takes ``cross_origin=True`` from a
    #: plan whose driver checks that origin's robots.txt (:attr:`PolicyFetch.gate`).
    cross_origin: bool = False
    combine: Callable[[str, Iterable[Any]], Any] | None = None

    def __reduce__(self) -> tuple[Callable[[str], PolicyFileKind], tuple[str]]:
        """Pickle a registered kind by its name (its defaults are lambdas, which do not pickle).

        The shared frontier's fleet cache stores an origin's :class:`OriginPolicies` in Redis,
        whose ``others`` carry kinds; unpickling looks the kind up in :data:`POLICY_FILE_KINDS`.
        """
        return (policy_file_kind, (self.name,))


ROBOTS_TXT = PolicyFileKind(
    name="robots.txt",
    path="/robots.txt",
    from_fetch=robots_from_fetch,
    attr="robots",
    stat="robots",
    gated_by_robots=False,
    signals=lambda policy, url, tokens: list(policy.optout_signals(url, tokens)),
)
TDMREP_JSON = PolicyFileKind(
    name=TDMREP_KIND,
    path=WELL_KNOWN_PATH,
    from_fetch=tdmrep_from_fetch,
    attr="tdmrep",
    stat="tdmrep",
    heavy=True,
    signals=lambda policy, url, tokens: [policy.signal(url)],
    not_checked=TdmrepPolicy.not_checked,
    refused_by_robots=TdmrepPolicy.refused_by_robots,
)
AI_TXT = PolicyFileKind(
    name=AITXT_KIND,
    path=AITXT_PATH,
    from_fetch=aitxt_from_fetch,
    attr="aitxt",
    stat="aitxt",
    signals=lambda policy, url, tokens: [policy.signal(url, tokens)],
    not_checked=AiTxtPolicy.not_checked,
    refused_by_robots=AiTxtPolicy.refused_by_robots,
)

#: The RSL licences robots.txt names (RSL 1.0 §4.4 ``License:``, one or more, global), each
#: fetched after robots.txt when on the origin and robots.txt lets every honoured token read
#: it, combined most restrictively (§4.9); see :mod:`filters.rsl.policy`.
#: Training prohibited → the ``rsl`` opt-out (a pre-fetch reservation); terms, an unknown
#: condition or an unusable licence → ``rsl-terms`` / ``rsl-condition-unknown`` /
#: ``rsl-unavailable``.
RSL_LICENSE = PolicyFileKind(
    name=RSL_KIND,
    path="",
    from_fetch=rsl_from_fetch,
    attr="rsl",
    stat="rsl",
    signals=lambda policy, url, tokens: [policy.signal(url)],
    reasons=lambda policy, url, tokens: policy.reasons(url),
    not_checked=RslPolicy.not_checked,
    refused_by_robots=RslPolicy.refused_by_robots,
    follows="robots.txt",
    locate_from=locate_licences,
    cross_origin=True,
    combine=combine_licences,
)

#: The TDM policies (TDMRep ``tdm-policy``, ODRL) the reserving rules of tdmrep.json name,
#: fetched after it, each once per cache window, when on the origin and robots.txt lets every
#: honoured token read it (:mod:`filters.optout.tdmpolicy`). They add no signal and no reason:
#: a reservation stays one; their terms travel as ``FetchPermission.tdm_policies`` for grants.
TDM_POLICY = PolicyFileKind(
    name=TDM_POLICY_KIND,
    path="",
    from_fetch=tdm_policy_from_fetch,
    attr="tdm_policy",
    stat="tdm-policy",
    not_checked=TdmPolicy.not_fetched,
    refused_by_robots=TdmPolicy.refused_by_robots,
    follows=TDMREP_KIND,
    locate_from=locate_policies,
    combine=combine_policies,
)

#: Every policy file of an origin, robots.txt first (it gates the others). A new kind is one
#: entry here: the plan fetches it, :class:`OriginPolicies` carries it in ``others`` and
#: :func:`fetch_permission` takes its signals, reasons and its refused-by-robots reason.
POLICY_FILES: tuple[PolicyFileKind, ...] = (
    ROBOTS_TXT,
    TDMREP_JSON,
    AI_TXT,
    RSL_LICENSE,
    TDM_POLICY,
)
POLICY_FILE_KINDS: dict[str, PolicyFileKind] = {k.name: k for k in POLICY_FILES}


def policy_file_kind(name: str) -> PolicyFileKind:
    """Return the registered kind called ``name`` (``KeyError`` when none is)."""
    return POLICY_FILE_KINDS[name]


@dataclass(frozen=True, slots=True)
class OriginPolicies:
    """The policy files of one origin (scheme, host, port), as fetched together.

    robots.txt, tdmrep.json and ai.txt have fields of their own (callers read them by name);
    any later registered kind travels in ``others`` as ``(kind, policy)``.
    """

    robots: RobotsPolicy
    tdmrep: TdmrepPolicy
    aitxt: AiTxtPolicy
    others: tuple[tuple[PolicyFileKind, Any], ...] = ()

    @property
    def consulted(self) -> tuple[tuple[PolicyFileKind, Any], ...]:
        """Return every ``(kind, policy)`` of the origin, in registry order."""
        return (
            (ROBOTS_TXT, self.robots),
            (TDMREP_JSON, self.tdmrep),
            (AI_TXT, self.aitxt),
            *self.others,
        )

    def of(self, kind: PolicyFileKind) -> Any:
        """Return the policy of one kind (``KeyError`` if the origin has none of it)."""
        for known, policy in self.consulted:
            if known.name == kind.name:
                return policy
        raise KeyError(kind.name)

    @property
    def refs(self) -> tuple[PolicyFileRef, ...]:
        found: list[PolicyFileRef | None] = []
        for _, policy in self.consulted:
            members = getattr(policy, "member_refs", None)  # a kind of several files
            found.extend(members if members is not None else (policy.ref,))
        return tuple(r for r in found if r is not None)


#: The kinds with a field of their own on :class:`OriginPolicies`.
_FIELDS = ("robots", "tdmrep", "aitxt")


def _gate(
    kind: PolicyFileKind,
    robots: RobotsPolicy,
    base: str,
    tokens: Sequence[str],
    url: str | None = None,
) -> Any:
    """Return the kind's policy when robots.txt keeps it from being fetched, else ``None``."""
    if kind.not_checked is None or kind.refused_by_robots is None:
        raise ValueError(f"{kind.name} is not gated by robots.txt")
    url = url or base + kind.path
    if robots.mode == DISALLOW_ALL:
        return kind.not_checked(url, "robots.txt refuses the whole origin", fail_closed=False)
    verdict = robots.verdict(url, tokens)
    return None if verdict.allowed else kind.refused_by_robots(url, verdict)


def unfetched_policy_files(
    robots: RobotsPolicy, base: str, tokens: Sequence[str]
) -> tuple[TdmrepPolicy | None, AiTxtPolicy | None]:
    """Decide which of tdmrep.json and ai.txt are *not* fetched, given the origin's robots.txt.

    ``None`` means "fetch it". When robots.txt refuses the whole origin, neither is fetched and
    neither adds a reason (every URL is refused anyway). When robots.txt forbids fetching one of
    them for an honoured token, it is not fetched and the origin's URLs are refused with
    ``policy-file-refused-by-robots:<file>`` (fail closed: a file we may not read cannot be
    ruled out, but it is not an opt-out either). ``base`` is ``scheme://host[:port]``.
    """
    return _gate(TDMREP_JSON, robots, base, tokens), _gate(AI_TXT, robots, base, tokens)


@dataclass(frozen=True, slots=True)
class PolicyFetch:
    """One policy file to fetch: its kind and absolute URL.

    ``gate`` is set (the other origin's ``scheme://host[:port]``) for a file on another origin
    than the plan's (an RSL licence hosted by a collective or a CDN, RSL 1.0 §4.4): the plan
    could not check it against that origin's robots.txt, so the driver must, with
    :meth:`PrefetchPlan.gate` (RFC 9309 §2.3: a crawler is bound by each host's own file),
    before fetching it.
    """

    kind: PolicyFileKind
    url: str
    gate: str = ""


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What a driver got for a :class:`PolicyFetch`.

    ``status`` is the final status after redirects, 0 when no response came (``error`` says
    why); ``final_url`` is where the redirects ended; ``fetched_at`` is ISO 8601 UTC.
    """

    status: int
    body: bytes = b""
    fetched_at: str = ""
    final_url: str = ""
    error: str = ""
    headers: tuple[tuple[str, str], ...] = ()


class PrefetchPlan:
    """Sans-I/O assembly of one origin's :class:`OriginPolicies`.

    Drive it with::

        plan = PrefetchPlan(url, tokens)
        while not plan.done:
            for job in plan.pending():          # fetch these (concurrently if you like)
                plan.accept(job, FetchResult(...))
        policies = plan.result()

    Round 1 is robots.txt (RFC 9309 §2.3); round 2 every robots-gated kind robots.txt lets every
    honoured token read. A gated file robots.txt forbids is never fetched: it is recorded as
    refused by robots (or, when robots.txt refuses the whole origin, as not checked, not fail
    closed), decided by :func:`unfetched_policy_files`' rule. A driver that parses elsewhere
    (e.g. a worker thread for ``kind.heavy``) calls :meth:`parse` then :meth:`record`; one that
    knows a file was never fetched records ``kind.not_checked(...)`` itself.
    """

    def __init__(
        self,
        url: str,
        tokens: Sequence[str],
        *,
        max_bytes: dict[str, int] | None = None,
        kinds: Sequence[PolicyFileKind] = POLICY_FILES,
        options: Mapping[str, Mapping[str, Any]] | None = None,
        cross_origin: bool = False,
    ) -> None:
        self.base = origin_base(url)
        #: The driver checks another origin's robots.txt for jobs with a ``gate``; without it,
        #: a kind's files on another origin are settled unfetched (fail closed).
        self.cross_origin = cross_origin
        self.tokens = tuple(tokens)
        self.max_bytes = dict(max_bytes or {})
        self.kinds = tuple(kinds)
        #: Extra keyword arguments per kind name for its ``from_fetch`` (RSL: ``context``).
        self.options = {k: dict(v) for k, v in (options or {}).items()}
        self._policies: dict[str, Any] = {}
        self._asked: set[str] = set()
        self._urls: dict[str, str] = {}
        #: Kinds of several files (``follows``): every URL in order, and each one's policy.
        self._order: dict[str, tuple[str, ...]] = {}
        self._members: dict[str, dict[str, Any]] = {}
        self._queued: dict[str, list[PolicyFetch]] = {}
        self._job_options: dict[tuple[str, str], dict[str, Any]] = {}

    @property
    def robots(self) -> RobotsPolicy | None:
        """robots.txt's policy, once accepted."""
        policy: RobotsPolicy | None = self._policies.get(ROBOTS_TXT.name)
        return policy

    def pending(self) -> tuple[PolicyFetch, ...]:
        """Return the fetches to make now (none twice); empty while waiting and when done."""
        if self.done:
            return ()
        if ROBOTS_TXT.name not in self._policies:
            jobs = [] if ROBOTS_TXT.name in self._asked else [self._job(ROBOTS_TXT)]
        else:
            robots = self.robots
            assert robots is not None  # noqa: S101
            jobs = []
            for kind in self.kinds:
                if kind.name in self._policies or kind.name in self._asked:
                    continue
                if kind.follows:
                    jobs.extend(self._queued.pop(kind.name, ()))
                    continue
                if kind.locate is not None:
                    located, settled = kind.locate(robots, self.base, self.tokens)
                    if located is None:
                        self._settle(kind, settled)
                        continue
                    self._urls[kind.name] = located
                    self.options.setdefault(kind.name, {}).update(settled or {})
                gated = _gate(kind, robots, self.base, self.tokens, self._urls.get(kind.name))
                if gated is not None:
                    self._settle(kind, gated)
                else:
                    jobs.append(self._job(kind))
        self._asked.update(j.kind.name for j in jobs)
        return tuple(jobs)

    def __iter__(self) -> Iterator[PolicyFetch]:
        """Yield every fetch in order, for drivers that accept each result before the next."""
        while not self.done:
            jobs = self.pending()
            if not jobs and not self.done:  # ``pending`` may settle the rest without a fetch
                raise RuntimeError("PrefetchPlan: pending fetches were never accepted")
            yield from jobs

    def _locate(self, kind: PolicyFileKind) -> None:
        """Queue the fetches of the files ``kind.follows``' (settled) policy names.

        Called as soon as that policy is recorded, so a kind with nothing to fetch is settled
        at once (``done`` holds without another :meth:`pending`).
        """
        robots = self.robots
        if robots is None or kind.locate_from is None or kind.name in self._order:
            return
        policy = self._policies[kind.follows]
        if kind.cross_origin and self.cross_origin:
            located = kind.locate_from(policy, self.base, cross_origin=True)
        else:
            located = kind.locate_from(policy, self.base)
        urls, settled = located[0], located[1]
        for url, extra in (located[2] if len(located) > 2 else {}).items():
            self._job_options[(kind.name, url)] = dict(extra)
        members: dict[str, Any] = {p.url: p for p in settled}
        jobs: list[PolicyFetch] = []
        for url in urls:
            other = origin_base(url)
            if other != self.base:  # the driver checks that origin's robots.txt (PolicyFetch)
                jobs.append(PolicyFetch(kind, url, gate=other))
                continue
            gated = _gate(kind, robots, self.base, self.tokens, url)
            if gated is not None:
                members[url] = gated
            else:
                jobs.append(PolicyFetch(kind, url))
        self._order[kind.name] = (*urls, *(p.url for p in settled if p.url not in urls))
        self._members[kind.name] = members
        self._queued[kind.name] = jobs
        if not jobs:
            self._finish(kind)

    def gate(self, job: PolicyFetch, robots: RobotsPolicy) -> Any:
        """Return the job's policy when ``robots`` (its ``gate`` origin's) forbids it, else None.

        For a file on another origin (:attr:`PolicyFetch.gate`): every honoured token must be
        allowed by that origin's robots.txt (RFC 9309 §2.2.2). Unlike the plan's own origin, a
        licence host whose robots.txt refuses everything (or is unreachable, §2.3.1.4) does not
        refuse this origin's pages by itself, so the licence fails closed as refused.
        """
        kind = job.kind
        if kind.refused_by_robots is None:
            raise ValueError(f"{kind.name} is not gated by robots.txt")
        verdict = robots.verdict(job.url, self.tokens)
        return None if verdict.allowed else kind.refused_by_robots(job.url, verdict)

    def _finish(self, kind: PolicyFileKind) -> None:
        members = self._members.get(kind.name, {})
        if kind.combine is None or any(u not in members for u in self._order[kind.name]):
            return
        self._policies[kind.name] = kind.combine(
            self.base, [members[u] for u in self._order[kind.name]]
        )

    def _job(self, kind: PolicyFileKind) -> PolicyFetch:
        return PolicyFetch(kind, self._urls.get(kind.name) or self.base + kind.path)

    def parse(self, job: PolicyFetch, result: FetchResult) -> Any:
        """Parse ``result`` with the kind's ``*_from_fetch`` (pure; safe in a worker thread)."""
        extra: dict[str, Any] = {}
        if job.kind.name in self.max_bytes:
            extra["max_bytes"] = self.max_bytes[job.kind.name]
        extra.update(self.options.get(job.kind.name, {}))
        extra.update(self._job_options.get((job.kind.name, job.url), {}))
        return job.kind.from_fetch(
            job.url,
            result.status,
            result.body,
            result.fetched_at,
            final_url=result.final_url,
            error=result.error,
            **extra,
        )

    def record(self, job: PolicyFetch, policy: Any) -> None:
        """Take the policy for ``job`` (parsed by :meth:`parse`, or decided by the driver)."""
        if job.kind.follows:  # one of several files: the kind settles with the last of them
            self._members.setdefault(job.kind.name, {})[job.url] = policy
            self._finish(job.kind)
            return
        self._settle(job.kind, policy)

    def _settle(self, settled: PolicyFileKind, policy: Any) -> None:
        self._policies[settled.name] = policy
        for kind in self.kinds:
            if kind.follows == settled.name:
                self._locate(kind)

    def accept(self, job: PolicyFetch, result: FetchResult) -> Any:
        """Parse and record the result of ``job``; return the kind's policy."""
        policy = self.parse(job, result)
        self.record(job, policy)
        return policy

    @property
    def done(self) -> bool:
        return all(k.name in self._policies for k in self.kinds)

    def result(self) -> OriginPolicies:
        """Return the origin's evaluated policies (every kind accepted or decided)."""
        if not self.done:
            raise RuntimeError("PrefetchPlan.result() before every policy file was settled")
        own = {k.attr: self._policies[k.name] for k in self.kinds if k.attr in _FIELDS}
        others = tuple((k, self._policies[k.name]) for k in self.kinds if k.attr not in _FIELDS)
        return OriginPolicies(**own, others=others)


def fetch_permission(policies: OriginPolicies, url: str, tokens: Sequence[str]) -> FetchPermission:
    """Whether ``url`` may be fetched, with every reason it may not; never raises."""
    try:
        verdict = policies.robots.verdict(url, tokens)
        signals: list[OptoutSignal] = [
            s for kind, policy in policies.consulted for s in kind.signals(policy, url, tokens)
        ]
    except Exception as exc:  # noqa: BLE001 - fail closed with the cause on record
        return FetchPermission(
            allowed=False,
            reasons=(Reason.PREFETCH_ERROR.with_arg(type(exc).__name__),),
            robots=RobotsVerdict(
                allowed=False,
                reason=f"evaluation failed: {exc!r}"[:300],
                evidence=(Evidence(source="prefetch", note=repr(exc)[:300]),),
            ),
            policy_files=policies.refs,
        )
    reasons: list[str] = []
    if not verdict.allowed:
        if policies.robots.mode == DISALLOW_ALL:
            reasons.append(_ROBOTS_CAUSE.get(policies.robots.cause, Reason.ROBOTS_UNREACHABLE))
        else:
            reasons.append(Reason.ROBOTS_DISALLOWED)
    reasons.extend(
        Reason.OPTOUT.with_arg(s.signal)
        for s in signals
        if s.reserved and not s.reserves_images_only
    )
    try:
        reasons.extend(
            r for kind, policy in policies.consulted for r in kind.reasons(policy, url, tokens)
        )
        rsl = next((p.outcome_for(url) for k, p in policies.consulted if k.name == RSL_KIND), None)
        tdm_policies = tdm_policies_for(policies, url)
    except Exception as exc:  # noqa: BLE001 - fail closed with the cause on record
        reasons.append(Reason.PREFETCH_ERROR.with_arg(type(exc).__name__))
        rsl = None
        tdm_policies = ()
    reasons.extend(
        REFUSED_REASON.with_arg(kind.name)
        for kind, policy in policies.consulted
        if kind.gated_by_robots and policy.outcome == REFUSED_BY_ROBOTS
    )
    return FetchPermission(
        allowed=not reasons,
        reasons=tuple(dict.fromkeys(reasons)),
        robots=verdict,
        optout=tuple(signals),
        policy_files=policies.refs,
        rsl=rsl,
        tdm_policies=tdm_policies,
    )


def tdm_policies_for(policies: OriginPolicies, url: str) -> tuple[TdmPolicy, ...]:
    """Return the TDM policy the tdmrep.json rule deciding ``url`` names (grant evidence)."""
    found = next((p for k, p in policies.consulted if k.name == TDM_POLICY.name), None)
    if not isinstance(found, TdmPolicySet):
        return ()
    return found.for_url(policies.tdmrep, url)
