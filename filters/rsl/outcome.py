"""What an RSL 1.0 evaluation returns: the verdict, the terms, and the crawl's context.

Specification: RSL-SPEC-1.0, https://rslstandard.org/rsl. :class:`Verdict` is what a document
means for AI training on one URL (§4.9 ranks them, most restrictive first), :class:`RslTerms`
the terms an agreement would have to answer (§3.2 ``server``, §3.6 payment, §3.12 reporting),
:class:`RslContext` the crawl's own user type and regions (§3.4.1 ``user`` / ``geo``).
:mod:`filters.rsl.evaluate` computes them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from filters.results import Evidence

#: §3.4.1 user classification vocabulary.
USER_TYPES = frozenset({"commercial", "non-commercial", "education", "government", "personal"})


class Verdict(enum.StrEnum):
    """What an RSL document means for AI training on one URL."""

    PROHIBITED = "prohibited"  # a reservation (explicit, or training not among the permits)
    PERMITTED = "permitted"  # free or attribution only: no agreement needed
    TERMS = "terms"  # payment, a licence server, a custom agreement or reporting: not admitted
    CONDITION_UNKNOWN = "condition-unknown"  # restricted by user type / region we do not know
    NOT_COVERED = "not-covered"  # no <content> covers the URL
    UNAVAILABLE = "unavailable"  # the document is malformed / unreachable: fail closed
    NONE = "none"  # no RSL licence is declared for the URL


#: Most restrictive first (§4.9).
_RANK = {
    Verdict.PROHIBITED: 0,
    Verdict.CONDITION_UNKNOWN: 1,
    Verdict.TERMS: 2,
    Verdict.PERMITTED: 3,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class RslContext:
    """Who is using the content, where (RSL 1.0 §3.4.1 ``user`` and ``geo`` terms).

    ``user``: one of :data:`USER_TYPES`, or ``""`` when the crawl did not say. ``geo``: ISO
    3166-1 alpha-2 codes (and ``EU``) of where the content is used; empty when unknown.
    """

    user: str = ""
    geo: tuple[str, ...] = ()


#: The crawl said neither its user type nor its region.
NO_CONTEXT = RslContext()


def rsl_context(user: str | None, geo: object) -> RslContext:
    """Validate the RSL 1.0 §3.4.1 user type and regions of a crawl (``ValueError`` naming them).

    ``geo`` is a list or a comma/space-separated string of ISO 3166-1 alpha-2 codes (``EU`` too).
    """
    user = (user or "").strip().lower()
    if user and user not in USER_TYPES:
        raise ValueError(
            f"CLEARCRAWL_RSL_USER {user!r} is not an RSL 1.0 user type "
            f"({', '.join(sorted(USER_TYPES))})"
        )
    if isinstance(geo, str):
        codes = geo.replace(",", " ").split()
    elif isinstance(geo, list | tuple) and all(isinstance(c, str) for c in geo):
        codes = [str(c).strip() for c in geo]
    elif geo is None:
        codes = []
    else:
        raise ValueError("CLEARCRAWL_RSL_GEO must be a list or comma-separated ISO 3166-1 codes")
    bad = [c for c in codes if not (len(c) == 2 and c.isascii() and c.isalpha())]
    if bad:
        raise ValueError(
            f"CLEARCRAWL_RSL_GEO has {bad!r}: ISO 3166-1 alpha-2 codes only (RSL 1.0 §3.4.1)"
        )
    return RslContext(user=user, geo=tuple(dict.fromkeys(c.upper() for c in codes)))


@dataclass(frozen=True, slots=True, kw_only=True)
class RslTerms:
    """The terms under which an RSL licence permits training, for a grant to match.

    ``licence_url`` is the document's URL; ``content_url`` the ``<content url>`` that applied;
    ``requires`` why an agreement is needed (``payment:<type>``, ``server``, ``custom``,
    ``reporting``); ``obtain_at`` where to obtain it (the License Server, the custom or standard
    terms URL, or the document itself).
    """

    licence_url: str
    content_url: str
    requires: tuple[str, ...]
    payment: str = "free"
    server: str = ""
    standard: tuple[str, ...] = ()
    custom: tuple[str, ...] = ()
    amounts: tuple[str, ...] = ()
    reporting: tuple[str, ...] = ()
    obtain_at: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RslOutcome:
    """The RSL verdict for one URL, with what decided it.

    ``cause`` is the short id used in reason ids (the term required, the condition unknown, why
    the document is unavailable); ``attribution`` is the duty to credit the source;
    ``licence_urls`` are ``<standard>`` / ``<legal>`` URLs of the permitting licence (a Creative
    Commons or OSI licence there is a site-level licence statement, :mod:`filters.license`).
    """

    verdict: Verdict
    reason: str
    cause: str = ""
    licence_url: str = ""
    terms: RslTerms | None = None
    attribution: bool = False
    licence_urls: tuple[str, ...] = ()
    max_age_days: int = 0
    evidence: tuple[Evidence, ...] = ()

    @property
    def excludes(self) -> bool:
        """Whether this outcome keeps the URL out (anything but permitted / silent)."""
        return self.verdict in (
            Verdict.PROHIBITED,
            Verdict.TERMS,
            Verdict.CONDITION_UNKNOWN,
            Verdict.UNAVAILABLE,
        )
