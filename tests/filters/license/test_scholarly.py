"""Scholarly articles: publishers' standard open-access statements (issue 17).

Synthetic pages written for these tests. The statement "This is an open access article
distributed under the terms of the Creative Commons Attribution License…" licenses the article
it is printed in; its version may be given only elsewhere on the page (the statement's link, the
article's embedded metadata), and then the finding keeps both pieces of evidence.
"""

from __future__ import annotations

from filters.html import parse_page
from filters.license import detect_license
from filters.results import LicenseFinding, Scope

BODY = "<p>" + "We measured the growth of the seedlings under three light regimes. " * 10 + "</p>"
OA = (
    "Copyright: © 2031 Okafor et al. This is an open access article distributed under the "
    "terms of the Creative Commons Attribution License, which permits unrestricted use, "
    "distribution, and reproduction in any medium, provided the original author and source "
    "are credited."
)


def detect(head: str = "", body: str = "") -> LicenseFinding:
    html = f"<!doctype html><html><head><title>t</title>{head}</head><body>{body}</body></html>"
    return detect_license(parse_page("", None, html.encode()))


def article(front: str, script: str = "") -> str:
    return (
        f"<main><article><h1>Seedlings</h1><div class='front'>{front}</div>{BODY}</article></main>"
        f"{script}<footer>© 2031 Example Press</footer>"
    )


def test_open_access_statement_with_its_link_licenses_the_article() -> None:
    front = OA.replace(
        "Creative Commons Attribution License",
        '<a href="https://creativecommons.org/licenses/by/4.0/">Creative Commons Attribution '
        "License</a>",
    )
    f = detect(body=article(f"<p>{front}</p>"))
    assert (f.spdx, f.scope, f.ambiguous) == ("CC-BY-4.0", Scope.PAGE, False)
    assert "licensing statement for the article" in f.reason


def test_open_access_statement_without_version_stays_unversioned() -> None:
    f = detect(body=article(f"<p>{OA}</p>"))
    assert (f.spdx, f.scope) == ("LicenseRef-CC-BY-unversioned", Scope.PAGE)
    assert "version not stated" in f.reason


def test_version_from_embedded_article_metadata_keeps_both_pieces_of_evidence() -> None:
    script = (
        '<script>window.__ARTICLE__={"doi":"10.0000/x","copyright":{"holder":"Okafor",'
        '"licenseUrl":"https:\\/\\/creativecommons.org\\/licenses\\/by\\/4.0\\/"}};</script>'
    )
    f = detect(body=article(f"<p>{OA.replace('License,', 'License (CC BY),')}</p>", script))
    assert (f.spdx, f.scope, f.ambiguous) == ("CC-BY-4.0", Scope.PAGE, False)
    statement = next(h for h in f.hits if h.scope == Scope.PAGE)
    assert "open access article" in statement.evidence.excerpt
    assert "embedded metadata" in statement.evidence.note
    meta = next(h for h in f.hits if h.evidence.source == "html:script")
    assert (meta.spdx, meta.scope) == ("CC-BY-4.0", Scope.PART)
    assert "licenseUrl" in meta.evidence.excerpt


def test_jats_licence_element_in_embedded_data_gives_the_version() -> None:
    script = (
        '<script>var jats = \'<permissions><license license-type="open-access" '
        'xlink:href="http://creativecommons.org/licenses/by/3.0/"><license-p>…'
        "</license-p></license></permissions>';</script>"
    )
    f = detect(body=article(f"<p>{OA}</p>", script))
    assert (f.spdx, f.scope) == ("CC-BY-3.0", Scope.PAGE)


def test_metadata_url_of_another_licence_family_gives_no_version() -> None:
    script = (
        '<script>var a={"licenseUrl":"https://creativecommons.org/licenses/by-nc/4.0/"};</script>'
    )
    f = detect(body=article(f"<p>{OA}</p>", script))
    assert f.spdx == "LicenseRef-CC-BY-unversioned"


def test_two_metadata_versions_leave_the_version_unknown() -> None:
    script = (
        '<script>var a={"licenseUrl":"https://creativecommons.org/licenses/by/4.0/"};'
        'var b={"license_url":"https://creativecommons.org/licenses/by/3.0/"};</script>'
    )
    f = detect(body=article(f"<p>{OA}</p>", script))
    assert f.spdx == "LicenseRef-CC-BY-unversioned"


def test_metadata_url_alone_never_licenses_the_text() -> None:
    script = '<script>var a={"licenseUrl":"https://creativecommons.org/licenses/by/4.0/"};</script>'
    f = detect(body=article("<p>Received 3 May 2031; accepted 9 June 2031.</p>", script))
    assert (f.spdx, f.scope) == (None, Scope.PART)


def test_a_self_archiving_licence_field_is_not_the_articles_metadata() -> None:
    script = (
        '<script>var s={"#name":"sa-user-license","_":'
        '"http://creativecommons.org/licenses/by/4.0/"};</script>'
    )
    f = detect(body=article(f"<p>{OA}</p>", script))
    assert f.spdx == "LicenseRef-CC-BY-unversioned"


def test_whole_article_indented_with_blockquote_is_not_a_quotation() -> None:
    paragraphs = "".join(
        f"<p>Paragraph {i} of the paper, with its findings.</p>" for i in range(25)
    )
    statement = (
        '<p>This paper is licensed under a <a href="http://creativecommons.org/licenses/by/4.0/">'
        "Creative Commons Attribution 4.0 International License</a>.</p>"
    )
    f = detect(body=f"<blockquote>{paragraphs}{statement}</blockquote>")
    assert (f.spdx, f.scope) == ("CC-BY-4.0", Scope.PAGE)


def test_short_blockquote_is_still_a_quotation() -> None:
    quote = (
        '<blockquote><p>This paper is licensed under a <a href="http://creativecommons.org/'
        'licenses/by/4.0/">Creative Commons Attribution 4.0 International License</a>.</p>'
        "</blockquote>"
    )
    f = detect(body=article(quote))
    assert (f.spdx, f.scope) == (None, Scope.PART)
    assert "quotation" in f.reason


def test_a_long_quotation_inside_an_article_is_still_a_quotation() -> None:
    own = "".join(f"<p>My own paragraph {i} about the paper.</p>" for i in range(30))
    quoted = "".join(f"<p>Quoted paragraph {i}.</p>" for i in range(20))
    statement = (
        '<p>This paper is licensed under a <a href="http://creativecommons.org/licenses/by/4.0/">'
        "Creative Commons Attribution 4.0 International License</a>.</p>"
    )
    f = detect(
        body=f"<main><article>{own}<blockquote>{quoted}{statement}</blockquote></article></main>"
    )
    assert (f.spdx, f.scope) == (None, Scope.PART)
