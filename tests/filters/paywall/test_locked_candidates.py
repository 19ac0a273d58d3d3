""":func:`filters.paywall.shown.locked_candidates` selects what ``_LOCKED_XPATH`` selects.

The walk replaces the XPath for speed only: same elements, same document order, on every HTML
page the tests hold and on pages built to stress the difference (hints in ``class`` and ``id``,
in comments and processing instructions, outside the body, in nested and missing bodies).
"""

from __future__ import annotations

from pathlib import Path

import lxml.etree
import pytest

from filters.html import ParsedPage
from filters.paywall.shown import _LOCKED_XPATH, locked_candidates

TESTS = Path(__file__).resolve().parents[2]
PAGES = sorted(TESTS.rglob("*.html"))

STRESS = [
    b"""<!doctype html><html class="locked"><head><meta id="paywalled"></head><body class="x-locked">
<div class="article-body is-locked"><p id="restricted-1">a</p><!-- class="locked" -->
<?pi class="locked"?><span class="OCKED">b</span><i id="members-only">c</i></div>
<div class="subscriber-only"><div class="article-content"><b class="no">d</b></div></div>
<section class="" id="">e</section><em class="lockedx" id="subscriber">f</em></body>
<div class="locked">after the body</div></html>""",
    b"""<html><body><div class="locked">one<body><p class="content-locked">two</p></body>
<div id="paywalled">three</div></div></body></html>""",
    b"""<html><head><title class="locked">no body</title></head></html>""",
    b"""<html><frameset><frame class="locked"></frameset></html>""",
    b"""<p class="locked">a fragment</p><p id="restricted">and another</p>""",
]


def _pages() -> list[ParsedPage]:
    pages = [ParsedPage("https://a.example/", {"Content-Type": "text/html"}, b) for b in STRESS]
    pages += [ParsedPage("https://a.example/", {}, path.read_bytes()) for path in PAGES]
    return pages


def test_there_are_pages_to_compare() -> None:
    assert len(PAGES) >= 20


@pytest.mark.parametrize("page", _pages(), ids=lambda p: str(id(p)))
def test_walk_selects_what_the_xpath_selects(page: ParsedPage) -> None:
    expected = lxml.etree.XPath(_LOCKED_XPATH)(page.tree) if page.tree is not None else []
    assert locked_candidates(page) == expected


def test_the_stress_page_selects_elements() -> None:
    first = ParsedPage("https://a.example/", {"Content-Type": "text/html"}, STRESS[0])
    found = [(el.get("class"), el.get("id")) for el in locked_candidates(first)]
    assert found == [
        ("article-body is-locked", None),
        (None, "restricted-1"),
        ("OCKED", None),
        (None, "members-only"),
        ("subscriber-only", None),
        ("lockedx", "subscriber"),
    ]


def test_nested_bodies_are_left_to_the_xpath() -> None:
    # The HTML parser merges a second <body>; a tree holding two is built by hand.
    page = ParsedPage("https://a.example/", {"Content-Type": "text/html"}, STRESS[1])
    assert page.tree is not None
    inner = lxml.etree.SubElement(page.tree.find("body/div"), "body")
    lxml.etree.SubElement(inner, "span", {"class": "locked"})
    expected = lxml.etree.XPath(_LOCKED_XPATH)(page.tree)
    assert len(list(page.tree.iter("body"))) == 2
    assert [el.tag for el in expected] == ["div", "p", "div", "span"]
    assert locked_candidates(page) == expected
