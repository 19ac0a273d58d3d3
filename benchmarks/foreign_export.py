"""Export throughput over archives other tools wrote (issue 14): Common Crawl's layout.

Usage (from the repository root)::

    .venv/bin/python benchmarks/foreign_export.py --pages 3000 --repeats 2 \\
        --work /tmp/foreign-bench --out benchmarks/results/foreign_export

What it does:

1. Builds a Common Crawl-style archive without crawling: page WARCs written by warcio's own
   writer (``warcinfo`` naming Apache Nutch and ``CC-MAIN-2020-34``, response records only, no
   request records, WARC/1.0, gzip per record, ``--files`` files) holding the same page mix as
   ``benchmarks/export_throughput.py`` (real corpus pages with a CC BY link + synthetic
   articles), and a separate ``robotstxt/`` WARC with one robots.txt per origin.
2. Measures, interleaved per repeat, each in a fresh process, two forms of trafilatura alone
   (1 process each): the whole job minus the rights — the same WARCs read with FastWARC, every
   page extracted, rows written to Parquet (:func:`child_trafilatura_warcs`: what the export
   does, without deciding anything) — and extraction only (``bare_extraction`` over the same
   page bytes held in memory, timed per call: no reading, no writing); and
   ``clearcrawl export --policy-warcs`` with 1 and 2 worker processes (scan for policy files,
   read every WARC, decide every page, extract, dedupe, write Parquet + manifest + card).
3. Reads the same WARCs with warcio (what the export uses) and with FastWARC, records and
   payloads only, to say whether FastWARC would be the faster reader.

Results: ``OUT.json`` (every run) and ``OUT.md`` (medians, per-core rates, and what one Common
Crawl monthly crawl would cost in core-hours at the measured rate). Not run by the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

#: Pages in one Common Crawl monthly crawl (CC-MAIN-2020-34, August 2020: 2.45 billion pages,
#: https://commoncrawl.org/blog/august-2020-crawl-archive-now-available).
CC_MONTHLY_PAGES = 2_450_000_000
NUTCH = "Apache Nutch 1.17 (modified, https://github.com/commoncrawl/nutch/)"
DATE = "2020-08-05T10:00:00Z"


def build(work: Path, pages: int, files: int, real_share: float) -> tuple[Path, Path]:
    from export_throughput import ORIGINS, page_bytes
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    warc_dir, robots_dir = work / "warc", work / "robotstxt"
    # An archive left by an earlier run is reused only if it was built with the same arguments:
    # reusing one of another size silently reported pages/s over pages that were never read.
    params = work / "build.json"
    wanted = json.dumps({"pages": pages, "files": files, "real_share": real_share}, sort_keys=True)
    if warc_dir.exists() and params.exists() and params.read_text(encoding="utf-8") == wanted:
        return warc_dir, robots_dir
    shutil.rmtree(work, ignore_errors=True)
    warc_dir.mkdir(parents=True)
    robots_dir.mkdir(parents=True)

    def writer(fh: Any, name: str) -> Any:
        w = WARCWriter(fh, gzip=True, warc_version="WARC/1.0")
        info = {"software": NUTCH, "isPartOf": "CC-MAIN-2020-34", "format": "WARC File Format 1.0"}
        w.write_record(w.create_warcinfo_record(name, info))
        return w

    def response(w: Any, url: str, body: bytes, ctype: str) -> None:
        http = StatusAndHeaders(
            "200 OK",
            [("Content-Type", ctype), ("Content-Length", str(len(body)))],
            protocol="HTTP/1.1",
        )
        rec = w.create_warc_record(
            url,
            "response",
            payload=BytesIO(body),
            http_headers=http,
            # as Common Crawl writes it (datatrove's WarcReader filters pages by it)
            warc_headers_dict={
                "WARC-Date": DATE,
                "WARC-Identified-Payload-Type": ctype.split(";")[0],
            },
        )
        w.write_record(rec)

    per_file = -(-pages // files)
    for f in range(files):
        name = f"CC-MAIN-20200803-{f:05d}.warc.gz"
        with (warc_dir / name).open("wb") as fh:
            w = writer(fh, name)
            for i in range(f * per_file, min(pages, (f + 1) * per_file)):
                body, _ = page_bytes(i, real_share)
                url = f"https://site-{i % ORIGINS}.bench/articles/{i}.html"
                response(w, url, body, "text/html; charset=utf-8")
    name = "CC-MAIN-20200803-00000.warc.gz"
    with (robots_dir / name).open("wb") as fh:
        w = writer(fh, name)
        for o in range(ORIGINS):
            body = b"User-agent: *\nDisallow: /private/\n"
            response(w, f"https://site-{o}.bench/robots.txt", body, "text/plain")
    params.write_text(wanted, encoding="utf-8")
    return warc_dir, robots_dir


def child_export(warc_dir: Path, robots_dir: Path, out: Path, workers: int) -> dict[str, Any]:
    from export.run import run_export

    if out.exists():
        shutil.rmtree(out)
    t, c = time.perf_counter(), os.times()
    summary = run_export(warc_dir, out, policy_warcs=[str(robots_dir)], workers=workers)
    elapsed = time.perf_counter() - t
    d = os.times()
    return {
        "elapsed_s": elapsed,
        "cpu_s": (d.user - c.user) + (d.system - c.system),
        "cpu_workers_s": (d.children_user - c.children_user)
        + (d.children_system - c.children_system),
        "pages": summary.pages,
        "exported": summary.exported,
        "excluded": dict(summary.excluded),
        "load": os.getloadavg()[0],
    }


def child_breakdown(warc_dir: Path, robots_dir: Path, out: Path) -> dict[str, Any]:
    """CPU milliseconds per page of each part of ``export --workers 1``, in-process.

    Each part is timed by wrapping the name its caller calls it by (each timed once):
    ``policy_scan`` (indexing the policy files of every input and of the policy archive: the
    page WARCs are read once more for it), ``prefetch`` (the pre-fetch verdict from the files
    found), ``parse_and_detectors`` (body decoding aside: the lxml parse and every rights
    detector), ``extract`` (trafilatura on the shared tree; only pages the rights checks
    admit), ``entry`` (building and serialising the manifest entry and row), ``release`` (card,
    report, checksums), ``rest`` (reading the WARCs, dedupe, Parquet and manifest writing).
    """
    import export.derive as derive_module
    import export.foreign as foreign_module
    import export.run as run_module
    from export.run import run_export

    cpu = time.process_time
    spent: dict[str, float] = {}

    def timed(module: Any, name: str, step: str) -> None:
        fn = getattr(module, name)

        def run(*args: Any, **kwargs: Any) -> Any:
            t0 = cpu()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[step] = spent.get(step, 0.0) + cpu() - t0

        setattr(module, name, run)

    timed(run_module, "build_context", "policy_scan")
    timed(foreign_module, "evaluate_policy_files", "prefetch")
    timed(derive_module, "extract_text", "extract")
    timed(derive_module, "assess_parsed", "parse_and_detectors")
    timed(foreign_module, "build_entry", "entry")
    timed(foreign_module, "build_row", "entry")
    timed(foreign_module, "pack", "entry")
    timed(run_module, "finish_release", "release")
    if out.exists():
        shutil.rmtree(out)
    t0 = cpu()
    summary = run_export(warc_dir, out, policy_warcs=[str(robots_dir)], workers=1)
    total = cpu() - t0
    n = summary.pages
    spent["rest"] = total - sum(spent.values())
    return {
        "pages": n,
        "ms_per_page": {k: round(v / n * 1000, 2) for k, v in spent.items()},
        "ms_per_page_total": round(total / n * 1000, 2),
        "load": os.getloadavg()[0],
    }


def child_trafilatura(pages: int, real_share: float) -> dict[str, Any]:
    """trafilatura alone: the same page bytes and URLs (https, as :func:`build` archives them)
    and the export's options (``export.extract._OPTIONS``), from bytes (trafilatura parses)."""
    from export_throughput import child_trafilatura as run

    return run(pages, real_share, scheme="https")


def child_trafilatura_warcs(warc_dir: Path, out: Path) -> dict[str, Any]:
    """trafilatura alone doing the export's whole job minus the rights: WARCs in, Parquet out.

    The program a user would write to turn these WARCs into a text dataset with trafilatura:
    FastWARC (the faster reader, as datatrove's ``WarcReader`` uses) reads every ``response``
    record, each HTML payload goes to ``bare_extraction`` with the export's options
    (``export.extract._OPTIONS``; trafilatura decodes and parses the bytes), and each page with
    text becomes a row (URL, text, trafilatura's metadata, the record's id and digest) written to
    zstd Parquet in 1,000-row batches with pyarrow, as the export writes its rows. Timed like
    :func:`child_export`: the CPU of the whole loop, imports aside.
    """
    import logging

    import pyarrow as pa
    import pyarrow.parquet as pq
    import trafilatura
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    from export.extract import _OPTIONS

    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    names = ("url", "text", "title", "author", "site_name", "date", "language", "warc_file")
    names += ("warc_record_id", "payload_digest")
    schema = pa.schema([(n, pa.string()) for n in names])
    t, c = time.perf_counter(), os.times()
    pages = extracted = 0
    batch: list[dict[str, Any]] = []
    writer = pq.ParquetWriter(str(out / "train-00000.parquet"), schema, compression="zstd")
    for f in sorted(warc_dir.rglob("*.warc.gz")):
        with f.open("rb") as fh:
            for rec in ArchiveIterator(fh, record_types=WarcRecordType.response, parse_http=True):
                ctype = (rec.http_headers.get("Content-Type") or "") if rec.http_headers else ""
                if "html" not in ctype.lower():
                    continue
                pages += 1
                url = rec.headers.get("WARC-Target-URI")
                doc = trafilatura.bare_extraction(rec.reader.read(), url=url, **_OPTIONS)
                text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
                if not text:
                    continue
                extracted += 1
                batch.append(
                    {
                        "url": url,
                        "text": text,
                        "title": doc.title,
                        "author": doc.author,
                        "site_name": doc.sitename,
                        "date": doc.date,
                        "language": doc.language,
                        "warc_file": f.name,
                        "warc_record_id": rec.headers.get("WARC-Record-ID"),
                        "payload_digest": rec.headers.get("WARC-Payload-Digest"),
                    }
                )
                if len(batch) >= 1000:
                    writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                    batch = []
    if batch:
        writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    writer.close()
    elapsed = time.perf_counter() - t
    d = os.times()
    return {
        "elapsed_s": elapsed,
        "cpu_s": (d.user - c.user) + (d.system - c.system),
        "pages": pages,
        "extracted": extracted,
        "load": os.getloadavg()[0],
    }


def child_read(warc_dir: Path, reader: str) -> dict[str, Any]:
    """Read every record and its payload: warcio, FastWARC, or the export's own reader.

    ``captures`` / ``captures-warcio``: :func:`export.warcread.iter_captures` with records split
    by FastWARC (as the export reads) or by warcio alone (as it read before), captures built.
    """
    files = sorted(warc_dir.glob("*.warc.gz"))
    records = 0
    t = time.perf_counter()
    if reader.startswith("captures"):
        from export.warcread import HashingReader, iter_captures, open_warc

        for f in files:
            digest = HashingReader(open_warc(str(f)))
            fast = reader == "captures"
            for _ in iter_captures(str(f), reader=digest, on_damage=None, fast=fast):
                records += 1
    elif reader == "warcio":
        from warcio.archiveiterator import ArchiveIterator

        for f in files:
            with f.open("rb") as fh:
                for rec in ArchiveIterator(fh):
                    rec.raw_stream.read()
                    records += 1
    else:
        from fastwarc.warc import ArchiveIterator as FastIterator

        for f in files:
            with f.open("rb") as fh:
                for rec in FastIterator(fh, parse_http=True):
                    rec.reader.read()
                    records += 1
    return {"elapsed_s": time.perf_counter() - t, "records": records}


def run_child(*args: str) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def report(results: dict[str, Any], out: Path, command: str) -> None:
    def med(key: str, field: str = "elapsed_s") -> float:
        return statistics.median(r[field] for r in results["runs"][key])

    pages = results["pages"]
    rate_t = pages / med("trafilatura")
    rate_1 = pages / med("export_1")
    rate_2 = pages / med("export_2")

    # per core: CPU seconds actually spent (parent + workers) over the pages; on a shared
    # machine this is the fair comparison (wall time includes waiting for other processes)
    def cpu(key: str) -> float:
        return statistics.median(
            r["cpu_s"] + r.get("cpu_workers_s", 0.0) for r in results["runs"][key]
        )

    cpu_t, cpu_1, cpu_2 = (
        pages / cpu("trafilatura"),
        pages / cpu("export_1"),
        pages / cpu("export_2"),
    )
    # runs saved before the whole-job peer existed have no such rows
    whole = "trafilatura_warcs" in results["runs"]
    rate_w = pages / med("trafilatura_warcs") if whole else 0.0
    cpu_w = pages / cpu("trafilatura_warcs") if whole else 0.0
    per_core = cpu_1
    load = statistics.median(
        r["load"] for rs in results["runs"].values() for r in rs if "load" in r
    )
    core_hours = CC_MONTHLY_PAGES / per_core / 3600
    read_w = med("read_warcio")
    read_f = med("read_fastwarc")
    # runs saved before the export read with FastWARC have no capture-reading rows
    cap_f = med("read_captures") if "read_captures" in results["runs"] else 0.0
    cap_w = med("read_captures_warcio") if "read_captures_warcio" in results["runs"] else 0.0
    lines = [
        "# Export over foreign (Common Crawl-style) WARCs",
        "",
        f"Command: `{command}`",
        "",
        (
            f"{pages} pages in {results['files']} page WARCs (warcio-written, Nutch warcinfo, "
            "CC-MAIN-2020-34) + a separate robotstxt/ WARC; "
            f"{results['runs']['export_1'][0]['exported']} exported. "
            f"Machine: {results['machine']}. Medians of {results['repeats']} repeat(s), "
            f"interleaved; the machine was shared (median load average {load:.1f} on its cores), "
            "so wall-clock rates understate; per CPU-second is the per-core comparison."
        ),
        "",
        (
            "| run | pages/s (wall) | pages per CPU-second | per core vs trafilatura alone, "
            "whole job | … vs extraction only |"
        ),
        "|---|---:|---:|---:|---:|",
        *(
            [
                (
                    f"| trafilatura alone, whole job (FastWARC → `bare_extraction` → Parquet, "
                    f"1 process) | {rate_w:.1f} | {cpu_w:.1f} | 1.00× | {cpu_w / cpu_t:.2f}× |"
                )
            ]
            if whole
            else []
        ),
        (
            f"| trafilatura alone, extraction only (page bytes in memory, 1 process) | {rate_t:.1f}"
            f" | {cpu_t:.1f} | {f'{cpu_t / cpu_w:.2f}×' if whole else '–'} | 1.00× |"
        ),
        (
            f"| `clearcrawl export --workers 1` | {rate_1:.1f} | {cpu_1:.1f} | "
            f"{f'**{cpu_1 / cpu_w:.2f}×**' if whole else '–'} | {cpu_1 / cpu_t:.2f}× |"
        ),
        (
            f"| `clearcrawl export --workers 2` | {rate_2:.1f} | {cpu_2:.1f} | "
            f"{f'{cpu_2 / cpu_w:.2f}×' if whole else '–'} | {cpu_2 / cpu_t:.2f}× |"
        ),
        "",
        (
            "The whole-job peer does the export's work minus the rights (read the same WARCs, "
            "extract every page, write Parquet rows); extraction only is trafilatura's part of "
            "it alone. The export extracts only the pages its rights checks admit."
        ),
        "",
        (
            f"Per core (CPU seconds of parent + workers, `--workers 1`): **{per_core:.1f} pages/s "
            f"per core**. One Common Crawl monthly crawl ({CC_MONTHLY_PAGES / 1e9:.2f} billion "
            f"pages) would take about **{core_hours:,.0f} core-hours** at that rate (reading, "
            "decisions, extraction and writing; download time not included)."
        ),
        "",
        (
            f"Reading the same WARCs (records + payloads, no decisions): warcio "
            f"{results['records'] / read_w:,.0f} records/s, FastWARC "
            f"{results['records'] / read_f:,.0f} records/s ({read_w / read_f:.1f}× faster)."
            + (
                f" The export's reader (captures built, file digested): "
                f"{results['pages'] / cap_f:,.0f} captures/s with records split by FastWARC, "
                f"{results['pages'] / cap_w:,.0f} with warcio alone ({cap_w / cap_f:.1f}× faster;"
                " warcio still reads each file's last record, ARC, one-stream gzip and damage)."
                if cap_f and cap_w
                else ""
            )
        ),
        "",
    ]
    bd = results.get("breakdown")
    if bd:
        lines += [
            (
                f"Where `export --workers 1`'s CPU goes (one in-process run, "
                f"{bd['ms_per_page_total']:.2f} ms per page in all, load average "
                f"{bd['load']:.1f}; `benchmarks/foreign_export.py` `child_breakdown` says what "
                "each part holds):"
            ),
            "",
            "| part | CPU ms/page |",
            "|---|---:|",
            *[f"| {k} | {v:.2f} |" for k, v in bd["ms_per_page"].items()],
            "",
        ]
    out.with_suffix(".md").write_text("\n".join(lines), encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps(results, indent=2), encoding="utf-8")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pages", type=int, default=3000)
    p.add_argument("--files", type=int, default=4)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--real-share", type=float, default=0.3)
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "foreign-bench")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/foreign_export")
    p.add_argument("--child", nargs="+")
    p.add_argument("--report-only", action="store_true", help="re-render OUT.md from OUT.json")
    args = p.parse_args()
    if args.report_only:
        saved = json.loads(args.out.with_suffix(".json").read_text(encoding="utf-8"))
        report(saved, args.out, saved.get("command", "python " + " ".join(sys.argv)))
        return
    if args.child:
        kind, *rest = args.child
        if kind == "export":
            res = child_export(Path(rest[0]), Path(rest[1]), Path(rest[2]), int(rest[3]))
        elif kind == "trafilatura":
            res = child_trafilatura(int(rest[0]), float(rest[1]))
        elif kind == "trafilatura_warcs":
            res = child_trafilatura_warcs(Path(rest[0]), Path(rest[1]))
        elif kind == "breakdown":
            res = child_breakdown(Path(rest[0]), Path(rest[1]), Path(rest[2]))
        else:
            res = child_read(Path(rest[0]), rest[1])
        print(json.dumps(res))
        return
    warc_dir, robots_dir = build(args.work, args.pages, args.files, args.real_share)
    runs: dict[str, list[dict[str, Any]]] = {}
    for _ in range(args.repeats):
        for key, child in (
            ("trafilatura", ("trafilatura", str(args.pages), str(args.real_share))),
            ("trafilatura_warcs", ("trafilatura_warcs", str(warc_dir), str(args.work / "ot"))),
            ("export_1", ("export", str(warc_dir), str(robots_dir), str(args.work / "o1"), "1")),
            ("export_2", ("export", str(warc_dir), str(robots_dir), str(args.work / "o2"), "2")),
            ("read_warcio", ("read", str(warc_dir), "warcio")),
            ("read_fastwarc", ("read", str(warc_dir), "fastwarc")),
            ("read_captures", ("read", str(warc_dir), "captures")),
            ("read_captures_warcio", ("read", str(warc_dir), "captures-warcio")),
        ):
            runs.setdefault(key, []).append(run_child(*child))
    for key in ("export_1", "export_2"):
        read = {run["pages"] for run in runs[key]}
        if read != {args.pages}:
            sys.exit(f"foreign_export: {key} read {sorted(read)} pages, not --pages {args.pages}")
    breakdown = run_child("breakdown", str(warc_dir), str(robots_dir), str(args.work / "ob"))
    results = {
        "breakdown": breakdown,
        "pages": args.pages,
        "files": args.files,
        "repeats": args.repeats,
        "records": runs["read_warcio"][0]["records"],
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "runs": runs,
        "command": "python " + " ".join(sys.argv),
    }
    report(results, args.out, "python " + " ".join(sys.argv))


if __name__ == "__main__":
    main()
