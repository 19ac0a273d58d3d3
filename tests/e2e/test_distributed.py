"""Several real workers on one real Redis frontier against a real multi-origin site on
127.0.0.1: every page requested once, nothing reserved requested, policy files once per origin
for the fleet, a SIGKILLed worker loses nothing, ``seed`` feeds a running crawl, ``status``
matches the access log, and an unreachable Redis stops a worker before it fetches anything."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.demo.server import SiteServer
from crawler.distributed.frontier import Frontier
from tests.support.fleetsite import RESERVED, access_counts, fleet_site, page_paths
from tests.support.helpers import ROOT, run_cli
from tests.support.redisserver import RedisServer, free_port, redis_server_binary

POLICY_FILES = ("/robots.txt", "/.well-known/tdmrep.json", "/ai.txt")
QUIET = ("-q", "-s", "CLEARCRAWL_CONTACT=mailto:tests@example.org")


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    if redis_server_binary() is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed (.ci/system-deps.sh installs it)")
        pytest.skip("redis-server is not installed")
    with RedisServer(tmp_path / "redis") as server:
        yield server


def start(tmp_path: Path, name: str, *args: str) -> subprocess.Popen[str]:
    """Run ``clearcrawl ARGS`` in the background; its output goes to ``tmp_path/NAME.log``."""
    log = (tmp_path / f"{name}.log").open("w")
    return subprocess.Popen(
        [sys.executable, "-m", "crawler", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(proc: subprocess.Popen[str], tmp_path: Path, name: str, timeout: float = 240) -> str:
    proc.wait(timeout=timeout)
    return (tmp_path / f"{name}.log").read_text()


def status(redis: RedisServer) -> dict:
    proc = run_cli("status", "--frontier", redis.url, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def dataset_urls(dataset: Path) -> list[str]:
    urls: list[str] = []
    for shard in sorted((dataset / "data").glob("*.parquet")):
        urls += pq.read_table(shard, columns=["url"]).column("url").to_pylist()
    return urls


@pytest.mark.slow
def test_two_workers_fetch_every_page_once(tmp_path: Path, redis: RedisServer) -> None:
    pages = 500
    with fleet_site(tmp_path / "site", origins=4, pages=pages) as servers:
        seeds = [s.url + "/" for s in servers]
        fleet = ("--frontier", redis.url, "--idle-exit", "3", *QUIET)
        a = start(tmp_path, "a", "crawl", *seeds, "--out", str(tmp_path / "a"), *fleet)
        b = start(tmp_path, "b", "worker", "--out", str(tmp_path / "b"), *fleet)
        out_a, out_b = finish(a, tmp_path, "a"), finish(b, tmp_path, "b")
        assert a.returncode == 0, out_a
        assert b.returncode == 0, out_b
        counts = access_counts(servers)

    for origin, paths in counts.items():
        for path in page_paths(pages):
            assert paths[path] == 1, f"{origin}{path} requested {paths[path]} times"
        reserved = [p for p in paths if p.startswith(RESERVED)]
        assert not reserved, f"{origin}: reserved URLs requested: {reserved}"
        for path in POLICY_FILES:  # once per cache window for the whole fleet
            assert paths[path] == 1, f"{origin}{path} requested {paths[path]} times"

    st = status(redis)
    total = sum(sum(c.values()) for c in counts.values())
    assert st["stats"]["fetched"] == total
    assert st["stats"]["fetched/page"] == 4 * pages
    assert st["stats"]["fetched/robots.txt"] == 4
    assert (st["queued"], st["in_flight"], st["pending"]) == (0, 0, 0)
    reserved_links = 4 * len([i for i in range(pages) if i % 7 == 3])
    assert st["done"] == 4 * pages + reserved_links
    assert st["stats"]["reason/robots-disallowed"] == reserved_links
    assert st["stats"]["decided/exported-candidate"] == 4 * pages
    assert st["stats"]["policy/fetched"] == 4  # one worker fetched each origin's files...
    assert st["stats"]["policy/from_fleet_cache"] > 0  # ...the other took them from Redis
    workers = st["workers"]
    assert len(workers) == 2
    assert all(w["fetched"] > 0 for w in workers)
    assert sum(w["fetched"] for w in workers) == total
    # WARC file names carry the worker id: two machines never write the same name
    names = {p.name for d in ("a", "b") for p in (tmp_path / d / "warc").glob("*.warc.gz")}
    for w in workers:
        assert any(w["id"] in n for n in names)


@pytest.mark.slow
def test_sigkilled_worker_loses_no_page(tmp_path: Path, redis: RedisServer) -> None:
    pages = 100
    lease = ("-s", "CLEARCRAWL_FRONTIER_LEASE_SECONDS=3")
    with fleet_site(tmp_path / "site", origins=2, pages=pages, delay_s=0.05) as servers:
        seeds = [s.url + "/" for s in servers]
        fleet = ("--frontier", redis.url, "--idle-exit", "3", *QUIET, *lease)
        a = start(tmp_path, "a", "crawl", *seeds, "--out", str(tmp_path / "a"), *fleet)
        # B joins once A has fetched pages and holds leases (its heartbeat says so); A is then
        # killed at once, in the middle of its work.
        frontier = Frontier(redis.url)
        deadline = time.monotonic() + 120
        while not any(
            w.get("out") == str(tmp_path / "a") and w["fetched"] >= 20 and w["held"] > 0
            for w in frontier.counts().workers
        ):
            assert a.poll() is None, finish(a, tmp_path, "a")
            assert time.monotonic() < deadline
            time.sleep(0.02)
        b = start(tmp_path, "b", "worker", "--out", str(tmp_path / "b"), *fleet)
        a.send_signal(signal.SIGKILL)
        a.wait(timeout=30)
        out_b = finish(b, tmp_path, "b")
        assert b.returncode == 0, out_b
        counts = access_counts(servers)
        # the killed worker's folder: a restarted worker closes its open WARC, finds no work
        again = run_cli(
            "worker", "--out", str(tmp_path / "a"), *fleet, "--idle-exit", "1", timeout=120
        )
        assert again.returncode == 0, again.stdout + again.stderr

    for origin, paths in counts.items():
        for path in page_paths(pages):
            assert paths[path] >= 1, f"{origin}{path} was never fetched"
    st = status(redis)
    assert (st["queued"], st["in_flight"], st["pending"]) == (0, 0, 0)
    assert st["stats"].get("frontier/requeued_expired", 0) > 0  # the dead worker's leases

    export = run_cli(
        "export", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "ds"), "-q"
    )
    assert export.returncode == 0, export.stdout + export.stderr
    urls = dataset_urls(tmp_path / "ds")
    assert len(urls) == len(set(urls)) == 2 * pages
    expected = {s.url + p for s in servers for p in page_paths(pages)}
    assert set(urls) == expected
    # byte-identical on re-run, whatever the order of the folders
    rerun = run_cli(
        "export", str(tmp_path / "b"), str(tmp_path / "a"), "--out", str(tmp_path / "ds2"), "-q"
    )
    assert rerun.returncode == 0, rerun.stderr
    for f in sorted((tmp_path / "ds").rglob("*")):
        if f.is_file():
            assert (
                f.read_bytes() == (tmp_path / "ds2" / f.relative_to(tmp_path / "ds")).read_bytes()
            ), f


def test_seed_feeds_a_running_crawl(tmp_path: Path, redis: RedisServer) -> None:
    pages = 30
    with fleet_site(tmp_path / "site", origins=2, pages=pages) as servers:
        first, second = servers
        fleet = ("--frontier", redis.url, "--crawl-id", "seeded")
        a = start(
            tmp_path,
            "a",
            "crawl",
            first.url + "/",
            "--out",
            str(tmp_path / "a"),
            *fleet,
            "--idle-exit",
            "4",
            *QUIET,
        )
        deadline = time.monotonic() + 60
        while not first.log.paths():
            assert a.poll() is None, finish(a, tmp_path, "a")
            assert time.monotonic() < deadline
            time.sleep(0.02)
        seeded = run_cli("seed", *fleet, second.url + "/", first.url + "/")
        assert seeded.returncode == 0, seeded.stderr
        assert "1 URL(s) queued, 1 already known" in seeded.stdout
        out_a = finish(a, tmp_path, "a")
        assert a.returncode == 0, out_a
        counts = access_counts(servers)
    for server in servers:
        for path in page_paths(pages):
            assert counts[server.url][path] == 1, f"{server.url}{path}"
    st = json.loads(run_cli("status", *fleet, "--json").stdout)
    assert st["stats"]["fetched"] == sum(sum(c.values()) for c in counts.values())


def test_unreachable_redis_fetches_nothing(tmp_path: Path) -> None:
    with fleet_site(tmp_path / "site", origins=1, pages=5) as (server,):
        dead = f"redis://127.0.0.1:{free_port()}/0"
        proc = run_cli(
            "crawl", server.url + "/", "--out", str(tmp_path / "o"), "--frontier", dead, *QUIET
        )
        worker = run_cli("worker", "--out", str(tmp_path / "w"), "--frontier", dead, *QUIET)
        assert server.log.paths() == []
    for p in (proc, worker):
        assert p.returncode == 1, p.stdout + p.stderr
        lines = p.stderr.strip().splitlines()
        assert len(lines) == 1, p.stderr
        assert "unreachable" in lines[0]
        assert "nothing fetched" in lines[0]


@pytest.mark.slow
def test_redis_lost_mid_crawl_stops_the_worker(tmp_path: Path, redis: RedisServer) -> None:
    with fleet_site(tmp_path / "site", origins=1, pages=300, delay_s=0.05) as (server,):
        a = start(
            tmp_path,
            "a",
            "crawl",
            server.url + "/",
            "--out",
            str(tmp_path / "a"),
            "--frontier",
            redis.url,
            *QUIET,
        )
        deadline = time.monotonic() + 60
        while len(server.log.paths()) < 20:
            assert a.poll() is None, finish(a, tmp_path, "a")
            assert time.monotonic() < deadline
            time.sleep(0.02)
        redis.kill()
        out = finish(a, tmp_path, "a", timeout=120)
        fetched = server.log.paths()
    assert a.returncode == 1, out
    # it stopped: the site's other pages were never requested without the frontier
    assert len([p for p in fetched if p.endswith(".html")]) < 299
    errors = [line for line in out.splitlines() if "unreachable" in line]
    assert len(errors) == 1, out
    assert errors[0].startswith("clearcrawl: frontier ")
    assert "stopped fetching" in errors[0]


@pytest.mark.slow
def test_crawl_delay_holds_across_workers(tmp_path: Path, redis: RedisServer) -> None:
    """Two workers on one origin with ``Crawl-delay: 1`` start requests >= 1 s apart together."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "robots.txt").write_text("User-agent: *\nCrawl-delay: 1\n")
    pages = [f"p{i}.html" for i in range(1, 8)]
    links = "".join(f'<a href="/{p}">{p}</a>' for p in pages)
    (site / "index.html").write_text(f"<html><body>{links}</body></html>")
    routes = {"/": {"file": "index.html", "served_at_header": True}}
    for p in pages:
        (site / p).write_text(f"<html><body><p>{p}</p></body></html>")
        routes[f"/{p}"] = {"file": p, "served_at_header": True}
    (site / "_routes.json").write_text(json.dumps(routes))
    one_at_a_time = ("-s", "CONCURRENT_REQUESTS=1")
    fleet = ("--frontier", redis.url, "--idle-exit", "2", *QUIET, *one_at_a_time)
    with SiteServer(site) as server:
        a = start(tmp_path, "a", "crawl", server.url + "/", "--out", str(tmp_path / "a"), *fleet)
        b = start(tmp_path, "b", "worker", "--out", str(tmp_path / "b"), *fleet)
        assert a.wait(timeout=120) == 0, finish(a, tmp_path, "a")
        assert b.wait(timeout=120) == 0, finish(b, tmp_path, "b")
    served: list[float] = []
    by_worker: dict[str, int] = {}
    for name in ("a", "b"):
        for f in (tmp_path / name / "warc").glob("*.warc.gz"):
            with f.open("rb") as fh:
                for rec in ArchiveIterator(fh):
                    at = rec.http_headers.get_header("X-Served-At") if rec.http_headers else None
                    if (
                        rec.rec_type == "response"
                        and at
                        and rec.rec_headers.get_header("WARC-Target-URI").endswith(".html")
                    ):
                        served.append(float(at))
                        by_worker[name] = by_worker.get(name, 0) + 1
    assert len(served) == len(pages)
    assert len(by_worker) == 2, by_worker  # both workers fetched pages of the origin
    gaps = [y - x for x, y in itertools.pairwise(sorted(served))]
    # A lower bound only, with slack for scheduling; without the fleet's token two workers
    # interleave their own 1 s spacings and gaps fall to milliseconds.
    assert min(gaps) >= 0.5, gaps


def archived_paths(warc_dir: Path) -> dict[str, set[str]]:
    """origin URL → paths of the pages and decisions the WARC files in ``warc_dir`` hold (the
    files a killed worker left open included: read up to their last complete capture)."""
    from urllib.parse import urlsplit

    from crawler.warcrecovery import scan_warc

    found: dict[str, set[str]] = {}
    for f in sorted(warc_dir.iterdir()):
        if f.name.endswith((".warc.gz", ".warc.gz.open")):
            for url in scan_warc(f).urls:
                parts = urlsplit(url)
                found.setdefault(f"{parts.scheme}://{parts.netloc}", set()).add(parts.path)
    return found


def killed_at(log: str, point: str) -> tuple[str, str]:
    """(origin, path) of the URL the test aid killed the worker on (the worker's log says)."""
    from urllib.parse import urlsplit

    marker = f"test aid: killing the worker at {point} of "
    lines = [line for line in log.splitlines() if marker in line]
    assert len(lines) == 1, log
    parts = urlsplit(lines[0].split(marker, 1)[1].strip())
    return f"{parts.scheme}://{parts.netloc}", parts.path


@pytest.mark.slow
@pytest.mark.parametrize("point", ["after-ack", "before-ack"])
def test_worker_killed_right_after_a_write_fetches_nothing_archived_again(
    tmp_path: Path, redis: RedisServer, point: str
) -> None:
    """Worker A is SIGKILLed by the test aid right after its WARC writer wrote a record, before
    the crawl process heard of it (``after-ack``: the writer process had acknowledged it in
    Redis; ``before-ack``: not even that, so A is restarted on its folder and acknowledges what
    the recovered file holds). B crawls on throughout. Nothing A archived is requested again:
    before the writer's ack and the recovery ack, A's leases ran out and B fetched those pages
    a second time. Pages A had fetched but not yet written may be requested again (their lease
    runs out; that is how nothing is lost), and only those."""
    pages = 60
    # after-ack: a short lease, B takes A's leases back at once; before-ack: long enough for the
    # restart on A's folder to come first (as a worker restarted on the same machine would).
    lease = "2" if point == "after-ack" else "20"
    kill = f"CLEARCRAWL_FRONTIER_TEST_KILL_AT_WRITE=15:{point}"
    with fleet_site(tmp_path / "site", origins=2, pages=pages, delay_s=0.05) as servers:
        seeds = [s.url + "/" for s in servers]
        fleet = ("--frontier", redis.url, "--idle-exit", "3", *QUIET)
        a = start(
            tmp_path,
            "a",
            "crawl",
            *seeds,
            "--out",
            str(tmp_path / "a"),
            *fleet,
            "-s",
            f"CLEARCRAWL_FRONTIER_LEASE_SECONDS={lease}",
            "-s",
            kill,
        )
        deadline = time.monotonic() + 120
        while a.poll() is None and sum(len(s.log.paths()) for s in servers) < 8:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        b = start(tmp_path, "b", "worker", "--out", str(tmp_path / "b"), *fleet)
        out_a = finish(a, tmp_path, "a")
        assert a.returncode == -signal.SIGKILL, out_a
        victim = killed_at(out_a, point)
        archived_by_a = archived_paths(tmp_path / "a" / "warc")
        assert victim[1] in archived_by_a[victim[0]]
        if point == "before-ack":
            again = start(tmp_path, "a2", "worker", "--out", str(tmp_path / "a"), *fleet)
            out_again = finish(again, tmp_path, "a2")
            assert again.returncode == 0, out_again
            assert "archived URL(s) acknowledged from those files" in out_again
        out_b = finish(b, tmp_path, "b")
        assert b.returncode == 0, out_b
        counts = access_counts(servers)

    all_pages = page_paths(pages)
    for origin, paths in counts.items():
        for path in all_pages:
            assert paths[path] >= 1, f"{origin}{path} was never fetched"
        for path in archived_by_a.get(origin, set()) & all_pages:
            assert paths[path] == 1, f"{origin}{path} archived by A, then requested again"
    assert counts[victim[0]][victim[1]] == (0 if victim[1].startswith(RESERVED) else 1)
    st = status(redis)
    assert (st["queued"], st["in_flight"], st["pending"]) == (0, 0, 0)


@pytest.mark.slow
def test_offsite_links_are_recorded_once_for_the_fleet(tmp_path: Path, redis: RedisServer) -> None:
    """Every page links to the same two off-site URLs; two workers see them on many pages each,
    and between them record each exactly once (their decisions logs, before any export)."""
    from tests.support.helpers import read_jsonl

    footer = ("http://offsite.invalid/about", "http://offsite.invalid/contact")
    pages = 100
    with fleet_site(
        tmp_path / "site", origins=2, pages=pages, delay_s=0.1, footer=footer
    ) as servers:
        seeded = run_cli("seed", "--frontier", redis.url, *(s.url + "/" for s in servers))
        assert seeded.returncode == 0, seeded.stderr
        fleet = ("--frontier", redis.url, "--idle-exit", "3", *QUIET)
        a = start(tmp_path, "a", "worker", "--out", str(tmp_path / "a"), *fleet)
        b = start(tmp_path, "b", "worker", "--out", str(tmp_path / "b"), *fleet)
        assert a.wait(timeout=240) == 0, finish(a, tmp_path, "a")
        assert b.wait(timeout=240) == 0, finish(b, tmp_path, "b")

    st = status(redis)
    assert all(w["fetched"] > 0 for w in st["workers"]), st["workers"]  # both saw footers
    offsite = [
        rec["url"]
        for name in ("a", "b")
        for rec in read_jsonl(tmp_path / name / "decisions.jsonl.gz")
        if rec.get("outcome") == "not-fetched" and rec.get("reasons") == ["off-site"]
    ]
    assert sorted(offsite) == sorted(footer)
    assert st["stats"].get("fetched/page", 0) == 2 * pages
    # each URL: one worker recorded it, the other found it claimed (once: then it is local)
    left = [
        json.loads((tmp_path / name / "crawl-stats.json").read_text()).get(
            "clearcrawl/offsite/recorded_by_fleet", 0
        )
        for name in ("a", "b")
    ]
    assert sum(left) == len(footer), left
    export = run_cli(
        "export", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "ds"), "-q"
    )
    assert export.returncode == 0, export.stdout + export.stderr
    merged = [r["url"] for r in read_jsonl(tmp_path / "ds" / "not-fetched.jsonl.gz")]
    assert sorted(u for u in merged if u in footer) == sorted(footer)


@pytest.mark.slow
def test_a_crawl_runs_in_one_redis_cluster_slot(tmp_path: Path) -> None:
    """Against a Redis Cluster node (one node, all slots: it refuses any command or script whose
    keys hash to two slots, CROSSSLOT), two workers crawl as on a plain Redis, and every key of
    the crawl carries its ``{crawl-id}`` hash tag, so a crawl id lives in one slot."""
    if redis_server_binary() is None:
        pytest.skip("redis-server is not installed")
    pages = 30
    with (
        RedisServer(tmp_path / "redis", cluster=True) as redis,
        fleet_site(tmp_path / "site", origins=2, pages=pages, delay_s=0.05) as servers,
    ):
        fleet = ("--frontier", redis.url, "--crawl-id", "part-3", "--idle-exit", "3", *QUIET)
        seeded = run_cli("seed", *fleet[:4], *(s.url + "/" for s in servers))
        assert seeded.returncode == 0, seeded.stderr
        a = start(tmp_path, "a", "worker", "--out", str(tmp_path / "a"), *fleet)
        b = start(tmp_path, "b", "worker", "--out", str(tmp_path / "b"), *fleet)
        assert a.wait(timeout=240) == 0, finish(a, tmp_path, "a")
        assert b.wait(timeout=240) == 0, finish(b, tmp_path, "b")
        counts = access_counts(servers)
        keys = sorted(k.decode() for k in Frontier(redis.url).redis.scan_iter(count=1000))
    for origin, paths in counts.items():
        for path in page_paths(pages):
            assert paths[path] == 1, f"{origin}{path} requested {paths[path]} times"
    assert keys
    assert all(k.startswith("clearcrawl:{part-3}:") for k in keys), keys


def site_links(origins: list[str], pages: int, k: int, i: int) -> list[str]:
    """The URLs page ``i`` of origin ``k`` links to (:func:`tests.support.fleetsite.fleet_site`)."""
    here, nxt = origins[k], origins[(k + 1) % len(origins)]
    links = [f"{here}/p{c}.html" for c in range(3 * i + 1, 3 * i + 4) if c < pages]
    links.append(f"{nxt}/" if i == 0 else f"{nxt}/p{i}.html")
    if i % 7 == 3:
        links.append(f"{here}{RESERVED}r{i}.html")
    return links


@pytest.mark.slow
def test_max_pages_per_origin_is_the_fleets(tmp_path: Path, redis: RedisServer) -> None:
    """``crawl --frontier --max-pages-per-origin N`` plus a worker: N page URLs per origin are
    queued for the whole fleet (not N per worker), so the access log shows at most N pages per
    origin, and exactly N once the robots-refused reserved URLs among them are counted; every
    link left out for the cap is recorded once in the two decisions logs together."""
    from tests.support.helpers import read_decisions

    cap, pages = 20, 60
    with fleet_site(tmp_path / "site", origins=3, pages=pages, delay_s=0.3) as servers:
        seeds = [s.url + "/" for s in servers]
        # one request per origin at a time, fleet-wide, and two per worker: the crawl lasts
        # long enough for both, and one worker cannot hold the whole queue in its downloader
        limits = ("-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "-s", "CONCURRENT_REQUESTS=2")
        fleet = ("--frontier", redis.url, *QUIET, *limits)
        # B joins first (it has no cap option and claims the crawl before the cap is set) and
        # waits for work; A then sets the cap, pushes the seeds and works too: both fetch.
        b = start(
            tmp_path, "b", "worker", "--out", str(tmp_path / "b"), "--idle-exit", "10", *fleet
        )
        frontier = Frontier(redis.url)
        deadline = time.monotonic() + 120
        while not frontier.counts().workers:
            assert b.poll() is None, finish(b, tmp_path, "b")
            assert time.monotonic() < deadline
            time.sleep(0.05)
        capped = ("--max-pages-per-origin", str(cap), "--idle-exit", "3")
        a = start(tmp_path, "a", "crawl", *seeds, "--out", str(tmp_path / "a"), *capped, *fleet)
        out_a, out_b = finish(a, tmp_path, "a"), finish(b, tmp_path, "b")
        assert a.returncode == 0, out_a
        assert b.returncode == 0, out_b
        counts = access_counts(servers)

    origins = [s.url for s in servers]
    records = read_decisions(tmp_path / "a") + read_decisions(tmp_path / "b")
    refused = [r["url"] for r in records if r.get("reasons") == [f"origin-page-cap:{cap}"]]
    assert all(r["outcome"] == "not-fetched" for r in records if r["url"] in set(refused)), (
        "a URL refused for the cap was fetched"
    )
    assert len(refused) == len(set(refused)), "a refused URL is recorded twice"
    requested: set[str] = set()
    for origin in origins:
        paths = counts[origin]
        got = {p for p in paths if p not in POLICY_FILES and not p.startswith(RESERVED)}
        assert all(paths[p] == 1 for p in got), paths
        assert len(got) <= cap, f"{origin}: {len(got)} pages requested over a cap of {cap}"
        assert not [p for p in paths if p.startswith(RESERVED)]
        reserved = {
            r["url"]
            for r in records
            if r["url"].startswith(origin + RESERVED)
            and r["outcome"] == "not-fetched"
            and r["url"] not in set(refused)
        }
        assert len(got) + len(reserved) == cap, (origin, sorted(got), sorted(reserved))
        requested |= {origin + p for p in got} | reserved
    # every URL the fetched pages link to (and every seed) was queued or recorded as capped
    linked = set(seeds)
    for k, origin in enumerate(origins):
        for i in range(pages):
            if (origin + ("/" if i == 0 else f"/p{i}.html")) in requested:
                linked.update(site_links(origins, pages, k, i))
    assert sorted(refused) == sorted(linked - requested)
    stats = [json.loads((tmp_path / d / "crawl-stats.json").read_text()) for d in ("a", "b")]
    over = sum(s.get("clearcrawl/frontier/origin_cap", 0) for s in stats)
    assert over >= len(refused)
    st = status(redis)
    assert all(w["fetched"] > 0 for w in st["workers"]), st["workers"]  # both took part
    assert st["meta"]["max_pages_per_origin"] == str(cap)


def crawl_decisions(*outs: Path) -> list[dict]:
    from tests.support.helpers import read_decisions

    return [r for out in outs for r in read_decisions(out)]


@pytest.mark.slow
def test_deny_list_is_the_fleets(tmp_path: Path, redis: RedisServer) -> None:
    """``crawl --frontier --deny-domains @FILE`` plus a worker given no list: the denied host
    (``localhost``, the third origin's name; the others are ``127.0.0.1``) gets no request at
    all on either worker, not even robots.txt, and each of its seed URLs is recorded once in the
    two decisions logs together with the list's digest; a worker with another list is refused
    in one line naming both digests (EU GPAI Code of Practice, issue 15)."""
    import hashlib

    listing = tmp_path / "infringing.txt"
    listing.write_bytes(b"# persistently infringing\nlocalhost\n")
    digest = hashlib.sha256(listing.read_bytes()).hexdigest()
    other = tmp_path / "other.txt"
    other.write_bytes(b"example.org\n")
    pages = 40
    with fleet_site(tmp_path / "site", origins=3, pages=pages, delay_s=0.3) as servers:
        denied = servers[2].url.replace("127.0.0.1", "localhost")
        denied_urls = [f"{denied}/", f"{denied}/p1.html", f"{denied}/p2.html"]
        seeds = [servers[0].url + "/", servers[1].url + "/", *denied_urls]
        # one request per origin at a time, fleet-wide, and two per worker: the crawl lasts
        # long enough for both, and one worker cannot hold the whole queue in its downloader
        limits = ("-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "-s", "CONCURRENT_REQUESTS=2")
        fleet = ("--frontier", redis.url, *QUIET, *limits)
        a = start(
            tmp_path, "a", "crawl", *seeds, "--out", str(tmp_path / "a"), "--idle-exit", "3",
            "--deny-domains", f"@{listing}", *fleet,
        )  # fmt: skip
        frontier = Frontier(redis.url)
        deadline = time.monotonic() + 120
        while not frontier.meta().get("policy_digest"):
            assert a.poll() is None, finish(a, tmp_path, "a")
            assert time.monotonic() < deadline
            time.sleep(0.05)
        refused = run_cli(
            "worker", "--out", str(tmp_path / "c"), "--deny-domains", f"@{other}", *fleet
        )
        b = start(tmp_path, "b", "worker", "--out", str(tmp_path / "b"), "--idle-exit", "3", *fleet)
        out_a, out_b = finish(a, tmp_path, "a"), finish(b, tmp_path, "b")
        assert a.returncode == 0, out_a
        assert b.returncode == 0, out_b
        counts = access_counts(servers)

    assert refused.returncode == 2, refused.stdout + refused.stderr
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert digest in lines[0]
    assert hashlib.sha256(b"example.org\n").hexdigest() in lines[0]
    assert not (tmp_path / "c" / "warc").exists()

    assert not counts[servers[2].url], f"denied host requested: {counts[servers[2].url]}"
    for origin in (servers[0].url, servers[1].url):
        assert counts[origin]["/robots.txt"] == 1
        assert all(n == 1 for n in counts[origin].values()), counts[origin]
    records = crawl_decisions(tmp_path / "a", tmp_path / "b")
    on_denied = [r for r in records if r["url"].startswith(denied)]
    assert sorted(r["url"] for r in on_denied) == sorted(denied_urls)  # each once
    for rec in on_denied:
        assert rec["outcome"] == "not-fetched"
        assert rec["reasons"] == [f"domain-denied:localhost@sha256:{digest}"]
        assert rec["domain_list"]["sha256"] == digest
        assert rec["domain_list"]["matched"] == "localhost"
    for d in ("a", "b"):  # each worker applied the crawl's list, whatever it fetched
        stats = json.loads((tmp_path / d / "crawl-stats.json").read_text())
        assert stats["clearcrawl/domains/deny_list_sha256"] == digest
    st = status(redis)
    assert all(w["fetched"] > 0 for w in st["workers"]), st["workers"]  # both took part
    assert st["meta"]["deny_domains_sha256"] == digest


@pytest.mark.slow
def test_allow_list_is_the_fleets(tmp_path: Path, redis: RedisServer) -> None:
    """``crawl --frontier --allow-domains 127.0.0.1`` plus a worker given no list: the
    ``localhost`` seeds get no request on either worker and are recorded once each
    ``domain-not-allowed`` with the list's digest; the allowed origin is crawled by both."""
    import hashlib

    digest = hashlib.sha256(b"127.0.0.1").hexdigest()
    pages = 60
    with fleet_site(tmp_path / "site", origins=2, pages=pages) as servers:
        other = servers[1].url.replace("127.0.0.1", "localhost")
        off = [f"{other}/", f"{other}/p1.html"]
        fleet = ("--frontier", redis.url, "--idle-exit", "3", *QUIET)
        a = start(
            tmp_path, "a", "crawl", servers[0].url + "/", *off, "--out", str(tmp_path / "a"),
            "--allow-domains", "127.0.0.1", *fleet,
        )  # fmt: skip
        frontier = Frontier(redis.url)
        deadline = time.monotonic() + 120
        while not frontier.meta().get("policy_digest"):
            assert a.poll() is None, finish(a, tmp_path, "a")
            assert time.monotonic() < deadline
            time.sleep(0.05)
        b = start(tmp_path, "b", "worker", "--out", str(tmp_path / "b"), *fleet)
        out_a, out_b = finish(a, tmp_path, "a"), finish(b, tmp_path, "b")
        assert a.returncode == 0, out_a
        assert b.returncode == 0, out_b
        counts = access_counts(servers)

    assert not counts[servers[1].url], counts[servers[1].url]
    assert counts[servers[0].url]["/robots.txt"] == 1
    assert all(n == 1 for n in counts[servers[0].url].values())
    records = crawl_decisions(tmp_path / "a", tmp_path / "b")
    refused = [r for r in records if r["url"].startswith(other)]
    assert sorted(r["url"] for r in refused) == sorted(off)
    for rec in refused:
        assert rec["reasons"] == [f"domain-not-allowed:sha256:{digest}"]
        assert rec["domain_list"]["list"] == "allow"
    for d in ("a", "b"):  # each worker applied the crawl's list
        stats = json.loads((tmp_path / d / "crawl-stats.json").read_text())
        assert stats["clearcrawl/domains/allow_list_sha256"] == digest


#: Paths of each :func:`sitemap_sites` origin a crawl with ``--sitemaps`` fetches once.
SITEMAP_PATHS = {"/", "/sitemap.xml", "/maps/extra.xml", *(f"/s{i}.html" for i in range(12))}


def sitemap_sites(root: Path) -> list[SiteServer]:
    """Two origins whose pages are linked from nowhere: ``/sitemap.xml`` lists s0–s5, and
    ``/maps/extra.xml``, named only by robots.txt's ``Sitemap:`` line, lists s4–s11."""
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'

    def urlset(*locs: str) -> str:
        entries = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
        return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {ns}>{entries}</urlset>\n'

    roots = [root / f"o{k}" for k in range(2)]
    servers = []
    for site in roots:
        (site / "maps").mkdir(parents=True)
        (site / "index.html").write_text("<html><body><h1>Home, no links</h1></body></html>")
        for i in range(12):
            (site / f"s{i}.html").write_text(f"<html><body><p>page {i}</p></body></html>")
        servers.append(SiteServer(site))
    for site, server in zip(roots, servers, strict=True):
        (site / "robots.txt").write_text(f"User-agent: *\nSitemap: {server.url}/maps/extra.xml\n")
        (site / "sitemap.xml").write_text(urlset(*(f"{server.url}/s{i}.html" for i in range(6))))
        (site / "maps" / "extra.xml").write_text(
            urlset(*(f"{server.url}/s{i}.html" for i in range(4, 12)))
        )
    return servers


@pytest.mark.slow
def test_sitemaps_in_a_fleet(tmp_path: Path, redis: RedisServer) -> None:
    """``crawl --frontier --sitemaps`` plus a worker: each seeded origin's ``/sitemap.xml`` and
    its robots.txt ``Sitemap:`` file are fetched once for the fleet, and the pages only they
    list (linked from nowhere) are each fetched once."""
    servers = sitemap_sites(tmp_path / "site")
    with servers[0], servers[1]:
        seeds = [s.url + "/" for s in servers]
        fleet = ("--frontier", redis.url, "--idle-exit", "3", *QUIET)
        a = start(
            tmp_path, "a", "crawl", *seeds, "--sitemaps", "--out", str(tmp_path / "a"), *fleet
        )
        b = start(tmp_path, "b", "worker", "--out", str(tmp_path / "b"), *fleet)
        out_a, out_b = finish(a, tmp_path, "a"), finish(b, tmp_path, "b")
        assert a.returncode == 0, out_a
        assert b.returncode == 0, out_b
        counts = access_counts(servers)
    assert "2 origin sitemap(s) queued (--sitemaps)" in out_a
    for origin, paths in counts.items():
        for path in SITEMAP_PATHS:
            assert paths[path] == 1, f"{origin}{path} requested {paths[path]} times"
    assert status(redis)["meta"]["sitemaps"] == "1"


@pytest.mark.slow
def test_sitemaps_reach_a_worker_started_before_the_crawl(
    tmp_path: Path, redis: RedisServer
) -> None:
    """A worker that joined before ``crawl --frontier --sitemaps`` recorded ``--sitemaps``
    queues the robots.txt ``Sitemap:`` files of the origins whose robots.txt it fetches: B
    waits first, A crawls origin 0 with ``--sitemaps`` and stops, then ``seed`` adds origin 1,
    which only B fetches (robots.txt included). Before the fix B kept the crawl's meta of its
    start (no sitemaps) and origin 1's ``/maps/extra.xml`` and the pages only it lists were
    never queued."""
    servers = sitemap_sites(tmp_path / "site")
    with servers[0], servers[1]:
        fleet = ("--frontier", redis.url, *QUIET)
        # B's idle exit outlasts A's run and the seed command: the fleet is idle in between
        b = start(
            tmp_path, "b", "worker", "--out", str(tmp_path / "b"), *fleet, "--idle-exit", "20"
        )
        frontier = Frontier(redis.url)
        deadline = time.monotonic() + 120
        while not frontier.counts().workers:
            assert b.poll() is None, finish(b, tmp_path, "b")
            assert time.monotonic() < deadline
            time.sleep(0.05)
        a_args = ("--sitemaps", "--out", str(tmp_path / "a"), "--idle-exit", "2", *fleet)
        a = start(tmp_path, "a", "crawl", servers[0].url + "/", *a_args)
        out_a = finish(a, tmp_path, "a")
        assert a.returncode == 0, out_a
        assert b.poll() is None, finish(b, tmp_path, "b")
        seeded = run_cli("seed", "--frontier", redis.url, servers[1].url + "/")
        assert seeded.returncode == 0, seeded.stderr
        assert "1 origin sitemap(s) queued (--sitemaps)" in seeded.stdout
        out_b = finish(b, tmp_path, "b")
        assert b.returncode == 0, out_b
        counts = access_counts(servers)
    for origin, paths in counts.items():
        for path in SITEMAP_PATHS:
            assert paths[path] == 1, f"{origin}{path} requested {paths[path]} times"
