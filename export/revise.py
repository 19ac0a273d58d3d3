"""A new version of a dataset without records whose consent was withdrawn (``recheck --out``).

The revision is the old release minus the withdrawn rows, with nothing else re-derived: the
rows and rights manifest are filtered by ``id`` (Parquet shards rewritten with the export's own
:class:`~export.dataset.ShardWriter`, JSON Lines streamed), every withdrawn record moves to
``excluded.jsonl.gz`` with the reason ``consent-withdrawn:<today's refusal>`` and a note naming
the recheck's report and WARC, and the card and ``LICENSES.md`` are rendered again from the
revised counts (:func:`export.card.render_card`), followed by a **Changelog** section: what
was removed, when, and why. ``export-info.json`` keeps the counts in step and lists the
revision under ``revisions``. The recheck's WARC and report are copied along (``recheck/``):
they are the evidence for the removal. The report, Croissant file, training-data summary,
``ATTRIBUTION.md`` and the checksums of every file are written last, as an export writes them
(:func:`export.release.finish_release`), so ``clearcrawl verify`` checks the revision too.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from export.card import CardInfo, render_card, render_licenses
from export.dataset import MANIFEST_FEATURES, ShardWriter, row_features
from export.jsonl import iter_lines, open_gzip_text
from export.release import finish_release
from export.version import __version__
from filters.grants import grants_from_record
from filters.policy import Policy
from filters.reasons import Reason, reason_class

INFO_FILE = "export-info.json"
CHANGELOG_MAX_LISTED = 200


def _filter_parquet(
    src: Path, dst: Path, prefix: str, features: Any, drop: set[str]
) -> ShardWriter:
    writer = ShardWriter(dst, prefix=prefix, features=features)
    for shard in sorted(src.glob(f"{prefix}-*.parquet")):
        table = pq.read_table(shard, schema=features.arrow_schema)
        for row in table.to_pylist():
            if row["id"] not in drop:
                writer.write(row)
    writer.close()
    return writer


def _withdrawn_entry(
    entry: dict[str, Any], change: dict[str, Any], when: str, report: str
) -> dict[str, Any]:
    reasons = [Reason.CONSENT_WITHDRAWN.with_arg(r) for r in change["new"]["reasons"]]
    files = ", ".join(
        f"{f['kind']} sha256:{f['sha256'][:12]} fetched {f['fetched_at']}"
        for f in change["new"]["policy_files"]
    )
    out = dict(entry)
    out["status"] = "excluded"
    out["decision"] = {**entry["decision"], "include": False, "reasons": reasons}
    out["notes"] = [
        *entry.get("notes", []),
        (
            f"consent re-checked {when}: now refused ({', '.join(change['new']['reasons'])}); "
            f"policy files: {files}; evidence in {report}"
        ),
    ]
    return out


def write_revision(
    src: Path,
    dst: Path,
    withdrawn: Sequence[dict[str, Any]],
    *,
    checked_at: str,
    report: str,
    warc: str,
) -> int:
    """Write ``dst``: ``src`` without the ``withdrawn`` records; return the rows kept."""
    drop = {str(w["id"]) for w in withdrawn}
    by_id = {str(w["id"]): w for w in withdrawn}
    dst.mkdir(parents=True, exist_ok=True)
    info = json.loads((src / INFO_FILE).read_text(encoding="utf-8"))
    markdown = bool(info.get("markdown"))
    rows = _filter_parquet(
        src / "data", dst / "data", "train", row_features(markdown=markdown), drop
    )
    manifest = _filter_parquet(
        src / "manifest", dst / "manifest", "rights", MANIFEST_FEATURES, drop
    )
    removed: list[dict[str, Any]] = []
    license_urls: dict[str, str] = {}
    with open_gzip_text(dst / "manifest.jsonl.gz") as kept:
        for line in iter_lines(src / "manifest.jsonl.gz"):
            if not line.strip():
                continue
            entry = json.loads(line)
            if entry["id"] in drop:
                removed.append(_withdrawn_entry(entry, by_id[entry["id"]], checked_at, report))
                continue
            lic = entry.get("license") or {}
            if lic.get("spdx") and lic.get("url"):
                license_urls.setdefault(lic["spdx"], lic["url"])
            kept.write(line.rstrip("\n") + "\n")
    with open_gzip_text(dst / "excluded.jsonl.gz") as excluded:
        for line in iter_lines(src / "excluded.jsonl.gz"):
            if line.strip():
                excluded.write(line.rstrip("\n") + "\n")
        for entry in removed:
            excluded.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
    for name in ("not-fetched.jsonl.gz", "manifest.schema.json"):
        if (src / name).exists():
            shutil.copy2(src / name, dst / name)
    for folder in ("recheck",):
        if (src / folder).is_dir():
            shutil.copytree(src / folder, dst / folder, dirs_exist_ok=True)

    counts = dict(info.get("counts") or {})
    licenses = Counter(counts.get("licenses") or {})
    languages = Counter(counts.get("languages") or {})
    excluded_reasons = Counter(counts.get("excluded") or {})
    for entry in removed:
        spdx = (entry.get("license") or {}).get("spdx")
        if spdx:
            licenses[spdx] -= 1
        for r in {reason_class(x) for x in entry["decision"]["reasons"]}:
            excluded_reasons[r] += 1
    licenses = +licenses
    counts.update(
        exported=rows.rows,
        excluded_pages=int(counts.get("excluded_pages") or 0) + len(removed),
        licenses=dict(sorted(licenses.items())),
        excluded=dict(sorted(excluded_reasons.items())),
        shards=[p.name for p in rows.paths],
        manifest_shards=[p.name for p in manifest.paths],
    )
    policy = Policy.from_dict(info["policy"]["content"])
    grants = info.get("grants")
    card = CardInfo(
        pretty_name=str(info.get("pretty_name") or dst.name),
        rows=rows.rows,
        policy=policy,
        tokens=tuple(info.get("tokens") or ()),
        license_counts=licenses,
        license_urls=license_urls,
        languages=languages,
        excluded=excluded_reasons,
        excluded_pages=counts["excluded_pages"],
        not_fetched=Counter(counts.get("not_fetched") or {}),
        not_fetched_urls=int(counts.get("not_fetched_urls") or 0),
        duplicates=int(counts.get("duplicates") or 0),
        robots_rechecked=int(counts.get("robots_rechecked") or 0),
        sources=list(info.get("sources") or []),
        outcomes=dict(counts.get("by_crawl_outcome") or {}),
        candidates_excluded=Counter(counts.get("candidates_excluded") or {}),
        shards=counts["shards"],
        manifest_shards=counts["manifest_shards"],
        markdown=markdown,
        extractor=str(info.get("extractor") or ""),
        dataset_info=[rows.dataset_info("default"), manifest.dataset_info("rights_manifest")],
        foreign=dict(counts.get("foreign") or {}),
        grants=grants_from_record(grants["content"]) if grants else None,
    )
    revisions = [*info.get("revisions", [])]
    revisions.append(
        {
            "date": checked_at,
            "clearcrawl_version": __version__,
            "from": str(src),
            "withdrawn": len(removed),
            "report": report,
            "warc": warc,
        }
    )
    text = render_card(card).rstrip("\n") + "\n\n" + _changelog(revisions, removed) + "\n"
    (dst / "README.md").write_text(text, encoding="utf-8")
    (dst / "LICENSES.md").write_text(render_licenses(card), encoding="utf-8")
    info["counts"] = counts
    info["revisions"] = revisions
    info.pop("files", None)  # the old release's checksums: finish_release lists the new files
    (dst / INFO_FILE).write_text(
        json.dumps(info, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    # The reviewer's files (report, Croissant, summary, ATTRIBUTION.md) and the checksums of
    # every file, exactly as an export writes them, from the revised folder.
    finish_release(dst, src, report=True)
    return rows.rows


def _changelog(revisions: list[dict[str, Any]], removed: list[dict[str, Any]]) -> str:
    lines = ["## Changelog", ""]
    lines.extend(
        f"- {rev['date']}: consent re-checked (`clearcrawl recheck`); {rev['withdrawn']} "
        f"record(s) removed because their sites' policy files now refuse them. Evidence: "
        f"`{rev['report']}` (old and new evidence side by side) and `{rev['warc']}` (the "
        "policy files as fetched that day)."
        for rev in revisions
    )
    if removed:
        lines += [
            "",
            "Removed in this version (each is in `excluded.jsonl.gz` with its reasons):",
            "",
        ]
        for entry in removed[:CHANGELOG_MAX_LISTED]:
            why = ", ".join(entry["decision"]["reasons"])
            lines.append(f"- `{entry['id']}` {entry['url']} — {why}")
        if len(removed) > CHANGELOG_MAX_LISTED:
            lines.append(f"- … and {len(removed) - CHANGELOG_MAX_LISTED} more")
    return "\n".join(lines)
