"""Paywall detection (filters.paywall).

Cases follow the "Test cases worth having" table of shared/reference/paywall.md (ids name the
row); each asserts the kind and the reason/evidence, not only the verdict.
"""

from __future__ import annotations

import json

import pytest

from filters.assess import assess_page
from filters.html import parse_page
from filters.paywall import detect_paywall
from filters.results import PaywallFinding

BODY = (
    "<article><h1>Storms</h1>"
    + "<p>"
    + "The storm reached the coast at night. " * 60
    + "</p></article>"
)
PIANO = '<script src="https://experience.tinypass.com/xbuilder/experience/load?aid=abc"></script>'


def ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def check(
    head: str = "", body: str = BODY, status: int = 200, headers: object = None
) -> PaywallFinding:
    html = f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"
    return detect_paywall(parse_page("https://news.example/a", headers, html.encode(), status))


def article(free: object, **extra: object) -> dict[str, object]:
    return {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "x",
        "isAccessibleForFree": free,
        **extra,
    }


def test_row_jsonld_false_with_haspart() -> None:
    data = article(
        False,
        hasPart={
            "@type": "WebPageElement",
            "isAccessibleForFree": False,
            "cssSelector": ".paywall",
        },
    )
    f = check(head=ld(data))
    assert (f.paywalled, f.kind) == (True, "hard")
    assert "isAccessibleForFree=false" in f.reason
    assert ".paywall" in f.reason
    assert f.evidence[0].source == "jsonld:isAccessibleForFree"


@pytest.mark.parametrize(
    "value", ["False", "false", "FALSE", "https://schema.org/False", "http://schema.org/False"]
)
def test_row_string_forms(value: str) -> None:
    f = check(head=ld(article(value)))
    assert f.paywalled
    assert repr(value) in f.evidence[0].excerpt


def test_row_graph_webpage_and_article() -> None:
    data = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "name": "x"},
            {"@type": "NewsArticle", "isAccessibleForFree": False},
        ],
    }
    f = check(head=ld(data))
    assert f.paywalled
    assert "newsarticle" in f.evidence[0].note


def test_row_declared_free_beats_vendor_script() -> None:
    f = check(head=ld(article(True)) + PIANO)
    assert not f.paywalled
    assert "declared free" in f.reason
    assert "Piano" in f.reason
    assert any(e.source == "html:script[src]" for e in f.evidence)


def test_row_vendor_script_alone_is_recorded_not_decisive() -> None:
    f = check(head=PIANO)
    assert not f.paywalled
    assert "Piano" in f.reason
    assert "not evidence" in f.reason
    assert f.evidence
    assert "weak" in f.evidence[0].note


@pytest.mark.parametrize(
    ("meta", "kind"),
    [
        ('<meta property="article:content_tier" content="metered">', "metered"),
        ('<meta property="og:article:content_tier" content="locked">', "hard"),
        ('<meta name="article:content_tier" content="metered">', "metered"),
    ],
)
def test_row_content_tier(meta: str, kind: str) -> None:
    f = check(head=meta)
    assert (f.paywalled, f.kind) == (True, kind)
    assert "content_tier" in f.reason


def test_row_content_tier_free() -> None:
    f = check(head='<meta property="article:content_tier" content="free">' + PIANO)
    assert not f.paywalled
    assert "content_tier=free" in f.reason


def test_tier_gives_the_kind_of_a_declared_wall() -> None:
    f = check(head=ld(article(False)) + '<meta property="article:content_tier" content="metered">')
    assert (f.paywalled, f.kind) == (True, "metered")


def test_row_false_with_full_text_in_html_is_still_walled() -> None:
    data = article(False, articleBody="The storm reached the coast at night. " * 60)
    f = check(head=ld(data))
    assert f.paywalled


@pytest.mark.parametrize(
    ("status", "kind"),
    [(401, "hard"), (402, "hard"), (403, "access-refused"), (451, "access-refused")],
)
def test_row_http_status(status: int, kind: str) -> None:
    f = check(status=status)
    assert (f.paywalled, f.kind) == (True, kind)
    assert f.evidence[0].source == "http:status"
    if status in (403, 451):
        assert "not a paywall" in f.reason


def test_403_excludes_the_page_as_access_refused() -> None:
    a = assess_page("https://x.example/", None, b"<html><body>Forbidden</body></html>", 403)
    assert "paywalled:access-refused" in a.decision.reasons


def test_row_microdata_false() -> None:
    body = (
        '<article itemscope itemtype="https://schema.org/NewsArticle">'
        '<meta itemprop="isAccessibleForFree" content="False">'
        '<div class="paywall" itemprop="hasPart" itemscope itemtype="https://schema.org/WebPageElement">'
        '<meta itemprop="isAccessibleForFree" content="False"><meta itemprop="cssSelector" content=".paywall">'
        "<p>Subscriber text</p></div></article>"
    )
    f = check(body=body)
    assert f.paywalled
    assert f.evidence[0].source == "microdata:isAccessibleForFree"
    assert ".paywall" in f.reason


def test_row_haspart_list_honours_both_selectors() -> None:
    data = article(
        False,
        hasPart=[
            {"@type": "WebPageElement", "isAccessibleForFree": False, "cssSelector": ".section1"},
            {"@type": "WebPageElement", "isAccessibleForFree": False, "cssSelector": ".section2"},
        ],
    )
    f = check(head=ld(data))
    assert ".section1" in f.reason
    assert ".section2" in f.reason


def test_walled_section_on_a_page_declared_free_fails_closed() -> None:
    data = article(
        True,
        hasPart={"@type": "WebPageElement", "isAccessibleForFree": False, "cssSelector": ".plus"},
    )
    f = check(head=ld(data))
    assert f.paywalled
    assert "walled section" in f.reason
    assert "declared free" in f.reason


def test_free_haspart_on_free_page() -> None:
    data = article(
        "True",
        hasPart={
            "@type": "WebPageElement",
            "isAccessibleForFree": "True",
            "cssSelector": ".paywall-ld",
        },
    )
    assert not check(head=ld(data)).paywalled


def test_declarations_about_other_pages_are_ignored() -> None:
    teasers = {
        "@type": "ItemList",
        "itemListElement": [{"@type": "NewsArticle", "isAccessibleForFree": False}],
    }
    product = {
        "@type": "NewsArticle",
        "isPartOf": {"@type": ["CreativeWork", "Product"], "isAccessibleForFree": False},
    }
    f = check(head=ld(teasers) + ld(product))
    assert not f.paywalled


def test_unreadable_value_fails_closed() -> None:
    f = check(head=ld(article("maybe")))
    assert f.paywalled


def test_cdata_wrapped_jsonld() -> None:
    head = (
        '<script type="application/ld+json">//<![CDATA[\n'
        + json.dumps(article("False"))
        + "\n//]]></script>"
    )
    assert check(head=head).paywalled


def test_row_locked_article_body_without_declaration() -> None:
    body = '<main><div id="post-content-body" class="content-full-body locked-default"><p>Teaser text.</p></div></main>'
    f = check(body=body)
    assert (f.paywalled, f.kind) == (True, "hard")
    assert "locked" in f.reason


def test_membership_plugin_marks_the_article_restricted() -> None:
    # WordPress membership plugins add "access-restricted" to the post's own classes for a
    # visitor without access; the teaser plus the plugin's notice can exceed teaser length.
    notice = "<p>" + "Become a member to read this story and support our newsroom. " * 30 + "</p>"
    body = (
        '<article class="post type-post membership-content access-restricted entry">'
        f"<h1>Headline</h1><p>Only the first lines.</p>{notice}</article>"
    )
    f = check(body=body)
    assert (f.paywalled, f.kind) == (True, "hard")
    assert "access-restricted" in f.reason


def test_restricted_or_members_only_widgets_outside_the_article_do_not_wall_it() -> None:
    text = "<p>" + "The tide came in slowly over the flats. " * 60 + "</p>"
    body = (
        f'<article class="post entry"><h1>Headline</h1>{text}<span class="sr-only">Menu</span></article>'
        '<aside><div class="members-only teaser-card">Members-only: our archive</div>'
        '<div class="access-restricted">Log in to comment</div></aside>'
    )
    assert not check(body=body).paywalled


@pytest.mark.parametrize(
    ("prompt", "kind"),
    [
        ("Subscribe to continue reading.", "hard"),
        ("Jetzt weiterlesen mit Z+", "hard"),
        ("La suite est réservée aux abonnés.", "hard"),
        ("Register for free to continue reading", "registration"),
    ],
)
def test_row_teaser_with_prompt(prompt: str, kind: str) -> None:
    body = f"<article><h1>Headline</h1><p>Only the first lines of the story are shown.</p><div><p>{prompt}</p></div></article>"
    f = check(body=body)
    assert (f.paywalled, f.kind) == (True, kind)
    assert "teaser" in f.reason


def test_prompt_under_a_full_article_is_not_a_wall() -> None:
    body = BODY.replace(
        "</article>", "<p>Mehr lesen mit dem Plus-Abo: Jetzt weiterlesen mit Plus</p></article>"
    )
    assert not check(body=body).paywalled


def test_free_article_on_paywall_publisher() -> None:
    head = (
        ld(
            article(
                True,
                isPartOf={
                    "@type": ["CreativeWork", "Product"],
                    "productID": "news.example:premium",
                },
            )
        )
        + PIANO
    )
    body = BODY + '<div class="paywall"></div><a href="/abo">Abo-Shop</a>'
    f = check(head=head, body=body)
    assert not f.paywalled


@pytest.mark.parametrize(
    "body",
    [b"", b"\x00\x01binary", b"<html><head><script type='application/ld+json'>{broken</script>"],
)
def test_bad_input_clear_result(body: bytes) -> None:
    f = detect_paywall(parse_page("", None, body))
    assert f.paywalled is False
    assert f.reason


@pytest.mark.parametrize(
    ("selector", "kind"),
    [
        (".regwalled", "registration"),
        (".emailwall", "registration"),
        (".meteredContent", "metered"),
        (".paywall", "hard"),
    ],
)
def test_kind_from_the_walled_section_selector(selector: str, kind: str) -> None:
    data = article(
        False,
        hasPart={"@type": "WebPageElement", "isAccessibleForFree": False, "cssSelector": selector},
    )
    assert check(head=ld(data)).kind == kind
