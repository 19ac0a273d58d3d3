"""The AI-use lines of robots.txt, read from the groups that bind the honoured tokens.

:meth:`filters.robots.RobotsPolicy.optout_signals` chooses the groups (RFC 9309 §2.2.1, as for
the Allow/Disallow verdict) and this module reads, within them:

* ``Content-Signal: [path] ai-train=no`` — Cloudflare Content Signals
  (https://contentsignals.org/): ``ai-train=no`` reserves AI training, an omitted key is no
  preference; group-scoped, an optional leading path scopes it further;
* ``Content-Usage: [path] prefs`` — draft-ietf-aipref-attach
  (https://datatracker.ietf.org/doc/draft-ietf-aipref-attach/): the longest matching path
  wins, equal paths combine most-restrictively; the prefs are an RFC 9651 dictionary read by
  :mod:`filters.aipref`;
* ``DisallowAITraining`` / ``AllowAITraining`` — the expired draft-canel-robots-ai-control-00,
  matched like Disallow/Allow (longest match, :mod:`filters.robots.match`).

Across group sets, any reservation wins, else any explicit permission, else silence. Each
signal is returned even when silent (``reserved=None``) with evidence of what was looked for.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote

from filters.aipref import read_usage
from filters.results import Evidence, OptoutSignal, excerpt
from filters.robots.match import RuleSet, pattern_matches
from filters.robots.parse import CONTENT_SIGNAL, CONTENT_USAGE, Group, Line

_SIGNAL_PAIR = re.compile(r"([A-Za-z][A-Za-z0-9_-]*)\s*=\s*\"?([A-Za-z0-9_-]*)\"?")
_FIELD_NAMES = {CONTENT_SIGNAL: "Content-Signal", CONTENT_USAGE: "Content-Usage"}
_NO_WORDS = frozenset({"no", "n", "false", "0", "disallow", "deny"})

#: The groups bound to some honoured tokens, and those tokens (one entry per group set).
Bound = Sequence[tuple[tuple[Group, ...], Sequence[str]]]


def token_names(tokens: Sequence[str]) -> str:
    """Tokens for a note; long lists are shortened (the full list is in the WARC warcinfo)."""
    if len(tokens) <= 4:
        return ", ".join(tokens)
    return f"{', '.join(tokens[:3])} and {len(tokens) - 3} other honoured tokens"


def groups_label(groups: Sequence[Group]) -> str:
    """Name the groups of a set by their ``User-agent`` lines, for a locator."""
    if not groups:
        return "no group"
    return "group " + " + ".join(g.label() for g in groups)


def _encoded_length(path: str) -> int:
    """Bytes of ``path`` once percent-encoded (draft-ietf-aipref-attach-05 §3.1).

    "The path prefix length is determined by counting the number of bytes in the encoded
    path": ``/é`` and ``/%C3%A9`` are the same 7-byte path, not a 2-character one.
    """
    return len(quote(path, safe="/*$?=&;:@!,'()+%-._~").encode("ascii"))


def _split_path(value: str) -> tuple[str | None, str]:
    """Split ``[path] rest``: a leading ``/`` starts a path ending at SP/HTAB (aipref-attach)."""
    value = value.strip()
    if value.startswith("/"):
        parts = value.split(None, 1)
        return parts[0], parts[1] if len(parts) > 1 else ""
    return None, value


def path_scoped_signal(
    url: str, bound: Bound, fld: str, name: str, *, source: str, locator: str
) -> OptoutSignal:
    """Read ``Content-Signal`` or ``Content-Usage`` lines (``fld``) for ``url`` as ``name``."""
    verdicts: list[bool | None] = []
    evidence: list[Evidence] = []
    for groups, toks in bound:
        candidates: list[tuple[int, Line, str]] = []
        for g in groups:
            for m in g.members:
                if m.field != fld:
                    continue
                path, _ = _split_path(m.value)
                if path is None:
                    candidates.append((1, m, "/"))
                elif pattern_matches(path, url):
                    candidates.append((_encoded_length(path), m, path))
        if not candidates:
            continue
        longest = max(c[0] for c in candidates)
        for _, m, path in (c for c in candidates if c[0] == longest):
            _, prefs = _split_path(m.value)
            reserved, why = (
                read_content_signal(prefs) if fld == CONTENT_SIGNAL else _read_usage(prefs)
            )
            verdicts.append(reserved)
            evidence.append(
                Evidence(
                    source=source,
                    locator=f"{groups_label(groups)}; line {m.number}",
                    excerpt=excerpt(m.text),
                    note=f"applies to {token_names(toks)} for path {path}: {why}",
                )
            )
    if not evidence:
        evidence.append(
            Evidence(source=source, locator=locator, note=f"no {_FIELD_NAMES[fld]} line applies")
        )
    return OptoutSignal(signal=name, reserved=_combine(verdicts), evidence=tuple(evidence))


def ai_training_signal(
    url: str,
    bound: Sequence[tuple[tuple[Group, ...], RuleSet, Sequence[str]]],
    *,
    source: str,
    locator: str,
) -> OptoutSignal:
    """Read ``DisallowAITraining`` / ``AllowAITraining`` (each group set's rules) for ``url``."""
    verdicts: list[bool | None] = []
    evidence: list[Evidence] = []
    for groups, rs, toks in bound:
        if not rs.rules:
            continue
        allowed, rule = rs.decide(url)
        if rule is None and allowed:
            verdicts.append(None)
            continue
        verdicts.append(not allowed)
        evidence.append(
            Evidence(
                source=source,
                locator=groups_label(groups) + (f"; line {rule.line}" if rule else ""),
                excerpt=excerpt(rule.text if rule else ""),
                note=f"applies to {token_names(toks)}: AI training "
                f"{'allowed' if allowed else 'disallowed'} (draft-canel-robots-ai-control-00)",
            )
        )
    if not evidence:
        evidence.append(
            Evidence(
                source=source,
                locator=locator,
                note="no DisallowAITraining/AllowAITraining line applies",
            )
        )
    return OptoutSignal(
        signal="disallow-ai-training", reserved=_combine(verdicts), evidence=tuple(evidence)
    )


def _combine(verdicts: Sequence[bool | None]) -> bool | None:
    """Any reservation wins; else any explicit permission; else silence."""
    if any(v is True for v in verdicts):
        return True
    if any(v is False for v in verdicts):
        return False
    return None


def read_content_signal(prefs: str) -> tuple[bool | None, str]:
    """Cloudflare Content Signals: ``ai-train=no`` reserves training; omitted = no preference."""
    values = [(k.lower(), v.lower()) for k, v in _SIGNAL_PAIR.findall(prefs)]
    train = [v for k, v in values if k == "ai-train"]
    if not train:
        return None, "no ai-train signal (no preference)"
    if any(v in _NO_WORDS for v in train):
        odd = [v for v in train if v in _NO_WORDS and v != "no"]
        return True, "ai-train=no: AI training reserved" + (
            f" (non-standard value {odd[0]!r} read as no)" if odd else ""
        )
    if all(v == "yes" for v in train):
        return False, "ai-train=yes"
    return None, f"ai-train={train[-1]!r} is neither yes nor no (no preference)"


def _read_usage(prefs: str) -> tuple[bool | None, str]:
    reading = read_usage(prefs)
    return reading.reserved, reading.note
