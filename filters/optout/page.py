"""Page-level AI/TDM opt-out detection, combined with the signals known before fetching.

Channels read from the response (signal names are stable; reasons read ``optout:<signal>``):

``x-robots-tag``
    ``noai`` (and the rarer ``noml``) reserve the content; ``noimageai`` reserves images only.
    Every ``X-Robots-Tag`` field line is read (a server may send several). A line may be scoped
    to one crawler with a ``name:`` prefix (Google's syntax,
    https://developers.google.com/search/docs/crawling-indexing/robots-meta-tag); the scope
    lasts until the next scope on the same line. A scope applies when it names clearcrawl, or
    any honoured token (``GPTBot: noai`` applies: GPTBot is honoured; ``otherbot: noai`` does
    not). A leading name that is a directive with its own colon (``max-snippet:-1``,
    ``unavailable_after: …``, ``max-image-preview:large``, ``max-video-preview:-1``) or that is
    not a product token (``15:00``) is not a scope. Matching is case-insensitive.
``robots-meta``
    The same words in ``<meta name="robots">`` (all crawlers) and ``<meta name="BOT">`` for any
    honoured ``BOT`` (``<meta name="GPTBot" content="noai">``); several tags combine, the most
    restrictive wins. ``noindex``, ``nofollow``, ``none``, ``noarchive`` are **not** AI
    opt-outs.
``tdmrep-header``, ``tdmrep-meta`` (with the pre-fetch ``tdmrep-file``)
    combined by TDMRep's processing priority, see :mod:`filters.optout.tdmrep`.
``content-usage-header``
    the ``Content-Usage`` response header (draft-ietf-aipref-attach-05 §2: metadata about the
    representation served, so it applies to this response's content), all field lines joined
    as one RFC 9651 dictionary (:mod:`filters.aipref`, draft-ietf-aipref-vocab-08):
    ``train-ai=n`` or ``n`` on a withdrawn label reserves.
``content-signal-header``
    a ``Content-Signal`` response header (``ai-train=no``), read like the robots.txt line.

Pre-fetch signals (``prior``: robots.txt content signals, ``tdmrep-file``, ``ai-txt``) are kept
as recorded, except that a TDMRep file value can be superseded by the header or meta layer.
Combination: **any** reservation reserves the page; ``noimageai`` alone reserves the page
only when the response itself is an image. Statements of permission never cancel a
reservation from another channel (aipref "Combining Preferences": any ``n`` wins).

Every checked channel appears in ``signals`` (``reserved=None`` when silent) so a record shows
what was looked at. Total: never raises on bad headers or markup (non-UTF-8 header bytes are
read as Latin-1 by :mod:`filters.headers`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

from filters.aipref import read_usage
from filters.html import ParsedPage
from filters.optout.tdmrep import (
    FILE_SIGNAL,
    META_UNREAD_SIGNAL,
    combine_layers,
    header_layer,
    meta_layer,
)
from filters.results import Evidence, OptoutFinding, OptoutSignal, excerpt
from filters.robots.robotstxt import read_content_signal
from filters.tokens import OWN_TOKEN, token_set

#: Directives whose own syntax has a colon: a leading ``name:`` of these is not a bot scope.
COLON_DIRECTIVES = frozenset(
    {"unavailable_after", "max-snippet", "max-image-preview", "max-video-preview"}
)
#: Words that are directives, never bot names (``noai: …`` is read as the directive).
DIRECTIVES = frozenset(
    {
        "all",
        "index",
        "follow",
        "noindex",
        "nofollow",
        "none",
        "noarchive",
        "nocache",
        "nosnippet",
        "notranslate",
        "noimageindex",
        "indexifembedded",
        "noodp",
        "noydir",
        "noai",
        "noimageai",
        "noml",
    }
)
#: Words that reserve all content for AI use; ``noml`` is a rarer variant of ``noai``.
RESERVE_ALL = frozenset({"noai", "noml"})
RESERVE_IMAGES = frozenset({"noimageai"})
NOFOLLOW = frozenset({"nofollow", "none"})

_SCOPE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_-]*|\*)\s*:\s*(.*)$", re.DOTALL)
_WORDS = re.compile(r"[\s,;]+")


def _x_robots_parts(value: str) -> list[tuple[str | None, str]]:
    """``(scope or None, directive text)`` for each comma-separated part of one header line."""
    scope: str | None = None
    out: list[tuple[str | None, str]] = []
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        m = _SCOPE.match(part)
        if m:
            name = m.group(1).lower()
            if name not in COLON_DIRECTIVES and name not in DIRECTIVES:
                scope = name
                part = m.group(2).strip()
                if not part:
                    continue
        out.append((scope, part))
    return out


def _words(text: str) -> set[str]:
    return {w.lower().rstrip(":") for w in _WORDS.split(text) if w}


def _scope_applies(scope: str | None, tokens: frozenset[str]) -> tuple[bool, str]:
    if scope is None:
        return True, "unscoped: applies to every crawler"
    if scope == "*":
        return True, "scoped to '*': applies to every crawler"
    if scope == OWN_TOKEN.lower():
        return True, "scoped to clearcrawl"
    if scope in tokens:
        return True, f"scoped to {scope}, an honoured token"
    return False, f"scoped to {scope}, not an honoured token: ignored"


def _header_lines(page: ParsedPage) -> list[tuple[str, str, str]]:
    """``(source, locator, value)`` for each X-Robots-Tag header line and http-equiv meta."""
    out = [
        ("header:X-Robots-Tag", f"X-Robots-Tag line {i}", v)
        for i, v in enumerate(page.header_values("X-Robots-Tag"), start=1)
    ]
    for _, content, el in page.meta_values("x-robots-tag"):
        out.append(("html:meta[http-equiv=X-Robots-Tag]", page.xpath_of(el), content))
    return out


@lru_cache(maxsize=16)
def _addressed(tokens: tuple[str, ...]) -> frozenset[str]:
    """Return the lowercased honoured tokens plus our own (one set per token list, not page)."""
    return token_set(tokens) | {OWN_TOKEN.lower()}


def _directive_hits(
    page: ParsedPage, tokens: Sequence[str], wanted: frozenset[str]
) -> list[tuple[Evidence, set[str], bool]]:
    """Every place a word of ``wanted`` is stated: ``(evidence, words, applies to us)``."""
    toks = _addressed(tuple(tokens))
    hits: list[tuple[Evidence, set[str], bool]] = []
    for source, locator, value in _header_lines(page):
        for scope, text in _x_robots_parts(value):
            found = _words(text) & wanted
            if not found:
                continue
            applies, why = _scope_applies(scope, toks)
            hits.append(
                (
                    Evidence(
                        source=source,
                        locator=locator,
                        excerpt=excerpt(value),
                        note=f"{', '.join(sorted(found))}: {why}",
                    ),
                    found,
                    applies,
                )
            )
    for key, content, el in page.meta_values("robots", *toks):
        found = _words(content) & wanted
        if not found:
            continue
        why = "all crawlers" if key == "robots" else f"{key}, an honoured token"
        hits.append(
            (
                Evidence(
                    source=f"html:meta[name={key}]",
                    locator=page.xpath_of(el),
                    excerpt=excerpt(content),
                    note=f"{', '.join(sorted(found))}: addressed to {why}",
                ),
                found,
                True,
            )
        )
    return hits


def _ai_signal(name: str, hits: Iterable[tuple[Evidence, set[str], bool]]) -> OptoutSignal:
    hits = list(hits)
    applying = [h for h in hits if h[2]]
    words: set[str] = set().union(*(h[1] for h in applying)) if applying else set()
    evidence = tuple(h[0] for h in hits)
    if words & RESERVE_ALL:
        return OptoutSignal(signal=name, reserved=True, evidence=evidence)
    if words & RESERVE_IMAGES:
        return OptoutSignal(
            signal=name, reserved=True, evidence=evidence, reserves_images_only=True
        )
    return OptoutSignal(signal=name, reserved=None, evidence=evidence)


def _split_hits(
    hits: list[tuple[Evidence, set[str], bool]],
) -> tuple[list[tuple[Evidence, set[str], bool]], list[tuple[Evidence, set[str], bool]]]:
    header = [h for h in hits if not h[0].source.startswith("html:meta[name=")]
    meta = [h for h in hits if h[0].source.startswith("html:meta[name=")]
    return header, meta


def _header_signal(
    page: ParsedPage, header: str, name: str, read: Callable[[str], tuple[bool | None, str]]
) -> OptoutSignal:
    values = page.header_values(header)
    if not values:
        return OptoutSignal(signal=name, reserved=None)
    joined = ", ".join(values)
    reserved, note = read(joined)
    return OptoutSignal(
        signal=name,
        reserved=reserved,
        evidence=(
            Evidence(
                source=f"header:{header}",
                locator=f"{len(values)} field line(s)",
                excerpt=excerpt(joined),
                note=note,
            ),
        ),
    )


def _usage(value: str) -> tuple[bool | None, str]:
    """``Content-Usage`` header: representation metadata (draft-ietf-aipref-attach-05 §2).

    It applies to the content of this response only, never to the resource's other
    representations nor to other URLs of the site.
    """
    reading = read_usage(value)
    return reading.reserved, "applies to this response's content: " + reading.note


def detect_optout(
    page: ParsedPage, *, tokens: Sequence[str] = (), prior: Sequence[OptoutSignal] = ()
) -> OptoutFinding:
    """Combine the response's opt-out signals with ``prior`` (pre-fetch) ones.

    Channels, scoping and precedence: see the module docstring.
    """
    prior = list(prior)
    file_signals = [s for s in prior if s.signal == FILE_SIGNAL]
    signals: list[OptoutSignal] = [s for s in prior if s.signal != FILE_SIGNAL]
    signals.extend(combine_layers(file_signals, header_layer(page.headers), meta_layer(page)))
    header_hits, meta_hits = _split_hits(
        _directive_hits(page, tokens, RESERVE_ALL | RESERVE_IMAGES)
    )
    signals.append(_ai_signal("x-robots-tag", header_hits))
    signals.append(_ai_signal("robots-meta", meta_hits))
    signals.append(_header_signal(page, "Content-Usage", "content-usage-header", _usage))
    signals.append(
        _header_signal(page, "Content-Signal", "content-signal-header", read_content_signal)
    )
    is_image = page.content_type.startswith("image/")
    fired = [s for s in signals if s.reserved and (is_image or not s.reserves_images_only)]
    images_only = [s for s in signals if s.reserved and s.reserves_images_only and not is_image]
    if fired:
        names = ", ".join(dict.fromkeys(s.signal for s in fired))
        why = f"AI/TDM use reserved by {names}"
        if all(s.signal == META_UNREAD_SIGNAL for s in fired):
            why = f"AI/TDM reservation unknown ({names}: part of the page was not read); not taken"
        return OptoutFinding(reserved=True, signals=tuple(signals), reason=why)
    if images_only:
        names = ", ".join(dict.fromkeys(s.signal for s in images_only))
        return OptoutFinding(
            reserved=False,
            signals=tuple(signals),
            reason=f"images reserved by {names} (noimageai); text not reserved",
        )
    return OptoutFinding(
        reserved=False,
        signals=tuple(signals),
        reason=f"no reservation found in {len(signals)} channel(s) checked",
    )


def nofollow(page: ParsedPage, *, tokens: Sequence[str] = ()) -> Evidence | None:
    """Evidence of a ``nofollow`` (or ``none``) addressed to us, or None.

    Same channels and scoping as ``noai``: ``<meta name="robots">``, ``<meta name=BOT>`` for an
    honoured bot, and X-Robots-Tag lines unscoped or scoped to an honoured token.
    """
    for ev, _, applies in _directive_hits(page, tokens, NOFOLLOW):
        if applies:
            return ev
    return None
