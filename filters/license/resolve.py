"""Conflict resolution between the licence claims of one page.

Versions of one licence, portions of a page under different licences, reservations against
grants, and the final :class:`~filters.results.LicenseFinding`.
"""

from __future__ import annotations

import re

from filters.license.common import _RESTRICTIVENESS, MAX_HITS, _cap_hit, _Claim, _Reservation
from filters.license.spdx import (
    CC_UNSPECIFIED,
    LicenseId,
)
from filters.results import LicenseFinding, Scope, excerpt

# -- aggregation -----------------------------------------------------------------------------


#: The Open Definition (https://opendefinition.org/od/2.1/en/): the criteria a licence must
#: meet to be "open", linked with rel=license by "Open Data/Open Content" conformance badges next
#: to the actual licence. It grants nothing and reserves nothing, so beside a licence it adds no
#: unknown terms; alone it is no licence (the page has none).
OPEN_DEFINITION = re.compile(
    r"^(?:https?:)?//(?:www\.)?opendefinition\.org(?:[/?#]|$)", re.IGNORECASE
)


def _rank(lic: LicenseId) -> int | None:
    return _RESTRICTIVENESS.get(lic.family)


def _resolve_versions(claims: list[_Claim]) -> None:
    """Give an unversioned mention the version stated elsewhere for the same licence.

    Only when exactly one versioned licence of that family covers the main text elsewhere on
    the page (e.g. footer "Attribution-ShareAlike License" + ``<link rel=license
    href=…/by-sa/3.0/>`` in the head); otherwise the version stays unknown.
    """
    covering = [c for c in claims if c.scope in (Scope.PAGE, Scope.SITE)]
    for c in covering:
        if c.lic.versioned:
            continue
        same = {
            o.lic.spdx: o.lic for o in covering if o.lic.versioned and o.lic.family == c.lic.family
        }
        if c.lic.spdx == CC_UNSPECIFIED:
            same = {
                o.lic.spdx: o.lic
                for o in covering
                if o.lic.versioned and o.lic.family.startswith("CC")
            }
        if len(same) == 1:
            target = next(iter(same.values()))
            c.lic = LicenseId(
                target.spdx,
                target.family,
                target.version,
                target.url,
                f"version taken from another statement of the same licence ({target.spdx})",
            )
            continue
        if c.scope != Scope.PAGE or same:
            continue
        # The article's own statement without a version ("distributed under the terms of the
        # Creative Commons Attribution License (CC BY)") and the licence URL of the same
        # licence in the article's embedded metadata: together they give the exact licence;
        # both are kept as hits. Only one such URL may exist (two versions: unknown).
        meta = {
            o.lic.spdx: o
            for o in claims
            if o.metadata and o.lic.versioned and o.lic.family == c.lic.family
        }
        if len(meta) == 1:
            src = next(iter(meta.values()))
            c.lic = LicenseId(
                src.lic.spdx,
                src.lic.family,
                src.lic.version,
                src.lic.url,
                f"version taken from the article's embedded metadata ({src.metadata} "
                f"{src.lic.url or src.lic.spdx})",
            )


def _with_portions(
    portions: list[_Claim], spdx: str, url: str | None, lic: LicenseId, notes: list[str]
) -> tuple[str, str | None, bool]:
    """Add the terms of third-party text inside the main text to the text's licence.

    A site or page statement can only license what its author wrote; text taken from elsewhere
    ("Die Textausschnitte stammen zum Teil aus Wikipedia … unter CC BY-SA") keeps its own
    terms, so the main text is under both, and the most restrictive governs
    (CC 4.0 legal code §1, "Licensed Rights"). When that part's licence has no version, or cannot
    be ranked against the text's, part of the text's terms are unknown: the result is
    ambiguous (fail closed). Returns the governing id, its URL and whether the terms are
    unknown; ``notes`` gains one line per distinct third-party licence.
    """
    unknown = False
    seen: set[str] = set()
    for p in portions:
        pid = p.lic.spdx
        if pid in seen:
            continue
        seen.add(pid)
        quote = excerpt(p.raw, 100)
        if pid == spdx:
            notes.append(f"third-party text in it is under the same licence ('{quote}')")
            continue
        rank, own = _rank(p.lic), _rank(lic)
        if not p.lic.versioned or " OR " in spdx or rank is None or own is None:
            unknown = True
            why = "its version is not stated" if not p.lic.versioned else "it cannot be ranked"
            notes.append(
                f"part of the text is third-party material under {pid} and {why}: the terms "
                f"of that part are unknown ('{quote}')"
            )
        elif rank > own:
            notes.append(
                f"part of the text is third-party material under {pid}, more restrictive than "
                f"{spdx}: the most restrictive applies ('{quote}')"
            )
            spdx, url, lic = pid, p.lic.url, p.lic
        else:
            notes.append(
                f"part of the text is third-party material under {pid}, no more restrictive "
                f"than {spdx} ('{quote}')"
            )
    return spdx, url, unknown


def _conjunction(contributions: list[_Claim], by_id: dict[str, _Claim], notes: list[str]) -> str:
    """Combine the licences of a page made of contributions: all of them apply.

    Each contribution stays under its licence, so the text as a whole is under every one at
    once (SPDX v2.3 Annex D.4: ``AND``). The contributors are named in the hits; the note
    gives the count.
    """
    ids = sorted(by_id)
    people = sorted({c.contribution for c in contributions})
    shown = ", ".join(people[:5]) + (f" and {len(people) - 5} more" if len(people) > 5 else "")
    notes.append(
        f"the page is made of {len(contributions)} contributions by {len(people)} contributor(s) "
        f"({shown}), each under its own licence: the text is covered by "
        + ("all of " + ", ".join(ids) if len(ids) > 1 else ids[0])
    )
    return " AND ".join(ids)


def _finding(
    claims: list[_Claim],
    reserved: list[_Reservation],
    unrecognised: list[_Claim],
    caps: dict[str, str] | None = None,
) -> LicenseFinding:
    caps = caps or {}
    _resolve_versions(claims)
    covering = [c for c in claims if c.scope in (Scope.PAGE, Scope.SITE)]
    ordered = sorted(
        claims,
        key=lambda c: (c.scope not in (Scope.PAGE, Scope.SITE), c.scope != Scope.PAGE, -c.strength),
    )
    unknown_terms = [
        u
        for u in unrecognised
        if u.scope in (Scope.PAGE, Scope.SITE)
        and not (u.named and u.named in {c.lic.spdx for c in covering})
        and not (covering and OPEN_DEFINITION.match(u.lic.url or ""))
    ]
    # Every contribution's licence and contributor is kept (the attribution each licence
    # requires; bounded by contributions.MAX_MARKERS); other evidence up to MAX_HITS.
    hits = [c.hit() for c in ordered if c.contribution]
    hits += [c.hit() for c in ordered if not c.contribution][:MAX_HITS]
    hits += [r.hit() for r in reserved[:3]]
    hits += [
        u.hit()
        for u in sorted(unrecognised, key=lambda u: u.scope == Scope.PART)[:3]
        if len(hits) < MAX_HITS + 6
    ]
    hits += [_cap_hit(what, cap) for what, cap in list(caps.items())[:3]]
    capped = (
        "; work cap hit, part of the page was not read ("
        + "; ".join(list(caps)[:3])
        + (f"; {len(caps) - 3} more" if len(caps) > 3 else "")
        + "): a statement there could change the licence (fail closed)"
        if caps
        else ""
    )
    page_res = [r for r in reserved if r.level == "page"]
    site_res = [r for r in reserved if r.level == "site"]
    head_res = [r for r in reserved if r.level == "head"]
    if not covering:
        parts = [c for c in claims if c.scope == Scope.PART]
        why = "no licence statement covers the main text"
        if parts:
            kinds = sorted({c.lic.spdx for c in parts})
            why = f"only part-level licence statements ({', '.join(kinds[:5])}): {parts[0].reason}"
        if reserved:
            why += f"; rights reserved: {reserved[0].reason}"
        if unrecognised and not parts:
            why += f"; rel=license/license points to an unrecognised document ({excerpt(unrecognised[0].raw, 80)})"
        return LicenseFinding(
            spdx=None,
            scope=Scope.PART if parts else None,
            ambiguous=bool(caps),
            reason=why + capped,
            hits=tuple(hits),
        )
    page_level = [c for c in covering if c.scope == Scope.PAGE]
    level = page_level or [c for c in covering if c.scope == Scope.SITE]
    scope = Scope.PAGE if page_level else Scope.SITE
    notes: list[str] = []
    if page_level and len(page_level) != len(covering):
        site_ids = sorted({c.lic.spdx for c in covering if c.scope == Scope.SITE})
        notes.append(
            f"page-level statement takes precedence over the site-wide {', '.join(site_ids)}"
        )
    # Distinct licences at the winning level (unspecified/unversioned folded where possible).
    by_id: dict[str, _Claim] = {}
    for c in sorted(level, key=lambda c: -c.strength):
        by_id.setdefault(c.lic.spdx, c)
    if len(by_id) > 1 and any(not c.lic.versioned for c in by_id.values()):
        versioned = {k: v for k, v in by_id.items() if v.lic.versioned}
        for k, v in list(by_id.items()):
            if not v.lic.versioned and (
                (
                    v.lic.spdx == CC_UNSPECIFIED
                    and any(x.lic.family.startswith("CC") for x in versioned.values())
                )
                or any(x.lic.family == v.lic.family for x in versioned.values())
            ):
                del by_id[k]
    best = max(by_id.values(), key=lambda c: c.strength)
    spdx = best.lic.spdx
    ambiguous = False
    lead = best.reason
    contributions = [c for c in level if c.contribution]
    if contributions and all(c.contribution or c.lic.spdx in by_id for c in level):
        spdx = _conjunction(contributions, by_id, notes)
        lead = f"each contribution carries its own licence ({contributions[0].reason})"
    elif len(by_id) > 1:
        ids = sorted(by_id)
        duals = [c for c in by_id.values() if c.dual_with & set(by_id)]
        if duals and len(by_id) == 2:
            spdx = " OR ".join(ids)
            notes.append(f"dual licence stated ('{ids[0]}' or '{ids[1]}')")
        else:
            ranks = {k: _rank(v.lic) for k, v in by_id.items()}
            if all(r is not None for r in ranks.values()):
                top = max(r for r in ranks.values() if r is not None)
                tops = [k for k, r in ranks.items() if r == top]
                if len(tops) == 1:
                    best = by_id[tops[0]]
                    spdx = best.lic.spdx
                    notes.append(
                        f"several licences stated for the text ({', '.join(ids)}); the most restrictive applies"
                    )
                else:
                    ambiguous = True
                    notes.append(f"conflicting licences at the same level ({', '.join(ids)})")
            else:
                ambiguous = True
                notes.append(f"licences at the same level that cannot be ranked ({', '.join(ids)})")
    url = best.lic.url
    portions = [c for c in claims if c.portion]
    if portions:
        spdx, url, unknown = _with_portions(portions, spdx, url, best.lic, notes)
        ambiguous = ambiguous or unknown
    if scope == Scope.SITE and page_res:
        return LicenseFinding(
            spdx=None,
            scope=None,
            url=None,
            ambiguous=False,
            reason=f"the article reserves rights ({page_res[0].reason}), overriding the site-wide {spdx}"
            + capped,
            hits=tuple(hits),
        )
    if scope == Scope.PAGE and page_res and best.level == "dom":
        ambiguous = True
        notes.append(f"the article both grants {spdx} and reserves rights ({page_res[0].reason})")
    if scope == Scope.SITE and site_res:
        ambiguous = True
        notes.append(
            f"the site chrome both states {spdx} and reserves rights ({site_res[0].reason})"
        )
    if head_res:
        head_level = all(c.level == "head" for c in level)
        if head_level:
            ambiguous = True
            notes.append(
                f"document metadata both names {spdx} and reserves rights ({head_res[0].reason})"
            )
        else:
            notes.append(
                f"ignored: {head_res[0].reason} (hidden metadata; the visible statement is operative)"
            )
    for u in unrecognised:
        if OPEN_DEFINITION.match(u.lic.url or "") and u.scope != Scope.PART:
            notes.append(
                f"the rel=license link to {excerpt(u.lic.url or '', 80)} is the Open Definition "
                "(a conformance mark, not a licence): it adds no terms"
            )
            break
    for u in unrecognised:
        if u.named and u not in unknown_terms:
            notes.append(
                f"the licence link to {excerpt(u.lic.url or u.raw, 100)} is not a known licence "
                f"URL, but the page's own link text names it {u.named}"
            )
            break
    if unknown_terms:
        ambiguous = True
        u = unknown_terms[0]
        notes.append(
            f"a licence statement at {u.scope.value} level names a document that is not a known "
            f"licence ({excerpt(u.lic.url or u.raw, 120)}): the text's terms are unknown"
        )
    if caps:
        ambiguous = True
    if not best.lic.versioned:
        notes.append("version not stated; not assumed")
    reason = lead + ("; " + "; ".join(notes) if notes else "") + capped
    return LicenseFinding(
        spdx=spdx,
        scope=scope,
        url=url,
        ambiguous=ambiguous,
        reason=reason,
        hits=tuple(hits),
    )
