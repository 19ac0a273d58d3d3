"""``export --shard I/N`` + ``merge`` give the same dataset as one ``export`` (issue 14).

The input is a Common Crawl-style layout of several page WARCs (with duplicate texts across
files, so the dedupe has to be settled again across shards, a truncated file and an
unreadable one) plus a separate robots.txt archive.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from export.folder import data_shards, iter_parquet
from export.merge import MergeError, merge_shards
from export.run import run_export
from tests.export.foreign.ccbuild import page, write_warc
from tests.support.helpers import run_cli

DAY = "2020-08-05T10:00:00Z"
ROBOTS = b"User-agent: *\nDisallow: /private/\n"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "foreign"


def layout(root: Path) -> tuple[Path, Path]:
    pages = root / "warc"
    text = page("article.html")
    other = text.replace(b"Tide pools", b"Rock pools")
    for i, hosts in enumerate((["a", "b"], ["c", "a2"], ["d"], ["e", "f"])):
        write_warc(
            pages / f"CC-MAIN-2020-0000{i}.warc.gz",
            [
                (f"https://{h}.example/article.html", 200, text if h != "d" else other, DAY)
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
            # a revisit (digest only) of d's page, whose response is in another shard's file
            revisits=[("https://c.example/copy.html", other, DAY)] if i == 3 else (),
        )
    shutil.copy(FIXTURES / "warcio" / "example-trunc.warc", pages / "CC-MAIN-2020-00004.warc")
    (pages / "CC-MAIN-2020-00005.warc.gz").write_bytes(gzip.compress(b"not a WARC\r\n" * 30))
    robots = root / "robotstxt"
    write_warc(
        robots / "CC-MAIN-2020-00000.warc.gz",
        [(f"https://{h}.example/robots.txt", 200, ROBOTS, DAY) for h in "abcdf"],
    )
    return pages, robots


def snapshot(out: Path) -> dict[str, Any]:
    """What must be equal: rows, manifest, exclusions, card, licences, export-info counts."""
    info = json.loads((out / "export-info.json").read_text(encoding="utf-8"))
    return {
        "rows": list(iter_parquet(data_shards(out))),
        "manifest": gzip.open(out / "manifest.jsonl.gz", "rt").read(),
        "excluded": gzip.open(out / "excluded.jsonl.gz", "rt").read(),
        "not_fetched": gzip.open(out / "not-fetched.jsonl.gz", "rt").read(),
        "card": (out / "README.md").read_text(encoding="utf-8"),
        "licenses": (out / "LICENSES.md").read_text(encoding="utf-8"),
        "info": info,
    }


@pytest.mark.parametrize("n", [2, 3])
def test_shards_merged_equal_single_export(tmp_path: Path, n: int) -> None:
    pages, robots = layout(tmp_path)
    quiet = {"warn": lambda _m: None}
    single = tmp_path / "single"
    run_export(pages, single, policy_warcs=[str(robots)], workers=1, **quiet)
    parts = []
    for i in range(1, n + 1):
        part = tmp_path / f"shard-{i}"
        run_export(pages, part, policy_warcs=[str(robots)], shard=(i, n), workers=1, **quiet)
        parts.append(part)
    merged = tmp_path / "merged"
    merge_shards(list(reversed(parts)), merged)
    want, got = snapshot(single), snapshot(merged)
    assert want["rows"], "the fixture must export something"
    for key in want:
        assert got[key] == want[key], key
    # the duplicates really crossed shards: c (file 1, shard 2) repeats a (file 0, shard 1)
    manifest = [json.loads(line) for line in want["manifest"].splitlines()]
    everything = manifest + [json.loads(line) for line in want["excluded"].splitlines()]
    copy = {e["url"]: e for e in everything}["https://c.example/copy.html"]
    assert copy["warc"]["payload_from"]["file"] == "CC-MAIN-2020-00002.warc.gz"
    kept = {e["url"]: e for e in manifest}["https://a.example/article.html"]
    assert {d["url"] for d in kept["duplicates"]} >= {"https://c.example/article.html"}


def test_merge_refuses_a_missing_shard(tmp_path: Path) -> None:
    pages, robots = layout(tmp_path)
    part = tmp_path / "shard-1"
    run_export(
        pages, part, policy_warcs=[str(robots)], shard=(1, 2), workers=1, warn=lambda _m: None
    )
    with pytest.raises(MergeError, match=r"expected shards 1\.\.2"):
        merge_shards([part], tmp_path / "merged")


def test_cli_shard_and_merge(tmp_path: Path) -> None:
    pages, robots = layout(tmp_path)
    for i in (1, 2):
        proc = run_cli(
            "export",
            str(pages),
            "--out",
            str(tmp_path / f"s{i}"),
            "--policy-warcs",
            str(robots),
            "--shard",
            f"{i}/2",
            "-q",
            "--workers",
            "1",
        )
        assert proc.returncode == 0, proc.stderr
    proc = run_cli(
        "merge", str(tmp_path / "s1"), str(tmp_path / "s2"), "--out", str(tmp_path / "m")
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "m" / "manifest.jsonl.gz").exists()
    bad = run_cli("export", str(pages), "--out", str(tmp_path / "x"), "--shard", "3/2")
    assert bad.returncode == 2
    assert "--shard" in bad.stderr
