"""The bundled demo site, crawled once per session (``demo_crawl``), exported, explained and
verified: the path a reviewer takes with ``clearcrawl demo``'s output."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest

from crawler.cli import main
from export.run import run_export
from export.validate import validate_dataset
from export.verify import verify_dataset
from tests.support.exportsite import page_name
from tests.support.helpers import read_decisions, read_jsonl


@pytest.fixture(scope="session")
def demo_dataset(demo_crawl: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo-dataset") / "ds"
    run_export(demo_crawl, out, workers=2)
    return out


def test_demo_pages_land_where_their_rights_say(demo_dataset: Path) -> None:
    exported = {page_name(e["url"]): e for e in read_jsonl(demo_dataset / "manifest.jsonl.gz")}
    excluded = {page_name(e["url"]): e for e in read_jsonl(demo_dataset / "excluded.jsonl.gz")}
    refused = {page_name(e["url"]) for e in read_jsonl(demo_dataset / "not-fetched.jsonl.gz")}
    assert exported["tides.html"]["license"]["spdx"] == "CC-BY-4.0"
    assert exported["boatyard-1970.html"]["license"]["spdx"] == "CC0-1.0"
    assert "license-not-allowed:CC-BY-NC-4.0" in excluded["boatyard.html"]["decision"]["reasons"]
    assert any(
        r.startswith("paywalled") for r in excluded["lighthouse.html"]["decision"]["reasons"]
    )
    assert "body-withheld" in excluded["storm.html"]["decision"]["reasons"]
    assert "drafts.html" in refused
    assert validate_dataset(demo_dataset).problems == []


def test_random_rows_explain_and_verify(
    demo_dataset: Path, demo_crawl: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = read_jsonl(demo_dataset / "manifest.jsonl.gz")
    for entry in random.Random(3).sample(entries, 2):  # noqa: S311 - a fixed sample
        assert main(["explain", str(demo_dataset), entry["url"]]) == 0
        out = capsys.readouterr().out
        assert "Why it is in:" in out
        assert entry["warc"]["record_id"] in out
    report = verify_dataset(demo_dataset, demo_crawl, sample=3, seed=1, workers=2)
    assert report.ok, report.mismatches
    assert report.checked == min(3, len(entries))


def test_logs_are_compressed_and_carry_the_policy_text_once(
    demo_crawl: Path, demo_dataset: Path
) -> None:
    """Uncompressed, the decisions log and the manifest cost ~7 KB per page (more than the WARC
    record and the row); compressed, with the policy text written once, well under 2 KB."""
    decisions = read_decisions(demo_crawl)
    assert (demo_crawl / "decisions.jsonl.gz").stat().st_size / len(decisions) < 1500
    assert not (demo_crawl / "decisions.jsonl").exists()
    (header, *_) = read_jsonl(demo_crawl / "decisions.jsonl.gz")
    assert header["schema"] == "clearcrawl.run/1"
    digest = "sha256:" + hashlib.sha256(header["policy"]["content"].encode()).hexdigest()
    assert {d["policy"]["digest"] for d in decisions} == {header["policy"]["digest"]} == {digest}

    manifest = read_jsonl(demo_dataset / "manifest.jsonl.gz")
    assert (demo_dataset / "manifest.jsonl.gz").stat().st_size / len(manifest) < 2000
    for name in ("manifest", "excluded", "not-fetched"):
        assert (demo_dataset / f"{name}.jsonl.gz").is_file()
        assert not (demo_dataset / f"{name}.jsonl").exists()
        for entry in read_jsonl(demo_dataset / f"{name}.jsonl.gz"):
            assert set(entry["policy"]) == {"name", "version", "digest", "source", "rule"}
            assert entry["policy"]["digest"] == digest
