"""The datatrove steps give the rows and manifest entries of a single ``clearcrawl export``.

Run on datatrove's local executor (2 tasks, so the input files are split as ``--shard`` splits
them) over a Common Crawl-style layout, without and with duplicate texts (removed by the
documented find/filter stages after the rights filter, see :mod:`export.datatrove_step`).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("datatrove")

from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from export.datatrove_step import (
    ClearcrawlDuplicateFilter,
    ClearcrawlFindDuplicates,
    ClearcrawlRightsFilter,
    ClearcrawlWarcReader,
)
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


def rights_pipeline(pages: Path, robots: Path, rows_out: Path, excluded_out: Path) -> list[Any]:
    """Reader → rights filter (exclusions to ``excluded_out``) → writer of the admitted rows."""
    return [
        ClearcrawlWarcReader(str(pages)),
        ClearcrawlRightsFilter(
            inputs=[pages],
            policy_warcs=[robots],
            exclusion_writer=JsonlWriter(str(excluded_out)),
        ),
        JsonlWriter(str(rows_out)),
    ]


def assert_as_single_export(single: Path, rows_out: Path, excluded_out: Path) -> None:
    """The datatrove output holds the single export's rows, manifest and exclusions (of ``layout``)."""
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


def run_rights_pipeline(pages: Path, robots: Path, tmp_path: Path) -> tuple[Path, Path]:
    """Run :func:`rights_pipeline` on datatrove's local executor (2 tasks); its two outputs."""
    rows_out, excluded_out = tmp_path / "dt-rows", tmp_path / "dt-excluded"
    LocalPipelineExecutor(
        pipeline=rights_pipeline(pages, robots, rows_out, excluded_out),
        tasks=2,
        workers=1,
        logging_dir=str(tmp_path / "dt-logs"),
    ).run()
    return rows_out, excluded_out


def test_datatrove_pipeline_equals_single_export(tmp_path: Path) -> None:
    pages, robots = layout(tmp_path)
    single = tmp_path / "single"
    run_export(pages, single, policy_warcs=[str(robots)], workers=1)
    rows_out, excluded_out = run_rights_pipeline(pages, robots, tmp_path)
    assert_as_single_export(single, rows_out, excluded_out)


def duplicates_layout(root: Path) -> tuple[Path, Path]:
    """Texts repeated within a file and across files that two tasks read interleaved.

    Task 0 reads files 0 and 2, task 1 file 1: the first copy of ``X`` in WARC order is in
    file 1 (task 1), so "first seen by a task" would keep the wrong one.
    """
    pages = root / "warc"
    base = page("article.html")

    def text(name: str) -> bytes:
        return base.replace(b"Tide pools", f"Pools of {name}".encode())

    files = [
        [("a", text("a")), ("b", text("b"))],
        [("c", text("X")), ("d", text("d")), ("g", text("X"))],
        [("e", text("X")), ("f", text("d"))],
    ]
    for i, records in enumerate(files):
        write_warc(
            pages / f"CC-MAIN-2020-0000{i}.warc.gz",
            [(f"https://{h}.example/article.html", 200, body, DAY) for h, body in records],
        )
    robots = root / "robotstxt"
    write_warc(
        robots / "CC-MAIN-2020-00000.warc.gz",
        [(f"https://{h}.example/robots.txt", 200, b"User-agent: *\n", DAY) for h in "abcdefg"],
    )
    return pages, robots


def dedup_stages(pages: Path, robots: Path, out: Path) -> tuple[list[Any], list[Any], list[Any]]:
    """The three documented stages (rights filter, find duplicates, drop them), writing under
    ``out``: ``rows``, ``excluded`` (rights) and ``dup-excluded`` (duplicates)."""
    admitted, dups = out / "admitted", out / "dups"
    first = rights_pipeline(pages, robots, admitted, out / "excluded")
    second = [ClearcrawlFindDuplicates(str(admitted), str(dups), inputs=[pages])]
    third = [
        JsonlReader(str(admitted)),
        ClearcrawlDuplicateFilter(
            str(dups), exclusion_writer=JsonlWriter(str(out / "dup-excluded"))
        ),
        JsonlWriter(str(out / "rows")),
    ]
    return first, second, third


def assert_dedup_as_single_export(single: Path, out: Path) -> None:
    """The stages' output under ``out`` is the single export of ``duplicates_layout``."""
    docs = read_docs(out / "rows")
    want_rows = {r["id"]: r for r in iter_parquet(data_shards(single))}
    want_manifest = {e["id"]: e for e in jsonl(single / "manifest.jsonl.gz")}
    assert len(want_rows) == 4
    assert sorted(d["id"] for d in docs) == sorted(want_rows)
    for doc in docs:
        assert doc["text"] == want_rows[doc["id"]]["text"]
        assert doc["metadata"]["clearcrawl"]["manifest"] == want_manifest[doc["id"]]
    kept = [e for e in want_manifest.values() if e["duplicates"]]
    assert [len(e["duplicates"]) for e in sorted(kept, key=lambda e: e["url"])] == [2, 1]
    assert kept[0]["url"].startswith(("https://c.", "https://d."))
    want_excluded = sorted(jsonl(single / "excluded.jsonl.gz"), key=lambda e: e["url"])
    dropped = read_docs(out / "excluded") + read_docs(out / "dup-excluded")
    got = sorted((d["metadata"]["clearcrawl"]["manifest"] for d in dropped), key=lambda e: e["url"])
    assert got == want_excluded
    assert sum(e["decision"]["reasons"][-1].startswith("duplicate-text:") for e in got) == 3


def test_datatrove_stages_remove_duplicates_as_a_single_export(tmp_path: Path) -> None:
    pages, robots = duplicates_layout(tmp_path)
    single = tmp_path / "single"
    summary = run_export(pages, single, policy_warcs=[str(robots)], workers=1)
    assert summary.duplicates == 3
    out = tmp_path / "dt"
    first, second, third = dedup_stages(pages, robots, out)
    LocalPipelineExecutor(
        pipeline=first, tasks=2, workers=1, logging_dir=str(tmp_path / "logs-1")
    ).run()
    LocalPipelineExecutor(pipeline=second, tasks=1, logging_dir=str(tmp_path / "logs-2")).run()
    LocalPipelineExecutor(
        pipeline=third, tasks=2, workers=1, logging_dir=str(tmp_path / "logs-3")
    ).run()
    assert_dedup_as_single_export(single, out)


def test_a_record_naming_no_url_is_skipped_as_by_a_single_export(tmp_path: Path) -> None:
    """A ``WARC-Target-URI`` no URL parser accepts failed the datatrove task (and with it every
    page of the task's files); the step now drops that record alone, as ``clearcrawl export``
    lists it as unusable and reads on."""
    pages, robots = layout(tmp_path)
    write_warc(
        pages / "CC-MAIN-2020-00009.warc.gz",
        [("http://[::1/bad", 200, page("article.html"), DAY)],
    )
    single = tmp_path / "single"
    summary = run_export(pages, single, policy_warcs=[str(robots)], workers=1)
    assert [d.kind for d in summary.damaged] == ["unusable"]
    rows_out, excluded_out = run_rights_pipeline(pages, robots, tmp_path)
    bad = [d for d in read_docs(excluded_out) if "clearcrawl" not in d["metadata"]]
    assert [d["metadata"]["filter_reason"] for d in bad] == ["unusable-record"]
    for path in sorted(excluded_out.glob("*.jsonl.gz")):  # the rest as a single export's
        kept = [d for d in jsonl(path) if "clearcrawl" in d["metadata"]]
        with gzip.open(path, "wt") as fh:
            fh.writelines(json.dumps(d) + "\n" for d in kept)
    assert_as_single_export(single, rows_out, excluded_out)
