"""What every licence source shares.

The caps on work per page, the claims and reservations gathered so far (:class:`_Found`),
and the helpers that resolve links and ``rel`` tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import lxml.etree

from filters.html import ParsedPage
from filters.license.spdx import (
    LicenseId,
)
from filters.results import Evidence, LicenseHit, Scope, excerpt

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
#: What :func:`body_text_nodes` returns, without lxml's "smart string" per node.
_TEXT_XPATH = "//body//*[not(self::script or self::style or self::template)]/text() | //body/text()"
_TEXT_SKIP = frozenset({"script", "style", "template"})


def body_text_nodes(page: ParsedPage) -> list[tuple[str, Any, bool]]:
    """Return ``(text, parent element, is a tail)`` for each text node :data:`_TEXT_XPATH` selects.

    In document order, as the XPath answers, but read in one walk of the body (about 40% less
    time than the XPath, which builds an lxml "smart string" holding its parent per node):
    ``el.text`` is the text node opening ``el``, ``el.tail`` the one after ``el`` (a child of
    ``el``'s parent), comments and processing instructions included, whose text is not a text
    node but whose tail is. The HTML parser never leaves two text nodes side by side (it merges
    them), so one string here is one text node there. A document with more or fewer than one
    ``<body>`` is left to the XPath (nested bodies would repeat nodes).
    """
    root = page.tree
    if root is None:
        return []
    bodies = page.elements("body")  # list(root.iter("body")), from the walk the page shares
    if len(bodies) != 1:
        out: list[tuple[str, Any, bool]] = []
        for node in page.xpath(_TEXT_XPATH):
            tail = bool(getattr(node, "is_tail", False))
            parent = node.getparent()
            out.append(
                (str(node), parent.getparent() if tail and parent is not None else parent, tail)
            )
        return out
    body = bodies[0]
    found: list[tuple[str, Any, bool]] = []
    for event, el in lxml.etree.iterwalk(body, events=("start", "end", "comment", "pi")):
        if event == "start":
            if el is body or (isinstance(el.tag, str) and el.tag not in _TEXT_SKIP):
                text = el.text
                if text:
                    found.append((text, el, False))
        elif el is not body:
            text = el.tail
            if text:
                parent = el.getparent()
                if parent.tag not in _TEXT_SKIP:
                    found.append((text, parent, True))
    return found


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
#: Scripts that may carry a Creative Commons URL: every ``<script>`` but JSON-LD (read as data by
#: :mod:`filters.license.jsonld_claims`) whose text holds one of :data:`_SCRIPT_NEEDLES`. The
#: XPath says what :func:`licence_scripts` selects (that Python form is ~2x faster: one C-level
#: walk over the ``<script>`` elements, no string-value computed per script in XPath).
_SCRIPT_XPATH = (
    "//script[not(contains(translate(@type,'LDJSON','ldjson'),'ld+json'))]"
    "[contains(.,'creativecommons.org/licenses') or contains(.,'creativecommons.org/publicdomain')"
    # JSON-escaped slashes ("creativecommons.org\\/licenses\\/by\\/4.0\\/") in app state
    " or contains(.,'creativecommons.org\\/licenses')"
    " or contains(.,'creativecommons.org\\/publicdomain')]"
)
_SCRIPT_NEEDLES = (
    "creativecommons.org/licenses",
    "creativecommons.org/publicdomain",
    "creativecommons.org\\/licenses",
    "creativecommons.org\\/publicdomain",
)
#: XPath 1.0 ``translate(@type,'LDJSON','ldjson')``: only those six letters are lowercased.
_LDJSON_LOWER = str.maketrans("LDJSON", "ldjson")


def licence_scripts(root: Any, scripts: list[Any] | None = None) -> list[Any]:
    """Return the elements :data:`_SCRIPT_XPATH` selects under ``root``, in document order.

    ``root`` is the document element (``//`` starts at the document, which holds only it). An
    element's XPath string-value is the concatenation of its descendant text nodes: for a
    ``<script>`` without child nodes (what the HTML parser makes) that is ``.text``; one with
    children (comments) is asked for it. ``scripts``, when given, is ``list(root.iter("script"))``
    already walked (:meth:`filters.html.ParsedPage.elements`).
    """
    if root is None:
        return []
    out: list[Any] = []
    for el in root.iter("script") if scripts is None else scripts:
        if "ld+json" in (el.get("type") or "").translate(_LDJSON_LOWER):
            continue
        value = (el.text or "") if len(el) == 0 else str(el.xpath("string()"))
        if any(needle in value for needle in _SCRIPT_NEEDLES):
            out.append(el)
    return out


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
    #: For a licence URL in the page's embedded article data: the field naming it
    #: (``licenseUrl``, ``<license xlink:href>``). Never covers the text on its own; it may
    #: give the version of the article's own licence statement (``_resolve_versions``).
    metadata: str = ""
    #: For the licence of one contribution on a page of user contributions: its contributor
    #: (:mod:`filters.license.contributions`; the claims combine into an ``AND`` expression).
    contribution: str = ""

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
