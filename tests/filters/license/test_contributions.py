"""Pages made of several contributions under their own licences (issue 17).

Synthetic Q&A threads written for these tests: each post marks its licence (a share link's
``data-license-url``, a timestamp's "License: …" title); the text is covered by all of them,
as one SPDX ``AND`` expression with every contributor in the evidence.
"""

from __future__ import annotations

from filters.assess import assess_page
from filters.html import parse_page
from filters.license import detect_license
from filters.results import LicenseFinding, Scope

BY_SA_3 = "https%3a%2f%2fcreativecommons.org%2flicenses%2fby-sa%2f3.0%2f"
BY_SA_4 = "https%3a%2f%2fcreativecommons.org%2flicenses%2fby-sa%2f4.0%2f"
BY_NC_SA_4 = "https%3a%2f%2fcreativecommons.org%2flicenses%2fby-nc-sa%2f4.0%2f"
TEXT = "How do I keep basil alive on a north-facing window sill through the winter months? " * 4


def post(kind: str, author: str, licence_url: str, prop: str = "") -> str:
    itemprop = f' itemprop="{prop}"' if prop else ""
    return (
        f'<div class="{kind}"{itemprop} itemscope itemtype="https://schema.org/'
        f'{kind.capitalize()}"><div itemprop="text"><p>{TEXT}</p></div>'
        f'<a class="share" href="/s/1" data-share-license-url="{licence_url}">Share</a>'
        f'<div itemprop="author" itemscope itemtype="https://schema.org/Person">'
        f'<a href="/users/1" itemprop="name">{author}</a></div></div>'
    )


def comment(author: str, licence: str) -> str:
    return (
        f'<li class="comment"><span>Try a grow light.</span> – <a class="comment-user" '
        f'href="/users/9">{author}</a> <span title="2019-09-25 12:22:29Z, License: {licence}">'
        "Sep 25, 2019</span></li>"
    )


def thread(*posts: str, qa: bool = True, footer: str = "") -> bytes:
    page_type = ' itemscope itemtype="https://schema.org/QAPage"' if qa else ""
    return (
        f"<!doctype html><html{page_type}><head><title>basil</title></head><body>"
        f'<main><div itemprop="mainEntity">{"".join(posts)}</div></main>'
        f"<footer>{footer}</footer></body></html>"
    ).encode()


def detect(data: bytes) -> LicenseFinding:
    return detect_license(parse_page("", None, data))


def test_contributions_under_two_versions_combine_with_and() -> None:
    data = thread(
        post("question", "Ada", BY_SA_3),
        post("answer", "Grace", BY_SA_4, "acceptedAnswer"),
        f'<ul class="comments">{comment("Linus", "CC BY-SA 4.0")}</ul>',
        footer="user contributions licensed under cc by-sa",
    )
    f = detect(data)
    assert (f.spdx, f.scope, f.ambiguous) == ("CC-BY-SA-3.0 AND CC-BY-SA-4.0", Scope.PAGE, False)
    assert "3 contributions by 3 contributor(s) (Ada, Grace, Linus)" in f.reason
    excerpts = [h.evidence.excerpt for h in f.hits if h.evidence.source == "html:contribution"]
    assert any(e.startswith("question by Ada: CC-BY-SA-3.0") for e in excerpts)
    assert any(e.startswith("answer by Grace: CC-BY-SA-4.0") for e in excerpts)
    assert any(e.startswith("comment by Linus: CC-BY-SA-4.0") for e in excerpts)


def test_the_combined_expression_is_admitted_when_every_licence_is_allowed() -> None:
    data = thread(post("question", "Ada", BY_SA_3), post("answer", "Grace", BY_SA_4))
    a = assess_page("", None, data, 200)
    assert a.decision.include, a.decision.reasons


def test_one_contribution_under_a_disallowed_licence_excludes_the_page() -> None:
    data = thread(post("question", "Ada", BY_SA_4), post("answer", "Grace", BY_NC_SA_4))
    f = detect(data)
    assert f.spdx == "CC-BY-NC-SA-4.0 AND CC-BY-SA-4.0"
    a = assess_page("", None, data, 200)
    assert not a.decision.include
    assert any(r.startswith("license-not-allowed:") for r in a.decision.reasons)


def test_same_licence_everywhere_is_that_licence() -> None:
    data = thread(post("question", "Ada", BY_SA_4), post("answer", "Grace", BY_SA_4))
    f = detect(data)
    assert (f.spdx, f.scope) == ("CC-BY-SA-4.0", Scope.PAGE)
    assert "2 contributions by 2 contributor(s)" in f.reason


def test_page_not_declared_user_contributed_reads_no_contributions() -> None:
    data = thread(post("question", "Ada", BY_SA_3), post("answer", "Grace", BY_SA_4), qa=False)
    f = detect(data)
    assert f.spdx is None
    assert not any(h.evidence.source == "html:contribution" for h in f.hits)


def test_a_licence_marker_outside_any_contribution_is_not_a_contribution() -> None:
    data = thread(
        post("question", "Ada", BY_SA_4),
        f'<div class="sharebar"><a href="/s" data-license-url="{BY_NC_SA_4}">Share page</a></div>',
    )
    f = detect(data)
    assert f.spdx == "CC-BY-SA-4.0"


def test_reserved_rights_in_the_thread_keep_it_ambiguous() -> None:
    data = thread(
        post("question", "Ada", BY_SA_4),
        "<p>All rights reserved. No part of this thread may be reproduced.</p>",
    )
    f = detect(data)
    assert f.ambiguous


def test_every_contribution_is_in_the_evidence_even_past_the_hit_cap() -> None:
    comments = "".join(comment(f"user{i}", "CC BY-SA 4.0") for i in range(60))
    data = thread(post("question", "Ada", BY_SA_4), f'<ul class="comments">{comments}</ul>')
    f = detect(data)
    people = {
        h.evidence.excerpt.split(":")[0] for h in f.hits if h.evidence.source == "html:contribution"
    }
    assert len(people) == 61
    assert "61 contributions by 61 contributor(s)" in f.reason
