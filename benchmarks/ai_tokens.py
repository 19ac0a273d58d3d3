"""How many more origins the full AI-token list refuses, and what matching 158 tokens costs.

Usage (from the repository root; well under a minute)::

    .venv/bin/python benchmarks/ai_tokens.py --out benchmarks/results/ai_tokens

Issue 15: clearcrawl honoured 20 AI-training tokens (``filters.tokens.LEGACY_AI_TOKENS``); it
now honours every entry of ai.robots.txt's ``robots.json`` at commit 738c80d (166 entries, 158
distinct product tokens). On a sample of real robots.txt files
(``benchmarks/data/robots_sample.jsonl.gz``, provenance in ``benchmarks/data/PROVENANCE.md``)
this counts, per sample set, the origins whose home page (``/``) and a typical article path
(``/news/2026/12/article.html``) are refused with each list, and the origins the full list
refuses that the old one let in, naming the token whose group refused.

Cost: per file, parse + the first verdict (group selection for every honoured token, done once
per origin and cached) and the median per-URL verdict after that, with each list. Results:
``OUT.json`` and ``OUT.md``. Not run by the tests.
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import statistics
import time
from pathlib import Path
from typing import Any

from filters.robots import robots_from_fetch
from filters.tokens import LEGACY_AI_TOKENS, honored_tokens

SAMPLE = Path(__file__).parent / "data" / "robots_sample.jsonl.gz"
PATHS = ("/", "/news/2026/12/article.html")
AGENT = ("clearcrawl",)


def _load() -> list[dict[str, str]]:
    with gzip.open(SAMPLE, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _evaluate(rows: list[dict[str, str]], tokens: tuple[str, ...]) -> dict[str, Any]:
    refused: dict[str, str] = {}
    first: list[float] = []
    per_url: list[float] = []
    for row in rows:
        origin = f"https://{row['origin']}"
        t0 = time.perf_counter()
        policy = robots_from_fetch(
            origin + "/robots.txt", 200, row["robots"].encode("utf-8"), "2026-12-04T00:00:00Z"
        )
        verdicts = [policy.verdict(origin + PATHS[0], tokens)]
        first.append(time.perf_counter() - t0)
        for path in PATHS[1:]:
            t1 = time.perf_counter()
            verdicts.append(policy.verdict(origin + path, tokens))
            per_url.append(time.perf_counter() - t1)
        bad = [v for v in verdicts if not v.allowed]
        if bad:
            refused[f"{row['set']}:{row['origin']}"] = bad[0].reason
    return {
        "refused": refused,
        "first_verdict_ms_median": statistics.median(first) * 1000,
        "first_verdict_ms_max": max(first) * 1000,
        "per_url_ms_median": statistics.median(per_url) * 1000,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="benchmarks/results/ai_tokens")
    args = ap.parse_args()
    rows = _load()
    legacy = honored_tokens(LEGACY_AI_TOKENS, AGENT)
    full = honored_tokens(None, AGENT)
    results = {name: _evaluate(rows, toks) for name, toks in (("legacy", legacy), ("full", full))}
    sets = sorted({r["set"] for r in rows})
    table = []
    for s in sets:
        n = sum(1 for r in rows if r["set"] == s)
        old = {k for k in results["legacy"]["refused"] if k.startswith(s + ":")}
        new = {k for k in results["full"]["refused"] if k.startswith(s + ":")}
        table.append(
            {
                "set": s,
                "origins": n,
                "refused_legacy": len(old),
                "refused_full": len(new),
                "more_refused": sorted(new - old),
                "no_longer_refused": sorted(old - new),
            }
        )
    out = {
        "python": platform.python_version(),
        "tokens": {"legacy": len(legacy), "full": len(full)},
        "sets": table,
        "newly_refused_reasons": {
            k: results["full"]["refused"][k] for row in table for k in row["more_refused"]
        },
        "timing": {
            name: {k: v for k, v in r.items() if k != "refused"} for name, r in results.items()
        },
    }
    Path(args.out + ".json").write_text(json.dumps(out, indent=2) + "\n")
    md = [
        "# AI crawler tokens: 20 (before) vs ai.robots.txt robots.json@738c80d (now)",
        "",
        (
            f"Honoured tokens: {len(legacy)} before, {len(full)} now (sent token, clearcrawl, "
            "Scrapy included). An origin counts as refused when `/` or "
            "`/news/2026/12/article.html` is refused."
        ),
        "",
        "| sample | origins | refused before | refused now | more refused |",
        "|---|---:|---:|---:|---:|",
    ]
    md += [
        f"| {t['set']} | {t['origins']} | {t['refused_legacy']} | {t['refused_full']} | "
        f"{len(t['more_refused'])} |"
        for t in table
    ]
    md += ["", "| list | parse + first verdict, median ms | max ms | per-URL verdict, median ms |"]
    md += ["|---|---:|---:|---:|"]
    md += [
        f"| {name} | {r['first_verdict_ms_median']:.3f} | {r['first_verdict_ms_max']:.3f} | "
        f"{r['per_url_ms_median']:.4f} |"
        for name, r in out["timing"].items()
    ]
    md += ["", "Newly refused (reason as recorded):", ""]
    md += [f"- `{k}`: {v}" for k, v in out["newly_refused_reasons"].items()]
    Path(args.out + ".md").write_text("\n".join(md) + "\n")
    print("\n".join(md[: 12 + len(table)]))


if __name__ == "__main__":
    main()
