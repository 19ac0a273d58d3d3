"""``clearcrawl export`` over WACZ files (WACZ 1.1.1, Browsertrix Crawler / webrecorder; issue 14).

A real WACZ written by py-wacz around a Browsertrix Crawler WARC (committed with its
provenance, ``tests/fixtures/foreign/PROVENANCE.md``), and WACZs packed in the test from the
Common Crawl-style WARCs of ``ccbuild``: the export over the WACZ must decide exactly as over
the same WARCs unpacked, ``verify`` must re-derive it and ``explain`` must point into it; a
damaged WACZ is named and skipped, never fatal.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from export.folder import data_shards, iter_parquet
from export.run import run_export
from tests.export.foreign.ccbuild import entries, page, write_warc
from tests.support.helpers import read_jsonl, run_cli

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "foreign"
BROWSERTRIX = FIXTURES / "wacz" / "valid_signed_example_1.wacz"
BROWSERTRIX_WARC = (
    "archive/rec-20220118190009690949-crawl-scheduled-a78c5705-3aec-46be-9eec-66ac994f1f4a-"
    "273757mtjt.warc.gz"
)
DAY = "2020-08-05T10:00:00Z"
ROBOTS_OK = b"User-agent: *\nDisallow: /private/\n"
ADMITTED = "https://coast.example/article.html"
NO_ROBOTS = "https://norobots.example/article.html"
DISALLOWED = "https://coast.example/private/notes.html"


def write_wacz(
    path: Path,
    warcs: Sequence[Path],
    *,
    method: int = zipfile.ZIP_STORED,
    hashes: dict[str, str] | None = None,
) -> Path:
    """Pack ``warcs`` as a WACZ 1.1.1 the way py-wacz and Browsertrix do: WARCs stored under
    ``archive/``, ``pages/pages.jsonl``, ``datapackage.json`` with each file's sha256.

    ``hashes`` overrides the digest written for an entry (a WACZ whose bytes disagree).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    pages = b'{"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}\n'
    files = {f"archive/{w.name}": w.read_bytes() for w in warcs}
    files["pages/pages.jsonl"] = pages
    resources = [
        {
            "name": name.rsplit("/", 1)[-1],
            "path": name,
            "hash": (hashes or {}).get(name, "sha256:" + hashlib.sha256(data).hexdigest()),
            "bytes": len(data),
        }
        for name, data in files.items()
    ]
    package = {
        "profile": "data-package",
        "resources": resources,
        "created": "2020-08-06T00:00:00Z",
        "wacz_version": "1.1.1",
        "software": "Browsertrix-Crawler 0.12.4 (with warcio.js 2.2.1 pywb 2.7.4)",
        "title": "coast crawl",
    }
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data, compress_type=method if name.startswith("archive/") else 8)
        zf.writestr("datapackage.json", json.dumps(package, indent=2), compress_type=8)
    return path


def cc_warcs(root: Path, *, robots_with_pages: bool = True) -> tuple[Path, Path]:
    """A page WARC (CC-BY page with robots.txt, one without, one disallowed) and a robots WARC."""
    pages = write_warc(
        root / "CC-MAIN-20200803-00000.warc.gz",
        [
            (ADMITTED, 200, page("article.html"), DAY),
            (NO_ROBOTS, 200, page("article.html"), DAY),
            (DISALLOWED, 200, page("private/notes.html"), DAY),
        ],
    )
    robots = write_warc(
        root / "robots" / "CC-MAIN-20200803-00000-robotstxt.warc.gz",
        [("https://coast.example/robots.txt", 200, ROBOTS_OK, DAY)],
    )
    return pages, robots


def unnamed(value: Any, names: dict[str, str]) -> Any:
    """``value`` with each WACZ entry name replaced by the unpacked file's name."""
    text = json.dumps(value, sort_keys=True, default=str)
    for inner, plain in names.items():
        text = text.replace(inner, plain)
    return json.loads(text)


def quiet(_message: str) -> None:
    return None


@pytest.fixture(scope="module")
def wacz_and_plain(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The same two WARCs exported unpacked (a folder) and packed in one WACZ."""
    root = tmp_path_factory.mktemp("wacz")
    pages, robots = cc_warcs(root / "warcs")
    plain = root / "plain"
    plain.mkdir()
    shutil.copy(pages, plain / pages.name)
    shutil.copy(robots, plain / robots.name)
    wacz = write_wacz(root / "coast.wacz", [pages, robots])
    run_export(plain, root / "out-plain", workers=1, warn=quiet)
    run_export(wacz, root / "out-wacz", workers=1, warn=quiet)
    return {"plain": plain, "wacz": wacz, "out_plain": root / "out-plain", "out": root / "out-wacz"}


def test_wacz_decides_as_the_same_warcs_unpacked(wacz_and_plain: dict[str, Path]) -> None:
    """CC-BY page with its robots.txt admitted, no robots.txt: ``policy-file-unknown``, robots.txt
    disallows: excluded; rows and manifest equal the unpacked export's but for the file names."""
    out, plain = wacz_and_plain["out"], wacz_and_plain["out_plain"]
    found = entries(out)
    assert [e["url"] for e in read_jsonl(out / "manifest.jsonl.gz")] == [ADMITTED]
    assert "policy-file-unknown:robots.txt" in found[NO_ROBOTS]["decision"]["reasons"]
    assert "robots-disallowed" in found[DISALLOWED]["decision"]["reasons"]
    names = {
        "coast.wacz#!/archive/CC-MAIN-20200803-00000.warc.gz": "CC-MAIN-20200803-00000.warc.gz",
        "coast.wacz#!/archive/CC-MAIN-20200803-00000-robotstxt.warc.gz": (
            "CC-MAIN-20200803-00000-robotstxt.warc.gz"
        ),
    }
    admitted = found[ADMITTED]
    assert admitted["warc"]["file"] == "coast.wacz#!/archive/CC-MAIN-20200803-00000.warc.gz"
    robots = next(p for p in admitted["policy_files"] if p["kind"] == "robots.txt")
    assert robots["archived"]["file"] == (
        "coast.wacz#!/archive/CC-MAIN-20200803-00000-robotstxt.warc.gz"
    )
    for name in ("manifest.jsonl.gz", "excluded.jsonl.gz", "not-fetched.jsonl.gz"):
        got = [unnamed(e, names) for e in read_jsonl(out / name)]
        assert got == [unnamed(e, {}) for e in read_jsonl(plain / name)], name
    rows = [unnamed(r, names) for r in iter_parquet(data_shards(out))]
    assert rows == [unnamed(r, {}) for r in iter_parquet(data_shards(plain))]


def test_release_records_the_wacz_and_its_digest_check(wacz_and_plain: dict[str, Path]) -> None:
    out = wacz_and_plain["out"]
    info = json.loads((out / "export-info.json").read_text(encoding="utf-8"))
    source = next(s for s in info["sources"] if s["file"].endswith("00000.warc.gz"))
    assert source["wacz"] == "coast.wacz"
    assert source["wacz_entry"] == "archive/CC-MAIN-20200803-00000.warc.gz"
    assert source["wacz_digest_check"] == "sha256 matches datapackage.json"
    assert source["wacz_software"].startswith("Browsertrix-Crawler")
    assert source["wacz_created"] == "2020-08-06T00:00:00Z"
    assert source["wacz_version"] == "1.1.1"
    plain = json.loads((wacz_and_plain["out_plain"] / "export-info.json").read_text("utf-8"))
    (same,) = [s for s in plain["sources"] if s["file"] == "CC-MAIN-20200803-00000.warc.gz"]
    assert source["sha256"] == same["sha256"]  # the inner WARC's own bytes
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "`coast.wacz#!/archive/CC-MAIN-20200803-00000.warc.gz`" in card
    assert "sha256 matches datapackage.json" in card
    # beside the inner WARC's warcinfo, the WACZ it came in and its datapackage.json facts
    package = (
        "WACZ 1.1.1 `coast.wacz` (by Browsertrix-Crawler 0.12.4 (with warcio.js 2.2.1 pywb "
        "2.7.4), created 2020-08-06T00:00:00Z, title coast crawl)"
    )
    assert f"packaged in {package}" in card
    archives = info["counts"]["foreign"]["archives"]
    assert [a["package"] for a in archives] == [package, package]


def test_verify_and_explain_read_inside_the_wacz(wacz_and_plain: dict[str, Path]) -> None:
    from export.verify import verify_dataset

    out, wacz = wacz_and_plain["out"], wacz_and_plain["wacz"]
    report = verify_dataset(out, wacz)
    assert report.checked == 1
    assert report.mismatches == []
    pointer = entries(out)[ADMITTED]["warc"]
    proc = run_cli("explain", str(out), ADMITTED)
    assert proc.returncode == 0, proc.stderr
    assert (
        f"in coast.wacz#!/archive/CC-MAIN-20200803-00000.warc.gz at offset {pointer['offset']}"
        in proc.stdout
    )
    proc = run_cli("verify", str(out), "--warc", str(wacz))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_wacz_as_policy_archive(tmp_path: Path) -> None:
    """Common Crawl's layout with the robots.txt captures packed as a WACZ (``--policy-warcs``)."""
    pages, robots = cc_warcs(tmp_path / "warcs")
    policy = write_wacz(tmp_path / "robots.wacz", [robots])
    only_pages = tmp_path / "pages"
    only_pages.mkdir()
    shutil.copy(pages, only_pages)
    out = tmp_path / "out"
    run_export(only_pages, out, policy_warcs=[str(policy)], workers=1, warn=quiet)
    found = entries(out)
    assert [e["url"] for e in read_jsonl(out / "manifest.jsonl.gz")] == [ADMITTED]
    robots_item = next(p for p in found[ADMITTED]["policy_files"] if p["kind"] == "robots.txt")
    assert robots_item["source"] == "policy-archive"
    # a policy archive's files are named folder/file; the WACZ is the file
    assert robots_item["archived"]["file"] == (
        f"{tmp_path.name}/robots.wacz#!/archive/CC-MAIN-20200803-00000-robotstxt.warc.gz"
    )
    from export.verify import verify_dataset

    report = verify_dataset(out, only_pages, policy_warcs=[str(policy)])
    assert report.checked == 1
    assert report.mismatches == []


def test_browsertrix_wacz_fixture_is_read(tmp_path: Path) -> None:
    """py-wacz's Browsertrix WACZ: both captures read and decided (no robots.txt in it, so
    ``policy-file-unknown``), the entry named inside its WACZ, its digest checked."""
    out = tmp_path / "out"
    summary = run_export(BROWSERTRIX, out, workers=1, warn=quiet)
    assert summary.pages == 2
    assert summary.unreadable == []
    excluded = read_jsonl(out / "excluded.jsonl.gz")
    assert sorted(e["url"] for e in excluded) == [
        "https://example.com/",
        "https://example.com/favicon.ico",
    ]
    for e in excluded:
        assert e["warc"]["file"] == f"valid_signed_example_1.wacz#!/{BROWSERTRIX_WARC}"
        assert "policy-file-unknown:robots.txt" in e["decision"]["reasons"]
    (source,) = summary.sources
    assert source["wacz_digest_check"] == "sha256 matches datapackage.json"
    assert source["wacz_software"] == "py-wacz 0.4.0"
    assert source["sha256"] == "cadb03c728e19800e68613214e20732bf60c73386f84bc30e81e98208c2f0d4f"


def test_wacz_1_0_digest_form_is_checked(tmp_path: Path) -> None:
    """WACZ 1.0.0 lists ``stats.hash`` with ``hashing: sha256``: still checked."""
    summary = run_export(
        FIXTURES / "wacz" / "valid_example_1.wacz", tmp_path / "out", workers=1, warn=quiet
    )
    assert summary.pages == 1
    assert summary.sources[0]["wacz_digest_check"] == "sha256 matches datapackage.json"


def test_deflated_entry_is_read_the_same(tmp_path: Path) -> None:
    """A WARC entry deflated in the ZIP (not what the spec asks) gives the same decisions."""
    pages, robots = cc_warcs(tmp_path / "warcs")
    stored = write_wacz(tmp_path / "a" / "coast.wacz", [pages, robots])
    deflated = write_wacz(tmp_path / "b" / "coast.wacz", [pages, robots], method=8)
    run_export(stored, tmp_path / "out-a", workers=1, warn=quiet)
    run_export(deflated, tmp_path / "out-b", workers=1, warn=quiet)
    for name in ("manifest.jsonl.gz", "excluded.jsonl.gz"):
        assert read_jsonl(tmp_path / "out-a" / name) == read_jsonl(tmp_path / "out-b" / name)
    from export.verify import verify_dataset

    report = verify_dataset(tmp_path / "out-b", deflated)
    assert report.checked == 1
    assert report.mismatches == []


def test_damaged_waczs_are_named_and_the_rest_exported(tmp_path: Path) -> None:
    """Not a ZIP, a ZIP without archive/ WARCs, an entry whose bytes disagree with
    datapackage.json: each reported by name and skipped; the good WACZ is exported."""
    pages, robots = cc_warcs(tmp_path / "warcs")
    src = tmp_path / "in"
    write_wacz(src / "good.wacz", [pages, robots])
    (src / "broken.wacz").write_bytes(b"PK\x03\x04 this is not a zip file" * 50)
    with zipfile.ZipFile(src / "empty.wacz", "w") as zf:
        zf.writestr("datapackage.json", '{"profile": "data-package", "resources": []}')
        zf.writestr("pages/pages.jsonl", "{}\n")
    name = f"archive/{pages.name}"
    write_wacz(src / "tampered.wacz", [pages], hashes={name: "sha256:" + "0" * 64})
    warnings: list[str] = []
    summary = run_export(src, tmp_path / "out", workers=1, warn=warnings.append)
    assert summary.exported == 1
    assert [e["url"] for e in read_jsonl(tmp_path / "out" / "manifest.jsonl.gz")] == [ADMITTED]
    bad = {u["file"]: u["error"] for u in summary.unreadable}
    assert set(bad) == {"broken.wacz", "empty.wacz", f"tampered.wacz#!/{name}"}
    assert "not a readable ZIP file" in bad["broken.wacz"]
    assert "no WARC file under archive/" in bad["empty.wacz"]
    assert "disagrees with datapackage.json" in bad[f"tampered.wacz#!/{name}"]
    for file in bad:
        assert any(w.startswith(f"{file} could not be read") for w in warnings), file
    card = (tmp_path / "out" / "README.md").read_text(encoding="utf-8")
    assert "`tampered.wacz#!/archive/CC-MAIN-20200803-00000.warc.gz`" in card
    assert "**unreadable, skipped**" in card


def test_shards_split_the_entries_of_a_wacz(tmp_path: Path) -> None:
    """``--shard I/N`` over a WACZ: each entry is one file of the split, decided in one shard."""
    from export.merge import merge_shards

    pages, robots = cc_warcs(tmp_path / "warcs")
    wacz = write_wacz(tmp_path / "coast.wacz", [pages, robots])
    single = tmp_path / "single"
    run_export(wacz, single, workers=1, warn=quiet)
    parts = []
    for i in (1, 2):
        part = tmp_path / f"shard-{i}"
        run_export(wacz, part, shard=(i, 2), workers=1, warn=quiet)
        parts.append(part)
    merge_shards(parts, tmp_path / "merged")
    assert [e["url"] for e in read_jsonl(single / "manifest.jsonl.gz")] == [ADMITTED]
    for name in ("manifest.jsonl.gz", "excluded.jsonl.gz"):
        assert read_jsonl(tmp_path / "merged" / name) == read_jsonl(single / name), name


def test_cli_accepts_a_wacz_and_names_it_when_missing(tmp_path: Path) -> None:
    pages, robots = cc_warcs(tmp_path / "warcs")
    wacz = write_wacz(tmp_path / "coast.wacz", [pages, robots])
    proc = run_cli("export", str(wacz), "--out", str(tmp_path / "out"), "-q")
    assert proc.returncode == 0, proc.stderr
    assert len(read_jsonl(tmp_path / "out" / "manifest.jsonl.gz")) == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = run_cli("export", str(empty), "--out", str(tmp_path / "out2"))
    assert proc.returncode == 2
    assert "*.wacz" in proc.stderr


def test_wacz_on_s3_is_read_by_ranges(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A WACZ object under ``s3://`` (a real S3-protocol server on 127.0.0.1) is listed entry
    by entry and exported as the local file is."""
    pytest.importorskip("moto")
    from tests.support.s3server import BUCKET, MotoS3, aws_env

    pages, robots = cc_warcs(tmp_path / "warcs")
    wacz = write_wacz(tmp_path / "coast.wacz", [pages, robots])
    run_export(wacz, tmp_path / "local", workers=1, warn=quiet)
    with aws_env(tmp_path), MotoS3() as moto:
        moto.reset()  # moto keeps objects of earlier tests of this process
        client = moto.client()
        client.create_bucket(Bucket=BUCKET)
        client.upload_file(str(wacz), BUCKET, "wacz-input/coast.wacz")
        monkeypatch.setenv("CLEARCRAWL_S3_ENDPOINT_URL", moto.endpoint)
        summary = run_export(f"s3://{BUCKET}/wacz-input", tmp_path / "s3", workers=1, warn=quiet)
    assert summary.unreadable == []
    assert [s["file"] for s in summary.sources] == [
        "coast.wacz#!/archive/CC-MAIN-20200803-00000-robotstxt.warc.gz",
        "coast.wacz#!/archive/CC-MAIN-20200803-00000.warc.gz",
    ]
    for name in ("manifest.jsonl.gz", "excluded.jsonl.gz"):
        assert read_jsonl(tmp_path / "s3" / name) == read_jsonl(tmp_path / "local" / name)


def test_datatrove_step_reads_a_wacz_as_the_export_does(tmp_path: Path) -> None:
    """The datatrove reader takes a folder holding a WACZ entry by entry; the rights filter
    admits and excludes as ``clearcrawl export`` over the same WACZ; a damaged WACZ beside it
    is skipped with a warning, not a failed task."""
    pytest.importorskip("datatrove")
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.writers import JsonlWriter

    from export.datatrove_step import ClearcrawlRightsFilter, ClearcrawlWarcReader

    pages, robots = cc_warcs(tmp_path / "warcs")
    src = tmp_path / "in"
    write_wacz(src / "coast.wacz", [pages, robots])
    single = tmp_path / "single"
    run_export(src / "coast.wacz", single, workers=1, warn=quiet)
    (src / "broken.wacz").write_bytes(b"not a zip at all")
    rows_out, excluded_out = tmp_path / "dt-rows", tmp_path / "dt-excluded"
    LocalPipelineExecutor(
        pipeline=[
            ClearcrawlWarcReader(str(src)),
            ClearcrawlRightsFilter(
                inputs=[src / "coast.wacz"], exclusion_writer=JsonlWriter(str(excluded_out))
            ),
            JsonlWriter(str(rows_out)),
        ],
        tasks=1,
        workers=1,
        logging_dir=str(tmp_path / "dt-logs"),
    ).run()
    docs = [d for f in sorted(rows_out.glob("*.jsonl.gz")) for d in read_jsonl(f)]
    dropped = [d for f in sorted(excluded_out.glob("*.jsonl.gz")) for d in read_jsonl(f)]
    want = read_jsonl(single / "manifest.jsonl.gz")
    assert [d["metadata"]["clearcrawl"]["manifest"] for d in docs] == want
    got_excluded = sorted(
        (d["metadata"]["clearcrawl"]["manifest"] for d in dropped), key=lambda e: e["url"]
    )
    assert got_excluded == sorted(read_jsonl(single / "excluded.jsonl.gz"), key=lambda e: e["url"])


def test_progress_total_counts_the_wacz_entries(tmp_path: Path) -> None:
    """The export's progress knows the bytes to read of WARCs inside a WACZ (their own sizes)."""
    from export.readstep import total_bytes
    from export.warcread import list_warcs

    pages, robots = cc_warcs(tmp_path / "warcs")
    wacz = write_wacz(tmp_path / "coast.wacz", [pages, robots])
    members = list_warcs(wacz)
    assert total_bytes(members) == pages.stat().st_size + robots.stat().st_size


def test_a_folder_named_like_a_separator_is_not_a_wacz(tmp_path: Path) -> None:
    """Only ``NAME.wacz#!/ENTRY`` is an entry: WARCs under a folder ``odd#!`` read as files."""
    from export.warcread import list_warcs, warc_name

    pages, _ = cc_warcs(tmp_path / "warcs")
    folder = tmp_path / "odd#!"
    folder.mkdir()
    shutil.copy(pages, folder / pages.name)
    (listed,) = list_warcs(folder)
    assert warc_name(listed) == pages.name
    summary = run_export(folder, tmp_path / "out", workers=1, warn=quiet)
    assert summary.pages == 3
    assert summary.unreadable == []
