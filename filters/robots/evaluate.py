"""A parsed robots.txt evaluated for every honoured token (RFC 9309 §2.2), the deciding line named.

:class:`RobotsPolicy` is what :func:`filters.robots.robotstxt.robots_from_fetch` returns.


**Which groups bind us** (§2.2.1), chosen here and not by protego (whose substring matching
lets ``User-agent: mozilla`` or ``User-agent: clear`` capture clearcrawl). ``tokens[0]`` is the
product token of the User-Agent actually sent, and ``clearcrawl`` is the crawler's own; each of
these is bound by the groups whose ``User-agent`` product token equals it, case-insensitively,
all merged; else all ``*`` groups, merged; else no rules (a specific group replaces ``*``
entirely). Every other honoured token (``Scrapy``, the AI-training tokens) is bound by the
groups that *name* it, merged, and by nothing else: ``*`` is applied only through those two
tokens, and a token no group names is not a block (RFC 9309 §2.2.1). So
``User-agent: GPTBot / Disallow: /`` refuses every URL, while ``User-agent: * / Disallow: /``
next to ``User-agent: clearcrawl / Allow: /`` lets clearcrawl in. Tokens bound by the same
groups are evaluated together. Rule matching within the chosen groups is protego's
(:mod:`filters.robots.match`); ``/robots.txt`` is always allowed.

A URL is allowed only when every group set that binds an honoured token allows it. Evidence
names, per group set consulted, the tokens, the groups' ``User-agent`` line numbers and the rule
line that decided.

**AI-use lines read from the same groups** (:meth:`RobotsPolicy.optout_signals`, read by
:mod:`filters.robots.ailines`):
``Content-Signal: ai-train=no`` (group-scoped; an optional leading path scopes it further),
``Content-Usage: [path] prefs`` (draft-ietf-aipref-attach: longest matching path wins, equal
paths combine most-restrictively; prefs parsed as an RFC 9651 dictionary, :mod:`filters.aipref`)
and ``DisallowAITraining`` / ``AllowAITraining`` (expired draft-canel-robots-ai-control-00,
matched like Disallow/Allow).

**Crawl-delay** (not in RFC 9309): the largest value among the groups that bind any honoured
token, since every request is made on behalf of all of them; the crawler caps it.


Total: never raises on any bytes; a failure inside evaluation disallows, with evidence.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from filters.results import (
    Evidence,
    OptoutSignal,
    PolicyFileRef,
    RobotsVerdict,
    crash_reservation,
    excerpt,
)
from filters.robots.ailines import ai_training_signal, groups_label, path_scoped_signal, token_names
from filters.robots.match import Rule, RuleSet, path_of
from filters.robots.parse import (
    ALLOW,
    ALLOW_AI_TRAINING,
    CONTENT_SIGNAL,
    CONTENT_USAGE,
    CRAWL_DELAY,
    DISALLOW,
    DISALLOW_AI_TRAINING,
    LICENSE,
    Group,
    Line,
    ParsedRobots,
)
from filters.tokens import OWN_TOKEN

RULES = "rules"
ALLOW_ALL = "allow-all"
DISALLOW_ALL = "disallow-all"

SOURCE = "robots.txt"


def _refusing(tokens: Sequence[str]) -> str:
    """Name every token a refusing group binds, up to 8 (a refusal must say whose group it was)."""
    if len(tokens) <= 8:
        return ", ".join(tokens)
    return f"{', '.join(tokens[:8])} and {len(tokens) - 8} more honoured tokens"


class RobotsPolicy:
    """A robots.txt as fetched for one origin, ready to answer for any URL on it.

    ``mode`` is ``rules`` (parsed), ``allow-all`` or ``disallow-all``; ``reason`` says why and,
    for ``disallow-all``, ``cause`` is ``unreachable``, ``refused`` or ``unreadable``.
    """

    __slots__ = (
        "_by_name",
        "_by_tokens",
        "_rulesets",
        "_selections",
        "cause",
        "mode",
        "parsed",
        "reason",
        "ref",
        "source",
        "text",
    )

    def __init__(
        self,
        ref: PolicyFileRef,
        mode: str,
        reason: str = "",
        parsed: ParsedRobots | None = None,
        text: str = "",
        source: str = SOURCE,
        cause: str = "",
    ) -> None:
        self.source = source
        self.cause = cause  # for disallow-all: "unreachable", "refused" or "unreadable"
        self.ref = ref
        self.mode = mode
        self.reason = reason
        self.parsed = parsed
        self.text = text
        self._selections: dict[str, tuple[Group, ...]] = {}
        self._by_tokens: dict[tuple[str, ...], dict[tuple[int, ...], list[str]]] = {}
        self._rulesets: dict[tuple[int, ...], RuleSet] = {}
        self._by_name: dict[str, tuple[Group, ...]] | None = None

    # -- group selection (RFC 9309 §2.2.1) -------------------------------------------------
    def groups_for(self, token: str) -> tuple[Group, ...]:
        """Return the groups for ``token``: every group naming it, else every ``*`` group."""
        low = token.strip().lower()
        cached = self._selections.get(low)
        if cached is not None:
            return cached
        groups = self.parsed.groups if self.parsed else []
        chosen = tuple(g for g in groups if g.names(low))
        if not chosen:
            chosen = tuple(g for g in groups if g.is_global)
        self._selections[low] = chosen
        return chosen

    def named_groups(self, token: str) -> tuple[Group, ...]:
        """Return the groups whose ``User-agent`` lines name ``token`` (no ``*`` fallback).

        Looked up in an index of the file's group names built once per file: with ~160
        honoured tokens, scanning every group for every token would cost tokens × groups
        per origin (benchmarks/ai_tokens.py measures it).
        """
        if self._by_name is None:
            index: dict[str, list[Group]] = {}
            for g in self.parsed.groups if self.parsed else []:
                for name in dict.fromkeys(t for _, t, _ in g.agents if t and t != "*"):
                    index.setdefault(name, []).append(g)
            self._by_name = {k: tuple(v) for k, v in index.items()}
        return self._by_name.get(token.strip().lower(), ())

    def _by_selection(self, tokens: Sequence[str]) -> dict[tuple[int, ...], list[str]]:
        """Tokens grouped by the groups that bind them, so each group set is evaluated once.

        ``tokens[0]`` (the sent User-Agent's product token) and ``clearcrawl`` get RFC 9309
        §2.2.1 in full (their groups, else ``*``; both falling back to ``*`` share one key, so
        ``*`` is evaluated once). Every other honoured token is bound only by groups that
        *name* it;
        one that no group names adds nothing (key ``()`` lists them), because the ``*`` group
        is already applied once, for the own token (RFC 9309 §2.2.1: never count ``*`` twice,
        never read a missing AI-token group as a block).
        """
        cache_key = tuple(tokens)
        cached = self._by_tokens.get(cache_key)
        if cached is not None:  # the same tokens ask about every URL of the origin
            return cached
        out: dict[tuple[int, ...], list[str]] = {}
        for i, tok in enumerate(tokens):
            full = i == 0 or tok.lower() == OWN_TOKEN
            groups = self.groups_for(tok) if full else self.named_groups(tok)
            key = tuple(g.index for g in groups)
            out.setdefault(key, []).append(tok)
        self._by_tokens[cache_key] = out
        return out

    def _groups(self, key: tuple[int, ...]) -> tuple[Group, ...]:
        if self.parsed is None:
            return ()
        groups = self.parsed.groups
        return tuple(self.parsed.preamble if i < 0 else groups[i] for i in key)

    def _ruleset(self, key: tuple[int, ...], allow_field: str, disallow_field: str) -> RuleSet:
        cache_key = (*key, -1 if allow_field == ALLOW else -2)
        rs = self._rulesets.get(cache_key)
        if rs is None:
            rules = [
                Rule(line=m.number, allow=m.field == allow_field, pattern=m.value, text=m.text)
                for g in self._groups(key)
                for m in g.members
                if m.field in (allow_field, disallow_field)
            ]
            rs = RuleSet(sorted(rules, key=lambda r: r.line))
            self._rulesets[cache_key] = rs
        return rs

    # -- the verdict -----------------------------------------------------------------------
    def verdict(self, url: str, tokens: Sequence[str]) -> RobotsVerdict:
        """Whether every honoured token may fetch ``url``; evidence per group consulted."""
        if self.mode == ALLOW_ALL:
            return RobotsVerdict(
                allowed=True,
                reason=self.reason,
                policy_file=self.ref,
                evidence=(
                    Evidence(
                        source=self.source,
                        locator=self.ref.url,
                        excerpt=f"HTTP {self.ref.status}",
                        note=self.reason,
                    ),
                ),
            )
        if self.mode != RULES or self.parsed is None:
            return RobotsVerdict(
                allowed=False,
                reason=self.reason or "robots.txt unusable; complete disallow",
                policy_file=self.ref,
                evidence=(
                    Evidence(
                        source=self.source,
                        locator=self.ref.url,
                        excerpt=excerpt(self.ref.error or f"HTTP {self.ref.status}"),
                        note=self.reason,
                    ),
                ),
            )
        if path_of(url) == "/robots.txt":
            return RobotsVerdict(
                allowed=True,
                policy_file=self.ref,
                reason="/robots.txt is always allowed (RFC 9309 §2.2.2)",
            )
        try:
            return self._verdict_rules(url, tokens)
        except Exception as exc:  # noqa: BLE001 - fail closed, and say so
            return RobotsVerdict(
                allowed=False,
                reason=f"{self.source} evaluation failed ({type(exc).__name__}); disallowed",
                policy_file=self.ref,
                evidence=(
                    Evidence(source=self.source, locator=self.ref.url, note=repr(exc)[:200]),
                ),
            )

    def _verdict_rules(self, url: str, tokens: Sequence[str]) -> RobotsVerdict:
        evidence: list[Evidence] = []
        refused: list[str] = []
        first_refusal = ""
        for key, toks in self._by_selection(tokens).items():
            names = token_names(toks)
            if not key:
                own = any(t == tokens[0] or t.lower() == OWN_TOKEN for t in toks)
                evidence.append(
                    Evidence(
                        source=self.source,
                        locator="no group",
                        note=f"{names}: no group names them"
                        + (
                            " and there is no '*' group; no restrictions (RFC 9309 §2.2.1)"
                            if own
                            else f"; they add nothing ('*' is applied once, for {tokens[0]})"
                        ),
                    )
                )
                continue
            groups = self._groups(key)
            named = any(g.names(t) for g in groups for t in toks)
            how = "named" if named else "'*' fallback"
            allowed, rule = self._ruleset(key, ALLOW, DISALLOW).decide(url)
            locator = groups_label(groups) + (f"; rule line {rule.line}" if rule else "")
            if rule is not None:
                what = "allowed" if allowed else "disallowed"
                note = f"{names} ({how}): {what} by the longest matching rule"
            elif allowed:
                note = f"{names} ({how}): no rule matches; allowed"
            else:
                note = f"{names} ({how}): disallowed; deciding rule not identified"
            evidence.append(
                Evidence(
                    source=self.source,
                    locator=locator,
                    excerpt=excerpt(rule.text if rule else ""),
                    note=note,
                )
            )
            if not allowed:
                refused.extend(toks)
                if not first_refusal:
                    where = f"line {rule.line}: {rule.text}" if rule else groups_label(groups)
                    first_refusal = (
                        f"disallowed for {_refusing(toks)} ({how}, {self.source} {where})"
                    )
        if refused:
            others = len(refused) - len(self._first_refusing(refused, tokens))
            return RobotsVerdict(
                allowed=False,
                reason=first_refusal
                + (f"; {others} more honoured token(s) refused by other groups" if others else ""),
                evidence=tuple(evidence),
                policy_file=self.ref,
                crawl_delay=self.crawl_delay(tokens),
                refused_tokens=tuple(t for t in tokens if t in set(refused)),
            )
        return RobotsVerdict(
            allowed=True,
            reason="allowed for every honoured token",
            evidence=tuple(evidence),
            policy_file=self.ref,
            crawl_delay=self.crawl_delay(tokens),
        )

    def _first_refusing(self, refused: list[str], tokens: Sequence[str]) -> list[str]:
        """Return the tokens of the first refusing group set (those the reason names)."""
        for toks in self._by_selection(tokens).values():
            if toks and toks[0] in refused:
                return toks
        return refused

    def allows(self, url: str, tokens: Sequence[str]) -> bool:
        return self.verdict(url, tokens).allowed

    # -- RSL licence lines -----------------------------------------------------------------
    def license_lines(self, tokens: Sequence[str]) -> tuple[Line, ...]:
        """Return the ``License:`` lines that apply to the honoured tokens (RSL 1.0 §4.4).

        Lines inside the groups selected for any honoured token (RFC 9309 §2.2.1 selection, as
        for the rules) replace the global ones; only when those groups have none do the lines
        outside every group apply. File order is kept.
        """
        if self.mode != RULES or self.parsed is None:
            return ()
        keys = sorted({i for key in self._by_selection(tokens) for i in key})
        scoped = tuple(
            m for g in self._groups(tuple(keys)) for m in g.members if m.field == LICENSE
        )
        scoped = tuple(sorted(scoped, key=lambda m: m.number))
        return scoped or tuple(self.parsed.licenses)

    # -- crawl-delay -----------------------------------------------------------------------
    def crawl_delay(self, tokens: Sequence[str]) -> float | None:
        """Largest ``Crawl-delay`` (seconds) among the groups applying to honoured tokens."""
        return self.crawl_delay_detail(tokens)[0]

    def crawl_delay_detail(self, tokens: Sequence[str]) -> tuple[float | None, Evidence | None]:
        if self.mode != RULES or self.parsed is None:
            return None, None
        best: tuple[float, Line, tuple[Group, ...], list[str]] | None = None
        for key, toks in self._by_selection(tokens).items():
            if not key:
                continue
            groups = self._groups(key)
            for g in groups:
                for m in g.members:
                    if m.field != CRAWL_DELAY:
                        continue
                    try:
                        delay = float(m.value)
                    except ValueError:
                        continue
                    if not math.isfinite(delay) or delay < 0:
                        continue
                    if best is None or delay > best[0]:
                        best = (delay, m, groups, toks)
        if best is None:
            return None, None
        delay, line, groups, toks = best
        return delay, Evidence(
            source=self.source,
            locator=f"{groups_label(groups)}; line {line.number}",
            excerpt=excerpt(line.text),
            note=f"largest Crawl-delay among the groups for {token_names(toks)}",
        )

    # -- AI-use lines ----------------------------------------------------------------------
    def optout_signals(self, url: str, tokens: Sequence[str]) -> tuple[OptoutSignal, ...]:
        """``content-signal``, ``content-usage-robots`` and ``disallow-ai-training`` for ``url``.

        Each is returned even when silent (``reserved=None``), so a record shows what was
        checked. A reservation is ``reserved=True``.
        """
        names = ("content-signal", "content-usage-robots", "disallow-ai-training")
        if self.mode != RULES or self.parsed is None:
            note = f"robots.txt not parsed ({self.reason}); nothing to read"
            return tuple(
                OptoutSignal(
                    signal=n,
                    reserved=None,
                    evidence=(Evidence(source=self.source, locator=self.ref.url, note=note),),
                )
                for n in names
            )
        try:
            selections = self._by_selection(tokens)
            if self.parsed.preamble.members:
                selections = {**selections, (-1,): ["every crawler (no User-agent line)"]}
            keys = [(key, toks) for key, toks in selections.items() if key]
            bound = [(self._groups(key), toks) for key, toks in keys]
            rules = [
                (groups, self._ruleset(key, ALLOW_AI_TRAINING, DISALLOW_AI_TRAINING), toks)
                for (key, toks), (groups, _) in zip(keys, bound, strict=True)
            ]
            where = {"source": self.source, "locator": self.ref.url}
            return (
                path_scoped_signal(url, bound, CONTENT_SIGNAL, names[0], **where),
                path_scoped_signal(url, bound, CONTENT_USAGE, names[1], **where),
                ai_training_signal(url, rules, **where),
            )
        except Exception as exc:  # noqa: BLE001 - a crash reads as a reservation, never silence
            return (crash_reservation("robots-ai-lines", self.source, self.ref.url, exc),)
