"""RSL 1.0 §4.7 licence feeds: ``rsl:`` elements in RSS/Atom, applied to the items' URLs."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from filters.html import ParsedPage
from filters.rsl import RslContext
from filters.rsl.evaluate import Verdict
from filters.rsl.feed import MAX_FEEDS_PER_PAGE, feed_links, rsl_from_feed_fetch
from filters.rsl.page import page_rsl
from tests.support.helpers import SITES

SITE = SITES / "rsl-feed"
BASE = "http://h.example"
T0 = "2026-12-04T10:00:00Z"


def feed(name: str, body: bytes | None = None, status: int = 200) -> object:
    data = (SITE / name).read_bytes() if body is None else body
    return rsl_from_feed_fetch(f"{BASE}/{name}", status, data, T0)


@pytest.mark.parametrize(
    ("path", "verdict", "cause"),
    [
        ("/posts/a.html", Verdict.PROHIBITED, None),  # item-level, url="" = the item
        ("/posts/b.html", Verdict.PERMITTED, None),  # item-level, no url = the item
        ("/posts/c.html", Verdict.TERMS, "payment:purchase"),  # channel-level pattern
    ],
)
def test_rss_item_and_channel_terms_apply_to_their_urls(
    path: str, verdict: Verdict, cause: str | None
) -> None:
    out = feed("feed.xml").outcome_for(BASE + path)
    assert out is not None
    assert out.verdict == verdict
    if cause:
        assert out.cause == cause
    assert any("§4.7" in e.note for e in out.evidence)


def test_a_url_the_feed_does_not_mention_gets_nothing() -> None:
    assert feed("feed.xml").outcome_for(BASE + "/other.html") is None
    assert feed("feed.xml").outcome_for(BASE + "/") is None


def test_atom_entries() -> None:
    f = feed("atom.xml")
    out = f.outcome_for(BASE + "/atom/x.html")
    assert out is not None
    assert out.verdict == Verdict.PROHIBITED
    assert f.outcome_for(BASE + "/atom/y.html") is None


@pytest.mark.parametrize(
    ("name", "body", "status", "cause"),
    [
        ("bad-feed.xml", None, 200, "feed-unknown-element"),
        ("f.xml", b'<rss xmlns:rsl="https://rslstandard.org/rsl"><channel>', 200, "feed-malformed"),
        (
            "f.xml",
            b'<!DOCTYPE rss><rss xmlns:rsl="https://rslstandard.org/rsl"><channel/></rss>',
            200,
            "feed-doctype",
        ),
        ("f.xml", b"", 503, "feed-unreachable"),
        ("f.xml", b"", 0, "feed-unreachable"),
    ],
)
def test_an_unusable_rsl_feed_fails_closed(
    name: str, body: bytes | None, status: int, cause: str
) -> None:
    out = feed(name, body, status).outcome_for(BASE + "/bad/x.html")
    assert out is not None
    assert out.verdict == Verdict.UNAVAILABLE
    assert out.cause == cause


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"<rss><channel><item><link>/bad/x.html</link></item></channel></rss>", 200),
        (b"<rss><channel", 200),  # not RSL, not even well-formed: says nothing
        (b"", 404),
    ],
)
def test_a_feed_without_rsl_says_nothing(body: bytes, status: int) -> None:
    assert feed("f.xml", body, status).outcome_for(BASE + "/bad/x.html") is None


def test_an_oversized_rsl_feed_fails_closed_a_plain_one_does_not() -> None:
    rsl = rsl_from_feed_fetch(
        BASE + "/f.xml", 200, (SITE / "feed.xml").read_bytes(), T0, max_bytes=100
    )
    assert rsl.outcome_for(BASE + "/x").cause == "feed-oversized"  # type: ignore[union-attr]
    plain = rsl_from_feed_fetch(
        BASE + "/f.xml", 200, b"<rss>" + b" " * 200 + b"</rss>", T0, max_bytes=100
    )
    assert plain.outcome_for(BASE + "/x") is None


def test_page_links_its_feeds_and_the_page_stage_applies_them() -> None:
    path = SITE / "posts" / "a.html"
    page = ParsedPage(
        BASE + "/posts/a.html", [("Content-Type", "text/html")], path.read_bytes(), 200
    )
    assert feed_links(page) == [BASE + "/feed.xml"]
    out = page_rsl(page, None, RslContext(), {BASE + "/feed.xml": feed("feed.xml")})
    assert out is not None
    assert out.verdict == Verdict.PROHIBITED
    # a feed the crawl did not fetch says nothing
    assert page_rsl(page, None, RslContext(), {}) is None


def test_at_most_a_few_feeds_per_page(tmp_path: Path) -> None:
    links = "".join(
        f'<link rel="alternate" type="application/atom+xml" href="/f{i}.xml">' for i in range(9)
    )
    html = f"<html><head>{links}</head><body>x</body></html>".encode()
    page = ParsedPage(BASE + "/", [("Content-Type", "text/html")], html, 200)
    assert len(feed_links(page)) == MAX_FEEDS_PER_PAGE


@given(st.binary(max_size=3000))
def test_never_raises(body: bytes) -> None:
    f = rsl_from_feed_fetch(BASE + "/f.xml", 200, body, T0)
    out = f.outcome_for(BASE + "/a")
    assert out is None or out.verdict in set(Verdict)
