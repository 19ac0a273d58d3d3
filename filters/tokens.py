"""Which robots.txt product tokens and robots-meta bot names clearcrawl treats as addressed to it.

clearcrawl collects AI training data, so it honours, besides its own product token:

* ``Scrapy``: the engine it is built on; site owners name it to turn away Scrapy-based crawlers.
* well-known AI-training crawler tokens: a site that shuts out ``GPTBot`` or ``CCBot`` has said, in
  the only vocabulary it had, that it does not want its pages used for AI training
  (see ``shared/reference/robots.md`` §4; token list from ai-robots-txt/ai.robots.txt).

A URL is fetched only if *every* honoured token may fetch it. The own token is the first of
:func:`honored_tokens` and gets RFC 9309 §2.2.1 in full (its groups, else ``*``); the others are
bound only by groups that name them, so ``*`` counts once and a token no group names is not a
block (:mod:`filters.robots`). The list is configurable (``CLEARCRAWL_AI_TOKENS``).

Matching a token against a ``User-agent:`` line (:func:`group_token`) is an exact,
case-insensitive comparison of product tokens (RFC 9309 §2.2.1), never a substring search:
``User-agent: clear`` does not address ``clearcrawl`` and ``User-agent: mozilla`` addresses
nobody we honour. One deliberate extension: RFC 9309's ``identifier`` has no digits, but deployed
tokens do (``AI2Bot``, ``img2dataset``), so digits are kept when reading a group's token.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

OWN_TOKEN = "clearcrawl"  # noqa: S105 - a robots.txt product token, not a secret
ENGINE_TOKEN = "Scrapy"  # noqa: S105 - a robots.txt product token, not a secret

DEFAULT_AI_TOKENS: tuple[str, ...] = (
    "GPTBot",
    "CCBot",
    "Google-Extended",
    "ClaudeBot",
    "anthropic-ai",
    "Claude-Web",
    "Applebot-Extended",
    "meta-externalagent",
    "FacebookBot",
    "Bytespider",
    "PerplexityBot",
    "cohere-ai",
    "cohere-training-data-crawler",
    "Diffbot",
    "Amazonbot",
    "AI2Bot",
    "Ai2Bot-Dolma",
    "DeepSeekBot",
    "Timpibot",
    "img2dataset",
)

#: RFC 9309 §2.2.1 ``identifier = 1*(%x2D / %x41-5A / %x5F / %x61-7A)``.
RFC_PRODUCT_TOKEN = re.compile(r"[A-Za-z_-]+")
#: What clearcrawl reads as the product token at the start of a ``User-agent:`` value: the RFC
#: identifier plus digits (see the module docstring). ``Googlebot/2.1`` reads as ``googlebot``
#: and ``Foo Bar`` as ``foo`` (google/robotstxt reads values up to the first space too).
GROUP_TOKEN = re.compile(r"[A-Za-z0-9_-]+")


def honored_tokens(ai_tokens: tuple[str, ...] | list[str] | None = None) -> tuple[str, ...]:
    """Return own token (always first), engine token, then the AI tokens, de-duplicated."""
    seen: set[str] = set()
    out: list[str] = []
    for tok in (OWN_TOKEN, ENGINE_TOKEN, *(DEFAULT_AI_TOKENS if ai_tokens is None else ai_tokens)):
        tok = tok.strip()
        if tok and tok.lower() not in seen:
            seen.add(tok.lower())
            out.append(tok)
    return tuple(out)


def is_valid_product_token(token: str | None) -> bool:
    """Whether ``token`` is a product token a crawler may obey under RFC 9309 §2.2.1."""
    return bool(token) and RFC_PRODUCT_TOKEN.fullmatch(token or "") is not None


def group_token(value: str) -> str | None:
    """Return the product token a ``User-agent:`` value names, lowercased (``"*"``: all).

    ``None`` when the value names no usable token (empty, or starting with a character that
    cannot begin one, e.g. ``ツ`` or ``*bot``). Such a line still belongs to its group's
    structure (RFC 9309 §2.2: it starts or extends a group); it just addresses nobody.
    """
    value = value.strip()
    if value == "*" or (value.startswith("*") and value[1:2].isspace()):
        return "*"
    m = GROUP_TOKEN.match(value)
    return m.group(0).lower() if m else None


def token_set(tokens: Iterable[str]) -> frozenset[str]:
    """Lowercase ``tokens`` for case-insensitive membership tests (scoped headers, meta names)."""
    return frozenset(t.strip().lower() for t in tokens if t and t.strip())
