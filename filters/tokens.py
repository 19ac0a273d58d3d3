"""Which robots.txt product tokens and robots-meta bot names clearcrawl treats as addressed to it.

clearcrawl collects AI training data, so it honours, besides its own product token:

* ``Scrapy``: the engine it is built on; site owners name it to turn away Scrapy-based crawlers.
* well-known AI-training crawler tokens: a site that shuts out ``GPTBot`` or ``CCBot`` has said, in
  the only vocabulary it had, that it does not want its pages used for AI training
  (see ``shared/reference/robots.md`` §4; token list from ai-robots-txt/ai.robots.txt).

A URL is fetched only if *every* honoured token may fetch it (RFC 9309 §2.2.1 decides which group
applies to each token). The list is configurable (``CLEARCRAWL_AI_TOKENS``).
"""

from __future__ import annotations

OWN_TOKEN = "clearcrawl"
ENGINE_TOKEN = "Scrapy"

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


def honored_tokens(ai_tokens: tuple[str, ...] | list[str] | None = None) -> tuple[str, ...]:
    """Own token, engine token, then the AI tokens; de-duplicated case-insensitively."""
    seen: set[str] = set()
    out: list[str] = []
    for tok in (OWN_TOKEN, ENGINE_TOKEN, *(DEFAULT_AI_TOKENS if ai_tokens is None else ai_tokens)):
        tok = tok.strip()
        if tok and tok.lower() not in seen:
            seen.add(tok.lower())
            out.append(tok)
    return tuple(out)
