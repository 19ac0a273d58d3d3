"""End to end on the bundled demo site: crawl → WARC → decisions → export → load_dataset."""

from __future__ import annotations

import gzip
from pathlib import Path

import datasets
import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.demo.server import SiteServer
from tests.support.helpers import decisions_by_path, read_decisions, read_jsonl, run_cli


def _records(crawl_dir: Path) -> list[tuple[str, str, dict[str, str]]]:
    out: list[tuple[str, str, dict[str, str]]] = []
    for warc in sorted((crawl_dir / "warc").glob("*.warc.gz")):
        with warc.open("rb") as fh:
            out.extend(
                (
                    rec.rec_type,
                    rec.rec_headers.get_header("WARC-Target-URI") or "",
                    dict(rec.rec_headers.headers),
                )
                for rec in ArchiveIterator(fh)
            )
    return out


def test_warc_has_one_response_per_fetched_page(demo_crawl: Path) -> None:
    decisions = read_decisions(demo_crawl)
    fetched = {d["url"] for d in decisions if d["outcome"] in ("exported-candidate", "excluded")}
    records = _records(demo_crawl)
    assert records[0][0] == "warcinfo"
    responses = [uri for typ, uri, _ in records if typ in ("response", "revisit")]
    page_responses = [
        u for u in responses if not u.endswith(("/robots.txt", "tdmrep.json", "/ai.txt"))
    ]
    assert sorted(page_responses) == sorted(fetched)
    assert len(page_responses) == len(set(page_responses))
    response_ids = {
        h["WARC-Record-ID"]: uri for typ, uri, h in records if typ in ("response", "revisit")
    }
    described = {
        response_ids.get(h.get("WARC-Refers-To", "")) for typ, _, h in records if typ == "metadata"
    }
    assert set(fetched) <= described


def test_decisions_cover_every_outcome(demo_crawl: Path) -> None:
    by_path = decisions_by_path(demo_crawl)
    assert by_path["/private/drafts.html"][0]["outcome"] == "not-fetched"
    assert any(r.startswith("robots") for r in by_path["/private/drafts.html"][0]["reasons"])
    assert by_path["/articles/tides.html"][0]["outcome"] == "exported-candidate"
    storm = by_path["/articles/storm.html"][0]
    assert storm["outcome"] == "excluded"
    assert any(r.startswith("optout:") for r in storm["reasons"])
    assert storm["fetch"]["body_stored"] is False
    assert by_path["/articles/boatyard.html"][0]["reasons"] == ["license-not-allowed:CC-BY-NC-4.0"]
    assert any(
        r.startswith("paywalled") for r in by_path["/articles/lighthouse.html"][0]["reasons"]
    )
    assert by_path["/articles/ferry.html"][0]["reasons"] == ["no-license"]
    # level-2 link graph: index -> articles/ -> archive/ -> archive page
    assert by_path["/articles/archive/boatyard-1970.html"][0]["outcome"] == "exported-candidate"
    for recs in by_path.values():
        for rec in recs:
            assert rec["policy"]["digest"].startswith("sha256:")
            if rec["outcome"] != "not-fetched":
                assert rec["fetch"]["payload_digest"].startswith("sha1:")


def test_optout_page_body_not_in_warc(demo_crawl: Path) -> None:
    for warc in sorted((demo_crawl / "warc").glob("*.warc.gz")):
        with warc.open("rb") as fh:
            for rec in ArchiveIterator(fh):
                uri = rec.rec_headers.get_header("WARC-Target-URI") or ""
                if rec.rec_type == "response" and uri.endswith("/articles/storm.html"):
                    assert rec.content_stream().read() == b""
                    assert rec.rec_headers.get_header("WARC-Truncated") == "unspecified"
                    assert rec.rec_headers.get_header(
                        "Clearcrawl-Withheld-Payload-Digest"
                    ).startswith("sha1:")
    raw = b"".join(gzip.decompress(p.read_bytes()) for p in (demo_crawl / "warc").glob("*.warc.gz"))
    assert b"The storm of the twelfth of January" not in raw


def test_export_loads_with_datasets(demo_crawl: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    proc = run_cli("export", str(demo_crawl), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    ds = datasets.load_dataset(str(out), split="train")
    assert {"id", "url", "text", "license"} <= set(ds.column_names)
    urls = {Path(u).name: lic for u, lic in zip(ds["url"], ds["license"], strict=True)}
    assert urls["tides.html"] == "CC-BY-4.0"
    assert urls["boatyard-1970.html"] == "CC0-1.0"
    for name in ("storm.html", "boatyard.html", "lighthouse.html", "ferry.html", "drafts.html"):
        assert name not in urls
    manifest = read_jsonl(out / "manifest.jsonl.gz")
    assert sorted(m["id"] for m in manifest) == sorted(ds["id"])
    card = (out / "README.md").read_text()
    assert card.startswith("---\n")


def test_demo_command(tmp_path: Path) -> None:
    proc = run_cli("demo", "--out", str(tmp_path / "demo"), "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "URLs seen" in proc.stdout
    assert "exported" in proc.stdout
    assert "Traceback" not in proc.stderr
    assert list((tmp_path / "demo" / "crawl" / "warc").glob("*.warc.gz"))
    assert (tmp_path / "demo" / "dataset" / "manifest.jsonl.gz").exists()
    # a second run into the same folder replaces the first
    again = run_cli("demo", "--out", str(tmp_path / "demo"), "--quiet")
    assert again.returncode == 0, again.stderr


def test_scrapy_crawl_from_repo_root(demo_server: SiteServer, tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.support.helpers import ROOT

    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "site",
            "-a",
            f"seeds={demo_server.url}/",
            "-s",
            f"CLEARCRAWL_OUTPUT_DIR={tmp_path}",
            "-s",
            "LOG_LEVEL=WARNING",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert list((tmp_path / "warc").glob("*.warc.gz"))
    assert read_decisions(tmp_path)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["crawl", "ftp://x/", "--out", "{tmp}/o"], "not an http(s) URL"),
        (
            ["crawl", "http://127.0.0.1:1/", "--out", "{tmp}/o", "--max-pages", "-3"],
            "expected a number",
        ),
        (["crawl", "http://127.0.0.1:1/"], "required"),
        (["export", "{tmp}/missing", "--out", "{tmp}/ds"], "does not exist"),
        (["export", "{tmp}", "--out", "{tmp}/ds"], "no WARC files"),
        (["check", "{tmp}/missing.html"], "does not exist"),
        (["check", "{tmp}/bad.html.gz"], "not a valid gzip"),
        (
            ["crawl", "http://127.0.0.1:1/", "--out", "{tmp}/o", "--policy", "{tmp}/nope.toml"],
            "cannot read policy",
        ),
        (["crawl", "http://127.0.0.1:1/", "--out", "{tmp}/o", "-s", "NOEQUALS"], "NAME=VALUE"),
        (["frobnicate"], "invalid choice"),
        (["demo", "--out", "{tmp}/bad.html.gz"], "not a folder"),
    ],
)
def test_bad_input_is_one_line_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "bad.html.gz").write_bytes(b"not gzip")
    proc = run_cli(*[a.replace("{tmp}", str(tmp_path)) for a in args], timeout=60)
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert message in lines[0]
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("command", ["demo", "crawl", "export", "check"])
def test_every_command_has_help(command: str) -> None:
    proc = run_cli(command, "--help", timeout=60)
    assert proc.returncode == 0
    assert "usage: clearcrawl" in proc.stdout


def test_crawl_refuses_existing_crawl_without_resume(demo_crawl: Path) -> None:
    proc = run_cli("crawl", "http://127.0.0.1:1/", "--out", str(demo_crawl), timeout=60)
    assert proc.returncode == 2
    assert "--resume" in proc.stderr


def test_settings_override_reaches_scrapy(demo_server: SiteServer, tmp_path: Path) -> None:
    from tests.support.helpers import crawl

    out = tmp_path / "c"
    crawl(out, demo_server.url + "/", extra=("-s", "CLOSESPIDER_PAGECOUNT=3"))
    import json

    stats = json.loads((out / "crawl-stats.json").read_text())
    assert stats["finish_reason"] == "closespider_pagecount"


def test_stats_add_up_with_the_decisions_log(demo_crawl: Path) -> None:
    import json
    from collections import Counter

    stats = json.loads((demo_crawl / "crawl-stats.json").read_text())
    outcomes = Counter(d["outcome"] for d in read_decisions(demo_crawl))
    for outcome in ("exported-candidate", "excluded", "not-fetched"):
        assert stats.get(f"clearcrawl/decision/{outcome}", 0) == outcomes[outcome]
    policy_files = sum(v for k, v in stats.items() if k.startswith("clearcrawl/policyfile/"))
    assert policy_files == outcomes["policy-file"]
    # every exchange that reached the WARC is a page, a policy file or a redirect
    assert stats["clearcrawl/warc/captures"] == (
        outcomes["exported-candidate"]
        + outcomes["excluded"]
        + outcomes["policy-file"]
        + outcomes["redirect"]
    )
    # every excluded page has at least one counted reason
    reasons = sum(v for k, v in stats.items() if k.startswith("clearcrawl/excluded/"))
    assert reasons >= outcomes["excluded"]
    # the WARC holds a request + response (or revisit) per capture and a metadata record per
    # decision line, so it explains every URL considered on its own (off-site links included)
    records: Counter[str] = Counter()
    for warc in sorted((demo_crawl / "warc").glob("*.warc.gz")):
        with warc.open("rb") as fh:
            records.update(rec.rec_type for rec in ArchiveIterator(fh))
    assert records["request"] == stats["clearcrawl/warc/captures"]
    assert records["response"] + records["revisit"] == stats["clearcrawl/warc/captures"]
    assert records["metadata"] == sum(outcomes.values())
    offsite = [d for d in read_decisions(demo_crawl) if d["reasons"] == ["off-site"]]
    assert offsite, "the demo site links to creativecommons.org"
    assert len({d["url"] for d in offsite}) == len(offsite) == stats["clearcrawl/offsite/recorded"]
