"""Licence statements in the body whose link names no licence we recognise.

``<a rel=license href=/terms>`` in a footer, ``itemprop=license`` pointing to a repository's
``LICENSE`` file: scoped like any statement (:func:`filters.license.statements._decide`), and
kept apart from the recognised claims; at page or site scope they make the finding ambiguous
(:func:`filters.license.resolve._finding`).
"""

from __future__ import annotations

from typing import Any

from filters.html import ParsedPage
from filters.license.common import _STRENGTH, UNRECOGNISED, _abs, _Claim, _Found
from filters.license.microdata import _about_media, _microdata_owner
from filters.license.regions import Placement, sentence_bounds
from filters.license.spdx import LicenseId
from filters.license.statements import _Anchor, _decide, _placement, _Scoped
from filters.license.text import coverage, grant_cue, subject
from filters.results import Scope


def _unrecognised_statement(
    page: ParsedPage,
    a: _Anchor,
    block: Any,
    text: str,
    low: str,
    spans: dict[int, tuple[int, int]],
    found: _Found,
    main: Any,
    regions: dict[int, Any],
    block_place: Placement,
    media: str,
    user_content: str,
) -> None:
    """Scope a licence statement in the body whose link names no known licence.

    ``<a rel=license href=/terms>`` in the footer states the site's terms just as a CC link
    there would: the same rules (:func:`_decide`) give it page, site or part; at page or site
    scope :func:`_finding` makes the result ambiguous. A plain link to a licence document
    (``/LICENSE``, ``/licence.html``) counts only inside a grant ("licensed under <a>our
    licence</a>"); alone it is a menu entry or a reference, not a statement.
    """
    span = spans.get(id(a.el), (0, 0))
    s, e = sentence_bounds(low, span[0], span[1]) if low else (0, 0)
    ctx, ctx_text = low[s:e], text[s:e].strip()
    if not a.machine and not grant_cue(ctx):
        return
    statement = low if len(low) <= 600 else low[max(0, s - 300) : e]
    placement = _placement(a.el, main, regions) if a.el is not block else block_place
    owner = _microdata_owner(a.el)[0] if a.el.get("itemprop") else ""
    about = _about_media(a.el)
    target = _abs(page, a.url) if a.kind == "link" or a.el.get("href") else a.url
    lic = LicenseId(UNRECOGNISED, "?", None, target)
    decided = (
        _Scoped(Scope.PART, f"RDFa about= names a media file ({about})")
        if about
        else _decide(
            placement,
            lic,
            a.kind,
            a.machine,
            ctx,
            statement,
            owner,
            media
            if media.startswith("links") or not (coverage(ctx)[0] or subject(statement)[0])
            else "",
            a.url,
            user_content,
        )
    )
    if decided is None:
        return
    tag = a.el.tag if isinstance(a.el.tag, str) else "element"
    attr = "rel" if a.kind == "link" else ("itemprop" if a.el.get("itemprop") else "property")
    source = f"html:{tag}[{attr}=license]" if a.machine else f"html:{tag}[href]"
    what = "rel=license" if a.machine else "a licensing statement's link"
    found.unrecognised.append(
        _Claim(
            lic,
            decided.scope,
            f"{what} points to a document that is not a known licence; {decided.reason}",
            source,
            page.xpath_of(a.el),
            target + (f" — “{ctx_text[:200]}”" if ctx_text else ""),
            "dom",
            _STRENGTH["machine"],
        )
    )
