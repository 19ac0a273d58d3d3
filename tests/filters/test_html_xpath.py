"""The faster XPath forms :class:`filters.html.ParsedPage` runs select what the plain ones select.

``//x`` and ``/descendant::x`` name the same nodes in the same order (XPath 1.0 §2.5) when no
predicate is positional; checked here on every HTML page the tests hold and on a page built to
stress the difference (nested elements, a second body, elements outside the body).
"""

from __future__ import annotations

from pathlib import Path

import lxml.etree
import pytest

from filters.html import FASTER_FORMS, ParsedPage, _compiled

TESTS = Path(__file__).resolve().parents[1]
PAGES = sorted(TESTS.rglob("*.html"))

STRESS = b"""<!doctype html><html itemscope itemtype="https://schema.org/WebPage"><head>
<link rel="license" type="application/rsl+xml" href="/l.xml"><link rel="alternate" href="/f">
<script type="application/ld+json">{"@type": "Article"}</script><script src="/a.js"></script>
<meta itemprop="name" content="x"></head><body itemprop="mainEntity">
<div itemscope itemtype="https://schema.org/Article" itemprop="a"><div itemprop="b">
<span itemprop="c" itemtype="https://schema.org/Person">x</span></div>
<script TYPE="Application/LD+JSON">{}</script><script>var a</script></div>
<img src="https://licensebuttons.net/l/by/4.0/88x31.png"><img data-src="/a%20b.png">
<body><link href="/x" rel="y" type="z"><p itemprop="d">two bodies</p>
<img src="https://creativecommons.org/x.png"></body></body></html>"""


def _trees() -> list[lxml.etree._Element]:
    pages = [ParsedPage("https://a.example/", {"Content-Type": "text/html"}, STRESS)]
    pages += [ParsedPage("https://a.example/", {}, path.read_bytes()) for path in PAGES]
    trees = [p.tree for p in pages if p.tree is not None]
    # The HTML parser merges a second <body> into the first: nested ones are built by hand.
    nested = ParsedPage("https://a.example/", {"Content-Type": "text/html"}, STRESS).tree
    assert nested is not None
    inner = lxml.etree.SubElement(nested.find("body/div"), "body")
    lxml.etree.SubElement(inner, "p", {"rel": "license", "itemprop": "x"})
    lxml.etree.SubElement(inner, "img", {"src": "https://creativecommons.org/b.png"})
    head = lxml.etree.SubElement(inner, "head")
    lxml.etree.SubElement(head, "link", {"href": "/y", "rel": "license", "type": "t"})
    assert len(list(nested.iter("body"))) == 2
    return [*trees, nested]


def test_there_are_pages_to_compare() -> None:
    assert len(PAGES) >= 20


@pytest.mark.parametrize("expr", sorted(FASTER_FORMS))
def test_faster_form_selects_the_same_nodes(expr: str) -> None:
    plain = lxml.etree.XPath(expr)
    faster = _compiled(expr)
    assert faster is not None
    assert faster.path == FASTER_FORMS[expr] != expr  # the page runs the faster one
    selected = 0
    for tree in _trees():
        expected = plain(tree)
        assert faster(tree) == expected
        selected += len(expected)
    assert selected > 0  # the comparison saw nodes, not only empty answers
