"""``croissant.json`` loads with ``mlcroissant`` (the reference implementation of Croissant 1.0)
and yields exactly the release's rows and rights entries; its files carry their sha256."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from export.dataset import MANIFEST_COLUMNS, ROW_COLUMNS
from tests.support.helpers import read_jsonl

mlc = pytest.importorskip("mlcroissant")


def test_croissant_loads_and_yields_every_record(demo_release: Path) -> None:
    dataset = mlc.Dataset(jsonld=str(demo_release / "croissant.json"))
    rows = list(dataset.records(record_set="default"))
    manifest = read_jsonl(demo_release / "manifest.jsonl.gz")
    assert sorted(r["default/id"].decode() for r in rows) == sorted(e["id"] for e in manifest)
    assert set(rows[0]) == {f"default/{c}" for c in ROW_COLUMNS}
    by_id = {e["id"]: e for e in manifest}
    for r in rows:
        assert r["default/license"].decode() == by_id[r["default/id"].decode()]["license"]["spdx"]
    rights = list(dataset.records(record_set="rights_manifest"))
    assert set(rights[0]) == {f"rights_manifest/{c}" for c in MANIFEST_COLUMNS}
    assert sorted(r["rights_manifest/id"].decode() for r in rights) == sorted(by_id)


def test_croissant_has_no_validation_error(
    demo_release: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        mlc.Dataset(jsonld=str(demo_release / "croissant.json"))  # raises on an error
    assert not [r for r in caplog.records if "warning(s)" in r.getMessage()]
    assert not [r for r in caplog.records if "not standard" in r.getMessage()]


def test_files_sha256_and_rai_fields(demo_release: Path) -> None:
    doc = json.loads((demo_release / "croissant.json").read_text())
    assert "http://mlcommons.org/croissant/1.0" in doc["conformsTo"]
    objects = [d for d in doc["distribution"] if d["@type"] == "cr:FileObject"]
    shards = sorted(
        p.relative_to(demo_release).as_posix() for p in demo_release.glob("*/*.parquet")
    )
    assert sorted(o["contentUrl"] for o in objects) == shards
    for o in objects:
        assert (
            o["sha256"] == hashlib.sha256((demo_release / o["contentUrl"]).read_bytes()).hexdigest()
        )
    rows = sum(
        pq.ParquetFile(demo_release / s).metadata.num_rows for s in shards if s.startswith("data/")
    )
    assert f"{rows} records" in doc["description"]
    (license_field,) = [f for f in doc["recordSet"][0]["field"] if f["name"] == "license"]
    assert license_field["equivalentProperty"] == "sc:license"
    info = json.loads((demo_release / "export-info.json").read_text())
    assert info["policy"]["digest"] in doc["rai:dataCollection"]
    assert doc["rai:dataCollectionType"] == ["Web Scraping"]
    assert len(doc["rai:dataCollectionTimeFrame"]) == 2
    for s in info["sources"]:
        assert s["sha256"] in doc["rai:dataCollectionRawData"]
    assert doc["rai:personalSensitiveInformation"].startswith("Not screened")
