"""Licence detection (foundation version: ``rel=license`` links to Creative Commons)."""

from __future__ import annotations

from filters._html import ParsedPage
from filters.results import Evidence, LicenseFinding, LicenseHit, Scope, excerpt
from filters.spdx import cc_url_to_spdx


def detect_license(page: ParsedPage) -> LicenseFinding:
    """Find the licence covering the page's main text."""
    hits: list[LicenseHit] = []
    for el in page.xpath('//*[@rel][@href]'):
        rels = (el.get("rel") or "").lower().split()
        if "license" not in rels:
            continue
        href = el.get("href") or ""
        spdx = cc_url_to_spdx(href)
        if not spdx:
            continue
        in_head = el.getparent() is not None and el.xpath("ancestor::head")
        scope = Scope.PAGE if in_head else Scope.SITE
        hits.append(
            LicenseHit(
                spdx=spdx,
                url=href,
                scope=scope,
                scope_reason="rel=license in <head>" if in_head else "rel=license in body",
                evidence=Evidence(
                    source=f"html:{el.tag}[rel=license]",
                    locator=page.xpath_of(el),
                    excerpt=excerpt(href),
                ),
            )
        )
    main = [h for h in hits if h.scope in (Scope.PAGE, Scope.SITE)]
    if not main:
        return LicenseFinding(spdx=None, scope=Scope.PART if hits else None, hits=tuple(hits),
                              reason="no licence statement covers the main text")
    spdxs = {h.spdx for h in main}
    best = main[0]
    return LicenseFinding(
        spdx=best.spdx, scope=best.scope, url=best.url, ambiguous=len(spdxs) > 1,
        reason=best.scope_reason, hits=tuple(hits),
    )
