"""Paywall variants beyond schema.org and ``article:content_tier`` (issue 17).

Synthetic pages written for these tests: access-level meta tags (``article.access``, the
``access`` tag of scholarly platforms) and abstract-only landing pages of subscription articles
that declare nothing but offer the article for sale.
"""

from __future__ import annotations

import json

import pytest

from filters.html import parse_page
from filters.paywall import detect_paywall
from filters.results import PaywallFinding

BODY = (
    "<article><h1>Storms</h1><p>" + "The storm reached the coast at night. " * 60 + "</p></article>"
)
SCHOLARLY = (
    '<meta name="citation_title" content="Growth of seedlings">'
    '<meta name="citation_doi" content="10.0000/seedlings">'
)
ABSTRACT = (
    "<main><h1>Growth of seedlings</h1><section><h2>Abstract</h2><p>"
    + "We measured growth under three light regimes. " * 8
    + "</p></section>{offer}</main>"
)


def check(head: str = "", body: str = BODY) -> PaywallFinding:
    html = f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"
    return detect_paywall(parse_page("https://example.org/a", None, html.encode()))


@pytest.mark.parametrize(
    ("tag", "kind"),
    [
        ('<meta name="article.access" content="paid">', "hard"),
        ('<meta name="article.access" content="subscriber">', "hard"),
        ('<meta property="article:access" content="metered">', "metered"),
        ('<meta name="access" content="No">', "hard"),
        ('<meta name="access_level" content="registration">', "registration"),
    ],
)
def test_access_level_meta_walls_the_page(tag: str, kind: str) -> None:
    f = check(tag)
    assert (f.paywalled, f.kind) == (True, kind)
    assert f.reason.startswith("access-level meta ")
    assert f.evidence[0].source.startswith("html:meta[")


@pytest.mark.parametrize(
    "tag", ['<meta name="article.access" content="free">', '<meta name="access" content="Yes">']
)
def test_access_level_meta_declares_the_page_free(tag: str) -> None:
    f = check(tag)
    assert f.paywalled is False
    assert "declared free (access-level meta" in f.reason


def test_unknown_access_values_are_not_read() -> None:
    f = check('<meta name="access" content="wheelchair">')
    assert (f.paywalled, f.reason) == (False, "no paywall signal")


def test_paid_access_level_wins_over_a_free_schema_declaration() -> None:
    free_ld = json.dumps(
        {"@context": "https://schema.org", "@type": "NewsArticle", "isAccessibleForFree": True}
    )
    f = check(
        f'<meta name="article.access" content="paid"><script type="application/ld+json">'
        f"{free_ld}</script>"
    )
    assert f.paywalled is True  # a wall declared anywhere wins (fail closed)
    assert "conflicts with isAccessibleForFree=true" in f.reason


def test_abstract_page_offering_the_article_for_sale_is_walled() -> None:
    offer = '<div class="access"><a href="/buy">Purchase PDF</a> <a href="/inst">Access through your institution</a></div>'
    f = check(SCHOLARLY, ABSTRACT.format(offer=offer))
    assert (f.paywalled, f.kind) == (True, "hard")
    assert "abstract-only page of a subscription article" in f.reason
    assert "'purchase pdf'" in f.reason


@pytest.mark.parametrize(
    "offer",
    [
        "Buy article PDF",
        "Rent this article",
        "Purchase instant access",
        "Get full access to this article",
    ],
)
def test_offers_to_buy_the_article(offer: str) -> None:
    f = check(SCHOLARLY, ABSTRACT.format(offer=f'<a href="/access">{offer}</a>'))
    assert (f.paywalled, f.kind) == (True, "hard")


def test_purchase_offer_in_page_data_counts() -> None:
    data = '<script>window.bar={"components":[{"label":"Buy article PDF","href":"/buy"}]};</script>'
    f = check(SCHOLARLY, ABSTRACT.format(offer=data))
    assert f.paywalled is True


def test_institutional_access_alone_is_not_a_wall() -> None:
    offer = '<a href="/inst">Access through your institution</a>'
    f = check(SCHOLARLY, ABSTRACT.format(offer=offer))
    assert f.paywalled is False


def test_purchase_offer_on_a_page_that_is_not_an_article_landing_page_is_not_read() -> None:
    offer = '<a href="/shop">Buy this article as a print reprint</a>'
    f = check("", ABSTRACT.format(offer=offer))
    assert f.paywalled is False


def test_open_access_article_declared_free_is_not_walled_by_an_offer() -> None:
    free_ld = json.dumps(
        {"@context": "https://schema.org", "@type": "ScholarlyArticle", "isAccessibleForFree": True}
    )
    offer = '<a href="/buy">Purchase PDF</a>'
    f = check(
        SCHOLARLY + f'<script type="application/ld+json">{free_ld}</script>',
        ABSTRACT.format(offer=offer),
    )
    assert f.paywalled is False
