"""Shared Redis frontier: 1 vs 2 workers, frontier vs single-machine crawl, Redis memory.

Usage (from the repository root; needs ``redis-server`` on the PATH; ~5-10 minutes on the
2-core box)::

    .venv/bin/python benchmarks/distributed.py --origins 4 --pages 1000 --repeats 2 \\
        --memory-urls 100000 --out benchmarks/results/distributed

What runs, per repeat and interleaved (so machine drift hits every configuration alike), against
one server process serving ``--origins`` origins (one port each) of ``--pages`` generated pages
(``benchmarks/crawl_throughput.py``'s pages: ~12 KB, 12 links) with the same settings
(``CONCURRENT_REQUESTS`` = ``..._PER_DOMAIN`` = 16, no delay, WARC on):

* ``single``  — ``clearcrawl crawl SEEDS`` (one process, no Redis);
* ``fleet-1`` — ``clearcrawl crawl SEEDS --frontier redis://…`` (one worker on the frontier);
* ``fleet-2`` — the same plus one ``clearcrawl worker`` started at the same time.

Throughput is pages served / (last request − first request), measured by the server itself, so
interpreter start-up and the workers' idle exit do not count. CPU is user + sys of every crawl
process and its WARC writer (``os.wait4``), plus the redis-server's own CPU over the run; per
1,000 pages. On 2 cores, two workers (each with its WARC writer process) compete for the same
cores as the server and Redis: the CPU per page is the number that carries to bigger machines.

Redis memory (``INFO memory`` ``used_memory`` deltas on an empty server, AOF on) with
``--memory-urls`` realistic URLs: per queued request (queue member + pending fingerprint), per
done URL in the exact set, per URL for the Bloom filter sized for that many at 0.1 %, and per
off-site URL recorded once for the fleet (the ``offsite`` set of 8-byte URL digests).

Results go to ``OUT.json`` and ``OUT.md``. Not run by the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SETTINGS = (
    "-q",
    "-s",
    "CONCURRENT_REQUESTS=16",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=16",
    "-s",
    "CLEARCRAWL_CONTACT=mailto:bench@example.org",
)


def _pages_module() -> Any:
    spec = importlib.util.spec_from_file_location(
        "crawl_throughput", Path(__file__).with_name("crawl_throughput.py")
    )
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# --- the site: several origins in one server process ---------------------------------------
async def _serve(ports: list[int], pages: int) -> None:
    page_html = _pages_module().page_html
    rendered = [page_html(i, pages) for i in range(pages)]
    stats = {"count": 0, "first": 0.0, "last": 0.0}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                target = head.split(b" ", 2)[1].decode("latin-1")
                status, ctype, body = 404, "text/plain", b"not found"
                if target == "/_stats":
                    status, ctype, body = 200, "application/json", json.dumps(stats).encode()
                elif target == "/_reset":
                    stats.update(count=0, first=0.0, last=0.0)
                    status, ctype, body = 200, "application/json", b"{}"
                else:
                    now = time.time()
                    stats["count"] += 1
                    stats["first"] = stats["first"] or now
                    stats["last"] = now
                    if target == "/robots.txt":
                        status, body = 200, b"User-agent: *\nAllow: /\n"
                    elif target == "/":
                        status, ctype, body = 200, "text/html; charset=utf-8", rendered[0]
                    elif target.startswith("/p/"):
                        try:
                            n = int(target[3:])
                        except ValueError:
                            n = -1
                        if 0 <= n < pages:
                            status, ctype, body = 200, "text/html; charset=utf-8", rendered[n]
                reason = "OK" if status == 200 else "Not Found"
                writer.write(
                    f"HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    servers = [await asyncio.start_server(handle, "127.0.0.1", p, backlog=1024) for p in ports]
    await asyncio.gather(*(s.serve_forever() for s in servers))


def start_site(origins: int, pages: int) -> tuple[subprocess.Popen[bytes], list[str]]:
    from tests.support.redisserver import free_port

    ports = [free_port() for _ in range(origins)]
    proc = subprocess.Popen(
        [sys.executable, __file__, "_serve", str(pages), *map(str, ports)], cwd=ROOT
    )
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(urls[0] + "/_stats", timeout=1).read()  # noqa: S310
            return proc, urls
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("benchmark site did not start")


def site_stats(urls: list[str], *, reset: bool = False) -> dict[str, float]:
    path = "/_reset" if reset else "/_stats"
    with urllib.request.urlopen(urls[0] + path, timeout=10) as resp:  # noqa: S310 - local
        return dict(json.loads(resp.read()))


def redis_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- one run ---------------------------------------------------------------------------------
def measure(config: str, urls: list[str], redis: Any, work: Path) -> dict[str, Any]:
    site_stats(urls, reset=True)
    seeds = [u + "/" for u in urls]
    crawl_id = f"bench-{uuid.uuid4().hex[:8]}"
    fleet = ("--frontier", redis.url, "--crawl-id", crawl_id, "--idle-exit", "1")
    cmds = []
    base = [sys.executable, "-m", "crawler"]
    out = work / f"{config}-{time.monotonic_ns()}"
    if config == "single":
        cmds.append([*base, "crawl", *seeds, "--out", str(out / "a"), *SETTINGS])
    else:
        cmds.append([*base, "crawl", *seeds, "--out", str(out / "a"), *fleet, *SETTINGS])
        if config == "fleet-2":
            cmds.append([*base, "worker", "--out", str(out / "b"), *fleet, *SETTINGS])
    redis_cpu0 = redis_cpu_s(redis.proc.pid)
    procs = [
        subprocess.Popen(c, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for c in cmds
    ]
    cpu = 0.0
    for proc in procs:
        _, status, usage = os.wait4(proc.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise RuntimeError(f"{config} failed ({code}): {err[-2000:]}")
        cpu += usage.ru_utime + usage.ru_stime
    redis_cpu = redis_cpu_s(redis.proc.pid) - redis_cpu0
    st = site_stats(urls)
    window = max(1e-6, st["last"] - st["first"])
    warc_bytes = sum(p.stat().st_size for p in out.rglob("*.warc.gz"))
    shutil.rmtree(out, ignore_errors=True)
    return {
        "config": config,
        "requests": int(st["count"]),
        "window_s": round(window, 2),
        "pages_per_s": round(st["count"] / window, 1),
        "crawl_cpu_s": round(cpu, 2),
        "redis_cpu_s": round(redis_cpu, 2),
        "cpu_s_per_1000": round(1000 * (cpu + redis_cpu) / max(1, st["count"]), 2),
        "warc_bytes": warc_bytes,
    }


# --- Redis memory ----------------------------------------------------------------------------
def memory(redis: Any, n: int) -> dict[str, Any]:
    from crawler.distributed.bloom import BloomSpec
    from crawler.distributed.frontier import Frontier
    from crawler.distributed.queue import encode, url_fp

    def used(f: Frontier) -> int:
        return int(f.redis.info("memory")["used_memory"])

    def urls() -> Any:
        for i in range(n):
            yield f"https://www.site{i % 5000}.example/section/{i % 97}/article-{i}.html"

    def push(f: Frontier) -> None:
        batch = []
        for url in urls():
            fp = url_fp(url)
            data = {
                "url": url,
                "callback": "parse",
                "errback": "errback",
                "method": "GET",
                "headers": {},
                "body": b"",
                "cookies": {},
                "meta": {"depth": 3},
                "encoding": "utf-8",
                "priority": -3,
                "dont_filter": False,
                "flags": [],
                "cb_kwargs": {},
            }
            batch.append((fp, 3.0, encode(fp, data)))
            if len(batch) == 1000:
                f.push_many(batch)
                batch = []
        f.push_many(batch)

    def drain(f: Frontier) -> None:
        while True:
            fps = []
            for _ in range(1000):
                m = f.pop("bench", 600)
                if m is None:
                    break
                fps.append(m[:20])
            if not fps:
                return
            f.ack(fps)

    result: dict[str, Any] = {"urls": n}
    exact = Frontier(redis.url, f"mem-{uuid.uuid4().hex[:8]}")
    exact.redis.flushall()
    base = used(exact)
    push(exact)
    queued = used(exact)
    drain(exact)
    done = used(exact)
    result["bytes_per_queued_request"] = round((queued - base) / n, 1)
    result["bytes_per_done_url_exact"] = round((done - base) / n, 1)
    result["member_bytes"] = len(encode(url_fp("https://a.example/"), {"url": "x"}))
    exact.redis.flushall()
    spec = BloomSpec.for_capacity(n, 0.001)
    bloom = Frontier(redis.url, f"mem-{uuid.uuid4().hex[:8]}", bloom=spec)
    base = used(bloom)
    push(bloom)
    drain(bloom)
    result["bytes_per_done_url_bloom"] = round((used(bloom) - base) / n, 1)
    result["bloom_bits_per_url"] = round(spec.keys * spec.bits_per_key / n, 2)
    result["bloom_hashes"] = spec.hashes
    result["bloom_error_rate"] = spec.error_rate
    bloom.redis.flushall()
    # off-site URLs recorded once for the fleet: the spider's 8-byte URL digests in a set
    import hashlib

    offsite = Frontier(redis.url, f"mem-{uuid.uuid4().hex[:8]}")
    base = used(offsite)
    pipe = offsite.redis.pipeline(transaction=False)
    for i, url in enumerate(urls()):
        pipe.sadd(offsite.k_offsite, hashlib.blake2b(url.encode(), digest_size=8).digest())
        if i % 1000 == 999:
            pipe.execute()
    pipe.execute()
    result["bytes_per_offsite_url"] = round((used(offsite) - base) / n, 1)
    offsite.redis.flushall()
    return result


# --- report ----------------------------------------------------------------------------------
def summarize(result: dict[str, Any], command: str) -> str:
    runs = result["runs"]

    def med(config: str, key: str) -> float:
        return float(statistics.median(r[key] for r in runs if r["config"] == config))

    mem = result["memory"]
    rows = [
        f"| {name} | {med(c, 'pages_per_s'):.1f} | {med(c, 'cpu_s_per_1000'):.2f} | "
        f"{med(c, 'redis_cpu_s'):.2f} |"
        for c, name in (
            ("single", "single machine (`clearcrawl crawl`, no Redis)"),
            ("fleet-1", "1 worker on the Redis frontier"),
            ("fleet-2", "2 workers on the Redis frontier"),
        )
    ]
    return "\n".join(
        [
            "# Shared frontier benchmark",
            "",
            f"Command: `{command}`",
            "",
            (
                f"Machine: {result['machine']}; {result['origins']} origins x {result['pages']} "
                f"pages; {result['repeats']} interleaved repeats; medians."
            ),
            "",
            (
                "| configuration | pages/s | CPU s / 1000 pages (crawl + writer + Redis) "
                "| Redis CPU s per run |"
            ),
            "|---|---:|---:|---:|",
            *rows,
            "",
            (
                f"- 2 workers / 1 worker: **{med('fleet-2', 'pages_per_s') / med('fleet-1', 'pages_per_s'):.2f}** "
                "(pages/s)"
            ),
            (
                f"- Redis frontier (1 worker) / single-machine crawl: "
                f"**{med('fleet-1', 'pages_per_s') / med('single', 'pages_per_s'):.2f}** (pages/s), "
                f"CPU per page {med('fleet-1', 'cpu_s_per_1000') / med('single', 'cpu_s_per_1000'):.2f}x"
            ),
            "",
            f"Redis memory at {mem['urls']:,} URLs (`used_memory` deltas):",
            "",
            "| what | bytes per URL |",
            "|---|---:|",
            f"| queued request (queue member + pending fingerprint) | {mem['bytes_per_queued_request']} |",
            f"| done URL, exact set (20-byte fingerprint) | {mem['bytes_per_done_url_exact']} |",
            (
                f"| done URL, Bloom filter at {mem['bloom_error_rate']:.1%} "
                f"({mem['bloom_bits_per_url']} bits, {mem['bloom_hashes']} hashes) | "
                f"{mem['bytes_per_done_url_bloom']} |"
            ),
            (
                "| off-site URL recorded for the fleet (8-byte digest in a set) | "
                f"{mem.get('bytes_per_offsite_url', '')} |"
            ),
            "",
        ]
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_serve":
        asyncio.run(_serve([int(p) for p in sys.argv[3:]], int(sys.argv[2])))
        return
    from tests.support.redisserver import RedisServer

    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--origins", type=int, default=4)
    ap.add_argument("--pages", type=int, default=1000, help="pages per origin")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--memory-urls", type=int, default=100_000)
    ap.add_argument("--configs", default="single,fleet-1,fleet-2")
    ap.add_argument("--out", default="benchmarks/results/distributed")
    args = ap.parse_args()
    command = "python " + " ".join(["benchmarks/distributed.py", *sys.argv[1:]])
    work = Path(tempfile.mkdtemp(prefix="clearcrawl-dist-bench-"))
    result: dict[str, Any] = {
        "machine": f"{platform.platform()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "origins": args.origins,
        "pages": args.pages,
        "repeats": args.repeats,
        "runs": [],
    }
    with RedisServer(work / "redis") as redis:
        site, urls = start_site(args.origins, args.pages)
        try:
            for r in range(args.repeats):
                for config in args.configs.split(","):
                    run = measure(config, urls, redis, work)
                    run["repeat"] = r
                    print(json.dumps(run), flush=True)
                    result["runs"].append(run)
        finally:
            site.kill()
        result["memory"] = memory(redis, args.memory_urls)
        print(json.dumps(result["memory"]), flush=True)
    shutil.rmtree(work, ignore_errors=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    out.with_suffix(".md").write_text(summarize(result, command))
    print(summarize(result, command))


if __name__ == "__main__":
    main()
