"""The licence and paywall detectors are total: any bytes in, a result with a reason out.

Properties (hypothesis, as in w3lib's tests): arbitrary bytes, arbitrary HTML-ish soup and
arbitrary JSON-LD never raise and always give a well-formed result; positive findings always
carry evidence. Hand-made cases cover what random input rarely reaches: broken and deeply
nested markup, invalid JSON-LD, wrong charsets and pages above the parse cap.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filters.assess import assess_page
from filters.html import MAX_PARSE_BYTES, parse_page
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


# -- work caps fail closed (issue 11 item 17) -------------------------------------------------
# Every cap that leaves part of a page unread makes the licence finding ambiguous, with a hit
# naming the cap; the pages are built so that the statement past the cap is the one that
# governs (a more restrictive licence), which was silently dropped before.

CC_BY = "https://creativecommons.org/licenses/by/4.0/"
CC_BY_NC = "https://creativecommons.org/licenses/by-nc/4.0/"
HEAD_CC_BY = f'<link rel="license" href="{CC_BY}">'
PROSE = "<p>" + "The tide came in slowly over the flats. " * 12 + "</p>"


def _html(head: str = "", body: str = "") -> bytes:
    return f"<!doctype html><html><head><title>t</title>{head}</head><body>{body}</body></html>".encode()


def _capped(lic: LicenseFinding, cap: str) -> None:
    """The finding is ambiguous (excluded by the default policy) and a hit names ``cap``."""
    assert lic.ambiguous, lic.reason
    assert "work cap hit" in lic.reason
    hits = [h for h in lic.hits if h.spdx == "LicenseRef-not-read"]
    assert any(cap in h.evidence.locator for h in hits), [h.evidence for h in hits]


def test_statement_after_the_block_cap_makes_the_finding_ambiguous() -> None:
    footers = "".join(
        f'<p>Content on this site is licensed under <a href="{CC_BY}">CC BY 4.0</a> ({i}).</p>'
        for i in range(301)
    )
    body = (
        f"<main><article>{PROSE}</article></main><footer>{footers}"
        f'<p><a rel="license" href="{CC_BY_NC}">CC BY-NC 4.0</a></p></footer>'
    )
    a = assess_page("", None, _html(body=body))
    assert a.license is not None
    _capped(a.license, "MAX_BLOCKS=300")
    assert not a.decision.include
    assert any(r.startswith("license-ambiguous") for r in a.decision.reasons)


def test_statements_in_many_reader_comments_do_not_hit_the_block_cap() -> None:
    # Reader comments never license the text: skipping most of them is not a cap that can
    # hide a signal, so a long thread leaves the site licence unambiguous.
    comments = "".join(
        f'<li class="comment"><p>Comment {i}: I publish under CC BY-NC 4.0 myself.</p></li>'
        for i in range(400)
    )
    body = (
        f'<main><article>{PROSE}<ol class="comment-list">{comments}</ol></article></main>'
        f'<footer><p>Content on this site is licensed under <a href="{CC_BY}">CC BY 4.0</a>.</p></footer>'
    )
    lic = detect_license(parse_page("", None, _html(body=body)))
    assert (lic.spdx, lic.scope, lic.ambiguous) == ("CC-BY-4.0", Scope.SITE, False)


def test_statement_after_the_collected_block_cap_makes_the_finding_ambiguous() -> None:
    comments = "".join(
        f'<li class="comment"><p>Comment {i}: <a href="{CC_BY}">CC BY</a></p></li>'
        for i in range(2001)
    )
    body = (
        f'<main><article>{PROSE}<ol class="comment-list">{comments}</ol></article></main>'
        f'<footer><p>Content on this site is licensed under <a href="{CC_BY_NC}">CC BY-NC 4.0</a>.</p></footer>'
    )
    lic = detect_license(parse_page("", None, _html(HEAD_CC_BY, body)))
    _capped(lic, "MAX_COLLECTED_BLOCKS=2000")


def test_text_nodes_after_the_text_node_cap_make_the_finding_ambiguous() -> None:
    words = "".join(f"<span>licence {i}</span> " for i in range(3001))
    body = f"<main><article>{PROSE}</article></main><div>{words}</div>"
    lic = detect_license(parse_page("", None, _html(HEAD_CC_BY, body)))
    assert lic.spdx == "CC-BY-4.0"
    _capped(lic, "MAX_TEXT_NODES=3000")


def test_licence_past_the_statement_text_cap_makes_the_finding_ambiguous() -> None:
    long_p = "<p>" + "word " * 5000 + "This article is licensed under CC BY-NC 4.0.</p>"
    body = f"<main><article>{PROSE}{long_p}</article></main>"
    lic = detect_license(parse_page("", None, _html(HEAD_CC_BY, body)))
    _capped(lic, "block_text")


def test_jsonld_node_after_the_node_cap_makes_the_finding_ambiguous() -> None:
    graph = [{"@type": "Thing", "name": f"n{i}"} for i in range(5000)]
    graph.append({"@type": "Article", "license": CC_BY_NC})
    ld = json.dumps({"@context": "https://schema.org", "@graph": graph})
    head = HEAD_CC_BY + f'<script type="application/ld+json">{ld}</script>'
    lic = detect_license(parse_page("", None, _html(head, f"<article>{PROSE}</article>")))
    assert lic.spdx == "CC-BY-4.0"
    _capped(lic, "filters._license_jsonld")
    assert "node cap (5000 objects)" in lic.reason


def test_jsonld_nested_past_the_depth_cap_makes_the_finding_ambiguous() -> None:
    node: dict[str, object] = {"@type": "Article", "license": CC_BY_NC}
    for _ in range(30):
        node = {"@type": "WebPage", "hasPart": node}
    head = HEAD_CC_BY + f'<script type="application/ld+json">{json.dumps(node)}</script>'
    lic = detect_license(parse_page("", None, _html(head, f"<article>{PROSE}</article>")))
    _capped(lic, "filters._license_jsonld")
    assert "nesting cap" in lic.reason


def test_jsonld_license_values_past_their_cap_make_the_finding_ambiguous() -> None:
    ld = {"@type": "Article", "license": [CC_BY] * 20 + [CC_BY_NC]}
    head = f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    lic = detect_license(parse_page("", None, _html(head, f"<article>{PROSE}</article>")))
    assert lic.spdx == "CC-BY-4.0"
    _capped(lic, "MAX_LICENSE_VALUES=20")


def test_long_licence_meta_past_the_name_cap_makes_the_finding_ambiguous() -> None:
    content = "x " * 10001 + "CC BY-NC 4.0"
    head = HEAD_CC_BY + f'<meta name="DC.rights" content="{content}">'
    lic = detect_license(parse_page("", None, _html(head, f"<article>{PROSE}</article>")))
    _capped(lic, "MAX_NAME_CHARS=20000")


def _past_parse_cap(tail: str, head: str = HEAD_CC_BY) -> bytes:
    filler = "<p>" + "x" * 1000 + "</p>"
    count = MAX_PARSE_BYTES // len(filler) + 10
    return _html(head, f"<main><article>{PROSE}{filler * count}{tail}</article></main>")


def test_licence_past_the_parse_cap_makes_the_finding_ambiguous() -> None:
    body = _past_parse_cap(f'<footer><a rel="license" href="{CC_BY_NC}">CC BY-NC</a></footer>')
    a = assess_page("", None, body)
    assert a.license is not None
    assert a.license.spdx == "CC-BY-4.0"
    _capped(a.license, f"MAX_PARSE_BYTES={MAX_PARSE_BYTES}")
    assert not a.decision.include


def test_tdm_reservation_meta_past_the_parse_cap_is_unknown_not_absent() -> None:
    body = _past_parse_cap('<meta name="tdm-reservation" content="1">')
    a = assess_page("", {"Content-Type": "text/html"}, body)
    assert a.optout is not None
    assert a.optout.reserved
    assert "optout:tdmrep-meta-unread" in a.decision.reasons
    assert "unknown" in a.optout.reason
    unread = next(s for s in a.optout.signals if s.signal == "tdmrep-meta-unread")
    assert "parse cap" in unread.evidence[0].note
    # A meta that was read is not claimed as a reservation the page never made.
    meta = next(s for s in a.optout.signals if s.signal == "tdmrep-meta")
    assert meta.reserved is None


def test_tdm_reservation_meta_1_before_the_parse_cap_is_a_plain_reservation() -> None:
    body = _past_parse_cap("", head=HEAD_CC_BY + '<meta name="tdm-reservation" content="1">')
    a = assess_page("", {"Content-Type": "text/html"}, body)
    assert a.optout is not None
    assert "optout:tdmrep-meta" in a.decision.reasons
    assert "optout:tdmrep-meta-unread" not in a.decision.reasons


def test_page_under_the_parse_cap_has_no_unread_meta() -> None:
    a = assess_page(
        "", {"Content-Type": "text/html"}, _html(HEAD_CC_BY, f"<article>{PROSE}</article>")
    )
    assert a.optout is not None
    assert not a.optout.reserved
    assert all(s.signal != "tdmrep-meta-unread" for s in a.optout.signals)
    assert a.license is not None
    assert not a.license.ambiguous


def test_user_contributed_page_type_after_many_items_is_still_read() -> None:
    # The QAPage check read only the first 200 itemtypes: a late QAPage was missed, so "user
    # contributions licensed under CC BY-NC-SA" (the page's own text here) was read as part
    # and the site's CC BY admitted the page.
    items = "".join(
        f'<span itemscope itemtype="https://schema.org/Thing">t{i}</span>' for i in range(250)
    )
    body = (
        f'{items}<main itemscope itemtype="https://schema.org/QAPage"><article>{PROSE}</article></main>'
        f"<footer><p>Site design © Example; content on this site is licensed under "
        f'<a href="{CC_BY}">CC BY 4.0</a>.</p><p>User contributions licensed under '
        f'<a href="https://creativecommons.org/licenses/by-nc-sa/4.0/">CC BY-NC-SA 4.0</a>.</p></footer>'
    )
    a = assess_page("", None, _html(body=body))
    assert a.license is not None
    assert a.license.spdx == "CC-BY-NC-SA-4.0", a.license.reason
    assert not a.decision.include


def test_article_past_the_paragraph_cap_of_main_text_detection_is_ambiguous() -> None:
    # Without article/main markup the densest block of paragraphs is the article; with more
    # paragraphs than the cap scores, the choice (and so every statement's scope) is unsure.
    chrome = "".join(f"<p>Menu entry number {i} with some words</p>" for i in range(3001))
    body = (
        f"<div class='nav'>{chrome}</div><div class='content'>{PROSE * 3}"
        f'<p>Licensed under <a href="{CC_BY}">CC BY 4.0</a>.</p></div>'
    )
    lic = detect_license(parse_page("", None, _html(body=body)))
    _capped(lic, "MAIN_MAX_PARAGRAPHS=3000")


def test_paywall_declaration_past_the_jsonld_node_cap_is_unknown_not_free() -> None:
    graph: list[dict[str, object]] = [{"@type": "Thing", "name": f"n{i}"} for i in range(5000)]
    graph.append({"@type": "NewsArticle", "isAccessibleForFree": False})
    ld = json.dumps({"@context": "https://schema.org", "@graph": graph})
    page = parse_page("", None, _html(f'<script type="application/ld+json">{ld}</script>', PROSE))
    pw = detect_paywall(page)
    assert (pw.paywalled, pw.kind) == (True, "unknown")
    assert any(e.source == "detector:work-cap" for e in pw.evidence)


def test_paywall_declaration_past_the_parse_cap_is_unknown_not_free() -> None:
    ld = json.dumps({"@type": "NewsArticle", "isAccessibleForFree": False})
    a = assess_page("", None, _past_parse_cap(f'<script type="application/ld+json">{ld}</script>'))
    assert a.paywall is not None
    assert (a.paywall.paywalled, a.paywall.kind) == (True, "unknown")
    assert "paywalled:unknown" in a.decision.reasons


def test_locked_article_container_after_many_hinted_elements_is_still_found() -> None:
    # The locked-class heuristic looked at the first 200 elements carrying a hint only.
    hinted = "".join(f'<div class="unlocked-note-{i}">x</div>' for i in range(250))
    body = f'{hinted}<article class="article-body paywall-locked"><p>{PROSE}</p></article>'
    pw = detect_paywall(parse_page("", None, _html(body=body)))
    assert pw.paywalled, pw.reason


def test_statement_nested_past_the_region_depth_cap_makes_the_finding_ambiguous() -> None:
    # A reader comment's "this article is licensed under CC BY" nested deeper than the
    # ancestors the region finder reads was taken for the page's own licence.
    deep = (
        "<div>" * 220
        + f'<p>This article is licensed under <a href="{CC_BY}">CC BY 4.0</a>.</p>'
        + "</div>" * 220
    )
    body = (
        f'<main><article>{PROSE}</article></main><section class="comments">'
        f'<div class="comment">{deep}</div></section>'
    )
    a = assess_page("", None, _html(body=body))
    assert a.license is not None
    _capped(a.license, "CLASSIFY_MAX_DEPTH=200")
    assert not a.decision.include


def test_licence_lost_in_a_damaged_jsonld_block_makes_the_finding_ambiguous() -> None:
    broken = '{"@type": "Article" "license": "https://creativecommons.org/licenses/by-nc/4.0/"}'
    head = HEAD_CC_BY + f'<script type="application/ld+json">{broken}</script>'
    lic = detect_license(parse_page("", None, _html(head, f"<article>{PROSE}</article>")))
    assert lic.spdx == "CC-BY-4.0"
    _capped(lic, "filters._license_jsonld")
    assert "damaged JSON-LD block" in lic.reason


def test_paywall_declaration_lost_in_a_damaged_jsonld_block_is_unknown() -> None:
    broken = '{"@type": "NewsArticle" "isAccessibleForFree": false}'
    page = parse_page(
        "", None, _html(f'<script type="application/ld+json">{broken}</script>', PROSE)
    )
    pw = detect_paywall(page)
    assert (pw.paywalled, pw.kind) == (True, "unknown")
    # The licence detector is not concerned by a block that lost no licence.
    assert not detect_license(page).ambiguous


@pytest.mark.parametrize(
    ("status", "reason"), [(0, "http-status:unreadable"), (101, "http-status:101")]
)
def test_a_status_that_is_no_final_answer_is_never_admitted(status: int, reason: str) -> None:
    """Status 0 (an archived status line that does not parse) and 1xx (never final, RFC 9110
    §15.2) passed every check before: a licensed page was admitted on a status nobody saw."""
    body = (
        "<html><body><article><p>" + "Words of the article. " * 60 + "</p></article>"
        '<footer>This work is licensed under <a rel="license" '
        'href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a></footer></body></html>'
    )
    ok = assess_page("https://example.org/a", {"Content-Type": "text/html"}, body, 200)
    assert ok.decision.include
    got = assess_page("https://example.org/a", {"Content-Type": "text/html"}, body, status)
    assert not got.decision.include
    assert reason in got.decision.reasons
