"""The detectors' Python walks select exactly what the XPath expressions they replace select.

:func:`filters.license.common.body_text_nodes` and :func:`filters.license.common.licence_scripts`
stand in for ``_TEXT_XPATH`` and ``_SCRIPT_XPATH`` (for speed): same nodes, same order, same
parents, on pages built to hit every case the walks handle (comments, processing instructions,
script/style/template content and tails, entities, tables, SVG, several or no ``<body>``).
"""

from __future__ import annotations

from typing import Any

import lxml.etree
import pytest

from filters.html import ParsedPage
from filters.license.common import (
    _SCRIPT_XPATH,
    _TEXT_XPATH,
    body_text_nodes,
    licence_scripts,
)

PAGES = [
    (
        "<html><body>a<!--c-->b<?php x?>c<p>d<script>lic</script>e<style>s</style>f</p>g"
        "<template>t<b>u</b>v</template>w</body></html>"
    ),
    (
        "<html><body>x<svg><style>q</style>z</svg><table><tr><td>1</td>2</tr></table>"
        "&amp;&copy; &unknown; licence</body></html>"
    ),
    "<p>CC BY</p>tail",
    "<html><head><title>t</title></head>before<body>b</body>after</html>",
    "<html><head><script>x</script></head><body><div><body>inner licence</body></div></body></html>",
    "<html><head><title>no body</title></head></html>",
    "<html><body><p>one<br>two<br/>three</p><ul><li>CC0<li>GFDL</ul>Lizenz</body></html>",
    (
        "<html><body><script type='x'>a<!--c-->creativecommons.org/licenses/by/4.0</script>"
        "<script type='APPLICATION/LD+JSON'>creativecommons.org/licenses/by/4.0</script>"
        "<script>var u='https:\\/\\/creativecommons.org\\/publicdomain\\/zero\\/1.0\\/'</script>"
        "<script type='text/javascript'>creativecommons.org/licences</script>"
        "<script type='application/ld+jsonx'>creativecommons.org/publicdomain/mark</script>"
        "</body></html>"
    ),
    "<html><head><script>creativecommons.org/licenses/by-sa/3.0</script></head></html>",
]


def _page(html: str) -> ParsedPage:
    return ParsedPage("http://h.example/a", [("Content-Type", "text/html")], html, 200)


def _by_xpath(page: ParsedPage) -> list[tuple[str, Any, bool]]:
    out = []
    for node in lxml.etree.XPath(_TEXT_XPATH)(page.tree):
        parent = node.getparent()
        out.append((str(node), parent.getparent() if node.is_tail else parent, node.is_tail))
    return out


@pytest.mark.parametrize("html", PAGES)
def test_body_text_nodes_are_the_xpaths(html: str) -> None:
    page = _page(html)
    walked = body_text_nodes(page)
    expected = _by_xpath(page)
    assert [(t, tail) for t, _, tail in walked] == [(t, tail) for t, _, tail in expected]
    assert all(a[1] is b[1] for a, b in zip(walked, expected, strict=True))


@pytest.mark.parametrize("html", PAGES)
def test_licence_scripts_are_the_xpaths(html: str) -> None:
    page = _page(html)
    assert licence_scripts(page.tree) == lxml.etree.XPath(_SCRIPT_XPATH)(page.tree)
    # the scripts of the walk the page shares (filters.html.ParsedPage.elements)
    assert licence_scripts(page.tree, page.elements("script")) == licence_scripts(page.tree)


def test_walks_cover_the_cases() -> None:
    # the pages above are not trivially empty for either walk
    texts = body_text_nodes(_page(PAGES[0]))
    assert [t for t, _, _ in texts] == ["a", "b", "c", "d", "e", "f", "g", "u", "w"]
    assert len(licence_scripts(_page(PAGES[7]).tree)) == 2  # ld+json, ld+jsonx: JSON-LD
    assert body_text_nodes(_page(PAGES[5])) == []
    assert licence_scripts(_page("").tree) == []


def test_xpath_answers_are_kept_per_page_and_each_caller_gets_its_own_list() -> None:
    page = _page(PAGES[0])
    first = page.xpath("//p")
    first.clear()
    again = page.xpath("//p")
    assert len(again) == 1
    assert again[0] is page.xpath("//p")[0]
