"""Page decisions in detector processes (crawler/offload.py) decide exactly as in-line.

Real crawls of real local servers, once with ``CLEARCRAWL_OFFLOAD_WORKERS=0`` (in-line, on the
reactor thread) and once with detector processes: the decisions log and the WARC records must be
identical apart from timestamps and record ids. Then the fail-closed paths (a timeout, a killed
worker) and the shutdown (no process left behind, Ctrl-C included).
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.exchange import Exchange, utc_now
from crawler.offload import DecideContext, OffloadPool, PageJob, decide_page
from filters.policy import DEFAULT_POLICY
from filters.rsl import NO_CONTEXT
from filters.tokens import honored_tokens
from tests.support.helpers import ROOT, SITES, read_decisions, run_cli

#: One request at a time, breadth-first: which of two identical payloads is stored (the other
#: becomes a revisit) and which page first links an off-site URL follow link order in both runs.
ORDERED = (
    *("-s", "CONCURRENT_REQUESTS=1"),
    *("-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"),
    *("-s", "DEPTH_PRIORITY=1"),
    *("-s", "SCHEDULER_MEMORY_QUEUE=scrapy.squeues.FifoMemoryQueue"),
)
#: Values that differ between any two runs: instants and fresh record ids.
VOLATILE_KEYS = frozenset(
    {
        "decided_at",
        "fetched_at",
        "started_at",
        "request_record_id",
        "response_record_id",
        "metadata_record_id",
    }
)
VOLATILE_WARC = frozenset(
    {
        "WARC-Date",
        "WARC-Record-ID",
        "WARC-Concurrent-To",
        "WARC-Refers-To",
        "WARC-Refers-To-Date",
        "WARC-Warcinfo-ID",
        "WARC-Filename",
        # a metadata record's block is the decision JSON, whose instants and ids differ
        "WARC-Block-Digest",
        "Content-Length",
    }
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve_benchmark_site(pages: int) -> Iterator[str]:
    """The crawl benchmark's own generated site (benchmarks/crawl_throughput.py)."""
    port = _free_port()
    script = str(ROOT / "benchmarks" / "crawl_throughput.py")
    proc = subprocess.Popen([sys.executable, script, "_serve", str(port), str(pages)])
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        proc.wait()


@pytest.fixture
def benchmark_site() -> Iterator[str]:
    """The benchmark site with 300 pages."""
    with serve_benchmark_site(300) as url:
        yield url


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in VOLATILE_KEYS}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def decisions_view(out: Path) -> list[str]:
    """Every decision of the log, instants and ids removed, in a canonical order."""
    return sorted(json.dumps(_strip(r), sort_keys=True) for r in read_decisions(out))


def warc_view(out: Path) -> list[str]:
    """Every WARC record (type, fields, HTTP head, payload), instants and ids removed.

    One thing is left to timing in any crawl: when two captures carry the same payload (the
    identical 404 page of ``/ai.txt`` and ``/.well-known/tdmrep.json``, fetched at the same
    time), whichever is written first is the ``response`` and the other its ``revisit``. The
    captures of such a payload are compared as (URI, HTTP head, payload digest) only; every
    other record is compared whole.
    """
    records = []
    shared: set[str] = set()  # payload digests some revisit refers to
    for path in sorted((out / "warc").glob("*.warc.gz")):
        with path.open("rb") as fh:
            for rec in ArchiveIterator(fh):
                digest = rec.rec_headers.get_header("WARC-Payload-Digest") or ""
                if rec.rec_type == "revisit":
                    shared.add(digest)
                fields = sorted(
                    (k, v)
                    for k, v in rec.rec_headers.headers
                    if k not in VOLATILE_WARC
                    # a metadata record's payload is the decision JSON: compared below, stripped
                    and not (rec.rec_type == "metadata" and k == "WARC-Payload-Digest")
                )
                http = None
                if rec.http_headers is not None:
                    # the server's own clock (Date) is an instant too
                    http = [
                        rec.http_headers.protocol,
                        rec.http_headers.statusline,
                        sorted((k, v) for k, v in rec.http_headers.headers if k.lower() != "date"),
                    ]
                payload = rec.content_stream().read()
                body: Any
                if rec.rec_type == "metadata":
                    body = _strip(json.loads(payload))
                elif rec.rec_type == "warcinfo":
                    body = payload.decode("utf-8")
                else:
                    body = payload.hex()
                uri = rec.rec_headers.get_header("WARC-Target-URI")
                records.append((rec.rec_type, digest, uri, fields, http, body))
    view = []
    for rec_type, digest, uri, fields, http, body in records:
        if rec_type in ("response", "revisit") and digest in shared:
            view.append(json.dumps(["capture of a shared payload", uri, http, digest]))
        else:
            view.append(json.dumps([rec_type, fields, http, body], sort_keys=True))
    return sorted(view)


#: the detector processes start with the crawl (by default only after 100 pages in-line)
FROM_START = ("-s", "CLEARCRAWL_OFFLOAD_AFTER_PAGES=0")


def _crawl(out: Path, seed: str, *settings: str) -> subprocess.CompletedProcess[str]:
    proc = run_cli("crawl", seed, "--out", str(out), "--quiet", *ORDERED, *settings)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def _compare_modes(tmp_path: Path, seed: str) -> list[dict[str, Any]]:
    inline, offloaded = tmp_path / "inline", tmp_path / "offloaded"
    _crawl(inline, seed, "-s", "CLEARCRAWL_OFFLOAD_WORKERS=0")
    _crawl(offloaded, seed, "-s", "CLEARCRAWL_OFFLOAD_WORKERS=2", *FROM_START)
    assert decisions_view(offloaded) == decisions_view(inline)
    assert warc_view(offloaded) == warc_view(inline)
    stats = json.loads((offloaded / "crawl-stats.json").read_text())
    assert stats["clearcrawl/offload/workers"] == 2
    assert stats["clearcrawl/offload/failed"] == 0
    # the crawl's first pages are decided in-line while the workers import the detectors
    assert stats["clearcrawl/offload/decided"] + stats["clearcrawl/offload/decided_inline"] > 0
    assert "clearcrawl/offload/workers" not in json.loads((inline / "crawl-stats.json").read_text())
    return read_decisions(offloaded)


def test_benchmark_site_offloaded_decides_as_in_line(tmp_path: Path, benchmark_site: str) -> None:
    records = _compare_modes(tmp_path, benchmark_site)
    pages = [r for r in records if r.get("kind") == "page" and r["outcome"] != "not-fetched"]
    # every page reached ("/" and "/p/0" serve the same page): the links came from the workers
    assert len(pages) == 301
    stats = json.loads((tmp_path / "offloaded" / "crawl-stats.json").read_text())
    assert stats["clearcrawl/offload/decided"] > 0  # most went through the detector processes
    assert {r["outcome"] for r in pages} == {"exported-candidate", "excluded"}


GRANTS = """
[[grants]]
id = "AGR-1"
counterparty = "Example Publisher"
document_sha256 = "{doc}"
origin = "{origin}"
permits = ["ai-train"]
valid_from = 2020-01-01
valid_until = 2099-12-31
attribution = "Example Publisher, licensed for AI training under AGR-1"
overrides = []
"""


@pytest.mark.parametrize(
    "site", ["demo", "rsl-inline", "rights-robots", "rights-xrobots", "grants-publisher"]
)
def test_fixture_sites_offloaded_decide_as_in_line(tmp_path: Path, site: str) -> None:
    from crawler.demo.server import SiteServer, demo_site_dir

    root = demo_site_dir() if site == "demo" else SITES / site
    with SiteServer(root) as server:
        extra: tuple[str, ...] = ()
        if site == "grants-publisher":  # pages admitted under an agreement (keep_body, grant)
            grants = tmp_path / "grants.toml"
            grants.write_text(GRANTS.format(doc="c" * 64, origin=server.url))
            extra = ("--grants", str(grants))
        inline, offloaded = tmp_path / "inline", tmp_path / "offloaded"
        _crawl(inline, server.url + "/", *extra, "-s", "CLEARCRAWL_OFFLOAD_WORKERS=0")
        _crawl(
            offloaded, server.url + "/", *extra, "-s", "CLEARCRAWL_OFFLOAD_WORKERS=2", *FROM_START
        )
        assert decisions_view(offloaded) == decisions_view(inline)
        assert warc_view(offloaded) == warc_view(inline)
        if site == "grants-publisher":
            assert any("grant" in r for r in read_decisions(offloaded))


def test_detector_processes_start_only_after_the_first_pages(
    tmp_path: Path, benchmark_site: str
) -> None:
    """A small crawl never starts them; a larger one decides N pages in-line, then offloads."""
    small = tmp_path / "small"
    _crawl(small, benchmark_site, "-s", "CLEARCRAWL_OFFLOAD_AFTER_PAGES=1000")
    stats = json.loads((small / "crawl-stats.json").read_text())
    assert stats["clearcrawl/offload/decided"] == 0
    assert stats["clearcrawl/offload/process_cpu_s"] == 0  # no process was started
    assert stats["clearcrawl/offload/decided_inline"] >= 300
    later = tmp_path / "later"
    _crawl(later, benchmark_site, "-s", "CLEARCRAWL_OFFLOAD_AFTER_PAGES=20")
    stats = json.loads((later / "crawl-stats.json").read_text())
    assert stats["clearcrawl/offload/decided_inline"] >= 20
    assert stats["clearcrawl/offload/decided"] > 0
    assert decisions_view(later) == decisions_view(small)


def test_a_timeout_excludes_the_page_and_never_admits_it(tmp_path: Path) -> None:
    out = tmp_path / "crawl"
    with serve_benchmark_site(3000) as seed:
        # No page can be decided in a microsecond: every page sent to a worker times out. The
        # first pages are decided in-line while the workers start, and only their links are
        # followed (a page excluded this way offers none).
        proc = run_cli(
            *("crawl", seed, "--out", str(out), "--quiet"),
            *("-s", "CLEARCRAWL_OFFLOAD_TIMEOUT=0.000001", *FROM_START),
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    stats = json.loads((out / "crawl-stats.json").read_text())
    # Timed out, or queued on a worker killed for another page's timeout (WorkerLost).
    failed = [
        r
        for r in read_decisions(out)
        if any(x.startswith("detector-error:offload:") for x in r.get("reasons", ()))
    ]
    assert stats["clearcrawl/offload/decided"] > 0
    assert len(failed) == stats["clearcrawl/offload/failed"] > 0
    assert any(r["reasons"][0] == "detector-error:offload:TimeoutError" for r in failed)
    for rec in failed:
        assert rec["outcome"] == "excluded"
        assert rec["reasons"][0] in (
            "detector-error:offload:TimeoutError",
            "detector-error:offload:WorkerLost",
        )
        assert set(rec["reasons"][1:]) <= {
            "detector-missing:license",
            "detector-missing:paywall",
            "detector-missing:optout",
        }
        assert rec["fetch"]["body_stored"] is False  # nothing known about opt-outs: withheld


def _job(body: bytes) -> PageJob:
    ex = Exchange(
        url="http://127.0.0.1/p",
        method="GET",
        request_headers=[],
        request_body=b"",
        status=200,
        response_headers=[(b"Content-Type", b"text/html; charset=utf-8")],
        body=body,
        started_at=utc_now(),
    )
    return PageJob(
        exchange=ex, url=ex.url, status=200, headers=ex.response_headers, body=body, prefetch=None
    )


def test_a_killed_worker_excludes_its_pages_and_is_replaced() -> None:
    ctx = DecideContext(policy=DEFAULT_POLICY, tokens=honored_tokens(), rsl_context=NO_CONTEXT)
    job = _article_job()
    expected = decide_page(job, ctx)

    async def scenario() -> tuple[Any, Any, Any]:
        pool = OffloadPool(ctx, 1, timeout_s=30)
        try:
            first = await _verdict_when_ready(pool, job)
            worker = pool._workers[0]
            in_flight = asyncio.ensure_future(pool.decide(job))
            await asyncio.sleep(0)  # sent: decide() now awaits the answer
            worker.proc.kill()
            lost = await in_flight
            # If the worker answered before the kill landed, its end is seen only when the
            # pipe closes: a page sent before that would be lost too (excluded, fail closed).
            deadline = time.monotonic() + 60
            while worker.alive:
                assert time.monotonic() < deadline, "the killed worker's end was never seen"
                await asyncio.sleep(0.01)
            again = await _verdict_when_ready(pool, job)
            assert pool._workers[0] is not worker  # replaced
            return first, lost, again
        finally:
            await pool.aclose()

    first, lost, again = asyncio.run(scenario())
    assert first.built.record["outcome"] == expected.built.record["outcome"] == "exported-candidate"
    assert first.built.line == first.built.line.strip()  # one JSON line
    assert first.links == expected.links
    # Killed with the page in flight: excluded as lost (fail closed), unless it answered first.
    assert lost.built.record["outcome"] in ("excluded", "exported-candidate")
    if lost.built.record["outcome"] == "excluded":
        assert lost.built.record["reasons"][0] == "detector-error:offload:WorkerLost"
        assert lost.links is None
    assert again.built.record["outcome"] == "exported-candidate"


def test_ctrl_c_leaves_no_process_behind(tmp_path: Path) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "crawl_throughput.py"),
            "_serve",
            str(port),
            "20000",
        ]
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        out = tmp_path / "crawl"
        crawl = subprocess.Popen(
            [
                *(sys.executable, "-m", "crawler", "crawl", f"http://127.0.0.1:{port}/"),
                *("--out", str(out), "--quiet", "-s", "CLEARCRAWL_OFFLOAD_WORKERS=2", *FROM_START),
            ],
            cwd=ROOT,
            start_new_session=True,  # its own process group: the crawl and every child
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        pgid = crawl.pid
        log = out / "decisions.jsonl.gz"
        deadline = time.monotonic() + 120
        while not (log.exists() and log.stat().st_size > 20_000):  # pages are being decided
            assert crawl.poll() is None, crawl.stderr.read().decode() if crawl.stderr else ""
            assert time.monotonic() < deadline
            time.sleep(0.1)
        os.killpg(pgid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
        crawl.wait(timeout=120)
        deadline = time.monotonic() + 30
        while True:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                break  # nothing of the group is left: no worker, no WARC writer
            assert time.monotonic() < deadline, "a child of the crawl outlived it"
            time.sleep(0.1)
        with gzip.open(log, "rt", encoding="utf-8") as fh:
            lines = [json.loads(line) for line in fh if line.strip()]
        assert any(r.get("reasons") == ["no-license"] for r in lines)
    finally:
        server.terminate()
        server.wait()


def test_link_cache_stays_small_however_many_distinct_links() -> None:
    # Links seen once (most of a big site's) must not fill a cache of several MB per detector
    # process: the cache is an LRU of a bounded, small size, measured here as allocated memory.
    import tracemalloc

    from crawler.offload import _safe_absolute, normalize_link

    _safe_absolute.cache_clear()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(20_000):
            assert normalize_link("http://127.0.0.1:1/", f"/p/{i}#x") == f"http://127.0.0.1:1/p/{i}"
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
        _safe_absolute.cache_clear()
    assert held < 1_500_000


# --- fewer processes (issue 17: the crawl's memory, its children included) ------------------
def test_the_first_detector_runs_in_the_warc_writer_and_decides_as_in_line(
    tmp_path: Path, benchmark_site: str
) -> None:
    inline, hosted = tmp_path / "inline", tmp_path / "hosted"
    _crawl(inline, benchmark_site, "-s", "CLEARCRAWL_OFFLOAD_WORKERS=0")
    _crawl(hosted, benchmark_site, "-s", "CLEARCRAWL_OFFLOAD_WORKERS=1", *FROM_START)
    assert decisions_view(hosted) == decisions_view(inline)
    assert warc_view(hosted) == warc_view(inline)
    stats = json.loads((hosted / "crawl-stats.json").read_text())
    assert stats["clearcrawl/offload/hosted"] == 1  # a thread of the WARC writer process
    assert stats["clearcrawl/offload/processes_started"] == 0  # and no detector process
    assert stats["clearcrawl/offload/decided"] > 0
    assert stats["clearcrawl/offload/failed"] == 0
    # With CLEARCRAWL_OFFLOAD_IN_WRITER off, the detector is a process of its own again.
    separate = tmp_path / "separate"
    _crawl(
        separate,
        benchmark_site,
        *("-s", "CLEARCRAWL_OFFLOAD_WORKERS=1", "-s", "CLEARCRAWL_OFFLOAD_IN_WRITER=False"),
        *FROM_START,
    )
    stats = json.loads((separate / "crawl-stats.json").read_text())
    assert stats["clearcrawl/offload/hosted"] == 0
    assert stats["clearcrawl/offload/processes_started"] == 1
    assert decisions_view(separate) == decisions_view(inline)


def _article_job() -> PageJob:
    return _job(
        b"<html><body><main><p>" + b"Words of an article. " * 40 + b"</p></main><footer>"
        b'<a rel="license" href="https://creativecommons.org/licenses/by/4.0/">CC BY</a>'
        b"</footer></body></html>"
    )


async def _verdict_when_ready(pool: OffloadPool, job: PageJob) -> Any:
    # None while no detector has imported the detectors yet (the crawl decides in-line then)
    deadline = time.monotonic() + 60
    while True:
        verdict = await pool.decide(job)
        if verdict is not None:
            return verdict
        assert time.monotonic() < deadline, "no detector became ready"
        await asyncio.sleep(0.05)


def test_the_pool_starts_one_detector_and_adds_one_only_when_backlogged() -> None:
    ctx = DecideContext(policy=DEFAULT_POLICY, tokens=honored_tokens(), rsl_context=NO_CONTEXT)
    job = _article_job()

    async def one_at_a_time() -> int:
        pool = OffloadPool(ctx, 2, timeout_s=30, grow_backlog=2, grow_after=3)
        try:
            for _ in range(20):  # never more than one page waiting: one detector suffices
                await _verdict_when_ready(pool, job)
            return pool.started
        finally:
            await pool.aclose()

    async def many_at_once() -> int:
        pool = OffloadPool(ctx, 2, timeout_s=30, grow_backlog=2, grow_after=3)
        try:
            await _verdict_when_ready(pool, job)
            for _ in range(3):  # 40 pages at once: every worker backlogged, page after page
                verdicts = await asyncio.gather(*(pool.decide(job) for _ in range(40)))
                assert all(v is None or v.built is not None for v in verdicts)
            return pool.started
        finally:
            await pool.aclose()

    assert asyncio.run(one_at_a_time()) == 1
    assert asyncio.run(many_at_once()) == 2  # grown to CLEARCRAWL_OFFLOAD_WORKERS, no further


def test_a_killed_writer_hosting_the_detector_excludes_its_pages(tmp_path: Path) -> None:
    """The WARC writer process running the detector thread dies: its pages are excluded.

    Fail closed; a detector process takes over (a crawl stops on its lost writer: the test
    below).
    """
    import pickle

    ctx = DecideContext(policy=DEFAULT_POLICY, tokens=honored_tokens(), rsl_context=NO_CONTEXT)
    job = _article_job()
    expected = decide_page(job, ctx)
    jobs_r, jobs_w = os.pipe()
    answers_r, answers_w = os.pipe()
    writer = subprocess.Popen(
        [sys.executable, "-m", "crawler.warcprocess"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        pass_fds=(jobs_r, answers_w),
        cwd=ROOT,
    )
    os.close(jobs_r)
    os.close(answers_w)
    config = {
        "directory": str(tmp_path / "warc"),
        "host": "test",
        "cdxj": False,
        "wacz": False,
        "detector_fds": (jobs_r, answers_w),
    }
    assert writer.stdin is not None
    writer.stdin.write(pickle.dumps(config))
    writer.stdin.flush()

    async def scenario() -> tuple[Any, Any, Any, int]:
        pool = OffloadPool(ctx, 1, timeout_s=30)
        assert pool.host(writer, os.fdopen(jobs_w, "wb"), os.fdopen(answers_r, "rb"))
        try:
            first = await _verdict_when_ready(pool, job)
            assert pool.hosted == 1  # decided in the writer process
            assert pool.started == 0
            in_flight = asyncio.ensure_future(pool.decide(job))
            await asyncio.sleep(0)
            writer.kill()
            lost = await in_flight
            deadline = time.monotonic() + 60
            while pool._workers[0].alive:
                assert time.monotonic() < deadline, "the killed writer's end was never seen"
                await asyncio.sleep(0.01)
            again = await _verdict_when_ready(pool, job)
            return first, lost, again, pool.started
        finally:
            await pool.aclose()
            writer.wait()

    first, lost, again, started = asyncio.run(scenario())
    assert first.built.record["outcome"] == expected.built.record["outcome"]
    assert first.links == expected.links
    assert lost.built.record["outcome"] in ("excluded", "exported-candidate")
    if lost.built.record["outcome"] == "excluded":
        assert lost.built.record["reasons"][0] == "detector-error:offload:WorkerLost"
        assert lost.links is None
    assert again.built.record["outcome"] == "exported-candidate"
    assert started == 1  # a detector process replaced the lost thread


def _children(pid: int) -> dict[int, bytes]:
    """pid -> command line of every child of ``pid``."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if int(stat[stat.rfind(")") + 2 :].split()[1]) == pid:
                out[int(entry.name)] = (entry / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
    return out


@pytest.mark.slow
def test_a_crawl_whose_writer_and_detector_process_dies_stops_and_admits_nothing_unarchived(
    tmp_path: Path,
) -> None:
    out = tmp_path / "crawl"
    with serve_benchmark_site(20000) as seed:
        crawl = subprocess.Popen(
            [
                *(sys.executable, "-m", "crawler", "crawl", seed),
                *("--out", str(out), "--quiet", "-s", "CLEARCRAWL_OFFLOAD_WORKERS=1", *FROM_START),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        log = out / "decisions.jsonl.gz"
        deadline = time.monotonic() + 120
        while not (log.exists() and log.stat().st_size > 20_000):  # pages are being decided
            assert crawl.poll() is None, crawl.stderr.read().decode() if crawl.stderr else ""
            assert time.monotonic() < deadline
            time.sleep(0.1)
        writers = [p for p, cmd in _children(crawl.pid).items() if b"crawler.warcprocess" in cmd]
        assert len(writers) == 1
        # the only detector: no detector process of its own
        assert not any(b"crawler.offload" in cmd for cmd in _children(crawl.pid).values())
        os.kill(writers[0], signal.SIGKILL)
        crawl.wait(timeout=120)
    assert crawl.returncode != 0  # no archive, no evidence: a failed run
    stats = json.loads((out / "crawl-stats.json").read_text())
    assert stats["finish_reason"] == "warc_error"
    assert "clearcrawl/warc/error" in stats
    with gzip.open(log, "rt", encoding="utf-8") as fh:
        lines = [json.loads(line) for line in fh if line.strip()]
    lost = [r for r in lines if "detector-error:offload:WorkerLost" in r.get("reasons", ())]
    for rec in lost:  # pages the dying process was deciding: excluded, never admitted
        assert rec["outcome"] == "excluded"
        assert rec["fetch"]["body_stored"] is False
