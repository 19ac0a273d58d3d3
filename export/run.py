"""The export job: WARC files → dataset shards, rights manifest, exclusions and card.

A chain of small steps over a stream of captures, each testable with a list:

1. read (parent): :func:`export.warcread.iter_captures` over the sorted WARC files; policy
   files go into a :class:`export.policyfiles.PolicyFileStore`, every other capture becomes a
   task carrying the archived policy files its decision record names; a ``revisit`` gets the
   payload of the response it repeats (:class:`export.dedupe.RecordIndex`), so it is decided
   like any capture; a damaged file is read around the damage (up to a cut; past garbage
   from the next whole record), which is reported (a warning line, the card's sources table
   and ``export-info.json``), and the export goes on;
2. process (workers): :func:`export.process.process_capture` derives the decision and extracts
   the text, via :func:`export.parallel.ordered_map` (results in input order);
3. dedupe (parent, in order): :class:`export.dedupe.DedupeIndex`;
4. write (parent): row shards, a temporary manifest, ``excluded.jsonl.gz``,
   ``not-fetched.jsonl.gz`` (gzip: ~7 KB of evidence per line uncompressed; :mod:`export.jsonl`);
5. finish: the manifest gets its duplicate lists (``manifest.jsonl.gz`` + Parquet), then the card,
   ``LICENSES.md``, ``manifest.schema.json`` and ``export-info.json``.

Everything is written into a staging folder and moved into place at the end, so an interrupted
export never leaves a half dataset that looks whole. Output is deterministic: ids derive from
URL and payload digest, order is WARC order (files sorted by name), shards are cut by row
content, and nothing time-dependent is written; two runs (with any ``workers``) give the same
bytes.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from export.counts import NO_DECISION, ExportSummary
from export.crawlinfo import crawl_tokens, export_rsl_context, export_tokens
from export.dataset import DEFAULT_SHARD_BYTES, DEFAULT_SHARD_ROWS, ShardWriter, row_features
from export.dedupe import DedupeIndex, RecordIndex
from export.foreign import archive_info, build_context
from export.foreign import init_worker as init_any_worker
from export.foreign import process_batch as process_any_batch
from export.jsonl import open_gzip_text
from export.outputs import (
    CANDIDATE,
    INFO_FILE,
    OUTPUTS,
    STAGING,
    OutputError,
    _finish_manifest,
    _publish_staging,
    _write_documents,
    _write_outcome,
    check_out,
)
from export.parallel import batched, ordered_map
from export.policyarchive import DEFAULT_WINDOW_DAYS
from export.policyfiles import PolicyFileStore
from export.process import ExportConfig
from export.readstep import (
    Progress,
    Task,
    _task_bytes,
    read_tasks,
    refuse_open_warcs,
    total_bytes,
)
from export.release import finish_release
from export.shard import prescan_other_files, shard_sources
from export.warcread import list_sources, warc_name
from filters.grants import GrantSet
from filters.policy import DEFAULT_POLICY, Policy

__all__ = [
    "BATCH_BYTES",
    "BATCH_ITEMS",
    "CANDIDATE",
    "INFO_FILE",
    "NO_DECISION",
    "OUTPUTS",
    "STAGING",
    "ExportSummary",
    "OutputError",
    "Progress",
    "Task",
    "_finish_manifest",
    "_publish_staging",
    "_write_documents",
    "_write_outcome",
    "check_out",
    "crawl_tokens",
    "export_rsl_context",
    "export_tokens",
    "read_tasks",
    "refuse_open_warcs",
    "run_export",
    "total_bytes",
]

BATCH_ITEMS = 16
BATCH_BYTES = 4 * 1024 * 1024


def run_export(
    source: str | Path | Sequence[str | Path],
    out: str | Path,
    *,
    policy_warcs: Sequence[str | Path] = (),
    policy_window_days: int = DEFAULT_WINDOW_DAYS,
    fetch_policies: Any = None,
    shard: tuple[int, int] | None = None,
    policy: Policy = DEFAULT_POLICY,
    tokens: tuple[str, ...] | None = None,
    markdown: bool = False,
    workers: int = 1,
    shard_rows: int = DEFAULT_SHARD_ROWS,
    shard_bytes: int = DEFAULT_SHARD_BYTES,
    pretty_name: str | None = None,
    progress: Progress | None = None,
    warn: Callable[[str], None] | None = None,
    grants: GrantSet | None = None,
    report: bool = True,
) -> ExportSummary:
    """Export ``source`` (crawl folder, WARC file or ``s3://`` prefix, or several) into ``out``.

    Several sources (the folders of a fleet's workers, issue 13) make one dataset: their WARC
    files are read in one order — by file name, then path, whatever the order of the arguments
    (a file given twice is read once) — so a re-run is byte-identical; policy files archived in
    any of them serve the pages of all, and every worker's decisions (the WARCs' metadata
    records) land in the one ``excluded``/``not-fetched`` file.

    ``warn`` receives one line per damaged WARC file (default: a ``WARNING`` log line, which
    reaches stderr even when logging is not configured).

    ``grants`` (``--grants``): licensed-source agreements; each is judged at the capture time
    of the record it may admit, and the file's digest is recorded like the policy's. ``report=False`` skips
    ``report.html`` (:mod:`export.release` writes it and the other reviewer files).
    """
    inputs = [source] if isinstance(source, str | Path) else sorted(set(source), key=str)
    for one in inputs:
        refuse_open_warcs(one)
    all_sources = list_sources(inputs)
    if len(inputs) > 1:
        # Several crawl folders (a fleet's workers) or archives: one order of files whatever
        # the order of the arguments, so the dataset is byte-identical on re-run.
        all_sources = sorted(all_sources, key=lambda w: (warc_name(w), w))
    sources = shard_sources(all_sources, *shard) if shard is not None else all_sources
    out = Path(out)
    check_out(out)
    infos = {warc_name(p): archive_info(p) for p in all_sources}
    own = [p for p in sources if infos[warc_name(p)].clearcrawl]
    toks = export_tokens(own, tokens)
    config = ExportConfig(
        policy=policy,
        tokens=toks,
        markdown=markdown,
        rsl_context=export_rsl_context(own),
        grants=grants,
    )
    foreign = build_context(all_sources, infos, policy_warcs, policy_window_days, fetch_policies)
    if foreign is not None:
        foreign.keep_parsed = workers <= 1  # the reading step's parse serves the decision
    staging = out / STAGING
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    summary = ExportSummary(out=out, warc_files=len(sources))
    if shard is not None:
        summary.foreign["shard"] = {"index": shard[0], "of": shard[1]}
    store = PolicyFileStore(staging / "policy-files")
    index = DedupeIndex(staging / "dedupe.sqlite")
    records = RecordIndex(staging / "records.sqlite")
    if shard is not None:
        others = [p for p in all_sources if p not in set(sources)]
        prescan_other_files(others, store, records, foreign)
    writer = ShardWriter(
        staging / "data",
        prefix="train",
        features=row_features(markdown=markdown),
        max_rows=shard_rows,
        max_bytes=shard_bytes,
    )
    license_urls: dict[str, str] = {}
    tmp_manifest = staging / "manifest.tmp.jsonl"
    with (
        tmp_manifest.open("w", encoding="utf-8") as manifest_fh,
        open_gzip_text(staging / "excluded.jsonl.gz") as excluded_fh,
        open_gzip_text(staging / "not-fetched.jsonl.gz") as notfetched_fh,
    ):
        tasks = read_tasks(sources, store, summary, progress, records, warn, foreign)
        batches = batched(tasks, max_items=BATCH_ITEMS, max_bytes=BATCH_BYTES, size=_task_bytes)
        for outcomes in ordered_map(
            process_any_batch,
            batches,
            workers=workers,
            initializer=init_any_worker,
            initargs=(config, workers > 1, policy_window_days),
        ):
            for packed in outcomes:
                _write_outcome(
                    packed,
                    summary,
                    index,
                    writer,
                    manifest_fh,
                    excluded_fh,
                    notfetched_fh,
                    license_urls,
                )
    summary.shards = [p.name for p in writer.close()]
    if foreign is not None:
        summary.foreign.update(foreign.summary())
        summary.foreign["unassessed"] = summary.unassessed
    manifest_writer = _finish_manifest(tmp_manifest, staging, index, shard_rows, shard_bytes)
    summary.manifest_shards = [p.name for p in manifest_writer.paths]
    dataset_info = [writer.dataset_info("default"), manifest_writer.dataset_info("rights_manifest")]
    index.close()
    records.close()
    tmp_manifest.unlink()
    shutil.rmtree(staging / "policy-files")
    _write_documents(staging, summary, config, license_urls, inputs[0], pretty_name, dataset_info)
    finish_release(staging, inputs[0], report=report)
    _publish_staging(staging, out)
    return summary
