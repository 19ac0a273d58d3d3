"""TDMRep TDM policies (ODRL): parse, evaluate for AI training, locate from tdmrep.json.

Spec: TDMRep CG final report, "Expressing a TDM Policy" (its examples are the first rows), and
the group's best-practice note on policies (spatial constraints). Strict and total: a policy
that is not the profile's shape is *unreadable*, never a permission.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from filters.html import ParsedPage
from filters.optout.tdmpolicy import (
    MAX_POLICIES_PER_ORIGIN,
    AiTraining,
    PolicyStatus,
    TdmPolicy,
    locate_policies,
    page_policy_request,
    parse_tdm_policy,
    tdm_policy_from_fetch,
)
from filters.optout.tdmrep import tdmrep_from_fetch
from filters.results import Evidence, OptoutSignal

URL = "http://h.example/policies/p.json"
T0 = "2026-12-04T10:00:00Z"
CONTEXT = ["http://www.w3.org/ns/odrl.jsonld", "http://www.w3.org/ns/tdmrep.jsonld"]


def policy(*permission: dict[str, Any], **extra: Any) -> bytes:
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "Offer",
        "profile": "http://www.w3.org/ns/tdmrep",
        "uid": "https://h.example/policies/1",
        "assigner": {
            "uid": "https://h.example",
            "vcard:fn": "Provider",
            "vcard:hasEmail": "mailto:tdm@h.example",
        },
        "permission": list(permission),
    }
    doc.update(extra)
    return json.dumps(doc).encode()


def read(body: bytes) -> TdmPolicy:
    return tdm_policy_from_fetch(URL, 200, body, T0)


# -- the spec's own examples ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("permission", "verdict", "conditions"),
    [
        pytest.param(
            {"action": "tdm:mine", "duty": [{"action": "obtainConsent"}]},
            AiTraining.PERMITTED,
            ("obtain-consent",),
            id="full-example-1-obtainConsent",
        ),
        pytest.param(
            {
                "action": "tdm:mine",
                "duty": [{"action": "compensate"}],
                "constraint": [
                    {"leftOperand": "purpose", "operator": "eq", "rightOperand": "tdm:non-research"}
                ],
            },
            AiTraining.PERMITTED,
            ("compensate", "purpose:non-research"),
            id="full-example-2-non-research-against-a-fee",
        ),
        pytest.param({"action": "tdm:mine"}, AiTraining.PERMITTED, (), id="action-tdm-mine"),
        pytest.param(
            {"action": "http://www.w3.org/ns/tdmrep#mine"},
            AiTraining.PERMITTED,
            (),
            id="action-full-iri",
        ),
        pytest.param(
            {
                "action": "tdm:mine",
                "constraint": [
                    {"leftOperand": "purpose", "operator": "eq", "rightOperand": "tdm:research"}
                ],
            },
            AiTraining.NOT_PERMITTED,
            (),
            id="purpose-research-only",
        ),
        pytest.param(
            {
                "action": "tdm:mine",
                "constraint": [
                    {
                        "leftOperand": "spatial",
                        "operator": "isPartOf",
                        "rightOperand": ["urn:iso:3166:FRA"],
                    }
                ],
            },
            AiTraining.NOT_PERMITTED,
            (),
            id="best-practice-spatial-constraint",
        ),
        pytest.param({"action": "use"}, AiTraining.NOT_PERMITTED, (), id="action-not-mine"),
        pytest.param(
            {"action": "tdm:mine", "duty": [{"action": "attribute"}]},
            AiTraining.NOT_PERMITTED,
            (),
            id="duty-not-in-the-profile",
        ),
        pytest.param(
            {
                "action": "tdm:mine",
                "constraint": [{"leftOperand": "dateTime", "operator": "lt", "rightOperand": "x"}],
            },
            AiTraining.NOT_PERMITTED,
            (),
            id="constraint-not-in-the-profile",
        ),
    ],
)
def test_permission_evaluated_for_ai_training(
    permission: dict[str, Any], verdict: AiTraining, conditions: tuple[str, ...]
) -> None:
    p = read(policy(permission))
    assert p.status == PolicyStatus.READ
    assert p.ai_training == verdict
    assert p.conditions == conditions
    assert p.uid == "https://h.example/policies/1"
    assert ("fn", "Provider") in p.assigner
    (rule,) = p.rules
    assert rule.counts is (verdict == AiTraining.PERMITTED)
    assert rule.note  # why it counts, or why not
    assert any(e.locator == f"{URL} permission[0]" for e in p.evidence)


def test_one_permitting_rule_among_others_is_enough() -> None:
    p = read(policy({"action": "use"}, {"action": "tdm:mine", "duty": [{"action": "compensate"}]}))
    assert p.ai_training == AiTraining.PERMITTED
    assert [r.counts for r in p.rules] == [False, True]
    assert p.conditions == ("compensate",)


def test_a_prohibition_makes_the_policy_not_permitting() -> None:
    p = read(policy({"action": "tdm:mine"}, prohibition=[{"action": "tdm:mine"}]))
    assert p.status == PolicyStatus.READ
    assert p.ai_training == AiTraining.NOT_PERMITTED
    assert "prohibition" in p.reason


@pytest.mark.parametrize(
    ("body", "why"),
    [
        pytest.param(b"{not json", "not JSON", id="not-json"),
        pytest.param(b"[]", "not a policy object", id="array"),
        pytest.param(policy({"action": "tdm:mine"}, **{"@type": "Set"}), "Offer", id="type-set"),
        pytest.param(
            policy({"action": "tdm:mine"}, profile="http://other.example/p"),
            "profile",
            id="wrong-profile",
        ),
        pytest.param(
            policy({"action": "tdm:mine"}, **{"@context": CONTEXT[:1]}), "@context", id="context"
        ),
        pytest.param(policy({"action": "tdm:mine"}, uid=7), "uid", id="uid-not-string"),
        pytest.param(policy({"action": "tdm:mine"}, assigner="x"), "assigner", id="no-assigner"),
        pytest.param(policy(), "permission", id="no-permission"),
        pytest.param(policy({"duty": []}), "action", id="permission-without-action"),
        pytest.param(policy({"action": 3}), "action", id="action-not-a-term"),
        pytest.param(b'{"uid": "a", "uid": "b"}', "more than once", id="duplicate-key"),
        pytest.param(b"x" * 600_000, "cap", id="oversized"),
    ],
)
def test_malformed_or_unknown_is_unreadable_never_a_permission(body: bytes, why: str) -> None:
    p = read(body)
    assert p.status == PolicyStatus.UNREADABLE
    assert p.ai_training == AiTraining.UNKNOWN
    assert why in p.reason
    assert p.evidence
    assert p.ref is not None
    assert p.ref.kind == "tdm-policy"


def test_an_html_policy_is_human_readable_with_no_terms() -> None:
    p = read(b"<!doctype html><html><body>Write to us for a TDM licence.</body></html>")
    assert p.status == PolicyStatus.HUMAN_READABLE
    assert p.ai_training == AiTraining.UNKNOWN


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        (404, "", PolicyStatus.ABSENT),
        (410, "", PolicyStatus.ABSENT),
        (403, "", PolicyStatus.UNAVAILABLE),
        (429, "", PolicyStatus.UNAVAILABLE),
        (503, "", PolicyStatus.UNAVAILABLE),
        (0, "TimeoutError: took too long", PolicyStatus.UNAVAILABLE),
    ],
)
def test_fetch_failures_leave_the_terms_unknown(
    status: int, error: str, expected: PolicyStatus
) -> None:
    p = tdm_policy_from_fetch(URL, status, policy({"action": "tdm:mine"}), T0, error=error)
    assert p.status == expected
    assert p.ai_training == AiTraining.UNKNOWN
    assert p.ref is not None
    assert p.ref.status == status


def test_matches_by_url_or_digest() -> None:
    p = read(policy({"action": "tdm:mine"}))
    assert p.matches(URL)
    assert p.digest.startswith("sha256:")
    assert p.matches(p.digest)
    assert p.matches(p.digest.upper().replace("SHA256:", "sha256:"))
    assert not p.matches("sha256:" + "0" * 64)
    assert not p.matches("http://h.example/other.json")
    assert not TdmPolicy.not_fetched(URL, "x").digest


@given(st.binary(max_size=2000))
def test_never_raises_and_never_permits_garbage(body: bytes) -> None:
    p = parse_tdm_policy(URL, body)
    assert p.ai_training in (AiTraining.UNKNOWN, AiTraining.NOT_PERMITTED, AiTraining.PERMITTED)
    if p.ai_training == AiTraining.PERMITTED:
        assert p.status == PolicyStatus.READ


# -- where policies come from --------------------------------------------------------------
def tdmrep(rules: list[dict[str, Any]]) -> Any:
    return tdmrep_from_fetch(
        "http://h.example/.well-known/tdmrep.json", 200, json.dumps(rules).encode(), T0
    )


def test_located_from_reserving_rules_only_in_order_once_each() -> None:
    file = tdmrep(
        [
            {"location": "/a/*", "tdm-reservation": 1, "tdm-policy": "/policies/a.json"},
            {"location": "/b/*", "tdm-reservation": 0, "tdm-policy": "/policies/b.json"},
            {
                "location": "/c/*",
                "tdm-reservation": 1,
                "tdm-policy": "http://h.example/policies/a.json",
            },
            {
                "location": "/d/*",
                "tdm-reservation": 1,
                "tdm-policy": "https://other.example/p.json",
            },
            {"location": "/e/*", "tdm-reservation": 1, "tdm-policy": "mailto:x@h.example"},
            {"location": "/", "tdm-reservation": 1},
        ]
    )
    urls, settled = locate_policies(file, "http://h.example")
    assert urls == ("http://h.example/policies/a.json",)  # relative resolved, once; 0 ignored
    assert [(p.url, p.status) for p in settled] == [
        ("https://other.example/p.json", PolicyStatus.NOT_FETCHED),
        ("mailto:x@h.example", PolicyStatus.NOT_FETCHED),
    ]
    assert "another origin" in settled[0].reason


def test_at_most_a_few_policies_per_origin_are_fetched() -> None:
    file = tdmrep(
        [
            {"location": f"/{i}/", "tdm-reservation": 1, "tdm-policy": f"/p{i}.json"}
            for i in range(MAX_POLICIES_PER_ORIGIN + 2)
        ]
    )
    urls, settled = locate_policies(file, "http://h.example")
    assert len(urls) == MAX_POLICIES_PER_ORIGIN
    assert len(settled) == 2
    assert all("more than" in p.reason for p in settled)


def test_no_policies_from_an_unparsed_file() -> None:
    broken = tdmrep_from_fetch("http://h.example/.well-known/tdmrep.json", 503, b"", T0)
    assert locate_policies(broken, "http://h.example") == ((), ())


def page(headers: list[tuple[str, str]], body: str = "") -> ParsedPage:
    html = f"<html><head>{body}</head><body>x</body></html>".encode()
    return ParsedPage("http://h.example/a/x.html", headers, html, 200)


FILE_RESERVED = (
    OptoutSignal(signal="tdmrep-file", reserved=True, evidence=(Evidence(source="tdmrep.json"),)),
)


@pytest.mark.parametrize(
    ("headers", "meta", "prior", "expected"),
    [
        pytest.param(
            [("tdm-reservation", "1"), ("tdm-policy", "/p.json")],
            "",
            (),
            ("http://h.example/p.json",),
            id="header-1-with-policy",
        ),
        pytest.param(
            [("tdm-reservation", "0"), ("tdm-policy", "/p.json")],
            "",
            FILE_RESERVED,
            (),
            id="header-0-policy-not-processed",
        ),
        pytest.param(
            [("tdm-policy", "/p.json")],
            "",
            FILE_RESERVED,
            ("http://h.example/p.json",),
            id="file-reserves-header-names-policy",
        ),
        pytest.param(
            [("tdm-reservation", "1"), ("tdm-policy", "/h.json")],
            '<meta name="tdm-policy" content="/m.json">',
            (),
            ("http://h.example/m.json",),
            id="meta-supersedes-header",
        ),
        pytest.param([("tdm-reservation", "1")], "", (), (), id="no-policy-named"),
        pytest.param([("tdm-policy", "/p.json")], "", (), (), id="nothing-reserved"),
    ],
)
def test_page_policy_follows_the_processing_priority(
    headers: list[tuple[str, str]], meta: str, prior: Any, expected: tuple[str, ...]
) -> None:
    assert page_policy_request(page(headers, meta), prior) == expected
