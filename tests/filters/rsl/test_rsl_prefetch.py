"""The RSL licence as a pre-fetch policy file (RSL 1.0 §4.4), driven through the sans-I/O plan."""

from __future__ import annotations

import pytest

from filters.prefetch import RSL_LICENSE, FetchResult, PrefetchPlan, fetch_permission
from filters.robots import robots_from_fetch
from filters.rsl import RslContext, Verdict
from filters.tokens import honored_tokens

TOKENS = honored_tokens()
T0 = "2026-01-01T00:00:00Z"
BASE = "http://h.example"
NS = 'xmlns="https://rslstandard.org/rsl"'


def rsl(inner: str, url: str = "/") -> FetchResult:
    body = f'<rsl {NS}><content url="{url}"><license>{inner}</license></content></rsl>'
    return FetchResult(200, body.encode(), T0)


def drive(robots: str, licence: FetchResult | None = None, **kw):
    """Run a plan; return the URLs requested and the origin's policies."""
    plan = PrefetchPlan(BASE + "/", TOKENS, **kw)
    asked: list[str] = []
    for job in plan:
        asked.append(job.url)
        if job.kind.name == "robots.txt":
            plan.accept(job, FetchResult(200, robots.encode(), T0))
        elif job.kind is RSL_LICENSE and licence is not None:
            plan.accept(job, licence)
        else:
            plan.accept(job, FetchResult(404, b"", T0))
    return asked, plan.result()


# -- the robots.txt License: line ---------------------------------------------------------
def test_license_lines_are_kept_global_and_group_scoped_s4_4() -> None:
    text = (
        "License: https://h.example/site.xml\n"
        "User-agent: GPTBot\nDisallow: /\nLicense: https://h.example/gpt.xml\n"
        "User-agent: *\nAllow: /\n"
    )
    robots = robots_from_fetch(BASE + "/robots.txt", 200, text.encode(), T0)
    assert robots.parsed is not None
    assert [(m.number, m.value) for m in robots.parsed.licenses] == [
        (1, "https://h.example/site.xml")
    ]
    # GPTBot's group has its own License line: it replaces the global one for GPTBot
    assert [m.value for m in robots.license_lines(["clearcrawl", "GPTBot"])] == [
        "https://h.example/gpt.xml"
    ]
    # a crawler whose group has none falls back to the global line
    assert [m.value for m in robots.license_lines(["clearcrawl"])] == ["https://h.example/site.xml"]


def test_license_line_does_not_change_access_s4_4() -> None:
    text = "User-agent: *\nLicense: https://h.example/l.xml\nDisallow: /private\n"
    robots = robots_from_fetch(BASE + "/robots.txt", 200, text.encode(), T0)
    assert robots.verdict(BASE + "/a", TOKENS).allowed
    assert not robots.verdict(BASE + "/private/a", TOKENS).allowed


# -- fetched after robots.txt, once, and only when robots.txt allows it ----------------------
def test_licence_fetched_after_robots_and_evaluated() -> None:
    asked, policies = drive(
        "License: http://h.example/license.xml\nUser-agent: *\nAllow: /\n",
        rsl('<prohibits type="usage">ai-train</prohibits>'),
    )
    assert asked[0] == BASE + "/robots.txt"
    assert asked.count(BASE + "/license.xml") == 1
    perm = fetch_permission(policies, BASE + "/a", TOKENS)
    assert not perm.allowed
    assert perm.reasons == ("optout:rsl",)
    assert perm.rsl.verdict == Verdict.PROHIBITED
    signal = next(s for s in perm.optout if s.signal == "rsl")
    assert signal.reserved is True
    assert any(e.excerpt == "License: http://h.example/license.xml" for e in signal.evidence)
    assert "rsl" in [r.kind for r in perm.policy_files]


def test_no_license_line_fetches_nothing_and_says_nothing() -> None:
    asked, policies = drive("User-agent: *\nAllow: /\n")
    assert all("license" not in u for u in asked)
    perm = fetch_permission(policies, BASE + "/a", TOKENS)
    assert perm.allowed
    assert perm.rsl.verdict == Verdict.NONE


def test_a_licence_robots_forbids_is_not_fetched_and_fails_closed() -> None:
    asked, policies = drive(
        "License: http://h.example/private/license.xml\nUser-agent: *\nDisallow: /private/\n",
        rsl("<permits>ai-train</permits>"),
    )
    assert BASE + "/private/license.xml" not in asked
    perm = fetch_permission(policies, BASE + "/a", TOKENS)
    assert perm.reasons == ("policy-file-refused-by-robots:rsl",)


@pytest.mark.parametrize(
    ("result", "reasons"),
    [
        (FetchResult(404, b"", T0), ()),
        (FetchResult(410, b"", T0), ()),
        (FetchResult(503, b"", T0), ("rsl-unavailable:http-503",)),
        (
            FetchResult(0, b"", T0, error="TimeoutError: timed out"),
            ("rsl-unavailable:unreachable",),
        ),
        (FetchResult(403, b"", T0), ("rsl-unavailable:http-403",)),
        (FetchResult(200, b"<rsl", T0), ("rsl-unavailable:malformed",)),
        (FetchResult(200, b"<html><body>hi</body></html>", T0), ("rsl-unavailable:namespace",)),
        (
            FetchResult(200, b'<rsl xmlns="https://example.org/x"><content url="/"/></rsl>', T0),
            ("rsl-unavailable:namespace",),
        ),
    ],
)
def test_fetch_outcomes(result: FetchResult, reasons: tuple[str, ...]) -> None:
    _, policies = drive("License: http://h.example/license.xml\n", result)
    perm = fetch_permission(policies, BASE + "/a", TOKENS)
    assert perm.reasons == reasons
    if reasons:
        assert perm.rsl.verdict == Verdict.UNAVAILABLE
        assert perm.rsl.evidence


@pytest.mark.parametrize(
    ("inner", "reasons", "verdict"),
    [
        ("<permits>ai-train</permits>", (), Verdict.PERMITTED),
        ('<permits>ai-train</permits><payment type="attribution"/>', (), Verdict.PERMITTED),
        (
            '<permits>ai-train</permits><payment type="crawl"/>',
            ("rsl-terms:payment:crawl",),
            Verdict.TERMS,
        ),
        (
            "<permits>ai-train</permits><payment><custom>https://h.example/deal</custom></payment>",
            ("rsl-terms:custom",),
            Verdict.TERMS,
        ),
        (
            '<permits type="user">education</permits>',
            ("rsl-condition-unknown:user",),
            Verdict.CONDITION_UNKNOWN,
        ),
    ],
)
def test_terms_reasons(inner: str, reasons: tuple[str, ...], verdict: Verdict) -> None:
    _, policies = drive("License: http://h.example/license.xml\n", rsl(inner))
    perm = fetch_permission(policies, BASE + "/a", TOKENS)
    assert (perm.reasons, perm.rsl.verdict) == (reasons, verdict)


def test_context_option_reaches_the_evaluation() -> None:
    _, policies = drive(
        "License: http://h.example/license.xml\n",
        rsl('<permits>ai-train</permits><permits type="user">education</permits>'),
        options={"rsl": {"context": RslContext(user="education")}},
    )
    assert fetch_permission(policies, BASE + "/a", TOKENS).allowed


def test_path_scoped_content_decides_per_url() -> None:
    body = (
        f'<rsl {NS}><content url="/"><license><prohibits>ai-train</prohibits></license></content>'
        '<content url="/open/"><license><permits>ai-train</permits></license></content></rsl>'
    )
    _, policies = drive("License: http://h.example/l.xml\n", FetchResult(200, body.encode(), T0))
    assert not fetch_permission(policies, BASE + "/closed/a", TOKENS).allowed
    assert fetch_permission(policies, BASE + "/open/a", TOKENS).allowed


@pytest.mark.parametrize(
    ("robots", "reason"),
    [
        ("License: https://other.example/l.xml\n", "rsl-unavailable:cross-origin"),
        ("License: /relative.xml\n", "rsl-unavailable:bad-license-line"),
    ],
)
def test_licences_not_fetched_fail_closed(robots: str, reason: str) -> None:
    asked, policies = drive(robots, rsl("<permits>ai-train</permits>"))
    assert asked == [BASE + "/robots.txt", BASE + "/.well-known/tdmrep.json", BASE + "/ai.txt"]
    assert fetch_permission(policies, BASE + "/a", TOKENS).reasons == (reason,)


# -- several License: lines, licences on other hosts (RSL 1.0 §4.4, §4.9) -------------------
PROHIBIT = '<prohibits type="usage">ai-train</prohibits>'
FREE = '<permits type="usage">ai-train</permits><payment type="free"/>'


def drive_many(robots: str, licences: dict[str, FetchResult]) -> tuple[list[str], object]:
    plan = PrefetchPlan(BASE + "/", TOKENS)
    asked: list[str] = []
    for job in plan:
        asked.append(job.url)
        if job.kind.name == "robots.txt":
            plan.accept(job, FetchResult(200, robots.encode(), T0))
        else:
            plan.accept(job, licences.get(job.url, FetchResult(404, b"", T0)))
    return asked, plan.result()


def test_several_licences_are_all_fetched_and_the_most_restrictive_decides_s4_9() -> None:
    robots = "License: http://h.example/a.xml\nLicense: http://h.example/b.xml\n"
    asked, policies = drive_many(
        robots,
        {BASE + "/a.xml": rsl(FREE), BASE + "/b.xml": rsl(PROHIBIT, url="/closed/")},
    )
    assert asked.count(BASE + "/a.xml") == 1
    assert asked.count(BASE + "/b.xml") == 1
    closed = fetch_permission(policies, BASE + "/closed/x", TOKENS)
    assert closed.reasons == ("optout:rsl",)
    assert any("2 RSL licences declared" in e.note for e in closed.rsl.evidence)
    open_ = fetch_permission(policies, BASE + "/open/x", TOKENS)
    assert open_.allowed
    assert open_.rsl.verdict == Verdict.PERMITTED
    kinds = [r.url for r in policies.refs if r.kind == "rsl"]
    assert kinds == [BASE + "/a.xml", BASE + "/b.xml"]


def test_one_unusable_licence_among_several_fails_closed() -> None:
    robots = "License: http://h.example/a.xml\nLicense: http://h.example/b.xml\n"
    _, policies = drive_many(
        robots, {BASE + "/a.xml": rsl(FREE), BASE + "/b.xml": FetchResult(503, b"", T0)}
    )
    assert fetch_permission(policies, BASE + "/x", TOKENS).reasons == ("rsl-unavailable:http-503",)


def test_a_license_line_in_another_crawlers_group_is_global() -> None:
    robots = "User-agent: Googlebot\nLicense: http://h.example/g.xml\n\nUser-agent: *\nAllow: /\n"
    asked, policies = drive_many(robots, {BASE + "/g.xml": rsl(PROHIBIT)})
    assert BASE + "/g.xml" in asked
    assert fetch_permission(policies, BASE + "/x", TOKENS).reasons == ("optout:rsl",)


def test_the_same_licence_named_twice_is_fetched_once() -> None:
    robots = "License: http://h.example/a.xml\nUser-agent: *\nLicense: http://h.example/a.xml\n"
    asked, policies = drive_many(robots, {BASE + "/a.xml": rsl(FREE)})
    assert asked.count(BASE + "/a.xml") == 1
    assert fetch_permission(policies, BASE + "/x", TOKENS).allowed


def test_a_licence_on_another_host_fails_closed_and_says_why() -> None:
    robots = "License: http://h.example/a.xml\nLicense: https://licences.example/l.xml\n"
    asked, policies = drive_many(robots, {BASE + "/a.xml": rsl(FREE)})
    assert not any("licences.example" in u for u in asked)
    perm = fetch_permission(policies, BASE + "/x", TOKENS)
    assert perm.reasons == ("rsl-unavailable:cross-origin",)
    assert "robots.txt permission" in perm.rsl.reason


def test_more_licences_than_the_cap_fail_closed() -> None:
    robots = "".join(f"License: http://h.example/{i}.xml\n" for i in range(6))
    licences = {f"{BASE}/{i}.xml": rsl(FREE) for i in range(6)}
    asked, policies = drive_many(robots, licences)
    assert sum(u.endswith(".xml") for u in asked) == 4
    assert fetch_permission(policies, BASE + "/x", TOKENS).reasons == (
        "rsl-unavailable:too-many-licences",
    )


def test_a_license_url_may_serve_a_licence_feed() -> None:
    feed = (
        '<rss version="2.0" xmlns:rsl="https://rslstandard.org/rsl"><channel><title>t</title>'
        '<rsl:content url="/news/"><rsl:license><rsl:prohibits type="usage">ai-train'
        "</rsl:prohibits></rsl:license></rsl:content></channel></rss>"
    )
    _, policies = drive_many(
        "License: http://h.example/feed.xml\n",
        {BASE + "/feed.xml": FetchResult(200, feed.encode(), T0)},
    )
    assert fetch_permission(policies, BASE + "/news/a", TOKENS).reasons == ("optout:rsl",)
    assert fetch_permission(policies, BASE + "/other", TOKENS).allowed


# -- a licence on another host, read after that host's robots.txt (RSL 1.0 §4.4) -------------
HOST = "https://licences.example"


def drive_cross(robots: str, host_robots: FetchResult, licences: dict[str, FetchResult]):
    """A plan whose driver checks the licence host's robots.txt (``PolicyFetch.gate``)."""
    plan = PrefetchPlan(BASE + "/", TOKENS, cross_origin=True)
    asked: list[str] = []
    host = robots_from_fetch(HOST + "/robots.txt", host_robots.status, host_robots.body, T0)
    for job in plan:
        if job.kind.name == "robots.txt":
            asked.append(job.url)
            plan.accept(job, FetchResult(200, robots.encode(), T0))
            continue
        if job.gate:
            assert job.gate == HOST
            refused = plan.gate(job, host)
            if refused is not None:
                plan.record(job, refused)
                continue
        asked.append(job.url)
        plan.accept(job, licences.get(job.url, FetchResult(404, b"", T0)))
    return asked, plan.result()


ALLOW_ALL = FetchResult(200, b"User-agent: *\nAllow: /\n", T0)


def test_a_licence_on_another_host_is_a_job_gated_by_that_hosts_robots_txt() -> None:
    robots = f"License: {HOST}/l.xml\n"
    asked, policies = drive_cross(robots, ALLOW_ALL, {HOST + "/l.xml": rsl(FREE, url=BASE + "/")})
    assert asked.count(HOST + "/l.xml") == 1
    perm = fetch_permission(policies, BASE + "/x", TOKENS)
    assert perm.allowed, perm.reasons
    assert [r.url for r in perm.policy_files if r.kind == "rsl"] == [HOST + "/l.xml"]


def test_a_cross_origin_licence_prohibiting_training_reserves_before_fetching() -> None:
    _, policies = drive_cross(
        f"License: {HOST}/l.xml\n", ALLOW_ALL, {HOST + "/l.xml": rsl(PROHIBIT, url=BASE + "/")}
    )
    assert fetch_permission(policies, BASE + "/x", TOKENS).reasons == ("optout:rsl",)


def test_a_cross_origin_licence_naming_only_other_content_does_not_apply_s3_2() -> None:
    # its <content url> is on the licence host: it covers nothing of this origin
    _, policies = drive_cross(
        f"License: {HOST}/l.xml\n", ALLOW_ALL, {HOST + "/l.xml": rsl(PROHIBIT, url=HOST + "/")}
    )
    perm = fetch_permission(policies, BASE + "/x", TOKENS)
    assert "optout:rsl" not in perm.reasons


@pytest.mark.parametrize(
    "host_robots",
    [
        FetchResult(200, b"User-agent: *\nDisallow: /l.xml\n", T0),
        FetchResult(200, b"User-agent: GPTBot\nDisallow: /\n", T0),  # any honoured token
        FetchResult(503, b"", T0),  # unreachable: RFC 9309 §2.3.1.4 complete disallow
    ],
)
def test_a_licence_the_hosts_robots_txt_forbids_is_not_fetched_and_fails_closed(
    host_robots: FetchResult,
) -> None:
    asked, policies = drive_cross(f"License: {HOST}/l.xml\n", host_robots, {})
    assert HOST + "/l.xml" not in asked
    perm = fetch_permission(policies, BASE + "/x", TOKENS)
    assert perm.reasons == ("policy-file-refused-by-robots:rsl",)


@pytest.mark.parametrize("status", [503, 200])
def test_an_unusable_cross_origin_licence_fails_closed(status: int) -> None:
    bad = FetchResult(status, b"<html>not rsl</html>", T0)
    _, policies = drive_cross(f"License: {HOST}/l.xml\n", ALLOW_ALL, {HOST + "/l.xml": bad})
    (reason,) = fetch_permission(policies, BASE + "/x", TOKENS).reasons
    assert reason.startswith("rsl-unavailable:")


def test_cross_origin_licences_count_towards_the_cap() -> None:
    robots = "".join(f"License: {HOST}/{i}.xml\n" for i in range(6))
    licences = {f"{HOST}/{i}.xml": rsl(FREE, url=BASE + "/") for i in range(6)}
    asked, policies = drive_cross(robots, ALLOW_ALL, licences)
    assert sum(u.endswith(".xml") for u in asked) == 4
    assert (
        "rsl-unavailable:too-many-licences"
        in fetch_permission(policies, BASE + "/x", TOKENS).reasons
    )
