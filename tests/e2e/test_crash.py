"""A real crawl killed with SIGKILL mid-way, then resumed: closed WARCs valid, the open one
readable to its last complete capture, nothing archived twice, nothing archived refetched."""

from __future__ import annotations

import gzip
import json
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from crawler.demo.server import SiteServer
from crawler.recovery import scan_warc
from crawler.warcwriter import ledger_path
from export.jsonl import scan_gzip
from tests.support.crashsite import (
    POLICY_PATHS,
    archived_paths,
    make_site,
    start_crawl,
    wait_for_decisions,
)
from tests.support.helpers import read_decisions, read_jsonl, run_cli

BIN = Path(sys.executable).parent


def warcio_check(path: Path) -> None:
    proc = subprocess.run(
        [str(BIN / "warcio"), "check", str(path)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, f"{path.name}: {proc.stdout}{proc.stderr}"


def test_sigkill_mid_crawl_then_resume(tmp_path: Path) -> None:
    site = tmp_path / "site"
    paths = make_site(site, 240, delay_s=0.02)
    out = tmp_path / "crawl"
    settings = ("-s", "CLEARCRAWL_WARC_MAX_BYTES=65536")
    with SiteServer(site) as server:
        proc = start_crawl(server.url + "/", out, *settings)
        try:
            wait_for_decisions(out, 90, proc)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL

        # -- the state a kill leaves ----------------------------------------------------
        closed = sorted((out / "warc").glob("*.warc.gz"))
        opened = sorted((out / "warc").glob("*.warc.gz.open"))
        assert closed, "rotation at 64 KiB should have closed files before the kill"
        assert len(opened) <= 1
        for f in closed:
            warcio_check(f)
            assert ledger_path(f).exists()
        before: set[str] = set()
        for f in closed:
            before |= {urlsplit(u).path for u in ledger_path(f).read_text().splitlines()}
        if opened:
            scan = scan_warc(opened[0])
            assert scan.good_bytes > 0
            prefix = tmp_path / "open-prefix.warc.gz"
            prefix.write_bytes(opened[0].read_bytes()[: scan.good_bytes])
            warcio_check(prefix)  # readable up to its last complete capture
            before |= {urlsplit(u).path for u in scan.urls}
        assert scan_gzip(out / "decisions.jsonl.gz").torn_at is not None  # killed mid-member
        decided = {urlsplit(r["url"]).path for r in read_decisions(out)}
        assert len(before) < len(paths), "the kill came too late to test anything"
        assert before - POLICY_PATHS <= decided

        # -- resume -----------------------------------------------------------------------
        n_before = len(server.log.paths())
        proc2 = run_cli(
            "crawl",
            server.url + "/",
            "--out",
            str(out),
            "--quiet",
            "--resume",
            *settings,
            timeout=300,
        )
        assert proc2.returncode == 0, proc2.stdout + proc2.stderr
        if opened and scan.captures:
            assert "left open" in proc2.stderr
        refetched = set(server.log.paths()[n_before:]) - POLICY_PATHS

    assert not list((out / "warc").glob("*.open"))
    assert not (refetched & before), (
        f"archived pages fetched again: {sorted(refetched & before)[:5]}"
    )
    for f in sorted((out / "warc").glob("*.warc.gz")):
        warcio_check(f)
    counts = archived_paths(out)
    assert set(paths) <= set(counts), (
        f"missing after resume: {sorted(set(paths) - set(counts))[:5]}"
    )
    dupes = {p: n for p, n in counts.items() if n > 1 and p not in POLICY_PATHS}
    assert not dupes, f"archived twice: {dupes}"

    # the decisions log the kill tore was repaired before the resumed run appended to it: the
    # whole file is valid gzip again, one header per run, and every page has its decision
    log = gzip.decompress((out / "decisions.jsonl.gz").read_bytes()).decode().splitlines()
    headers = [line for line in log if json.loads(line)["schema"] == "clearcrawl.run/1"]
    assert len(headers) == 2
    assert set(paths) <= {urlsplit(r["url"]).path for r in read_decisions(out)}

    # the export reads each page once
    ds = tmp_path / "dataset"
    proc3 = run_cli("export", str(out), "--out", str(ds), timeout=300)
    assert proc3.returncode == 0, proc3.stdout + proc3.stderr
    rows = read_jsonl(ds / "manifest.jsonl.gz") + read_jsonl(ds / "excluded.jsonl.gz")
    urls = [r["url"] for r in rows]
    assert len(urls) == len(set(urls)) == len(paths)
