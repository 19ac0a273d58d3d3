"""Which robots.txt product tokens and robots-meta bot names clearcrawl treats as addressed to it.

clearcrawl collects AI training data, so it honours, besides its own product token:

* ``Scrapy``: the engine it is built on; site owners name it to turn away Scrapy-based crawlers.
* every AI crawler token of the community list a site copies into its robots.txt: a site that
  shuts out ``GPTBot`` or ``CCBot`` has said, in the only vocabulary it had, that it does not
  want its pages used for AI training. The list is ai.robots.txt's ``robots.json``
  (https://github.com/ai-robots-txt/ai.robots.txt, commit 738c80d, 166 entries, MIT), shipped as
  ``filters/robots/ai_robots.json`` with its provenance beside it; clearcrawl honoured 20 of
  them before (:data:`LEGACY_AI_TOKENS`). ``CLEARCRAWL_AI_TOKENS_FILE`` pins another list,
  ``CLEARCRAWL_AI_TOKENS_EXTRA`` adds tokens (:mod:`crawler.rightsconfig`).

* the product token of the ``User-Agent`` actually sent (:func:`user_agent_tokens`): RFC 9309
  §2.2.1 addresses a crawler by "the product token ... in the user-agent line", so with
  ``USER_AGENT = "MyBot/1.0 (+mailto:me@example.org)"`` a ``User-agent: MyBot`` group binds the
  crawl, whatever else is honoured (issue 11).

A URL is fetched only if *every* honoured token may fetch it. The first of
:func:`honored_tokens` (the sent token) and ``clearcrawl`` get RFC 9309 §2.2.1 in full (their
groups, else ``*``); the others are bound only by groups that name them, so ``*`` counts once and
a token no group names is not a block (:mod:`filters.robots`). The AI list is configurable
(``CLEARCRAWL_AI_TOKENS``); :func:`invalid_tokens` says which entries of it cannot be honoured.

Matching a token against a ``User-agent:`` line (:func:`group_token`) is an exact,
case-insensitive comparison of product tokens (RFC 9309 §2.2.1), never a substring search:
``User-agent: clear`` does not address ``clearcrawl`` and ``User-agent: mozilla`` addresses
nobody we honour. One deliberate extension: RFC 9309's ``identifier`` has no digits, but deployed
tokens do (``AI2Bot``, ``img2dataset``), so digits are kept when reading a group's token.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

OWN_TOKEN = "clearcrawl"  # noqa: S105 - a robots.txt product token, not a secret
ENGINE_TOKEN = "Scrapy"  # noqa: S105 - a robots.txt product token, not a secret

#: RFC 9309 §2.2.1 ``identifier = 1*(%x2D / %x41-5A / %x5F / %x61-7A)``.
RFC_PRODUCT_TOKEN = re.compile(r"[A-Za-z_-]+")
#: What clearcrawl reads as the product token at the start of a ``User-agent:`` value: the RFC
#: identifier plus digits (see the module docstring). ``Googlebot/2.1`` reads as ``googlebot``
#: and ``Foo Bar`` as ``foo`` (google/robotstxt reads values up to the first space too).
GROUP_TOKEN = re.compile(r"[A-Za-z0-9_-]+")

#: The 20 AI-training tokens clearcrawl honoured before it shipped the community list; every one
#: is in that list (tests/filters/robots/test_ai_tokens.py checks), kept to say what changed.
LEGACY_AI_TOKENS: tuple[str, ...] = (
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

#: Where the bundled list comes from (filters/robots/AI_ROBOTS_PROVENANCE.md says more).
AI_TOKEN_LIST_REPO = "https://github.com/ai-robots-txt/ai.robots.txt"  # noqa: S105 - a URL
AI_TOKEN_LIST_COMMIT = "738c80df2169027ce0e07c9976fd3f2f57dd8f7b"  # noqa: S105 - a commit
AI_TOKEN_LIST_FILE = Path(__file__).parent / "robots" / "ai_robots.json"


class TokenListError(ValueError):
    """A token list file is unreadable, empty or names an entry no group line could address."""


@dataclass(frozen=True, slots=True)
class AiTokenList:
    """A list of AI crawler tokens as honoured, with where it came from.

    ``renamed`` pairs each entry whose product token differs from the entry as listed
    (``("iaskspider/2.0", "iaskspider")``): the token is what :func:`group_token` reads from a
    ``User-agent:`` line holding that entry, so the entry binds us exactly where a site that
    copied it into its robots.txt meant it to.
    """

    tokens: tuple[str, ...]
    source: str
    digest: str
    entries: int
    renamed: tuple[tuple[str, str], ...] = ()


def parse_token_list(data: bytes, source: str) -> AiTokenList:
    """Read a token list: ``robots.json``, a JSON array of strings, or one token a line.

    ai.robots.txt's ``robots.json`` is an object keyed by token; plain text takes ``#`` comments.

    Raises :class:`TokenListError` on an entry with no product token (``*``, ``/x``) or an empty
    list: a rights list that silently honours fewer tokens than written must not be used.
    """
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TokenListError(f"{source} is not UTF-8 text ({exc.reason})") from exc
    entries: list[str]
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            loaded = json.loads(text)
        except ValueError as exc:
            raise TokenListError(f"{source} is not valid JSON: {exc}") from exc
        if isinstance(loaded, dict):
            entries = [str(k) for k in loaded]
        elif isinstance(loaded, list) and all(isinstance(x, str) for x in loaded):
            entries = list(loaded)
        else:
            raise TokenListError(
                f"{source} must be a JSON object keyed by token (robots.json) or an array of "
                "strings"
            )
    else:
        entries = [ln.split("#", 1)[0].strip() for ln in text.splitlines()]
        entries = [e for e in entries if e]
    tokens: list[str] = []
    renamed: list[tuple[str, str]] = []
    seen: set[str] = set()
    for entry in entries:
        m = GROUP_TOKEN.match(entry.strip())
        if m is None:
            raise TokenListError(
                f"{source}: entry {entry!r} names no product token (letters, digits, '-', '_'; "
                "RFC 9309 §2.2.1)"
            )
        tok = m.group(0)
        if tok != entry.strip():
            renamed.append((entry, tok))
        if tok.lower() not in seen:
            seen.add(tok.lower())
            tokens.append(tok)
    if not tokens:
        raise TokenListError(f"{source} lists no token")
    return AiTokenList(tuple(tokens), source, digest, len(entries), tuple(renamed))


def load_token_list(path: str | Path) -> AiTokenList:
    """Read a token list file (:func:`parse_token_list`); :class:`TokenListError` when unreadable."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise TokenListError(f"cannot read token list {p}: {exc.strerror or exc}") from exc
    return parse_token_list(data, str(p))


#: The bundled list, read once (package data shipped with clearcrawl, never fetched).
BUNDLED_AI_TOKENS: AiTokenList = replace(
    load_token_list(AI_TOKEN_LIST_FILE),
    source=f"{AI_TOKEN_LIST_REPO} robots.json@{AI_TOKEN_LIST_COMMIT[:7]}",
)
DEFAULT_AI_TOKENS: tuple[str, ...] = BUNDLED_AI_TOKENS.tokens


def honored_tokens(
    ai_tokens: tuple[str, ...] | list[str] | None = None,
    agent_tokens: tuple[str, ...] | list[str] = (),
) -> tuple[str, ...]:
    """Return the honoured tokens, de-duplicated case-insensitively.

    Order: the sent User-Agent's product token (``agent_tokens[0]``; ``clearcrawl`` when none
    is given), ``clearcrawl``, ``Scrapy``, any further ``agent_tokens`` (products named inside
    the User-Agent's comment), then the AI tokens. The first token is the one RFC 9309 §2.2.1
    applies to in full (:mod:`filters.robots`).
    """
    seen: set[str] = set()
    out: list[str] = []
    ai = DEFAULT_AI_TOKENS if ai_tokens is None else tuple(ai_tokens)
    for tok in (*agent_tokens[:1], OWN_TOKEN, ENGINE_TOKEN, *agent_tokens[1:], *ai):
        tok = tok.strip()
        if tok and tok.lower() not in seen:
            seen.add(tok.lower())
            out.append(tok)
    return tuple(out)


def is_valid_product_token(token: str | None) -> bool:
    """Whether ``token`` is a product token a crawler may obey under RFC 9309 §2.2.1."""
    return bool(token) and RFC_PRODUCT_TOKEN.fullmatch(token or "") is not None


def invalid_tokens(tokens: Iterable[str]) -> list[str]:
    """Entries of ``tokens`` that cannot name a ``User-agent`` group (empty, spaces, ``/``...).

    A token is honoured by comparing it with a group's product token (:func:`group_token`), so
    anything :data:`GROUP_TOKEN` would not read whole (``GPTBot/1.0``, ``GPT Bot``, ``*``)
    would silently match nothing: a rights setting holding one is refused instead.
    """
    return [t for t in tokens if GROUP_TOKEN.fullmatch(t.strip()) is None]


def user_agent_tokens(user_agent: str) -> tuple[str, ...]:
    """Product tokens of a ``User-Agent`` value, the leading product first.

    Then the products named inside its comments. A leading ``Mozilla`` followed by a product
    in a comment is dropped: ``Mozilla/5.0 (compatible; MyBot/1.0)`` gives ``MyBot``. Empty
    when the value does not start with a product token.

    The leading product is the crawler's product token (RFC 9309 §2.2.1, RFC 9110 §10.1.5).
    Like :func:`group_token`, it is read up to the first character that cannot be in one
    (``Foo.Bar/1`` gives ``Foo``). Products in comments are honoured too because browser-style
    crawler strings name the crawler there; honouring an extra token only ever adds
    restrictions (fail closed). Plain words in a comment (``+https://x``, ``compatible``) are
    not products and are skipped unless followed by ``/``.
    """
    value = user_agent.strip()
    first = GROUP_TOKEN.match(value)
    if first is None:
        return ()
    out = [first.group(0)]
    seen = {first.group(0).lower()}
    comments = " ".join(re.findall(r"\(([^)]*)\)", value))
    for m in re.finditer(r"(?:^|[\s;])([A-Za-z0-9_-]+)/", comments):
        tok = m.group(1)
        if tok.lower() not in seen:
            seen.add(tok.lower())
            out.append(tok)
    if out[0].lower() == "mozilla" and len(out) > 1:
        # Browser-compatible crawler strings (``Mozilla/5.0 (compatible; Googlebot/2.1)``) are
        # addressed by the product in the comment; "Mozilla" would make every
        # ``User-agent: mozilla`` group bind us (RFC 9309 §2.2.1).
        out = out[1:]
    return tuple(out)


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
