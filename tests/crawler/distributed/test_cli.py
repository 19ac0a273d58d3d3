"""``clearcrawl seed``, ``status`` and ``worker`` refusals against a real redis-server."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import uuid
from pathlib import Path

from crawler.distributed.frontier import Frontier
from filters.policy import DEFAULT_POLICY
from tests.support.helpers import ROOT, run_cli
from tests.support.redisserver import RedisServer


def crawl_args(server: RedisServer) -> tuple[str, ...]:
    return ("--frontier", server.url, "--crawl-id", f"c-{uuid.uuid4().hex[:8]}")


def test_seed_streams_a_gzipped_file_and_stdin(redis_server: RedisServer, tmp_path: Path) -> None:
    args = crawl_args(redis_server)
    seeds = tmp_path / "seeds.txt.gz"
    with gzip.open(seeds, "wt") as fh:
        fh.write("# a comment\n\nhttp://a.example/\nhttp://b.example/x\nnot a url\n")
    proc = run_cli("seed", *args, "--seeds-file", str(seeds))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == (
        "seed: 2 URL(s) queued, 0 already known to the crawl, 1 line(s) skipped "
        "(not an http(s) URL)"
    )
    piped = subprocess.run(
        [sys.executable, "-m", "crawler", "seed", *args, "--seeds-file", "-"],
        input="http://a.example/\nhttp://c.example/\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert piped.returncode == 0, piped.stderr
    assert "1 URL(s) queued, 1 already known" in piped.stdout
    st = json.loads(run_cli("status", *args, "--json").stdout)
    assert st["queued"] == 3
    assert st["pending"] == 3
    assert st["in_flight"] == 0
    assert st["stats"]["seeds/queued"] == 3
    plain = run_cli("status", *args)
    assert plain.returncode == 0
    assert "3 queued, 0 in flight, 0 done" in plain.stdout
    assert "\x1b" not in plain.stdout  # plain lines, no terminal control


def test_worker_with_another_policy_is_refused(redis_server: RedisServer, tmp_path: Path) -> None:
    args = crawl_args(redis_server)
    f = Frontier(redis_server.url, args[-1])
    f.claim_meta({"policy_digest": DEFAULT_POLICY.digest, "policy_label": DEFAULT_POLICY.label})
    policy = tmp_path / "other.toml"
    policy.write_text('name = "other"\nversion = "1"\nmin_text_chars = 10\n')
    proc = run_cli("worker", *args, "--out", str(tmp_path / "w"), "--policy", str(policy), "-q")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert DEFAULT_POLICY.digest in lines[0]
    assert "other@1" in lines[0]
    assert not (tmp_path / "w" / "warc").exists()


def test_the_per_origin_cap_is_the_crawls(redis_server: RedisServer, tmp_path: Path) -> None:
    """One cap per crawl: ``seed`` obeys it, and a crawl asking for another is refused."""
    args = crawl_args(redis_server)
    f = Frontier(redis_server.url, args[-1])
    f.claim_meta(
        {
            "policy_digest": DEFAULT_POLICY.digest,
            "policy_label": DEFAULT_POLICY.label,
            "max_pages_per_origin": "1",
        }
    )
    proc = run_cli("seed", *args, "http://a.example/", "http://a.example/2", "http://b.example/")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == (
        "seed: 2 URL(s) queued, 0 already known to the crawl, "
        "1 over the crawl's --max-pages-per-origin"
    )
    proc = run_cli(
        "crawl", "http://a.example/", "--out", str(tmp_path / "c"), *args,
        "--max-pages-per-origin", "7", "-q",
    )  # fmt: skip
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "--max-pages-per-origin 7 differs" in lines[0]
    assert "'s 1;" in lines[0]
    assert f.meta()["max_pages_per_origin"] == "1"


def test_bad_fleet_input_is_one_line_exit_2(tmp_path: Path) -> None:
    for args in (
        ("worker", "--frontier", "http://127.0.0.1:6379/0", "--out", str(tmp_path / "w")),
        ("status", "--frontier", "redis://127.0.0.1:6379/zero"),
        (
            "seed",
            "--frontier",
            "redis://127.0.0.1:6379/0",
            "--crawl-id",
            "a:b",
            "http://a.example/",
        ),
        ("seed", "--frontier", "redis://127.0.0.1:6379/0"),
        # several partitions: nothing routes between them, so not "the last one wins"
        (
            "seed",
            "--frontier",
            "redis://127.0.0.1:6379/0",
            "--frontier",
            "redis://127.0.0.1:6380/0",
            "http://a.example/",
        ),
        ("crawl", "http://a.example/", "--out", str(tmp_path / "c"), "--crawl-id", "x"),
        (
            "worker",
            "--frontier",
            "redis://127.0.0.1:6379/0",
            "--out",
            str(tmp_path / "w"),
            "--grants",
            str(tmp_path / "missing-grants.toml"),
        ),
    ):
        proc = run_cli(*args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1, (args, proc.stderr)
