"""Where on a page an element sits, and the statement it belongs to.

A licence link means different things in different places (HTML Standard §4.6.7.9):
in ``<head>`` it is about the document, in the article it may be a grant or a mention, in the site
footer or sidebar it is usually a site-wide statement, and in a figure caption, a reader comment,
a quotation, a code block or a script it covers only that part. :func:`classify` names the
region from the element's ancestry (tag names, ARIA roles, schema.org ``itemprop`` and the
words used in ``class``/``id``), and says which ancestor decided, so the scope reason printed
in the evidence can be checked against the page.

:func:`statement_block` and :func:`block_text` give the *statement* around an element (the
nearest block-level ancestor and its text, with the offsets of the elements of interest), so a
licence can be read together with the words that say what it covers.

Everything here is a pure function over lxml elements and never raises on odd trees.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any

from filters.license.names import normalize_text


class Region(enum.StrEnum):
    """Kinds of page region, from the point of view of licence scope."""

    HEAD = "head"
    SCRIPT = "script"
    COMMENT = "comment"
    CAPTION = "caption"
    QUOTE = "quote"
    CODE = "code"
    TEASER = "teaser"
    MAIN = "main"
    FOOTER = "footer"
    SIDEBAR = "sidebar"
    NAV = "nav"
    HEADER = "header"
    BODY = "body"


#: Regions that repeat on every page of a site (a statement there is site-wide by default).
CHROME = frozenset({Region.FOOTER, Region.SIDEBAR, Region.NAV, Region.HEADER, Region.BODY})
#: Regions whose content is never the page's main text.
PART_REGIONS = frozenset(
    {Region.SCRIPT, Region.COMMENT, Region.CAPTION, Region.QUOTE, Region.CODE, Region.TEASER}
)


@dataclass(frozen=True, slots=True)
class Placement:
    """The region an element is in and the ancestor (``detail``) that decided it."""

    region: Region
    detail: str = ""

    def describe(self) -> str:
        return (
            f"{self.region.value} region ({self.detail})"
            if self.detail
            else f"{self.region.value} region"
        )


_BLOCK_TAG_NAMES = (
    "p li div td th dd dt figcaption caption blockquote section aside footer header article main"
    " body h1 h2 h3 h4 h5 h6 address center form table tr ul ol dl nav pre figure details summary"
    " fieldset"
)
_BLOCK_TAGS = frozenset(_BLOCK_TAG_NAMES.split())
_SKIP_TEXT_TAGS = frozenset({"script", "style", "template", "noscript"})
_BREAK_TAGS = frozenset({"br", "hr", "img"})

_COMMENT_CLASS = re.compile(
    r"(?:^|[-_])(?:comments?|commentlist|comment_list|disqus|respond|replies|reply|kommentare?"
    r"|commentaires?|comentarios?|commenti|reacties|talkback|user-?reviews?)(?:$|[-_\d])"
)
_NOT_COMMENT_CLASS = re.compile(
    r"comments?[-_](?:open|closed|link|links|count|number|icon|meta)|(?:has|no|with)[-_]comments?"
)
_IMAGE_WORD = re.compile(
    r"image|img|photo|foto|picture|bild|thumbnail|thumb|media|gallery|figure|video"
)
_CREDIT_WORD = re.compile(
    r"credit|copyright|licen[cs]e|lizenz|source|quelle|caption|attribution|legend"
)
_CAPTION_CLASS = re.compile(r"(?:^|[-_])(?:caption|figcaption|wp-caption|legende|bildunterschrift)")
_TEASER_CLASS = re.compile(
    r"(?:^|[-_])(?:teaser|related|recommend(?:ed|ations?)?|promo|more-stories)(?:$|[-_\d])"
)
_MAIN_CLASS = re.compile(
    r"entry-content|post-content|article-body|articlebody|article-content|article__body|story-body"
    r"|post-body|entry-body|article-text|post-entry|postcontent|article-footer|post-footer"
    r"|entry-footer|postfooter|entry-meta|post-meta|postmeta|article-meta|article__footer"
)
_FOOTER_CLASS = re.compile(
    r"(?:^|[-_])(?:footer|foot|colophon|site-info|siteinfo|copyright|bottom|fusszeile|seitenfuss"
    r"|pied|piedepage|pie-de-pagina|legal)(?:$|[-_\d])"
)
_SIDEBAR_CLASS = re.compile(
    r"sidebar|widget-area|widgetarea|(?:^|[-_])(?:secondary|rail|aside)(?:$|[-_\d])"
)
_NAV_CLASS = re.compile(r"(?:^|[-_])(?:nav|navigation|navbar|menu|breadcrumbs?)(?:$|[-_\d])")
_HEADER_CLASS = re.compile(
    r"(?:^|[-_])(?:masthead|site-header|siteheader|topbar|top-bar)(?:$|[-_\d])"
)


def _classes(el: Any) -> list[str]:
    out: list[str] = []
    for attr in ("class", "id"):
        value = el.get(attr)
        if value:
            out.extend(value.lower().split())
    return out


def _matches(rx: re.Pattern[str], classes: list[str]) -> str | None:
    for c in classes:
        if rx.search(c):
            return c
    return None


def _label(el: Any, why: str) -> str:
    tag = el.tag if isinstance(el.tag, str) else "?"
    return f"<{tag}> {why}".strip()


@dataclass(frozen=True, slots=True)
class _Features:
    """What one element says about the region it opens (computed once per element)."""

    stop: Placement | None = None  # head/script/comment: decides at once
    part: Placement | None = None  # caption/quote/code/teaser
    structural: Placement | None = None  # main/footer/sidebar/nav/header
    is_main: bool = False
    boundary: bool = False  # <html>/<body>: stop walking


_BOUNDARY = _Features(boundary=True)
_NONE = _Features()


def _features(node: Any) -> _Features:
    tag = node.tag.lower() if isinstance(node.tag, str) else ""
    if tag == "head":
        return _Features(stop=Placement(Region.HEAD, "<head>"))
    if tag in {"html", "body"}:
        return _BOUNDARY
    if tag in {"script", "style", "template"}:
        return _Features(stop=Placement(Region.SCRIPT, f"<{tag}>"))
    classes = _classes(node)
    role = (node.get("role") or "").lower()
    itemtype = (node.get("itemtype") or "").lower()
    itemprop = (node.get("itemprop") or "").lower()
    if not classes and not role and not itemtype and not itemprop and tag not in _SEMANTIC_TAGS:
        return _NONE
    hit = _matches(_COMMENT_CLASS, classes)
    if (
        (hit and not _NOT_COMMENT_CLASS.search(hit))
        or itemtype.endswith(("/comment", "/usercomments"))
        or itemprop in {"comment", "comments", "review"}
    ):
        why = f"'{hit}'" if hit else itemtype or itemprop
        return _Features(stop=Placement(Region.COMMENT, _label(node, why)))
    part = None
    if tag in {"figcaption", "figure", "caption", "picture"}:
        part = Placement(Region.CAPTION, f"<{tag}>")
    elif tag == "q" or (tag == "blockquote" and not _layout_blockquote(node)):
        part = Placement(Region.QUOTE, f"<{tag}>")
    elif tag in {"pre", "code"}:
        part = Placement(Region.CODE, f"<{tag}>")
    else:
        cap = _matches(_CAPTION_CLASS, classes)
        if cap is None:
            cap = next(
                (c for c in classes if _IMAGE_WORD.search(c) and _CREDIT_WORD.search(c)), None
            )
        if cap is not None:
            part = Placement(Region.CAPTION, _label(node, f"'{cap}'"))
        elif (t := _matches(_TEASER_CLASS, classes)) is not None:
            part = Placement(Region.TEASER, _label(node, f"'{t}'"))
    main_class = _matches(_MAIN_CLASS, classes)
    is_main = (
        tag in {"article", "main"}
        or role in {"main", "article"}
        or itemprop in {"articlebody", "text", "mainentity"}
        or main_class is not None
    )
    structural = None
    footer = _matches(_FOOTER_CLASS, classes)
    sidebar = _matches(_SIDEBAR_CLASS, classes)
    nav = _matches(_NAV_CLASS, classes)
    if is_main:
        why = f"'{main_class}'" if main_class and tag not in {"article", "main"} else ""
        structural = Placement(Region.MAIN, _label(node, why))
    elif tag == "footer" or role == "contentinfo" or footer:
        structural = Placement(
            Region.FOOTER, _label(node, "" if tag == "footer" else f"'{footer or role}'")
        )
    elif tag == "aside" or role == "complementary" or sidebar:
        structural = Placement(
            Region.SIDEBAR, _label(node, "" if tag == "aside" else f"'{sidebar or role}'")
        )
    elif tag == "nav" or role == "navigation" or nav:
        structural = Placement(Region.NAV, _label(node, "" if tag == "nav" else f"'{nav or role}'"))
    elif tag == "header" or role == "banner" or _matches(_HEADER_CLASS, classes):
        structural = Placement(Region.HEADER, _label(node, ""))
    return _Features(part=part, structural=structural, is_main=is_main)


#: A ``<blockquote>`` holding this many paragraphs is page layout, not a quotation: old sites
#: and journal systems indent a whole article with it (HTML §4.4.4 says a blockquote is
#: content quoted from another source; whole articles are not).
LAYOUT_BLOCKQUOTE_PARAGRAPHS = 20


def _layout_blockquote(node: Any) -> bool:
    """Tell whether a ``<blockquote>`` indents the page's article rather than quoting one.

    It must hold :data:`LAYOUT_BLOCKQUOTE_PARAGRAPHS` paragraphs and three quarters of the
    page's (a long quotation inside an article of one's own is still a quotation).
    """
    inside = sum(1 for _ in node.iter("p"))
    if inside < LAYOUT_BLOCKQUOTE_PARAGRAPHS:
        return False
    return inside * 4 >= sum(1 for _ in node.getroottree().getroot().iter("p")) * 3


_SEMANTIC_TAG_NAMES = (
    "article main footer aside nav header figcaption figure caption picture blockquote q pre code"
)
_SEMANTIC_TAGS = frozenset(_SEMANTIC_TAG_NAMES.split())


#: Ancestors :func:`classify` reads (a work cap: a region marked above them is not seen, so a
#: caller deciding rights on a deeper element must treat its placement as unsure).
CLASSIFY_MAX_DEPTH = 200


def classify(el: Any, cache: dict[int, tuple[Any, _Features]] | None = None) -> Placement:
    """Name the region ``el`` sits in (see :class:`Region`).

    Part regions (script, comment, caption, quotation, code, teaser) win wherever they are in
    the ancestry: a licence in a comment inside the article is still a comment's. Otherwise the
    nearest structural ancestor decides (main/article, footer, sidebar, navigation, header); a
    footer or header *inside* the article or ``<main>`` is the article's own (byline, credits).
    ``<html>``/``<body>`` attributes are ignored (CMSs put page-type words like ``single-post``
    there). ``cache`` (keyed by ``id(element)``) lets callers classifying many elements of one
    page read each ancestor once.
    """
    part: Placement | None = None
    structural: Placement | None = None
    in_main = False
    node = el
    depth = 0
    while node is not None and depth < CLASSIFY_MAX_DEPTH:
        depth += 1
        # lxml makes element proxies on demand and ids of dead proxies are reused, so the
        # cache keeps the element alive and checks identity.
        hit = cache.get(id(node)) if cache is not None else None
        if hit is not None and hit[0] is node:
            feats = hit[1]
        else:
            feats = _features(node)
            if cache is not None:
                cache[id(node)] = (node, feats)
        if feats.stop is not None:
            return feats.stop
        if feats.boundary:
            break
        if part is None and feats.part is not None:
            part = feats.part
        in_main = in_main or feats.is_main
        if structural is None and feats.structural is not None:
            structural = feats.structural
        node = node.getparent()
    if part is not None:
        return part
    if structural is not None and structural.region in {Region.FOOTER, Region.HEADER} and in_main:
        return Placement(Region.MAIN, f"{structural.detail} inside the article/main content")
    if structural is not None:
        return structural
    return Placement(Region.BODY, "outside any article, footer or sidebar markup")


def statement_block(el: Any, max_chars: int = 4000) -> Any:
    """Return the nearest block-level ancestor-or-self of ``el``: its statement.

    When that block is very long (a whole page in one ``<div>``), the nearest inline ancestor
    is used instead so sentence finding stays cheap.
    """
    node = el
    last_inline = el
    while node is not None:
        tag = node.tag.lower() if isinstance(node.tag, str) else ""
        if tag in _BLOCK_TAGS:
            if tag in {"body", "html"} or _text_len(node) > max_chars:
                return last_inline
            return node
        last_inline = node
        node = node.getparent()
    return last_inline


def _text_len(el: Any) -> int:
    try:
        return len(el.text_content())
    except (ValueError, TypeError):
        return 0


#: Work caps of :func:`block_text`: characters read from one statement, element nesting depth.
BLOCK_MAX_CHARS = 20000
BLOCK_MAX_DEPTH = 60


def _has_text(node: Any) -> bool:
    try:
        return bool((node.tail or "").strip()) or (
            isinstance(node.tag, str) and any(t.strip() for t in node.itertext())
        )
    except (ValueError, TypeError):
        return True


def block_text(
    block: Any,
    targets: list[Any] | tuple[Any, ...] = (),
    max_chars: int = BLOCK_MAX_CHARS,
    capped: list[str] | None = None,
) -> tuple[str, dict[int, tuple[int, int]]]:
    """Return the normalised text of ``block`` and the span of each of ``targets`` in it.

    Case is kept; dashes, spaces and soft hyphens are unified. Spans are keyed by
    ``id(element)`` (the caller keeps the elements alive).

    Block-level children and ``<br>`` become line breaks; script and style text is skipped.
    Reading stops at ``max_chars`` characters and :data:`BLOCK_MAX_DEPTH` levels of nesting;
    when either stops it, a line saying which is appended to ``capped`` (text left unread may
    hold a statement, so a caller deciding rights must not treat the block as fully read).
    """
    wanted = {id(t) for t in targets}
    parts: list[str] = []
    spans: dict[int, tuple[int, int]] = {}
    length = 0
    stopped: set[str] = set()

    def add(s: str | None) -> None:
        nonlocal length
        if s and length < max_chars:
            s = normalize_text(s, lower=False)
            parts.append(s)
            length += len(s)
        elif s and s.strip():
            stopped.add(f"statement text cap ({max_chars} characters) reached")

    def walk(node: Any, depth: int) -> None:
        nonlocal length
        if depth > BLOCK_MAX_DEPTH:
            stopped.add(f"statement nesting cap ({BLOCK_MAX_DEPTH} levels) reached")
            return
        if length >= max_chars:
            if _has_text(node):
                stopped.add(f"statement text cap ({max_chars} characters) reached")
            return
        tag = node.tag.lower() if isinstance(node.tag, str) else ""
        if not tag:  # comment / processing instruction: skip content, keep tail
            add(node.tail)
            return
        start = length
        block = tag in _BLOCK_TAGS
        if block or tag in _BREAK_TAGS:
            add("\n")
        if tag not in _SKIP_TEXT_TAGS:
            add(node.text)
            for child in node:
                walk(child, depth + 1)
        if block:
            add("\n")
        if id(node) in wanted:
            spans[id(node)] = (start, length)
        if depth > 0:
            add(node.tail)

    try:
        walk(block, 0)
    except (ValueError, TypeError, RecursionError) as exc:
        stopped.add(f"statement not fully read ({type(exc).__name__})")
    if capped is not None:
        capped.extend(sorted(stopped))
    return "".join(parts), spans


#: Paragraphs :func:`main_container` scores (a work cap: past it the choice may be wrong).
MAIN_MAX_PARAGRAPHS = 3000


def main_container(root: Any) -> Any:
    """Return the element holding most of the page's paragraph text, or None.

    For pages without ``<article>`` or ``<main>`` markup: each paragraph's text is credited to
    its parent and half of it to the grandparent, as readability-style extractors do. None when
    the page has little prose.
    """
    if root is None:
        return None
    scores: dict[int, tuple[float, Any]] = {}
    try:
        paragraphs = root.xpath("//body//p")[:MAIN_MAX_PARAGRAPHS]
    except (ValueError, TypeError):
        return None
    for p in paragraphs:
        try:
            n = len(p.text_content().strip())
        except (ValueError, TypeError):
            continue
        if n < 25:
            continue
        parent = p.getparent()
        if parent is None:
            continue
        s, _ = scores.get(id(parent), (0.0, parent))
        scores[id(parent)] = (s + n, parent)
        grand = parent.getparent()
        if grand is not None and isinstance(grand.tag, str) and grand.tag not in {"body", "html"}:
            s, _ = scores.get(id(grand), (0.0, grand))
            scores[id(grand)] = (s + n / 2, grand)
    if not scores:
        return None
    score, best = max(scores.values(), key=lambda x: x[0])
    return best if score >= 200 else None


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Return the bounds of the sentence (or line) of ``text`` around ``[start, end)``.

    A full stop ends a sentence only when whitespace follows (so "3.0", "4.0-lizenz" and host
    names stay whole); line breaks (block boundaries, ``<br>``) always do.
    """
    left = 0
    for m in _SENTENCE_END.finditer(text, 0, start):
        left = m.end()
    right = len(text)
    after = _SENTENCE_END.search(text, end)
    if after:
        right = after.start()
    return left, right


__all__ = [
    "BLOCK_MAX_CHARS",
    "BLOCK_MAX_DEPTH",
    "CHROME",
    "CLASSIFY_MAX_DEPTH",
    "MAIN_MAX_PARAGRAPHS",
    "PART_REGIONS",
    "Placement",
    "Region",
    "block_text",
    "classify",
    "main_container",
    "sentence_bounds",
    "statement_block",
]
