"""Steps 3–5 of the export (:mod:`export.run`): write each outcome, then the finished outputs.

Each outcome is deduplicated and written in stream order; then the manifest gets its duplicate
lists, the card and ``export-info.json`` are written, and the staging folder is published.

Everything is written into a staging folder (:data:`STAGING`) and moved into place at the end
(:func:`_publish_staging`), so an interrupted export never leaves a half dataset that looks
whole; ``--out`` is refused when it holds something other than an earlier export
(:func:`check_out`).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import IO, Any

from export.card import CardInfo, render_card, render_licenses
from export.counts import ExportSummary
from export.dataset import MANIFEST_COLUMNS, MANIFEST_FEATURES, ShardWriter, manifest_columns
from export.dedupe import DedupeIndex
from export.extract import EXTRACTOR
from export.foreign import UNASSESSABLE
from export.jsonl import open_gzip_text
from export.manifest import manifest_schema_text
from export.process import ExportConfig, Packed, dump_entry
from export.release import RELEASE_OUTPUTS
from export.version import __version__
from filters.reasons import Reason, reason_class

#: Files and folders an export writes into ``out`` (and replaces on a re-run).
OUTPUTS = (
    "data",
    "manifest",
    "manifest.jsonl.gz",
    "manifest.schema.json",
    "excluded.jsonl.gz",
    "not-fetched.jsonl.gz",
    # uncompressed names of earlier clearcrawl versions: replaced too
    "manifest.jsonl",
    "excluded.jsonl",
    "not-fetched.jsonl",
    "README.md",
    "LICENSES.md",
    "export-info.json",
    *RELEASE_OUTPUTS,
)
STAGING = ".clearcrawl-export-staging"
INFO_FILE = "export-info.json"
#: The crawl outcome of a page the crawler would have exported (``crawler.decisions``).
CANDIDATE = "exported-candidate"


class OutputError(ValueError):
    """``--out`` cannot hold the export (the message says why)."""


def check_out(out: Path) -> None:
    """Refuse an ``--out`` that exists and holds something other than an earlier export."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out} exists and is not a folder")
    if out.is_dir():
        names = {p.name for p in out.iterdir()} - {STAGING}
        if names and INFO_FILE not in names and not names & {"manifest.jsonl", "manifest.jsonl.gz"}:
            raise OutputError(
                f"--out {out} is not empty and not an earlier export; pick a new folder"
            )


def _write_outcome(
    packed: Packed,
    summary: ExportSummary,
    index: DedupeIndex,
    writer: ShardWriter,
    manifest_fh: IO[str],
    excluded_fh: IO[str],
    notfetched_fh: IO[str],
    license_urls: dict[str, str],
) -> None:
    """Dedupe and write one outcome (steps 3 and 4), in stream order."""
    if packed.status == "policy-file" or not packed.line:
        return
    if packed.status == "not-fetched":
        summary.count_outcome(packed.crawl_outcome, "not-fetched")
        summary.not_fetched_urls += 1
        for r in packed.reasons:
            summary.not_fetched[reason_class(r)] += 1
        notfetched_fh.write(packed.line + "\n")
        return
    summary.pages += 1
    summary.robots_rechecked += packed.robots_checked
    line, reasons, crawl_outcome = packed.line, packed.reasons, packed.crawl_outcome
    if packed.status == "exported" and packed.text_hash is not None:
        kept = index.kept_id(packed.text_hash)
        if kept is None:
            index.keep(packed.text_hash, packed.id)
        else:
            # the first copy (in WARC order) stays; this one becomes an exclusion
            entry = json.loads(packed.line)
            entry["status"] = "excluded"
            entry["decision"]["include"] = False
            entry["decision"]["reasons"].append(Reason.DUPLICATE_TEXT.with_arg(kept))
            entry["policy"]["rule"] = None
            index.add_duplicate(kept, {"id": packed.id, "url": packed.url, "warc": packed.warc})
            summary.duplicates += 1
            line, reasons = dump_entry(entry), entry["decision"]["reasons"]
            packed = Packed("excluded")
    if packed.status == "exported" and packed.row is not None:
        summary.count_outcome(crawl_outcome, "exported")
        row = packed.row
        writer.write(row)
        # id, then the entry, then its Parquet columns: the final pass needs no JSON parsing
        manifest_fh.write(f"{packed.id}\t{line}\t{packed.columns}\n")
        summary.exported += 1
        summary.licenses[row["license"]] += 1
        if row.get("license_url"):
            license_urls.setdefault(row["license"], row["license_url"])
        if row.get("language"):
            summary.languages[row["language"]] += 1
        return
    summary.count_outcome(crawl_outcome, "excluded")
    summary.excluded_pages += 1
    if any(reason_class(r) in UNASSESSABLE for r in reasons):
        summary.unassessed += 1
    for r in reasons:
        summary.excluded[reason_class(r)] += 1
        if crawl_outcome == CANDIDATE:
            summary.candidates_excluded[reason_class(r)] += 1
    excluded_fh.write(line + "\n")


def _finish_manifest(
    tmp_manifest: Path, staging: Path, index: DedupeIndex, shard_rows: int, shard_bytes: int
) -> ShardWriter:
    """Step 5: add duplicate lists; write ``manifest.jsonl.gz`` and its Parquet twin.

    Only the (few) entries that have duplicates are parsed and re-serialised; JSON strings never
    hold a raw tab or newline, so the temporary lines split safely on tabs.
    """
    writer = ShardWriter(
        staging / "manifest",
        prefix="rights",
        features=MANIFEST_FEATURES,
        max_rows=shard_rows,
        max_bytes=shard_bytes,
    )
    with (
        tmp_manifest.open(encoding="utf-8") as src,
        open_gzip_text(staging / "manifest.jsonl.gz") as dst,
    ):
        for raw in src:
            row_id, line, columns = raw.rstrip("\n").split("\t")
            duplicates = index.duplicates_of(row_id)
            if duplicates:
                entry = json.loads(line)
                entry["duplicates"] = duplicates
                line = dump_entry(entry)
                values = manifest_columns(entry)
            else:
                values = json.loads(columns)
            dst.write(line + "\n")
            writer.write(dict(zip(MANIFEST_COLUMNS, values, strict=True)))
    writer.close()
    return writer


def _write_documents(
    staging: Path,
    summary: ExportSummary,
    config: ExportConfig,
    license_urls: dict[str, str],
    source: str | Path,
    pretty_name: str | None,
    dataset_info: list[dict[str, Any]],
) -> None:
    name = pretty_name or f"clearcrawl export of {Path(str(source)).name or source}"
    info = CardInfo(
        pretty_name=name,
        rows=summary.exported,
        policy=config.policy,
        tokens=config.tokens,
        license_counts=summary.licenses,
        license_urls=license_urls,
        languages=summary.languages,
        excluded=summary.excluded,
        excluded_pages=summary.excluded_pages,
        not_fetched=summary.not_fetched,
        not_fetched_urls=summary.not_fetched_urls,
        duplicates=summary.duplicates,
        robots_rechecked=summary.robots_rechecked,
        sources=summary.sources,
        outcomes={k: dict(v) for k, v in summary.outcomes.items()},
        candidates_excluded=summary.candidates_excluded,
        shards=summary.shards,
        manifest_shards=summary.manifest_shards,
        markdown=config.markdown,
        extractor=EXTRACTOR,
        dataset_info=dataset_info,
        foreign=summary.foreign,
        grants=config.grants,
    )
    (staging / "README.md").write_text(render_card(info), encoding="utf-8")
    (staging / "LICENSES.md").write_text(render_licenses(info), encoding="utf-8")
    (staging / "manifest.schema.json").write_text(manifest_schema_text(), encoding="utf-8")
    export_info = {
        "clearcrawl_version": __version__,
        "extractor": EXTRACTOR,
        "pretty_name": name,
        "policy": {
            "label": config.policy.label,
            "digest": config.policy.digest,
            "content": config.policy.to_dict(),
        },
        "tokens": list(config.tokens),
        "grants": None
        if config.grants is None
        else {
            "source": config.grants.source,
            "digest": config.grants.digest,
            "content": json.loads(config.grants.canonical_json()),
        },
        "markdown": config.markdown,
        "sources": summary.sources,
        "counts": summary.to_json(),
    }
    (staging / INFO_FILE).write_text(
        json.dumps(export_info, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )


def _publish_staging(staging: Path, out: Path) -> None:
    """Replace the previous export's outputs with the staged ones, then drop the staging."""
    for name in OUTPUTS:
        old = out / name
        if old.is_dir():
            shutil.rmtree(old)
        elif old.exists():
            old.unlink()
    for name in OUTPUTS:
        new = staging / name
        if new.exists():
            new.replace(out / name)
    shutil.rmtree(staging)
