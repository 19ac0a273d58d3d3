"""What the crawl recorded in each WARC file's ``warcinfo`` that the export must reuse.

The honoured robots.txt tokens, in the crawl's order (RFC 9309 §2.2.1 binds the sent product
token first), and the RSL user type and regions (https://rslstandard.org/rsl): the export
re-derives every verdict with exactly what the crawl evaluated with (issue 11).
"""

from __future__ import annotations

from export.errors import SourceError
from export.warcread import read_warcinfo
from filters.rsl import NO_CONTEXT, RslContext, rsl_context
from filters.tokens import honored_tokens, user_agent_tokens


def crawl_tokens(info: dict[str, str]) -> tuple[str, ...]:
    """Return the tokens one WARC file's crawl evaluated robots.txt with, in its order.

    The crawl records them in its ``warcinfo`` (``clearcrawl-honoured-tokens``), the sent
    User-Agent's product token first: that one gets RFC 9309 §2.2.1 in full (its groups, else
    ``*``; :mod:`filters.robots`), so the order is part of the verdict. A crawl from before the
    sent token was honoured recorded the defaults only: its token is read from the recorded
    ``User-Agent`` (``http-header-user-agent``) and put first, which only adds restrictions.
    A file with neither field gets the defaults.
    """
    raw = info.get("clearcrawl-honoured-tokens", "")
    recorded = tuple(t.strip() for t in raw.split(",") if t.strip())
    agent = user_agent_tokens(info.get("http-header-user-agent", ""))
    if recorded and (not agent or recorded[0].lower() == agent[0].lower()):
        return recorded
    return honored_tokens(recorded or None, agent)


def export_rsl_context(sources: list[str]) -> RslContext:
    """Return the RSL user type and regions the crawl evaluated licences with (its warcinfo).

    Files whose crawls recorded different ones, or none, are re-evaluated with an unknown
    context: a licence restricting by user type or region then fails closed.
    """
    seen = {
        (info.get("clearcrawl-rsl-user", ""), info.get("clearcrawl-rsl-geo", ""))
        for info in (read_warcinfo(path) for path in sources)
    }
    if len(seen) != 1:
        return NO_CONTEXT
    user, geo = seen.pop()
    try:
        return rsl_context(user, geo)
    except ValueError:
        return NO_CONTEXT


def export_tokens(sources: list[str], base: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """Return the honoured tokens: exactly the crawl's, then any default it did not honour.

    Each WARC file's ``warcinfo`` says which tokens its crawl honoured (:func:`crawl_tokens`);
    the export evaluates robots.txt with the same list in the same order, so every re-derived
    verdict is the crawl's (issue 11). Tokens of ``base`` (default: :func:`honored_tokens`)
    the crawl did not honour are appended: they are bound only by groups naming them, which
    only ever adds restrictions (fail closed). Files whose crawls sent different product
    tokens cannot be re-evaluated with one list: :class:`SourceError` names them.
    """
    out: list[str] = []
    seen: set[str] = set()
    sent: dict[str, str] = {}
    for path in sources:
        tokens = crawl_tokens(read_warcinfo(path))
        sent.setdefault(tokens[0].lower(), f"{tokens[0]} ({path.rsplit('/', 1)[-1]})")
        if len(sent) > 1:
            first, other = sent.values()
            raise SourceError(
                f"the WARC files were crawled as different crawlers: {first} and {other} "
                "(robots.txt binds each User-Agent's product token differently, RFC 9309 "
                "§2.2.1); export each crawl on its own"
            )
        for tok in tokens:
            if tok.lower() not in seen:
                seen.add(tok.lower())
                out.append(tok)
    for tok in base or honored_tokens():
        if tok.lower() not in seen:
            seen.add(tok.lower())
            out.append(tok)
    return tuple(out)
