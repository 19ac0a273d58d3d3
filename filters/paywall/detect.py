"""Paywall, metered-wall and registration-wall detection for the page's main content.

Precedence (declarations: Google's paywall markup), each step recorded as :class:`Evidence`:

1. HTTP status of the page itself: 401/402 → walled (``hard``); 403/451 → ``access-refused``
   (a bot wall or legal block is not a paywall, but the page is excluded all the same).
2. The publisher's structured declaration, schema.org ``isAccessibleForFree`` in JSON-LD
   (``@graph``, nesting, lists; JSON ``false``, strings ``"false"``/``"False"``, the
   ``https://schema.org/False`` URL form) or microdata. Only nodes about *this* page count: the
   article / web page (top level or ``mainEntity``) and its ``hasPart`` sections; objects reached
   through ``itemListElement``, ``isPartOf``, ``relatedLink``… describe other works and are
   ignored. ``false`` on the page → walled, even when the full text is in the HTML (a metered or
   client-side wall: harvesting it would be circumvention). A ``hasPart`` section declared
   ``false`` → walled too (the extractor cannot drop just that section).
3. ``article:content_tier`` (and ``og:``/underscore variants): ``locked``/``metered`` → walled;
   ``free`` → declared free. It also gives the wall's kind for step 2.
4. Without any declaration: the article body container itself marked ``locked``/``paywalled``
   (or, by membership plugins, ``access-restricted``/``members-only``),
   or a short article (teaser) with a subscribe/register prompt inside it → walled
   (heuristic; the reason says so).
5. Vendor scripts (Piano/Tinypass, Zephr, Steady, …) are recorded as weak evidence and never
   decide: a free article on a paywall publisher's site is not walled, and
   ``isAccessibleForFree: true`` wins over any vendor marker.

Values that cannot be read (``"isAccessibleForFree": "maybe"``) on the page node count as
"not free" (fail closed). Bad input (no tree, broken JSON-LD) gives a clear not-walled result
with the parser's notes, never an exception. A page only partly read (past the 4 MiB parse cap,
or JSON-LD past its node/depth caps, :func:`filters.license.jsonld.ld_caps`) and not found
walled in the part read is walled of kind ``unknown``: a declaration in the unread part would
have been missed (fail closed, clearcrawl issue 11 item 17).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from filters.html import MAX_PARSE_BYTES, ParsedPage
from filters.license.jsonld import FOREIGN_KEYS, PAGE_TYPES, ld_caps, ld_nodes, type_name
from filters.paywall.markers import (
    ACCESS_KEYS,
    ACCESS_KINDS,
    TIER_KEYS,
    TIER_KINDS,
    VENDOR_HOSTS,
    VENDOR_INLINE,
)
from filters.paywall.shown import shown_wall
from filters.results import Evidence, PaywallFinding, excerpt

_SCHEMA_BOOL = re.compile(r"^(?:https?://)?(?:www\.)?schema\.org/", re.IGNORECASE)
#: JSON-LD properties whose objects describe other works, not this page.
_OTHER_WORK_KEYS = FOREIGN_KEYS | {"ispartof", "haspart"}


@dataclass(frozen=True, slots=True)
class _Declaration:
    free: bool
    where: str  # "page" or "part"
    selector: str
    evidence: Evidence


def _read_bool(value: Any) -> bool | None:
    """Read an ``isAccessibleForFree`` value in the forms publishers write.

    None when the value is empty or missing; False (not free) for anything unreadable, so a
    garbled declaration never admits a page.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, list):
        read = [_read_bool(v) for v in value]
        return False if False in read else (True if True in read else None)
    if value is None:
        return None
    text = _SCHEMA_BOOL.sub("", str(value)).strip().lower()
    if text in {"true", "1", "yes"}:
        return True
    if text in {"false", "0", "no"}:
        return False
    return None if not text else False


def _jsonld_declarations(page: ParsedPage) -> list[_Declaration]:
    out: list[_Declaration] = []
    for ld in ld_nodes(page):
        if "isAccessibleForFree" not in ld.node:
            continue
        raw = ld.node["isAccessibleForFree"]
        free = _read_bool(raw)
        if free is None:
            continue
        keys = [k.lower() for k in ld.keys]
        other = next((k for k in keys if k in _OTHER_WORK_KEYS and k != "haspart"), None)
        if other:
            continue  # about another work (a teaser list, the publication, an image…)
        type_name = "/".join(sorted(ld.types)) or "untyped"
        if (keys and keys[-1] == "haspart") or "haspart" in keys:
            selector = ld.node.get("cssSelector")
            selector = (
                ", ".join(map(str, selector)) if isinstance(selector, list) else str(selector or "")
            )
            out.append(
                _Declaration(
                    free,
                    "part",
                    selector,
                    Evidence(
                        source="jsonld:hasPart.isAccessibleForFree",
                        locator=f"{ld.locator}.isAccessibleForFree",
                        excerpt=excerpt(f"{raw!r} cssSelector={selector or '(none)'}"),
                        note=f"section of the page ({type_name}) declared {'free' if free else 'not free'}",
                    ),
                )
            )
            continue
        if ld.types and not (ld.types & PAGE_TYPES):
            continue  # e.g. a Product or Organization node
        out.append(
            _Declaration(
                free,
                "page",
                "",
                Evidence(
                    source="jsonld:isAccessibleForFree",
                    locator=f"{ld.locator}.isAccessibleForFree",
                    excerpt=excerpt(repr(raw)),
                    note=f"the page's {type_name} node declared {'free' if free else 'not free'}",
                ),
            )
        )
    return out


def _microdata_declarations(page: ParsedPage) -> list[_Declaration]:
    out: list[_Declaration] = []
    for el in page.xpath("//*[@itemprop]"):
        if "isaccessibleforfree" not in (el.get("itemprop") or "").lower().split():
            continue
        raw = el.get("content") or el.get("href") or el.get("value") or (el.text or "")
        free = _read_bool(raw)
        if free is None:
            continue
        owner = next((a for a in el.iterancestors() if a.get("itemscope") is not None), None)
        owner_prop = (owner.get("itemprop") or "").lower() if owner is not None else ""
        owner_type = type_name(owner.get("itemtype") or "") if owner is not None else ""
        locator = page.xpath_of(el)
        if owner is not None and "haspart" in owner_prop.split():
            sel_el = next(
                (x for x in owner.iter() if "cssselector" in (x.get("itemprop") or "").lower()),
                None,
            )
            selector = (sel_el.get("content") or sel_el.text or "") if sel_el is not None else ""
            out.append(
                _Declaration(
                    free,
                    "part",
                    selector,
                    Evidence(
                        source="microdata:hasPart.isAccessibleForFree",
                        locator=locator,
                        excerpt=excerpt(f"{raw} cssSelector={selector or '(none)'}"),
                        note=f"section of the page declared {'free' if free else 'not free'}",
                    ),
                )
            )
            continue
        if owner_prop and owner_prop.split()[0] in FOREIGN_KEYS:
            continue
        if owner_type and owner_type.lower() not in PAGE_TYPES:
            continue
        out.append(
            _Declaration(
                free,
                "page",
                "",
                Evidence(
                    source="microdata:isAccessibleForFree",
                    locator=locator,
                    excerpt=excerpt(raw),
                    note=f"the page's {owner_type or 'item'} declared {'free' if free else 'not free'}",
                ),
            )
        )
    return out


def _tiers(page: ParsedPage) -> list[tuple[str, Evidence, str]]:
    """``(kind, evidence, what)`` for each content-tier or access-level meta tag read.

    ``kind`` is "" for a declared-free value; ``what`` names the tag and value for the reason
    (``article:content_tier is 'metered'``, ``access-level meta article.access is 'paid'``).
    """
    out: list[tuple[str, Evidence, str]] = []
    for keys, kinds, label in (
        (TIER_KEYS, TIER_KINDS, "article:content_tier"),
        (ACCESS_KEYS, ACCESS_KINDS, ""),
    ):
        for key, content, el in page.meta_values(*keys):
            value = content.strip().lower()
            if value not in kinds:
                continue
            kind = kinds[value]
            what = f"{label or 'access-level meta ' + key} is '{content.strip()}'"
            note = "declared free" if kind == "" else f"{label or key} '{value}'"
            out.append(
                (
                    kind,
                    Evidence(
                        source=f"html:meta[{key}]",
                        locator=page.xpath_of(el),
                        excerpt=excerpt(content),
                        note=note,
                    ),
                    what,
                )
            )
    return out


def _vendors(page: ParsedPage) -> list[Evidence]:
    found: dict[str, Evidence] = {}
    for el in page.xpath("//script[@src]"):
        src = (el.get("src") or "").lower()
        for host, vendor in VENDOR_HOSTS.items():
            if host in src and vendor not in found:
                found[vendor] = Evidence(
                    source="html:script[src]",
                    locator=page.xpath_of(el),
                    excerpt=excerpt(el.get("src")),
                    note=f"{vendor} paywall vendor script (weak: also loaded on free pages)",
                )
    # Vendor set-up code is a small inline snippet: big inline blobs (app state, data) are
    # skipped, which keeps this cheap on multi-megabyte pages. Vendor code is weak evidence
    # that never decides (module docstring, step 5), so skipping it cannot hide a wall.
    snippets = [s.text or "" for s in page.xpath("//script[not(@src)]")]
    text = "\n".join(s for s in snippets if len(s) <= 100_000)
    for needle, vendor in VENDOR_INLINE.items():
        if vendor not in found and needle in text:
            found[vendor] = Evidence(
                source="html:script",
                locator="inline script",
                excerpt=excerpt(needle),
                note=f"{vendor} paywall vendor code (weak: also loaded on free pages)",
            )
    return list(found.values())[:5]


_REGISTRATION_SELECTOR = re.compile(
    r"reg(?:istration)?-?wall|email-?wall|register|sign-?up|login", re.IGNORECASE
)
_METERED_SELECTOR = re.compile(r"meter", re.IGNORECASE)


def _kind_from_selectors(parts: list[_Declaration]) -> str:
    """Name the wall after the walled section's own selector when no content tier says it.

    ``.regwalled``, ``.emailwall`` → registration; ``.meteredContent`` → metered.
    """
    selectors = " ".join(d.selector for d in parts)
    if _REGISTRATION_SELECTOR.search(selectors):
        return "registration"
    if _METERED_SELECTOR.search(selectors):
        return "metered"
    return ""


def detect_paywall(page: ParsedPage) -> PaywallFinding:
    """Whether the page's main content is walled (see the module docstring for precedence)."""
    found = _detect(page)
    if found.paywalled or page.tree is None:
        return found
    unread = [
        (f"JSON-LD: {what}", "filters._license_jsonld")
        for what in ld_caps(page, "isAccessibleForFree")
    ]
    if page.truncated:
        unread.insert(
            0,
            (
                f"the body after the first {MAX_PARSE_BYTES} bytes",
                f"filters._html.MAX_PARSE_BYTES={MAX_PARSE_BYTES}",
            ),
        )
    if not unread:
        return found
    what = "; ".join(w for w, _ in unread)
    note = (
        f"work cap hit, not read: {what}; a paywall declaration there would be missed, so "
        "whether the page is walled is unknown (fail closed)"
    )
    return PaywallFinding(
        paywalled=True,
        kind="unknown",
        reason=f"{found.reason}; {note}",
        evidence=(
            *found.evidence,
            *(
                Evidence(source="detector:work-cap", locator=cap, excerpt=w, note=note)
                for w, cap in unread
            ),
        ),
    )


def _detect(page: ParsedPage) -> PaywallFinding:
    status = page.status
    if status in (401, 402):
        return PaywallFinding(
            paywalled=True,
            kind="hard",
            reason=f"HTTP {status} on the page itself",
            evidence=(
                Evidence(
                    source="http:status",
                    excerpt=str(status),
                    note="authentication/payment required",
                ),
            ),
        )
    if status in (403, 451):
        return PaywallFinding(
            paywalled=True,
            kind="access-refused",
            reason=f"HTTP {status}: access refused (bot wall or legal block), not a paywall",
            evidence=(Evidence(source="http:status", excerpt=str(status), note="access refused"),),
        )
    if page.tree is None:
        why = "; ".join(page.notes) or "no HTML document"
        return PaywallFinding(paywalled=False, reason=f"no paywall signal read: {why}")
    declarations = _jsonld_declarations(page) + _microdata_declarations(page)
    tiers = _tiers(page)
    vendors = _vendors(page)
    page_false = [d for d in declarations if d.where == "page" and not d.free]
    page_true = [d for d in declarations if d.where == "page" and d.free]
    part_false = [d for d in declarations if d.where == "part" and not d.free]
    walled_tiers = [(k, e, w) for k, e, w in tiers if k]
    free_tiers = [(e, w) for k, e, w in tiers if not k]
    kind = walled_tiers[0][0] if walled_tiers else _kind_from_selectors(part_false) or "hard"
    if page_false:
        ev = [d.evidence for d in page_false[:2]] + [d.evidence for d in part_false[:2]]
        ev += [e for _, e, _ in walled_tiers[:1]] + vendors[:2]
        sel = ", ".join(d.selector for d in part_false if d.selector)
        return PaywallFinding(
            paywalled=True,
            kind=kind,
            evidence=tuple(ev),
            reason="the publisher declares the page not free (isAccessibleForFree=false)"
            + (f"; walled section {sel}" if sel else ""),
        )
    if part_false:
        ev = (
            [d.evidence for d in part_false[:2]] + [d.evidence for d in page_true[:1]] + vendors[:2]
        )
        sel = ", ".join(d.selector for d in part_false if d.selector) or "(no selector)"
        extra = " although the page is declared free" if page_true else ""
        return PaywallFinding(
            paywalled=True,
            kind=kind,
            evidence=tuple(ev),
            reason=f"a walled section is declared (hasPart {sel} isAccessibleForFree=false){extra}",
        )
    if walled_tiers:
        ev = [e for _, e, _ in walled_tiers[:2]] + [d.evidence for d in page_true[:1]]
        ev += vendors[:2]
        conflict = "; conflicts with isAccessibleForFree=true (fail closed)" if page_true else ""
        return PaywallFinding(
            paywalled=True,
            kind=kind,
            evidence=tuple(ev),
            reason=f"{walled_tiers[0][2]}{conflict}",
        )
    if page_true or free_tiers:
        ev = [d.evidence for d in page_true[:2]] + [e for e, _ in free_tiers[:1]] + vendors[:3]
        what = (
            "isAccessibleForFree=true"
            if page_true
            else "article:content_tier=free"
            if free_tiers[0][1].startswith("article:content_tier")
            else free_tiers[0][1]
        )
        vend = (
            f"; paywall vendor present ({', '.join(e.note.split(' ')[0] for e in vendors)}) but the page is declared free"
            if vendors
            else ""
        )
        return PaywallFinding(
            paywalled=False, reason=f"declared free ({what}){vend}", evidence=tuple(ev)
        )
    walled = shown_wall(page)
    if walled is not None:
        wall_kind, wall_reason, wall_ev = walled
        return PaywallFinding(
            paywalled=True, kind=wall_kind, reason=wall_reason, evidence=(wall_ev, *vendors[:2])
        )
    if vendors:
        names = ", ".join(e.note.split(" ")[0] for e in vendors)
        return PaywallFinding(
            paywalled=False,
            evidence=tuple(vendors),
            reason=f"no wall declared or shown; paywall vendor code present ({names}) is not evidence for this page",
        )
    return PaywallFinding(paywalled=False, reason="no paywall signal")
