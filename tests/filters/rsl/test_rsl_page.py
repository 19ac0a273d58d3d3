"""RSL licences a page names itself (RSL 1.0 §4.5 Link header, §4.6 HTML) and the page decision."""

from __future__ import annotations

from filters.assess import assess_page
from filters.html import parse_page
from filters.prefetch import FetchResult, PrefetchPlan, fetch_permission
from filters.rsl import RslContext, Verdict, page_references
from filters.tokens import honored_tokens

TOKENS = honored_tokens()
URL = "http://h.example/articles/1"
NS = 'xmlns="https://rslstandard.org/rsl"'
TEXT = "<p>" + "Words of an article that is long enough to be exported. " * 10 + "</p>"
T0 = "2026-01-01T00:00:00Z"


def html(head: str = "", body: str = TEXT) -> bytes:
    return f"<html><head><title>t</title>{head}</head><body>{body}</body></html>".encode()


def inline(inner: str, url: str = "") -> str:
    return (
        f'<script type="application/rsl+xml"><rsl {NS}><content url="{url}">'
        f"<license>{inner}</license></content></rsl></script>"
    )


def prefetched(licence: str):
    """The pre-fetch RSL outcome for URL when robots.txt declares ``licence`` (an RSL body)."""
    plan = PrefetchPlan(URL, TOKENS)
    for job in plan:
        if job.kind.name == "robots.txt":
            plan.accept(job, FetchResult(200, b"License: http://h.example/license.xml\n", T0))
        elif job.kind.name == "rsl":
            plan.accept(job, FetchResult(200, licence.encode(), T0))
        else:
            plan.accept(job, FetchResult(404, b"", T0))
    return fetch_permission(plan.result(), URL, TOKENS)


def test_channels_are_found_s4_5_s4_6() -> None:
    page = parse_page(
        URL,
        [("Link", '<http://h.example/l.xml>; rel="license"; type="application/rsl+xml"')],
        html(
            '<link rel="license" type="application/rsl+xml" href="/page.xml">'
            '<link rel="license" href="https://creativecommons.org/licenses/by/4.0/">'
        ).replace(b"</body>", inline("<permits>ai-train</permits>").encode() + b"</body>"),
    )
    refs = page_references(page)
    assert [(r.channel, r.url) for r in refs] == [
        ("header:Link", "http://h.example/l.xml"),
        ("html:link", "http://h.example/page.xml"),
        ("html:script", ""),
    ]
    assert "<rsl" in refs[2].inline


def test_inline_prohibition_is_an_optout_s4_6() -> None:
    a = assess_page(
        URL, [("Content-Type", "text/html")], html(inline("<prohibits>ai-train</prohibits>"))
    )
    assert a.rsl is not None
    assert a.rsl.verdict == Verdict.PROHIBITED
    assert "optout:rsl" in a.decision.reasons
    assert a.optout is not None
    assert a.optout.reserved


def test_inline_terms_and_malformed_inline_fail_closed() -> None:
    a = assess_page(
        URL, None, html(inline('<permits>ai-train</permits><payment type="purchase"/>'))
    )
    assert "rsl-terms:payment:purchase" in a.decision.reasons
    bad = html('<script type="application/rsl+xml"><rsl><content url=""/></rsl></script>')
    a = assess_page(URL, None, bad)
    assert "rsl-unavailable:inline-namespace" in a.decision.reasons


def test_a_linked_licence_not_fetched_fails_closed() -> None:
    a = assess_page(
        URL,
        [("Link", '<http://h.example/other.xml>; rel="license"; type="application/rsl+xml"')],
        html('<link rel="license" href="https://creativecommons.org/licenses/by/4.0/">'),
    )
    assert "rsl-unavailable:linked-licence-not-fetched" in a.decision.reasons
    assert not a.decision.include


def test_the_declared_licence_linked_again_adds_nothing() -> None:
    perm = prefetched(
        f'<rsl {NS}><content url="/"><license><permits>ai-train</permits></license></content></rsl>'
    )
    a = assess_page(
        URL,
        [("Link", '<http://h.example/license.xml>; rel="license"; type="application/rsl+xml"')],
        html('<link rel="license" href="https://creativecommons.org/licenses/by/4.0/">'),
        rsl=perm.rsl,
    )
    assert a.decision.include, a.decision.reasons
    assert a.license is not None
    assert a.license.spdx == "CC-BY-4.0"


def test_rsl_standard_cc_licence_is_a_site_level_finding() -> None:
    perm = prefetched(
        f'<rsl {NS}><content url="/"><license><permits>all</permits><payment type="attribution">'
        "<standard>https://creativecommons.org/licenses/by/4.0/</standard></payment></license>"
        "</content></rsl>"
    )
    assert perm.allowed
    a = assess_page(URL, [("Content-Type", "text/html")], html(), rsl=perm.rsl)
    assert a.license is not None
    assert (a.license.spdx, a.license.scope.value, a.license.detector) == (
        "CC-BY-4.0",
        "site",
        "filters.rsl",
    )
    assert a.rsl is not None
    assert a.rsl.attribution
    assert a.decision.include, a.decision.reasons


def test_rsl_permission_without_a_standard_licence_is_not_on_the_default_allowlist() -> None:
    perm = prefetched(
        f'<rsl {NS}><content url="/"><license><permits>ai-train</permits></license></content></rsl>'
    )
    a = assess_page(URL, None, html(), rsl=perm.rsl)
    assert a.decision.reasons == ("license-not-allowed:LicenseRef-RSL-free",)


def test_rsl_link_is_not_read_as_a_licence_statement() -> None:
    a = assess_page(
        URL, None, html('<link rel="license" type="application/rsl+xml" href="/license.xml">')
    )
    assert a.license is None or a.license.spdx is None
    assert not any(r.startswith("license-ambiguous") for r in a.decision.reasons)


def test_user_context_reaches_inline_evaluation() -> None:
    body = html(inline('<permits>ai-train</permits><permits type="user">education</permits>'))
    assert "rsl-condition-unknown:user" in assess_page(URL, None, body).decision.reasons
    a = assess_page(URL, None, body, rsl_context=RslContext(user="education"))
    assert a.rsl is not None
    assert a.rsl.verdict == Verdict.PERMITTED


def test_a_linked_licence_as_fetched_decides_for_the_page() -> None:
    from filters.rsl import rsl_from_fetch

    body = f'<rsl {NS}><content url="/articles/"><license><permits>search</permits></license></content></rsl>'
    linked = {
        "http://h.example/l.xml": rsl_from_fetch(
            "http://h.example/l.xml", 200, body.encode(), T0, kind="rsl-linked"
        )
    }
    assert linked["http://h.example/l.xml"].ref.kind == "rsl-linked"
    head = '<link rel="license" type="application/rsl+xml" href="/l.xml">'
    a = assess_page(URL, None, html(head), rsl_linked=linked)
    assert "optout:rsl" in a.decision.reasons  # training is not among the permitted uses
    gone = {"http://h.example/l.xml": rsl_from_fetch("http://h.example/l.xml", 404, b"", T0)}
    a = assess_page(URL, None, html(head), rsl_linked=gone)
    assert a.rsl is not None
    assert a.rsl.verdict == Verdict.NONE
    assert a.decision.reasons == ("no-license",)  # no RSL terms; the page states no licence
