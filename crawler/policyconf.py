"""Read the rights configuration shared by several components from Scrapy settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from filters.policy import DEFAULT_POLICY, Policy, PolicyError
from filters.tokens import honored_tokens

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


def load_tokens(settings: BaseSettings) -> tuple[str, ...]:
    """Honoured product tokens: own, engine, and ``CLEARCRAWL_AI_TOKENS`` (list or comma string)."""
    raw = settings.get("CLEARCRAWL_AI_TOKENS")
    if raw is None:
        return honored_tokens()
    if isinstance(raw, str):
        raw = [t for t in raw.split(",") if t.strip()]
    if not isinstance(raw, list | tuple) or not all(isinstance(t, str) for t in raw):
        raise ValueError(
            "CLEARCRAWL_AI_TOKENS must be a list of product tokens or a comma-separated string"
        )
    bad = [t for t in raw if not t.strip() or any(c.isspace() for c in t.strip())]
    if bad:
        raise ValueError(
            f"CLEARCRAWL_AI_TOKENS has invalid product token(s) {bad!r} (RFC 9309 §2.2.1)"
        )
    return honored_tokens(tuple(raw))
