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
        list.
        """
        done = self._xpath_results.get(expr)
        if done is not None:
            return list(done)
        root = self.tree
        compiled = _compiled(expr)
        if root is None or compiled is None:
            return []
        try:
            result = compiled(root)
        except lxml.etree.XPathError:
            return []
        found = list(result) if isinstance(result, list) else []
        self._xpath_results[expr] = found
        return list(found)

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
