"""``clearcrawl merge``: join the outputs of ``export --shard I/N`` into one dataset.

Each shard decided its own WARC files completely (decisions never depend on another file's
pages; policy files were looked up across all inputs), so merging is bookkeeping:

1. the shards' entries (rows, exclusions, refused URLs) are put back in the single export's
   order: files in the order the unsharded input listed them (shard ``I`` held every ``N``-th
   file from the ``I``-th, :mod:`export.shard`), records in file order;
2. exact duplicates are settled again over the whole stream (each shard could only see its
   own): the first copy in that order stays, every later one becomes an exclusion
   ``duplicate-text:<kept id>`` and is listed in the kept row's ``duplicates``;
3. rows, manifest, exclusions, card, ``LICENSES.md`` and ``export-info.json`` are written by
   the export's own writers, from counts recomputed over the merged entries.

The result equals a single ``clearcrawl export`` of the same input (tested): same rows, same
manifest, same card. Shards exported with different settings (policy, tokens, Markdown) or a
missing or repeated shard are refused with a one-line error.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from export.dataset import DEFAULT_SHARD_BYTES, DEFAULT_SHARD_ROWS, ShardWriter, row_features
from export.dedupe import DedupeIndex
from export.errors import SourceError
from export.folder import data_shards, iter_parquet
from export.foreign import UNASSESSABLE
from export.jsonl import iter_lines, open_gzip_text
from export.process import ExportConfig, dump_entry
from export.provenance import FOREIGN_OUTCOME
from export.release import finish_release
from export.run import (
    CANDIDATE,
    NO_DECISION,
    STAGING,
    ExportSummary,
    _finish_manifest,
    _publish_staging,
    _write_documents,
    check_out,
)
from export.warcread import Damage
from filters.policy import Policy
from filters.reasons import Reason, reason_class


class MergeError(ValueError):
    """The shard folders cannot be merged (the message says why)."""


@dataclass
class _Shard:
    folder: Path
    info: dict[str, Any]
    index: int
    count: int
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)


def _load(folder: Path) -> _Shard:
    try:
        info = json.loads((folder / "export-info.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MergeError(f"{folder} is not a clearcrawl export (export-info.json: {exc})") from exc
    shard = (info.get("counts") or {}).get("foreign", {}).get("shard")
    if not isinstance(shard, dict):
        raise MergeError(f"{folder} was not exported with --shard I/N")
    return _Shard(folder, info, int(shard["index"]), int(shard["of"]))


def _settings(info: dict[str, Any]) -> tuple[Any, ...]:
    return (
        info["policy"]["digest"],
        tuple(info["tokens"]),
        bool(info.get("markdown")),
        info.get("extractor"),
        info.get("clearcrawl_version"),
    )


def _entries(shard: _Shard, name: str, kind: str) -> list[tuple[str, dict[str, Any]]]:
    path = shard.folder / name
    return [(kind, json.loads(line)) for line in iter_lines(path) if line.strip()]


def _order_key(entry: dict[str, Any], file_pos: dict[str, int]) -> tuple[int, int]:
    w = entry["warc"]
    offset = w["offset"] if w["offset"] >= 0 else w.get("metadata_offset", -1)
    return file_pos.get(w["file"], len(file_pos)), offset


def merge_shards(
    shard_dirs: list[str | Path],
    out: str | Path,
    *,
    shard_rows: int = DEFAULT_SHARD_ROWS,
    shard_bytes: int = DEFAULT_SHARD_BYTES,
    report: bool = True,
) -> ExportSummary:
    """Merge the shard exports in ``shard_dirs`` into one dataset at ``out``.

    The reviewer's files and the checksums are written last, as a single export writes them
    (:func:`export.release.finish_release`; ``report=False`` skips ``report.html``).
    """
    shards = sorted((_load(Path(d)) for d in shard_dirs), key=lambda s: s.index)
    counts = {s.count for s in shards}
    if len(counts) != 1:
        raise MergeError(f"the shards were cut differently (N = {sorted(counts)})")
    total = counts.pop()
    have = [s.index for s in shards]
    if have != list(range(1, total + 1)):
        raise MergeError(f"expected shards 1..{total} once each, got {have}")
    if len({_settings(s.info) for s in shards}) != 1:
        raise MergeError("the shards were exported with different settings (policy, tokens…)")
    first = shards[0].info
    policy = Policy.from_dict(first["policy"]["content"], source="export-info.json")
    config = ExportConfig(
        policy=policy, tokens=tuple(first["tokens"]), markdown=bool(first.get("markdown"))
    )
    # Single-export file order: shard I held files I-1, I-1+N, … of the sorted input.
    per_shard = [list(s.info.get("sources") or []) for s in shards]
    sources: list[dict[str, Any]] = []
    k = 0
    while any(per_shard):
        src = per_shard[k % total]
        if src:
            sources.append(src.pop(0))
        elif any(per_shard):
            raise MergeError("the shards' file lists do not interleave (edited export-info?)")
        k += 1
    file_pos = {str(s["file"]): i for i, s in enumerate(sources)}

    out = Path(out)
    check_out(out)
    staging = out / STAGING
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)

    items: list[tuple[str, dict[str, Any]]] = []
    rows: dict[str, dict[str, Any]] = {}
    for s in shards:
        items += _entries(s, "manifest.jsonl.gz", "exported")
        items += _entries(s, "excluded.jsonl.gz", "excluded")
        items += _entries(s, "not-fetched.jsonl.gz", "not-fetched")
        for row in iter_parquet(data_shards(s.folder)):
            rows[row["id"]] = row
    items.sort(key=lambda item: _order_key(item[1], file_pos))

    summary = ExportSummary(out=out, warc_files=len(sources), sources=sources)
    for s in shards:
        c = s.info["counts"]
        summary.captures += int(c.get("captures", 0))
        summary.policy_files += int(c.get("policy_files", 0))
        summary.revisits_resolved += int(c.get("revisits_resolved", 0))
        summary.unreadable += list(c.get("unreadable_warc_files") or [])
        summary.damaged += [
            Damage(d["file"], d["kind"], d["offset"], d["detail"], d.get("resumed_at"))
            for d in c.get("damaged_warc_files") or ()
        ]
    summary.foreign = _merge_foreign([s.info["counts"].get("foreign") or {} for s in shards])

    index = DedupeIndex(staging / "dedupe.sqlite")
    writer = ShardWriter(
        staging / "data",
        prefix="train",
        features=row_features(markdown=config.markdown),
        max_rows=shard_rows,
        max_bytes=shard_bytes,
    )
    license_urls: dict[str, str] = {}
    tmp_manifest = staging / "manifest.tmp.jsonl"
    from export.dataset import manifest_columns

    with (
        tmp_manifest.open("w", encoding="utf-8") as manifest_fh,
        open_gzip_text(staging / "excluded.jsonl.gz") as excluded_fh,
        open_gzip_text(staging / "not-fetched.jsonl.gz") as notfetched_fh,
    ):
        for kind, entry in items:
            crawl = _crawl_outcome(entry)
            if kind == "not-fetched":
                summary.count_outcome(crawl, "not-fetched")
                summary.not_fetched_urls += 1
                for r in entry["decision"]["reasons"]:
                    summary.not_fetched[reason_class(r)] += 1
                notfetched_fh.write(dump_entry(entry) + "\n")
                continue
            summary.pages += 1
            robots = entry.get("robots") or {}
            summary.robots_rechecked += robots.get("matches_recorded") is not None
            entry["duplicates"] = []  # settled again below, over every shard
            entry = _undo_duplicate(entry, policy)
            th = (entry.get("text") or {}).get("sha256") if entry["status"] == "exported" else None
            if th is not None:
                kept = index.kept_id(th)
                if kept is None:
                    index.keep(th, entry["id"])
                else:
                    entry["status"] = "excluded"
                    entry["decision"]["include"] = False
                    entry["decision"]["reasons"].append(Reason.DUPLICATE_TEXT.with_arg(kept))
                    entry["policy"]["rule"] = None
                    w = entry["warc"]
                    index.add_duplicate(
                        kept,
                        {
                            "id": entry["id"],
                            "url": entry["url"],
                            "warc": {
                                k: w[k] for k in ("file", "offset", "record_id", "payload_digest")
                            },
                        },
                    )
                    summary.duplicates += 1
            if entry["status"] == "exported":
                summary.count_outcome(crawl, "exported")
                row = rows[entry["id"]]
                writer.write(row)
                columns = json.dumps(manifest_columns(entry), ensure_ascii=False)
                manifest_fh.write(f"{entry['id']}\t{dump_entry(entry)}\t{columns}\n")
                summary.exported += 1
                summary.licenses[row["license"]] += 1
                if row.get("license_url"):
                    license_urls.setdefault(row["license"], row["license_url"])
                if row.get("language"):
                    summary.languages[row["language"]] += 1
                continue
            reasons = entry["decision"]["reasons"]
            summary.count_outcome(crawl, "excluded")
            summary.excluded_pages += 1
            if any(reason_class(r) in UNASSESSABLE for r in reasons):
                summary.unassessed += 1
            for r in reasons:
                summary.excluded[reason_class(r)] += 1
                if crawl == CANDIDATE:
                    summary.candidates_excluded[reason_class(r)] += 1
            excluded_fh.write(dump_entry(entry) + "\n")
    if summary.foreign:
        summary.foreign["unassessed"] = summary.unassessed
    summary.shards = [p.name for p in writer.close()]
    manifest_writer = _finish_manifest(tmp_manifest, staging, index, shard_rows, shard_bytes)
    summary.manifest_shards = [p.name for p in manifest_writer.paths]
    dataset_info = [writer.dataset_info("default"), manifest_writer.dataset_info("rights_manifest")]
    index.close()
    tmp_manifest.unlink()
    pretty = str(first.get("pretty_name") or "")
    _write_documents(staging, summary, config, license_urls, out.name, pretty, dataset_info)
    finish_release(staging, out, report=report)
    _publish_staging(staging, out)
    return summary


def _crawl_outcome(entry: dict[str, Any]) -> str:
    crawl_time = entry["decision"].get("crawl_time") or {}
    if crawl_time:
        return str(crawl_time.get("outcome") or "")
    return FOREIGN_OUTCOME if entry.get("provenance") else NO_DECISION


def _undo_duplicate(entry: dict[str, Any], policy: Policy) -> dict[str, Any]:
    """Return a shard's duplicate exclusion as the row it was before its shard's dedupe.

    A page excluded *only* as ``duplicate-text`` was admitted; which copy stays is decided
    again over all shards.
    """
    reasons = entry["decision"]["reasons"]
    if entry["status"] != "excluded" or len(reasons) != 1:
        return entry
    if reason_class(reasons[0]) != Reason.DUPLICATE_TEXT.value:
        return entry
    entry["status"] = "exported"
    entry["decision"]["include"] = True
    entry["decision"]["reasons"] = []
    spdx = (entry.get("license") or {}).get("spdx")
    entry["policy"]["rule"] = policy.allow_rule(spdx)
    return entry


def _merge_foreign(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Join the shards' foreign-archive summaries (counts summed, lists joined)."""
    parts = [p for p in parts if p.get("archives")]
    if not parts:
        return {}
    merged: dict[str, Any] = dict(parts[0])
    merged.pop("shard", None)
    merged["archives"] = sorted(
        {json.dumps(a, sort_keys=True): a for p in parts for a in p["archives"]}.values(),
        key=lambda a: a["file"],
    )
    for key in ("pages", "policy_file_captures"):
        merged[key] = sum(int(p.get(key, 0)) for p in parts)
    for key in ("policy_files_found_in", "policy_files_missing"):
        total: Counter[str] = Counter()
        for p in parts:
            total.update(p.get(key) or {})
        merged[key] = dict(sorted(total.items()))
    merged["index_problems"] = sorted({x for p in parts for x in p.get("index_problems") or ()})
    spans = [p.get("policy_files_captured") or {} for p in parts]
    firsts = [sp["first"] for sp in spans if sp.get("first")]
    lasts = [sp["last"] for sp in spans if sp.get("last")]
    merged["policy_files_captured"] = {
        "first": min(firsts) if firsts else "",
        "last": max(lasts) if lasts else "",
    }
    return merged


def refuse_missing(dirs: list[str]) -> None:
    """One-line error for a shard folder that does not exist."""
    for d in dirs:
        if not Path(d).is_dir():
            raise SourceError(f"{d} is not a folder (a shard export's --out)")
