"""Open Definition conformance badges beside a licence (issue 17).

Synthetic pages written for these tests: "Open Data/Open Content" badges link the Open
Definition with rel=license next to the real licence; the Open Definition grants and reserves
nothing, so it adds no unknown terms, and alone it is no licence.
"""

from __future__ import annotations

from filters.html import parse_page
from filters.license import detect_license
from filters.results import LicenseFinding, Scope

ARTICLE = (
    "<main><article><p>"
    + "The council met to discuss the new bus routes. " * 10
    + "</p></article></main>"
)
CC = '<a rel="license" href="http://creativecommons.org/licenses/by/3.0/de/"><img alt="CC" src="/cc.png"></a>'
OD = '<a rel="license" href="http://www.opendefinition.org/"><img alt="Open Definition" src="/od.png"></a>'
TERMS = '<a rel="license" href="https://city.example/terms">Terms</a>'


def detect(footer: str) -> LicenseFinding:
    html = f"<!doctype html><html><head><title>t</title></head><body>{ARTICLE}<footer>{footer}</footer></body></html>"
    return detect_license(parse_page("", None, html.encode()))


def test_open_definition_badge_beside_a_licence_adds_no_unknown_terms() -> None:
    f = detect(CC + OD)
    assert (f.spdx, f.scope, f.ambiguous) == ("CC-BY-3.0-DE", Scope.SITE, False)
    assert "Open Definition" in f.reason


def test_open_definition_alone_is_no_licence() -> None:
    f = detect(OD)
    assert f.spdx is None


def test_another_unrecognised_licence_link_still_makes_it_ambiguous() -> None:
    f = detect(CC + TERMS)
    assert f.ambiguous
