"""The dataset card, read the way the Hub reads it (huggingface_hub's own parser, offline)."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from huggingface_hub import DatasetCard, DatasetCardData

from export.card import (
    HUB_LICENSE_IDS,
    CardInfo,
    hub_license_id,
    hub_license_ids,
    render_card,
    size_category,
)
from export.validate import Validation, validate_card
from filters.policy import DEFAULT_POLICY
from tests.support.exportsite import mixed_export
from tests.support.helpers import read_jsonl


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return mixed_export(tmp_path_factory)


def test_card_parses_with_the_hub_parser(dataset: Path) -> None:
    card = DatasetCard.load(dataset / "README.md")
    data = card.data
    assert isinstance(data, DatasetCardData)
    # CC-BY-SA-3.0-DE and CC-PDM-1.0 have no Hub id: "other" + a name and a link to the table
    assert data.license == ["cc-by-4.0", "cc-by-sa-4.0", "cc0-1.0", "other"]
    assert all(lic in HUB_LICENSE_IDS for lic in data.license)
    assert data.license_name == "clearcrawl-per-record-licenses"
    assert data.license_link == "LICENSES.md"
    assert (dataset / "LICENSES.md").exists()
    assert data.language == ["de", "en"]
    assert data.size_categories == ["n<1K"]
    assert data.pretty_name
    configs = {c["config_name"]: c for c in data.configs}
    assert configs["default"]["data_files"] == [{"split": "train", "path": "data/train-*.parquet"}]
    assert configs["rights_manifest"]["data_files"][0]["path"] == "manifest/rights-*.parquet"
    infos = {i["config_name"]: i for i in data.dataset_info}
    rows = len(read_jsonl(dataset / "manifest.jsonl.gz"))
    assert infos["default"]["splits"][0]["num_examples"] == rows
    assert [f["name"] for f in infos["default"]["features"]][:3] == ["id", "url", "text"]
    result = Validation()
    validate_card(dataset, result)
    assert result.problems == []


def test_card_body_states_counts_signals_and_duties(dataset: Path) -> None:
    body = DatasetCard.load(dataset / "README.md").text
    manifest = read_jsonl(dataset / "manifest.jsonl.gz")
    per_license = Counter(e["license"]["spdx"] for e in manifest)
    for spdx, n in per_license.items():
        assert f"| `{spdx}` | {n} |" in body
    excluded = read_jsonl(dataset / "excluded.jsonl.gz")
    reasons = Counter(r.split(":")[0] for e in excluded for r in e["decision"]["reasons"])
    for reason, n in reasons.items():
        assert f"| `{reason}` | {n} |" in body
    assert "robots-disallowed" in body  # the refused URL
    assert "RFC 9309" in body
    assert "TDMRep" in body
    assert "ai.txt" in body
    assert "share-alike" in body
    assert "attribution" in body
    assert DEFAULT_POLICY.digest in body
    licenses = (dataset / "LICENSES.md").read_text()
    assert "`CC-BY-SA-3.0-DE` | `other`" in licenses
    assert "share-alike" in licenses


def test_hub_license_ids() -> None:
    assert hub_license_id("CC-BY-4.0") == "cc-by-4.0"
    assert hub_license_id("CC-BY-SA-3.0") == "cc-by-sa-3.0"
    assert hub_license_id("CC-BY-SA-2.5") == "other"  # the Hub has no cc-by-sa-2.5
    assert hub_license_id("CC-BY-SA-3.0-DE") == "other"
    assert hub_license_id("LicenseRef-CC-BY-2.5-CH") == "other"
    assert hub_license_id("ODC-By-1.0") == "odc-by"
    assert hub_license_id("GFDL-1.3-only") == "gfdl"
    assert hub_license_ids(["CC0-1.0", "CC-PDM-1.0", "CC-BY-4.0"]) == [
        "cc-by-4.0",
        "cc0-1.0",
        "other",
    ]


@pytest.mark.parametrize(
    ("n", "bucket"),
    [(0, "n<1K"), (999, "n<1K"), (1000, "1K<n<10K"), (123_456, "100K<n<1M"), (10**13, "n>1T")],
)
def test_size_categories(n: int, bucket: str) -> None:
    assert size_category(n) == bucket


def test_empty_dataset_card_is_still_valid() -> None:
    text = render_card(
        CardInfo(pretty_name="empty", rows=0, policy=DEFAULT_POLICY, tokens=("clearcrawl",))
    )
    card = DatasetCard(text)
    assert card.data.license == ["unknown"]
    assert card.data.size_categories == ["n<1K"]


def _broken(dataset: Path, tmp_path: Path, old: str, new: str) -> list[str]:
    copy = tmp_path / "ds"
    shutil.copytree(dataset, copy)
    readme = copy / "README.md"
    readme.write_text(readme.read_text().replace(old, new, 1))
    result = Validation()
    validate_card(copy, result)
    return result.problems


def test_card_checks_catch_what_the_hub_would_reject(dataset: Path, tmp_path: Path) -> None:
    assert any(
        "license_name" in p
        for p in _broken(dataset, tmp_path / "a", "license_name:", "license_nam:")
    )
    assert any(
        "not a Hub licence id" in p for p in _broken(dataset, tmp_path / "b", "- cc0-1.0", "- cc0")
    )
    assert any(
        "no file matches" in p
        for p in _broken(dataset, tmp_path / "c", "data/train-*", "data/dev-*")
    )
    assert any(
        "does not parse" in p
        for p in _broken(dataset, tmp_path / "d", "configs:", "configs: [oops")
    )
