"""The rights policy: allowlist semantics, fail-closed decisions, policy files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from filters.policy import DEFAULT_POLICY, Policy, PolicyError
from filters.results import (
    Evidence,
    LicenseFinding,
    OptoutFinding,
    OptoutSignal,
    PaywallFinding,
    Scope,
)

FREE = PaywallFinding(paywalled=False)
NO_OPTOUT = OptoutFinding(reserved=False)


def lic(
    spdx: str | None, scope: Scope | None = Scope.PAGE, ambiguous: bool = False
) -> LicenseFinding:
    return LicenseFinding(spdx=spdx, scope=scope, ambiguous=ambiguous)


@pytest.mark.parametrize(
    ("spdx", "allowed"),
    [
        ("CC0-1.0", True),
        ("CC-PDM-1.0", True),
        ("CC-PDDC", True),
        ("CC-BY-4.0", True),
        ("CC-BY-1.0", True),
        ("CC-BY-SA-3.0-DE", True),
        ("CC-BY-2.0-UK", True),
        ("LicenseRef-CC-BY-SA-2.5-CH", True),
        ("CC-BY-NC-4.0", False),
        ("CC-BY-ND-4.0", False),
        ("CC-BY-NC-SA-3.0", False),
        ("CC-BY-SA-3.0 OR GFDL-1.3-or-later", True),
        ("CC-BY-NC-4.0 OR CC-BY-ND-4.0", False),
        ("CC-BY-4.0 AND CC-BY-NC-4.0", False),
        ("LicenseRef-CC-BY-SA-unversioned", False),
        ("MIT", False),
        ("", False),
    ],
)
def test_default_allowlist(spdx: str, allowed: bool) -> None:
    assert DEFAULT_POLICY.license_allowed(spdx) is allowed


def test_included_only_when_every_rule_passes() -> None:
    d = DEFAULT_POLICY.decide(lic("CC-BY-4.0"), FREE, NO_OPTOUT)
    assert d.include
    assert d.reasons == ()


@pytest.mark.parametrize(
    ("finding", "paywall", "optout", "reason"),
    [
        (lic(None, None), FREE, NO_OPTOUT, "no-license"),
        (lic(None, Scope.PART), FREE, NO_OPTOUT, "license-part-only"),
        (lic("CC-BY-4.0", ambiguous=True), FREE, NO_OPTOUT, "license-ambiguous:CC-BY-4.0"),
        (lic("CC-BY-NC-4.0"), FREE, NO_OPTOUT, "license-not-allowed:CC-BY-NC-4.0"),
        (
            lic("CC-BY-4.0"),
            PaywallFinding(paywalled=True, kind="metered"),
            NO_OPTOUT,
            "paywalled:metered",
        ),
        (
            lic("CC-BY-4.0"),
            FREE,
            OptoutFinding(
                reserved=True,
                signals=(
                    OptoutSignal(
                        signal="tdmrep-meta", reserved=True, evidence=(Evidence(source="html"),)
                    ),
                ),
            ),
            "optout:tdmrep-meta",
        ),
        (None, FREE, NO_OPTOUT, "detector-missing:license"),
        (lic("CC-BY-4.0"), None, NO_OPTOUT, "detector-missing:paywall"),
        (lic("CC-BY-4.0"), FREE, None, "detector-missing:optout"),
    ],
)
def test_each_failing_rule_excludes_with_its_reason(finding, paywall, optout, reason) -> None:
    d = DEFAULT_POLICY.decide(finding, paywall, optout)
    assert not d.include
    assert reason in d.reasons


def test_policy_file_roundtrip_and_digest(tmp_path: Path) -> None:
    p = tmp_path / "p.toml"
    p.write_text(
        'name = "strict"\nversion = "2"\nallow_licenses = ["CC0-1\\\\.0"]\nmin_text_chars = 500\n'
    )
    pol = Policy.from_file(p)
    assert pol.label == "strict@2"
    assert not pol.license_allowed("CC-BY-4.0")
    assert pol.license_allowed("CC0-1.0")
    j = tmp_path / "p.json"
    j.write_text(json.dumps(pol.to_dict()))
    assert Policy.from_file(j).digest == pol.digest
    assert pol.digest != DEFAULT_POLICY.digest


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("allow_licenses = ['(']", "not a valid regex"),
        ("colour = 'blue'", "unknown policy key"),
        ("allow_scopes = ['everywhere']", "unknown scope"),
        ("exclude_optout = 'no'", "true or false"),
        ("this is not toml", "not valid TOML"),
    ],
)
def test_bad_policy_files_are_refused(tmp_path: Path, content: str, message: str) -> None:
    p = tmp_path / "p.toml"
    p.write_text(content)
    with pytest.raises(PolicyError, match=message):
        Policy.from_file(p)


def test_optout_cannot_be_disabled_by_accident() -> None:
    assert DEFAULT_POLICY.exclude_optout
    assert DEFAULT_POLICY.exclude_paywalled


@pytest.mark.parametrize(
    ("spdx", "rule"),
    [
        ("CC0-1.0", r"allow_licenses: CC0-1\.0"),
        ("CC-BY-SA-3.0-DE", r"allow_licenses: CC-BY-SA-[0-9]\.[0-9](-[A-Z]{2,3})?"),
        ("CC-BY-NC-4.0 OR CC-BY-4.0", r"allow_licenses: CC-BY-[0-9]\.[0-9](-[A-Z]{2,3})?"),
        ("(CC0-1.0 AND CC-BY-4.0)", r"allow_licenses: CC0-1\.0"),
        ("CC-BY-NC-4.0", None),
        ("CC-BY-4.0 AND CC-BY-NC-4.0", None),
    ],
)
def test_the_policy_names_the_allowlist_rule_that_admitted_the_licence(
    spdx: str, rule: str | None
) -> None:
    """Issue 12: Decision.rule comes from the policy, not re-derived by the manifest."""
    assert DEFAULT_POLICY.decide(lic(spdx), FREE, NO_OPTOUT).rule == rule


def test_the_rule_is_set_only_when_the_licence_passes() -> None:
    assert DEFAULT_POLICY.decide(None, FREE, NO_OPTOUT).rule is None
    assert DEFAULT_POLICY.decide(lic(None), FREE, NO_OPTOUT).rule is None
    assert DEFAULT_POLICY.decide(lic("CC-BY-4.0", ambiguous=True), FREE, NO_OPTOUT).rule is None
    assert DEFAULT_POLICY.decide(lic("CC-BY-4.0", Scope.PART), FREE, NO_OPTOUT).rule is None
    # the licence passed; the page is out for another reason: the rule still says which one
    walled = DEFAULT_POLICY.decide(lic("CC-BY-4.0"), PaywallFinding(paywalled=True), NO_OPTOUT)
    assert not walled.include
    assert walled.rule == r"allow_licenses: CC-BY-[0-9]\.[0-9](-[A-Z]{2,3})?"


def test_the_rule_is_not_written_into_the_decision_record() -> None:
    """It follows from the licence and the policy (the log's header holds the policy): the
    decisions log and ``check`` stay as they were; the manifest carries it."""
    from filters.results import to_jsonable

    d = DEFAULT_POLICY.decide(lic("CC-BY-4.0"), FREE, NO_OPTOUT)
    assert d.rule is not None
    assert to_jsonable(d) == {"include": True, "reasons": [], "policy": DEFAULT_POLICY.label}
