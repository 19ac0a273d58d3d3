"""Check a dataset folder the way the Hub and a reviewer will read it, without the network.

:func:`validate_dataset` checks that every ``manifest.jsonl.gz`` entry validates against the
manifest JSON Schema generated from :class:`export.manifest.ManifestEntry`, that rows and
manifest entries join one to one on ``id`` (same ids, same order, each id once), that the
Parquet manifest holds the same entries, and that the card parses with ``huggingface_hub``'s own
parser (:class:`huggingface_hub.DatasetCard`) with Hub licence ids, ``license_name`` /
``license_link`` when ``other`` is listed, and ``configs`` whose ``data_files`` exist.
``DatasetCard.validate()`` would POST the card to the Hub, so it is not used here
(https://huggingface.co/docs/hub/datasets-cards,
https://huggingface.co/docs/huggingface_hub/guides/model-cards).

``clearcrawl publish`` refuses a folder with any problem; the tests run it on every export.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from export.card import HUB_LICENSE_IDS
from export.dataset import entry_from_manifest_row
from export.folder import data_shards, iter_jsonl, iter_parquet, manifest_shards
from export.jsonl import GzipScan, JsonlError, iter_lines, jsonl_exists, jsonl_path
from export.manifest import manifest_schema

#: Problems reported per check before the rest are only counted (a broken folder can have
#: millions; the first few say what is wrong).
MAX_REPORTED = 20


@dataclass
class Validation:
    """The outcome: ``problems`` is empty when the folder is publishable."""

    rows: int = 0
    manifest_entries: int = 0
    problems: list[str] = field(default_factory=list)
    suppressed: int = 0
    card: Any = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, problem: str) -> None:
        if len(self.problems) < MAX_REPORTED:
            self.problems.append(problem)
        else:
            self.suppressed += 1


def _validator() -> jsonschema.protocols.Validator:
    schema = manifest_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _entries(path: Path, result: Validation) -> Iterator[tuple[int, Any]]:
    """:func:`iter_jsonl`, reporting corrupt or cut-short gzip data as a problem."""
    scan = GzipScan()
    try:
        yield from iter_jsonl(path, scan)
    except JsonlError as exc:
        result.add(str(exc))
    if scan.torn_at is not None:
        result.add(f"{path.name} is cut short: the gzip member at byte {scan.torn_at} has no end")


def validate_entries(path: Path, result: Validation, *, expect_status: str | None) -> list[str]:
    """Validate every entry of a manifest-shaped JSONL file; return the ids in file order."""
    validator = _validator()
    ids: list[str] = []
    for n, entry in _entries(path, result):
        if isinstance(entry, ValueError):
            result.add(f"{path.name} line {n} is not JSON: {entry}")
            continue
        errors = sorted(validator.iter_errors(entry), key=lambda e: list(e.absolute_path))
        if errors:
            where = "/".join(str(p) for p in errors[0].absolute_path) or "(entry)"
            result.add(
                f"{path.name} line {n} does not validate against the manifest schema: "
                f"{where}: {errors[0].message}"
            )
            continue
        if expect_status is not None and entry["status"] != expect_status:
            result.add(
                f"{path.name} line {n} has status {entry['status']!r}, not {expect_status!r}"
            )
        ids.append(entry["id"])
    return ids


def validate_card(folder: Path, result: Validation) -> None:
    """Parse ``README.md`` with huggingface_hub and check the keys the Hub relies on."""
    from huggingface_hub import DatasetCard

    path = folder / "README.md"
    if not path.exists():
        result.add("README.md (the dataset card) is missing")
        return
    try:
        card = DatasetCard.load(path)
    except Exception as exc:  # noqa: BLE001 - any parser failure means the Hub cannot read it
        result.add(f"README.md does not parse as a dataset card: {type(exc).__name__}: {exc}")
        return
    result.card = card
    data = card.data.to_dict()
    licenses = data.get("license")
    licenses = [licenses] if isinstance(licenses, str) else licenses
    if not licenses:
        result.add("card has no `license`")
    else:
        for lic in licenses:
            if lic not in HUB_LICENSE_IDS:
                result.add(f"card licence {lic!r} is not a Hub licence id")
        if "other" in licenses:
            if not data.get("license_name"):
                result.add("card lists licence `other` without `license_name`")
            link = data.get("license_link")
            if not link:
                result.add("card lists licence `other` without `license_link`")
            elif "://" not in str(link) and not (folder / str(link)).exists():
                result.add(f"card `license_link` {link} does not exist in the folder")
    if not data.get("pretty_name"):
        result.add("card has no `pretty_name`")
    if not data.get("size_categories"):
        result.add("card has no `size_categories`")
    configs = data.get("configs") or []
    if not configs:
        result.add("card declares no `configs` (load_dataset would guess splits from file names)")
    for config in configs:
        files = config.get("data_files") or []
        files = [files] if isinstance(files, str | dict) else files
        for spec in files:
            pattern = spec.get("path") if isinstance(spec, dict) else spec
            patterns = pattern if isinstance(pattern, list) else [pattern]
            for pat in patterns:
                if not list(folder.glob(str(pat))):
                    result.add(f"card config {config.get('config_name')!r}: no file matches {pat}")


def validate_dataset(folder: str | Path) -> Validation:
    """Run every check on an export folder (see the module docstring)."""
    folder = Path(folder)
    result = Validation()
    if not folder.is_dir():
        result.add(f"{folder} is not a folder")
        return result
    manifest = jsonl_path(folder / "manifest.jsonl.gz")
    shards = data_shards(folder)
    if not shards:
        result.add("no data/train-*.parquet shards")
    if not manifest.exists():
        result.add("manifest.jsonl.gz is missing")
        return result
    manifest_ids = validate_entries(manifest, result, expect_status="exported")
    result.manifest_entries = len(manifest_ids)
    if len(set(manifest_ids)) != len(manifest_ids):
        result.add(f"{manifest.name} lists some id more than once")
    for name in ("excluded.jsonl.gz", "not-fetched.jsonl.gz"):
        if jsonl_exists(folder / name):
            validate_entries(
                jsonl_path(folder / name),
                result,
                expect_status="excluded" if name[0] == "e" else "not-fetched",
            )
    if shards:
        try:
            row_ids = [r["id"] for r in iter_parquet(shards, columns=["id"])]
        except Exception as exc:  # noqa: BLE001 - an unreadable shard is a problem to report
            result.add(f"data shards are not readable Parquet: {exc}")
            row_ids = []
        result.rows = len(row_ids)
        if not row_ids:
            # `datasets` cannot load a split without rows ("corresponds to no data")
            result.add("the dataset has no rows (no page passed the rights policy)")
        if row_ids != manifest_ids:
            missing = set(row_ids) - set(manifest_ids)
            extra = set(manifest_ids) - set(row_ids)
            result.add(
                f"rows and manifest do not join one to one on id ({len(row_ids)} rows, "
                f"{len(manifest_ids)} entries, {len(missing)} rows without entry, "
                f"{len(extra)} entries without row)"
            )
    parquet_manifest = manifest_shards(folder)
    if not parquet_manifest:
        result.add("manifest/rights-*.parquet is missing")
    else:
        try:
            entries = iter_parquet(parquet_manifest)
            lines = (line for line in iter_lines(manifest) if line.strip())
            for n, (line, row) in enumerate(zip(lines, entries, strict=True), 1):
                if json.loads(line) != entry_from_manifest_row(row):
                    result.add(f"manifest Parquet row {n} differs from {manifest.name}")
                    break
        except (ValueError, JsonlError) as exc:
            result.add(f"manifest Parquet and {manifest.name} differ in length or content: {exc}")
    validate_card(folder, result)
    return result
