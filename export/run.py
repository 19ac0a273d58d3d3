"""The export job: WARC files → dataset shards, manifest, exclusions and card.

A chain of small steps over a stream of captures (read → derive → extract → dedupe → write),
each testable on its own. Output is deterministic: ids derive from URL and payload digest,
order is WARC order (files sorted by name), shards are cut at fixed row counts, and nothing
time-dependent is written into data files or the manifest.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from export.card import render_card, render_licenses
from export.derive import Derived, derive
from export.extract import extract_text, text_hash
from export.manifest import manifest_entry
from export.dataset import ShardWriter
from export.warcread import Capture, iter_captures, list_warcs
from filters.policy import DEFAULT_POLICY, Policy, reason_class
from filters.tokens import honored_tokens


@dataclass
class ExportSummary:
    """Counts of one export (the card quotes the same numbers)."""

    out: Path
    warc_files: int = 0
    captures: int = 0
    pages: int = 0
    exported: int = 0
    excluded: Counter[str] = field(default_factory=Counter)
    not_fetched: Counter[str] = field(default_factory=Counter)
    licenses: Counter[str] = field(default_factory=Counter)
    shards: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "out": str(self.out),
            "warc_files": self.warc_files,
            "captures": self.captures,
            "pages": self.pages,
            "exported": self.exported,
            "excluded": dict(sorted(self.excluded.items())),
            "not_fetched": dict(sorted(self.not_fetched.items())),
            "licenses": dict(sorted(self.licenses.items())),
            "shards": self.shards,
        }


def row_id(url: str, payload_digest: str) -> str:
    """Stable id: sha1 of URL and payload digest (same bytes at the same URL → same id)."""
    return hashlib.sha1(f"{url}\n{payload_digest}".encode()).hexdigest()  # noqa: S324


def _crawl_date(date: str) -> datetime | None:
    try:
        return datetime.fromisoformat(date.replace("Z", "+00:00"))
    except ValueError:
        return None


def attribution_line(title: str | None, author: str | None, url: str, spdx: str, license_url: str | None) -> str:
    """A TASL attribution (Title, Author, Source, Licence) as CC recommends."""
    t = f"“{title}”" if title else "Untitled"
    a = f" by {author}" if author else ""
    lic = f"{spdx} ({license_url})" if license_url else spdx
    return f"{t}{a}, {url}, licensed under {lic}"


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True) + "\n"


def _excluded_entry(d: Derived, policy: Policy) -> dict[str, Any]:
    entry = manifest_entry(d, "", policy)
    entry.pop("id", None)
    entry.pop("duplicates", None)
    return entry


def iter_all_captures(sources: list[str]) -> Iterator[Capture]:
    for path in sources:
        yield from iter_captures(path)


def run_export(
    source: str | Path,
    out: str | Path,
    *,
    policy: Policy = DEFAULT_POLICY,
    tokens: tuple[str, ...] | None = None,
    rows_per_shard: int = 50_000,
    markdown: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ExportSummary:
    """Export ``source`` (crawl folder, WARC file or ``s3://`` prefix) into ``out``."""
    toks = tokens or honored_tokens()
    sources = list_warcs(source)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data_dir = out / "data"
    if data_dir.exists():
        shutil.rmtree(data_dir)
    summary = ExportSummary(out=out, warc_files=len(sources))
    writer = ShardWriter(data_dir, rows_per_shard=rows_per_shard)
    license_urls: dict[str, str] = {}
    languages: Counter[str] = Counter()
    seen_text: dict[str, str] = {}  # text hash -> kept row id
    duplicates: dict[str, list[str]] = {}
    with tempfile.NamedTemporaryFile("w+", encoding="utf-8", dir=out, prefix=".manifest-", suffix=".tmp", delete=False) as tmp_manifest, \
            (out / "excluded.jsonl").open("w", encoding="utf-8") as excluded_fh, \
            (out / "not-fetched.jsonl").open("w", encoding="utf-8") as notfetched_fh:
        for capture in iter_all_captures(sources):
            summary.captures += 1
            if progress is not None:
                progress(summary.captures)
            if capture.record_type and capture.kind != "page":
                continue  # policy files are evidence, not candidate pages
            d = derive(capture, policy, toks)
            if capture.record_type == "":
                for r in d.reasons:
                    summary.not_fetched[reason_class(r)] += 1
                notfetched_fh.write(_dump({"url": capture.url, "reasons": d.reasons,
                                           "decision": capture.metadata}))
                continue
            summary.pages += 1
            if d.include:
                _export_one(d, policy, writer, tmp_manifest, excluded_fh, summary, license_urls,
                            languages, seen_text, duplicates, markdown)
            else:
                _exclude(d, policy, excluded_fh, summary)
        summary.shards = [p.name for p in writer.close()]
        # Second pass over the (small, per-row) manifest to add duplicate URLs to kept rows.
        tmp_manifest.flush()
        tmp_manifest.seek(0)
        with (out / "manifest.jsonl").open("w", encoding="utf-8") as manifest_fh:
            for line in tmp_manifest:
                entry = json.loads(line)
                entry["duplicates"] = duplicates.get(entry["id"], [])
                manifest_fh.write(_dump(entry))
    Path(tmp_manifest.name).unlink()
    (out / "README.md").write_text(
        render_card(
            pretty_name=f"clearcrawl export of {Path(str(source)).name or source}",
            rows=summary.exported,
            license_counts=summary.licenses,
            license_urls=license_urls,
            languages=languages,
            excluded=summary.excluded,
            not_fetched=summary.not_fetched,
            policy=policy,
            sources=[s.rsplit("/", 1)[-1] for s in sources],
            shards=summary.shards,
            tokens=toks,
        ),
        encoding="utf-8",
    )
    (out / "LICENSES.md").write_text(render_licenses(summary.licenses, license_urls), encoding="utf-8")
    return summary


def _exclude(d: Derived, policy: Policy, fh: IO[str], summary: ExportSummary) -> None:
    for r in d.reasons:
        summary.excluded[reason_class(r)] += 1
    fh.write(_dump(_excluded_entry(d, policy)))


def _export_one(
    d: Derived,
    policy: Policy,
    writer: ShardWriter,
    manifest_fh: IO[str],
    excluded_fh: IO[str],
    summary: ExportSummary,
    license_urls: dict[str, str],
    languages: Counter[str],
    seen_text: dict[str, str],
    duplicates: dict[str, list[str]],
    markdown: bool,
) -> None:
    assert d.page is not None and d.assessment is not None and d.assessment.license is not None
    c = d.capture
    try:
        ext = extract_text(d.page, markdown=markdown)
    except Exception as exc:  # an extractor crash excludes the record, never admits it
        d.include = False
        d.reasons.append(f"extractor-error:{type(exc).__name__}")
        _exclude(d, policy, excluded_fh, summary)
        return
    if ext is None or len(ext.text) < policy.min_text_chars:
        d.include = False
        d.reasons.append(f"too-little-text:{0 if ext is None else len(ext.text)}")
        _exclude(d, policy, excluded_fh, summary)
        return
    th = text_hash(ext.text)
    if th in seen_text:
        kept = seen_text[th]
        duplicates.setdefault(kept, []).append(c.url)
        d.include = False
        d.reasons.append(f"duplicate-text:{kept}")
        _exclude(d, policy, excluded_fh, summary)
        return
    rid = row_id(c.url, c.payload_digest)
    seen_text[th] = rid
    lic = d.assessment.license
    spdx = lic.spdx or ""
    if lic.url:
        license_urls.setdefault(spdx, lic.url)
    row = {
        "id": rid,
        "url": c.url,
        "text": ext.text,
        "title": ext.title,
        "author": ext.author,
        "site_name": ext.site_name,
        "date": ext.date,
        "language": ext.language,
        "license": spdx,
        "license_url": lic.url,
        "attribution": attribution_line(ext.title, ext.author, c.url, spdx, lic.url),
        "crawl_date": _crawl_date(c.date),
        "warc_file": c.warc_file,
        "warc_record_id": c.record_id,
        "payload_digest": c.payload_digest,
    }
    writer.write(row)
    manifest_fh.write(_dump(manifest_entry(d, rid, policy, text_sha256=th)))
    summary.exported += 1
    summary.licenses[spdx] += 1
    if ext.language:
        languages[ext.language] += 1
