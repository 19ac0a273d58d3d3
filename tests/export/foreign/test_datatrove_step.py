"""The datatrove steps give the rows and manifest entries of a single ``clearcrawl export``.

Run on datatrove's local executor (2 tasks, so the input files are split as ``--shard`` splits
them) over a Common Crawl-style layout without duplicate texts (exact-duplicate removal needs
the whole stream and is the export's, see :mod:`export.datatrove_step`).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("datatrove")

from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.writers import JsonlWriter

from export.datatrove_step import ClearcrawlRightsFilter, ClearcrawlWarcReader
from export.folder import data_shards, iter_parquet
from export.run import run_export
from tests.export.foreign.ccbuild import page, write_warc

DAY = "2020-08-05T10:00:00Z"


def layout(root: Path) -> tuple[Path, Path]:
    pages = root / "warc"
    base = page("article.html")
    for i, hosts in enumerate((["a", "b"], ["c"], ["d", "e"])):
        write_warc(
            pages / f"CC-MAIN-2020-0000{i}.warc.gz",
            [
                (
                    f"https://{h}.example/article.html",
                    200,
                    base.replace(b"Tide pools", f"Pools of {h}".encode()),
                    DAY,
                )
                for h in hosts
            ]
            + [
                (
                    f"https://{hosts[0]}.example/private/notes.html",
                    200,
                    page("private/notes.html"),
                    DAY,
                )
            ],
        )
    robots = root / "robotstxt"
    write_warc(
        robots / "CC-MAIN-2020-00000.warc.gz",
        [
            (f"https://{h}.example/robots.txt", 200, b"User-agent: *\nDisallow: /private/\n", DAY)
            for h in "abce"
        ],
    )
    return pages, robots


def jsonl(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def read_docs(folder: Path) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.jsonl.gz")):
        docs += jsonl(path)
    return docs


def test_datatrove_pipeline_equals_single_export(tmp_path: Path) -> None:
    pages, robots = layout(tmp_path)
    single = tmp_path / "single"
    run_export(pages, single, policy_warcs=[str(robots)], workers=1)
    rows_out, excluded_out = tmp_path / "dt-rows", tmp_path / "dt-excluded"
    LocalPipelineExecutor(
        pipeline=[
            ClearcrawlWarcReader(str(pages)),
            ClearcrawlRightsFilter(
                inputs=[pages],
                policy_warcs=[robots],
                exclusion_writer=JsonlWriter(str(excluded_out)),
            ),
            JsonlWriter(str(rows_out)),
        ],
        tasks=2,
        workers=1,
        logging_dir=str(tmp_path / "dt-logs"),
    ).run()
    docs = read_docs(rows_out)
    want_rows = {r["id"]: r for r in iter_parquet(data_shards(single))}
    want_manifest = {e["id"]: e for e in jsonl(single / "manifest.jsonl.gz")}
    assert len(want_rows) == 4
    assert {d["id"] for d in docs} == set(want_rows)
    for doc in docs:
        row = want_rows[doc["id"]]
        got = doc["metadata"]["clearcrawl"]
        assert doc["text"] == row["text"]
        assert got["manifest"] == want_manifest[doc["id"]]
        assert got["row"]["license"] == row["license"]
        assert got["row"]["attribution"] == row["attribution"]
        assert got["row"]["crawl_date"] == row["crawl_date"].isoformat()
    want_excluded = {e["id"]: e for e in jsonl(single / "excluded.jsonl.gz")}
    dropped = {d["metadata"]["clearcrawl"]["manifest"]["id"]: d for d in read_docs(excluded_out)}
    assert set(dropped) == set(want_excluded)
    for rid, doc in dropped.items():
        assert doc["metadata"]["clearcrawl"]["manifest"] == want_excluded[rid]
