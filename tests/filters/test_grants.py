"""Licensed-source agreements: loading, validation (one-line errors), scope, dates, admission.

A grant admits what only a licence agreement answers (no licence, all rights reserved, RSL
payment terms) and the opt-outs it explicitly overrides, never anything else, never outside its
dates (issue 15).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from filters.grants import (
    GrantsError,
    GrantSet,
    admit,
    grants_from_record,
    load_grants,
    origin_of,
)

DOC = "a" * 64
TOML = f"""
[[grants]]
id = "AGR-1"
counterparty = "News Example Ltd"
document_sha256 = "{DOC}"
origin = "https://News.Example:443"
permits = ["ai-train"]
valid_from = 2026-01-01
valid_until = 2026-12-31
attribution = "© News Example, used under licence AGR-1"
license_token = "s3cr3t-token"
license_server = "https://license.news.example/"

[[grants]]
id = "AGR-2"
counterparty = "Blog Co"
document_sha256 = "sha256:{"B" * 64}"
url_pattern = "https://blog.example/open/*"
permits = ["train-ai"]
valid_from = "2026-06-01T00:00:00Z"
valid_until = "2026-06-30"
overrides = ["tdmrep-file"]
"""

IN = datetime(2026, 6, 15, 12, tzinfo=UTC)


def _grants(tmp_path: Path, text: str = TOML, name: str = "grants.toml") -> GrantSet:
    f = tmp_path / name
    f.write_text(text)
    return load_grants(f)


def test_toml_and_json_load_the_same_grants(tmp_path: Path) -> None:
    toml = _grants(tmp_path)
    data = {
        "grants": [
            {
                **{k: v for k, v in g.reference().items() if k in ("id", "counterparty")},
                "document_sha256": g.document_sha256,
                **({"origin": g.origin} if g.origin else {"url_pattern": g.url_pattern}),
                "permits": list(g.permits),
                "valid_from": g.valid_from.isoformat(),
                "valid_until": g.valid_until.isoformat(),
                "attribution": g.attribution,
                "overrides": list(g.overrides),
                **({"license_token": g.license_token} if g.license_token else {}),
                **({"license_server": g.license_server} if g.license_server else {}),
            }
            for g in toml.grants
        ]
    }
    js = _grants(tmp_path, json.dumps(data), "grants.json")
    assert js.grants == toml.grants
    assert js.digest == toml.digest
    first = toml.grants[0]
    assert first.origin == "https://news.example"
    assert first.document_sha256 == "sha256:" + DOC
    assert first.valid_until == datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


def test_the_token_is_never_in_the_reference_or_the_digested_json(tmp_path: Path) -> None:
    grants = _grants(tmp_path)
    g = grants.grants[0]
    assert "s3cr3t-token" not in json.dumps(g.reference())
    assert "s3cr3t-token" not in grants.canonical_json()
    assert "s3cr3t-token" not in repr(g)
    assert g.reference()["license_token_sha256"] == g.token_digest
    assert g.token_digest is not None
    assert g.token_digest.startswith("sha256:")


def test_token_goes_to_its_origin_only_and_only_while_valid(tmp_path: Path) -> None:
    grants = _grants(tmp_path)
    assert grants.token_for("https://news.example/a", IN) is grants.grants[0]
    assert grants.token_for("https://news.example:443/robots.txt", IN) is grants.grants[0]
    assert grants.token_for("http://news.example/a", IN) is None  # another origin (scheme)
    assert grants.token_for("https://evil.news.example/a", IN) is None
    assert grants.token_for("https://blog.example/open/x", IN) is None  # no token
    assert grants.token_for("https://news.example/a", datetime(2027, 1, 1, tzinfo=UTC)) is None


@pytest.mark.parametrize(
    ("url", "covered"),
    [
        ("https://blog.example/open/a", True),
        ("https://blog.example/open/", True),
        ("https://blog.example/closed/a", False),
        ("https://blog.example.evil/open/a", False),
    ],
)
def test_url_pattern_scope(tmp_path: Path, url: str, covered: bool) -> None:
    assert _grants(tmp_path).grants[1].covers(url) is covered


@pytest.mark.parametrize(
    "reasons",
    [
        ("no-license",),
        ("license-not-allowed:LicenseRef-All-Rights-Reserved",),
        ("no-license", "license-not-allowed:LicenseRef-All-Rights-Reserved"),
    ],
)
def test_a_valid_grant_admits_no_licence_and_all_rights_reserved(
    tmp_path: Path, reasons: tuple[str, ...]
) -> None:
    out = admit(_grants(tmp_path), "https://news.example/a", IN, reasons)
    assert out.admitted
    assert out.grant is not None
    assert out.grant.id == "AGR-1"
    assert out.reasons == ()
    assert out.note == (
        "admitted under agreement AGR-1 with News Example Ltd, valid until 2026-12-31T23:59:59Z"
    )


@pytest.mark.parametrize(
    "reason",
    [
        "optout:tdmrep-file",  # an opt-out AGR-1 does not list
        "robots-disallowed",
        "paywalled:hard",
        "license-not-allowed:CC-BY-NC-4.0",
        "too-little-text:12",
        "detector-error:license:ValueError",
    ],
)
def test_a_grant_never_lifts_anything_else(tmp_path: Path, reason: str) -> None:
    out = admit(_grants(tmp_path), "https://news.example/a", IN, ("no-license", reason))
    assert not out.admitted
    assert out.reasons == ("no-license", reason, "grant-does-not-override:AGR-1")
    assert f"does not override {reason}" in out.note


def test_an_opt_out_the_grant_names_is_lifted(tmp_path: Path) -> None:
    grants = _grants(tmp_path)
    out = admit(grants, "https://blog.example/open/a", IN, ("optout:tdmrep-file", "no-license"))
    assert out.admitted
    assert out.grant is not None
    assert out.grant.id == "AGR-2"
    out = admit(grants, "https://blog.example/open/a", IN, ("optout:robots-meta",))
    assert not out.admitted


@pytest.mark.parametrize(
    "when",
    [datetime(2025, 12, 31, 23, 59, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC), None],
)
def test_never_outside_its_dates(tmp_path: Path, when: datetime | None) -> None:
    out = admit(_grants(tmp_path), "https://news.example/a", when, ("no-license",))
    assert not out.admitted
    assert out.reasons == ("no-license", "grant-not-valid:AGR-1")
    assert "not valid at capture time" in out.note


def test_no_covering_grant_changes_nothing(tmp_path: Path) -> None:
    out = admit(_grants(tmp_path), "https://other.example/a", IN, ("no-license",))
    assert (out.admitted, out.reasons, out.note) == (False, ("no-license",), "")
    assert admit(None, "https://news.example/a", IN, ("no-license",)).reasons == ("no-license",)


@dataclass(frozen=True)
class Terms:
    """The shape of filters.rsl.evaluate.RslTerms that grants rely on."""

    requires: tuple[str, ...]
    server: str = ""


@pytest.mark.parametrize(
    ("terms", "admitted"),
    [
        (Terms(("payment:purchase",)), True),
        (Terms(("custom",)), True),
        (Terms(("server",), "https://license.news.example/"), True),
        (Terms(("server", "payment:subscription"), "https://license.news.example/"), True),
        (Terms(("server",), "https://elsewhere.example/"), False),  # another License Server
        (Terms(("payment:purchase", "reporting")), False),  # a duty no agreement term answers
        (Terms(()), False),
    ],
)
def test_rsl_terms_are_answered_by_a_covering_grant(
    tmp_path: Path, terms: Terms, admitted: bool
) -> None:
    grants = _grants(tmp_path)
    reason = "rsl-terms:payment"  # the RSL evaluator's reason id, passed with its terms
    out = admit(grants, "https://news.example/a", IN, (reason,), [(reason, terms)])
    assert out.admitted is admitted
    # the reason alone, without the evaluator's terms, is never answered
    assert not admit(grants, "https://news.example/a", IN, (reason,)).admitted


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (('origin = "https://News.Example:443"', ""), "give exactly one of origin or url_pattern"),
        (('permits = ["ai-train"]', 'permits = ["search"]'), "permits ['search'] not understood"),
        (("valid_until = 2026-12-31", "valid_until = 2025-12-31"), "valid_until is before"),
        (("valid_until = 2026-12-31", 'valid_until = "soon"'), "is not a date"),
        ((f'document_sha256 = "{DOC}"', 'document_sha256 = "abc"'), "64 hex digits"),
        (('origin = "https://News.Example:443"', 'origin = "https://x/a"'), "scheme://host"),
        (("attribution =", "attributon ="), "unknown key(s) ['attributon']"),
        (('id = "AGR-2"', 'id = "AGR-1"'), "duplicate grant id(s) ['AGR-1']"),
        (('counterparty = "Blog Co"', 'counterparty = ""'), "counterparty must be"),
        (('[[grants]]\nid = "AGR-1"', "[[grants]]\nid = 1"), "id must be a non-empty string"),
    ],
)
def test_invalid_files_fail_with_one_line(
    tmp_path: Path, edit: tuple[str, str], message: str
) -> None:
    old, new = edit
    assert old in TOML
    with pytest.raises(GrantsError) as err:
        _grants(tmp_path, TOML.replace(old, new, 1))
    assert message in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("text", "name", "message"),
    [
        ("not toml [", "g.toml", "is not valid TOML"),
        ("{", "g.json", "is not valid JSON"),
        ("[]", "g.json", "must hold one key, grants"),
        ('{"grants": []}', "g.json", "must be a non-empty list"),
    ],
)
def test_unparseable_files(tmp_path: Path, text: str, name: str, message: str) -> None:
    with pytest.raises(GrantsError, match=message):
        _grants(tmp_path, text, name)
    with pytest.raises(GrantsError, match="cannot read grants file"):
        load_grants(tmp_path / "missing.toml")


def test_a_recorded_grant_set_decides_as_the_file_did(tmp_path: Path) -> None:
    grants = _grants(tmp_path)
    rebuilt = grants_from_record(json.loads(grants.canonical_json()))
    assert rebuilt.digest == grants.digest
    assert [g.license_token for g in rebuilt.grants] == [None, None]  # only digests recorded
    for url in ("https://news.example/a", "https://blog.example/open/a", "https://x.example/"):
        for when in (IN, datetime(2026, 12, 31, 23, 59, 59, 500000, tzinfo=UTC), None):
            a = admit(grants, url, when, ("no-license", "optout:tdmrep-file"))
            b = admit(rebuilt, url, when, ("no-license", "optout:tdmrep-file"))
            assert (a.admitted, a.reasons) == (b.admitted, b.reasons)


def test_origin_of() -> None:
    assert origin_of("HTTPS://Example.org:443/x") == "https://example.org"
    assert origin_of("http://127.0.0.1:8080/") == "http://127.0.0.1:8080"
    assert origin_of("ftp://example.org/") is None
