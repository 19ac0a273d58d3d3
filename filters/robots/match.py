"""Rule matching for robots.txt-shaped rules, done by protego, with the deciding rule named.

protego implements RFC 9309 §2.2.2/§2.2.3 matching well (longest match, allow on ties, ``*`` and
``$``, percent-encoding normalisation, §2.2.2), but chooses groups by substring and
returns a bare bool. So clearcrawl picks the group itself (:mod:`filters.robots`) and hands
protego *only that group's rules*, under a synthetic ``User-agent: *`` line. To name the rule
that decided, each candidate rule is re-checked on its own with protego; among the rules that
match and agree with protego's verdict, the longest pattern is reported.

Everything here goes through protego's public API (``Protego.parse``, ``can_fetch``) so a
protego upgrade cannot silently change what we call a match.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from protego import Protego

_PROBE_AGENT = "clearcrawl"


@dataclass(frozen=True, slots=True)
class Rule:
    """One path rule: ``allow`` True for Allow-like lines, with its line number and text."""

    line: int
    allow: bool
    pattern: str
    text: str


def _safe_pattern(pattern: str) -> str:
    # The value goes back into a robots.txt line: it must stay one line and keep no comment.
    return " ".join(pattern.replace("#", "%23").split())


@lru_cache(maxsize=4096)
def _single(allow: bool, pattern: str) -> Protego:
    if allow:
        # "Disallow: /" matches every path, so the URL is allowed iff the allow pattern matches
        # (ties go to allow). This keeps protego's index.html reading of allow rules.
        return Protego.parse(f"User-agent: *\nAllow: {pattern}\nDisallow: /\n")
    return Protego.parse(f"User-agent: *\nDisallow: {pattern}\n")


def path_of(url: str) -> str:
    """Path and query of ``url`` as rules see it (fragment dropped; ``""`` becomes ``/``)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "/"
    path = parts.path or "/"
    if parts.query or url.split("#", 1)[0].endswith("?"):
        path += "?" + parts.query
    return path


def pattern_matches(pattern: str, url: str, *, allow: bool = False) -> bool:
    """Whether a single robots.txt pattern matches ``url`` (protego's matching)."""
    pattern = _safe_pattern(pattern)
    if not pattern:
        return False
    probe = _probe_url(url)
    try:
        can = _single(allow, pattern).can_fetch(probe, _PROBE_AGENT)
    except Exception:  # noqa: BLE001 - total: a matcher failure reads restrictively
        return not allow
    return can if allow else not can


def _probe_url(url: str) -> str:
    # protego always allows /robots.txt (RFC 9309 §2.2.2); rules about other files (tdmrep.json,
    # ai.txt patterns) must still be able to match that path, so probe it under another name.
    path = path_of(url)
    if path == "/robots.txt":
        return "http://probe.invalid/robots.txt?"
    return "http://probe.invalid" + path


class RuleSet:
    """The path rules of one (merged) group; answers with the deciding rule."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules: tuple[Rule, ...] = tuple(r for r in rules if _safe_pattern(r.pattern))
        body = "".join(
            f"{'Allow' if r.allow else 'Disallow'}: {_safe_pattern(r.pattern)}\n"
            for r in self.rules
        )
        self._parser = Protego.parse("User-agent: *\n" + body)
        # Longest pattern first (allow before disallow on ties, as RFC 9309 §2.2.2 resolves
        # them): the first rule of the verdict's kind that matches is the one that decided.
        self._by_length = sorted(
            self.rules, key=lambda r: (len(_safe_pattern(r.pattern)), r.allow), reverse=True
        )
        self._singles: dict[tuple[bool, str], Protego] = {}
        # One parser that disallows wherever *some* allow rule matches: when an allowed URL
        # matches no allow rule at all (the common case), no rule needs checking one by one.
        allow_lines = []
        for r in self.rules:
            if r.allow:
                pattern = _safe_pattern(r.pattern)
                allow_lines.append(f"Disallow: {pattern}\n")
                if pattern.endswith("/index.html"):  # protego's index.html reading of Allow
                    allow_lines.append(f"Disallow: {pattern.removesuffix('index.html')}$\n")
        self._any_allow = Protego.parse("User-agent: *\n" + "".join(allow_lines))

    def _matches(self, rule: Rule, probe: str) -> bool:
        key = (rule.allow, _safe_pattern(rule.pattern))
        parser = self._singles.get(key)
        if parser is None:
            parser = self._singles[key] = _single.__wrapped__(*key)
        can = parser.can_fetch(probe, _PROBE_AGENT)
        return can if rule.allow else not can

    def decide(self, url: str) -> tuple[bool, Rule | None]:
        """Return ``(allowed, deciding rule or None when no rule matched)``."""
        if not self.rules:
            return True, None
        probe = _probe_url(url)
        try:
            allowed = bool(self._parser.can_fetch(probe, _PROBE_AGENT))
            if allowed and self._any_allow.can_fetch(probe, _PROBE_AGENT):
                return True, None
            for rule in self._by_length:
                if rule.allow == allowed and self._matches(rule, probe):
                    return allowed, rule
        except Exception:  # noqa: BLE001 - fail closed: a matcher failure disallows
            return False, None
        return allowed, None
