"""The licence and paywall detectors are total: any bytes in, a result with a reason out.

Properties (hypothesis, as in w3lib's tests): arbitrary bytes, arbitrary HTML-ish soup and
arbitrary JSON-LD never raise and always give a well-formed result; positive findings always
carry evidence. Hand-made cases cover what random input rarely reaches: broken and deeply
nested markup, invalid JSON-LD, wrong charsets and pages above the parse cap.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filters._html import MAX_PARSE_BYTES, parse_page
from filters.assess import assess_page
from filters.license import detect_license
from filters.paywall import detect_paywall
from filters.results import LicenseFinding, PaywallFinding, Scope

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_FRAGMENTS = [
    "<html>",
    "<head>",
    "</head>",
    "<body>",
    "<footer>",
    "</footer>",
    "<article>",
    "<figure>",
    "<figcaption>",
    "<aside class='sidebar'>",
    "<div class='comment'>",
    "<p>",
    "</p>",
    "<br>",
    '<a rel="license" href="https://creativecommons.org/licenses/by-sa/3.0/de/">',
    '<a href="//creativecommons.org/licenses/by/4.0/deed.de">',
    "</a>",
    '<img src="https://i.creativecommons.org/l/by-nc/2.0/88x31.png">',
    '<link rel="license" href="http://creativecommons.org/publicdomain/zero/1.0/">',
    '<meta name="DC.rights" content="http://creativecommons.org/licenses/by/2.5/ch/">',
    '<meta property="article:content_tier" content="metered">',
    '<script type="application/ld+json">{"@type":"NewsArticle","isAccessibleForFree":"False",',
    '"license":"https://creativecommons.org/licenses/by/4.0/"}</script>',
    "<script>",
    "</script>",
    "Licensed under CC BY-SA 4.0.",
    "Alle Rechte vorbehalten.",
    "Dieses Blog steht unter einer Creative Commons Namensnennung 3.0 Deutschland Lizenz.",
    "Foto: X [CC BY 2.0], via Wikimedia Commons",
    "Subscribe to continue reading",
    "\x00",
    "\ufffd",
    "Crea\u00adtive Com\u00admons",
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "&amp;",
    "&#0;",
    "<",
]


def _well_formed(lic: LicenseFinding, pw: PaywallFinding) -> None:
    assert isinstance(lic, LicenseFinding)
    assert isinstance(pw, PaywallFinding)
    assert lic.reason
    assert pw.reason
    assert lic.scope is None or isinstance(lic.scope, Scope)
    if lic.spdx is not None:
        assert lic.scope in (Scope.PAGE, Scope.SITE)
        assert lic.hits
        assert all(h.evidence.source for h in lic.hits)
    if lic.scope == Scope.PART:
        assert lic.hits
    if pw.paywalled:
        assert pw.evidence
        assert pw.kind


def _run(body: bytes, headers: object = None, status: int = 200) -> None:
    page = parse_page("https://example.org/a", headers, body, status)
    _well_formed(detect_license(page), detect_paywall(page))


@FAST
@given(st.binary(max_size=4096))
def test_any_bytes(body: bytes) -> None:
    _run(body)


@FAST
@given(
    st.binary(max_size=2048),
    st.sampled_from(
        [
            None,
            "text/html",
            "text/html; charset=utf-16",
            "application/pdf",
            "text/html; charset=bogus-charset",
            "text/plain",
        ]
    ),
    st.sampled_from([200, 401, 402, 403, 404, 451, 500]),
)
def test_any_bytes_any_headers_and_status(body: bytes, ctype: str | None, status: int) -> None:
    _run(body, [("Content-Type", ctype)] if ctype else None, status)


@FAST
@given(st.lists(st.sampled_from(_FRAGMENTS) | st.text(max_size=30), max_size=60))
def test_html_soup(parts: list[str]) -> None:
    _run("".join(parts).encode("utf-8", "surrogatepass"))


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=20)
    | st.sampled_from(
        [
            "False",
            "https://schema.org/False",
            "https://creativecommons.org/licenses/by/4.0/",
            "NewsArticle",
            "ImageObject",
            "WebPageElement",
        ]
    ),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "@type",
                    "@graph",
                    "license",
                    "isAccessibleForFree",
                    "hasPart",
                    "mainEntity",
                    "image",
                    "cssSelector",
                    "itemListElement",
                    "url",
                    "@id",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@FAST
@given(_JSON)
def test_any_jsonld(value: object) -> None:
    html = f'<html><head><script type="application/ld+json">{json.dumps(value)}</script></head><body><p>x</p></body></html>'
    _run(html.encode())


def test_invalid_jsonld_is_skipped_not_fatal() -> None:
    html = (
        b'<html><head><script type="application/ld+json">{"@type": "NewsArticle", "license": </script>'
        b'<script type="application/ld+json">[[[[</script></head><body><p>x</p></body></html>'
    )
    _run(html)


def test_deeply_nested_markup() -> None:
    depth = 5000
    html = (
        "<html><body>"
        + "<div>" * depth
        + '<footer><a rel="license" href="https://creativecommons.org/'
        'licenses/by/4.0/">CC BY 4.0</a> for all content on this site</footer>'
        + "</div>" * depth
        + "</body></html>"
    )
    _run(html.encode())


def test_many_licence_statements_are_capped() -> None:
    rows = "".join(
        f'<p>Photo {i}: <a href="https://creativecommons.org/licenses/by/2.0/">CC BY 2.0</a></p>'
        for i in range(5000)
    )
    page = parse_page("", None, f"<html><body><article>{rows}</article></body></html>".encode())
    lic = detect_license(page)
    assert lic.spdx is None
    assert len(lic.hits) <= 50


def test_page_above_the_parse_cap() -> None:
    filler = b"<p>" + b"x" * 1000 + b"</p>"
    body = b"<html><body>" + filler * (MAX_PARSE_BYTES // len(filler) + 10) + b"</body></html>"
    a = assess_page("", None, body)
    assert any("only the start was read" in n for n in a.notes)
    assert a.license is not None
    assert a.paywall is not None


def test_wrong_and_missing_charsets() -> None:
    latin1 = (
        "<html><head><meta charset='utf-8'></head><body><footer>Dieses Blog steht unter einer Creative "
        "Commons Namensnennung 3.0 Österreich Lizenz.</footer></body></html>"
    ).encode("latin-1")
    _run(latin1)
    _run(latin1, [("Content-Type", "text/html; charset=nonsense")])
    utf16 = "<html><body><footer>Licensed under CC BY 4.0 for all content on this site.</footer></body></html>"
    page = parse_page("", [("Content-Type", "text/html; charset=utf-16")], utf16.encode("utf-16"))
    assert detect_license(page).spdx == "CC-BY-4.0"


def test_non_html_bodies() -> None:
    for ctype, body in [
        ("application/json", b'{"license": "CC BY 4.0"}'),
        ("image/png", b"\x89PNG\r\n"),
        ("application/pdf", b"%PDF-1.7"),
    ]:
        page = parse_page("", [("Content-Type", ctype)], body)
        lic, pw = detect_license(page), detect_paywall(page)
        assert lic.spdx is None
        assert not pw.paywalled
        assert "not HTML" in lic.reason
