"""Interrupts and ``--resume`` (issue 11, item 10): Ctrl-C once and twice, export over an open
WARC, the crawl record (seeds, policy) and raising ``--max-pages`` on resume."""

from __future__ import annotations

import json
import signal
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from crawler.demo.server import SiteServer
from tests.support.crashsite import (
    POLICY_PATHS,
    archived_paths,
    make_site,
    start_crawl,
    wait_for_decisions,
)
from tests.support.helpers import read_decisions, run_cli


def _page_requests(server: SiteServer, since: int = 0) -> Counter[str]:
    return Counter(p for p in server.log.paths()[since:] if p not in POLICY_PATHS)


def test_second_sigint_stops_at_once_exits_130_and_resume_finishes(tmp_path: Path) -> None:
    site = tmp_path / "site"
    # Slow pages and many in flight: a graceful stop would wait for all of them.
    paths = make_site(site, 150, delay_s=1.0)
    out = tmp_path / "crawl"
    with SiteServer(site) as server:
        proc = start_crawl(server.url + "/", out, "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8")
        try:
            wait_for_decisions(out, 20, proc)
        finally:
            proc.send_signal(signal.SIGINT)
            time.sleep(0.2)
            proc.send_signal(signal.SIGINT)
            stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 130, stdout + stderr
        assert "incomplete: stopped at once by a second SIGINT" in stdout
        assert f"interrupted — resume with: clearcrawl crawl --out {out} --resume" in stdout
        assert "took " in stdout
        record = json.loads((out / "job" / "crawl.json").read_text())
        assert record["runs"][-1]["outcome"] == "interrupted-forced"
        left_open = sorted((out / "warc").glob("*.warc.gz.open"))
        if left_open:  # the writer could not close in time: export must refuse, not half-read
            refused = run_cli("export", str(out), "--out", str(tmp_path / "early"))
            assert refused.returncode == 2
            assert "--resume" in refused.stderr
        before = set(archived_paths(out)) - POLICY_PATHS
        assert 0 < len(before) < len(paths)
        n = len(server.log.paths())
        # No seeds: the recorded ones are used.
        done = run_cli("crawl", "--out", str(out), "--quiet", "--resume")
        assert done.returncode == 0, done.stdout + done.stderr
        again = _page_requests(server, n)
    assert not set(again) & before, sorted(set(again) & before)[:5]
    counts = archived_paths(out)
    assert set(paths) <= set(counts)
    assert all(v == 1 for p, v in counts.items() if p not in POLICY_PATHS)
    exported = run_cli("export", str(out), "--out", str(tmp_path / "ds"))
    assert exported.returncode == 0, exported.stdout + exported.stderr


def test_export_of_a_killed_crawl_says_interrupted_and_resume(tmp_path: Path) -> None:
    site = tmp_path / "site"
    make_site(site, 120, delay_s=0.02)
    out = tmp_path / "crawl"
    with SiteServer(site) as server:
        proc = start_crawl(server.url + "/", out)
        try:
            wait_for_decisions(out, 20, proc)
            # The WARC writer is a child process: on a loaded machine it may open its first
            # file after 20 decisions are logged. The kill must find a WARC open.
            deadline = time.monotonic() + 60
            while not list((out / "warc").glob("*.warc.gz.open")) and time.monotonic() < deadline:
                assert proc.poll() is None, "crawl ended before the kill"
                time.sleep(0.05)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
    assert list((out / "warc").glob("*.warc.gz.open"))
    for source in (out, out / "warc"):
        refused = run_cli("export", str(source), "--out", str(tmp_path / "ds"))
        assert refused.returncode == 2, refused.stdout + refused.stderr
        lines = refused.stderr.strip().splitlines()
        assert len(lines) == 1, refused.stderr
        assert "interrupted" in lines[0]
        assert f"clearcrawl crawl --out {out} --resume" in lines[0]
    assert not (tmp_path / "ds" / "manifest.jsonl").exists()


def _small_crawl(tmp_path: Path, server: SiteServer, *extra: str) -> Path:
    out = tmp_path / "crawl"
    proc = run_cli("crawl", server.url + "/", "--out", str(out), "--quiet", *extra)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def test_resume_refuses_another_policy_naming_both_digests(tmp_path: Path) -> None:
    site = tmp_path / "site"
    make_site(site, 4)
    policy = tmp_path / "strict.toml"
    policy.write_text('name = "strict"\nversion = "1"\nmin_text_chars = 500\n')
    with SiteServer(site) as server:
        out = _small_crawl(tmp_path, server)
        record = json.loads((out / "job" / "crawl.json").read_text())
        n = len(server.log.paths())
        proc = run_cli("crawl", "--out", str(out), "--quiet", "--resume", "--policy", str(policy))
        assert len(server.log.paths()) == n  # refused before any request
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    from filters.policy import Policy

    assert record["policy"]["digest"] in lines[0]
    assert Policy.from_file(policy).digest in lines[0]
    assert record["policy"]["digest"] != Policy.from_file(policy).digest
    # a crawl from before crawl.json: the policy digest of its WARCs' warcinfo is checked
    (out / "job" / "crawl.json").unlink()
    legacy = run_cli(
        "crawl",
        "http://127.0.0.1:1/",
        "--out",
        str(out),
        "--quiet",
        "--resume",
        "--policy",
        str(policy),
    )
    assert legacy.returncode == 2, legacy.stdout + legacy.stderr
    assert record["policy"]["digest"] in legacy.stderr


def test_resume_refuses_a_new_seed_unless_added_and_records_it(tmp_path: Path) -> None:
    site = tmp_path / "site"
    make_site(site, 4)
    other = tmp_path / "other"
    other_paths = make_site(other, 3, seed=3)
    with SiteServer(site) as server, SiteServer(other) as second:
        out = _small_crawl(tmp_path, server)
        refused = run_cli("crawl", second.url + "/", "--out", str(out), "--quiet", "--resume")
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert "--add-seeds" in refused.stderr
        assert not second.log.paths()
        # repeating the recorded seed is fine
        same = run_cli("crawl", server.url + "/", "--out", str(out), "--quiet", "--resume")
        assert same.returncode == 0, same.stdout + same.stderr
        added = run_cli(
            "crawl", second.url + "/", "--out", str(out), "--quiet", "--resume", "--add-seeds"
        )
        assert added.returncode == 0, added.stdout + added.stderr
        assert set(_page_requests(second)) == set(other_paths)
    record = json.loads((out / "job" / "crawl.json").read_text())
    assert record["seeds"] == [server.url + "/", second.url + "/"]
    assert record["runs"][-1]["seeds_added"] == [second.url + "/"]
    assert [r["outcome"] for r in record["runs"]] == ["finished"] * 3


def test_resume_with_a_higher_max_pages_continues_the_crawl(tmp_path: Path) -> None:
    site = tmp_path / "site"
    paths = make_site(site, 60)
    with SiteServer(site) as server:
        out = _small_crawl(tmp_path, server, "--max-pages", "5")
        first = _page_requests(server)
        assert len(first) == 5
        # without --max-pages a resume keeps the recorded budget: nothing left to do
        idle = run_cli("crawl", "--out", str(out), "--quiet", "--resume")
        assert idle.returncode == 0, idle.stdout + idle.stderr
        assert len(_page_requests(server)) == 5
        more = run_cli("crawl", "--out", str(out), "--quiet", "--resume", "--max-pages", "15")
        assert more.returncode == 0, more.stdout + more.stderr
        requested = _page_requests(server)
        assert len(requested) == 15  # 15 distinct pages in all
        assert all(n == 1 for n in requested.values()), requested.most_common(3)  # no refetch
        counts = archived_paths(out)
        assert set(counts) - POLICY_PATHS == set(requested)
        assert all(v == 1 for p, v in counts.items() if p not in POLICY_PATHS)
        decided = {urlsplit(r["url"]).path for r in read_decisions(out)}
        assert set(requested) <= decided
        # and lifting the budget (0 = no limit) crawls the rest of the site, still once each
        rest = run_cli("crawl", "--out", str(out), "--quiet", "--resume", "--max-pages", "0")
        assert rest.returncode == 0, rest.stdout + rest.stderr
        everything = _page_requests(server)
    assert set(everything) == set(paths)
    assert all(n == 1 for n in everything.values()), everything.most_common(3)
