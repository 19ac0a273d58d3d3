"""Licence statements in the body.

Candidate blocks (licence links, microdata/RDFa properties, visible text naming a licence),
where each sits on the page, and the analysis of each block.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

from filters.html import ParsedPage
from filters.license.common import (
    _BADGE_XPATH,
    _LICENSE_RELS,
    _LINK_HREF,
    _LINK_REL,
    _PROP_XPATH,
    _STRENGTH,
    MAX_BLOCKS,
    MAX_COLLECTED_BLOCKS,
    MAX_COMMENT_BLOCKS,
    MAX_TEXT_NODES,
    TEXT_KEYWORDS,
    _abs,
    _Claim,
    _Found,
    _rel_tokens,
    _Reservation,
    body_text_nodes,
)
from filters.license.jsonld import (
    ld_nodes,
    type_name,
)
from filters.license.microdata import _about_media, _microdata_owner
from filters.license.names import find_license_names, lower_same_length
from filters.license.regions import (
    CHROME,
    CLASSIFY_MAX_DEPTH,
    MAIN_MAX_PARAGRAPHS,
    Placement,
    Region,
    block_text,
    main_container,
    sentence_bounds,
    statement_block,
)
from filters.license.repository import Repository, repository_page
from filters.license.spdx import CC_UNSPECIFIED, MAX_NAME_CHARS, license_url_to_spdx, normalize_url
from filters.license.statements import (
    _LICENSE_DOC,
    _Anchor,
    _context,
    _decide,
    _fold,
    _media_credit,
    _placement,
    _Scoped,
    _Statement,
    _strip_spans,
)
from filters.license.text import (
    DUAL,
    coverage,
    grant_cue,
    reservations,
    subject,
)
from filters.license.unrecognised import _unrecognised_statement
from filters.results import Scope, excerpt


def _analyse_block(
    page: ParsedPage,
    block: Any,
    anchors: list[_Anchor],
    found: _Found,
    bid: int,
    main: Any,
    regions: dict[int, Any],
    block_place: Placement,
    nested_blocks: tuple[Any, ...] = (),
    user_content: str = "",
    repository: Repository | None = None,
) -> None:
    links = list(block.iter("a", "area")) if hasattr(block, "iter") else []
    anchor_ids = {id(a.el) for a in anchors}
    # Statements nested in this one are read on their own: their text is skipped here so a
    # licence named there is not counted twice.
    nested = list(nested_blocks)
    targets = [a.el for a in anchors] + [a for a in links if id(a) not in anchor_ids] + nested
    capped: list[str] = []
    text, spans = block_text(block, targets, capped=capped)
    if len(text) > MAX_NAME_CHARS:
        capped.append(f"licence names past the first {MAX_NAME_CHARS} characters")
    for what in capped if block_place.region != Region.COMMENT else ():
        found.cap(
            f"{what} in the statement at {page.xpath_of(block)}",
            "filters._regions.block_text / filters.spdx.MAX_NAME_CHARS",
        )
    nested_spans = [spans[id(b)] for b in nested if id(b) in spans]
    if not text.strip() and not anchors:
        return
    low = lower_same_length(text)
    mentions = [
        m
        for m in find_license_names(low, normalized=True)
        if not any(s <= m.start and m.end <= e for s, e in nested_spans)
    ]
    # Links to non-licence pages whose text is a licence name are navigation labels ("GFDL
    # Lizenz", "Rechte & Lizenzen"), not statements, unless their sentence grants something.
    label_spans = [spans[id(a)] for a in links if id(a) not in anchor_ids and id(a) in spans]

    used: set[int] = set()
    items: list[_Statement] = []
    unknown: list[_Anchor] = []
    licensed_links = {id(a.el) for a in anchors if a.kind == "link" and a.lic is not None}
    for a in anchors:
        span = spans.get(id(a.el), (0, 0))
        inside = [i for i, m in enumerate(mentions) if m.start < span[1] and m.end > span[0]]
        used.update(inside)
        if a.kind == "badge":
            parent_link = next(a.el.iterancestors("a"), None)
            if parent_link is not None and id(parent_link) in licensed_links:
                continue  # the badge of a licence link: the link's URL names the licence
        lic = a.lic
        if lic is None and inside:
            lic = mentions[inside[0]].license
        if lic is None:
            # rel=license, or a link to a licence document ("/LICENSE"), naming no known
            # licence: scoped below, like any statement, by place and wording.
            unknown.append(a)
            continue
        if a.kind == "prop":
            source = (
                f"html:{a.el.tag}[{'itemprop' if a.el.get('itemprop') else 'property'}=license]"
            )
        elif a.kind == "badge":
            source = "html:img[src] (licence badge)"
        else:
            source = f"html:{a.el.tag}[rel=license]" if a.machine else f"html:{a.el.tag}[href]"
        strength = _STRENGTH["machine"] if a.machine or a.kind == "prop" else _STRENGTH[a.kind]
        owner = _microdata_owner(a.el)[0] if a.el.get("itemprop") else ""
        items.append(
            _Statement(
                lic,
                a.el,
                a.kind,
                a.machine,
                source,
                page.xpath_of(a.el),
                a.url,
                strength,
                owner,
                [span],
            )
        )
    for i, m in enumerate(mentions):
        if i in used:
            continue
        if any(s <= m.start and m.end <= e for s, e in label_spans):
            cs, ce = sentence_bounds(low, m.start, m.end)
            if not grant_cue(low[cs:ce]):
                continue
        items.append(
            _Statement(
                m.license,
                block,
                "text",
                False,
                "text",
                page.xpath_of(block),
                "",
                _STRENGTH["text"],
                "",
                [(m.start, m.end)],
            )
        )
    groups = _fold(items)
    media = _media_credit(block, links)
    media_link = media.startswith("links")
    families = {g.lic.family for g in groups if g.lic.spdx != CC_UNSPECIFIED}
    all_spans = [sp for g in groups for sp in g.spans]
    for g in groups:
        placement = _placement(g.el, main, regions) if g.el is not block else block_place
        ranges: list[tuple[int, int]] = []
        for span in g.spans:
            r = _context(text, low, span, [o for o in all_spans if o not in g.spans])
            if r not in ranges:
                ranges.append(r)
        ranges = [r for r in ranges if low[r[0] : r[1]].strip()] or ranges[:1]
        ctx = " … ".join(low[s:e] for s, e in ranges)
        ctx_text = " … ".join(text[s:e].strip() for s, e in ranges)
        if (
            len(low) <= 600
            and len(groups) == 1
            and not re.search(r"[^\W\d_]{3}", _strip_spans(low, ranges, g.spans))
        ):
            ctx, ctx_text = low, text  # the licence alone on its line: read the whole statement
        statement = low if len(low) <= 600 else low[max(0, ranges[0][0] - 300) : ranges[-1][1]]
        about = _about_media(g.el)
        decided = (
            _Scoped(Scope.PART, f"RDFa about= names a media file ({about})")
            if about
            else _decide(
                placement,
                g.lic,
                g.kind,
                g.machine,
                ctx,
                statement,
                g.owner,
                media if media_link or not (coverage(ctx)[0] or subject(statement)[0]) else "",
                g.url,
                user_content,
                repository,
            )
        )
        if decided is None:
            continue
        scope, reason, portion = decided
        if len(families) >= 3 and scope != Scope.PART and coverage(ctx)[0] != "text":
            # Many licences side by side, none said to be the text's: a list or an
            # explainer ("the six CC licences"), not a grant.
            scope, reason = (
                Scope.PART,
                (
                    f"one of {len(families)} different licences named together, none of them "
                    f"said to cover the text (a list or an explainer) ({placement.describe()})"
                ),
            )
        raw = (
            g.url + (f" — “{ctx_text.strip()[:200]}”" if ctx_text.strip() else "")
            if g.url
            else ctx_text.strip()
        )
        claim = _Claim(
            g.lic, scope, reason, g.source, g.locator, raw, "dom", g.strength, bid, portion=portion
        )
        for other in groups:
            if other is g:
                continue
            for sp in g.spans:
                for osp in other.spans:
                    lo, hi = sorted((sp, osp))
                    if 0 <= hi[0] - lo[1] <= 12 and DUAL.search(low[lo[1] : hi[0]]):
                        claim.dual_with.add(other.lic.spdx)
        found.claims.append(claim)
    for a in unknown:
        _unrecognised_statement(
            page, a, block, text, low, spans, found, main, regions, block_place, media, user_content
        )

    for start, end, words in reservations(low):
        s, e = sentence_bounds(low, start, end)
        if block_place.region not in CHROME | {Region.MAIN} or coverage(low[s:e])[0] == "part":
            continue
        level = "page" if block_place.region == Region.MAIN else "site"
        found.reserved.append(
            _Reservation(
                level,
                "text",
                page.xpath_of(block),
                text[s:e].strip(),
                f"'{words}' in the {block_place.describe()}",
            )
        )


def _candidate_text(nodes: list[tuple[str, Any, bool]]) -> list[tuple[str, Any, bool]]:
    """Return the text nodes (:func:`body_text_nodes`) containing a :data:`TEXT_KEYWORDS` word.

    Found with one lower-casing and a few substring searches over all the text joined, not a
    regular expression per node (that cost more than the rest of the detector on news pages).
    """
    if not nodes:
        return []
    lowered = [n[0].lower() for n in nodes]  # per node: lower() may change a length ("İ")
    joined = "\x00".join(lowered)
    starts: list[int] = []
    pos = 0
    for n in lowered:
        starts.append(pos)
        pos += len(n) + 1
    hit: set[int] = set()
    for key in TEXT_KEYWORDS:
        i = joined.find(key)
        while i >= 0:
            j = bisect.bisect_right(starts, i) - 1
            hit.add(j)
            i = joined.find(key, starts[j + 1] if j + 1 < len(starts) else len(joined))
    return [nodes[j] for j in sorted(hit)]


#: schema.org types of a page whose main content is written by its users (a Q&A or forum
#: thread): there, "user contributions licensed under …" names the main text itself.
_USER_CONTENT_TYPES = frozenset({"qapage", "discussionforumposting"})
_ITEMTYPE_XPATH = "//*[@itemtype]/@itemtype"


def _user_content(page: ParsedPage) -> str:
    """Say how the page declares itself user-contributed (``"microdata QAPage"``), or ""."""
    for node in ld_nodes(page):
        hit = node.types & _USER_CONTENT_TYPES
        if hit and not (node.parent_types - {"webpage"}):
            return f"JSON-LD {min(hit)}"
    for value in page.xpath(_ITEMTYPE_XPATH):  # no cap: a missed QAPage changes scopes
        for item in str(value).split():
            local = type_name(item)
            if local.lower() in _USER_CONTENT_TYPES:
                return f"microdata {local}"
    return ""


def _licence_links(page: ParsedPage) -> list[Any]:
    """``<a>``/``<area>`` with an href in the body whose href or rel looks like a licence."""
    out: list[Any] = []
    links = page.body_links()  # body.iter("a", "area") of the one body, from the shared walk
    walks = [links] if links is not None else [b.iter("a", "area") for b in page.xpath("//body")]
    for walk in walks:
        for el in walk:
            href = el.get("href")
            if href is None:
                continue
            if "%" in href or "\\" in href or "/." in href:
                href = normalize_url(href)  # "creative%63ommons.org/%6Cicenses/…" is one
            if _LINK_HREF.search(href) or _LINK_REL.search(el.get("rel") or ""):
                out.append(el)
    return out


def _from_body(page: ParsedPage, found: _Found) -> None:
    groups: dict[int, tuple[Any, list[_Anchor]]] = {}

    def add(el: Any, anchor: _Anchor | None) -> None:
        block = statement_block(el)
        key = id(block)
        if key not in groups:
            if len(groups) >= MAX_COLLECTED_BLOCKS:
                found.cap(
                    f"licence statements after the {MAX_COLLECTED_BLOCKS}th",
                    f"filters.license.MAX_COLLECTED_BLOCKS={MAX_COLLECTED_BLOCKS}",
                )
                return
            groups[key] = (block, [])
        if anchor is not None:
            groups[key][1].append(anchor)

    for el in _licence_links(page):
        href = el.get("href") or ""
        url = _abs(page, href)
        lic = license_url_to_spdx(url)
        machine = bool(_rel_tokens(el) & _LICENSE_RELS)
        document = bool(_LICENSE_DOC.search(url.split("?")[0].split("#")[0]))
        if lic is None and not machine and not document:
            continue
        add(el, _Anchor(el, "link", lic, machine, href))
    for el in page.xpath(_PROP_XPATH):
        attrs = " ".join(el.get(a) or "" for a in ("rel", "property", "itemprop"))
        if el.tag in {"a", "area"} or "icense" not in attrs.lower():
            continue
        if not (_rel_tokens(el) & _LICENSE_RELS):
            continue
        value = el.get("href") or el.get("resource") or el.get("content") or el.get("src") or ""
        lic = license_url_to_spdx(_abs(page, value)) if value else None
        add(el, _Anchor(el, "prop", lic, True, value or excerpt(el.text_content(), 120)))
    for el in page.xpath(_BADGE_XPATH):
        src = el.get("src") or el.get("data-src") or ""
        lic = license_url_to_spdx(_abs(page, src))
        if lic is not None:
            add(el, _Anchor(el, "badge", lic, False, src))
    candidates = _candidate_text(body_text_nodes(page))
    if len(candidates) > MAX_TEXT_NODES:
        found.cap(
            f"text nodes with licence words after the {MAX_TEXT_NODES}th",
            f"filters.license.MAX_TEXT_NODES={MAX_TEXT_NODES}",
        )
    for _, parent, tail in candidates[:MAX_TEXT_NODES]:
        if parent is None:
            continue
        skip = {"script", "style", "template"}
        if not tail and isinstance(parent.tag, str) and parent.tag.lower() in skip:
            continue
        add(parent, None)
    cache: list[Any] = []

    def main() -> Any:
        if not cache:
            cache.append(main_container(page.tree))
            if len(page.xpath("//body//p")) > MAIN_MAX_PARAGRAPHS:
                # Which block is the article decides page, site or part for every statement.
                found.cap(
                    f"paragraphs after the {MAIN_MAX_PARAGRAPHS}th when finding the article "
                    "(no article/main markup)",
                    f"filters._regions.MAIN_MAX_PARAGRAPHS={MAIN_MAX_PARAGRAPHS}",
                )
        return cache[0]

    regions: dict[int, Any] = {}
    nested: dict[int, list[Any]] = {}
    for block, _ in groups.values():  # which statements sit inside which (read once each)
        for ancestor in block.iterancestors():
            if id(ancestor) in groups and groups[id(ancestor)][0] is ancestor:
                nested.setdefault(id(ancestor), []).append(block)
    for block, anchors in groups.values():
        for el in (block, *(a.el for a in anchors)):
            if sum(1 for _ in el.iterancestors()) >= CLASSIFY_MAX_DEPTH:
                # A comment or caption marked above the ancestors read would go unseen.
                found.cap(
                    f"the ancestry of statements nested over {CLASSIFY_MAX_DEPTH} levels deep "
                    "(their region)",
                    f"filters._regions.CLASSIFY_MAX_DEPTH={CLASSIFY_MAX_DEPTH}",
                )
                break
    comments = 0
    analysed = 0
    user_content = _user_content(page) if groups else ""
    repository = repository_page(page) if groups else None
    for bid, (block, anchors) in enumerate(groups.values()):
        place = _placement(block, main, regions)
        if place.region == Region.COMMENT:
            # Reader comments never license the text (see MAX_COMMENT_BLOCKS); a few are kept
            # as evidence of "part", the rest of a long thread about licences is not read.
            comments += 1
            if comments > MAX_COMMENT_BLOCKS:
                continue
        else:
            analysed += 1
            if analysed > MAX_BLOCKS:
                found.cap(
                    f"licence statements after the {MAX_BLOCKS}th (outside reader comments)",
                    f"filters.license.MAX_BLOCKS={MAX_BLOCKS}",
                )
                break
        _analyse_block(
            page,
            block,
            anchors,
            found,
            bid,
            main,
            regions,
            place,
            tuple(nested.get(id(block), ())),
            user_content,
            repository,
        )
