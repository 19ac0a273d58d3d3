"""Size and load time of ``report.html`` for a large release (default: 100,000 records).

Usage (from the repository root; a few minutes on the 2-core box)::

    .venv/bin/python benchmarks/report_size.py --records 100000 --out benchmarks/results/report_size

What it does:

1. Builds a release folder without crawling: the demo site is crawled and exported once
   (``clearcrawl demo``, 127.0.0.1), then its manifest, exclusion and not-fetched entries (and
   the rows of the exported ones) are repeated with new URLs spread over ``--origins`` origins
   (so ids, URLs, origins and the origin-level lines of the evidence differ as in a real crawl)
   and capture times spread over three days, until ``--records`` entries are written in the
   demo's proportions of exported, excluded and not-fetched. ``export-info.json`` gets the
   matching counts.
2. Times :func:`export.report.write_report` on it (one process, wall clock) and notes the file's
   size.
3. Opens the file in headless Chromium (``/usr/bin/chromium`` through Playwright), offline (every
   request but the file itself is aborted and counted), and measures the time from navigation to
   the page's ``data-ready`` mark (script run, first page of the table drawn), to a search
   answered, and to a detail view drawn; the best of ``--repeats`` loads is kept.

Results go to ``OUT.json`` and ``OUT.md``. Not run by the tests (they check the same page's
behaviour on a small release; timings are never asserted).
"""

from __future__ import annotations

import argparse
import copy
import gzip
import hashlib
import json
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from export.dataset import ROW_FEATURES
from export.report import write_report

CHROMIUM = "/usr/bin/chromium"


def _read(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _rewrite(value: Any, old: str, new: str) -> Any:
    """Replace the demo's origin in every string of an entry (URLs, evidence locators)."""
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [_rewrite(v, old, new) for v in value]
    if isinstance(value, dict):
        return {k: _rewrite(v, old, new) for k, v in value.items()}
    return value


def build_release(demo: Path, out: Path, records: int, origins: int) -> dict[str, int]:
    """Write a release of ``records`` entries into ``out`` from the demo release ``demo``."""
    templates = {
        name: _read(demo / f"{name}.jsonl.gz") for name in ("manifest", "excluded", "not-fetched")
    }
    rows = {
        r["id"]: r for r in pq.read_table(str(next((demo / "data").glob("*.parquet")))).to_pylist()
    }
    demo_origin = templates["manifest"][0]["url"].split("/articles/")[0]
    total = sum(len(v) for v in templates.values())
    share = {k: len(v) / total for k, v in templates.items()}
    counts = {k: round(records * share[k]) for k in templates}
    counts["manifest"] = records - counts["excluded"] - counts["not-fetched"]
    if out.exists():
        shutil.rmtree(out)
    (out / "data").mkdir(parents=True)
    (out / "manifest").mkdir()
    start = datetime(2026, 11, 1, tzinfo=UTC)
    new_rows: list[dict[str, Any]] = []
    n = 0
    for name, wanted in counts.items():
        with gzip.open(out / f"{name}.jsonl.gz", "wt", encoding="utf-8") as fh:
            for i in range(wanted):
                tpl = templates[name][i % len(templates[name])]
                origin = f"https://site{n % origins:05d}.example"
                entry = _rewrite(copy.deepcopy(tpl), demo_origin, origin)
                entry["url"] = f"{origin}/articles/{n}/" + tpl["url"].rsplit("/", 1)[-1]
                entry["id"] = hashlib.sha1(entry["url"].encode()).hexdigest()  # noqa: S324
                when = start + timedelta(seconds=n * 3 * 86400 / records)
                entry["crawl_date"] = when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                if entry.get("warc"):
                    entry["warc"]["offset"] = n * 9000
                    entry["warc"]["metadata_offset"] = n * 9000 + 7000
                fh.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
                if name == "manifest":
                    row = dict(rows[tpl["id"]])
                    row.update(id=entry["id"], url=entry["url"], crawl_date=when)
                    new_rows.append(row)
                n += 1
    pq.write_table(
        pa.Table.from_pylist(new_rows, schema=ROW_FEATURES.arrow_schema),
        str(out / "data" / "train-00000-of-00001.parquet"),
        compression="zstd",
    )
    info = json.loads((demo / "export-info.json").read_text(encoding="utf-8"))
    c = info["counts"]
    c["exported"] = counts["manifest"]
    c["excluded_pages"] = counts["excluded"]
    c["not_fetched_urls"] = counts["not-fetched"]
    c["decision_records"] = records + c["policy_files"]
    (out / "export-info.json").write_text(json.dumps(info, indent=2, sort_keys=True))
    return counts


def _router(seen: list[str]) -> Any:
    """A route handler (one argument: Playwright passes the request too to a two-argument one)."""

    def route(r: Any) -> None:
        seen.append(r.request.url)
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            r.abort()

    return route


def browser_timings(path: Path, repeats: int, probe: int) -> dict[str, Any]:
    """Best-of-``repeats`` load, search and detail times in headless Chromium (offline)."""
    from playwright.sync_api import sync_playwright

    best: dict[str, float] = {}
    blocked = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for _ in range(repeats):
            page = browser.new_page()
            requests: list[str] = []
            page.route("**/*", _router(requests))
            t0 = time.perf_counter()
            page.goto(path.as_uri(), wait_until="load", timeout=600_000)
            page.wait_for_selector("body[data-ready=true]", timeout=600_000)
            ready = time.perf_counter() - t0
            heap = page.evaluate("performance.memory ? performance.memory.usedJSHeapSize : 0")
            t1 = time.perf_counter()
            page.fill("#q", f"/articles/{probe}/")
            page.locator("#match-count", has_text=re.compile(r"^1 of")).wait_for(timeout=60_000)
            search = time.perf_counter() - t1
            t2 = time.perf_counter()
            page.click("#records-body tr")
            page.wait_for_selector("#detail-text")
            detail = time.perf_counter() - t2
            blocked += len([u for u in requests if not u.startswith("file://")])
            for key, value in (("ready_s", ready), ("search_s", search), ("detail_s", detail)):
                best[key] = min(best.get(key, value), value)
            best["js_heap_mb"] = round(heap / 1e6, 1)
            page.close()
        version = browser.version
        browser.close()
    return {**{k: round(v, 3) for k, v in best.items()}, "chromium": version, "blocked": blocked}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--origins", type=int, default=2_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", default=None, help="working folder (default: a temporary one)")
    parser.add_argument("--out", default="benchmarks/results/report_size")
    args = parser.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="report-bench-"))
    demo = work / "demo"
    if not (demo / "dataset" / "manifest.jsonl.gz").exists():
        subprocess.run(
            [sys.executable, "-m", "crawler.cli", "demo", "--out", str(demo), "-q"],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
    release = work / "release"
    counts = build_release(demo / "dataset", release, args.records, args.origins)
    t0 = time.perf_counter()
    path, facts = write_report(release)
    build_s = time.perf_counter() - t0
    size = path.stat().st_size
    browser = browser_timings(path, args.repeats, args.records // 2)
    result = {
        "records": args.records,
        "origins": args.origins,
        "counts": counts,
        "distinct_detail_lines": len(facts.lines.items),
        "report_bytes": size,
        "report_mb": round(size / 1e6, 1),
        "build_s": round(build_s, 1),
        "browser": browser,
        "machine": f"{platform.machine()}, {platform.python_version()}",
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    md = [
        f"# report.html for {args.records} records ({args.origins} origins)",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| file size | {result['report_mb']} MB |",
        f"| written in (`write_report`) | {result['build_s']} s |",
        f"| Chromium: navigation → table drawn (best of {args.repeats}) | {browser['ready_s']} s |",
        f"| Chromium: search answered | {browser['search_s']} s |",
        f"| Chromium: detail view drawn | {browser['detail_s']} s |",
        f"| JS heap after load | {browser['js_heap_mb']} MB |",
        f"| requests leaving the page | {browser['blocked']} |",
        "",
        f"Chromium {browser['chromium']}; {result['machine']}.",
        "",
    ]
    out.with_suffix(".md").write_text("\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
