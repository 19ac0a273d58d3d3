"""Spawning's ``/ai.txt``: a robots.txt-shaped file saying which files AI datasets may use.

There is no formal spec beyond Spawning's generator (spawning.ai/ai-txt). Its files look like::

    # Spawning AI
    # Prevent datasets from using the following file types
    User-Agent: *
    Disallow: *.jpg
    Allow: *.txt
    Disallow: /

clearcrawl reads ai.txt exactly like robots.txt (same parser, same group selection for the
honoured tokens, protego matching, longest match wins, allow on ties), with one addition: a
pattern that starts with neither ``/`` nor ``*`` is read from the site root (``images/`` →
``/images/``). Extension patterns such as ``*.jpg`` are unanchored (``/a.jpg?x`` matches), which
only widens a Disallow. A URL that any honoured token's group disallows is **reserved**, and is
not fetched.

Status handling and fail-closed cases (unreachable, refused, not text) are those of
:mod:`filters.robots.status`; a text file with no directives (e.g. an HTML soft 404) reserves
nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from filters.optout.tdmrep import refusal_note
from filters.results import Evidence, OptoutSignal, PolicyFileRef, RobotsVerdict, crash_reservation
from filters.robots.parse import (
    ALLOW,
    DISALLOW,
    Line,
    from_utf16,
    looks_binary,
    parse_robots,
    strip_bom,
)
from filters.robots.robotstxt import RULES, RobotsPolicy
from filters.robots.status import (
    ABSENT,
    FAIL_CLOSED,
    PARSE,
    REFUSED_BY_ROBOTS,
    SKIPPED,
    classify_fetch,
    looks_like_html,
    policy_file_ref,
)

KIND = "ai.txt"
PATH = "/ai.txt"
SIGNAL = "ai-txt"


class AiTxtPolicy:
    """An origin's ai.txt as fetched (or why it could not be), ready to answer per URL."""

    __slots__ = ("outcome", "reason", "ref", "refusal", "rules", "url")

    def __init__(
        self,
        url: str,
        outcome: str,
        reason: str,
        ref: PolicyFileRef | None = None,
        rules: RobotsPolicy | None = None,
        refusal: Sequence[Evidence] = (),
    ) -> None:
        self.url = url
        self.outcome = outcome
        self.reason = reason
        self.ref = ref
        self.rules = rules
        self.refusal = tuple(refusal)  # REFUSED_BY_ROBOTS: the robots.txt lines that forbid it

    @classmethod
    def not_checked(cls, url: str, why: str, *, fail_closed: bool = True) -> AiTxtPolicy:
        """Record that the file was not fetched (see ``TdmrepPolicy.not_checked``)."""
        if fail_closed:
            return cls(url, FAIL_CLOSED, f"{KIND} not checked: {why}; treated as reserved")
        return cls(url, SKIPPED, f"{KIND} not checked: {why}")

    @classmethod
    def refused_by_robots(cls, url: str, verdict: RobotsVerdict) -> AiTxtPolicy:
        """robots.txt forbids fetching the file but not every page: unknown, not an opt-out."""
        return cls(url, REFUSED_BY_ROBOTS, refusal_note(KIND, verdict), refusal=verdict.evidence)

    def signal(self, url: str, tokens: Sequence[str]) -> OptoutSignal:
        """Return the ``ai-txt`` signal for ``url``; never raises."""
        if self.outcome == FAIL_CLOSED:
            return OptoutSignal(
                signal=SIGNAL,
                reserved=True,
                evidence=(Evidence(source=KIND, locator=self.url, note=self.reason),),
            )
        if self.outcome != PARSE or self.rules is None:  # nothing stated (or not read)
            return OptoutSignal(
                signal=SIGNAL,
                reserved=None,
                evidence=(Evidence(source=KIND, locator=self.url, note=self.reason), *self.refusal),
            )
        try:
            verdict = self.rules.verdict(url, tokens)
        except Exception as exc:  # noqa: BLE001 - a crash reads as a reservation
            return crash_reservation(SIGNAL, KIND, self.url, exc)
        if not verdict.allowed:
            return OptoutSignal(signal=SIGNAL, reserved=True, evidence=verdict.evidence)
        matched = any(e.excerpt for e in verdict.evidence)
        return OptoutSignal(
            signal=SIGNAL, reserved=False if matched else None, evidence=verdict.evidence
        )


def _root_patterns(lines: list[Line]) -> list[Line]:
    out: list[Line] = []
    for m in lines:
        value = m.value.strip()
        if m.field in (ALLOW, DISALLOW) and value and not value.startswith(("/", "*")):
            m = Line(m.number, m.field, "/" + value, m.text)
        out.append(m)
    return out


def aitxt_from_fetch(
    url: str,
    status: int,
    body: bytes,
    fetched_at: str,
    *,
    final_url: str = "",
    error: str = "",
) -> AiTxtPolicy:
    """Map a ``/ai.txt`` fetch to a policy (see the module docstring)."""
    body = bytes(body or b"")
    ref = policy_file_ref(KIND, url, status, body, fetched_at, final_url=final_url, error=error)
    outcome, reason = classify_fetch(KIND, status, error)
    if outcome != PARSE:
        return AiTxtPolicy(url, outcome, reason, ref)
    data = strip_bom(from_utf16(body))
    if looks_like_html(data):
        return AiTxtPolicy(
            url, ABSENT, f"an HTML page is served at {KIND} (soft 404): read as no file", ref
        )
    binary = looks_binary(data)
    if binary:
        return AiTxtPolicy(
            url,
            FAIL_CLOSED,
            f"{KIND} is not readable text ({binary}); treated "
            "as a reservation of the whole origin (fail closed)",
            ref,
        )
    parsed = parse_robots(data)
    for group in parsed.groups:
        group.members = _root_patterns(group.members)
    if not parsed.groups:
        return AiTxtPolicy(
            url, ABSENT, f"{KIND} HTTP {status} holds no User-agent group: nothing reserved", ref
        )
    reason = f"{KIND} HTTP {status}: {len(parsed.groups)} group(s)"
    rules = RobotsPolicy(ref, RULES, reason, parsed=parsed, source=KIND)
    return AiTxtPolicy(url, PARSE, reason, ref, rules)
