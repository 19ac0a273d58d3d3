"""TDM policies in the pre-fetch plan and as the evidence a grant relies on (issue 15).

The plan fetches the policies tdmrep.json's reserving rules name after tdmrep.json itself, each
once, robots-gated; they never change the pre-fetch verdict (a reservation stays one). A grant
that names a policy (``tdm_policy``) admits only when that policy, as read, applies to the URL
and permits mining for AI training.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from filters.grants import GrantsError, admit, parse_grants
from filters.optout.tdmpolicy import AiTraining, PolicyStatus, TdmPolicySet
from filters.prefetch import (
    TDM_POLICY,
    FetchResult,
    PrefetchPlan,
    fetch_permission,
)
from filters.reasons import Reason
from filters.tokens import honored_tokens

TOKENS = honored_tokens()
T0 = "2026-12-04T10:00:00Z"
BASE = "http://h.example"
PERMIT = {
    "@context": ["http://www.w3.org/ns/odrl.jsonld", "http://www.w3.org/ns/tdmrep.jsonld"],
    "@type": "Offer",
    "profile": "http://www.w3.org/ns/tdmrep",
    "uid": "https://h.example/policies/1",
    "assigner": {"vcard:fn": "H"},
    "permission": [{"action": "tdm:mine", "duty": [{"action": "obtainConsent"}]}],
}
RESEARCH = {
    **PERMIT,
    "permission": [
        {
            "action": "tdm:mine",
            "constraint": [
                {"leftOperand": "purpose", "operator": "eq", "rightOperand": "tdm:research"}
            ],
        }
    ],
}
TDMREP = [
    {"location": "/open/*", "tdm-reservation": 1, "tdm-policy": "/p/permit.json"},
    {"location": "/research/*", "tdm-reservation": 1, "tdm-policy": "/p/research.json"},
    {"location": "/broken/*", "tdm-reservation": 1, "tdm-policy": "/p/broken.json"},
    {"location": "/gone/*", "tdm-reservation": 1, "tdm-policy": "/p/gone.json"},
    {"location": "/free/*", "tdm-reservation": 0, "tdm-policy": "/p/permit.json"},
    {"location": "/", "tdm-reservation": 1},
]
FILES = {
    "/robots.txt": FetchResult(200, b"User-agent: *\nDisallow: /private/\n", T0),
    "/.well-known/tdmrep.json": FetchResult(200, json.dumps(TDMREP).encode(), T0),
    "/p/permit.json": FetchResult(200, json.dumps(PERMIT).encode(), T0),
    "/p/research.json": FetchResult(200, json.dumps(RESEARCH).encode(), T0),
    "/p/broken.json": FetchResult(200, b'{"@context": ', T0),
    "/p/gone.json": FetchResult(503, b"", T0),
}


def drive(files: dict[str, FetchResult]) -> tuple[list[list[str]], Any]:
    plan = PrefetchPlan(BASE + "/", TOKENS)
    rounds: list[list[str]] = []
    while not plan.done:
        jobs = plan.pending()
        assert jobs, "the plan waits for nothing"
        rounds.append([j.url.removeprefix(BASE) for j in jobs])
        for job in jobs:
            plan.accept(job, files.get(job.url.removeprefix(BASE), FetchResult(404, b"", T0)))
    return rounds, plan.result()


@pytest.fixture(scope="module")
def origin() -> tuple[list[list[str]], Any]:
    return drive(FILES)


def test_policies_are_fetched_after_tdmrep_json_once_each(origin: Any) -> None:
    rounds, _ = origin
    assert rounds[0] == ["/robots.txt"]
    assert "/.well-known/tdmrep.json" in rounds[1]
    assert rounds[2] == ["/p/permit.json", "/p/research.json", "/p/broken.json", "/p/gone.json"]
    assert len(rounds) == 3


def test_policies_change_no_verdict_and_are_on_record(origin: Any) -> None:
    _, policies = origin
    for path in ("/open/a", "/research/a", "/broken/a", "/gone/a", "/other"):
        perm = fetch_permission(policies, BASE + path, TOKENS)
        assert not perm.allowed
        assert perm.reasons == (Reason.OPTOUT.with_arg("tdmrep-file"),)  # nothing more
    kinds = [(r.kind, r.url.removeprefix(BASE)) for r in policies.refs if r.kind == "tdm-policy"]
    assert kinds == [
        ("tdm-policy", "/p/permit.json"),
        ("tdm-policy", "/p/research.json"),
        ("tdm-policy", "/p/broken.json"),
        ("tdm-policy", "/p/gone.json"),
    ]
    free = fetch_permission(policies, BASE + "/free/a", TOKENS)
    assert free.allowed
    assert free.tdm_policies == ()  # reservation 0: its policy is not processed


@pytest.mark.parametrize(
    ("path", "status", "verdict"),
    [
        ("/open/a", PolicyStatus.READ, AiTraining.PERMITTED),
        ("/research/a", PolicyStatus.READ, AiTraining.NOT_PERMITTED),
        ("/broken/a", PolicyStatus.UNREADABLE, AiTraining.UNKNOWN),
        ("/gone/a", PolicyStatus.UNAVAILABLE, AiTraining.UNKNOWN),
    ],
)
def test_each_url_carries_the_policy_its_rule_names(
    origin: Any, path: str, status: PolicyStatus, verdict: AiTraining
) -> None:
    _, policies = origin
    (p,) = fetch_permission(policies, BASE + path, TOKENS).tdm_policies
    assert (p.status, p.ai_training) == (status, verdict)
    assert fetch_permission(policies, BASE + "/other", TOKENS).tdm_policies == ()


def test_robots_txt_keeps_a_policy_unfetched() -> None:
    files = {
        **FILES,
        "/robots.txt": FetchResult(200, b"User-agent: *\nDisallow: /p/permit.json\n", T0),
    }
    rounds, policies = drive(files)
    assert "/p/permit.json" not in [u for r in rounds for u in r]
    (p,) = fetch_permission(policies, BASE + "/open/a", TOKENS).tdm_policies
    assert p.status == PolicyStatus.NOT_FETCHED
    assert "robots.txt" in p.reason
    # a refused policy is no reason against other URLs (unlike a refused tdmrep.json)
    assert fetch_permission(policies, BASE + "/free/a", TOKENS).allowed


def test_a_file_naming_no_policy_settles_without_a_third_round() -> None:
    files = {**FILES, "/.well-known/tdmrep.json": FetchResult(200, b"[]", T0)}
    rounds, policies = drive(files)
    assert len(rounds) == 2
    assert policies.of(TDM_POLICY) == TdmPolicySet(BASE, ())


# -- grants relying on a policy ------------------------------------------------------------
NOW = datetime(2026, 12, 4, tzinfo=UTC)


def grants(tdm_policy: str | None) -> Any:
    grant: dict[str, Any] = {
        "id": "AGR-T",
        "counterparty": "H",
        "document_sha256": "d" * 64,
        "origin": BASE,
        "permits": ["ai-train"],
        "valid_from": "2020-01-01",
        "valid_until": "2099-12-31",
        "overrides": ["tdmrep-file"],
    }
    if tdm_policy is not None:
        grant["tdm_policy"] = tdm_policy
    return parse_grants({"grants": [grant]})


@pytest.mark.parametrize(
    ("path", "admitted"),
    [("/open/a", True), ("/research/a", False), ("/broken/a", False), ("/gone/a", False)],
)
def test_a_grant_relying_on_a_policy_admits_only_what_its_terms_permit(
    origin: Any, path: str, admitted: bool
) -> None:
    _, policies = origin
    perm = fetch_permission(policies, BASE + path, TOKENS)
    named = BASE + "/p/permit.json" if path == "/open/a" else perm.tdm_policies[0].url
    out = admit(grants(named), BASE + path, NOW, perm.reasons, tdm_policies=perm.tdm_policies)
    assert out.admitted is admitted
    if admitted:
        assert out.tdm_policy is perm.tdm_policies[0]
        assert "obtain-consent" in out.note
        assert "permit.json" in out.note
    else:
        assert Reason.GRANT_TDM_POLICY.with_arg("AGR-T") in out.reasons
        assert "do not permit AI training" in out.note


def test_a_grant_names_its_policy_by_digest_too(origin: Any) -> None:
    _, policies = origin
    perm = fetch_permission(policies, BASE + "/open/a", TOKENS)
    digest = perm.tdm_policies[0].digest
    assert admit(
        grants(digest), BASE + "/open/a", NOW, perm.reasons, tdm_policies=perm.tdm_policies
    ).admitted
    wrong = "sha256:" + "0" * 64
    out = admit(grants(wrong), BASE + "/open/a", NOW, perm.reasons, tdm_policies=perm.tdm_policies)
    assert not out.admitted
    assert "not the policy this URL's TDMRep reservation names" in out.note


def test_a_policy_for_other_urls_is_no_evidence(origin: Any) -> None:
    _, policies = origin
    perm = fetch_permission(policies, BASE + "/other", TOKENS)  # its rule names no policy
    out = admit(grants(BASE + "/p/permit.json"), BASE + "/other", NOW, perm.reasons)
    assert not out.admitted


def test_a_grant_naming_no_policy_is_unchanged(origin: Any) -> None:
    _, policies = origin
    perm = fetch_permission(policies, BASE + "/research/a", TOKENS)
    out = admit(
        grants(None), BASE + "/research/a", NOW, perm.reasons, tdm_policies=perm.tdm_policies
    )
    assert out.admitted  # it overrides tdmrep-file by its own terms, as before
    assert out.tdm_policy is None


def test_the_reference_records_the_policy_and_old_files_keep_their_digest() -> None:
    assert grants(BASE + "/p/permit.json").grants[0].reference()["tdm_policy"] == (
        BASE + "/p/permit.json"
    )
    assert "tdm_policy" not in grants(None).grants[0].reference()


@pytest.mark.parametrize("bad", ["/p/permit.json", "ftp://h.example/p", "sha256:abc", 7, ""])
def test_a_bad_tdm_policy_reference_is_one_line(bad: object) -> None:
    g = {
        "id": "X",
        "counterparty": "H",
        "document_sha256": "d" * 64,
        "origin": BASE,
        "permits": ["ai-train"],
        "valid_from": "2020-01-01",
        "valid_until": "2099-12-31",
        "tdm_policy": bad,
    }
    with pytest.raises(GrantsError, match="tdm_policy") as err:
        parse_grants({"grants": [g]})
    assert "\n" not in str(err.value)
