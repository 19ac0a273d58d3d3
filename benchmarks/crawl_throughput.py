r"""Crawl throughput: clearcrawl (WARC on) vs plain Scrapy on the same generated site.

Usage (from the repository root; each takes ~15-30 minutes on the shared 2-core box)::

    .venv/bin/python benchmarks/crawl_throughput.py --pages 10000 --repeats 3 \\
        --memory-sizes 10000 --configs plain,clearcrawl,no-warc,in-line \\
        --out benchmarks/results/crawl_throughput
    .venv/bin/python benchmarks/crawl_throughput.py --site link-heavy --pages 5000 \\
        --repeats 3 --memory-sizes "" --out benchmarks/results/crawl_throughput_link_heavy
    .venv/bin/python benchmarks/crawl_throughput.py --pages 100000 --repeats 0 \\
        --memory-sizes 100000 --out benchmarks/results/crawl_throughput_memory_100k

What runs, per repeat and interleaved (so machine drift hits every configuration alike):

* ``plain``      — a bare Scrapy spider following every ``<a href>`` (nothing else enabled
  beyond Scrapy's defaults);
* ``clearcrawl`` — ``clearcrawl crawl`` as shipped: policy files, rights detectors on every
  page (in the detector processes, :mod:`crawler.offload`), decisions log, WARC writing
  (request/response/metadata, gzip) in the writer process, CDXJ index;
* ``no-warc``    — the same clearcrawl crawl with the WARC extension removed from the add-on,
  to separate the cost of archiving from the cost of the rights detectors;
* ``in-line``    — clearcrawl as shipped but ``CLEARCRAWL_OFFLOAD_WORKERS=0`` (detection on the
  reactor thread), to show what the offload buys.

All use the same concurrency (``CONCURRENT_REQUESTS`` = ``..._PER_DOMAIN`` = 16, no delay)
against one origin served by a small asyncio HTTP/1.1 server in its own process (keep-alive,
pages rendered up front). ``--site small``: ~13 KB of text and 12 links a page;
``--site link-heavy``: ~48 KB and 80 links a page; both a tree that reaches every page.
Throughput is responses / ``elapsed_time_seconds`` from Scrapy's own stats (interpreter start-up
excluded); the whole-process ratio uses wall time from ``Popen`` to exit, split into start-up
(to Scrapy's ``start_time``, at ``spider_opened``), the crawl, and closing (from
``spider_closed`` to exit). CPU: user + sys of the crawl process alone (``getrusage(RUSAGE_SELF)`` at its end),
of its detector processes and WARC writer (their own accounts, in the crawl stats), and of all
of them (``os.wait4``). Peak RSS: the crawl process's ``ru_maxrss``, and the children's
``VmHWM`` (since their ``exec``), summed. Summed RSS counts every page shared between the
processes (the Python binary, shared libraries, files mapped by all) once per process, so
beside it the benchmark samples the whole process tree itself (:class:`TreeSampler`, every
~100 ms from this parent, over the crawl process and all its descendants, plain Scrapy alike):
the peak of the tree's summed PSS (``/proc/PID/smaps_rollup``: each page divided among the
processes sharing it), with each role's own peak PSS and the peak of the sampled RSS sum.

Results go to ``OUT.json`` (every run) and ``OUT.md`` (medians and ratios). Not run by the tests.
``--gzip-levels [CORPUS]`` prints the WARC gzip level table instead (size and CPU per record).
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
import threading
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
#: name -> (paragraphs of ~720 characters, cross links besides the 10 children): ~12 KB and 12
#: links a page, or a link-heavy page of ~45 KB and ~80 links (index pages, wikis, forums).
SITES = {"small": (16, 2), "link-heavy": (58, 70)}


def page_html(i: int, pages: int, site: str = "small") -> bytes:
    paragraphs, n_cross = SITES[site]
    rng = random.Random(i)  # noqa: S311 - deterministic filler
    children = [c for c in range(10 * i + 1, 10 * i + 11) if c < pages]
    cross = [rng.randrange(pages) for _ in range(n_cross)]
    links = "".join(f'<li><a href="/p/{c}">Page {c}</a></li>' for c in children + cross)
    paras = "".join(
        "<p>" + " ".join(rng.choice(WORDS) for _ in range(120)) + ".</p>" for _ in range(paragraphs)
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


async def _serve(port: int, pages: int, site: str = "small") -> None:
    # Rendered once, up front: serving must cost next to nothing, since the server shares the
    # two cores with the crawler under test.
    rendered = [page_html(i, pages, site) for i in range(pages)]

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


def start_server(pages: int, site: str = "small") -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, __file__, "_serve", str(port), str(pages), site])
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
def _write_self_usage(path: Path) -> None:
    """The crawl process's own CPU and peak RSS (children excluded: they report their own)."""
    import resource

    me = resource.getrusage(resource.RUSAGE_SELF)
    path.write_text(
        json.dumps({"cpu_s": me.ru_utime + me.ru_stime, "peak_rss_mb": me.ru_maxrss / 1024})
    )


#: plain Scrapy variants: extra settings. ``plain`` is Scrapy's default order (depth-first: LIFO
#: queues); ``plain-bfs`` crawls breadth-first as clearcrawl does, set up as Scrapy's docs
#: describe for broad crawls (https://docs.scrapy.org/en/latest/faq.html#does-scrapy-crawl-in-breadth-first-or-depth-first-order):
#: the like-for-like peer for memory, since a breadth-first frontier holds more waiting requests.
PLAIN_CONFIGS: dict[str, dict[str, Any]] = {
    "plain": {},
    "plain-bfs": {
        "DEPTH_PRIORITY": 1,
        "SCHEDULER_DISK_QUEUE": "scrapy.squeues.PickleFifoDiskQueue",
        "SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue",
    },
}


def _run_plain(url: str, stats_out: str, config: str = "plain") -> None:
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
            **PLAIN_CONFIGS[config],
        }
    )
    crawler = process.create_crawler(PlainSpider)
    process.crawl(crawler)
    process.start()
    Path(stats_out).write_text(json.dumps(crawler.stats.get_stats(), default=str))
    _write_self_usage(Path(stats_out).with_name("self-usage.json"))


#: configuration -> (WARC extension on, extra -s settings)
CLEARCRAWL_CONFIGS: dict[str, tuple[bool, list[str]]] = {
    "clearcrawl": (True, []),
    "no-warc": (False, []),
    "in-line": (True, ["CLEARCRAWL_OFFLOAD_WORKERS=0"]),
    "one-detector": (True, ["CLEARCRAWL_OFFLOAD_WORKERS=1"]),
    "two-detectors": (True, ["CLEARCRAWL_OFFLOAD_IN_WRITER=False"]),
    # clearcrawl as shipped from another source tree (--baseline-tree): before/after, same run
    "baseline": (True, []),
}


def _run_clearcrawl(url: str, out: str, config: str) -> None:
    import crawler.addon
    from crawler.cli import main

    warc, extra = CLEARCRAWL_CONFIGS[config]
    if not warc:
        crawler.addon.EXTENSIONS.pop("crawler.extensions.warc.WarcWriterExtension")
    code = main(
        [
            *("crawl", url + "/", "--out", out, "--quiet"),
            *("-s", f"CONCURRENT_REQUESTS={CONCURRENCY}"),
            *("-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={CONCURRENCY}"),
            *(a for setting in extra for a in ("-s", setting)),
        ]
    )
    _write_self_usage(Path(out) / "self-usage.json")
    sys.exit(code)


def _epoch(stamp: Any) -> float:
    """Scrapy's ``start_time`` as saved in the stats JSON (an ISO 8601 string) -> epoch."""
    from datetime import datetime

    return datetime.fromisoformat(str(stamp).replace(" ", "T")).timestamp()


def _ppids() -> dict[int, int]:
    """pid -> parent pid of every process visible in ``/proc``."""
    out: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text(encoding="ascii", errors="replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()  # after "(comm)": state, ppid, ...
        if len(fields) > 1:
            out[int(entry.name)] = int(fields[1])
    return out


def _rollup_kb(pid: int) -> tuple[int, int] | None:
    """(RSS, PSS) of ``pid`` in kB from ``/proc/PID/smaps_rollup``; None once it has exited."""
    rss = pss = None
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text(encoding="ascii")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("Rss:"):
            rss = int(line.split()[1])
        elif line.startswith("Pss:"):
            pss = int(line.split()[1])
    return (rss, pss) if rss is not None and pss is not None else None


def _role(pid: int, root: int) -> str:
    if pid == root:
        return "crawl"
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "other"
    if b"crawler.warcprocess" in cmd:
        return "writer"
    if b"crawler.offload" in cmd:
        return "detectors"
    return "other"


class TreeSampler(threading.Thread):
    """Every ``interval`` s: RSS and PSS of ``root`` and all its descendants; keeps the peaks.

    PSS (proportional set size) charges each resident page to the processes mapping it in equal
    shares, so the tree's PSS sum counts a page shared by the crawl and its children once; the
    RSS sum counts it in each. Peaks between two samples can be missed (the sampled RSS sum is
    reported beside the ``ru_maxrss``/``VmHWM`` sum to show how much).
    """

    ROLES = ("crawl", "writer", "detectors", "other")

    def __init__(self, root: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.interval = interval
        self.done = threading.Event()
        self.samples = 0
        self.peak_pss_kb = 0
        self.peak_rss_kb = 0
        self.role_peak_pss_kb = dict.fromkeys(self.ROLES, 0)
        self.role_peak_rss_kb = dict.fromkeys(self.ROLES, 0)
        self._roles: dict[int, str] = {}

    def sample(self) -> None:
        parents = _ppids()
        tree, frontier = {self.root}, [self.root]
        while frontier:
            parent = frontier.pop()
            kids = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
            tree.update(kids)
            frontier += kids
        pss = dict.fromkeys(self.ROLES, 0)
        rss = dict.fromkeys(self.ROLES, 0)
        for pid in tree:
            usage = _rollup_kb(pid)
            if usage is None:
                continue
            role = self._roles.setdefault(pid, _role(pid, self.root))
            rss[role] += usage[0]
            pss[role] += usage[1]
        self.samples += 1
        self.peak_pss_kb = max(self.peak_pss_kb, sum(pss.values()))
        self.peak_rss_kb = max(self.peak_rss_kb, sum(rss.values()))
        for role in self.ROLES:
            self.role_peak_pss_kb[role] = max(self.role_peak_pss_kb[role], pss[role])
            self.role_peak_rss_kb[role] = max(self.role_peak_rss_kb[role], rss[role])

    def run(self) -> None:
        while not self.done.wait(self.interval):
            self.sample()

    def result(self) -> dict[str, Any]:
        mb = 1024
        out: dict[str, Any] = {
            "tree_peak_pss_mb": round(self.peak_pss_kb / mb, 1),
            "tree_peak_rss_sum_mb": round(self.peak_rss_kb / mb, 1),
            "tree_samples": self.samples,
        }
        for role in self.ROLES:
            out[f"{role}_peak_pss_mb"] = round(self.role_peak_pss_kb[role] / mb, 1)
            out[f"{role}_peak_sampled_rss_mb"] = round(self.role_peak_rss_kb[role] / mb, 1)
        return out


#: ``--baseline-tree``: a checkout whose ``crawler``/``filters`` the ``baseline`` configuration
#: imports (``PYTHONPATH``, ahead of this tree's editable install)
BASELINE_TREE = ""


def measure(config: str, url: str, work: Path) -> dict[str, Any]:
    """Run one crawl in a child process; return throughput, CPU and peak RSS per process."""
    out = work / f"{config}-{time.monotonic_ns()}"
    if config in PLAIN_CONFIGS:
        out.mkdir(parents=True)
        stats_file = out / "stats.json"
        cmd = [sys.executable, __file__, "_plain", url, str(stats_file), config]
    else:
        stats_file = out / "crawl-stats.json"
        cmd = [sys.executable, __file__, "_clearcrawl", url, str(out), config]
    env, cwd = None, ROOT
    if config == "baseline":
        if not BASELINE_TREE:
            raise RuntimeError("the baseline configuration needs --baseline-tree DIR")
        # its cwd too: ``python -m crawler.offload`` children put their cwd first on sys.path
        env, cwd = {**os.environ, "PYTHONPATH": BASELINE_TREE}, Path(BASELINE_TREE)
    t0 = time.monotonic()
    t0_epoch = time.time()
    proc = subprocess.Popen(
        cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )
    sampler = TreeSampler(proc.pid)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    sampler.done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise RuntimeError(f"{config} crawl failed ({proc.returncode}): {err[-2000:]}")
    stats = json.loads(stats_file.read_text())
    me = json.loads((out / "self-usage.json").read_text())
    responses = int(stats.get("response_received_count", 0))
    elapsed = float(stats["elapsed_time_seconds"])
    # Start-up: process start to spider_opened (Scrapy's start_time); closing: spider_closed
    # (finish_time, set by Scrapy's CoreStats before the other close handlers) to exit.
    started = _epoch(stats["start_time"]) - t0_epoch
    closing = wall - started - elapsed
    warc_dir = out / "warc"
    warc_bytes = (
        sum(p.stat().st_size for p in warc_dir.glob("*.warc.gz")) if warc_dir.is_dir() else 0
    )
    shutil.rmtree(out, ignore_errors=True)
    writer_rss = float(stats.get("clearcrawl/warc/process_peak_rss_mb", 0.0))
    offload_rss = float(stats.get("clearcrawl/offload/process_peak_rss_mb", 0.0))
    return {
        "config": config,
        "responses": responses,
        "elapsed_s": round(elapsed, 2),
        "wall_s": round(wall, 2),
        "startup_s": round(started, 2),
        "close_s": round(closing, 2),
        "pages_per_s": round(responses / elapsed, 1),
        # the crawl process alone, and the crawl process plus its children (peaks summed: they
        # run at the same time)
        "peak_rss_mb": round(me["peak_rss_mb"], 1),
        "writer_peak_rss_mb": writer_rss,
        "offload_peak_rss_mb": offload_rss,
        "total_peak_rss_mb": round(me["peak_rss_mb"] + writer_rss + offload_rss, 1),
        # sampled over the whole process tree (TreeSampler): PSS counts shared pages once
        **sampler.result(),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),  # crawl process + its children
        "crawl_process_cpu_s": round(me["cpu_s"], 2),
        "warc_bytes": warc_bytes,
        "warc_thread_cpu_s": float(stats.get("clearcrawl/warc/thread_cpu_s", 0.0))
        + float(stats.get("clearcrawl/warc/process_cpu_s", 0.0)),
        "warc_process_cpu_s": float(stats.get("clearcrawl/warc/process_cpu_s", 0.0)),
        "offload_cpu_s": float(stats.get("clearcrawl/offload/process_cpu_s", 0.0)),
        "offload_failed": int(stats.get("clearcrawl/offload/failed", 0)),
        # detectors that ran: a thread in the WARC writer, and detector processes started
        "offload_hosted": stats.get("clearcrawl/offload/hosted"),  # None: not reported
        "offload_processes": stats.get("clearcrawl/offload/processes_started"),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    configs = args.configs
    work = Path(tempfile.mkdtemp(prefix="cc-bench-"))
    runs: list[dict[str, Any]] = []
    memory: list[dict[str, Any]] = []
    try:
        if args.repeats:
            server, url = start_server(args.pages, args.site)
            try:
                for rep in range(args.repeats):
                    order = configs if rep % 2 == 0 else configs[::-1]
                    for config in order:
                        r = measure(config, url, work) | {"pages": args.pages, "repeat": rep}
                        r["load_avg_1m"] = round(os.getloadavg()[0], 2)
                        print(json.dumps(r), flush=True)
                        runs.append(r)
            finally:
                server.terminate()
                server.wait()
        for size in args.memory_sizes:
            server, url = start_server(size, args.site)
            try:
                for config in args.memory_configs:
                    r = measure(config, url, work) | {"pages": size}
                    r["load_avg_1m"] = round(os.getloadavg()[0], 2)
                    print(json.dumps(r), flush=True)
                    memory.append(r)
            finally:
                server.terminate()
                server.wait()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"runs": runs, "memory": memory, "site": args.site, "configs": configs}


LABELS = {
    "plain": "plain Scrapy (follow every link; Scrapy's default depth-first order)",
    "plain-bfs": "plain Scrapy, breadth-first (DEPTH_PRIORITY=1, FIFO queues)",
    "no-warc": "clearcrawl, WARC off (rights detectors, decisions log)",
    "in-line": "clearcrawl as shipped, detection in-line (CLEARCRAWL_OFFLOAD_WORKERS=0)",
    "one-detector": "clearcrawl, one detector (CLEARCRAWL_OFFLOAD_WORKERS=1)",
    "two-detectors": "clearcrawl, no detector in the WARC writer (CLEARCRAWL_OFFLOAD_IN_WRITER=False)",
    "baseline": "clearcrawl as shipped before this change (--baseline-tree)",
    "clearcrawl": "clearcrawl as shipped (WARC on, detection offloaded)",
}


def summarize(result: dict[str, Any], args: argparse.Namespace, command: str) -> str:
    runs = result["runs"]
    configs = [c for c in LABELS if any(r["config"] == c for r in runs)]
    repeats = sorted({r["repeat"] for r in runs})
    site = result.get("site", "small")
    cross = SITES[site][1]
    page_kb = len(page_html(1, max(args.pages, 100), site)) / 1000

    def per_1000(r: dict[str, Any], key: str) -> float:
        return 1000 * float(r.get(key, 0.0)) / r["responses"]

    def med(c: str, fn: Any) -> float:
        return statistics.median(fn(r) for r in runs if r["config"] == c)

    # Ratios per repeat (same minutes of machine time), then the median of those.
    def ratio(a: str, b: str) -> float:
        vals = []
        for rep in repeats:
            ra = next(r for r in runs if r["config"] == a and r["repeat"] == rep)
            rb = next(r for r in runs if r["config"] == b and r["repeat"] == rep)
            vals.append(ra["pages_per_s"] / rb["pages_per_s"])
        return round(statistics.median(vals), 3)

    def wall_ratio(a: str, b: str) -> float:
        vals = []
        for rep in repeats:
            ra = next(r for r in runs if r["config"] == a and r["repeat"] == rep)
            rb = next(r for r in runs if r["config"] == b and r["repeat"] == rep)
            vals.append(rb["wall_s"] / ra["wall_s"])
        return round(statistics.median(vals), 3)

    loads = [r["load_avg_1m"] for r in runs + result["memory"] if "load_avg_1m" in r]
    lines = [
        f"# Crawl throughput: clearcrawl vs plain Scrapy ({site} site)",
        "",
        f"Command: `{command}`",
        "",
        (
            f"Machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
            f"sites of {', '.join(str(n) for n in (sorted({r['pages'] for r in runs}) or sorted({r['pages'] for r in result['memory']})))} "
            f"generated pages (~{page_kb:.0f} KB, {10 + cross} links each) "
            f"from a local asyncio server; concurrency {CONCURRENCY} for every configuration; "
            f"{len(repeats)} interleaved repeats; medians. 1-minute load average during the runs "
            f"(the machine is shared): {min(loads, default=0):.2f}-{max(loads, default=0):.2f}."
        ),
        "",
        "| configuration | pages/s (median) | vs plain Scrapy (median of per-repeat ratios) |",
        "|---|---:|---:|",
    ]
    for c in configs:
        vs = "1.00" if c == "plain" else f"{ratio(c, 'plain'):.2f}"
        lines.append(f"| {LABELS[c]} | {med(c, lambda r: r['pages_per_s']):.1f} | {vs} |")
    lines.append("")
    if "clearcrawl" in configs and "plain" in configs:
        lines.append(
            f"- Full clearcrawl / plain Scrapy: **{ratio('clearcrawl', 'plain'):.2f}** (target ≥ 0.95)."
        )
        lines.append(
            f"- Same ratio from whole-process wall time (start-up and closing included): "
            f"**{wall_ratio('clearcrawl', 'plain'):.2f}** (target ≥ 0.95)."
        )
    if all("startup_s" in r for r in runs):
        lines += [
            "",
            (
                "Start-up (process start to `spider_opened`) and closing (`spider_closed` to process "
                "exit: close handlers, detector processes and WARC writer drained, index, summary, "
                "interpreter exit), seconds, medians:"
            ),
            "",
            "| configuration | start-up s | crawl s | closing s | whole process s |",
            "|---|---:|---:|---:|---:|",
        ]
        for c in configs:
            lines.append(
                f"| {c} | {med(c, lambda r: r['startup_s']):.2f} | "
                f"{med(c, lambda r: r['elapsed_s']):.2f} | {med(c, lambda r: r['close_s']):.2f} | "
                f"{med(c, lambda r: r['wall_s']):.2f} |"
            )
    if "clearcrawl" in configs and "no-warc" in configs:
        lines.append(f"- WARC on / WARC off: **{ratio('clearcrawl', 'no-warc'):.2f}**.")
    if "clearcrawl" in configs and "in-line" in configs:
        lines.append(f"- Offloaded / in-line detection: **{ratio('clearcrawl', 'in-line'):.2f}**.")
    lines += [
        "",
        (
            "CPU seconds per 1000 responses (user + sys; robust to the machine's load): the crawl "
            "process (its reactor thread does Scrapy's work; the WARC sender thread runs there "
            "too), the detector processes, the WARC writer process, and the total:"
        ),
        "",
        "| configuration | crawl process | detector processes | WARC writer process | total |",
        "|---|---:|---:|---:|---:|",
    ]
    for c in configs:
        lines.append(
            f"| {c} | {med(c, lambda r: per_1000(r, 'crawl_process_cpu_s')):.2f} | "
            f"{med(c, lambda r: per_1000(r, 'offload_cpu_s')):.2f} | "
            f"{med(c, lambda r: per_1000(r, 'warc_process_cpu_s')):.2f} | "
            f"{med(c, lambda r: per_1000(r, 'cpu_s')):.2f} |"
        )
    if result["memory"]:
        lines += memory_tables(result["memory"])
    lines += [
        "",
        "Every run (pages/s, CPU, peak RSS per process) is in the `.json` beside this file.",
        "",
    ]
    return "\n".join(lines)


def memory_tables(memory: list[dict[str, Any]]) -> list[str]:
    """The peak-memory tables: every clearcrawl configuration against both plain peers."""
    sizes = sorted({r["pages"] for r in memory})

    def run(size: int, config: str) -> dict[str, Any] | None:
        return next((r for r in memory if r["pages"] == size and r["config"] == config), None)

    def detectors(r: dict[str, Any]) -> str:
        if r.get("offload_hosted") is None:  # a tree that did not report them (baseline)
            return "n/a"
        return f"{r['offload_hosted']} + {r['offload_processes']}"

    peers = [c for c in ("plain", "plain-bfs") if any(r["config"] == c for r in memory)]
    ours = [c for c in LABELS if c not in PLAIN_CONFIGS and any(r["config"] == c for r in memory)]
    peer_names = {
        "plain": "plain Scrapy (depth-first, Scrapy's default)",
        "plain-bfs": "plain Scrapy breadth-first",
    }
    out = [
        "",
        (
            "Peak RSS by site size, as each process reports it: the crawl process's "
            "`ru_maxrss`, the WARC writer's (with the detector thread it runs, when it does) and "
            "the detector processes' own peak (`VmHWM`, summed), and the total, their peaks "
            "summed (an upper bound: the peaks need not coincide, and every page shared between "
            "processes, the Python binary and shared libraries included, is counted once per "
            "process). Peers: "
            + "; ".join(f"`{c}` = {peer_names[c]}" for c in peers)
            + ". clearcrawl crawls breadth-first (`DEPTH_PRIORITY = 1`, FIFO queues), so "
            "`plain-bfs` is the like-for-like peer; `plain` is the one the issue's first "
            "measurements used."
        ),
        "",
        "| pages | configuration | detectors (thread in writer + processes) | crawl process MB | WARC writer MB | detector processes MB | total MB | "
        + " | ".join(f"× {c}" for c in peers)
        + " |",
        "|---:|---|---|---:|---:|---:|---:|" + "---:|" * len(peers),
    ]
    for size in sizes:
        for c in peers:
            r = run(size, c)
            if r is not None:
                out.append(
                    f"| {size} | {c} | - | {r['peak_rss_mb']:.0f} | - | - | {r['peak_rss_mb']:.0f} | "
                    + " | ".join("1.00" if p == c else "" for p in peers)
                    + " |"
                )
        for c in ours:
            r = run(size, c)
            if r is None:
                continue
            total = r.get("total_peak_rss_mb", r["peak_rss_mb"])
            ratios = []
            for p in peers:
                peer = run(size, p)
                ratios.append(f"{total / peer['peak_rss_mb']:.2f}" if peer else "")
            out.append(
                f"| {size} | {c} | {detectors(r)} | "
                f"{r['peak_rss_mb']:.0f} | {r.get('writer_peak_rss_mb', 0):.0f} | "
                f"{r.get('offload_peak_rss_mb', 0):.0f} | {total:.0f} | "
                + " | ".join(ratios)
                + " |"
            )
    if all("tree_peak_pss_mb" in r for r in memory):
        out += [
            "",
            (
                "Peak PSS of the whole process tree (the crawl process and all its descendants, "
                "sampled every ~100 ms from `/proc/PID/smaps_rollup` by the benchmark; the plain "
                "peers measured the same way). PSS divides each resident page among the "
                "processes that map it, so the tree's sum counts shared pages once: this is the "
                "memory the crawl takes from the machine. Per role: the peak of that role's own "
                "PSS (roles peak at different moments, so they need not add up to the tree's "
                "peak)."
            ),
            "",
            "| pages | configuration | tree PSS MB | "
            + " | ".join(f"× {c}" for c in peers)
            + " | crawl process PSS MB | WARC writer PSS MB | detector processes PSS MB | sampled RSS sum MB |",
            "|---:|---|---:|" + "---:|" * len(peers) + "---:|---:|---:|---:|",
        ]
        for size in sizes:
            for c in peers + ours:
                r = run(size, c)
                if r is None:
                    continue
                ratios = []
                for p in peers:
                    peer = run(size, p)
                    ratios.append(
                        f"{r['tree_peak_pss_mb'] / peer['tree_peak_pss_mb']:.2f}" if peer else ""
                    )
                out.append(
                    f"| {size} | {c} | {r['tree_peak_pss_mb']:.0f} | " + " | ".join(ratios) + " | "
                    f"{r['crawl_peak_pss_mb']:.0f} | {r['writer_peak_pss_mb']:.0f} | "
                    f"{r['detectors_peak_pss_mb']:.0f} | {r['tree_peak_rss_sum_mb']:.0f} |"
                )
    return out


def gzip_levels(corpus: Path | None) -> str:
    """WARC gzip level: size and CPU per document at levels 1-6 (``--gzip-levels``).

    Each document is compressed on its own, as each WARC record is its own gzip member.
    """
    import gzip
    import zlib

    samples: dict[str, list[bytes]] = {
        "generated 12 KB pages": [page_html(i, 10_000) for i in range(300)],
        "generated 45 KB link-heavy pages": [
            page_html(i, 10_000, "link-heavy") for i in range(300)
        ],
    }
    if corpus is not None and corpus.is_dir():
        real = []
        for path in sorted(corpus.rglob("*.html*"))[:300]:
            raw = path.read_bytes()
            real.append(gzip.decompress(raw) if path.suffix == ".gz" else raw)
        if real:
            samples[f"real pages ({corpus.name}, {len(real)})"] = real
    levels = (1, 3, 6)
    lines = [
        "| documents | avg KB | " + " | ".join(f"level {lv}: size, µs/doc" for lv in levels) + " |",
        "|---|---:|" + "---:|" * len(levels),
    ]
    for name, docs in samples.items():
        raw = sum(map(len, docs))
        cells = []
        for level in levels:
            t0 = time.process_time()
            size = 0
            for _ in range(3):
                for doc in docs:
                    comp = zlib.compressobj(level, zlib.DEFLATED, 31)
                    size += len(comp.compress(doc) + comp.flush())
            per_doc = (time.process_time() - t0) / 3 / len(docs) * 1e6
            cells.append(f"{size / 3 / raw:.3f}, {per_doc:.0f}")
        lines.append(f"| {name} | {raw / len(docs) / 1000:.1f} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--gzip-levels":
        corpus = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT.parent / "shared" / "corpus"
        print(gzip_levels(corpus))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_serve":
        site = sys.argv[4] if len(sys.argv) > 4 else "small"
        asyncio.run(_serve(int(sys.argv[2]), int(sys.argv[3]), site))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_plain":
        _run_plain(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else "plain")
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_clearcrawl":
        _run_clearcrawl(sys.argv[2], sys.argv[3], sys.argv[4])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3, help="0: memory runs only")
    parser.add_argument(
        "--memory-sizes",
        default="10000,100000",
        help="site sizes of the memory runs (the issue's 10k and 100k)",
    )
    parser.add_argument(
        "--memory-configs",
        default="plain,plain-bfs,clearcrawl",
        help="configurations of the memory runs (plain and clearcrawl are required)",
    )
    parser.add_argument("--site", choices=sorted(SITES), default="small")
    parser.add_argument(
        "--baseline-tree", default="", help="source tree of the baseline configuration"
    )
    parser.add_argument(
        "--configs",
        default="plain,clearcrawl,no-warc",
        help="comma-separated, from: " + ", ".join(LABELS),
    )
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "crawl_throughput"))
    parser.add_argument(
        "--from-json", action="store_true", help="only rewrite OUT.md from OUT.json"
    )
    args = parser.parse_args()
    args.memory_sizes = [int(x) for x in args.memory_sizes.split(",") if x]
    args.configs = [c for c in args.configs.split(",") if c]
    args.memory_configs = [c for c in args.memory_configs.split(",") if c]
    global BASELINE_TREE
    BASELINE_TREE = args.baseline_tree
    unknown = set(args.configs + args.memory_configs) - set(LABELS)
    if unknown:
        parser.error(f"unknown configuration(s): {', '.join(sorted(unknown))}")
    out = Path(args.out)
    if args.from_json:
        saved = json.loads(out.with_suffix(".json").read_text())
        command = saved.pop("command")
        if saved["runs"]:
            args.pages = saved["runs"][0]["pages"]
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
