"""``clearcrawl crawl --resume`` after a graceful stop (SIGINT) and after a kill while WARCs were
being uploaded to S3 (moto on 127.0.0.1) and deleted locally."""

from __future__ import annotations

import signal
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

from crawler.demo.server import SiteServer
from crawler.recovery import scan_warc
from export.s3source import list_s3_warcs, open_s3
from tests.support.crashsite import (
    POLICY_PATHS,
    archived_paths,
    make_site,
    start_crawl,
    wait_for_decisions,
)
from tests.support.helpers import read_jsonl, run_cli
from tests.support.s3server import BUCKET, MotoS3, aws_env, isolated_aws_env


def test_sigint_then_resume_finishes_without_refetching(tmp_path: Path) -> None:
    site = tmp_path / "site"
    paths = make_site(site, 150, delay_s=0.02)
    out = tmp_path / "crawl"
    with SiteServer(site) as server:
        proc = start_crawl(server.url + "/", out)
        try:
            wait_for_decisions(out, 40, proc)
        finally:
            proc.send_signal(signal.SIGINT)  # Scrapy's graceful shutdown
            stdout, stderr = proc.communicate(timeout=120)
        # Interrupted: incomplete, so not 0 (it was 1, "crawl stopped early: shutdown", with no
        # summary); 130 = 128 + SIGINT, with the summary and the way to resume.
        assert proc.returncode == 130, stdout + stderr
        assert "crawl:" in stdout
        assert f"interrupted — resume with: clearcrawl crawl --out {out} --resume" in stdout
        first = set(archived_paths(out))
        assert first
        assert len(first) < len(paths)
        n = len(server.log.paths())
        done = run_cli("crawl", server.url + "/", "--out", str(out), "--quiet", "--resume")
        assert done.returncode == 0, done.stdout + done.stderr
        again = set(server.log.paths()[n:]) - POLICY_PATHS
        assert not again & first
        counts = archived_paths(out)
        assert set(paths) <= set(counts)
        assert all(v == 1 for p, v in counts.items() if p not in POLICY_PATHS)
        # a third run has nothing left to do and writes no new WARC file
        files = sorted((out / "warc").glob("*.warc.gz"))
        n = len(server.log.paths())
        idle = run_cli("crawl", server.url + "/", "--out", str(out), "--quiet", "--resume")
        assert idle.returncode == 0, idle.stderr
        assert set(server.log.paths()[n:]) <= POLICY_PATHS
    assert sorted((out / "warc").glob("*.warc.gz")) == files


def _s3_archived_paths(bucket_url: str, client: object) -> Counter[str]:
    seen: Counter[str] = Counter()
    for url in list_s3_warcs(bucket_url, client=client):
        with open_s3(url, client=client) as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type in ("response", "revisit"):
                    seen[urlsplit(rec.rec_headers.get_header("WARC-Target-URI")).path] += 1
    return seen


def _archived_before_resume(out: Path) -> set[str]:
    """Paths the archive holds right after a kill: ledgers of closed files + the open file."""
    paths = {
        urlsplit(u).path for p in (out / "warc").glob("*.urls") for u in p.read_text().splitlines()
    }
    for open_file in (out / "warc").glob("*.warc.gz.open"):
        paths |= {urlsplit(u).path for u in scan_warc(open_file).urls}
    return paths


def test_kill_while_uploading_to_s3_then_resume_and_export_from_s3(tmp_path: Path) -> None:
    site = tmp_path / "site"
    paths = make_site(site, 150, delay_s=0.02)
    out = tmp_path / "crawl"
    store = f"s3://{BUCKET}/crawls/run1"
    with aws_env(tmp_path), MotoS3() as moto, SiteServer(site) as server:
        moto.client().create_bucket(Bucket=BUCKET)
        env = {**isolated_aws_env(tmp_path), "CLEARCRAWL_S3_ENDPOINT_URL": moto.endpoint}
        args = (
            "--warc-store",
            store,
            "--s3-endpoint-url",
            moto.endpoint,
            "-s",
            "CLEARCRAWL_WARC_MAX_BYTES=65536",
        )
        proc = start_crawl(server.url + "/", out, *args, env=env)
        try:
            wait_for_decisions(out, 70, proc)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        before = _archived_before_resume(out)
        assert before
        assert len(before) < len(paths)
        n = len(server.log.paths())
        done = run_cli(
            "crawl", server.url + "/", "--out", str(out), "--quiet", "--resume", *args, env=env
        )
        assert done.returncode == 0, done.stdout + done.stderr
        refetched = set(server.log.paths()[n:]) - POLICY_PATHS
        # everything is in the store, verified; only ledgers and the upload log stay local
        assert not list((out / "warc").glob("*.warc.gz*"))
        ledgers = sorted(p.name.removesuffix(".urls") for p in (out / "warc").glob("*.urls"))
        uploaded = sorted(
            u["uri"].rsplit("/", 1)[1].removesuffix(".warc.gz")
            for u in read_jsonl(out / "s3-uploads.jsonl")
            if u["uri"].endswith(".warc.gz")
        )
        assert uploaded == ledgers
        counts = _s3_archived_paths(store, moto.client())
        exported = run_cli("export", store, "--out", str(tmp_path / "ds"), env=env)
        assert exported.returncode == 0, exported.stdout + exported.stderr
    assert not refetched & before, sorted(refetched & before)[:5]
    assert set(paths) <= set(counts)
    assert all(v == 1 for p, v in counts.items() if p not in POLICY_PATHS), counts.most_common(3)
    rows = read_jsonl(tmp_path / "ds" / "manifest.jsonl.gz") + read_jsonl(
        tmp_path / "ds" / "excluded.jsonl.gz"
    )
    urls = [r["url"] for r in rows]
    assert len(urls) == len(set(urls)) == len(paths)


def test_max_pages_budget_spans_resumed_runs(tmp_path: Path) -> None:
    site = tmp_path / "site"
    make_site(site, 200, delay_s=0.02)
    out = tmp_path / "crawl"
    with SiteServer(site) as server:
        proc = start_crawl(server.url + "/", out, "--max-pages", "20")
        try:
            wait_for_decisions(out, 5, proc)
        finally:
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=120)
        first = set(archived_paths(out)) - POLICY_PATHS
        assert 0 < len(first) < 20
        done = run_cli(
            "crawl", server.url + "/", "--out", str(out), "--quiet", "--resume", "--max-pages", "20"
        )
        assert done.returncode == 0, done.stdout + done.stderr
        requested = set(server.log.paths()) - POLICY_PATHS
    # The resumed run spends what is left of the budget, not a new one.
    assert len(requested) == 20
    counts = archived_paths(out)
    assert set(counts) - POLICY_PATHS == requested
    assert all(v == 1 for p, v in counts.items() if p not in POLICY_PATHS)
