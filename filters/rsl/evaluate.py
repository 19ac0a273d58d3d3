"""Evaluate an RSL 1.0 document for one URL and clearcrawl's one use: AI training.

Specification: RSL-SPEC-1.0, https://rslstandard.org/rsl (sections cited inline).

**Which ``<content>`` applies** (§3.2): its ``url`` is an RFC 9309 path pattern (``*``, ``$``)
or a full URL (same scheme, host and port, then its path as a pattern); matching is protego's,
as for robots.txt (:mod:`filters.robots.match`). The most specific match wins, measured as
RFC 9309 §2.2.2 measures it (the longest pattern); contents that match equally specifically are
read together. ``url=""`` (inline licences, §4.6) covers the associated asset. No match: the
document says nothing about the URL.

**What a licence says about AI training** (§3.4, §3.4.1 usage vocabulary). A use is covered by
``all``, ``ai-all`` or ``ai-train``; RSL's own templates also write ``train-ai`` (the IETF
AI-preferences label, draft-ietf-aipref-vocab), mapped to ``ai-train`` explicitly. Earlier
draft spellings (``tdm``, ``ai``, ``ai-use``, ``genai``, ``train-genai``) and any other token
are *never* read as a permission; in ``<prohibits>`` they are read as prohibiting training
(lenient only in the restrictive direction). ``<permits type="usage">`` is a closed list: when
present, a use it does not name is not permitted. ``user`` and ``geo`` terms (§3.4.1) compare
with the crawl's own user type and regions (settings ``CLEARCRAWL_RSL_USER`` /
``CLEARCRAWL_RSL_GEO``); a licence that restricts by one of them while the crawl's value is
unknown cannot be satisfied knowingly (fail closed).

**Terms** (§3.2 ``server``, §3.6 payment, §3.12 reporting): a ``server`` attribute means a
licence MUST be obtained from that License Server before use, even when free; payment types
``purchase``, ``subscription``, ``training``, ``crawl``, ``use``, ``contribution`` (or one not
in RSL 1.0), a ``<custom>`` agreement and a ``<reporting>`` duty clearcrawl cannot perform all
need an agreement clearcrawl does not hold by itself: the outcome is :attr:`Verdict.TERMS`, with
the terms and where to obtain them, for a grant to match. ``free`` (or no ``<payment>``) and
``attribution`` permit use; attribution is a duty recorded with the record.

**Combining** (§4.9: document order never matters; conflicting terms resolve to the most
restrictive combination): an explicit prohibition in any applicable licence wins; otherwise
the licences that permit training are the offers, and among them an unknown condition beats
terms, terms beat attribution, attribution beats free. A document in which no licence permits
training prohibits it (closed ``<permits>``).

Total: :func:`evaluate_rsl` never raises; evidence names the ``<content>`` and ``<license>``
(with line numbers) that decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from filters.results import Evidence, excerpt
from filters.robots.match import pattern_matches
from filters.rsl.document import RslContent, RslDocument, RslLicense
from filters.rsl.outcome import (
    _RANK,
    NO_CONTEXT,
    USER_TYPES,
    RslContext,
    RslOutcome,
    RslTerms,
    Verdict,
    rsl_context,
)

__all__ = [
    "FREE_PAYMENTS",
    "LEGACY_TOKENS",
    "NO_CONTEXT",
    "OTHER_USAGE_TOKENS",
    "PAID_PAYMENTS",
    "TRAINING_TOKENS",
    "USER_TYPES",
    "RslContext",
    "RslOutcome",
    "RslTerms",
    "Verdict",
    "combine_outcomes",
    "content_specificity",
    "evaluate_rsl",
    "rsl_context",
    "same_origin",
]


#: §3.4.1 tokens that cover AI training, and the AI-preferences label RSL templates write.
TRAINING_TOKENS = frozenset({"all", "ai-all", "ai-train", "train-ai"})
#: §3.4.1 tokens that do not cover training (reading them in ``<prohibits>`` leaves training).
OTHER_USAGE_TOKENS = frozenset({"ai-input", "ai-index", "search"})
#: Earlier draft / neighbouring vocabularies: never a permission; prohibiting when prohibited.
LEGACY_TOKENS = {
    "tdm": "RSL July 2025 draft / TDMRep: text and data mining",
    "ai": "draft-ietf-aipref-vocab-01 'ai'",
    "ai-use": "RSL draft / aipref 'ai-use' (removed)",
    "genai": "draft-ietf-aipref-vocab-01 'genai'",
    "train-genai": "draft-ietf-aipref-vocab-03 'train-genai'",
    "ai-include": "pre-1.0 third-party spelling",
}
#: §3.6 payment types that permit use without an agreement (attribution adds a duty).
FREE_PAYMENTS = frozenset({"free", "attribution"})
#: §3.6 the other payment types of RSL 1.0 (``inference`` is the 0.9 spelling of ``use``).
PAID_PAYMENTS = frozenset(
    {"purchase", "subscription", "training", "crawl", "use", "contribution", "inference"}
)


@dataclass(frozen=True, slots=True)
class _Stance:
    verdict: Verdict
    cause: str
    note: str
    lic: RslLicense
    content: RslContent
    explicit: bool = False  # an explicit <prohibits> (not just "not among the permits")


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or (443 if scheme == "https" else 80)


def same_origin(a: str, b: str) -> bool:
    """Whether two URLs share scheme, host and port (RFC 9309 §2.3, RFC 3986 §6.2.2–6.2.3)."""
    return _origin(a) == _origin(b)


def content_specificity(pattern: str, url: str, *, asset_url: str = "") -> int | None:
    """How specifically ``<content url=pattern>`` matches ``url`` (None: it does not match).

    §3.2: a path pattern with RFC 9309 matching, or a full URL (same origin, then its path and
    query as the pattern). ``""`` matches the associated asset only (``asset_url``, §4.6).
    """
    if not pattern:
        return 0 if asset_url and url.split("#", 1)[0] == asset_url.split("#", 1)[0] else None
    if "://" in pattern:
        if _origin(pattern) != _origin(url):
            return None
        parts = urlsplit(pattern)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    else:
        path = pattern
    if not path.startswith(("/", "*")):
        path = "/" + path
    return len(path) if pattern_matches(path, url) else None


def _where(content: RslContent, lic: RslLicense) -> str:
    return (
        f"<content url={content.url!r}> line {content.line}; <license> #{lic.index} line {lic.line}"
    )


def _stance(content: RslContent, lic: RslLicense, context: RslContext) -> _Stance:
    """One licence's answer for AI training (module docstring)."""
    prohibited = lic.prohibited("usage")
    for tok in prohibited:
        if tok in TRAINING_TOKENS:
            return _Stance(
                Verdict.PROHIBITED, "prohibits", f"<prohibits> names {tok!r}", lic, content, True
            )
        if tok not in OTHER_USAGE_TOKENS:
            why = LEGACY_TOKENS.get(tok, "not an RSL 1.0 usage token")
            return _Stance(
                Verdict.PROHIBITED,
                "prohibits",
                f"<prohibits> names {tok!r} ({why}); read as prohibiting training",
                lic,
                content,
                True,
            )
    permitted = lic.permitted("usage")
    if permitted is not None:
        hits = [t for t in permitted if t in TRAINING_TOKENS]
        if not hits:
            odd = [t for t in permitted if t not in OTHER_USAGE_TOKENS]
            note = f"<permits type=usage> lists {' '.join(permitted) or 'nothing'}"
            note += ", which does not include AI training (a closed list, §3.4)"
            if odd:
                note += f"; {' '.join(odd)} is not read as a permission"
            return _Stance(Verdict.PROHIBITED, "not-permitted", note, lic, content)
        permit_note = f"<permits type=usage> names {hits[0]!r}" + (
            " (the AI-preferences label, read as ai-train)" if hits[0] == "train-ai" else ""
        )
    else:
        permit_note = "no <permits type=usage>: every use is permitted unless prohibited"
    for type_, ours, label in (
        ("user", (context.user,) if context.user else (), "user type"),
        ("geo", context.geo, "region"),
    ):
        allowed = lic.permitted(type_)
        banned = lic.prohibited(type_)
        if allowed is None and not banned:
            continue
        if not ours:
            return _Stance(
                Verdict.CONDITION_UNKNOWN,
                type_,
                f"the licence restricts by {label} ({type_}: "
                f"{' '.join(allowed or banned)}) and the crawl's {label} is not set "
                f"(CLEARCRAWL_RSL_{type_.upper()})",
                lic,
                content,
            )
        if set(ours) & set(banned):
            return _Stance(
                Verdict.PROHIBITED,
                "prohibits",
                f"<prohibits type={type_}> names {' '.join(sorted(set(ours) & set(banned)))}",
                lic,
                content,
                True,
            )
        if allowed is not None and not set(ours) & set(allowed):
            return _Stance(
                Verdict.PROHIBITED,
                "not-permitted",
                f"<permits type={type_}> lists {' '.join(allowed)}, not {' '.join(ours)}",
                lic,
                content,
            )
    requires: list[str] = []
    if content.server:
        requires.append("server")
    payments = lic.payments or ()
    for p in payments:
        if p.type not in FREE_PAYMENTS:
            requires.append(f"payment:{p.type}")
        if p.custom:
            requires.append("custom")
    if lic.reporting:
        requires.append("reporting")
    if requires:
        return _Stance(
            Verdict.TERMS,
            requires[0],
            f"{permit_note}; requires {', '.join(requires)}",
            lic,
            content,
        )
    attribution = any(p.type == "attribution" for p in payments)
    return _Stance(
        Verdict.PERMITTED,
        "attribution" if attribution else "free",
        f"{permit_note}; payment {'attribution' if attribution else 'free'}",
        lic,
        content,
    )


def _terms(doc: RslDocument, stance: _Stance) -> RslTerms:
    content, lic = stance.content, stance.lic
    payments = lic.payments
    paid = [p for p in payments if p.type not in FREE_PAYMENTS] or list(payments)
    requires: list[str] = []
    if content.server:
        requires.append("server")
    requires += [f"payment:{p.type}" for p in payments if p.type not in FREE_PAYMENTS]
    if any(p.custom for p in payments):
        requires.append("custom")
    if lic.reporting:
        requires.append("reporting")
    standard = tuple(s for p in payments for s in p.standard)
    custom = tuple(c for p in payments for c in p.custom)
    obtain = content.server or (custom[0] if custom else "") or (standard[0] if standard else "")
    return RslTerms(
        licence_url=doc.source,
        content_url=content.url,
        requires=tuple(dict.fromkeys(requires)),
        payment=paid[0].type if paid else "free",
        server=content.server,
        standard=standard,
        custom=custom,
        amounts=tuple(a for p in payments for a in p.amounts),
        reporting=lic.reporting,
        obtain_at=obtain or content.terms or doc.source,
    )


def _licence_urls(stance: _Stance) -> tuple[str, ...]:
    urls = [s for p in stance.lic.payments for s in p.standard]
    urls += [text for _type, text in stance.lic.legal if text.startswith(("http://", "https://"))]
    return tuple(dict.fromkeys(urls))


def evaluate_rsl(
    doc: RslDocument, url: str, context: RslContext = NO_CONTEXT, *, asset_url: str = ""
) -> RslOutcome:
    """Return the RSL verdict for AI training on ``url`` under ``doc``; total."""
    try:
        return _evaluate(doc, url, context, asset_url=asset_url)
    except Exception as exc:  # noqa: BLE001 - a failure here must exclude, never admit
        return RslOutcome(
            verdict=Verdict.UNAVAILABLE,
            cause="evaluation-error",
            reason=f"RSL evaluation failed ({type(exc).__name__}); not taken (fail closed)",
            licence_url=doc.source,
            evidence=(Evidence(source="rsl", locator=doc.source, note=repr(exc)[:300]),),
        )


def _evaluate(doc: RslDocument, url: str, context: RslContext, *, asset_url: str) -> RslOutcome:
    matched: list[tuple[int, RslContent]] = []
    for content in doc.contents:
        score = content_specificity(content.url, url, asset_url=asset_url)
        if score is not None:
            matched.append((score, content))
    max_age = Evidence(
        source="rsl",
        locator=doc.source,
        note=f"max-age {doc.max_age_days} day(s)"
        + ("" if doc.max_age_stated else " (default, §3.1)"),
    )
    if not matched:
        return RslOutcome(
            verdict=Verdict.NOT_COVERED,
            reason=f"no <content> of the RSL licence {doc.source} covers this URL",
            licence_url=doc.source,
            max_age_days=doc.max_age_days,
            evidence=(max_age,),
        )
    best = max(score for score, _ in matched)
    chosen = [c for score, c in matched if score == best]
    stances = [_stance(c, lic, context) for c in chosen for lic in c.licenses]
    explicit = [s for s in stances if s.explicit]
    offers = [s for s in stances if s.verdict != Verdict.PROHIBITED]
    if explicit:
        decisive = explicit[0]
    elif offers:
        decisive = min(
            offers,
            key=lambda s: (_RANK[s.verdict], 0 if s.cause == "attribution" else 1),
        )
    else:
        decisive = stances[0]
    evidence = tuple(
        Evidence(
            source="rsl",
            locator=f"{doc.source} {_where(s.content, s.lic)}",
            excerpt=excerpt(
                " ".join(
                    [
                        *(f"permits[{t}]={' '.join(v)}" for t, v in s.lic.permits),
                        *(f"prohibits[{t}]={' '.join(v)}" for t, v in s.lic.prohibits),
                        *(f"payment={p.type}" for p in s.lic.payments),
                        *([f"server={s.content.server}"] if s.content.server else []),
                    ]
                )
            ),
            note=f"{s.verdict.value}: {s.note}" + (" (decided)" if s is decisive else ""),
        )
        for s in stances
    )
    evidence += (max_age,)
    where = _where(decisive.content, decisive.lic)
    verdict = decisive.verdict
    if verdict == Verdict.PROHIBITED:
        reason = (
            f"the RSL licence {doc.source} does not permit AI training ({where}: {decisive.note})"
        )
        return RslOutcome(
            verdict=verdict,
            cause=decisive.cause,
            reason=reason,
            licence_url=doc.source,
            max_age_days=doc.max_age_days,
            evidence=evidence,
        )
    if verdict == Verdict.CONDITION_UNKNOWN:
        return RslOutcome(
            verdict=verdict,
            cause=decisive.cause,
            reason=f"the RSL licence {doc.source} ({where}): {decisive.note}; not taken",
            licence_url=doc.source,
            max_age_days=doc.max_age_days,
            evidence=evidence,
        )
    if verdict == Verdict.TERMS:
        terms = _terms(doc, decisive)
        reason = (
            f"the RSL licence {doc.source} permits AI training only under terms "
            f"({', '.join(terms.requires)}"
            + (f"; {' '.join(terms.amounts)}" if terms.amounts else "")
            + f"); obtain a licence at {terms.obtain_at}; not taken without a matching agreement"
        )
        return RslOutcome(
            verdict=verdict,
            cause=terms.requires[0] if terms.requires else "terms",
            reason=reason,
            licence_url=doc.source,
            terms=terms,
            max_age_days=doc.max_age_days,
            evidence=evidence,
        )
    attribution = decisive.cause == "attribution"
    return RslOutcome(
        verdict=Verdict.PERMITTED,
        cause=decisive.cause,
        reason=f"the RSL licence {doc.source} permits AI training ({where}: {decisive.note})"
        + ("; attribution required" if attribution else ""),
        licence_url=doc.source,
        attribution=attribution,
        licence_urls=_licence_urls(decisive),
        max_age_days=doc.max_age_days,
        evidence=evidence,
    )


def combine_outcomes(outcomes: Sequence[RslOutcome]) -> RslOutcome | None:
    """Combine the outcomes of several applicable licences (§4.9: the most restrictive wins).

    Unavailable beats prohibited beats an unknown condition beats terms beats permitted
    (attribution before free); silent outcomes (none, not covered) only count when all are.
    """
    order = {
        Verdict.UNAVAILABLE: 0,
        Verdict.PROHIBITED: 1,
        Verdict.CONDITION_UNKNOWN: 2,
        Verdict.TERMS: 3,
        Verdict.PERMITTED: 4,
        Verdict.NOT_COVERED: 5,
        Verdict.NONE: 6,
    }
    if not outcomes:
        return None
    return min(outcomes, key=lambda o: (order[o.verdict], 0 if o.attribution else 1))
