"""Peak memory of ``clearcrawl crawl --seeds-file`` with a million seeds (issue 13).

Usage (from the repository root; a few minutes per size on the 2-core box)::

    .venv/bin/python benchmarks/seeds_memory.py --seeds 1000000 --hosts 10000 \\
        --out benchmarks/results/seeds_memory

What runs, each in its own process, peak RSS from ``os.wait4`` (``ru_maxrss``):

* ``reader``  — :func:`crawler.seeds.read_seeds` over the gzip seeds file, nothing else: the
  reader's own cost (constant: one line at a time);
* ``crawl-1k`` — a real crawl of the first 1,000 seeds: the crawler's fixed cost;
* ``crawl``   — a real crawl of every seed. The hosts are ``hN.invalid`` (RFC 2606) and the
  crawl runs with ``--deny-domains invalid``, so every seed goes through the whole path (seeds
  file, spider, scheduler, dupefilter and frontier journal, the domain-list middleware, a
  ``not-fetched`` decision line) without any network; what grows is the per-URL state every
  crawl keeps (the spider's and the dupefilter's seen-sets, the origins in scope).

Results go to ``OUT.json`` and ``OUT.md``. Not run by the tests.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def write_seeds(path: Path, n: int, hosts: int) -> None:
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as fh:
        for i in range(n):
            fh.write(f"https://h{i % hosts}.invalid/articles/{i}/harbour-tide-table.html\n")


def run(cmd: list[str]) -> dict[str, Any]:
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    out = proc.stdout.read().decode() if proc.stdout else ""
    err = proc.stderr.read().decode() if proc.stderr else ""
    return {
        "cmd": cmd,
        "exit": os.waitstatus_to_exitcode(status),
        "seconds": round(time.monotonic() - t0, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "stdout_tail": out[-600:],
        "stderr_tail": err[-600:],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=1_000_000)
    ap.add_argument("--hosts", type=int, default=10_000)
    ap.add_argument("--out", default="benchmarks/results/seeds_memory")
    args = ap.parse_args()
    results: dict[str, Any] = {"seeds": args.seeds, "hosts": args.hosts, "runs": {}}
    with tempfile.TemporaryDirectory() as tmp:
        seeds = Path(tmp) / "seeds.txt.gz"
        write_seeds(seeds, args.seeds, args.hosts)
        small = Path(tmp) / "seeds-1k.txt.gz"
        write_seeds(small, 1000, min(args.hosts, 1000))
        results["seeds_file_bytes"] = seeds.stat().st_size
        py = sys.executable
        reader = (
            "import sys; from crawler.seeds import read_seeds; "
            "print(sum(1 for s in read_seeds(sys.argv[1]) if s.url))"
        )
        results["runs"]["reader"] = run([py, "-c", reader, str(seeds)])
        for name, path in (("crawl-1k", small), ("crawl", seeds)):
            out = Path(tmp) / name
            cmd = [py, "-m", "crawler", "crawl", "--seeds-file", str(path), "--out", str(out)]
            cmd += ["--deny-domains", "invalid", "--quiet"]
            results["runs"][name] = run(cmd)
            stats = json.loads((out / "crawl-stats.json").read_text())
            results["runs"][name]["seeds_read"] = stats.get("clearcrawl/seeds/read")
            results["runs"][name]["not_fetched"] = stats.get("clearcrawl/decision/not-fetched")
    base = results["runs"]["crawl-1k"]["peak_rss_mb"]
    full = results["runs"]["crawl"]["peak_rss_mb"]
    results["bytes_per_seed"] = round((full - base) * 1024 * 1024 / max(1, args.seeds - 1000))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out + ".json").write_text(json.dumps(results, indent=2) + "\n")
    lines = [
        f"# seeds memory: {args.seeds:,} seeds over {args.hosts:,} hosts",
        "",
        "| run | peak RSS (MB) | seconds |",
        "|---|---:|---:|",
    ]
    for name, r in results["runs"].items():
        lines.append(f"| {name} | {r['peak_rss_mb']} | {r['seconds']} |")
    lines += ["", f"Per seed beyond the fixed cost: {results['bytes_per_seed']} bytes."]
    Path(args.out + ".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
