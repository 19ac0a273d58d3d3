"""RSL 1.0 documents (RSL-SPEC-1.0, https://rslstandard.org/rsl): parse, refuse, evaluate.

Each test names the section it checks; the XML is the spec's and its guide's examples
(rslstandard.org/guide/getting-started templates) or a minimal variation of one.
"""

from __future__ import annotations

import pytest

from filters.rsl import (
    NO_CONTEXT,
    RslContext,
    Verdict,
    combine_outcomes,
    evaluate_rsl,
    parse_rsl,
)

NS = 'xmlns="https://rslstandard.org/rsl"'
SRC = "https://example.com/license.xml"


def doc(body: str, *, attrs: str = "", allow_empty_url: bool = False):
    parsed = parse_rsl(f"<rsl {NS}{attrs}>{body}</rsl>", SRC, allow_empty_url=allow_empty_url)
    assert parsed.document is not None, parsed.error
    return parsed.document


def lic(inner: str, url: str = "/", content_attrs: str = "") -> str:
    return f'<content url="{url}"{content_attrs}><license>{inner}</license></content>'


# -- §3: what a conformant document is ------------------------------------------------------
@pytest.mark.parametrize(
    ("xml", "cause"),
    [
        pytest.param(
            '<rsl xmlns="https://example.org/rsl">' + lic("") + "</rsl>",
            "namespace",
            id="s3-wrong-namespace",
        ),
        pytest.param("<rsl>" + lic("") + "</rsl>", "namespace", id="s3-no-namespace"),
        pytest.param(f"<rsl {NS}><content url='/'>", "malformed", id="xml1.0-not-well-formed"),
        pytest.param(f"<rsl {NS}></rsl>", "structure", id="s3-no-content"),
        pytest.param(f"<rsl {NS}><content url='/'/></rsl>", "structure", id="s3.2-no-license"),
        pytest.param(
            f"<rsl {NS}><content><license/></content></rsl>", "structure", id="s3.2-no-url"
        ),
        pytest.param(
            f"<rsl {NS}>{lic('<fee/>')}</rsl>", "unknown-element", id="s3-unknown-element"
        ),
        pytest.param(f"<rsl {NS} max-age='0'>{lic('')}</rsl>", "max-age", id="s3.1-max-age-zero"),
        pytest.param(f"<rsl {NS} max-age='1d'>{lic('')}</rsl>", "max-age", id="s3.1-max-age-unit"),
        pytest.param("", "empty", id="empty"),
        pytest.param("<html><body>Not found</body></html>", "namespace", id="html-soft-404"),
        pytest.param(
            '<!DOCTYPE rsl [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            f"<rsl {NS}>{lic('<permits>&b;</permits>')}</rsl>",
            "doctype",
            id="no-entity-expansion",
        ),
    ],
)
def test_non_conformant_documents_are_refused_with_a_cause(xml: str, cause: str) -> None:
    parsed = parse_rsl(xml, SRC)
    assert parsed.document is None
    assert parsed.cause == cause
    assert parsed.error


def test_parse_never_raises_on_bytes() -> None:
    for data in (
        b"\x00\xff\xfe",
        b"<",
        "<rsl xmlns='https://rslstandard.org/rsl'>" * 3,
        b"\xef\xbb\xbf",
    ):
        assert parse_rsl(data, SRC).document is None


def test_other_namespaces_are_extensions_and_ignored_s3() -> None:
    d = doc(
        '<content url="/"><license><permits type="usage">ai-train</permits>'
        '<x:binding xmlns:x="https://openrsl.org/ns/extensions" ref="1"/></license></content>'
    )
    assert evaluate_rsl(d, "https://example.com/a").verdict == Verdict.PERMITTED


def test_max_age_default_and_stated_s3_1() -> None:
    assert doc(lic("")).max_age_days == 30
    d = doc(lic(""), attrs=' max-age="7"')
    assert (d.max_age_days, d.max_age_stated) == (7, True)
    out = evaluate_rsl(d, "https://example.com/")
    assert out.max_age_days == 7
    assert any("max-age 7 day" in e.note for e in out.evidence)


# -- §3.4 / §3.4.1 usage vocabulary --------------------------------------------------------
URL = "https://example.com/articles/1"


@pytest.mark.parametrize(
    ("inner", "verdict", "cause"),
    [
        # the spec's site-wide example: prohibit any AI use
        ('<prohibits type="usage">ai-all</prohibits>', Verdict.PROHIBITED, "prohibits"),
        ('<prohibits type="usage">ai-train</prohibits>', Verdict.PROHIBITED, "prohibits"),
        # RSL's own "prohibit training" template writes the AI-preferences label
        ('<prohibits type="usage">train-ai</prohibits>', Verdict.PROHIBITED, "prohibits"),
        ('<prohibits type="usage">all</prohibits>', Verdict.PROHIBITED, "prohibits"),
        # an unknown token in <prohibits> is read restrictively
        ('<prohibits type="usage">tdm</prohibits>', Verdict.PROHIBITED, "prohibits"),
        ('<prohibits type="usage">search ai-input</prohibits>', Verdict.PERMITTED, "free"),
        # permits is a closed list (§3.4): training not named → not permitted
        (
            '<permits type="usage">search ai-input ai-index</permits>',
            Verdict.PROHIBITED,
            "not-permitted",
        ),
        # an unknown token is not a permission
        ('<permits type="usage">tdm ai-include</permits>', Verdict.PROHIBITED, "not-permitted"),
        ('<permits type="usage">ai-train</permits>', Verdict.PERMITTED, "free"),
        ('<permits type="usage">train-ai</permits>', Verdict.PERMITTED, "free"),
        ('<permits type="usage">ai-all</permits>', Verdict.PERMITTED, "free"),
        ('<permits type="usage">all</permits>', Verdict.PERMITTED, "free"),
        ("<permits>ai-train</permits>", Verdict.PERMITTED, "free"),  # type defaults to usage
        ("", Verdict.PERMITTED, "free"),  # no permits: nothing restricted, payment free
        # §3.4: <prohibits> beats <permits> for the same type
        (
            '<permits type="usage">all</permits><prohibits type="usage">ai-train</prohibits>',
            Verdict.PROHIBITED,
            "prohibits",
        ),
    ],
)
def test_usage_tokens_s3_4_1(inner: str, verdict: Verdict, cause: str) -> None:
    out = evaluate_rsl(doc(lic(inner)), URL)
    assert (out.verdict, out.cause) == (verdict, cause)
    assert out.reason
    assert out.evidence


# -- §3.6 payment, §3.2 server, §3.12 reporting ---------------------------------------------
@pytest.mark.parametrize(
    ("inner", "attrs", "verdict", "cause"),
    [
        (
            '<permits type="usage">ai-train</permits><payment type="free"/>',
            "",
            Verdict.PERMITTED,
            "free",
        ),
        (
            '<permits type="usage">ai-all</permits><payment type="attribution"/>',
            "",
            Verdict.PERMITTED,
            "attribution",
        ),
        (
            '<permits type="usage">ai-train</permits><payment type="purchase"><amount currency="USD">10</amount></payment>',
            "",
            Verdict.TERMS,
            "payment:purchase",
        ),
        (
            '<permits type="usage">ai-train</permits><payment type="subscription"/>',
            "",
            Verdict.TERMS,
            "payment:subscription",
        ),
        (
            '<permits type="usage">ai-train</permits><payment type="crawl"/>',
            "",
            Verdict.TERMS,
            "payment:crawl",
        ),
        (
            '<permits type="usage">ai-all</permits><payment type="use"/>',
            "",
            Verdict.TERMS,
            "payment:use",
        ),
        (
            '<permits type="usage">ai-train</permits><payment type="training"/>',
            "",
            Verdict.TERMS,
            "payment:training",
        ),
        (
            '<permits type="usage">ai-train</permits><payment type="contribution"/>',
            "",
            Verdict.TERMS,
            "payment:contribution",
        ),
        # §3.2: a License Server means a licence must be obtained even when free
        (
            '<permits type="usage">ai-train</permits><payment type="free"/>',
            ' server="https://rslcollective.org/api"',
            Verdict.TERMS,
            "server",
        ),
        (
            '<permits type="usage">ai-train</permits><payment><custom>https://example.com/licensing</custom></payment>',
            "",
            Verdict.TERMS,
            "custom",
        ),
        (
            '<permits type="usage">ai-train</permits><reporting type="telemetry" profile="https://p.example/x"/>',
            "",
            Verdict.TERMS,
            "reporting",
        ),
    ],
)
def test_payment_models_s3_6(inner: str, attrs: str, verdict: Verdict, cause: str) -> None:
    out = evaluate_rsl(doc(lic(inner, content_attrs=attrs)), URL)
    assert (out.verdict, out.cause) == (verdict, cause)
    if verdict == Verdict.TERMS:
        assert out.terms is not None
        assert out.terms.obtain_at
        assert "obtain a licence at" in out.reason


def test_terms_name_where_to_obtain_them_for_a_grant() -> None:
    d = doc(
        lic(
            '<permits type="usage">ai-all</permits><payment type="use">'
            "<standard>https://rslcollective.org/license</standard>"
            '<amount currency="USD">0.015</amount></payment>',
            content_attrs=' server="https://api.rslcollective.org"',
        )
    )
    terms = evaluate_rsl(d, URL).terms
    assert terms is not None
    assert terms.server == "https://api.rslcollective.org"
    assert terms.obtain_at == "https://api.rslcollective.org"
    assert terms.requires == ("server", "payment:use")
    assert terms.standard == ("https://rslcollective.org/license",)
    assert terms.amounts == ("0.015 USD",)
    assert terms.licence_url == SRC
    assert terms.content_url == "/"


def test_attribution_duty_and_standard_licence_url() -> None:
    d = doc(
        lic(
            '<permits type="usage">all</permits><payment type="attribution">'
            "<standard>https://creativecommons.org/licenses/by/4.0/</standard></payment>"
        )
    )
    out = evaluate_rsl(d, URL)
    assert out.verdict == Verdict.PERMITTED
    assert out.attribution is True
    assert out.licence_urls == ("https://creativecommons.org/licenses/by/4.0/",)


# -- §3.2 content matching: RFC 9309 path rules, most specific wins ---------------------------
PATH_SCOPED = (
    '<content url="/"><license><prohibits type="usage">ai-train</prohibits></license></content>'
    '<content url="/open/*"><license><permits type="usage">ai-train</permits></license></content>'
    '<content url="/open/private$"><license><prohibits type="usage">all</prohibits></license></content>'
    '<content url="https://other.example/"><license><permits type="usage">all</permits></license></content>'
)


@pytest.mark.parametrize(
    ("url", "verdict"),
    [
        ("https://example.com/", Verdict.PROHIBITED),
        ("https://example.com/news/1", Verdict.PROHIBITED),
        ("https://example.com/open/a", Verdict.PERMITTED),
        ("https://example.com/open/private", Verdict.PROHIBITED),  # $ anchors, longer pattern
        ("https://example.com/open/private/x", Verdict.PERMITTED),
    ],
)
def test_most_specific_content_wins_s3_2(url: str, verdict: Verdict) -> None:
    assert evaluate_rsl(doc(PATH_SCOPED), url).verdict == verdict


def test_full_url_content_must_share_the_origin() -> None:
    d = doc(
        '<content url="https://example.com/docs/"><license><permits>ai-train</permits></license></content>'
    )
    assert evaluate_rsl(d, "https://example.com/docs/a").verdict == Verdict.PERMITTED
    assert evaluate_rsl(d, "https://example.com/blog/a").verdict == Verdict.NOT_COVERED
    assert evaluate_rsl(d, "http://example.com/docs/a").verdict == Verdict.NOT_COVERED


def test_document_order_does_not_matter_s4_9() -> None:
    a = '<content url="/"><license><permits>ai-train</permits></license></content>'
    b = '<content url="/"><license><prohibits>ai-train</prohibits></license></content>'
    assert evaluate_rsl(doc(a + b), URL).verdict == Verdict.PROHIBITED
    assert evaluate_rsl(doc(b + a), URL).verdict == Verdict.PROHIBITED


def test_two_licences_that_disagree_resolve_most_restrictively_s4_9() -> None:
    both = (
        '<content url="/"><license><permits>ai-train</permits><payment type="free"/></license>'
        '<license><permits>ai-train</permits><payment type="training"/></license></content>'
    )
    assert evaluate_rsl(doc(both), URL).verdict == Verdict.TERMS
    offers = (
        '<content url="/"><license><permits>search</permits></license>'
        '<license><permits>ai-train</permits><payment type="attribution"/></license></content>'
    )
    out = evaluate_rsl(doc(offers), URL)
    assert (out.verdict, out.attribution) == (Verdict.PERMITTED, True)


def test_inline_empty_url_means_the_associated_asset_s4_6() -> None:
    d = doc(
        '<content url=""><license><prohibits>ai-train</prohibits></license></content>',
        allow_empty_url=True,
    )
    assert evaluate_rsl(d, URL, asset_url=URL).verdict == Verdict.PROHIBITED
    assert evaluate_rsl(d, URL + "x", asset_url=URL).verdict == Verdict.NOT_COVERED


# -- §3.4.1 user and geo --------------------------------------------------------------------
USER_GEO = lic(
    '<permits type="usage">ai-train</permits><permits type="user">non-commercial education</permits>'
    '<permits type="geo">US EU</permits>'
)


@pytest.mark.parametrize(
    ("context", "verdict", "cause"),
    [
        (NO_CONTEXT, Verdict.CONDITION_UNKNOWN, "user"),
        (RslContext(user="education"), Verdict.CONDITION_UNKNOWN, "geo"),
        (RslContext(user="education", geo=("DE", "EU")), Verdict.PERMITTED, "free"),
        (RslContext(user="commercial", geo=("EU",)), Verdict.PROHIBITED, "not-permitted"),
        (RslContext(user="education", geo=("JP",)), Verdict.PROHIBITED, "not-permitted"),
    ],
)
def test_user_and_geo_terms_fail_closed_when_unknown(context, verdict, cause) -> None:
    out = evaluate_rsl(doc(USER_GEO), URL, context)
    assert (out.verdict, out.cause) == (verdict, cause)


def test_prohibited_region() -> None:
    d = doc(lic('<permits type="usage">ai-train</permits><prohibits type="geo">EU</prohibits>'))
    assert evaluate_rsl(d, URL, RslContext(geo=("FR", "EU"))).verdict == Verdict.PROHIBITED
    assert evaluate_rsl(d, URL, RslContext(geo=("US",))).verdict == Verdict.PERMITTED
    assert evaluate_rsl(d, URL).verdict == Verdict.CONDITION_UNKNOWN


def test_combine_outcomes_most_restrictive() -> None:
    free = evaluate_rsl(doc(lic("<permits>ai-train</permits>")), URL)
    banned = evaluate_rsl(doc(lic("<prohibits>ai-train</prohibits>")), URL)
    assert combine_outcomes([free, banned]) is banned
    assert combine_outcomes([]) is None
