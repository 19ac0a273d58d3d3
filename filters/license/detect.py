"""Licence detection: which licence covers the page's main text, and why.

Signals read (``shared/reference/licenses.md`` §1), each kept as a :class:`LicenseHit` with its
evidence (source, locator, raw URL or text) and the reason for its scope:

1. HTTP ``Link: <…>; rel="license"`` header and ``<link rel="license">`` in ``<head>`` — the HTML
   link type means "licence of the main content", so **page**.
2. Document metadata: Dublin Core / DCMI ``<meta name="DC.rights" | "DCTERMS.license" |
   "DC.rights.license" | …>`` (prefixes case-insensitive; URL or free text; ``content`` or the
   ``value`` some tools write) and RDFa ``cc:license``/``dct:license``/``xhv:license`` in the head —
   **page**.
3. JSON-LD ``license`` anywhere in the graph (``@graph``, ``mainEntity``, ``hasPart``, lists,
   string or object values). Scope from the node: the article/web page → page, ``WebSite``/
   ``Blog`` → site, an ``ImageObject``, a ``hasPart`` element or any object reached through
   ``image``, ``citation``, ``itemListElement``, ``author``… → part.
4. Microdata ``itemprop="license"`` and RDFa licence properties in the body, ``rel="license"``
   on ``<a>``/``<area>``, any link to a licence URL, licence badge images
   (``i.creativecommons.org/l/by-sa/3.0/de/88x31.png``, ``licensebuttons.net``), and licence
   names in visible text (:func:`filters.license.spdx.find_license_names`, six languages). These are
   read *per statement* (the nearest block around them): the region of the page
   (:func:`filters.license.regions.classify`: head, article, figure caption, reader comment, quotation,
   code, teaser, footer, sidebar, navigation, script) together with what the statement's words
   say it covers (:mod:`filters.license.text`) decide page, site or part. extruct-style RDFa
   triples are not used because they lose the DOM position.
5. Licence URLs inside ``<script>`` (map-tile attribution, widget credits) — always part.

Part, whatever the region: captions and credits (``<figcaption>``, ``wp-caption``, a statement
right after a content picture or linking a file page on Wikimedia Commons/Flickr/…), reader
comments, quotations, code, teasers for other pages, statements whose subject is not the text
("Die Bilder in diesem Blog", "Alle Fotos", "user contributions", "Lightbox2", "map data",
"this file"), someone else's licence ("their creative commons licence", "Wikipedia's text").
"User contributions licensed under …" is part too, except on a page whose main content is itself
user-contributed (schema.org ``QAPage`` or ``DiscussionForumPosting``), where it names the text.
In the article itself a licence counts for the page only when it is granted for it: rel=license
or microdata, a "Licence:" line, "this article/Dieser Text …", or a short grant that names no
other subject; a licence discussed in prose (an article *about* licences), credited without a
grant, or a software licence named in documentation is part. Three or more different licences
in one statement with none said to be the text's are a list or an explainer (part). In site
chrome (footer, sidebar, navigation, header, anything outside the article) a statement is
site-wide unless it names "this page"; a link whose text is a licence name but whose target is
not a licence (a menu entry "GFDL Lizenz") is a navigation label, not a statement.

Aggregation (§3): the most specific statement that covers the main text wins (page over site);
a page-level "all rights reserved" in the article beats a site licence; the same level stating
both a licence and a reservation, or two licences that cannot be ranked, is ``ambiguous`` (the
default policy excludes it). Several rankable licences for the text → the most restrictive,
unless the statement says "A or B" (dual licence, reported as ``A OR B``). An unversioned text
mention takes its version from a link to the same licence family; otherwise it stays
``LicenseRef-…-unversioned``, which the default policy does not allow (fail closed). Third-party
text inside the main text ("Die Textausschnitte stammen zum Teil aus Wikipedia … unter CC BY-SA")
is licensed by its own statement, not the site's: that statement is part-level, but its licence
joins the text's (the most restrictive governs), and when its version is not stated or it cannot
be ranked, part of the text's terms are unknown → ``ambiguous``.

A licence statement whose target is not a known licence (``<link rel=license>`` to a site's own
terms page, a JSON-LD ``license`` naming nothing recognised) is kept as an *unrecognised* hit
with the scope its place gives it; at page or site scope it makes the finding ``ambiguous``:
the text is under terms nobody has read (clearcrawl issue 11 item 18). Licence URLs are
normalised (RFC 3986 §6.2.2, :func:`filters.license.spdx.normalize_url`) before they are classified.

Bad input: no tree (empty, not HTML, unparsable) → ``spdx=None`` with the parser's note as the
reason. Work is capped (bytes parsed, statements, text nodes, JSON-LD nodes, characters per
statement) so a huge page costs a bounded amount; a cap that leaves part of the page unread
makes the finding ``ambiguous`` with a hit naming the cap (``LicenseRef-not-read``), because a
statement in the unread part could be the one that governs (clearcrawl issue 11 item 17; Nutch
likewise skips truncated documents). Caps that only skip what can never license the main text
(reader comments, scripts) or only shorten the evidence list stay silent; each says why.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import urljoin

from filters.html import MAX_PARSE_BYTES, ParsedPage
from filters.license.jsonld import (
    FOREIGN_KEYS,
    PAGE_TYPES,
    SITE_TYPES,
    ld_caps,
    ld_nodes,
    ld_strings,
    type_name,
)
from filters.license.regions import (
    CHROME,
    CLASSIFY_MAX_DEPTH,
    MAIN_MAX_PARAGRAPHS,
    Placement,
    Region,
    block_text,
    classify,
    main_container,
    sentence_bounds,
    statement_block,
)
from filters.license.spdx import (
    CC_UNSPECIFIED,
    MAX_NAME_CHARS,
    PUBLIC_DOMAIN_TEXT,
    LicenseId,
    find_license_names,
    license_url_to_spdx,
    lower_same_length,
    normalize_url,
)
from filters.license.text import (
    CLAUSE_SEP,
    DUAL,
    USER_CONTRIBUTIONS,
    coverage,
    grant_cue,
    reservations,
    subject,
    third_party,
)
from filters.license.text import (
    GRANT as GRANT_RE,
)
from filters.license.text import (
    TEXT_WORDS as TEXT_WORDS_RE,
)
from filters.results import Evidence, LicenseFinding, LicenseHit, Scope, excerpt

#: Caps on the work done per page (the crawl keeps the full body; detection reads a bounded part).
#: Hitting one of the first four leaves statements unread: the finding becomes ambiguous.
MAX_TEXT_NODES = 3000
MAX_BLOCKS = 300  # statements analysed outside reader comments
MAX_COLLECTED_BLOCKS = 2000  # distinct statements gathered (reader comments included)
MAX_LICENSE_VALUES = 20  # values of one JSON-LD ``license`` property
#: Reader comments never license the main text (:func:`_decide` gives them ``part`` whatever
#: they say, and a reservation in a comment is not counted), so reading only the first few is
#: enough to show "part" as evidence: skipping the rest cannot hide a rights signal.
MAX_COMMENT_BLOCKS = 5
#: Only shorten the evidence list; the finding is computed from every statement read.
MAX_HITS = 40
#: Licence URLs inside ``<script>`` are always ``part`` (map tiles, widgets): skipping more of
#: them cannot change the finding.
MAX_SCRIPT_HITS = 3

UNRECOGNISED = "LicenseRef-unrecognised"
ALL_RIGHTS_RESERVED = "LicenseRef-All-Rights-Reserved"
#: The id of the hit recording a work cap that left part of the page unread.
NOT_READ = "LicenseRef-not-read"

_UP = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LO = "abcdefghijklmnopqrstuvwxyz"
#: Cheap pre-filter for text worth reading: only text nodes containing one of these (lower
#: case) are examined, so a long article without licence words costs a few substring searches.
TEXT_KEYWORDS = (
    "creative",
    "licen",
    "lizenz",
    "cc by",
    "cc-by",
    "cc\u00a0by",
    "cc0",
    "public domain",
    "gemeinfrei",
    "domaine public",
    "dominio p",
    "pubblico dominio",
    "publiek domein",
    "gnu free",
    "gfdl",
    "reserv",
    "réserv",
    "vorbehalten",
    "riservati",
    "voorbehouden",
    "zastrze",
    "無断転載",
)
#: Text nodes outside script/style (this form is about twice as fast as a parent:: predicate).
_TEXT_XPATH = "//body//*[not(self::script or self::style or self::template)]/text() | //body/text()"
#: Links worth reading as licence statements: the target looks like a licence, or rel names one.
#: Matched in Python over ``<a>``/``<area>`` in the body (4× faster than the same XPath).
_LINK_HREF = re.compile(
    r"creativecommons|licen|LICEN|Licen|gnu\.org/|unlicense|COPYING|opendatacommons|dl-de|wtfpl"
)
_LINK_REL = re.compile(r"icense|ICENSE")
_PROP_XPATH = "//body//*[@property or @itemprop or @rel]"
_BADGE_XPATH = (
    "//body//img[contains(@src,'creativecommons.org/') or contains(@src,'licensebuttons.net')"
    " or contains(@data-src,'creativecommons.org/') or contains(@data-src,'licensebuttons.net')"
    " or contains(@src,'%') or contains(@data-src,'%')]"  # percent-encoded: URL decides
)
_SCRIPT_XPATH = (
    "//script[not(contains(translate(@type,'LDJSON','ldjson'),'ld+json'))]"
    "[contains(.,'creativecommons.org/licenses') or contains(.,'creativecommons.org/publicdomain')]"
)
_SCRIPT_URL = re.compile(
    r"(?:https?:)?(?:\\?/){2}(?:www\.)?creativecommons\.org(?:\\?/)(?:licenses|publicdomain)"
    r"(?:[a-z0-9.+\-/]|\\/)+",
    re.IGNORECASE,
)

_LICENSE_RELS = frozenset(
    {
        "license",
        "cc:license",
        "dct:license",
        "dcterms:license",
        "xhv:license",
        "dcterms.license",
        "dc.license",
        "dc:license",
        "http://creativecommons.org/ns#license",
        "http://purl.org/dc/terms/license",
        "http://www.w3.org/1999/xhtml/vocab#license",
    }
)
_META_LICENSE = re.compile(
    r"^(?:(?:dc|dcterms|dct|dc\.terms)[.:](?:rights(?:\.license|\.uri)?|license|licence|accessrights)"
    r"|license|licence|rights|cc:license|xhv:license|og:license|citation_license|schema\.license)$"
)
_META_COPYRIGHT = re.compile(
    r"^(?:copyright|dc[.:]copyright|dcterms[.:]rightsholder|rights-standard)$"
)
_MEDIA_FILE = re.compile(
    r"\.(?:jpe?g|png|gif|webp|svg|tiff?|mp3|mp4|ogg|webm|wav|pdf)(?:$|[?#])", re.IGNORECASE
)

#: Rank for "most restrictive wins" (higher = more restrictive); families not listed can't be ranked.
_RESTRICTIVENESS = {
    "CC0": 0,
    "CC-PDM": 0,
    "PD": 0,
    "CC-PDDC": 0,
    "CC-BY": 1,
    "CC-BY-SA": 2,
    "CC-BY-NC": 3,
    "CC-BY-NC-SA": 4,
    "CC-BY-ND": 5,
    "CC-BY-NC-ND": 6,
}
_STRENGTH = {"machine": 4, "link": 3, "badge": 2, "text": 1}


@dataclass(slots=True)
class _Claim:
    lic: LicenseId
    scope: Scope
    reason: str
    source: str
    locator: str
    raw: str
    level: str  # "head" (document metadata), "jsonld", "dom", "script"
    strength: int = 1
    block: int = 0
    dual_with: set[str] = field(default_factory=set)
    portion: bool = False  # licenses third-party material inside the main text (see _Scoped)
    #: For an unrecognised target: the licence the page's own link text names for it.
    named: str = ""

    def hit(self) -> LicenseHit:
        note = self.reason + (f"; {self.lic.note}" if self.lic.note else "")
        return LicenseHit(
            spdx=self.lic.spdx,
            url=self.lic.url,
            scope=self.scope,
            scope_reason=self.reason,
            evidence=Evidence(
                source=self.source, locator=self.locator, excerpt=excerpt(self.raw), note=note
            ),
        )


@dataclass(slots=True)
class _Reservation:
    level: str  # "page" (in the article), "site" (chrome), "head" (document metadata)
    source: str
    locator: str
    raw: str
    reason: str

    def hit(self) -> LicenseHit:
        scope = {"page": Scope.PAGE, "site": Scope.SITE}.get(self.level, Scope.PAGE)
        return LicenseHit(
            spdx=ALL_RIGHTS_RESERVED,
            url=None,
            scope=scope,
            scope_reason=self.reason,
            evidence=Evidence(
                source=self.source,
                locator=self.locator,
                excerpt=excerpt(self.raw),
                note=self.reason,
            ),
        )


@dataclass(slots=True)
class _Found:
    claims: list[_Claim] = field(default_factory=list)
    reserved: list[_Reservation] = field(default_factory=list)
    unrecognised: list[_Claim] = field(default_factory=list)
    #: Work caps hit, as ``what was not read → cap`` (insertion-ordered, no repeats).
    caps: dict[str, str] = field(default_factory=dict)

    def cap(self, what: str, cap: str) -> None:
        """Record that ``cap`` (``"filters.license.MAX_BLOCKS=300"``) left ``what`` unread."""
        self.caps.setdefault(what, cap)


def _cap_hit(what: str, cap: str) -> LicenseHit:
    reason = (
        f"work cap hit: {what}; a licence or reservation there was not read, so the finding "
        "is ambiguous (fail closed)"
    )
    return LicenseHit(
        spdx=NOT_READ,
        url=None,
        scope=Scope.PAGE,
        scope_reason=reason,
        evidence=Evidence(source="detector:work-cap", locator=cap, excerpt=what, note=reason),
    )


# -- sources -----------------------------------------------------------------------------------


def _abs(page: ParsedPage, href: str) -> str:
    href = (href or "").strip()
    if page.url and href and not href.startswith(("http:", "https:", "//")):
        try:
            return urljoin(page.url, href)
        except ValueError:
            return href
    return href


def _rel_tokens(el: Any) -> set[str]:
    return {
        t.lower()
        for t in " ".join(el.get(a) or "" for a in ("rel", "property", "itemprop")).split()
    }


def _from_headers(page: ParsedPage, found: _Found) -> None:
    for value in page.header_values("Link"):
        for part in value.split(","):
            m = re.match(r"\s*<([^>]*)>(.*)", part)
            if not m or not re.search(
                r"rel\s*=\s*\"?[^\";]*\blicense\b", m.group(2), re.IGNORECASE
            ):
                continue
            lic = license_url_to_spdx(_abs(page, m.group(1)))
            claim = _Claim(
                lic or LicenseId(UNRECOGNISED, "?", None, _abs(page, m.group(1))),
                Scope.PAGE,
                "HTTP Link header rel=license: names the licence of this resource",
                "header:Link",
                "Link",
                m.group(1),
                "head",
                _STRENGTH["machine"],
            )
            (found.claims if lic else found.unrecognised).append(claim)


def _from_head(page: ParsedPage, found: _Found) -> None:
    for el in page.xpath("//head//*[@href][@rel or @property]"):
        if not (_rel_tokens(el) & _LICENSE_RELS):
            continue
        href = el.get("href") or ""
        lic = license_url_to_spdx(_abs(page, href))
        reason = (
            "<link rel=license> in <head>: the HTML link type names the licence of the "
            "document's main content"
        )
        claim = _Claim(
            lic or LicenseId(UNRECOGNISED, "?", None, _abs(page, href)),
            Scope.PAGE,
            reason,
            f"html:{el.tag}[rel=license]",
            page.xpath_of(el),
            href,
            "head",
            _STRENGTH["machine"],
        )
        (found.claims if lic else found.unrecognised).append(claim)
    metas = [(key, content, el) for key, content, el in page.metas]
    metas += [
        (k.strip().lower(), el.get("value") or "", el)
        for el in page.xpath("/html/head/meta[@value][not(@content)]")
        for k in [el.get("name") or el.get("property") or ""]
        if k
    ]
    seen: set[int] = set()
    for key, _content, el in metas:
        is_license = bool(_META_LICENSE.match(key))
        if (not is_license and not _META_COPYRIGHT.match(key)) or id(el) in seen:
            continue
        seen.add(id(el))
        if el.get("itemprop") and el.xpath("ancestor::*[@itemscope]"):
            continue  # microdata: read with its item in the body pass
        content = (_content or "").strip()
        if not content:
            continue
        source = f"html:meta[{'name' if el.get('name') else 'property' if el.get('property') else 'itemprop'}={el.get('name') or el.get('property') or el.get('itemprop')}]"
        locator = page.xpath_of(el)
        where = "<head>" if el.xpath("ancestor::head") else "the page"
        lic = (
            license_url_to_spdx(_abs(page, content))
            if is_license and re.match(r"^(?:https?:)?//|^[\w.-]+\.[a-z]{2,}/", content)
            else None
        )
        if lic is not None:
            found.claims.append(
                _Claim(
                    lic,
                    Scope.PAGE,
                    f"document metadata <meta {key}> in {where} names the licence of this document",
                    source,
                    locator,
                    content,
                    "head",
                    _STRENGTH["machine"],
                )
            )
            continue
        if len(content) > MAX_NAME_CHARS:
            found.cap(
                f"<meta {key}> content past its first {MAX_NAME_CHARS} characters",
                f"filters.spdx.MAX_NAME_CHARS={MAX_NAME_CHARS}",
            )
        low = lower_same_length(content)
        named = 0
        for res in reservations(low):
            named += 1
            found.reserved.append(
                _Reservation(
                    "head",
                    source,
                    locator,
                    content,
                    f"document metadata <meta {key}> reserves rights ('{res[2]}')",
                )
            )
        for mention in find_license_names(content):
            named += 1
            if mention.license.spdx in {PUBLIC_DOMAIN_TEXT, CC_UNSPECIFIED} and not is_license:
                continue
            found.claims.append(
                _Claim(
                    mention.license,
                    Scope.PAGE,
                    f"document metadata <meta {key}> in {where} names a licence in text",
                    source,
                    locator,
                    content,
                    "head",
                    _STRENGTH["text"],
                )
            )
        if not named and is_license and _URL_VALUE.match(content):
            # A licence field naming a document that is not a known licence (a site's own
            # terms page): the text is under terms we cannot read.
            found.unrecognised.append(
                _Claim(
                    LicenseId(UNRECOGNISED, "?", None, content),
                    Scope.PAGE,
                    f"document metadata <meta {key}> in {where} names a document that is not a "
                    "known licence",
                    source,
                    locator,
                    content,
                    "head",
                    _STRENGTH["machine"],
                )
            )


_URL_VALUE = re.compile(r"^(?:https?:)?//\S+$|^[\w.-]+\.[a-z]{2,}/\S*$", re.IGNORECASE)


def _jsonld_scope(keys: tuple[str, ...], types: frozenset[str]) -> tuple[Scope, str]:
    lowered = [k.lower() for k in keys]
    foreign = next((k for k in lowered if k in FOREIGN_KEYS), None)
    type_name = "/".join(sorted(types)) or "untyped"
    if foreign:
        return (
            Scope.PART,
            f"JSON-LD license of a node reached through '{foreign}' ({type_name}), not of the page's text",
        )
    if "haspart" in lowered:
        return (
            Scope.PART,
            f"JSON-LD license on a hasPart element ({type_name}): covers that part only",
        )
    if "ispartof" in lowered:
        if types & SITE_TYPES:
            return Scope.SITE, f"JSON-LD license on the {type_name} the page is part of"
        return Scope.PART, f"JSON-LD license on an isPartOf node of type {type_name}"
    if types & PAGE_TYPES:
        return Scope.PAGE, f"JSON-LD license on the page's {type_name} node"
    if types & SITE_TYPES:
        return Scope.SITE, f"JSON-LD license on the {type_name} node (site-wide)"
    return Scope.PART, f"JSON-LD license on a {type_name} node, which is not the page's text"


def _from_jsonld(page: ParsedPage, found: _Found) -> None:
    nodes = ld_nodes(page)
    for what in ld_caps(page, "license"):
        found.cap(f"JSON-LD: {what}", "filters._license_jsonld")
    for ld in nodes:
        if "license" not in ld.node:
            continue
        scope, reason = _jsonld_scope(ld.keys, ld.types)
        values = ld_strings(ld.node["license"], limit=MAX_LICENSE_VALUES + 1)
        if len(values) > MAX_LICENSE_VALUES:
            found.cap(
                f"JSON-LD license values after the {MAX_LICENSE_VALUES}th ({ld.locator})",
                f"filters.license.MAX_LICENSE_VALUES={MAX_LICENSE_VALUES}",
            )
        for value in values[:MAX_LICENSE_VALUES]:
            value = value.strip()
            if not value:
                continue
            if len(value) > MAX_NAME_CHARS:
                found.cap(
                    f"JSON-LD license value past its first {MAX_NAME_CHARS} characters",
                    f"filters.spdx.MAX_NAME_CHARS={MAX_NAME_CHARS}",
                )
            lic = license_url_to_spdx(_abs(page, value))
            if lic is None:
                names = [
                    m.license
                    for m in find_license_names(value)
                    if m.license.spdx not in {PUBLIC_DOMAIN_TEXT}
                ]
                lic = names[0] if names else None
            locator = f"{ld.locator}.license"
            claim = _Claim(
                lic or LicenseId(UNRECOGNISED, "?", None, value),
                scope,
                reason,
                "jsonld:license",
                locator,
                value,
                "jsonld",
                _STRENGTH["machine"],
            )
            (found.claims if lic else found.unrecognised).append(claim)


def _from_scripts(page: ParsedPage, found: _Found) -> None:
    n = 0
    for el in page.xpath(_SCRIPT_XPATH):
        text = el.text or ""
        for m in _SCRIPT_URL.finditer(text[:500_000]):
            lic = license_url_to_spdx(m.group(0).replace("\\/", "/"))
            if lic is None:
                continue
            ctx = text[max(0, m.start() - 120) : m.end() + 40]
            found.claims.append(
                _Claim(
                    lic,
                    Scope.PART,
                    "licence URL inside a <script> (map-tile, widget or library attribution), not the page's text",
                    "html:script",
                    page.xpath_of(el),
                    ctx,
                    "script",
                    _STRENGTH["link"],
                )
            )
            n += 1
            if n >= MAX_SCRIPT_HITS:
                return


# -- statements in the body ------------------------------------------------------------------


@dataclass(slots=True)
class _Anchor:
    el: Any
    kind: str  # "link", "prop", "badge"
    lic: LicenseId | None
    machine: bool
    url: str


def _microdata_owner(el: Any) -> tuple[str, str]:
    """``(itemtype local name, itemprop of the item)`` of the item that owns ``el``'s property."""
    node = el.getparent()
    while node is not None:
        if node.get("itemscope") is not None:
            itemtype = (node.get("itemtype") or "").strip().split()
            name = type_name(itemtype[0]).lower() if itemtype else ""
            return name, (node.get("itemprop") or "").lower()
        node = node.getparent()
    return "", ""


def _about_media(el: Any) -> str | None:
    node = el
    for _ in range(8):
        if node is None:
            break
        about: str | None = node.get("about")
        if about and _MEDIA_FILE.search(about):
            return about
        node = node.getparent()
    return None


def _joined(low: str, a: int, b: int) -> bool:
    gap = re.sub(r"[\s,;/&+()\[\]|-]+", " ", low[a:b]).strip()
    return gap == "" or bool(DUAL.fullmatch(gap)) or gap in {"and", "und", "et", "y", "e", "en"}


def _context(
    text: str, low: str, span: tuple[int, int], others: list[tuple[int, int]]
) -> tuple[int, int]:
    """Return the bounds of the part of the statement that speaks about the licence at ``span``.

    The sentence around it; narrowed to its own clause when the sentence names several
    licences ("Texts CC BY-SA 4.0, photos CC BY-NC 2.0") or joins unrelated items with visual
    separators ("© 2020 X · Kommentare (RSS) · Sofern nicht anders angegeben …"). A clause that
    names nothing is widened to the clause before it ("Foto: X | Lizenz: CC BY 4.0").
    """
    s, e = sentence_bounds(low, span[0], span[1])
    # Licences joined by "or" / "/" ("[GFDL or CC-BY-SA-3.0], via Wikimedia Commons") share
    # one statement: only a neighbour with words of its own in between starts another clause.
    before = [
        o for o in others if o[1] <= span[0] and o[0] >= s and not _joined(low, o[1], span[0])
    ]
    after = [o for o in others if o[0] >= span[1] and o[1] <= e and not _joined(low, span[1], o[0])]
    if before:
        s = max(o[1] for o in before)
    if after:
        nxt = min(o[0] for o in after)
        cut = max((m.end() for m in re.finditer(r"[,;]\s", low[span[1] : nxt])), default=None)
        e = span[1] + cut if cut is not None else nxt
    seps = list(CLAUSE_SEP.finditer(low, s, e))
    if seps:
        left = [m for m in seps if m.end() <= span[0]]
        right = [m for m in seps if m.start() >= span[1]]
        cs = left[-1].end() if left else s
        ce = right[0].start() if right else e
        clause = low[cs:ce]
        if coverage(clause)[0] is None and subject(clause)[0] is None and len(left) >= 1:
            cs = left[-2].end() if len(left) >= 2 else s
        s, e = cs, ce
    return s, e


#: Software licences: named in an article they describe software, not the article's text.
_SOFTWARE = re.compile(r"^(?:MIT|Apache|BSD|0BSD|GPL|LGPL|AGPL|MPL|EPL|ISC|WTFPL|BSL|Unlicense)\b")
#: A link to a repository's own licence file ("…/blob/master/LICENSE.md"): on a repository page
#: that licence covers the files shown, README included.
_LICENCE_FILE = re.compile(
    r"(?:^|/)(?:licen[cs]e|copying|unlicense)(?:[.-][\w.-]*)?/?(?:[?#].*)?$", re.IGNORECASE
)
#: Pages of single media files on photo/media hosts: a statement linking one is a credit.
_MEDIA_HOSTS = re.compile(
    r"commons\.wikimedia\.org/wiki/(?:file|datei|fichier|archivo|image|bild):|flickr\.com/photos/"
    r"|unsplash\.com/(?:photos|@)|pixabay\.com/|pexels\.com/photo|gettyimages\.|istockphoto\.com"
    r"|shutterstock\.com/|500px\.com/photo",
    re.IGNORECASE,
)
_IMAGE_TAGS = frozenset({"img", "picture", "video", "figure", "svg"})


def _media_credit(block: Any, links: list[Any]) -> str:
    """Say why a statement is a picture/media credit, or "" (see :func:`_decide`).

    A link to a single-file page on a media host, or a statement standing right after an
    image in the same small container (``<img>`` + ``<div class="license-info">``).
    """
    for a in links:
        href = a.get("href") or ""
        m = _MEDIA_HOSTS.search(href)
        if m:
            return f"links the media file page {m.group(0).rstrip('/:')}"
    prev = block.getprevious()
    if prev is not None and isinstance(prev.tag, str) and _is_picture(prev):
        return f"stands right after an <{prev.tag}>"
    return ""


def _is_picture(el: Any) -> bool:
    """Tell whether ``el`` is (or only wraps) a content picture.

    Not a linked logo or button, not a licence badge, not a small icon.
    """
    tag = el.tag.lower() if isinstance(el.tag, str) else ""
    if tag == "img":
        src = (el.get("src") or "") + (el.get("data-src") or "")
        if (
            "creativecommons.org" in src
            or "licensebuttons" in src
            or re.search(r"(?:88|80)x(?:31|15)\.", src)
        ):
            return False
        width = el.get("width") or ""
        if width.isdigit():
            return int(width) >= 150
        # Unknown size: a linked image is more often a logo or button in a row of them.
        return next(el.iterancestors("a"), None) is None
    if tag in _IMAGE_TAGS:
        return True
    try:
        return len(el.text_content().strip()) < 5 and any(
            _is_picture(i) for i in el.iter("img", "picture", "video")
        )
    except (ValueError, TypeError):
        return False


_FILLER = re.compile(
    r"(?<![\w-])(?:is|are|was|were|be|been|ist|sind|wird|wurde|werden|est|sont|es|son|è|sono|wordt|zijn"
    r"|it|this|these|dies|dieses|ceci|cela|esto|questo|dit|all|alle|tout|todo|tutto|hier|here)(?![\w-])"
)


def _bare_grant(ctx: str) -> bool:
    """Tell whether a short grant names no subject of its own.

    "Licensed under CC BY 4.0.", "Text is available under …" are about the page; "Wikipedia
    is licensed under …" is about someone else's work.
    """
    cue = GRANT_RE.search(ctx)
    if cue is None:
        return False
    before = TEXT_WORDS_RE.sub(" ", _FILLER.sub(" ", ctx[: cue.start()]))
    return not re.search(r"[^\W\d_]{2}", before)


#: "Licence: CC BY 4.0" — a labelled licence line (the article's metadata, not prose).
_LABEL = re.compile(
    r"(?:^|[\s(])(?:license|licence|licensing|lizenz|licencia|licenza|licentie|licencja)\s*:"
)


def _chrome_name(p: Placement) -> str:
    return {
        Region.FOOTER: "site footer",
        Region.SIDEBAR: "sidebar",
        Region.NAV: "navigation",
        Region.HEADER: "site header",
        Region.BODY: "page chrome",
    }.get(p.region, p.region.value)


class _Scoped(NamedTuple):
    """The scope given to one licence statement, and why."""

    scope: Scope
    reason: str
    #: The statement licenses third-party material *inside* the main text (excerpts quoted
    #: from elsewhere): it does not license the text, but the text's terms must include it.
    portion: bool = False


def _decide(
    placement: Placement,
    lic: LicenseId,
    kind: str,
    machine: bool,
    ctx: str,
    statement: str,
    owner_type: str,
    media: str = "",
    target: str = "",
    user_content: str = "",
) -> _Scoped | None:
    """Scope of one licence statement; None when it is not a licence statement at all."""
    where = placement.describe()
    region = placement.region
    if lic.spdx == CC_UNSPECIFIED and not (machine or grant_cue(ctx)):
        return None  # "Creative Commons" named in passing is not a statement about anything
    if region == Region.SCRIPT:
        return _Scoped(Scope.PART, f"inside a script ({where})")
    if region == Region.COMMENT:
        return _Scoped(Scope.PART, f"inside a reader comment ({where})")
    if region == Region.CAPTION:
        return _Scoped(Scope.PART, f"in an image/media caption or credit ({where})")
    if region == Region.QUOTE:
        return _Scoped(Scope.PART, f"inside a quotation ({where})")
    if region == Region.CODE:
        return _Scoped(Scope.PART, f"inside a code block ({where})")
    if owner_type and owner_type not in PAGE_TYPES and owner_type not in SITE_TYPES:
        return _Scoped(
            Scope.PART,
            f"microdata license of a {owner_type} item, not of the page's text ({where})",
        )
    cov, word = coverage(ctx, user_content=bool(user_content))
    if cov == "text" and user_content and USER_CONTRIBUTIONS.fullmatch(word):
        name = _chrome_name(placement) if region != Region.MAIN else "article"
        return _Scoped(
            Scope.SITE,
            f"{name} statement licenses '{word}' and this page's main content is user-contributed "
            f"({user_content}) ({where})",
        )
    if cov == "excerpt":
        return _Scoped(
            Scope.PART,
            f"the statement is about third-party '{word}' within the text, not the text as a "
            f"whole ({where})",
            portion=True,
        )
    if cov == "part":
        return _Scoped(Scope.PART, f"the statement is about '{word}', not the text ({where})")
    other = third_party(ctx)
    if other:
        return _Scoped(Scope.PART, f"someone else's licence is talked about ('{other}') ({where})")
    if region == Region.TEASER:
        return _Scoped(Scope.PART, f"in a teaser for another page ({where})")
    cue = grant_cue(ctx)
    subj, words = subject(statement)
    if lic.spdx == CC_UNSPECIFIED and not (machine or cue):
        return None
    if lic.spdx == PUBLIC_DOMAIN_TEXT and not (cue and subj in {"page", "site", "work"}):
        return _Scoped(
            Scope.PART,
            f"'public domain' mentioned without stating that this page or site is ({where})",
        )
    grant = "rel=license" if machine else (f"'{cue}'" if cue else "")
    if owner_type in PAGE_TYPES:
        return _Scoped(Scope.PAGE, f"microdata license of the page's {owner_type} item ({where})")
    if owner_type in SITE_TYPES:
        return _Scoped(Scope.SITE, f"microdata license of the {owner_type} item ({where})")
    if media:
        return _Scoped(Scope.PART, f"a credit for a picture or media file ({media}) ({where})")
    if region == Region.MAIN:
        if _SOFTWARE.match(lic.spdx) and not machine and subj != "page":
            return _Scoped(
                Scope.PART,
                (
                    f"software licence named in the article: it licenses the software described, "
                    f"not this text ({where})"
                ),
            )
        if not grant:
            return _Scoped(
                Scope.PART,
                (
                    "licence named inside the article without a licensing statement "
                    f"(a mention or credit, not a grant) ({where})"
                ),
            )
        if subj == "site":
            return _Scoped(
                Scope.SITE, f"statement inside the content names the site ('{words}') ({where})"
            )
        if (
            machine
            or subj in {"page", "work"}
            or _LABEL.search(ctx)
            or (len(statement) <= 300 and _bare_grant(ctx))
        ):
            return _Scoped(Scope.PAGE, f"licensing statement for the article ({grant}) ({where})")
        return _Scoped(
            Scope.PART,
            (
                f"licence discussed in the article's prose ({grant}) without saying it is this "
                f"article's (no 'this article', no 'Licence:' line, no rel=license) ({where})"
            ),
        )
    if region == Region.HEAD:
        return _Scoped(Scope.PAGE, f"declared in the document head ({where})")
    # Site chrome (footer, sidebar, navigation, header, unclassified body).
    name = _chrome_name(placement)
    if subj == "page":
        return _Scoped(Scope.PAGE, f"{name} statement names '{words}' ({where})")
    if subj in {"site", "work"}:
        return _Scoped(Scope.SITE, f"{name} statement names '{words}' ({where})")
    if _SOFTWARE.match(lic.spdx) and not grant and not _LICENCE_FILE.search(target):
        # "GPL by the OTW" under a "Development" menu: the site's software, not its text.
        return _Scoped(
            Scope.PART,
            f"software licence named in the {name} without a licensing statement or a subject: "
            f"it licenses the site's software, not its text ({where})",
        )
    if region == Region.BODY and not (grant or kind in {"link", "badge"}):
        return None
    if (
        not grant
        and kind == "text"
        and not lic.versioned
        and lic.spdx != CC_UNSPECIFIED
        and region == Region.NAV
    ):
        return None
    basis = grant or (
        "licence link" if kind == "link" else "licence badge" if kind == "badge" else "licence name"
    )
    return _Scoped(
        Scope.SITE,
        f"{name} licence statement ({basis}) naming no narrower subject: site chrome is read "
        f"as site-wide ({where})",
    )


@dataclass(slots=True)
class _Statement:
    """One licence named in one statement: every place it is named there, folded together."""

    lic: LicenseId
    el: Any
    kind: str  # "link", "prop", "badge", "text"
    machine: bool
    source: str
    locator: str
    url: str
    strength: int
    owner: str = ""
    spans: list[tuple[int, int]] = field(default_factory=list)


def _fold(items: list[_Statement]) -> list[_Statement]:
    """Keep one entry per licence named in a statement.

    A text mention of the licence family a link names is that link's text ("… 3.0 DE Lizenz"
    next to a ``by/3.0/deed.de`` link: the URL decides); an unversioned mention joins the
    versioned one; "a Creative Commons licence" joins any named CC licence; repeats of one id
    are merged.
    """
    items = sorted(items, key=lambda x: -x.strength)
    linked = {i.lic.family: i for i in items if i.kind != "text"}
    versioned = {i.lic.family: i for i in items if i.lic.versioned}
    named_cc = next(
        (i for i in items if i.lic.family.startswith("CC-") and i.lic.spdx != CC_UNSPECIFIED), None
    )
    out: dict[str, _Statement] = {}
    for item in items:
        target = None
        if item.kind == "text" and item.lic.family in linked:
            target = linked[item.lic.family]
        elif item.lic.spdx == CC_UNSPECIFIED and named_cc is not None:
            target = named_cc
        elif not item.lic.versioned and item.lic.family in versioned:
            target = versioned[item.lic.family]
        if target is None or target is item:
            target = item
        key = target.lic.spdx
        if key not in out:
            out[key] = target
        if out[key] is not item:
            out[key].spans.extend(item.spans)
            out[key].machine |= item.machine
    return list(out.values())


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


def _strip_spans(low: str, ranges: list[tuple[int, int]], spans: list[tuple[int, int]]) -> str:
    """Return the context without the licence names themselves (what else the statement says)."""
    out = []
    for s, e in ranges:
        piece = list(low[s:e])
        for a, b in spans:
            for i in range(max(a, s), min(b, e)):
                piece[i - s] = " "
        out.append("".join(piece))
    return " ".join(out)


_LICENSE_DOC = re.compile(r"/(?:licen[cs]e|copying)(?:\.(?:md|txt|rst|html?))?/?$", re.IGNORECASE)


def _placement(el: Any, main: Any, cache: dict[int, Any] | None = None) -> Placement:
    place = classify(el, cache)
    if place.region == Region.BODY and main is not None and main() is not None:
        container = main()
        node = el
        while node is not None:
            if node is container:
                return Placement(
                    Region.MAIN,
                    "inside the densest block of paragraph text (no article/main markup)",
                )
            node = node.getparent()
    return place


def _candidate_text(nodes: list[Any]) -> list[Any]:
    """Return the text nodes containing a :data:`TEXT_KEYWORDS` word.

    Found with one lower-casing and a few substring searches over all the text joined, not a
    regular expression per node (that cost more than the rest of the detector on news pages).
    """
    if not nodes:
        return []
    lowered = [n.lower() for n in nodes]  # per node: lower() may change a length ("İ")
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
    for body in page.xpath("//body"):
        for el in body.iter("a", "area"):
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
    candidates = _candidate_text(page.xpath(_TEXT_XPATH))
    if len(candidates) > MAX_TEXT_NODES:
        found.cap(
            f"text nodes with licence words after the {MAX_TEXT_NODES}th",
            f"filters.license.MAX_TEXT_NODES={MAX_TEXT_NODES}",
        )
    for node in candidates[:MAX_TEXT_NODES]:
        parent = node.getparent()
        if parent is None:
            continue
        if getattr(node, "is_tail", False):
            parent = parent.getparent()
            if parent is None:
                continue
        elif isinstance(parent.tag, str) and parent.tag.lower() in {"script", "style", "template"}:
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
        )


# -- aggregation -----------------------------------------------------------------------------


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


def _with_portions(
    portions: list[_Claim], spdx: str, url: str | None, lic: LicenseId, notes: list[str]
) -> tuple[str, str | None, bool]:
    """Add the terms of third-party text inside the main text to the text's licence.

    A site or page statement can only license what its author wrote; text taken from elsewhere
    ("Die Textausschnitte stammen zum Teil aus Wikipedia … unter CC BY-SA") keeps its own
    terms, so the main text is under both, and the most restrictive governs
    (``shared/reference/licenses.md`` §3). When that part's licence has no version, or cannot
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
    ]
    hits = [c.hit() for c in ordered[:MAX_HITS]]
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
    if len(by_id) > 1:
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
    reason = best.reason + ("; " + "; ".join(notes) if notes else "") + capped
    return LicenseFinding(
        spdx=spdx,
        scope=scope,
        url=url,
        ambiguous=ambiguous,
        reason=reason,
        hits=tuple(hits),
    )


def detect_license(page: ParsedPage) -> LicenseFinding:
    """Find the licence covering the page's main text.

    See the module docstring for the signals, their precedence and the scope rules. Never
    raises on bad input; a page without a tree gives ``spdx=None`` with the parser's note.
    """
    found = _Found()
    _from_headers(page, found)
    if page.truncated:
        found.cap(
            f"the body after the first {MAX_PARSE_BYTES} bytes",
            f"filters._html.MAX_PARSE_BYTES={MAX_PARSE_BYTES}",
        )
    tree = page.tree
    if tree is None:
        if found.claims or found.unrecognised:
            return _finding(found.claims, found.reserved, found.unrecognised, found.caps)
        why = "; ".join(page.notes) or "no HTML document"
        return LicenseFinding(spdx=None, scope=None, reason=f"no licence read: {why}")
    _from_head(page, found)
    _from_jsonld(page, found)
    _from_body(page, found)
    _from_scripts(page, found)
    _name_unknown_targets(page, found)
    return _finding(found.claims, found.reserved, found.unrecognised, found.caps)


def _name_unknown_targets(page: ParsedPage, found: _Found) -> None:
    """Read what the page's own links say an unrecognised licence target is.

    ``<link rel=license href=/copyright>`` with, in the footer, ``<a href=/copyright>CC BY-SA
    4.0</a>``: the page itself names the document's licence. When every link to that target
    names one and the same versioned licence, the claim records it (:func:`_finding` then
    does not count the target as unknown terms if that licence is also stated for the text).
    Only pages with an unrecognised page- or site-level claim pay for this.
    """
    wanted = {
        u.lic.url for u in found.unrecognised if u.scope in (Scope.PAGE, Scope.SITE) and u.lic.url
    }
    if not wanted:
        return
    named: dict[str, set[str]] = {}
    for body in page.xpath("//body"):
        for el in body.iter("a", "area"):
            href = el.get("href")
            url = _abs(page, href) if href else ""
            if url not in wanted:
                continue
            try:
                text = el.text_content()[:500]
            except (ValueError, TypeError):
                continue
            ids = {m.license.spdx for m in find_license_names(text) if m.license.versioned}
            named.setdefault(url, set()).update(ids or {""})
    for u in found.unrecognised:
        ids = named.get(u.lic.url or "", set())
        if len(ids) == 1 and "" not in ids:
            u.named = next(iter(ids))
