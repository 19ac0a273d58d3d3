"""clearcrawl as datatrove steps vs datatrove's own ``WarcReader`` → ``Trafilatura`` pipeline.

Usage (from the repository root)::

    .venv/bin/python benchmarks/datatrove_compare.py --pages 3000 --repeats 2 \\
        --work /tmp/datatrove-bench --out benchmarks/results/datatrove_compare

Over the same Common Crawl-style WARCs (built by ``benchmarks/foreign_export.py``: warcio-written
page WARCs with a Nutch ``warcinfo`` and a separate ``robotstxt/`` WARC), on datatrove's
``LocalPipelineExecutor`` with 1 and 2 tasks (one worker process per task), each run in a fresh
process, repeats interleaved:

* ``datatrove``: ``WarcReader`` → ``Trafilatura`` (datatrove's defaults: ``favour_precision``,
  ``deduplicate``; timeout raised to 10 s so a loaded machine does not drop documents) →
  ``JsonlWriter``: text extraction only, no rights decision;
* ``clearcrawl``: ``ClearcrawlWarcReader`` → ``ClearcrawlRightsFilter`` (policy files from the
  robots.txt archive, every detector, the policy, text extraction, the manifest entry; exclusions
  to their own ``JsonlWriter``) → ``JsonlWriter``;
* ``clearcrawl + dedupe``: the same, then the two duplicate-removal stages
  (``ClearcrawlFindDuplicates``, 1 task; ``JsonlReader`` → ``ClearcrawlDuplicateFilter`` →
  ``JsonlWriter``), which make the output equal to a single ``clearcrawl export``'s.

CPU seconds are the run's process and every process it waited for (task workers and datatrove's
extraction sandboxes; the pool is forked so they are its children): per CPU-second is the
per-core comparison on a shared machine. Results: ``OUT.json`` (every run), ``OUT.md``
(medians). Not run by the tests.
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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

KINDS = ("datatrove", "clearcrawl", "clearcrawl_dedupe")


def _executor(pipeline: list[Any], tasks: int, logs: Path) -> Any:
    from datatrove.executor import LocalPipelineExecutor

    return LocalPipelineExecutor(
        pipeline=pipeline,
        tasks=tasks,
        workers=tasks,
        logging_dir=str(logs),
        start_method="fork",  # workers are this process's children: their CPU is counted
        skip_completed=False,
    )


def _count_docs(folder: Path) -> int:
    import gzip

    return sum(
        sum(1 for line in gzip.open(p, "rt") if line.strip()) for p in folder.glob("*.jsonl.gz")
    )


def child_run(kind: str, warc_dir: Path, robots_dir: Path, out: Path, tasks: int) -> dict[str, Any]:
    import logging

    from loguru import logger

    logger.remove()  # datatrove logs every document's progress to stderr otherwise
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    from datatrove.pipeline.writers import JsonlWriter

    if out.exists():
        shutil.rmtree(out)
    t, c = time.perf_counter(), os.times()
    if kind == "datatrove":
        from datatrove.pipeline.extractors import Trafilatura
        from datatrove.pipeline.readers import WarcReader

        _executor(
            [
                WarcReader(str(warc_dir)),
                Trafilatura(timeout=10),
                JsonlWriter(str(out / "rows")),
            ],
            tasks,
            out / "logs",
        ).run()
    else:
        from export.datatrove_step import (
            ClearcrawlDuplicateFilter,
            ClearcrawlFindDuplicates,
            ClearcrawlRightsFilter,
            ClearcrawlWarcReader,
        )

        admitted = out / ("admitted" if kind == "clearcrawl_dedupe" else "rows")
        _executor(
            [
                ClearcrawlWarcReader(str(warc_dir)),
                ClearcrawlRightsFilter(
                    inputs=[warc_dir],
                    policy_warcs=[robots_dir],
                    exclusion_writer=JsonlWriter(str(out / "excluded")),
                ),
                JsonlWriter(str(admitted)),
            ],
            tasks,
            out / "logs-1",
        ).run()
        if kind == "clearcrawl_dedupe":
            from datatrove.pipeline.readers import JsonlReader

            _executor(
                [ClearcrawlFindDuplicates(str(admitted), str(out / "dups"), inputs=[warc_dir])],
                1,
                out / "logs-2",
            ).run()
            _executor(
                [
                    JsonlReader(str(admitted)),
                    ClearcrawlDuplicateFilter(
                        str(out / "dups"), exclusion_writer=JsonlWriter(str(out / "excluded-dup"))
                    ),
                    JsonlWriter(str(out / "rows")),
                ],
                tasks,
                out / "logs-3",
            ).run()
    elapsed = time.perf_counter() - t
    d = os.times()
    return {
        "elapsed_s": elapsed,
        "cpu_s": (d.user - c.user) + (d.system - c.system),
        "cpu_children_s": (d.children_user - c.children_user)
        + (d.children_system - c.children_system),
        "rows": _count_docs(out / "rows"),
        "load": os.getloadavg()[0],
    }


def run_child(*args: str) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def report(results: dict[str, Any], out: Path, command: str) -> None:
    pages = results["pages"]
    runs = results["runs"]

    def cpu(key: str) -> float:
        return statistics.median(r["cpu_s"] + r["cpu_children_s"] for r in runs[key])

    def wall(key: str) -> float:
        return statistics.median(r["elapsed_s"] for r in runs[key])

    loads = [r["load"] for rs in runs.values() for r in rs]
    names = {
        "datatrove": "datatrove `WarcReader` → `Trafilatura` → `JsonlWriter` (no rights decision)",
        "clearcrawl": "`ClearcrawlWarcReader` → `ClearcrawlRightsFilter` → `JsonlWriter`",
        "clearcrawl_dedupe": "… + `ClearcrawlFindDuplicates` + `ClearcrawlDuplicateFilter` "
        "(= a single export's rows)",
    }
    lines = [
        "# clearcrawl as datatrove steps vs datatrove's own WARC → Trafilatura pipeline",
        "",
        f"Command: `{command}`",
        "",
        (
            f"{pages} pages in {results['files']} Common Crawl-style page WARCs + a robotstxt/ WARC "
            f"(built by `benchmarks/foreign_export.py`), datatrove {results['versions']['datatrove']}"
            f", trafilatura {results['versions']['trafilatura']}, `LocalPipelineExecutor` "
            f"(forked workers, one per task). Machine: {results['machine']}; medians of "
            f"{results['repeats']} interleaved repeats; load average {min(loads):.1f}–"
            f"{max(loads):.1f} (the machine was shared: per CPU-second is the per-core figure)."
        ),
        "",
        "| pipeline | tasks | rows | pages/s (wall) | pages per CPU-second | per core vs datatrove |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for tasks in (1, 2):
        base = pages / cpu(f"datatrove_{tasks}")
        for kind in KINDS:
            key = f"{kind}_{tasks}"
            rate = pages / cpu(key)
            lines.append(
                f"| {names[kind]} | {tasks} | {runs[key][0]['rows']} | {pages / wall(key):.1f} | "
                f"{rate:.1f} | {rate / base:.2f}× |"
            )
    lines += [
        "",
        (
            "datatrove's pipeline only extracts text (its `Trafilatura` step with its defaults: "
            "`favor_precision`, `deduplicate`, no metadata, in a sandbox process per task); the "
            "clearcrawl steps also find each page's robots.txt in the policy archive and re-derive "
            "the pre-fetch verdict, run every rights detector and the policy, extract text with "
            "metadata (title, author, date for the attribution) and build the manifest entry, "
            "so rows differ: datatrove keeps every page it extracts text from, clearcrawl only "
            "those the policy admits."
        ),
        "",
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".md").write_text("\n".join(lines), encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pages", type=int, default=3000)
    p.add_argument("--files", type=int, default=4)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--real-share", type=float, default=0.3)
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "datatrove-bench")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/datatrove_compare")
    p.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    p.add_argument("--report-only", action="store_true", help="re-render OUT.md from OUT.json")
    args = p.parse_args()
    if args.report_only:
        saved = json.loads(args.out.with_suffix(".json").read_text(encoding="utf-8"))
        report(saved, args.out, saved["command"])
        return
    if args.child:
        kind, warc, robots, out, tasks = args.child
        print(json.dumps(child_run(kind, Path(warc), Path(robots), Path(out), int(tasks))))
        return
    from importlib.metadata import version

    from foreign_export import build

    warc_dir, robots_dir = build(args.work, args.pages, args.files, args.real_share)
    runs: dict[str, list[dict[str, Any]]] = {}
    for rep in range(args.repeats):
        for tasks in (1, 2):
            for kind in KINDS:
                key = f"{kind}_{tasks}"
                out = args.work / f"out-{key}"
                res = run_child(kind, str(warc_dir), str(robots_dir), str(out), str(tasks))
                runs.setdefault(key, []).append(res)
                print(f"repeat {rep + 1} {key}: {res}", flush=True)
    command = "python " + " ".join(["benchmarks/datatrove_compare.py", *sys.argv[1:]])
    results = {
        "pages": args.pages,
        "files": args.files,
        "repeats": args.repeats,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "versions": {n: version(n) for n in ("datatrove", "trafilatura", "warcio")},
        "runs": runs,
        "command": command,
    }
    report(results, args.out, command)
    print(args.out.with_suffix(".md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
