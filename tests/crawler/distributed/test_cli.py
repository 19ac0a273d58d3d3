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


def test_worker_honouring_other_tokens_is_refused(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    """Same policy file, another token list: it would decide pages differently, so it stops."""
    from crawler.cli.common import rights_settings

    args = crawl_args(redis_server)
    crawl_rights = rights_settings({})
    f = Frontier(redis_server.url, args[-1])
    f.claim_meta(
        {
            "policy_digest": DEFAULT_POLICY.digest,
            "policy_label": DEFAULT_POLICY.label,
            "rights_settings": crawl_rights[0],
            "rights_settings_sha256": crawl_rights[1],
        }
    )
    out = tmp_path / "w"
    extra = ("-s", "CLEARCRAWL_AI_TOKENS_EXTRA=SomeNewTrainingBot")
    proc = run_cli("worker", *args, "--out", str(out), *extra, "-q")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert crawl_rights[1] in lines[0]
    assert rights_settings(dict([extra[1].split("=", 1)]))[1] in lines[0]
    assert not (out / "warc").exists()


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


def test_domain_lists_are_the_crawls(redis_server: RedisServer, tmp_path: Path) -> None:
    """The command that creates a crawl records its domain lists (here a worker giving a deny
    list); a crawl or worker giving another list, by flag or ``-s``, is refused in one line
    naming both sha256 digests, before anything is fetched or written."""
    import hashlib

    args = crawl_args(redis_server)
    listing, other = tmp_path / "deny.txt", tmp_path / "other.txt"
    listing.write_bytes(b"bad.example\n")
    other.write_bytes(b"worse.example\n")
    mine, theirs = (hashlib.sha256(p.read_bytes()).hexdigest() for p in (listing, other))
    first = run_cli(
        "worker", *args, "--out", str(tmp_path / "w"), "--deny-domains", f"@{listing}",
        "--idle-exit", "1", "-q",
    )  # fmt: skip
    assert first.returncode == 0, first.stdout + first.stderr
    meta = Frontier(redis_server.url, args[-1]).meta()
    assert meta["deny_domains_sha256"] == mine
    assert meta["deny_domains_text"] == "bad.example\n"
    assert meta["allow_domains_sha256"] == ""  # recorded: the crawl has no allow list
    for cmd in (
        ("crawl", "http://a.example/", "--deny-domains", f"@{other}"),
        ("worker", "-s", f"CLEARCRAWL_DENY_DOMAINS=@{other}"),
        ("worker", "--allow-domains", "a.example"),
    ):
        out = tmp_path / f"x{len(cmd)}"
        proc = run_cli(*cmd, *args, "--out", str(out), "-q")
        assert proc.returncode == 2, (cmd, proc.stdout + proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1, lines
        if "--allow-domains" in cmd:
            assert "created without one" in lines[0]
        else:
            assert mine in lines[0], lines[0]
            assert theirs in lines[0], lines[0]
        assert not (out / "warc").exists()
    # the same list again (another path, same bytes) is the crawl's: accepted
    same = tmp_path / "copy.txt"
    same.write_bytes(listing.read_bytes())
    again = run_cli(
        "worker", *args, "--out", str(tmp_path / "w2"), "--deny-domains", f"@{same}",
        "--idle-exit", "1", "-q",
    )  # fmt: skip
    assert again.returncode == 0, again.stdout + again.stderr
    copies = list((tmp_path / "w2" / "job").glob("deny-domains-*.txt"))
    assert [p.read_bytes() for p in copies] == [listing.read_bytes()]


def test_seed_queues_origin_sitemaps_when_the_crawl_has_sitemaps(
    redis_server: RedisServer,
) -> None:
    args = crawl_args(redis_server)
    f = Frontier(redis_server.url, args[-1])
    f.claim_meta({"policy_digest": DEFAULT_POLICY.digest, "sitemaps": "1"})
    proc = run_cli("seed", *args, "http://a.example/x", "http://a.example/y", "http://b.example/")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == (
        "seed: 3 URL(s) queued, 0 already known to the crawl, "
        "2 origin sitemap(s) queued (--sitemaps)"
    )
    again = run_cli("seed", *args, "http://a.example/z")
    assert "1 URL(s) queued, 0 already known" in again.stdout
    assert "sitemap" not in again.stdout  # a.example's is queued already


def test_a_list_for_a_crawl_recorded_without_lists_is_refused(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    """A crawl whose meta has no domain-list fields (created before they were recorded) has no
    lists: a worker giving one is refused rather than recording it, since workers already
    running would not apply it."""
    args = crawl_args(redis_server)
    f = Frontier(redis_server.url, args[-1])
    f.claim_meta({"policy_digest": DEFAULT_POLICY.digest, "policy_label": DEFAULT_POLICY.label})
    proc = run_cli(
        "worker", *args, "--out", str(tmp_path / "w"), "--deny-domains", "bad.example", "-q"
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "created without one" in proc.stderr
    assert "deny_domains_sha256" not in f.meta()
