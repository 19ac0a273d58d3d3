"""The expressions :class:`filters.html.ParsedPage` answers from its index select what XPath does.

``ParsedPage.xpath`` answers the expressions of ``filters.html._INDEXED`` from two shared walks
of the tree instead of one libxml2 evaluation each, for speed only: the answer must be the
XPath's, element for element and in document order. Checked on every HTML page the tests hold
and on trees built for the cases the index must leave to the XPath (nested bodies, no body,
elements after the body, a second root element, a head that is not the root's first child).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lxml.etree
import pytest

from filters.html import _INDEXED, ParsedPage

TESTS = Path(__file__).resolve().parents[1]
PAGES = sorted(TESTS.rglob("*.html"))

#: One page holding something for every indexed expression, in and out of <head> and <body>.
FULL = b"""<!doctype html><html itemscope itemtype="https://schema.org/WebPage" lang="en">
<head><meta charset="utf-8"><meta name="description" content="d"><meta property="og:x" content="y">
<link rel="license" type="application/rsl+xml" href="/l.xml"><link rel="alternate" href="/f">
<link rel="stylesheet" href="/s.css" type="text/css"><link href="/p" property="dc:license">
<script type="application/ld+json">{"@type": "Article"}</script><script src="/a.js"></script>
<script>var a = 1</script><meta itemprop="name" content="x"><!-- <meta name="c"> --></head>
<body itemprop="mainEntity"><main><article itemscope itemtype="https://schema.org/Article">
<div itemprop="articleBody"><p rel="license" property="x">text</p>
<span itemprop="author" itemtype="https://schema.org/Person">x</span>
<img src="https://licensebuttons.net/l/by/4.0/88x31.png"><img data-src="/a%20b.png">
<img src="https://creativecommons.org/x.png"><img src="/plain.png"><img>
<a href="https://creativecommons.org/licenses/by/4.0/" rel="license">CC BY</a><map><area></map>
<script TYPE="Application/LD+JSON">{}</script><script type="module" src="/m.js"></script>
<meta name="in-body" content="z"><link rel="x" href="/y" type="z"></div></article></main>
<article>second</article><main>second</main></body></html>"""


def _built(base: bytes, change: Any) -> ParsedPage:
    page = ParsedPage("https://a.example/", {"Content-Type": "text/html"}, base)
    assert page.tree is not None
    change(page.tree)
    return page


def _nested_body(root: Any) -> None:
    # The HTML parser merges a second <body> into the first: nested ones are built by hand.
    inner = lxml.etree.SubElement(root.find("body/main"), "body")
    lxml.etree.SubElement(inner, "img", {"src": "https://creativecommons.org/b.png"})
    lxml.etree.SubElement(inner, "p", {"rel": "license", "itemprop": "x"})
    head = lxml.etree.SubElement(inner, "head")
    lxml.etree.SubElement(head, "link", {"href": "/y", "rel": "license", "type": "t"})


def _after_body(root: Any) -> None:
    lxml.etree.SubElement(root, "img", {"src": "https://creativecommons.org/after.png"})
    lxml.etree.SubElement(root, "p", {"itemprop": "after", "rel": "x"})


def _between_head_and_body(root: Any) -> None:
    link = lxml.etree.Element("link", {"href": "/z", "rel": "license"})
    root.find("body").addprevious(link)


def _special_pages() -> dict[str, ParsedPage]:
    html = {"Content-Type": "text/html"}
    return {
        "full": ParsedPage("https://a.example/", html, FULL),
        "comment after the body": ParsedPage(
            "https://a.example/", html, FULL.replace(b"</body>", b"</body><!-- c -->")
        ),
        "second root element": ParsedPage(
            "https://a.example/", html, FULL + b'<script src="/late.js"></script><meta name="l">'
        ),
        "no body": ParsedPage(
            "https://a.example/",
            html,
            b'<html><head><meta name="a" content="b"><link href="/x" rel="y" type="z"></head>'
            b'<frameset><frame src="/f"></frameset></html>',
        ),
        "no head": ParsedPage("https://a.example/", html, b'<p itemprop="x" rel="license">a</p>'),
        "nested bodies": _built(FULL, _nested_body),
        "elements after the body": _built(FULL, _after_body),
        "element between head and body": _built(FULL, _between_head_and_body),
    }


def _answer(tree: Any, expr: str) -> list[Any]:
    found = lxml.etree.XPath(expr)(tree)
    return [str(v) for v in found] if expr.endswith("/@itemtype") else found


def test_there_are_pages_to_compare() -> None:
    assert len(PAGES) >= 20


@pytest.mark.parametrize("expr", sorted(_INDEXED))
def test_indexed_answers_are_the_xpath_answers(expr: str) -> None:
    pages = [*_special_pages().values()]
    pages += [ParsedPage("https://a.example/", {}, path.read_bytes()) for path in PAGES]
    selected = 0
    for page in pages:
        if page.tree is None:
            continue
        expected = _answer(page.tree, expr)
        assert page.xpath(expr) == expected
        selected += len(expected)
    assert selected > 0  # the comparison saw nodes, not only empty answers


BODY = "//body//*[@property or @itemprop or @rel]"
HEAD = "//head//*[@href][@rel or @property]"


@pytest.mark.parametrize(
    ("name", "expr", "indexed"),
    [
        ("full", BODY, True),
        ("full", HEAD, True),
        ("comment after the body", BODY, False),
        ("second root element", BODY, False),
        ("second root element", "//meta", False),
        ("nested bodies", BODY, False),
        ("elements after the body", BODY, False),
        ("element between head and body", BODY, True),
        ("element between head and body", HEAD, False),
    ],
)
def test_the_index_answers_only_where_it_can_place_the_elements(
    name: str, expr: str, indexed: bool
) -> None:
    page = _special_pages()[name]
    index = page._index
    assert (index.whole and _INDEXED[expr](index) is not None) is indexed
    assert page.xpath(expr) == _answer(page.tree, expr)


def test_the_full_page_is_answered_from_the_index() -> None:
    page = _special_pages()["full"]
    index = page._index
    assert index.whole
    for expr, answer in _INDEXED.items():
        found = answer(index)
        assert found is not None, expr
        assert found == _answer(page.tree, expr), expr
        assert found or expr in {"//body//p"}, expr  # the page holds an answer for each
    scripts = page.xpath("//script[not(@src)]")
    assert [s.text for s in scripts] == ['{"@type": "Article"}', "var a = 1", "{}"]


def _all_pages() -> list[ParsedPage]:
    pages = [*_special_pages().values()]
    pages += [ParsedPage("https://a.example/", {}, path.read_bytes()) for path in PAGES]
    return [p for p in pages if p.tree is not None]


def test_elements_are_the_iter_answers() -> None:
    for page in _all_pages():
        for tag in ("body", "script", "img", "meta", "head"):
            assert page.elements(tag) == list(page.tree.iter(tag))
    with pytest.raises(ValueError, match="not collected"):
        _special_pages()["full"].elements("a")
    assert ParsedPage("https://a.example/", {}, b"").elements("body") == []


def test_body_links_are_the_links_of_the_body() -> None:
    placed = 0
    for page in _all_pages():
        links = page.body_links()
        expected = [el for b in page.xpath("//body") for el in b.iter("a", "area")]
        if links is not None:
            placed += 1
            assert links == expected
        else:
            assert not page._index.whole or page._index.body is None
    assert placed > 10
    full = _special_pages()["full"]
    assert [(el.tag, el.get("href")) for el in full.body_links() or []] == [
        ("a", "https://creativecommons.org/licenses/by/4.0/"),
        ("area", None),
    ]
