"""The pre-fetch verdict for one URL from its origin's policy files (pure; no Scrapy).

:class:`crawler.middlewares.prefetch.PolicyFilesMiddleware` fetches an origin's robots.txt,
``/.well-known/tdmrep.json`` and ``/ai.txt`` once per cache window and calls
:func:`fetch_permission` for every page URL on that origin. A URL is fetched only when robots.txt
allows it for every honoured token **and** no policy file reserves it:

* ``robots-disallowed`` / ``robots-unreachable`` / ``robots-refused`` / ``robots-unreadable``:
  the robots.txt verdict (see :mod:`filters.robots`);
* ``optout:<signal>`` for each reserving pre-fetch signal: ``content-signal``,
  ``content-usage-robots``, ``disallow-ai-training`` (robots.txt lines), ``tdmrep-file``,
  ``ai-txt``;
* ``policy-file-refused-by-robots:<file>`` (``tdmrep.json``, ``ai.txt``): robots.txt forbids
  fetching that policy file (but not every page). What it says is unknown, so the URL is not
  fetched (fail closed), but no opt-out is claimed: the file's signal stays ``reserved=None``
  and its evidence names the file and robots.txt's deciding line and tokens.

Every signal checked travels in ``FetchPermission.optout`` (silent ones with
``reserved=None``), so the not-fetched record, and each fetched page's ``prefetch`` record, say
what was checked, what fired, the raw line or entry and where, and ``policy_files`` names each
file relied on with its sha256 and fetch time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from filters.optout.aitxt import KIND as AITXT_KIND
from filters.optout.aitxt import PATH as AITXT_PATH
from filters.optout.aitxt import AiTxtPolicy
from filters.optout.tdmrep import KIND as TDMREP_KIND
from filters.optout.tdmrep import WELL_KNOWN_PATH, TdmrepPolicy
from filters.results import Evidence, FetchPermission, OptoutSignal, PolicyFileRef, RobotsVerdict
from filters.robots.robotstxt import DISALLOW_ALL, RobotsPolicy
from filters.robots.status import REFUSED_BY_ROBOTS

#: Reason id (``<id>:<file>``) for a URL not fetched because robots.txt forbids reading one of
#: the origin's opt-out policy files (clearcrawl issue 11, item 9).
REFUSED_REASON = "policy-file-refused-by-robots"


@dataclass(frozen=True, slots=True)
class OriginPolicies:
    """The policy files of one origin (scheme, host, port), as fetched together."""

    robots: RobotsPolicy
    tdmrep: TdmrepPolicy
    aitxt: AiTxtPolicy

    @property
    def refs(self) -> tuple[PolicyFileRef, ...]:
        return tuple(r for r in (self.robots.ref, self.tdmrep.ref, self.aitxt.ref) if r is not None)


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
    tdm_url, ai_url = base + WELL_KNOWN_PATH, base + AITXT_PATH
    if robots.mode == DISALLOW_ALL:
        why = "robots.txt refuses the whole origin"
        return (
            TdmrepPolicy.not_checked(tdm_url, why, fail_closed=False),
            AiTxtPolicy.not_checked(ai_url, why, fail_closed=False),
        )
    tdm_verdict = robots.verdict(tdm_url, tokens)
    ai_verdict = robots.verdict(ai_url, tokens)
    return (
        None if tdm_verdict.allowed else TdmrepPolicy.refused_by_robots(tdm_url, tdm_verdict),
        None if ai_verdict.allowed else AiTxtPolicy.refused_by_robots(ai_url, ai_verdict),
    )


def fetch_permission(policies: OriginPolicies, url: str, tokens: Sequence[str]) -> FetchPermission:
    """Whether ``url`` may be fetched, with every reason it may not; never raises."""
    try:
        verdict = policies.robots.verdict(url, tokens)
        signals: list[OptoutSignal] = [
            *policies.robots.optout_signals(url, tokens),
            policies.tdmrep.signal(url),
            policies.aitxt.signal(url, tokens),
        ]
    except Exception as exc:  # noqa: BLE001 - fail closed with the cause on record
        return FetchPermission(
            allowed=False,
            reasons=(f"prefetch-error:{type(exc).__name__}",),
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
            reasons.append(f"robots-{policies.robots.cause or 'unreachable'}")
        else:
            reasons.append("robots-disallowed")
    reasons.extend(
        f"optout:{s.signal}" for s in signals if s.reserved and not s.reserves_images_only
    )
    for kind, outcome in (
        (TDMREP_KIND, policies.tdmrep.outcome),
        (AITXT_KIND, policies.aitxt.outcome),
    ):
        if outcome == REFUSED_BY_ROBOTS:
            reasons.append(f"{REFUSED_REASON}:{kind}")
    return FetchPermission(
        allowed=not reasons,
        reasons=tuple(dict.fromkeys(reasons)),
        robots=verdict,
        optout=tuple(signals),
        policy_files=policies.refs,
    )
