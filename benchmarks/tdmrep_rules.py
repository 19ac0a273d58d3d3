"""tdmrep.json with many rules: per-URL match time before/after the per-origin rule index.

Usage (from the repository root; about a minute on the 2-core box)::

    .venv/bin/python benchmarks/tdmrep_rules.py --rules 60000 --out benchmarks/results/tdmrep_rules

Issue 11 (item 20): a tdmrep.json of 60,000 rules cost 1.7-4.3 s per URL on the reactor thread,
because every URL was checked against every rule in array order, each with a protego parser
rebuilt whenever ``pattern_matches``'s 4,096-entry cache had dropped it. Now the file is parsed
once per origin (in a worker thread, and only up to ``filters.optout.tdmrep.MAX_BYTES``) into an index
keyed by each rule's plain literal head, and a URL is checked only against the rules whose head
prefixes its path.

What it measures, in one process (the cap is raised so the 60k-rule file is parsed at all):

* ``before``: the old evaluation, a first-match loop over every rule with ``pattern_matches``
  (exactly what ``TdmrepPolicy._signal`` did), on ``--before-urls`` URLs (it is slow);
* ``after``: ``TdmrepPolicy.signal`` with the compiled index, on ``--after-urls`` URLs;
* both on two rule sets: ``sections`` (one rule per site section, ``/section-N/…``, the shape of
  real large files) and ``wildcards`` (every rule starts with ``*``, so no head narrows the
  candidates: the index's worst case, where per-URL time stays linear in the rules);
* the one-off parse + compile time of the file (what runs in the worker thread);
* the same for the largest file of each shape under the 512,000-byte cap (what a crawl can
  actually meet: bigger files are not parsed).

Every URL is checked by both paths and the verdicts must agree (the script stops otherwise).
Results: ``OUT.json`` and ``OUT.md`` (medians, ratio before/after). Not run by the tests.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from filters.optout.tdmrep import MAX_BYTES, TdmrepPolicy, tdmrep_from_fetch
from filters.robots.match import pattern_matches

BASE = "http://bench.example"
FILE_URL = BASE + "/.well-known/tdmrep.json"


def rules_sections(n: int) -> list[dict[str, Any]]:
    """One rule per section; every tenth reserved; a catch-all last."""
    out: list[dict[str, Any]] = [
        {"location": f"/section-{i}/*", "tdm-reservation": int(i % 10 == 0)} for i in range(n - 1)
    ]
    out.append({"location": "/", "tdm-reservation": 1})
    return out


def rules_wildcards(n: int) -> list[dict[str, Any]]:
    """Every rule starts with ``*``: no literal head, every rule is a candidate."""
    return [{"location": f"*/item-{i}.pdf$", "tdm-reservation": int(i % 2)} for i in range(n)]


def urls_for(kind: str, n_rules: int, count: int, rng: random.Random) -> list[str]:
    if kind == "sections":
        return [
            f"{BASE}/section-{rng.randrange(n_rules * 2)}/page-{rng.randrange(1000)}.html"
            for _ in range(count)
        ]
    return [f"{BASE}/docs/item-{rng.randrange(n_rules * 2)}.pdf" for _ in range(count)]


def old_verdict(rules: list[dict[str, Any]], url: str) -> bool | None:
    """The pre-index evaluation: first matching rule in array order, protego per rule."""
    for rule in rules:
        if pattern_matches(rule["location"], url):
            return rule["tdm-reservation"] == 1
    return None


def timed_per_url(fn: Any, urls: list[str]) -> tuple[list[float], list[Any]]:
    times: list[float] = []
    out: list[Any] = []
    for url in urls:
        t0 = time.perf_counter()
        out.append(fn(url))
        times.append(time.perf_counter() - t0)
    return times, out


def build(body: bytes) -> tuple[TdmrepPolicy, float]:
    t0 = time.perf_counter()
    policy = tdmrep_from_fetch(FILE_URL, 200, body, "2026-12-04T00:00:00Z", max_bytes=len(body))
    return policy, time.perf_counter() - t0


def run_set(kind: str, n_rules: int, before_urls: int, after_urls: int) -> dict[str, Any]:
    rng = random.Random(11)  # noqa: S311 - deterministic URLs
    rules = rules_sections(n_rules) if kind == "sections" else rules_wildcards(n_rules)
    body = json.dumps(rules).encode()
    policy, parse_s = build(body)
    urls = urls_for(kind, n_rules, after_urls, rng)
    slow_urls = urls[:before_urls]
    before, old = timed_per_url(lambda u: old_verdict(rules, u), slow_urls)
    after, new = timed_per_url(lambda u: policy.signal(u).reserved, urls)
    if old != new[: len(old)]:
        raise SystemExit(f"{kind}: verdicts differ between the old loop and the index")
    b, a = statistics.median(before), statistics.median(after)
    return {
        "rules": n_rules,
        "file_bytes": len(body),
        "parse_and_compile_s": round(parse_s, 3),
        "before_urls": len(before),
        "after_urls": len(after),
        "before_median_s": round(b, 6),
        "before_max_s": round(max(before), 6),
        "after_median_s": round(a, 9),
        "after_p99_s": round(sorted(after)[int(len(after) * 0.99) - 1], 9),
        "after_max_s": round(max(after), 9),
        "ratio_before_over_after": round(b / a, 1) if a else None,
    }


def largest_under_cap(kind: str) -> int:
    """The most rules of ``kind`` whose file stays within ``MAX_BYTES``."""
    make = rules_sections if kind == "sections" else rules_wildcards
    lo, hi = 1, 2
    while len(json.dumps(make(hi)).encode()) <= MAX_BYTES:
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if len(json.dumps(make(mid)).encode()) <= MAX_BYTES:
            lo = mid
        else:
            hi = mid
    return lo


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--rules", type=int, default=60_000)
    ap.add_argument("--before-urls", type=int, default=5)
    ap.add_argument("--after-urls", type=int, default=2000)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/tdmrep_rules")
    args = ap.parse_args()
    result = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "max_bytes": MAX_BYTES,
        "sets": {
            kind: run_set(kind, args.rules, args.before_urls, args.after_urls)
            for kind in ("sections", "wildcards")
        },
        "at_cap": {
            kind: run_set(kind, largest_under_cap(kind), 2, args.after_urls // 4)
            for kind in ("sections", "wildcards")
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# tdmrep.json rule matching (benchmarks/tdmrep_rules.py)",
        "",
        f"Python {result['python']} ({result['machine']}); per-URL times are medians.",
        "",
        (
            "| rule set | rules | file bytes | parse+compile s | before s/URL | after s/URL "
            "| after p99 s | before/after |"
        ),
        "|---|---|---|---|---|---|---|---|",
    ]
    rows = [(k, r) for k, r in result["sets"].items()]
    rows += [(f"{k} (largest under the cap)", r) for k, r in result["at_cap"].items()]
    for kind, r in rows:
        lines.append(
            f"| {kind} | {r['rules']} | {r['file_bytes']} | {r['parse_and_compile_s']} "
            f"| {r['before_median_s']} | {r['after_median_s']} | {r['after_p99_s']} "
            f"| {r['ratio_before_over_after']} |"
        )
    lines += [
        "",
        (
            f"Files over {MAX_BYTES} bytes are not parsed in a crawl (fail closed); the 60k-rule "
            "rows raise the cap to measure matching. Parse+compile runs once per origin in a "
            "worker thread; per-URL matching runs inline on the event loop."
        ),
        "",
    ]
    args.out.with_suffix(".md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
