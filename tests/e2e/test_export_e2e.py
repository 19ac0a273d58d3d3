"""A real crawl of the export fixture site, exported, loaded with ``datasets`` and re-run.

Covers issue 7's "how it will be checked": the dataset loads with typed features (also
streaming), every archived page is either a row or an exclusion with its reason, duplicates are
kept once and listed, the rights manifest exists as JSONL and Parquet and joins the rows on
``id``, a user policy file is recorded, shards are bounded, and a second export (with a
different number of workers) is byte-identical.
"""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest

from export.dataset import ROW_COLUMNS, entry_from_manifest_row
from export.validate import validate_dataset
from tests.support.exportsite import DUPLICATES, EXPECTED, mixed_crawl, mixed_export, page_name
from tests.support.helpers import read_decisions, read_jsonl, run_cli


@pytest.fixture(scope="session")
def crawl_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return mixed_crawl(tmp_path_factory)


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return mixed_export(tmp_path_factory)


def _entries(folder: Path) -> dict[str, list[dict]]:
    return {
        name: read_jsonl(folder / f"{name}.jsonl.gz")
        for name in ("manifest", "excluded", "not-fetched")
    }


def test_every_page_lands_where_expected(dataset: Path) -> None:
    found = {}
    for entries in _entries(dataset).values():
        for e in entries:
            if e["decision"]["reasons"] == ["off-site"]:
                continue  # links to other origins: recorded, never fetched, not fixture pages
            found.setdefault(page_name(e["url"]), []).append((e["status"], e))
    for page, (status, detail) in EXPECTED.items():
        ((got, entry),) = found[page]
        assert got == status, (page, entry["decision"])
        if status == "exported":
            assert entry["license"]["spdx"] == detail
        else:
            assert any(r.split(":")[0] == detail for r in entry["decision"]["reasons"]), entry
    noai = found["noai.html"][0][1]
    assert "optout:x-robots-tag" in noai["decision"]["reasons"]


def test_exact_duplicates_are_kept_once_and_listed(dataset: Path) -> None:
    entries = _entries(dataset)
    kept = [e for e in entries["manifest"] if page_name(e["url"]) in DUPLICATES]
    dropped = [e for e in entries["excluded"] if page_name(e["url"]) in DUPLICATES]
    assert len(kept) == 1
    assert len(dropped) == 1
    assert dropped[0]["decision"]["reasons"] == [f"duplicate-text:{kept[0]['id']}"]
    assert kept[0]["duplicates"] == [
        {
            "id": dropped[0]["id"],
            "url": dropped[0]["url"],
            "warc": {
                k: dropped[0]["warc"][k] for k in ("file", "offset", "record_id", "payload_digest")
            },
        }
    ]
    assert kept[0]["text"]["sha256"] == dropped[0]["text"]["sha256"]


def test_every_archived_page_is_a_row_or_an_exclusion(dataset: Path, crawl_dir: Path) -> None:
    decisions = read_decisions(crawl_dir)
    fetched = [
        d for d in decisions if d["outcome"] in ("exported-candidate", "excluded", "redirect")
    ]
    entries = _entries(dataset)
    assert len(entries["manifest"]) + len(entries["excluded"]) == len(fetched)
    refused = [d for d in decisions if d["outcome"] == "not-fetched"]
    assert len(entries["not-fetched"]) == len(refused)
    info = json.loads((dataset / "export-info.json").read_text())
    assert info["counts"]["pages"] == len(fetched)


def test_load_dataset_gives_typed_rows_also_streaming(dataset: Path) -> None:
    ds = datasets.load_dataset(str(dataset), split="train")
    assert ds.column_names == list(ROW_COLUMNS)
    assert ds.features["crawl_date"] == datasets.Value("timestamp[us, tz=UTC]")
    assert ds.features["text"] == datasets.Value("large_string")
    assert ds.num_rows == len(read_jsonl(dataset / "manifest.jsonl.gz"))
    assert {r["license"] for r in ds} == {
        "CC-BY-4.0",
        "CC-BY-SA-4.0",
        "CC-BY-SA-3.0-DE",
        "CC0-1.0",
        "CC-PDM-1.0",
    }
    streamed = datasets.load_dataset(str(dataset), split="train", streaming=True)
    assert next(iter(streamed)) == ds[0]
    by_page = {page_name(r["url"]): r for r in ds}
    sa = by_page["sa.html"]
    assert sa["language"] == "de"
    assert sa["title"] == "Die Brücke am Fluss"
    assert sa["author"] == "Jonas Keller"
    assert sa["date"] == "2026-03-14"
    assert sa["attribution"] == (
        f"“Die Brücke am Fluss” by Jonas Keller ({sa['site_name']}), {sa['url']}, licensed "
        "under CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/)"
    )
    assert "The winter timetable" in by_page["gz.html"]["text"]  # the gzip body was decoded


def test_rights_manifest_parquet_is_the_jsonl_joined_on_id(dataset: Path) -> None:
    manifest = read_jsonl(dataset / "manifest.jsonl.gz")
    rights = datasets.load_dataset(str(dataset), "rights_manifest", split="train")
    assert [entry_from_manifest_row(r) for r in rights] == manifest
    rows = pq.read_table(str(dataset / "data")).to_pylist()
    assert [r["id"] for r in rows] == [m["id"] for m in manifest]
    for row, entry in zip(rows, manifest, strict=True):
        assert row["payload_digest"] == entry["warc"]["payload_digest"]
        assert row["warc_record_id"] == entry["warc"]["record_id"]
        assert row["license"] == entry["license"]["spdx"]
        assert entry["decision"] == {
            "include": True,
            "reasons": [],
            "crawl_time": entry["decision"]["crawl_time"],
        }


def test_robots_txt_was_re_evaluated_from_the_archive(dataset: Path) -> None:
    for entry in read_jsonl(dataset / "manifest.jsonl.gz"):
        robots = entry["robots"]
        assert robots["matches_recorded"] is True
        assert robots["recheck_allowed"] is True
        files = {pf["kind"]: pf for pf in entry["policy_files"]}
        assert set(files) == {"robots.txt", "tdmrep.json", "ai.txt"}
        assert all(pf["check"] == "archived" for pf in files.values())
        assert files["robots.txt"]["archived"]["file"].endswith(".warc.gz")
        assert files["robots.txt"]["sha256"] == robots["sha256"]
        checked = {s["signal"] for s in entry["optout"]["signals"]}
        assert {"tdmrep-file", "ai-txt", "content-signal"} <= checked


def test_export_folder_validates(dataset: Path) -> None:
    result = validate_dataset(dataset)
    assert result.problems == []
    assert result.rows == len(EXPECTED) - 5 + 1  # five excluded/refused pages, one of the pair


def test_second_export_is_byte_identical(
    dataset: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    again = mixed_export(tmp_path_factory, "again", workers=1)
    cmp = filecmp.dircmp(dataset, again)
    files = sorted(p.relative_to(dataset) for p in dataset.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for rel in files:
        assert (dataset / rel).read_bytes() == (again / rel).read_bytes(), rel
    assert not cmp.diff_files


def test_markdown_column(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = mixed_export(tmp_path_factory, "markdown", markdown=True)
    ds = datasets.load_dataset(str(folder), split="train")
    assert ds.column_names == [*ROW_COLUMNS, "markdown"]
    row = next(r for r in ds if page_name(r["url"]) == "sa.html")
    assert (
        row["markdown"].startswith("# Die Brücke am Fluss")
        or "Die alte Steinbrücke" in row["markdown"]
    )
    plain = datasets.load_dataset(str(mixed_export(tmp_path_factory)), split="train")
    assert ds["text"] == plain["text"], "--markdown must not change the plain text"
    assert all(e["text"]["markdown"] for e in read_jsonl(folder / "manifest.jsonl.gz"))


def test_user_policy_is_applied_and_recorded(crawl_dir: Path, tmp_path: Path) -> None:
    from filters.policy import Policy

    policy_file = tmp_path / "cc0-only.toml"
    policy_file.write_text('name = "cc0-only"\nversion = "3"\nallow_licenses = ["CC0-1\\\\.0"]\n')
    policy = Policy.from_file(policy_file)
    out = tmp_path / "ds"
    proc = run_cli(
        "export",
        str(crawl_dir),
        "--out",
        str(out),
        "--policy",
        str(policy_file),
        "--workers",
        "2",
        "--quiet",
    )
    assert proc.returncode == 0, proc.stderr
    rows = pq.read_table(str(out / "data")).to_pylist()
    assert [page_name(r["url"]) for r in rows] == ["cc0.html"]
    # the policy text is in the release once (export-info.json), each entry names it by digest
    info_policy = json.loads((out / "export-info.json").read_text())["policy"]
    assert Policy.from_dict(info_policy["content"]).digest == policy.digest
    assert info_policy["content"] == policy.to_dict()
    for entry in read_jsonl(out / "manifest.jsonl.gz") + read_jsonl(out / "excluded.jsonl.gz"):
        assert entry["policy"]["digest"] == policy.digest
        assert "content" not in entry["policy"]
        assert entry["policy"]["source"] == "cc0-only.toml"
    (cc0,) = read_jsonl(out / "manifest.jsonl.gz")
    assert cc0["policy"]["rule"] == "allow_licenses: CC0-1\\.0"
    excluded = {page_name(e["url"]): e for e in read_jsonl(out / "excluded.jsonl.gz")}
    assert "license-not-allowed:CC-BY-SA-4.0" in excluded["sa.html"]["decision"]["reasons"]
    card = (out / "README.md").read_text()
    assert policy.digest in card
    assert '"name": "cc0-only"' in card
    assert "exported" in proc.stdout


def test_shards_are_bounded_and_all_rows_load(crawl_dir: Path, tmp_path: Path) -> None:
    from export.run import run_export

    out = tmp_path / "ds"
    summary = run_export(crawl_dir, out, shard_rows=2, workers=1)
    shards = sorted((out / "data").glob("*.parquet"))
    assert len(shards) == (summary.exported + 1) // 2
    assert all(pq.ParquetFile(str(s)).metadata.num_rows <= 2 for s in shards)
    assert [s.name for s in shards][
        -1
    ] == f"train-{len(shards) - 1:05d}-of-{len(shards):05d}.parquet"
    assert datasets.load_dataset(str(out), split="train").num_rows == summary.exported
    tiny = tmp_path / "tiny"
    run_export(crawl_dir, tiny, shard_bytes=1, workers=1)  # every row exceeds the byte bound
    assert len(list((tiny / "data").glob("*.parquet"))) == summary.exported
    assert validate_dataset(tiny).problems == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{crawl}", "--out", "{tmp}/f", "--workers", "0"], "expected a number > 0"),
        (["{crawl}", "--out", "{tmp}/file.txt"], "not a folder"),
        (["{crawl}", "--out", "{tmp}/busy"], "not an earlier export"),
        (["{crawl}", "--out", "{tmp}/ds", "--policy", "{tmp}/missing.toml"], "cannot read policy"),
        (["{tmp}/nothing", "--out", "{tmp}/ds"], "does not exist"),
    ],
)
def test_export_bad_input_is_one_line_exit_2(
    crawl_dir: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    from crawler.cli import main

    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("keep me")
    argv = [
        "export",
        *(a.replace("{tmp}", str(tmp_path)).replace("{crawl}", str(crawl_dir)) for a in args),
    ]
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(argv)
    assert code == 2
    lines = [line for line in err.getvalue().splitlines() if line.strip()]
    assert len(lines) == 1, err.getvalue()
    assert message in lines[0]
    assert (tmp_path / "busy" / "notes.txt").read_text() == "keep me"
