"""What the card, ``LICENSES.md`` and ``explain`` say about a custom policy (issue 11, item 5).

The demo crawl is exported under a policy file without a ``name`` that admits CC BY-NC: the
policy must be named by its file and digest (never as the built-in default), the card must say
what this policy admits (not the default's promise), and every condition of CC BY-NC
(Attribution *and* NonCommercial) must be stated wherever a row's duties are.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.cli import main
from export.conditions import conditions_text, license_conditions
from filters.policy import DEFAULT_POLICY, Policy, PolicyError
from tests.support.helpers import read_jsonl

POLICY_TOML = """\
allow_licenses = ["CC-BY-NC-4\\\\.0", "CC-BY-4\\\\.0", "CC0-1\\\\.0"]
exclude_paywalled = false
min_text_chars = 50
"""


@pytest.fixture(scope="module")
def nc_export(demo_crawl: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Policy]:
    from export.run import run_export

    base = tmp_path_factory.mktemp("nc-policy")
    path = base / "noncommercial.toml"
    path.write_text(POLICY_TOML)
    policy = Policy.from_file(path)
    out = base / "ds"
    run_export(demo_crawl, out, policy=policy, workers=2)
    return out, policy


def test_unnamed_policy_file_is_named_by_file_and_digest(tmp_path: Path) -> None:
    path = tmp_path / "strict.toml"
    path.write_text('allow_licenses = ["CC0-1\\\\.0"]\n')
    policy = Policy.from_file(path)
    assert policy.name == "strict.toml"
    assert policy.label == f"strict.toml@{policy.digest[:19]}"
    assert "clearcrawl-default" not in policy.label
    (tmp_path / "other.toml").write_text('allow_licenses = ["CC0-1\\\\.0"]\nmin_text_chars = 9\n')
    assert Policy.from_file(tmp_path / "other.toml").label != policy.label


def test_custom_rules_cannot_borrow_the_default_name(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('name = "clearcrawl-default"\nallow_licenses = ["CC-BY-NC-4\\\\.0"]\n')
    with pytest.raises(PolicyError, match="reserved"):
        Policy.from_file(path)
    same = tmp_path / "same.json"
    same.write_text(json.dumps(DEFAULT_POLICY.to_dict()))
    assert Policy.from_file(same).label == DEFAULT_POLICY.label


@pytest.mark.parametrize(
    ("spdx", "codes"),
    [
        ("CC-BY-4.0", ["BY"]),
        ("CC-BY-NC-4.0", ["BY", "NC"]),
        ("CC-BY-ND-4.0", ["BY", "ND"]),
        ("CC-BY-SA-3.0-DE", ["BY", "SA"]),
        ("CC-BY-NC-SA-4.0", ["BY", "NC", "SA"]),
        ("LicenseRef-CC-BY-NC-ND-2.0-DE", ["BY", "NC", "ND"]),
        ("CC0-1.0", []),
        ("CC-PDM-1.0", []),
        ("MIT", ["?"]),
        ("LicenseRef-CC-unspecified", ["?"]),
        ("CC-BY-4.0 OR CC-BY-NC-4.0", ["BY", "NC"]),
    ],
)
def test_every_condition_comes_from_the_spdx_id(spdx: str, codes: list[str]) -> None:
    assert [c.code for c in license_conditions(spdx)] == codes


def test_card_names_the_policy_and_says_what_it_admits(nc_export: tuple[Path, Policy]) -> None:
    out, policy = nc_export
    card = (out / "README.md").read_text()
    assert f"`{policy.label}`" in card
    assert "noncommercial.toml@sha256:" in card
    assert "clearcrawl-default" not in card
    assert "open licence" not in card
    assert "`CC-BY-NC-4\\.0`" in card  # the allowlist in force
    assert "paywalled pages were NOT excluded" in card
    assert "at least 50 characters" in card
    manifest = read_jsonl(out / "manifest.jsonl.gz")
    assert {e["policy"]["name"] for e in manifest} == {"noncommercial.toml"}
    info = json.loads((out / "export-info.json").read_text())
    assert info["policy"]["label"] == policy.label


def test_card_and_licenses_state_noncommercial(nc_export: tuple[Path, Policy]) -> None:
    out, _ = nc_export
    manifest = read_jsonl(out / "manifest.jsonl.gz")
    nc = [e for e in manifest if e["license"]["spdx"] == "CC-BY-NC-4.0"]
    assert nc, "the policy admits CC BY-NC, so the demo's CC BY-NC article must be exported"
    card = (out / "README.md").read_text()
    licenses = (out / "LICENSES.md").read_text()
    expected = conditions_text("CC-BY-NC-4.0")
    assert "NonCommercial (NC)" in expected
    assert "Attribution (BY)" in expected
    assert f"| `CC-BY-NC-4.0` | {len(nc)} |" in card
    for text in (card, licenses):
        row = next(line for line in text.splitlines() if line.startswith("| `CC-BY-NC-4.0`"))
        assert expected in row
    assert "**NonCommercial (NC)**, for `CC-BY-NC-4.0`" in card
    assert "openly-licensed" not in card  # NonCommercial is not an open licence


def test_open_tag_only_for_open_licences() -> None:
    from export.card import card_tags

    assert "openly-licensed" in card_tags(["CC-BY-4.0", "CC-BY-SA-3.0-DE", "CC0-1.0"])
    assert "openly-licensed" not in card_tags(["CC-BY-4.0", "CC-BY-ND-4.0"])
    assert "openly-licensed" not in card_tags(["LicenseRef-CC-unspecified"])


def test_explain_names_policy_and_every_condition(
    nc_export: tuple[Path, Policy], capsys: pytest.CaptureFixture[str]
) -> None:
    out, policy = nc_export
    entry = next(
        e for e in read_jsonl(out / "manifest.jsonl.gz") if e["license"]["spdx"] == "CC-BY-NC-4.0"
    )
    assert main(["explain", str(out), entry["id"]]) == 0
    text = capsys.readouterr().out
    assert f"Policy {policy.label} (digest {policy.digest})" in text
    assert "clearcrawl-default" not in text
    assert "paywalled pages were NOT excluded" in text
    assert "- Attribution (BY):" in text
    assert "- NonCommercial (NC): no commercial use" in text


def test_share_alike_says_same_or_compatible() -> None:
    text = conditions_text("CC-BY-SA-4.0")
    assert "ShareAlike (SA): share adaptations under the same or a compatible licence" in text
