"""The sans-I/O pre-fetch plan (issue 12): driven here with canned fetch results.

One plan assembles an origin's policy files for the crawler's middleware, ``clearcrawl check``
and the export's re-check; these tests pin its order (robots.txt first, RFC 9309 §2.3), which
files robots.txt keeps it from fetching, the origin it keys on, and that its result is what the
hand-written assembly it replaced gave.
"""

from __future__ import annotations

import dataclasses

import pytest

from filters.prefetch import (
    AI_TXT,
    POLICY_FILE_KINDS,
    POLICY_FILES,
    ROBOTS_TXT,
    RSL_LICENSE,
    TDMREP_JSON,
    FetchResult,
    OriginPolicies,
    PrefetchPlan,
    fetch_permission,
    origin_base,
    origin_of_url,
    unfetched_policy_files,
)
from filters.robots import DISALLOW_ALL, robots_from_fetch
from filters.rsl import RslPolicy
from filters.tokens import honored_tokens

TOKENS = honored_tokens()
T0 = "2026-01-01T00:00:00Z"
NOT_FOUND = FetchResult(404, b"", T0)


def drive(
    plan: PrefetchPlan, results: dict[str, FetchResult]
) -> tuple[list[list[str]], OriginPolicies]:
    """Run ``plan`` round by round with canned results (404 for a file not listed)."""
    rounds: list[list[str]] = []
    while not plan.done:
        jobs = plan.pending()
        if jobs:
            rounds.append([j.kind.name for j in jobs])
        for job in jobs:
            plan.accept(job, results.get(job.kind.name, NOT_FOUND))
    return rounds, plan.result()


def ok(body: str) -> FetchResult:
    return FetchResult(200, body.encode(), T0)


def test_registry_lists_robots_first_and_only_robots_ungated() -> None:
    assert POLICY_FILES[0] is ROBOTS_TXT
    # issue 15 added the RSL licence robots.txt names (``License:``): no fixed path, located
    # ... and the TDM policies tdmrep.json names (``tdm-policy``), located from its rules
    assert [k.name for k in POLICY_FILES] == [
        "robots.txt",
        "tdmrep.json",
        "ai.txt",
        "rsl",
        "tdm-policy",
    ]
    assert [k.path for k in POLICY_FILES] == [
        "/robots.txt",
        "/.well-known/tdmrep.json",
        "/ai.txt",
        "",
        "",
    ]
    # RSL licences (one or more ``License:`` lines) and TDM policies are located from the
    # policy file that names them: one job per URL
    assert [k.name for k in POLICY_FILES if k.locate is not None] == []
    assert [(k.name, k.follows) for k in POLICY_FILES if k.follows] == [
        ("rsl", "robots.txt"),
        ("tdm-policy", "tdmrep.json"),
    ]
    assert [k.name for k in POLICY_FILES if not k.gated_by_robots] == ["robots.txt"]
    assert POLICY_FILE_KINDS["tdmrep.json"] is TDMREP_JSON
    assert POLICY_FILE_KINDS["ai.txt"] is AI_TXT
    for kind in POLICY_FILES:
        if kind.gated_by_robots:
            assert kind.not_checked is not None
            assert kind.refused_by_robots is not None
    fields = set(OriginPolicies.__dataclass_fields__)
    assert {k.attr for k in POLICY_FILES[:3]} | {"others"} == fields
    assert RSL_LICENSE.attr not in fields  # travels in ``others``


def test_robots_first_then_the_files_it_allows_together() -> None:
    plan = PrefetchPlan("http://h.example/a.html", TOKENS)
    (first,) = plan.pending()
    assert (first.kind, first.url) == (ROBOTS_TXT, "http://h.example/robots.txt")
    assert plan.pending() == ()  # nothing more until robots.txt is accepted, nothing twice
    plan.accept(first, ok("User-agent: *\nAllow: /\n"))
    jobs = plan.pending()
    assert [(j.kind, j.url) for j in jobs] == [
        (TDMREP_JSON, "http://h.example/.well-known/tdmrep.json"),
        (AI_TXT, "http://h.example/ai.txt"),
    ]
    assert plan.pending() == ()
    assert not plan.done
    for job in jobs:
        plan.accept(job, NOT_FOUND)
    assert plan.done
    perm = fetch_permission(plan.result(), "http://h.example/a.html", TOKENS)
    assert perm.allowed
    assert [r.kind for r in perm.policy_files] == ["robots.txt", "tdmrep.json", "ai.txt"]


@pytest.mark.parametrize(
    ("robots", "fetched", "reasons"),
    [
        ("User-agent: *\nDisallow: /.well-known/\n", ["ai.txt"], ["tdmrep.json"]),
        ("User-agent: *\nDisallow: /ai.txt\n", ["tdmrep.json"], ["ai.txt"]),
        ("User-agent: GPTBot\nDisallow: /ai.txt\n", ["tdmrep.json"], ["ai.txt"]),
        (
            "User-agent: *\nDisallow: /.well-known/\nDisallow: /ai.txt\n",
            [],
            ["tdmrep.json", "ai.txt"],
        ),
    ],
)
def test_a_file_robots_forbids_is_not_fetched_and_refuses_without_an_optout(
    robots: str, fetched: list[str], reasons: list[str]
) -> None:
    rounds, policies = drive(PrefetchPlan("http://h.example/", TOKENS), {"robots.txt": ok(robots)})
    assert rounds == ([["robots.txt"], fetched] if fetched else [["robots.txt"]])
    perm = fetch_permission(policies, "http://h.example/page", TOKENS)
    assert perm.reasons == tuple(f"policy-file-refused-by-robots:{k}" for k in reasons)
    assert all(s.reserved is None for s in perm.optout)


@pytest.mark.parametrize(
    ("result", "reason"),
    [
        (FetchResult(0, b"", T0, error="ConnectionRefusedError: refused"), "robots-unreachable"),
        (FetchResult(503, b"", T0), "robots-unreachable"),
    ],
)
def test_robots_refusing_everything_fetches_nothing_else(result: FetchResult, reason: str) -> None:
    rounds, policies = drive(PrefetchPlan("http://h.example/", TOKENS), {"robots.txt": result})
    assert rounds == [["robots.txt"]]
    assert policies.robots.mode == DISALLOW_ALL
    perm = fetch_permission(policies, "http://h.example/a", TOKENS)
    assert perm.reasons == (reason,)  # no policy-file reason: every URL is refused anyway
    assert [r.kind for r in perm.policy_files] == ["robots.txt"]


def test_a_reserving_policy_file_reserves() -> None:
    tdm = b'[{"location": "/*", "tdm-reservation": 1}]'
    _, policies = drive(
        PrefetchPlan("http://h.example/", TOKENS),
        {"robots.txt": ok("User-agent: *\nAllow: /\n"), "tdmrep.json": FetchResult(200, tdm, T0)},
    )
    assert fetch_permission(policies, "http://h.example/a", TOKENS).reasons == (
        "optout:tdmrep-file",
    )


@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("HTTP://Example.ORG:80/a?b#c", "http://example.org"),
        ("https://EXAMPLE.org:443/", "https://example.org"),
        ("https://example.org:8443/x", "https://example.org:8443"),
        ("http://[::1]:8080/", "http://[::1]:8080"),
    ],
)
def test_one_normalised_origin(url: str, base: str) -> None:
    assert origin_base(url) == base
    plan = PrefetchPlan(url, TOKENS)
    assert plan.base == base
    assert plan.pending()[0].url == base + "/robots.txt"
    assert origin_of_url(url) == origin_of_url(base + "/")


def test_the_plan_gives_what_the_hand_assembly_gave() -> None:
    robots_txt = "User-agent: *\nDisallow: /.well-known/\nContent-Signal: ai-train=no\n"
    ai_txt = b"User-Agent: *\nDisallow: /\n"
    _, planned = drive(
        PrefetchPlan("http://h.example/", TOKENS),
        {"robots.txt": ok(robots_txt), "ai.txt": FetchResult(200, ai_txt, T0)},
    )
    robots = robots_from_fetch("http://h.example/robots.txt", 200, robots_txt.encode(), T0)
    tdm, ai = unfetched_policy_files(robots, "http://h.example", TOKENS)
    assert tdm is not None
    assert ai is None
    ai = AI_TXT.from_fetch("http://h.example/ai.txt", 200, ai_txt, T0)
    # issue 15: robots.txt names no RSL licence, so the RSL kind is settled without a fetch
    rsl = ((RSL_LICENSE, RslPolicy.none_declared("http://h.example")),)
    by_hand = OriginPolicies(robots, tdm, ai, others=rsl)
    for url in ("http://h.example/a", "http://h.example/.well-known/x"):
        assert fetch_permission(planned, url, TOKENS) == fetch_permission(by_hand, url, TOKENS)


def test_max_bytes_reaches_the_parser() -> None:
    body = "User-agent: *\n" + "Disallow: /x\n" * 50_000  # ~650 KB
    plan = PrefetchPlan("http://h.example/", TOKENS, max_bytes={"robots.txt": 600_000})
    _, policies = drive(plan, {"robots.txt": ok(body)})
    assert policies.robots.ref.truncated


def test_a_driver_may_settle_a_file_itself_and_fail_closed() -> None:
    plan = PrefetchPlan("http://h.example/", TOKENS)
    for job in plan:
        if job.kind is ROBOTS_TXT:
            plan.accept(job, ok("User-agent: *\nAllow: /\n"))
        elif job.kind.not_checked is not None:
            plan.record(job, job.kind.not_checked(job.url, "no fetch of it was recorded"))
    reasons = fetch_permission(plan.result(), "http://h.example/a", TOKENS).reasons
    assert reasons == ("optout:tdmrep-file", "optout:ai-txt")


def test_unfinished_plans_are_refused() -> None:
    plan = PrefetchPlan("http://h.example/", TOKENS)
    with pytest.raises(RuntimeError):
        plan.result()
    with pytest.raises(RuntimeError):
        list(plan)  # yields robots.txt, whose result never comes


def test_a_new_kind_is_one_registry_entry() -> None:
    # e.g. RSL licences: registered like ai.txt, fetched after robots.txt, evaluated with the rest
    rsl = dataclasses.replace(AI_TXT, name="rsl.xml", path="/rsl.xml", attr="rsl", stat="rsl")
    kinds = (*POLICY_FILES, rsl)
    rounds, policies = drive(
        PrefetchPlan("http://h.example/", TOKENS, kinds=kinds),
        {"robots.txt": ok("User-agent: *\nAllow: /\n")},
    )
    assert rounds == [["robots.txt"], ["tdmrep.json", "ai.txt", "rsl.xml"]]
    assert [k.name for k, _ in policies.consulted] == [k.name for k in kinds]
    assert policies.of(rsl).outcome == policies.aitxt.outcome
    _, refused = drive(
        PrefetchPlan("http://h.example/", TOKENS, kinds=kinds),
        {"robots.txt": ok("User-agent: *\nDisallow: /rsl.xml\n")},
    )
    assert fetch_permission(refused, "http://h.example/a", TOKENS).reasons == (
        "policy-file-refused-by-robots:rsl.xml",
    )


def test_origin_policies_pickle_round_trip_for_the_fleet_cache() -> None:
    """The shared frontier stores an origin's policies in Redis (pickled): every kind must survive."""
    import pickle

    from filters.prefetch import POLICY_FILES, FetchResult, PrefetchPlan

    plan = PrefetchPlan("http://x.example/", ("clearcrawl",))
    for job in plan:
        robots = job.kind.name == "robots.txt"
        body = b"User-agent: *\nAllow: /\nLicense: /license.xml\n" if robots else b""
        plan.accept(job, FetchResult(200 if robots else 404, body, "2026-01-01T00:00:00Z"))
    policies = plan.result()
    again = pickle.loads(pickle.dumps(policies))  # noqa: S301 - bytes this test made
    assert [k for k, _ in again.consulted] == [k for k, _ in policies.consulted]
    assert all(a is b for (a, _), b in zip(again.consulted, POLICY_FILES, strict=True))
    assert again.refs == policies.refs
