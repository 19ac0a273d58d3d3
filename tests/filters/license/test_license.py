"""Licence detection (filters.license): sources, scope and conflict rules.

Cases follow the "Test cases worth having" table of shared/reference/licenses.md (ids name the
row) plus the sources listed in issue 5. Every case asserts the scope *and* why, not only the id.
"""

from __future__ import annotations

import json

import pytest

from filters.assess import assess_page
from filters.html import parse_page
from filters.license import detect_license
from filters.license.text import coverage
from filters.results import LicenseFinding, Scope

CC_BY_SA_3 = "https://creativecommons.org/licenses/by-sa/3.0/"
ARTICLE = "<h1>Harbour notes</h1><p>" + "The tide came in slowly over the flats. " * 12 + "</p>"


def page(
    head: str = "", body: str = "", *, headers: object = None, url: str = ""
) -> LicenseFinding:
    html = f"<!doctype html><html><head><title>t</title>{head}</head><body>{body}</body></html>"
    return detect_license(parse_page(url, headers, html.encode()))


def article(inner: str = "", footer: str = "", aside: str = "") -> str:
    return f"<main><article>{ARTICLE}{inner}</article></main><aside>{aside}</aside><footer>{footer}</footer>"


def _hit(finding: LicenseFinding, spdx: str):
    return next(h for h in finding.hits if h.spdx == spdx)


# -- where licences are stated (licenses.md §1) ---------------------------------------------


def test_row_head_link_protocol_relative_is_page() -> None:
    f = page(
        head='<link rel="license" href="//creativecommons.org/licenses/by-sa/3.0/">', body=article()
    )
    assert (f.spdx, f.scope, f.ambiguous) == ("CC-BY-SA-3.0", Scope.PAGE, False)
    assert "<head>" in f.reason
    assert f.url == CC_BY_SA_3
    assert f.hits[0].evidence.source == "html:link[rel=license]"
    assert f.hits[0].evidence.locator.startswith("/html/head")


def test_row_footer_chooser_link_site_wording_is_site() -> None:
    footer = (
        "<p>Except where otherwise noted, content on this site is licensed under "
        '<a rel="license" href="https://creativecommons.org/licenses/by/4.0/?ref=chooser-v1">'
        "CC BY 4.0</a>.</p>"
    )
    f = page(body=article(footer=footer))
    assert (f.spdx, f.scope) == ("CC-BY-4.0", Scope.SITE)
    assert "footer" in f.reason
    assert "content on this site" in f.reason or "otherwise noted" in f.reason
    assert f.hits[0].evidence.excerpt.startswith(
        "https://creativecommons.org/licenses/by/4.0/?ref=chooser-v1"
    )


def test_http_link_header_is_page() -> None:
    f = page(body=article(), headers=[("Link", f'<{CC_BY_SA_3}>; rel="license"')])
    assert (f.spdx, f.scope) == ("CC-BY-SA-3.0", Scope.PAGE)
    assert f.hits[0].evidence.source == "header:Link"


def test_row_dc_rights_with_uri_scheme() -> None:
    f = page(
        head='<meta name="DC.rights" scheme="DCTERMS.URI" content="http://creativecommons.org/licenses/by-sa/3.0/de/">',
        body=article(),
    )
    assert (f.spdx, f.scope) == ("CC-BY-SA-3.0-DE", Scope.PAGE)
    assert "DC.rights".lower() in f.reason.lower()


@pytest.mark.parametrize(
    "tag",
    [
        '<meta name="dcterms.license" content="https://creativecommons.org/licenses/by/4.0/">',
        '<meta name="DCTERMS.license" scheme="DCTERMS.URI" content="https://creativecommons.org/licenses/by/4.0/">',
        '<link rel="DCTERMS.license" href="https://creativecommons.org/licenses/by/4.0/">',
        '<meta name="DC.rights.license" content="https://creativecommons.org/licenses/by/4.0/">',
        '<meta property="cc:license" content="https://creativecommons.org/licenses/by/4.0/">',
        '<link rel="xhv:license" href="https://creativecommons.org/licenses/by/4.0/">',
    ],
    ids=[
        "dcterms-lower",
        "dcterms-upper",
        "link-dcterms",
        "dc-rights-license",
        "rdfa-cc",
        "rdfa-xhv",
    ],
)
def test_dublin_core_and_rdfa_head_metadata(tag: str) -> None:
    f = page(head=tag, body=article())
    assert (f.spdx, f.scope) == ("CC-BY-4.0", Scope.PAGE)


def test_meta_value_attribute_some_tools_write() -> None:
    f = page(
        head='<meta name="DC.Rights" value="https://creativecommons.org/licenses/by-nc-nd/4.0/">',
        body=article(),
    )
    assert f.spdx == "CC-BY-NC-ND-4.0"


def test_dc_rights_free_text_copyright_is_not_a_licence() -> None:
    f = page(head='<meta name="DC.rights" content="(c) 2011 Feuerwehr Oldenburg">', body=article())
    assert f.spdx is None
    assert f.scope is None


# -- JSON-LD ---------------------------------------------------------------------------------


def _ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def test_row_jsonld_newsarticle_license_is_page() -> None:
    f = page(
        head=_ld(
            {
                "@context": "https://schema.org",
                "@type": "NewsArticle",
                "license": "https://creativecommons.org/licenses/by/4.0/",
            }
        ),
        body=article(),
    )
    assert (f.spdx, f.scope) == ("CC-BY-4.0", Scope.PAGE)
    assert "NewsArticle".lower() in f.reason.lower()
    assert f.hits[0].evidence.source == "jsonld:license"


def test_row_jsonld_image_licence_only_is_part() -> None:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "image": {
            "@type": "ImageObject",
            "url": "x.jpg",
            "license": "https://creativecommons.org/licenses/by-nc/2.0/",
        },
    }
    f = page(head=_ld(data), body=article())
    assert f.spdx is None
    assert f.scope == Scope.PART
    assert "image" in f.hits[0].scope_reason


def test_jsonld_graph_mainentity_array_and_object_values() -> None:
    data = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "name": "x"},
            {
                "@type": "WebPage",
                "mainEntity": {
                    "@type": "BlogPosting",
                    "license": [{"@id": "https://creativecommons.org/licenses/by-sa/4.0/"}],
                },
            },
        ],
    }
    f = page(head=_ld(data), body=article())
    assert (f.spdx, f.scope) == ("CC-BY-SA-4.0", Scope.PAGE)
    assert "mainEntity" in f.hits[0].evidence.locator


def test_jsonld_website_licence_is_site_and_list_items_are_part() -> None:
    site = {"@type": "WebSite", "license": "https://creativecommons.org/licenses/by/4.0/"}
    listing = {
        "@type": "ItemList",
        "itemListElement": [
            {"@type": "Article", "license": "https://creativecommons.org/licenses/by-nc/4.0/"}
        ],
    }
    f = page(head=_ld(site) + _ld(listing), body=article())
    assert (f.spdx, f.scope) == ("CC-BY-4.0", Scope.SITE)
    assert _hit(f, "CC-BY-NC-4.0").scope == Scope.PART


def test_jsonld_licence_given_as_name() -> None:
    f = page(head=_ld({"@type": "Article", "license": "CC BY-SA 4.0"}), body=article())
    assert f.spdx == "CC-BY-SA-4.0"


def test_jsonld_non_licence_url_is_not_a_licence() -> None:
    f = page(
        head=_ld({"@type": "NewsArticle", "license": "https://example.com/legal/"}), body=article()
    )
    assert f.spdx is None


def test_jsonld_wrapped_in_cdata_is_read() -> None:
    block = (
        '<script type="application/ld+json">//<![CDATA[\n{"@type": "Article", '
        '"license": "https://creativecommons.org/licenses/by/4.0/"}\n//]]></script>'
    )
    f = page(head=block, body=article())
    assert f.spdx == "CC-BY-4.0"


# -- microdata / RDFa in the body -------------------------------------------------------------


def test_microdata_licence_on_article_item_is_page() -> None:
    body = (
        '<article itemscope itemtype="https://schema.org/Article">'
        + ARTICLE
        + '<link itemprop="license" href="https://creativecommons.org/licenses/by/4.0/"></article>'
    )
    f = page(body=body)
    assert (f.spdx, f.scope) == ("CC-BY-4.0", Scope.PAGE)
    assert "microdata" in f.reason


def test_microdata_licence_on_image_item_is_part() -> None:
    body = (
        "<article>"
        + ARTICLE
        + '<div itemprop="image" itemscope itemtype="https://schema.org/ImageObject">'
        '<link itemprop="license" href="https://creativecommons.org/licenses/by/4.0/"></div></article>'
    )
    f = page(body=body)
    assert f.spdx is None
    assert f.scope == Scope.PART


def test_rdfa_about_an_image_is_part() -> None:
    body = article(
        footer='<div about="photo.jpg"><span property="cc:license" '
        'resource="https://creativecommons.org/licenses/by/2.0/">CC BY</span></div>'
    )
    f = page(body=body)
    assert f.spdx is None
    assert "photo.jpg" in f.hits[0].scope_reason


# -- badges ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("src", "spdx"),
    [
        ("https://i.creativecommons.org/l/by-sa/3.0/de/88x31.png", "CC-BY-SA-3.0-DE"),
        ("https://licensebuttons.net/l/by/4.0/80x15.png", "CC-BY-4.0"),
        ("https://i.creativecommons.org/p/zero/1.0/88x31.png", "CC0-1.0"),
    ],
)
def test_footer_badge_alone_is_site(src: str, spdx: str) -> None:
    f = page(body=article(footer=f'<p><img alt="Creative Commons License" src="{src}"></p>'))
    assert (f.spdx, f.scope) == (spdx, Scope.SITE)
    assert f.hits[0].evidence.source == "html:img[src] (licence badge)"


def test_badge_inside_licence_link_defers_to_the_link_url() -> None:
    footer = (
        '<a rel="license" href="https://creativecommons.org/licenses/by-nc-nd/3.0/de/">'
        '<img src="https://licensebuttons.net/l/by-nc-nd/2.0/88x31.png"></a> CC-BY-NC-ND Jane Doe'
    )
    f = page(body=article(footer=footer))
    assert f.spdx == "CC-BY-NC-ND-3.0-DE"
    assert not f.ambiguous
    assert all(h.spdx != "CC-BY-NC-ND-2.0" for h in f.hits)


# -- statements in text, six languages -------------------------------------------------------


@pytest.mark.parametrize(
    ("footer", "spdx"),
    [
        (
            "This work is licensed under a Creative Commons Attribution-ShareAlike 4.0 International License.",
            "CC-BY-SA-4.0",
        ),
        (
            "Dieses Blog steht unter einer Creative Commons Namensnennung 3.0 Deutschland Lizenz.",
            "CC-BY-3.0-DE",
        ),
        (
            "Lizenz: Die von uns verfassten Inhalte stehen unter der Lizenz CC BY-NC-ND 3.0 DE.",
            "CC-BY-NC-ND-3.0-DE",
        ),
        (
            "Le contenu de ce site est mis à disposition sous licence Creative Commons Attribution 4.0 International.",
            "CC-BY-4.0",
        ),
        (
            "Todo el contenido de este sitio está bajo una licencia Creative Commons Reconocimiento-CompartirIgual 4.0 Internacional.",
            "CC-BY-SA-4.0",
        ),
        (
            "Tutti i contenuti di questo sito sono distribuiti con licenza Creative Commons Attribuzione - Condividi allo stesso modo 4.0 Internazionale.",
            "CC-BY-SA-4.0",
        ),
        (
            "Alle inhoud van deze website valt onder een Creative Commons Naamsvermelding-GelijkDelen 4.0 Internationaal-licentie.",
            "CC-BY-SA-4.0",
        ),
        (
            "Contenu sous licence Creative Commons Attribution - Pas d’Utilisation Commerciale - Partage dans les Mêmes Conditions 3.0 France.",
            "LicenseRef-CC-BY-NC-SA-3.0-FR",
        ),
    ],
    ids=["en", "de", "de-label", "fr", "es", "it", "nl", "fr-port"],
)
def test_footer_text_statement_without_link(footer: str, spdx: str) -> None:
    f = page(body=article(footer=f"<p>{footer}</p>"))
    assert (f.spdx, f.scope) == (spdx, Scope.SITE)
    assert f.hits[0].evidence.source == "text"
    assert f.hits[0].evidence.excerpt  # the sentence it was read from


def test_unversioned_text_mention_is_not_given_a_version() -> None:
    f = page(body=article(footer="<p>All content on this site is licensed under CC BY-SA.</p>"))
    assert (f.spdx, f.scope) == ("LicenseRef-CC-BY-SA-unversioned", Scope.SITE)
    assert "version not stated" in f.reason
    decision = assess_page(
        "",
        None,
        (
            "<html><body>"
            + article(footer="<p>All content on this site is licensed under CC BY-SA.</p>")
            + "</body></html>"
        ).encode(),
    ).decision
    assert not decision.include
    assert "license-not-allowed:LicenseRef-CC-BY-SA-unversioned" in decision.reasons


def test_row_wikipedia_footer_text_takes_version_from_link() -> None:
    footer = (
        '<li id="footer-info-copyright">Text is available under the <a rel="license" '
        'href="//en.wikipedia.org/wiki/Wikipedia:Text_of_Creative_Commons_Attribution-ShareAlike">'
        'Creative Commons Attribution-ShareAlike License</a><a rel="license" '
        'href="//creativecommons.org/licenses/by-sa/3.0/" style="display:none;"></a>; '
        "additional terms may apply.</li>"
    )
    f = page(body=article(footer=f"<ul>{footer}</ul>"))
    assert (f.spdx, f.scope) == ("CC-BY-SA-3.0", Scope.SITE)


def test_unversioned_site_text_takes_version_from_head_link() -> None:
    f = page(
        head=f'<link rel="license" href="{CC_BY_SA_3}">',
        body=article(
            footer="<p>Text is available under the Creative Commons Attribution-ShareAlike License.</p>"
        ),
    )
    assert f.spdx == "CC-BY-SA-3.0"
    assert not f.ambiguous


def test_deed_translation_link_beats_port_named_in_link_text() -> None:
    footer = (
        '<p>Diese Website ist lizenziert als <a href="https://creativecommons.org/licenses/by/3.0/deed.de">'
        "Creative Commons Namensnennung 3.0 DE Lizenz</a></p>"
    )
    f = page(body=article(footer=footer))
    assert (f.spdx, f.ambiguous) == ("CC-BY-3.0", False)
    assert "translation" in f.hits[0].evidence.note


def test_row_footer_label_noncommercial_is_site_and_denied() -> None:
    html = (
        "<html><body>"
        + article(footer="<p>© Beispiel-Blog · Lizenz: CC BY-NC-SA 4.0</p>")
        + "</body></html>"
    )
    a = assess_page("", None, html.encode())
    assert a.license is not None
    assert (a.license.spdx, a.license.scope) == ("CC-BY-NC-SA-4.0", Scope.SITE)
    assert "license-not-allowed:CC-BY-NC-SA-4.0" in a.decision.reasons


def test_gfdl_statement() -> None:
    footer = (
        "<p>Permission is granted to copy, distribute and/or modify this document under the terms of "
        "the GNU Free Documentation License, Version 1.3 or any later version.</p>"
    )
    f = page(body=article(footer=footer))
    assert f.spdx == "GFDL-1.3-or-later"


def test_public_domain_statement_for_the_site() -> None:
    f = page(body=article(footer="<p>All content on this site is in the public domain.</p>"))
    assert (f.spdx, f.scope) == ("LicenseRef-Public-Domain", Scope.SITE)


def test_public_domain_mention_in_prose_is_not_a_grant() -> None:
    f = page(
        body=article(
            inner="<p>Because the author put the comment in the public domain, I translated it.</p>"
        )
    )
    assert f.spdx is None


# -- the scope problem (licenses.md §3) ------------------------------------------------------


def test_row_caption_credit_only_is_part() -> None:
    inner = (
        '<figure><img src="a.jpg"><figcaption>Foto: Max Muster, '
        '<a href="https://creativecommons.org/licenses/by-sa/4.0/">CC BY-SA 4.0</a>, via Wikimedia Commons'
        "</figcaption></figure>"
    )
    f = page(body=article(inner=inner))
    assert (f.spdx, f.scope) == (None, Scope.PART)
    assert "caption" in f.hits[0].scope_reason


def test_credit_line_inside_article_is_part() -> None:
    inner = '<p><em>Header image: Forest. Credit: A. Person (<a href="https://creativecommons.org/licenses/by-nc-nd/2.0/">CC BY-NC-ND 2.0</a>)</em></p>'
    f = page(body=article(inner=inner))
    assert f.spdx is None
    assert "credit" in f.hits[0].scope_reason.lower() or "image" in f.hits[0].scope_reason.lower()


def test_row_leaflet_map_tiles_in_script_is_part() -> None:
    script = (
        '<script>L.tileLayer("https://{s}.tile.osm.org/{z}/{x}/{y}.png", {attribution: '
        '"&copy; <a href=\\"http://openstreetmap.org/\\">OpenStreetMap</a>, '
        '<a href=\\"http://creativecommons.org/licenses/by-sa/2.0/\\">CC-BY-SA</a>"});</script>'
    )
    f = page(body=article() + script)
    assert (f.spdx, f.scope) == (None, Scope.PART)
    assert f.hits[0].spdx == "CC-BY-SA-2.0"
    assert "script" in f.hits[0].scope_reason


def test_row_lightbox_software_credit_is_part() -> None:
    footer = (
        '<p>Lightbox2 © Lokesh Dhakar licensed under the <a href="http://creativecommons.org/licenses/by/2.5/">'
        "Creative Commons Attribution 2.5 License</a></p><p>Copyright 2019 Example GmbH. Alle Rechte vorbehalten</p>"
    )
    f = page(body=article(footer=footer))
    assert f.spdx is None
    assert "lightbox" in f.hits[0].scope_reason.lower()


def test_row_sidebar_all_photos_is_part() -> None:
    aside = (
        '<div class="widget"><p>Alle Fotos auf diesem Blog sind <a rel="license" '
        'href="https://creativecommons.org/licenses/by-nc-nd/3.0/">CC BY-NC-ND 3.0</a>.</p></div>'
    )
    f = page(body=article(aside=aside))
    assert (f.spdx, f.scope) == (None, Scope.PART)
    assert "fotos" in f.hits[0].scope_reason.lower()


def test_text_licensed_photos_excluded_in_next_sentence() -> None:
    inner = (
        '<p>Dieser Text wurde veröffentlicht unter der Lizenz <a href="https://creativecommons.org/licenses/'
        'by-nc-nd/4.0/legalcode.de">CC-BY-NC-ND-4.0-DE</a>. Die Fotos dürfen nicht verwendet werden.</p>'
    )
    f = page(body=article(inner=inner))
    assert (f.spdx, f.scope) == ("CC-BY-NC-ND-4.0", Scope.PAGE)


def test_row_reader_comment_is_part() -> None:
    comments = (
        '<section id="comments"><ol class="comment-list"><li class="comment"><p>They copied this from a page '
        "under their creative commons Attribution-NonCommercial-ShareAlike license "
        "(http://creativecommons.org/licenses/by-nc-sa/3.0/)</p></li></ol></section>"
    )
    f = page(body=article(inner=comments))
    assert f.spdx is None
    assert "comment" in f.hits[0].scope_reason


def test_row_user_contributions_footer_is_part() -> None:
    footer = (
        "<p>site design / logo © 2020 Example Inc; user contributions licensed under "
        '<a rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/">cc by-sa 4.0</a> '
        "with attribution required.</p>"
    )
    f = page(body=article(footer=footer))
    assert (f.spdx, f.scope) == (None, Scope.PART)
    assert "user contributions" in f.hits[0].scope_reason


UGC_FOOTER = (
    "<p>site design / logo © 2020 Example Inc; user contributions licensed under "
    '<a href="https://creativecommons.org/licenses/by-sa/3.0/">cc by-sa 3.0</a> '
    "with attribution required.</p>"
)
QUESTION = (
    '<div itemprop="mainEntity" itemscope itemtype="https://schema.org/Question">'
    '<h1 itemprop="name">How do tides work?</h1><div itemprop="text">'
    + "The tide came in slowly over the flats. " * 10
    + "</div></div>"
)


def test_user_contributions_cover_the_text_of_a_qa_page() -> None:
    body = (
        f'<div itemscope itemtype="https://schema.org/QAPage"><main>{QUESTION}</main></div>'
        f"<footer>{UGC_FOOTER}</footer>"
    )
    f = page(body=body)
    assert (f.spdx, f.scope) == ("CC-BY-SA-3.0", Scope.SITE)
    assert "main content is user-contributed (microdata QAPage)" in f.reason


def test_user_contributions_cover_a_forum_thread_declared_in_json_ld() -> None:
    ld = _ld(
        {"@context": "https://schema.org", "@type": "DiscussionForumPosting", "headline": "Tides"}
    )
    f = page(head=ld, body=article(footer=UGC_FOOTER))
    assert (f.spdx, f.scope) == ("CC-BY-SA-3.0", Scope.SITE)
    assert "JSON-LD discussionforumposting" in f.reason


def test_user_contributions_on_a_staff_blog_post_stay_part() -> None:
    ld = _ld({"@context": "https://schema.org", "@type": "BlogPosting", "headline": "Tides"})
    f = page(head=ld, body=article(footer=UGC_FOOTER))
    assert (f.spdx, f.scope) == (None, Scope.PART)


def test_music_credits_without_grant_are_part() -> None:
    inner = '<p>Musik:</p><p>Birocratic – prismatic (<a href="http://creativecommons.org/licenses/by/3.0/">CC BY</a>)</p>'
    f = page(body=article(inner=inner))
    assert f.spdx is None


def test_article_about_licences_is_part() -> None:
    inner = (
        "<p>The CC BY-SA 4.0 licence requires that adaptations are shared alike, while CC BY-NC 4.0 "
        "forbids commercial use. Many photographers pick CC BY 2.0 on Flickr.</p>"
    )
    f = page(body=article(inner=inner))
    assert f.spdx is None
    assert all(h.scope == Scope.PART for h in f.hits)


def test_explainer_with_many_badges_is_part() -> None:
    badges = "".join(
        f'<a href="https://creativecommons.org/licenses/{e}/4.0/deed.de"><img src="{e}.png"></a> '
        for e in ("by", "by-sa", "by-nc", "by-nd")
    )
    f = page(body=article(inner=f"<p>Die sechs Lizenzen: {badges}</p>"))
    assert f.spdx is None


def test_grant_inside_article_is_page() -> None:
    inner = (
        "<p>“Reading the tides” by Mara Lind is licensed under "
        '<a rel="license" href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>.</p>'
    )
    f = page(body=article(inner=inner))
    assert (f.spdx, f.scope) == ("CC-BY-4.0", Scope.PAGE)
    assert "article" in f.reason


def test_page_statement_beats_site_statement() -> None:
    inner = '<p>Lizenz: <a href="https://creativecommons.org/licenses/by/4.0/">CC-BY 4.0</a></p>'
    footer = '<p>This site is licensed under <a rel="license" href="https://creativecommons.org/licenses/by-nc/4.0/">CC BY-NC 4.0</a>.</p>'
    f = page(body=article(inner=inner, footer=footer))
    assert (f.spdx, f.scope, f.ambiguous) == ("CC-BY-4.0", Scope.PAGE, False)
    assert "precedence" in f.reason


def test_row_article_reservation_overrides_site_licence() -> None:
    inner = "<p class='byline'>© 2020 Jane Doe, all rights reserved.</p>"
    footer = '<p>Content on this site is licensed under <a rel="license" href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>.</p>'
    f = page(body=article(inner=inner, footer=footer))
    assert f.spdx is None
    assert "reserves rights" in f.reason
    assert any(h.spdx == "LicenseRef-All-Rights-Reserved" for h in f.hits)


def test_site_chrome_reservation_and_licence_is_ambiguous() -> None:
    footer = (
        "<p>© 2020 Example. All rights reserved.</p><p>Content on this site is licensed under "
        '<a rel="license" href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>.</p>'
    )
    f = page(body=article(footer=footer))
    assert (f.spdx, f.ambiguous) == ("CC-BY-4.0", True)
    a = assess_page("", None, f"<html><body>{article(footer=footer)}</body></html>".encode())
    assert "license-ambiguous:CC-BY-4.0" in a.decision.reasons


def test_hidden_metadata_reservation_does_not_override_visible_licence() -> None:
    footer = (
        "<p>If not explicitly specified otherwise, this work is licensed under a "
        '<a rel="license" href="http://creativecommons.org/licenses/by/2.0/">Creative Commons Attribution 2.0 Generic License</a></p>'
    )
    f = page(
        head='<meta name="DC.rights" content="All rights reserved">', body=article(footer=footer)
    )
    assert (f.spdx, f.ambiguous) == ("CC-BY-2.0", False)
    assert "hidden metadata" in f.reason


def test_some_rights_reserved_is_not_a_reservation() -> None:
    footer = (
        '<p>© Levente, einige Rechte vorbehalten <a href="http://creativecommons.org/licenses/by-sa/2.5/ch/">'
        "Creative Commons Lizenz: Namensnennung-Weitergabe unter gleichen Bedingungen</a></p>"
    )
    f = page(body=article(footer=footer))
    assert (f.spdx, f.ambiguous) == ("LicenseRef-CC-BY-SA-2.5-CH", False)


def test_row_two_licences_for_the_text_most_restrictive_wins() -> None:
    footer = (
        '<p>Texts on this site are licensed under <a href="https://creativecommons.org/licenses/by-sa/4.0/">CC BY-SA 4.0</a>.</p>'
        '<p>All articles are licensed under <a href="https://creativecommons.org/licenses/by-nc/4.0/">CC BY-NC 4.0</a>.</p>'
    )
    f = page(body=article(footer=footer))
    assert (f.spdx, f.ambiguous) == ("CC-BY-NC-4.0", False)
    assert "most restrictive" in f.reason


def test_row_dual_licence_with_or() -> None:
    footer = (
        '<p>Text is available under <a href="https://creativecommons.org/licenses/by-sa/3.0/">CC BY-SA 3.0</a> '
        'or <a href="https://www.gnu.org/licenses/fdl-1.3.html">GFDL</a> on this site.</p>'
    )
    f = page(body=article(footer=footer))
    assert f.spdx == "CC-BY-SA-3.0 OR GFDL-1.3-only"
    assert "dual" in f.reason


def test_unrankable_conflict_is_ambiguous() -> None:
    footer = (
        '<p>Content on this site: <a href="https://creativecommons.org/licenses/by/3.0/">CC BY 3.0</a></p>'
        '<p>All texts on this site: <a href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a></p>'
    )
    f = page(body=article(footer=footer))
    assert f.ambiguous
    assert "conflicting" in f.reason


# -- third-party text inside the main text (excerpts under their own terms) ------------------

SITE_BY_SA_3 = (
    '<p><a rel="license" href="http://creativecommons.org/licenses/by-sa/3.0/">'
    "Dieses Werk ist lizenziert unter einer Creative Commons Namensnennung - Weitergabe unter "
    "gleichen Bedingungen 3.0 Unported Lizenz</a>.</p>"
)


def _with_excerpts(site: str, excerpts: str):
    return page(body=article(footer=f"<p>{excerpts}</p>{site}"))


def test_excerpts_whose_version_is_unknown_make_the_text_terms_ambiguous() -> None:
    f = _with_excerpts(
        SITE_BY_SA_3,
        "Die Textausschnitte stammen zum Teil aus der freien Enzyklopädie Wikipedia und sind "
        "unter der Creative Commons Attribution/Share Alike Lizenz verfügbar.",
    )
    assert (f.spdx, f.scope, f.ambiguous) == ("CC-BY-SA-3.0", Scope.SITE, True)
    assert "third-party material under LicenseRef-CC-BY-SA-unversioned" in f.reason
    assert "version is not stated" in f.reason
    excerpt_hit = _hit(f, "LicenseRef-CC-BY-SA-unversioned")
    assert excerpt_hit.scope == Scope.PART
    assert "third-party 'textausschnitte' within the text" in excerpt_hit.scope_reason


def test_excerpts_under_the_same_licence_keep_the_text_licence() -> None:
    f = _with_excerpts(
        SITE_BY_SA_3,
        'Text excerpts from Wikipedia are available under <a href="https://creativecommons.org/'
        'licenses/by-sa/3.0/">CC BY-SA 3.0</a>.',
    )
    assert (f.spdx, f.scope, f.ambiguous) == ("CC-BY-SA-3.0", Scope.SITE, False)
    assert "third-party text in it is under the same licence" in f.reason


def test_more_restrictive_excerpts_govern_the_text() -> None:
    site = '<p>Content on this site is licensed under <a href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>.</p>'
    f = _with_excerpts(
        site,
        'Excerpts from the Example Gazette: <a href="https://creativecommons.org/licenses/by-nc/4.0/">CC BY-NC 4.0</a>.',
    )
    assert (f.spdx, f.ambiguous) == ("CC-BY-NC-4.0", False)
    assert f.url == "https://creativecommons.org/licenses/by-nc/4.0/"
    assert "more restrictive than CC-BY-4.0: the most restrictive applies" in f.reason


def test_less_restrictive_excerpts_leave_the_text_licence() -> None:
    site = '<p>Content on this site is licensed under <a href="https://creativecommons.org/licenses/by-sa/4.0/">CC BY-SA 4.0</a>.</p>'
    f = _with_excerpts(
        site,
        'Extraits de textes de Wikisource, <a href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>.',
    )
    assert (f.spdx, f.ambiguous) == ("CC-BY-SA-4.0", False)
    assert "no more restrictive than CC-BY-SA-4.0" in f.reason


def test_excerpt_credit_without_a_text_licence_stays_part() -> None:
    f = _with_excerpts("", "Auszüge aus Wikipedia stehen unter der Lizenz CC BY-SA 4.0.")
    assert (f.spdx, f.scope) == (None, Scope.PART)


def test_excerpts_under_an_unversioned_licence_exclude_the_page_by_default() -> None:
    html = f"<html><body>{article(footer='<p>Die Textausschnitte stammen aus Wikipedia und sind unter der Creative Commons Attribution/Share Alike Lizenz verfügbar.</p>' + SITE_BY_SA_3)}</body></html>"
    a = assess_page("https://example.org/a", {}, html.encode())
    assert not a.decision.include
    assert a.license is not None
    assert a.license.ambiguous


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ("die textausschnitte stammen zum teil aus wikipedia", ("excerpt", "textausschnitte")),
        ("text excerpts from wikipedia are available under", ("excerpt", "text excerpts")),
        ("excerpts of the text are from the gazette", ("excerpt", "excerpts of the text")),
        ("fotos und textausschnitte aus wikipedia", ("excerpt", "textausschnitte")),
        ("alle texte und auszüge aus der presse", ("text", "texte")),
        ("alle fotos stehen unter", ("part", "fotos")),
    ],
)
def test_coverage_names_third_party_excerpts(context: str, expected: tuple[str, str]) -> None:
    assert coverage(context) == expected


def test_navigation_label_linking_a_licence_page_is_not_a_statement() -> None:
    nav = '<nav><ul><li><a href="/about/gfdl-lizenz/">GFDL Lizenz</a></li><li><a href="/lizenzen">Rechte &amp; Lizenzen</a></li></ul></nav>'
    f = page(body=nav + article())
    assert f.spdx is None
    assert not f.hits


def test_repository_licence_file_link() -> None:
    aside = '<div class="sidebar"><h3>License</h3><a href="/acme/tool/blob/master/LICENSE.md">MIT license</a></div>'
    f = page(body=article(aside=aside))
    assert f.spdx == "MIT"


def test_code_licence_in_footer_is_part() -> None:
    f = page(
        body=article(footer="<p>Source code of this site is released under the MIT License.</p>")
    )
    assert f.spdx is None
    assert "code" in f.hits[0].scope_reason


def test_software_licence_link_in_site_menu_is_part() -> None:
    footer = (
        '<ul class="menu"><li><a href="https://github.com/acme/archive">archive v0.9</a></li>'
        '<li><a href="http://www.gnu.org/licenses/gpl-2.0.html" title="View License">GPL</a> by the '
        '<a href="https://acme.example/">Acme</a></li></ul>'
    )
    f = page(body=article(footer=footer))
    assert (f.spdx, f.scope) == (None, Scope.PART)
    assert "licenses the site's software, not its text" in _hit(f, "GPL-2.0-only").scope_reason


def test_software_licence_granted_for_the_site_in_the_footer_still_covers_it() -> None:
    footer = (
        '<p>Licensed under the <a href="https://opensource.org/licenses/MIT">MIT License</a>.</p>'
    )
    f = page(body=article(footer=footer))
    assert (f.spdx, f.scope) == ("MIT", Scope.SITE)


def test_long_comment_thread_about_licences_is_read_only_in_part() -> None:
    comments = "".join(
        f'<li class="comment"><p>Comment {i}: I publish under CC BY-NC 4.0 myself.</p></li>'
        for i in range(30)
    )
    f = page(body=article(inner=f'<ol class="comment-list">{comments}</ol>'))
    assert (f.spdx, f.scope) == (None, Scope.PART)
    in_comments = [h for h in f.hits if "reader comment" in h.scope_reason]
    assert 1 <= len(in_comments) <= 5


def test_text_whose_lower_case_is_longer_does_not_hide_a_statement() -> None:
    # "İ".lower() is two characters: candidate text nodes must still line up.
    footer = (
        "<p>İstanbul notları · İzmir</p>"
        '<p>Content on this site is licensed under <a href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>.</p>'
    )
    f = page(body=article(footer=footer))
    assert (f.spdx, f.scope) == ("CC-BY-4.0", Scope.SITE)


def test_no_markup_page_uses_densest_text_block_as_the_article() -> None:
    body = (
        "<div id='top'>Menu</div><div class='box'><div>"
        + "<p>"
        + "Ein langer Absatz über Open Source. " * 10
        + "</p>" * 3
        + '<p>Dieser Artikel steht unter <a rel="license" href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>.</p>'
        + "</div></div><div class='copyright'>All rights reserved.</div>"
    )
    f = page(body=body)
    assert (f.spdx, f.scope, f.ambiguous) == ("CC-BY-4.0", Scope.PAGE, False)
    assert "densest" in f.reason


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "headers", "why"),
    [
        (b"", None, "no licence read"),
        (b"%PDF-1.4 binary", [("Content-Type", "application/pdf")], "not HTML"),
        (b"   \n  ", [("Content-Type", "text/html")], "empty"),
    ],
)
def test_no_tree_gives_a_clear_result(body: bytes, headers: object, why: str) -> None:
    f = detect_license(parse_page("", headers, body))
    assert f.spdx is None
    assert f.scope is None
    assert why in f.reason


def test_link_header_counts_even_without_html() -> None:
    f = detect_license(
        parse_page(
            "",
            [("Content-Type", "application/pdf"), ("Link", f'<{CC_BY_SA_3}>; rel="license"')],
            b"%PDF",
        )
    )
    assert f.spdx == "CC-BY-SA-3.0"


def test_relative_licence_urls_resolve_against_the_page() -> None:
    f = page(
        head='<link rel="license" href="/licenses/by/4.0/">',
        body=article(),
        url="https://creativecommons.org/about/",
    )
    assert f.spdx == "CC-BY-4.0"


def test_licence_discussed_in_long_prose_is_part() -> None:
    inner = (
        "<p>"
        + "Volunteers have written millions of encyclopedia entries over two decades. " * 4
        + "Wikipedia's text is licensed under CC BY-SA 3.0, which lets anyone reuse it with credit. "
        + "Critics say the model is fragile. " * 3
        + "</p>"
    )
    f = page(body=article(inner=inner))
    assert f.spdx is None
    assert all(h.scope == Scope.PART for h in f.hits)


def test_short_licence_line_in_article_is_page() -> None:
    f = page(body=article(inner="<p>Licensed under CC BY 4.0.</p>"))
    assert (f.spdx, f.scope) == ("CC-BY-4.0", Scope.PAGE)


def test_one_footer_line_for_several_parts_keeps_the_text_licence() -> None:
    footer = "<p>Texts: CC BY-SA 4.0 · Photos: CC BY-NC 4.0 · Code: MIT License</p>"
    f = page(body=article(footer=footer))
    assert (f.spdx, f.scope) == ("CC-BY-SA-4.0", Scope.SITE)
    assert _hit(f, "CC-BY-NC-4.0").scope == Scope.PART
    assert _hit(f, "MIT").scope == Scope.PART


@pytest.mark.parametrize(
    "footer",
    [
        "Weather data: Deutscher Wetterdienst, CC BY 4.0",
        "This file is licensed under the Creative Commons Attribution-Share Alike 4.0 International license.",
        "Textausschnitte aus Wikipedia stehen unter der Lizenz CC BY-SA 3.0.",
        "Icons by Example Studio, licensed under CC BY 3.0",
    ],
)
def test_footer_statements_about_other_things_are_part(footer: str) -> None:
    f = page(body=article(footer=f"<p>{footer}</p>"))
    assert f.spdx is None
    assert f.scope == Scope.PART


def test_credit_right_after_a_picture_is_part() -> None:
    body = (
        '<div class="img-holder"><img width="1000" src="storm.jpg"><div class="license-info">'
        '<a href="https://creativecommons.org/licenses/by-nd/2.0/">CC BY-ND</a> <span>Jane Doe</span></div></div>'
        + article()
    )
    f = page(body=body)
    assert f.spdx is None
    assert "right after an <img>" in f.hits[0].scope_reason


def test_credit_linking_a_media_file_page_is_part() -> None:
    body = (
        '<div class="license-info"><a href="https://creativecommons.org/licenses/by-sa/2.0/">CC BY-SA</a> '
        '<a href="https://commons.wikimedia.org/wiki/File:Harbour.jpg">Gabriel</a></div>'
        + article()
    )
    f = page(body=body)
    assert f.spdx is None
    assert "commons.wikimedia.org" in f.hits[0].scope_reason


def test_badge_after_a_row_of_linked_logos_is_still_the_site_licence() -> None:
    footer = (
        '<p><a href="https://partner.example/"><img alt="Partner" src="/logo.png"></a></p>'
        '<p><a rel="license" href="http://creativecommons.org/licenses/by/3.0/de/"><img alt="Creative Commons License" '
        'src="/images/80x15.png"></a></p>'
    )
    f = page(body=article(footer=footer))
    assert (f.spdx, f.scope) == ("CC-BY-3.0-DE", Scope.SITE)


def test_software_licence_named_in_documentation_is_part() -> None:
    f = page(body=article(inner="<p>Docker is licensed under the Apache License, Version 2.0.</p>"))
    assert f.spdx is None
    assert "software" in f.hits[0].scope_reason


def test_short_sentence_about_another_work_is_not_a_grant() -> None:
    f = page(body=article(inner="<p>Wikipedia is licensed under CC BY-SA 4.0.</p>"))
    assert f.spdx is None
    assert "prose" in f.hits[0].scope_reason


# -- unrecognised and unnormalised licence URLs (issue 11 item 18) ---------------------------

CC_BY_4 = "https://creativecommons.org/licenses/by/4.0/"
SITE_FOOTER_CC_BY = (
    f'<p>Content on this site is licensed under <a href="{CC_BY_4}">CC BY 4.0</a>.</p>'
)


def _unrecognised(f: LicenseFinding) -> list:
    return [h for h in f.hits if h.spdx == "LicenseRef-unrecognised"]


def test_second_head_licence_link_to_a_terms_page_makes_the_finding_ambiguous() -> None:
    head = (
        f'<link rel="license" href="{CC_BY_4}">'
        '<link rel="license" href="https://news.example/terms-of-use">'
    )
    a = assess_page(
        "https://news.example/a", None, f"<html><head>{head}</head><body>{article()}</body></html>"
    )
    assert a.license is not None
    assert (a.license.spdx, a.license.ambiguous) == ("CC-BY-4.0", True)
    assert "https://news.example/terms-of-use" in a.license.reason
    hit = _unrecognised(a.license)[0]
    assert (hit.scope, hit.url) == (Scope.PAGE, "https://news.example/terms-of-use")
    assert not a.decision.include
    assert "license-ambiguous:CC-BY-4.0" in a.decision.reasons


def test_footer_licence_link_to_a_terms_page_is_site_scope_and_ambiguous() -> None:
    footer = (
        SITE_FOOTER_CC_BY + '<p><a rel="license" href="/legal/licence-terms">Licence terms</a></p>'
    )
    f = page(body=article(footer=footer), url="https://blog.example/post")
    assert (f.spdx, f.scope, f.ambiguous) == ("CC-BY-4.0", Scope.SITE, True)
    hit = _unrecognised(f)[0]
    assert hit.scope == Scope.SITE
    assert "https://blog.example/legal/licence-terms" in hit.evidence.excerpt


def test_jsonld_licence_naming_an_unknown_document_makes_the_finding_ambiguous() -> None:
    ld = {"@type": "NewsArticle", "license": "https://news.example/syndication-terms"}
    head = f'<link rel="license" href="{CC_BY_4}"><script type="application/ld+json">{json.dumps(ld)}</script>'
    f = page(head=head, body=article())
    assert (f.spdx, f.ambiguous) == ("CC-BY-4.0", True)
    assert "syndication-terms" in f.reason


def test_licence_meta_naming_an_unknown_url_makes_the_finding_ambiguous() -> None:
    head = (
        f'<link rel="license" href="{CC_BY_4}">'
        '<meta name="dcterms.license" content="https://publisher.example/reuse-policy">'
    )
    f = page(head=head, body=article())
    assert (f.spdx, f.ambiguous) == ("CC-BY-4.0", True)
    assert _unrecognised(f)[0].scope == Scope.PAGE


def test_unknown_licence_link_inside_a_reader_comment_changes_nothing() -> None:
    comments = (
        '<ol class="comment-list"><li class="comment"><p>My own blog is under '
        '<a rel="license" href="https://reader.example/my-terms">my terms</a>.</p></li></ol>'
    )
    f = page(body=article(inner=comments, footer=SITE_FOOTER_CC_BY))
    assert (f.spdx, f.scope, f.ambiguous) == ("CC-BY-4.0", Scope.SITE, False)


def test_licence_link_text_naming_the_licence_is_not_unknown() -> None:
    # rel=license to the site's own copyright page whose text names the licence: the text says
    # what the terms are, so they are not unknown.
    footer = '<p>Texts: <a rel="license" href="/copyright">CC BY-SA 4.0</a></p>'
    f = page(body=article(footer=footer), url="https://wiki.example/page")
    assert (f.spdx, f.scope, f.ambiguous) == ("CC-BY-SA-4.0", Scope.SITE, False)


@pytest.mark.parametrize(
    ("href", "spdx"),
    [
        ("https://creativecommons.org/licenses/by%2Dnc/4.0/", "CC-BY-NC-4.0"),
        ("https://creativecommons.org/licenses/by/4.0/deed.de/../../../by-nd/4.0/", "CC-BY-ND-4.0"),
    ],
)
def test_unnormalised_licence_url_is_read_as_what_it_resolves_to(href: str, spdx: str) -> None:
    a = assess_page(
        "",
        None,
        f'<html><head><link rel="license" href="{href}"></head><body>{article()}</body></html>',
    )
    assert a.license is not None
    assert (a.license.spdx, a.license.scope) == (spdx, Scope.PAGE)
    assert f"license-not-allowed:{spdx}" in a.decision.reasons


def test_head_licence_link_to_a_copyright_page_the_footer_names_is_not_unknown() -> None:
    # A general rule, not a site list: the page's own link text says which licence the
    # target document is, and that licence is stated for the text anyway.
    head = '<link rel="license" href="/copyright">'
    footer = (
        "<p>Text is available under the Creative Commons Attribution-ShareAlike 4.0 licence; "
        'see <a href="/copyright">CC BY-SA 4.0</a>.</p>'
    )
    f = page(head=head, body=article(footer=footer), url="https://wiki.example/page")
    assert (f.spdx, f.ambiguous) == ("CC-BY-SA-4.0", False), f.reason
    assert "link text names it CC-BY-SA-4.0" in f.reason


def test_copyright_page_named_as_a_licence_not_stated_for_the_text_stays_unknown() -> None:
    head = '<link rel="license" href="/copyright">'
    comments = (
        '<ol class="comment-list"><li class="comment"><p>Isn\'t <a href="/copyright">CC BY-NC 4.0</a> '
        "what they use?</p></li></ol>"
    )
    footer = f'<p>Content on this site is licensed under <a href="{CC_BY_4}">CC BY 4.0</a>.</p>'
    f = page(
        head=head, body=article(inner=comments, footer=footer), url="https://wiki.example/page"
    )
    assert (f.spdx, f.ambiguous) == ("CC-BY-4.0", True), f.reason
    assert "https://wiki.example/copyright" in f.reason


def test_grant_linking_an_unknown_licence_document_makes_the_finding_ambiguous() -> None:
    footer = (
        SITE_FOOTER_CC_BY
        + '<p>Photos and texts are licensed under <a href="/license.html">our reuse licence</a>.</p>'
    )
    f = page(body=article(footer=footer), url="https://mag.example/story")
    assert (f.spdx, f.ambiguous) == ("CC-BY-4.0", True), f.reason
    assert "https://mag.example/license.html" in f.reason


def test_menu_link_to_a_licence_page_is_not_a_statement() -> None:
    footer = (
        SITE_FOOTER_CC_BY
        + '<ul><li><a href="/license">License</a></li><li><a href="/about">About</a></li></ul>'
    )
    f = page(body=article(footer=footer), url="https://mag.example/story")
    assert (f.spdx, f.scope, f.ambiguous) == ("CC-BY-4.0", Scope.SITE, False), f.reason


def test_percent_encoded_licence_link_in_the_footer_is_read() -> None:
    footer = (
        SITE_FOOTER_CC_BY
        + '<p>All texts: <a href="https://creative%63ommons.org/%6Cicenses/by-nc/4.0/">this licence</a>.</p>'
    )
    f = page(body=article(footer=footer))
    assert f.spdx == "CC-BY-NC-4.0", f.reason
