"""Parse a page once and share the result between all detectors.

The licence, paywall and opt-out detectors all need the same things: the decoded text, an lxml
tree, the ``<meta>`` tags and the JSON-LD blocks. :func:`parse_page` computes them once (lazily,
so a detector that needs no JSON-LD never pays for it) and never raises: a page that cannot be
decoded or parsed yields a :class:`ParsedPage` with ``tree=None`` and a note saying why.

Decoding follows w3lib's ``html_to_unicode`` precedence (BOM > HTTP ``Content-Type`` charset >
``<meta charset>`` > detection > UTF-8), as browsers do (WHATWG Encoding §4).
"""

from __future__ import annotations

import json
import re
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

import lxml.etree
import lxml.html
from w3lib.encoding import html_to_unicode

from filters.headers import Headers, first_header, header_values, normalize_headers

if TYPE_CHECKING:
    from collections.abc import Iterator

#: Bytes of a body the detectors look at. Real articles are far smaller; the cap bounds the
#: work a hostile or broken page can cost (the crawl keeps the full body in the WARC).
MAX_PARSE_BYTES = 4 * 1024 * 1024

#: ISO 32000-2 §7.5.2: a PDF opens with ``%PDF-`` (within the first 1,024 bytes).
_PDF_MAGIC = re.compile(rb"^\s{0,1016}%PDF-")
_HTML_SNIFF = re.compile(
    rb"<\s*(!doctype\s+html|html|head|body|meta|title|div|p|a)\b", re.IGNORECASE
)
_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=False, recover=True)
# Every element is a plain ``HtmlElement`` (lxml's C-level default lookup) instead of lxml.html's
# per-tag classes (``FormElement``, ``InputElement``…, chosen by a Python callback for each
# element object created): nothing here or in trafilatura, which extracts from this same tree,
# uses the form classes, and the callback cost ~4 % of an export's CPU time. The extracted
# texts are pinned (tests/export/test_extraction_pinned.py).
_PARSER.set_element_class_lookup(
    lxml.etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement,
        comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity,
    )
)


#: Forms libxml2 answers in one walk of the tree, for expressions every page is asked. ``//x``
#: abbreviates ``/descendant-or-self::node()/child::x`` (XPath 1.0 §2.5), which libxml2 runs as
#: a child step from every node of the document; ``/descendant::x`` selects the same nodes
#: (none of these has a positional predicate) in the same document order, two to three times
#: faster. Same answers: tests/filters/test_html_xpath.py.
FASTER_FORMS = {
    "//link[@href][@rel][@type]": "/descendant::link[@href][@rel][@type]",
    "//*[@itemprop]": "/descendant::*[@itemprop]",
    "//*[@itemtype]/@itemtype": "/descendant::*/@itemtype",
    "//*[@itemscope][@itemtype]": "/descendant::*[@itemscope][@itemtype]",
    "//script[@type]": "/descendant::script[@type]",
    "//script[@src]": "/descendant::script[@src]",
    "//script[not(@src)]": "/descendant::script[not(@src)]",
    '//script[contains(translate(@type,"LDJSON","ldjson"),"ld+json")]': (
        '/descendant::script[contains(translate(@type,"LDJSON","ldjson"),"ld+json")]'
    ),
    # ``//body//x`` is ``x`` below any ``body``: ``/descendant::body/descendant::x``
    "//body//*[@property or @itemprop or @rel]": (
        "/descendant::body/descendant::*[@property or @itemprop or @rel]"
    ),
    "//body//img[contains(@src,'creativecommons.org/') or contains(@src,'licensebuttons.net')"
    " or contains(@data-src,'creativecommons.org/') or contains(@data-src,'licensebuttons.net')"
    " or contains(@src,'%') or contains(@data-src,'%')]": (
        "/descendant::body/descendant::img[contains(@src,'creativecommons.org/')"
        " or contains(@src,'licensebuttons.net') or contains(@data-src,'creativecommons.org/')"
        " or contains(@data-src,'licensebuttons.net') or contains(@src,'%')"
        " or contains(@data-src,'%')]"
    ),
    "//body//p": "/descendant::body/descendant::p",
    "//head//*[@href][@rel or @property]": "/descendant::head/descendant::*[@href][@rel or @property]",
}


@lru_cache(maxsize=512)
def _compiled(expr: str) -> lxml.etree.XPath | None:
    """Compile each XPath once: detectors run the same dozen expressions on every page."""
    try:
        return lxml.etree.XPath(FASTER_FORMS.get(expr, expr))
    except lxml.etree.XPathError:
        return None


#: Elements of these tags are collected by one walk of the tree (:attr:`_Index.tags`); ``<a>``
#: and ``<area>`` share one list (the licence detector reads the links of both, in order).
_INDEX_TAGS = ("meta", "link", "script", "body", "head", "article", "main", "img", "a", "area")
_BUCKET = {"area": "a"}
#: Elements holding one of these attributes (or being the ``<head>``/``<body>``, to place the
#: others), by one XPath walk of the tree (:attr:`_Index.attributed`).
#: ``/descendant::*[@itemprop or @itemtype or @property or @rel or self::head or self::body]``,
#: written as the owners of the attributes: libxml2 tests an ``or`` of attributes on every
#: element three times slower than it walks the attribute axis (same nodes: a node-set has no
#: duplicates and is in document order, XPath 1.0 §1).
_ATTRIBUTED = lxml.etree.XPath(
    "(/descendant::*/@itemprop | /descendant::*/@itemtype | /descendant::*/@property"
    " | /descendant::*/@rel)/.. | /descendant::head | /descendant::body"
)


class _Index:
    """Two walks of a tree that answer many whole-document XPaths (:data:`_INDEXED`).

    libxml2 walks the whole tree for each ``//x`` expression, and on a tree just parsed (not in
    the processor's caches) a walk costs more than the answer: about fifteen expressions every
    page is asked (``//meta``, ``//script[@src]``, ``//*[@itemprop]``…) are answered here from
    one C-level walk collecting the elements of :data:`_INDEX_TAGS` (``iter`` with tags: a
    Python object only for those) and one XPath collecting the elements with the attributes the
    others test, then filtered in Python by the same attribute tests. Both walks list elements
    in document order, and filtering keeps it: the answers are the XPath's, element for element
    (tests/filters/test_html_index.py compares them on every test page and on trees built to
    break them).

    "Inside the ``<body>``" (``//body//x``) is read from the order: with exactly one ``<body>``,
    a child of the root element and its last child, the elements after it in document order
    are exactly its descendants. "Inside the ``<head>``" likewise needs the root element's
    children to be exactly ``<head>`` then ``<body>``. Any other shape (nested or missing
    bodies, elements or comments after the body, a second root element) answers None: the
    caller runs the XPath.
    """

    def __init__(self, root: Any) -> None:
        self.root = root
        #: Per tag, how many of its elements come before the (first) ``<body>`` (:attr:`tags`).
        self._cut: dict[str, int] = {}
        #: The root element is the document's only element: the parser can leave a second
        #: ``<html>`` beside it (content after ``</html>``), which ``//`` reads and a walk from
        #: the root would not.
        self.whole = not any(
            isinstance(x.tag, str)
            for x in (*root.itersiblings(), *root.itersiblings(preceding=True))
        )

    @cached_property
    def tags(self) -> dict[str, list[Any]]:
        found: dict[str, list[Any]] = {t: [] for t in _INDEX_TAGS if t not in _BUCKET}
        cut: dict[str, int] = {}
        bucket = _BUCKET.get
        for el in self.root.iter(*_INDEX_TAGS):
            tag = el.tag
            if tag == "body" and not cut:
                cut = {t: len(v) for t, v in found.items()}
            found[bucket(tag, tag)].append(el)
        self._cut = cut
        return found

    @cached_property
    def body(self) -> Any:
        """The one ``<body>``, last child of the root element; else None."""
        bodies = self.tags["body"]
        if len(bodies) != 1 or len(self.root) == 0 or self.root[-1] is not bodies[0]:
            return None
        return bodies[0]

    def in_body(self, tag: str) -> list[Any] | None:
        """Return ``//body//tag``, or None when :attr:`body` cannot place the elements."""
        if self.body is None:
            return None
        return self.tags[tag][self._cut[tag] :]

    @cached_property
    def attributed(self) -> list[Any]:
        return list(_ATTRIBUTED(self.root))

    def attributed_in(self, where: str) -> list[Any] | None:
        """Return the :attr:`attributed` elements inside the ``<body>`` or the ``<head>``."""
        body = self.body
        if body is None:
            return None
        items = self.attributed
        at = next(i for i, el in enumerate(items) if el is body)
        if where == "body":
            return items[at + 1 :]
        heads = self.tags["head"]
        if len(heads) != 1 or len(self.root) != 2 or self.root[0] is not heads[0]:
            return None
        start = next(i for i, el in enumerate(items) if el is heads[0])
        return items[start + 1 : at]


def _has(el: Any, name: str) -> bool:
    return el.get(name) is not None


def _script_filter(test: Any) -> Any:
    return lambda ix: [el for el in ix.tags["script"] if test(el)]


def _in_body_filter(tag: str, test: Any) -> Any:
    def answer(ix: _Index) -> list[Any] | None:
        found = ix.in_body(tag)
        return None if found is None else [el for el in found if test(el)]

    return answer


def _badge(el: Any) -> bool:
    src = el.get("src") or ""
    data = el.get("data-src") or ""
    return (
        "creativecommons.org/" in src
        or "licensebuttons.net" in src
        or "creativecommons.org/" in data
        or "licensebuttons.net" in data
        or "%" in src
        or "%" in data
    )


def _attributed_filter(where: str, test: Any) -> Any:
    def answer(ix: _Index) -> list[Any] | None:
        found = ix.attributed if where == "all" else ix.attributed_in(where)
        return None if found is None else [el for el in found if test(el)]

    return answer


#: XPath 1.0 ``translate(@type,"LDJSON","ldjson")``: only those six letters are lowercased.
_LDJSON = str.maketrans("LDJSON", "ldjson")

#: The expressions :class:`_Index` answers, each with its answer (None: run the XPath). Each
#: test is the XPath's predicate: ``[@a]`` is "has the attribute", ``contains(@a, s)`` is
#: ``s in`` the value or the empty string when there is none.
_INDEXED: dict[str, Any] = {
    "//meta": lambda ix: ix.tags["meta"],
    "//body": lambda ix: ix.tags["body"],
    "//article": lambda ix: ix.tags["article"],
    "//main": lambda ix: ix.tags["main"],
    "//link[@href][@rel][@type]": lambda ix: [
        el for el in ix.tags["link"] if _has(el, "href") and _has(el, "rel") and _has(el, "type")
    ],
    "//script[@type]": _script_filter(lambda el: _has(el, "type")),
    "//script[@src]": _script_filter(lambda el: _has(el, "src")),
    "//script[not(@src)]": _script_filter(lambda el: not _has(el, "src")),
    '//script[contains(translate(@type,"LDJSON","ldjson"),"ld+json")]': _script_filter(
        lambda el: "ld+json" in (el.get("type") or "").translate(_LDJSON)
    ),
    "//body//img[contains(@src,'creativecommons.org/') or contains(@src,'licensebuttons.net')"
    " or contains(@data-src,'creativecommons.org/') or contains(@data-src,'licensebuttons.net')"
    " or contains(@src,'%') or contains(@data-src,'%')]": _in_body_filter("img", _badge),
    "//*[@itemprop]": _attributed_filter("all", lambda el: _has(el, "itemprop")),
    "//*[@itemtype]/@itemtype": lambda ix: [
        el.get("itemtype") for el in ix.attributed if _has(el, "itemtype")
    ],
    "//body//*[@property or @itemprop or @rel]": _attributed_filter(
        "body", lambda el: _has(el, "property") or _has(el, "itemprop") or _has(el, "rel")
    ),
    "//head//*[@href][@rel or @property]": _attributed_filter(
        "head", lambda el: _has(el, "href") and (_has(el, "rel") or _has(el, "property"))
    ),
}


class ParsedPage:
    """A page decoded and parsed once; attributes are computed on first use."""

    def __init__(
        self,
        url: str,
        headers: Any = None,
        body: bytes | str | None = b"",
        status: int = 200,
    ) -> None:
        self.url = url or ""
        self.status = int(status or 0)
        self.headers: Headers = normalize_headers(headers)
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.body: bytes = body or b""
        self.truncated = len(self.body) > MAX_PARSE_BYTES
        self.notes: list[str] = []
        self._xpath_results: dict[str, list[Any]] = {}
        if self.truncated:
            self.notes.append(f"body larger than {MAX_PARSE_BYTES} bytes; only the start was read")

    # -- headers -------------------------------------------------------------------------
    def header(self, name: str) -> str | None:
        return first_header(self.headers, name)

    def header_values(self, name: str) -> list[str]:
        return header_values(self.headers, name)

    @cached_property
    def content_type(self) -> str:
        return (self.header("Content-Type") or "").split(";")[0].strip().lower()

    # -- text ----------------------------------------------------------------------------
    @cached_property
    def _decoded(self) -> tuple[str, str]:
        raw = self.body[:MAX_PARSE_BYTES]
        try:
            encoding, text = html_to_unicode(self.header("Content-Type"), raw)
        except Exception as exc:  # noqa: BLE001 - w3lib documents no failure; be total anyway
            self.notes.append(f"charset decoding failed ({type(exc).__name__}); used UTF-8")
            return "utf-8", raw.decode("utf-8", "replace")
        return encoding, text.replace("\x00", "")

    @property
    def text(self) -> str:
        return self._decoded[1]

    @property
    def encoding(self) -> str:
        return self._decoded[0]

    @cached_property
    def is_html(self) -> bool:
        ctype = self.content_type
        if ctype in {"text/html", "application/xhtml+xml"}:
            return True
        if ctype and not ctype.startswith("text/") and "html" not in ctype and "xml" not in ctype:
            return False
        if _PDF_MAGIC.match(self.body[:1024]):
            return False  # a PDF's XMP packet holds tags; the magic bytes say what it is
        # Look well past the start: some pages open with kilobytes of PHP warnings or whitespace.
        return bool(_HTML_SNIFF.search(self.body[:65536]))

    # -- tree ----------------------------------------------------------------------------
    @cached_property
    def tree(self) -> lxml.html.HtmlElement | None:
        if not self.is_html:
            if self.body:
                self.notes.append(f"not HTML (Content-Type {self.content_type or 'missing'})")
            return None
        data = self.text.encode("utf-8", "replace")
        if not data.strip():
            self.notes.append("empty document")
            return None
        try:
            root = lxml.html.document_fromstring(data, parser=_PARSER)
        except (lxml.etree.ParserError, ValueError, lxml.etree.XMLSyntaxError) as exc:
            self.notes.append(f"HTML parse failed: {exc}")
            return None
        if root is None:
            self.notes.append("HTML parse produced no document")
        return root

    def xpath(self, expr: str) -> list[Any]:
        """Run ``expr`` on the tree; an empty list when there is no tree.

        Each expression runs once per page (several detectors ask for the same elements, e.g.
        every ``<link>`` with a ``rel`` and a ``type``): the detectors only read the tree, and
        extraction works on a copy of it, so the answer cannot change. Each caller gets its own
        list. The expressions of :data:`_INDEXED` are answered from two walks of the tree shared
        by all of them (:class:`_Index`), each other one by libxml2.
        """
        done = self._xpath_results.get(expr)
        if done is not None:
            return list(done)
        root = self.tree
        if root is None:
            return []
        indexed = _INDEXED.get(expr)
        found = None
        if indexed is not None and self._index.whole:
            found = indexed(self._index)
        if found is None:
            compiled = _compiled(expr)
            if compiled is None:
                return []
            try:
                result = compiled(root)
            except lxml.etree.XPathError:
                return []
            found = list(result) if isinstance(result, list) else []
        self._xpath_results[expr] = found
        return list(found)

    @cached_property
    def _index(self) -> _Index:
        return _Index(self.tree)

    def elements(self, tag: str) -> list[Any]:
        """Return ``list(self.tree.iter(tag))`` (``[]`` without a tree), from the shared walk.

        ``tag`` is one the walk collects on its own (:data:`_INDEX_TAGS` but ``a``/``area``).
        """
        if tag not in _INDEX_TAGS or tag in _BUCKET or tag in _BUCKET.values():
            raise ValueError(f"{tag!r} is not collected on its own by the shared walk")
        if self.tree is None:
            return []
        return list(self._index.tags[tag])

    def body_links(self) -> list[Any] | None:
        """Return the ``<a>`` and ``<area>`` inside the one ``<body>`` in document order.

        What ``body.iter("a", "area")`` walks for the only body; None when the shared walk
        cannot place the body (see :class:`_Index`): the caller walks it.
        """
        if self.tree is None:
            return []
        index = self._index
        if not index.whole:
            return None
        return index.in_body("a")

    @cached_property
    def metas(self) -> list[tuple[str, str, lxml.html.HtmlElement]]:
        """Every ``<meta>`` as ``(key, content, element)``.

        The key is the lowercased ``name``, ``property``, ``http-equiv`` or ``itemprop`` (one
        entry per attribute).
        """
        out: list[tuple[str, str, lxml.html.HtmlElement]] = []
        for el in self.xpath("//meta"):
            content = el.get("content")
            if content is None:
                continue
            for attr in ("name", "property", "http-equiv", "itemprop"):
                key = el.get(attr)
                if key:
                    out.append((key.strip().lower(), content, el))
        return out

    def meta_values(self, *keys: str) -> list[tuple[str, str, lxml.html.HtmlElement]]:
        wanted = {k.lower() for k in keys}
        return [m for m in self.metas if m[0] in wanted]

    @cached_property
    def jsonld(self) -> list[tuple[Any, str]]:
        """Parsed JSON-LD blocks as ``(value, xpath)``.

        Unparsable blocks are skipped and noted in :attr:`jsonld_errors`.
        """
        out: list[tuple[Any, str]] = []
        for el in self.xpath('//script[contains(translate(@type,"LDJSON","ldjson"),"ld+json")]'):
            raw = (el.text or "").strip()
            if not raw:
                continue
            path = self.tree.getroottree().getpath(el) if self.tree is not None else ""
            try:
                out.append((json.loads(raw), path))
                continue
            except ValueError:
                pass
            # Common real-world damage: CDATA wrappers, HTML comments, trailing commas, raw
            # newlines in strings.
            cleaned = re.sub(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$", "", raw)
            cleaned = re.sub(r"^\s*<!--|-->\s*$", "", cleaned)
            cleaned = re.sub(r",\s*([}\]])", r"\1", cleaned)
            try:
                out.append((json.loads(cleaned, strict=False), path))
            except ValueError as exc:
                self.jsonld_errors.append(f"{path}: {exc}")
        return out

    @cached_property
    def jsonld_errors(self) -> list[str]:
        return []

    def jsonld_nodes(self) -> Iterator[tuple[dict[str, Any], str]]:
        """Yield every JSON object in the JSON-LD blocks, depth-first.

        ``@graph`` and nesting are flattened; each object comes with its ``<script>``'s xpath.
        """
        for value, path in self.jsonld:
            yield from _walk(value, path, 0)

    def xpath_of(self, el: Any) -> str:
        try:
            path: str = el.getroottree().getpath(el)  # lxml is untyped: el is Any
            return path
        except Exception:  # noqa: BLE001 - a locator is evidence detail, never worth a crash
            return ""


def _walk(value: Any, path: str, depth: int) -> Iterator[tuple[dict[str, Any], str]]:
    if depth > 20:
        return
    if isinstance(value, dict):
        yield value, path
        for v in value.values():
            if isinstance(v, dict | list):
                yield from _walk(v, path, depth + 1)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v, path, depth + 1)


def parse_page(
    url: str, headers: Any = None, body: bytes | str | None = b"", status: int = 200
) -> ParsedPage:
    """Build a :class:`ParsedPage`; parsing happens lazily on first use."""
    return ParsedPage(url, headers, body, status)
