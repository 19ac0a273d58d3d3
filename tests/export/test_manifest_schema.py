"""The manifest's JSON Schema: generated from the types, committed, shipped, and obeyed.

Every entry the export writes (``manifest.jsonl``, ``excluded.jsonl``, ``not-fetched.jsonl``)
validates against ``export/manifest.schema.json``; the committed file is exactly what the types
generate (regenerate with ``python -m export.manifest``), and each dataset ships the same file.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest

from export.manifest import SCHEMA_FILE, manifest_schema, manifest_schema_text
from tests.support.exportsite import mixed_export
from tests.support.helpers import read_jsonl


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return mixed_export(tmp_path_factory)


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_committed_schema_is_generated_from_the_types() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == manifest_schema_text(), (
        "export/manifest.schema.json is stale: run `python -m export.manifest`"
    )
    schema = manifest_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == set(schema["properties"])


def test_dataset_ships_the_schema(dataset: Path) -> None:
    assert (dataset / "manifest.schema.json").read_text(encoding="utf-8") == manifest_schema_text()


@pytest.mark.parametrize("name", ["manifest", "excluded", "not-fetched"])
def test_every_entry_validates(
    dataset: Path, validator: jsonschema.protocols.Validator, name: str
) -> None:
    entries = read_jsonl(dataset / f"{name}.jsonl.gz")
    assert entries
    for entry in entries:
        errors = list(validator.iter_errors(entry))
        assert not errors, (entry["url"], [e.message for e in errors])


def test_the_schema_rejects_damaged_entries(
    dataset: Path, validator: jsonschema.protocols.Validator
) -> None:
    good = read_jsonl(dataset / "manifest.jsonl.gz")[0]
    damaged = []
    missing = copy.deepcopy(good)
    del missing["license"]
    damaged.append(missing)
    extra = copy.deepcopy(good)
    extra["license"]["trust_me"] = True
    damaged.append(extra)
    wrong = copy.deepcopy(good)
    wrong["warc"]["offset"] = "11497"
    damaged.append(wrong)
    status = copy.deepcopy(good)
    status["status"] = "maybe"
    damaged.append(status)
    for entry in damaged:
        assert not validator.is_valid(entry)
    assert validator.is_valid(good)
