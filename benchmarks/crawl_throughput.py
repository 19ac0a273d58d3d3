"""Crawl throughput: clearcrawl (WARC on) vs plain Scrapy on the same generated site.

Usage (from the repository root; takes ~15-25 minutes on the 2-core box)::

    .venv/bin/python benchmarks/crawl_throughput.py --pages 10000 --repeats 3 \\
        --memory-sizes 2500,10000 --out benchmarks/results/crawl_throughput

What runs, per repeat and interleaved (so machine drift hits every configuration alike):

* ``plain``      — a bare Scrapy spider following every ``<a href>`` (nothing else enabled
  beyond Scrapy's defaults);
* ``clearcrawl`` — ``clearcrawl crawl`` as shipped: policy files, rights detectors on every
  page, decisions log, WARC writing (request/response/metadata, gzip), CDXJ index;
* ``no-warc``    — the same clearcrawl crawl with the WARC extension removed from the add-on,
  to separate the cost of archiving from the cost of the rights detectors.

All three use the same concurrency (``CONCURRENT_REQUESTS`` = ``..._PER_DOMAIN`` = 16, no delay)
against one origin served by a small asyncio HTTP/1.1 server in its own process (keep-alive,
pages generated on the fly: ~12 KB of text, 12 links each, a tree that reaches every page).
Throughput is responses / ``elapsed_time_seconds`` from Scrapy's own stats (interpreter start-up
excluded). Peak RSS is the crawl process's ``ru_maxrss`` (``os.wait4``), measured at two site
sizes to show whether memory grows with the crawl.

Results go to ``OUT.json`` (every run) and ``OUT.md`` (medians and ratios). Not run by the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONCURRENCY = 16
WORDS = [
    "harbour",
    "tide",
    "ferry",
    "lantern",
    "gull",
    "pier",
    "rope",
    "anchor",
    "drift",
    "shoal",
    "current",
    "beacon",
    "kelp",
    "dune",
    "marsh",
    "heron",
    "cove",
    "reef",
    "squall",
    "brine",
    "keel",
    "mast",
    "sail",
    "spray",
    "foam",
    "pebble",
    "lagoon",
    "estuary",
    "river",
    "bridge",
    "market",
    "street",
    "school",
    "library",
    "garden",
    "meadow",
    "orchard",
    "valley",
    "ridge",
    "summit",
    "forest",
    "quarry",
]


# --- the site ---------------------------------------------------------------------------
def page_html(i: int, pages: int) -> bytes:
    rng = random.Random(i)  # noqa: S311 - deterministic filler
    children = [c for c in range(10 * i + 1, 10 * i + 11) if c < pages]
    cross = [rng.randrange(pages) for _ in range(2)]
    links = "".join(f'<li><a href="/p/{c}">Page {c}</a></li>' for c in children + cross)
    paras = "".join(
        "<p>" + " ".join(rng.choice(WORDS) for _ in range(120)) + ".</p>" for _ in range(16)
    )
    licence = (
        '<footer><a rel="license" href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a></footer>'
        if i % 3 == 0
        else "<footer>All rights reserved.</footer>"
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Page {i}</title></head>'
        f"<body><header><nav><a href='/'>Home</a></nav></header><main><article><h1>Page {i}</h1>"
        f"{paras}</article><ul>{links}</ul></main>{licence}</body></html>"
    ).encode()


async def _serve(port: int, pages: int) -> None:
    # Rendered once, up front: serving must cost next to nothing, since the server shares the
    # two cores with the crawler under test.
    rendered = [page_html(i, pages) for i in range(pages)]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                target = head.split(b" ", 2)[1].decode("latin-1")
                status, ctype, body = 404, "text/plain", b"not found"
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

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(pages: int) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, __file__, "_serve", str(port), str(pages)])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("benchmark server did not start")


# --- the crawlers (each run in its own process) ------------------------------------------
def _run_plain(url: str, stats_out: str) -> None:
    import scrapy
    from scrapy.crawler import CrawlerProcess

    class PlainSpider(scrapy.Spider):
        name = "plain"
        start_urls = (url + "/",)

        def parse(self, response: Any) -> Any:
            for href in response.xpath("//a/@href").getall():
                yield response.follow(href, callback=self.parse)

    process = CrawlerProcess(
        {
            "CONCURRENT_REQUESTS": CONCURRENCY,
            "CONCURRENT_REQUESTS_PER_DOMAIN": CONCURRENCY,
            "DOWNLOAD_DELAY": 0,
            "LOG_LEVEL": "WARNING",
            "TELNETCONSOLE_ENABLED": False,
        }
    )
    crawler = process.create_crawler(PlainSpider)
    process.crawl(crawler)
    process.start()
    Path(stats_out).write_text(json.dumps(crawler.stats.get_stats(), default=str))


def _run_clearcrawl(url: str, out: str, warc: bool) -> None:
    import crawler.addon
    from crawler.cli import main

    if not warc:
        crawler.addon.EXTENSIONS.pop("crawler.extensions.warc.WarcWriterExtension")
    sys.exit(
        main(
            [
                *("crawl", url + "/", "--out", out, "--quiet"),
                *("-s", f"CONCURRENT_REQUESTS={CONCURRENCY}"),
                *("-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={CONCURRENCY}"),
            ]
        )
    )


def measure(config: str, url: str, work: Path) -> dict[str, Any]:
    """Run one crawl in a child process; return throughput and peak RSS."""
    out = work / f"{config}-{time.monotonic_ns()}"
    if config == "plain":
        out.mkdir(parents=True)
        stats_file = out / "stats.json"
        cmd = [sys.executable, __file__, "_plain", url, str(stats_file)]
    else:
        stats_file = out / "crawl-stats.json"
        cmd = [
            sys.executable,
            __file__,
            "_clearcrawl",
            url,
            str(out),
            "1" if config == "clearcrawl" else "0",
        ]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise RuntimeError(f"{config} crawl failed ({proc.returncode}): {err[-2000:]}")
    stats = json.loads(stats_file.read_text())
    responses = int(stats.get("response_received_count", 0))
    elapsed = float(stats["elapsed_time_seconds"])
    warc_bytes = (
        sum(p.stat().st_size for p in (out / "warc").glob("*.warc.gz"))
        if config == "clearcrawl"
        else 0
    )
    shutil.rmtree(out, ignore_errors=True)
    return {
        "config": config,
        "responses": responses,
        "elapsed_s": round(elapsed, 2),
        "wall_s": round(wall, 2),
        "pages_per_s": round(responses / elapsed, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "writer_peak_rss_mb": float(stats.get("clearcrawl/warc/process_peak_rss_mb", 0.0)),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "warc_bytes": warc_bytes,
        "warc_thread_cpu_s": float(stats.get("clearcrawl/warc/thread_cpu_s", 0.0))
        + float(stats.get("clearcrawl/warc/process_cpu_s", 0.0)),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    configs = ["plain", "clearcrawl", "no-warc"]
    work = Path(tempfile.mkdtemp(prefix="cc-bench-"))
    runs: list[dict[str, Any]] = []
    memory: list[dict[str, Any]] = []
    try:
        server, url = start_server(args.pages)
        try:
            for rep in range(args.repeats):
                order = configs if rep % 2 == 0 else configs[::-1]
                for config in order:
                    r = measure(config, url, work) | {"pages": args.pages, "repeat": rep}
                    print(json.dumps(r), flush=True)
                    runs.append(r)
        finally:
            server.terminate()
            server.wait()
        for size in args.memory_sizes:
            server, url = start_server(size)
            try:
                for config in ("plain", "clearcrawl"):
                    r = measure(config, url, work) | {"pages": size}
                    print(json.dumps(r), flush=True)
                    memory.append(r)
            finally:
                server.terminate()
                server.wait()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"runs": runs, "memory": memory}


def summarize(result: dict[str, Any], args: argparse.Namespace, command: str) -> str:
    med = {
        c: statistics.median(r["pages_per_s"] for r in result["runs"] if r["config"] == c)
        for c in ("plain", "clearcrawl", "no-warc")
    }

    # Ratios per repeat (same minutes of machine time), then the median of those.
    def ratio(a: str, b: str) -> float:
        vals = []
        for rep in range(args.repeats):
            ra = next(r for r in result["runs"] if r["config"] == a and r["repeat"] == rep)
            rb = next(r for r in result["runs"] if r["config"] == b and r["repeat"] == rep)
            vals.append(ra["pages_per_s"] / rb["pages_per_s"])
        return round(statistics.median(vals), 3)

    def wall_ratio(a: str, b: str) -> float:
        vals = []
        for rep in range(args.repeats):
            ra = next(r for r in result["runs"] if r["config"] == a and r["repeat"] == rep)
            rb = next(r for r in result["runs"] if r["config"] == b and r["repeat"] == rep)
            vals.append(rb["wall_s"] / ra["wall_s"])
        return round(statistics.median(vals), 3)

    r_full = ratio("clearcrawl", "plain")
    r_warc = ratio("clearcrawl", "no-warc")
    r_rights = ratio("no-warc", "plain")
    lines = [
        "# Crawl throughput: clearcrawl vs plain Scrapy",
        "",
        f"Command: `{command}`",
        "",
        (
            f"Machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
            f"site of {args.pages} generated pages (~12 KB, 12 links each) from a local asyncio server; "
            f"concurrency {CONCURRENCY} for every configuration; {args.repeats} interleaved repeats; medians."
        ),
        "",
        "| configuration | pages/s (median) | vs plain Scrapy |",
        "|---|---:|---:|",
        f"| plain Scrapy (follow every link) | {med['plain']:.1f} | 1.00 |",
        f"| clearcrawl, WARC off (rights detectors, decisions log) | {med['no-warc']:.1f} | {r_rights:.2f} |",
        f"| clearcrawl as shipped (WARC on) | {med['clearcrawl']:.1f} | {r_full:.2f} |",
        "",
        f"- Full clearcrawl / plain Scrapy: **{r_full:.2f}** (target ≥ 0.75).",
        f"- WARC on / WARC off (the cost of archiving alone): **{r_warc:.2f}**.",
        f"- Rights layer without WARC / plain Scrapy: **{r_rights:.2f}**.",
        (
            f"- Same ratios from whole-process wall time (start-up and closing included: CDXJ "
            f"indexing of the last WARC happens at close): full/plain "
            f"{wall_ratio('clearcrawl', 'plain'):.2f}, WARC on/off {wall_ratio('clearcrawl', 'no-warc'):.2f}."
        ),
        "",
        (
            "CPU time of the crawl per 1000 responses (user + sys of the crawl process and its WARC "
            "writer process; less noisy than wall-clock rates on a shared machine), and the part "
            "spent on WARC writing (sender thread + writer process, which runs on the second core):"
        ),
        "",
        "| configuration | CPU s / 1000 pages | WARC writer CPU s / 1000 pages |",
        "|---|---:|---:|",
    ]
    for c in ("plain", "no-warc", "clearcrawl"):
        rs = [r for r in result["runs"] if r["config"] == c]
        cpu = statistics.median(1000 * r["cpu_s"] / r["responses"] for r in rs)
        wt = statistics.median(1000 * r["warc_thread_cpu_s"] / r["responses"] for r in rs)
        lines.append(f"| {c} | {cpu:.2f} | {wt:.2f} |")
    lines += [
        "",
        "Peak RSS of the crawl process (`ru_maxrss`) at two site sizes:",
        "",
        "| pages | plain Scrapy MB | clearcrawl crawl process MB | clearcrawl WARC writer process MB |",
        "|---:|---:|---:|---:|",
    ]
    for size in args.memory_sizes:
        p = next(r for r in result["memory"] if r["pages"] == size and r["config"] == "plain")
        c = next(r for r in result["memory"] if r["pages"] == size and r["config"] == "clearcrawl")
        writer = c.get("writer_peak_rss_mb") or 0.0
        lines.append(
            f"| {size} | {p['peak_rss_mb']:.0f} | {c['peak_rss_mb']:.0f} | "
            f"{f'{writer:.0f}' if writer else 'n/a'} |"
        )
    lines += ["", "Every run (pages/s, peak RSS) is in the `.json` beside this file.", ""]
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_serve":
        asyncio.run(_serve(int(sys.argv[2]), int(sys.argv[3])))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_plain":
        _run_plain(sys.argv[2], sys.argv[3])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_clearcrawl":
        _run_clearcrawl(sys.argv[2], sys.argv[3], sys.argv[4] == "1")
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--memory-sizes", default="2500,10000")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "crawl_throughput"))
    parser.add_argument(
        "--from-json", action="store_true", help="only rewrite OUT.md from OUT.json"
    )
    args = parser.parse_args()
    args.memory_sizes = [int(x) for x in args.memory_sizes.split(",") if x]
    out = Path(args.out)
    if args.from_json:
        saved = json.loads(out.with_suffix(".json").read_text())
        command = saved.pop("command")
        args.repeats = 1 + max(r["repeat"] for r in saved["runs"])
        args.pages = saved["runs"][0]["pages"]
        args.memory_sizes = sorted({r["pages"] for r in saved["memory"]})
        out.with_suffix(".md").write_text(summarize(saved, args, command))
        return
    command = "python benchmarks/crawl_throughput.py " + " ".join(sys.argv[1:])
    result = run(args)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps({"command": command, **result}, indent=2) + "\n")
    md = summarize(result, args, command)
    out.with_suffix(".md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
