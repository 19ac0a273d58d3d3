"""Typed results of the rights detectors.

Every detector in :mod:`filters` is a *total* function: it never raises on bad input and
returns one of the frozen dataclasses below. Each result carries the evidence it was decided
on (where the signal was found, its raw value, and why it was read the way it was), so that the
rights manifest can answer "why is this record here?" from data rather than logs.

Serialisation: :func:`to_jsonable` turns any result into plain JSON types; the manifest, the
WARC ``metadata`` records and ``clearcrawl check`` all use it, so the three always agree.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from typing import Any

EXCERPT_MAX = 300


def excerpt(text: str | bytes | None, limit: int = EXCERPT_MAX) -> str:
    """Return ``text`` as a single-line string of at most ``limit`` characters."""
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = " ".join(text.split())
    if len(text) > limit:
        return text[: limit - 1] + "…"
    return text


class Scope(enum.StrEnum):
    """What a licence statement covers.

    ``page``: this document's main content; ``site``: a site-wide statement that covers the
    main text; ``part``: only an image, widget, comment, script, quotation… (not the main text).
    """

    PAGE = "page"
    SITE = "site"
    PART = "part"


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """One observation a decision relied on.

    ``source`` names the channel (``header:X-Robots-Tag``, ``html:meta[name=robots]``,
    ``robots.txt``, ``jsonld``, ``text``…), ``locator`` where in it (header name, XPath,
    ``line 14``, ``rule 2``), ``excerpt`` the raw value exactly as found (truncated), and
    ``note`` how it was read (the matched rule, the scope reason…).
    """

    source: str
    locator: str = ""
    excerpt: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyFileRef:
    """A policy file (robots.txt, tdmrep.json, ai.txt) a decision relied on.

    ``status`` is the final HTTP status, or 0 when the fetch failed (``error`` says how);
    ``sha256`` is over the bytes as received, ``fetched_at`` an RFC 3339 UTC instant.
    """

    kind: str
    url: str
    status: int
    sha256: str
    fetched_at: str
    final_url: str = ""
    error: str = ""
    truncated: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class LicenseHit:
    """One licence statement found on the page, with the scope it was given and why."""

    spdx: str
    url: str | None
    scope: Scope
    scope_reason: str
    evidence: Evidence


@dataclass(frozen=True, slots=True, kw_only=True)
class LicenseFinding:
    """The licence of the page's main text.

    ``spdx`` is set when a licence covers the main text (``scope`` page or site); when only
    part-level statements exist, ``spdx`` is None and ``scope`` is ``part``. ``ambiguous``
    means the evidence conflicts and the default policy must exclude the page.
    """

    spdx: str | None
    scope: Scope | None
    url: str | None = None
    ambiguous: bool = False
    reason: str = ""
    hits: tuple[LicenseHit, ...] = ()
    detector: str = "filters.license"

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        return tuple(h.evidence for h in self.hits)


@dataclass(frozen=True, slots=True, kw_only=True)
class PaywallFinding:
    """Whether the main content is behind a paywall, metered or registration wall.

    ``kind`` is ``hard``, ``metered``, ``registration``, ``access-refused`` or ``""``.
    """

    paywalled: bool
    kind: str = ""
    reason: str = ""
    evidence: tuple[Evidence, ...] = ()
    detector: str = "filters.paywall"


@dataclass(frozen=True, slots=True, kw_only=True)
class OptoutSignal:
    """One AI/TDM opt-out channel that was checked, and what it said.

    ``reserved`` is True (rights reserved), False (explicitly not reserved) or None (silent or
    unreadable). ``signal`` is a stable name such as ``tdmrep-meta`` or ``x-robots-tag``.
    """

    signal: str
    reserved: bool | None
    evidence: tuple[Evidence, ...] = ()
    reserves_images_only: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class OptoutFinding:
    """The combined AI/TDM opt-out verdict for a page (any reservation wins)."""

    reserved: bool
    reason: str = ""
    signals: tuple[OptoutSignal, ...] = ()
    detector: str = "filters.optout"

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        return tuple(e for s in self.signals if s.reserved for e in s.evidence)


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """Whether a page may enter the dataset, and every reason it may not.

    ``rule`` is the allowlist rule that admitted the licence (``allow_licenses: <pattern>``),
    filled by :meth:`filters.policy.Policy.decide`; None when no licence passed. It is not
    serialised (:func:`to_jsonable`): it follows from the licence and the policy, which the
    decisions log records, so the log stays as it was; the manifest names it (``policy.rule``).
    """

    include: bool
    reasons: tuple[str, ...] = ()
    policy: str = ""
    rule: str | None = field(default=None, metadata={"serialised": False})


@dataclass(frozen=True, slots=True, kw_only=True)
class RobotsVerdict:
    """Whether robots.txt lets every honoured token fetch a URL (RFC 9309).

    ``evidence`` holds, per token whose group decided, the matched rule with its line number and
    group; ``policy_file`` the robots.txt relied on (or the failed fetch that made us disallow).
    """

    allowed: bool
    reason: str = ""
    evidence: tuple[Evidence, ...] = ()
    policy_file: PolicyFileRef | None = None
    crawl_delay: float | None = None
    #: The honoured tokens whose groups refused the URL, in honoured order (issue 15: each
    #: refusal names the token whose group refused; ``reason`` names them with the rule line).
    refused_tokens: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchPermission:
    """The verdict known *before* fetching a URL.

    It covers robots.txt plus every opt-out published in a policy file (robots.txt content
    signals, ``/.well-known/tdmrep.json``, ``/ai.txt``).

    ``optout`` signals travel with the request so that page-level signals can be combined with
    them by each protocol's precedence rules (TDMRep: file, then header, then meta).
    """

    allowed: bool
    reasons: tuple[str, ...] = ()
    robots: RobotsVerdict | None = None
    optout: tuple[OptoutSignal, ...] = ()
    policy_files: tuple[PolicyFileRef, ...] = ()
    #: The RSL outcome for the URL (:class:`filters.rsl.RslOutcome`), when a licence applies:
    #: the page stage takes its attribution duty and licence from it.
    rsl: Any = None
    #: The TDM policies (TDMRep ``tdm-policy``, :class:`filters.optout.tdmpolicy.TdmPolicy`)
    #: the reservation deciding the URL names: terms a grant may rely on, never an admission.
    tdm_policies: tuple[Any, ...] = ()


def evidence_from_json(data: Any) -> Evidence:
    """Rebuild :class:`Evidence` from :func:`to_jsonable` output (unknown keys ignored)."""
    data = data if isinstance(data, dict) else {}
    return Evidence(
        source=str(data.get("source", "")),
        locator=str(data.get("locator", "")),
        excerpt=str(data.get("excerpt", "")),
        note=str(data.get("note", "")),
    )


def crash_reservation(signal: str, source: str, locator: str, exc: BaseException) -> OptoutSignal:
    """Return the signal of an opt-out channel whose evaluation raised: reserved (fail closed).

    A detector that crashes must exclude, never admit; the evidence names the exception type.
    """
    note = f"evaluation failed ({type(exc).__name__}); treated as reserved"
    return OptoutSignal(
        signal=signal,
        reserved=True,
        evidence=(Evidence(source=source, locator=locator, note=note),),
    )


def optout_signal_from_json(data: Any) -> OptoutSignal:
    """Rebuild an :class:`OptoutSignal` recorded in a WARC metadata record.

    A malformed entry becomes a *reserving* signal: a garbled opt-out still counts as one.
    """
    if not isinstance(data, dict) or "signal" not in data:
        return OptoutSignal(
            signal="unreadable-recorded-signal",
            reserved=True,
            evidence=(Evidence(source="warc:metadata", excerpt=excerpt(repr(data))),),
        )
    reserved = data.get("reserved")
    return OptoutSignal(
        signal=str(data["signal"]),
        reserved=reserved if isinstance(reserved, bool) else None,
        evidence=tuple(evidence_from_json(e) for e in data.get("evidence") or ()),
        reserves_images_only=bool(data.get("reserves_images_only", False)),
    )


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_SCALARS = (str, int, float, bool, type(None))


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(cls) if f.metadata.get("serialised", True))
        if issubclass(cls, LicenseFinding | OptoutFinding):
            names += ("evidence",)  # a derived property the manifest must carry too
        _FIELD_NAMES[cls] = names
    return names


def to_jsonable(value: Any) -> Any:
    """Convert results (dataclasses, enums, tuples) into JSON-serialisable values.

    Runs for every decision the crawler records, so the per-class field lists are cached.
    """
    if isinstance(value, _SCALARS) and not isinstance(value, enum.Enum):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    cls = type(value)
    if dataclasses.is_dataclass(cls):
        return {name: to_jsonable(getattr(value, name)) for name in _field_names(cls)}
    return value


__all__ = [
    "Decision",
    "Evidence",
    "FetchPermission",
    "LicenseFinding",
    "LicenseHit",
    "OptoutFinding",
    "OptoutSignal",
    "PaywallFinding",
    "PolicyFileRef",
    "RobotsVerdict",
    "Scope",
    "evidence_from_json",
    "excerpt",
    "optout_signal_from_json",
    "to_jsonable",
]
