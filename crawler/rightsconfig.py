"""Read the rights configuration shared by several components from Scrapy settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from filters.grants import GrantsError, GrantSet
from filters.grants import load_grants as load_grants_file
from filters.policy import DEFAULT_POLICY, Policy, PolicyError
from filters.rsl import RslContext, rsl_context
from filters.tokens import (
    DEFAULT_AI_TOKENS,
    TokenListError,
    honored_tokens,
    invalid_tokens,
    load_token_list,
    user_agent_tokens,
)

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

_CACHE: dict[str, Policy] = {}


def load_policy(settings: BaseSettings) -> Policy:
    """Return the policy named by ``CLEARCRAWL_POLICY_FILE`` (default policy when unset).

    Raises ``ValueError`` naming the setting when the file is unusable: a rights component must
    refuse to start rather than run with a policy nobody chose.
    """
    path = settings.get("CLEARCRAWL_POLICY_FILE")
    if not path:
        return DEFAULT_POLICY
    key = str(path)
    if key not in _CACHE:
        try:
            _CACHE[key] = Policy.from_file(path)
        except PolicyError as exc:
            raise ValueError(f"CLEARCRAWL_POLICY_FILE: {exc}") from exc
    return _CACHE[key]


def load_grants(settings: BaseSettings) -> GrantSet | None:
    """Return the agreements named by ``CLEARCRAWL_GRANTS_FILE`` (None when unset).

    Raises ``ValueError`` naming the setting when the file is unusable: a crawl must not start
    without the agreements its user meant to rely on, nor with ones nobody validated.
    """
    path = settings.get("CLEARCRAWL_GRANTS_FILE")
    if not path:
        return None
    try:
        return load_grants_file(str(path))
    except GrantsError as exc:
        raise ValueError(f"CLEARCRAWL_GRANTS_FILE: {exc}") from exc


def load_tokens(settings: BaseSettings) -> tuple[str, ...]:
    """Honoured product tokens: the sent User-Agent's, own, engine, and ``CLEARCRAWL_AI_TOKENS``.

    The AI list is the bundled ai.robots.txt list (:data:`filters.tokens.DEFAULT_AI_TOKENS`)
    unless ``CLEARCRAWL_AI_TOKENS`` (the tokens themselves) or ``CLEARCRAWL_AI_TOKENS_FILE`` (a
    ``robots.json`` or one-token-a-line file: pin a list) replaces it; then
    ``CLEARCRAWL_AI_TOKENS_EXTRA`` adds tokens to it. An unreadable or empty list file is
    refused like a bad token.

    ``CLEARCRAWL_AI_TOKENS`` is a list or a comma-separated string (empty entries between
    commas are skipped). Raises ``ValueError`` naming the setting when the value would empty
    the AI list (``-s CLEARCRAWL_AI_TOKENS=``, only spaces or commas) or holds an entry that
    cannot name a robots.txt group (RFC 9309 §2.2.1): a rights setting nobody can have meant
    must stop the crawl, not silently honour fewer opt-outs (issue 11). The product token of
    ``USER_AGENT`` (the header actually sent) is always honoured, and applied in full
    (RFC 9309 §2.2.1); a ``USER_AGENT`` with no product token is refused the same way.
    """
    ai = _token_setting(settings, "CLEARCRAWL_AI_TOKENS")
    pinned = settings.get("CLEARCRAWL_AI_TOKENS_FILE")
    if pinned:
        if ai is not None:
            raise ValueError(
                "CLEARCRAWL_AI_TOKENS and CLEARCRAWL_AI_TOKENS_FILE both replace the AI token "
                "list; set one of them (CLEARCRAWL_AI_TOKENS_EXTRA adds to either)"
            )
        try:
            ai = load_token_list(str(pinned)).tokens
        except TokenListError as exc:
            raise ValueError(f"CLEARCRAWL_AI_TOKENS_FILE: {exc}") from exc
    extra = _token_setting(settings, "CLEARCRAWL_AI_TOKENS_EXTRA", allow_empty=True)
    if extra:
        ai = (*(DEFAULT_AI_TOKENS if ai is None else ai), *extra)
    user_agent = settings.get("USER_AGENT")
    agent = user_agent_tokens(user_agent) if isinstance(user_agent, str) else ()
    if not agent:
        raise ValueError(
            f"USER_AGENT {user_agent!r} has no product token (RFC 9110 §10.1.5) for robots.txt "
            "groups to address (RFC 9309 §2.2.1); use e.g. 'MyBot/1.0 (+mailto:you@example.org)'"
        )
    return honored_tokens(ai, agent)


def load_rsl_context(settings: BaseSettings) -> RslContext:
    """Return the crawl's RSL context from ``CLEARCRAWL_RSL_USER`` / ``CLEARCRAWL_RSL_GEO``."""
    return rsl_context(settings.get("CLEARCRAWL_RSL_USER"), settings.get("CLEARCRAWL_RSL_GEO"))


def _token_setting(
    settings: BaseSettings, name: str, *, allow_empty: bool = False
) -> tuple[str, ...] | None:
    """Read a list-of-tokens setting (list or comma-separated string); ``None`` if unset."""
    raw = settings.get(name)
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = [t for t in raw.split(",") if t.strip()]
    if not isinstance(raw, list | tuple) or not all(isinstance(t, str) for t in raw):
        raise ValueError(f"{name} must be a list of product tokens or a comma-separated string")
    if not raw and not allow_empty:
        raise ValueError(
            f"{name} is empty: it would stop honouring every AI-training "
            "crawler's robots.txt group; leave it unset for the default list"
        )
    bad = invalid_tokens(raw)
    if bad:
        raise ValueError(
            f"{name} has invalid product token(s) {bad!r}: letters, digits, "
            "'-' and '_' only (RFC 9309 §2.2.1)"
        )
    return tuple(t.strip() for t in raw)
