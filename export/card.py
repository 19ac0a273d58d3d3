"""The dataset card (``README.md`` with YAML front matter) and ``LICENSES.md``.

The YAML follows the Hub's dataset-card metadata (``shared/reference/hf-datasets.md`` §2):
``license`` lists the Hub licence ids present (lowercase; ids the Hub does not know, such as
Creative Commons ports, make it add ``other`` with ``license_name``/``license_link``), and
``configs`` declares the data files so ``load_dataset`` never guesses splits from file names.
The body states how the data was collected, which signals were honoured, the per-licence
record counts, the exclusion counts by reason, and what users owe the authors.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import yaml

from crawler import __version__
from filters.policy import Policy

#: Licence ids the Hugging Face Hub accepts in card metadata (its published vocabulary).
HUB_LICENSE_IDS = frozenset(
    {
        "apache-2.0", "mit", "bsd-2-clause", "bsd-3-clause", "isc", "unlicense", "zlib",
        "cc0-1.0", "cc-by-2.0", "cc-by-2.5", "cc-by-3.0", "cc-by-4.0", "cc-by-sa-3.0",
        "cc-by-sa-4.0", "cc-by-nc-2.0", "cc-by-nc-3.0", "cc-by-nc-4.0", "cc-by-nd-4.0",
        "cc-by-nc-nd-3.0", "cc-by-nc-nd-4.0", "cc-by-nc-sa-2.0", "cc-by-nc-sa-3.0",
        "cc-by-nc-sa-4.0", "gfdl", "odc-by", "odbl", "pddl", "etalab-2.0", "cdla-permissive-2.0",
    }
)


def hub_license_ids(spdx_ids: list[str]) -> list[str]:
    out: list[str] = []
    for spdx in spdx_ids:
        low = spdx.lower()
        hub = "gfdl" if low.startswith("gfdl") else low
        if hub in HUB_LICENSE_IDS:
            out.append(hub)
        else:
            out.append("other")
    return sorted(set(out), key=lambda x: (x == "other", x))


def size_category(n: int) -> str:
    bounds = [
        (1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"),
        (1_000_000_000, "100M<n<1B"),
    ]
    for bound, label in bounds:
        if n < bound:
            return label
    return "n>1B"


ATTRIBUTION_DUTIES = {
    "CC-BY": "attribution: credit the author, give the title and source URL, name and link the "
    "licence, and say if the text was changed (CC BY §3(a)). The `attribution` column holds a "
    "ready-made TASL line for each row.",
    "CC-BY-SA": "attribution as for CC BY, and share-alike: adaptations must be shared under the "
    "same or a compatible licence (CC BY-SA §3(b)).",
    "CC0": "none (public domain dedication); attribution is still good practice.",
    "CC-PDM": "none (public domain); attribution is still good practice.",
}


def _duty(spdx: str) -> str:
    base = spdx.replace("LicenseRef-", "")
    for prefix in ("CC-BY-SA", "CC-BY", "CC0", "CC-PDM"):
        if base.startswith(prefix):
            return ATTRIBUTION_DUTIES[prefix]
    return "see the licence text at the row's `license_url`."


def render_card(
    *,
    pretty_name: str,
    rows: int,
    license_counts: Counter[str],
    license_urls: dict[str, str],
    languages: Counter[str],
    excluded: Counter[str],
    not_fetched: Counter[str],
    policy: Policy,
    sources: list[str],
    shards: list[str],
    tokens: tuple[str, ...],
) -> str:
    spdx_ids = sorted(license_counts)
    hub = hub_license_ids(spdx_ids) or ["unknown"]
    meta: dict[str, Any] = {
        "pretty_name": pretty_name,
        "license": hub,
    }
    if "other" in hub:
        meta["license_name"] = "clearcrawl-per-record-licences"
        meta["license_link"] = "LICENSES.md"
    meta["language"] = sorted(languages) or ["und"]
    meta["size_categories"] = [size_category(rows)]
    meta["task_categories"] = ["text-generation"]
    meta["tags"] = ["clearcrawl", "web", "openly-licensed", "rights-manifest"]
    meta["configs"] = [
        {"config_name": "default", "default": True,
         "data_files": [{"split": "train", "path": "data/train-*"}]},
    ]
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
    lines = [f"---\n{front}---", "", f"# {pretty_name}", ""]
    lines += [
        f"Web text collected by [clearcrawl](https://github.com/clearcrawl/clearcrawl) {__version__}, "
        "exported only where the rights were cleared. Every row has an entry in `manifest.jsonl` "
        "(joined on `id`) that says which licence covers it, where that was found, which opt-out "
        "signals were checked, and which WARC record it was derived from.",
        "",
        "## How the data was collected",
        "",
        "- A Scrapy crawl that obeys robots.txt per RFC 9309 for every honoured product token "
        f"({', '.join(tokens)}); an unreachable robots.txt (5xx, timeout) means *disallow*.",
        "- AI/TDM opt-outs honoured: TDMRep (`/.well-known/tdmrep.json`, `tdm-reservation` header "
        "and meta), `noai`/`noimageai` in `X-Robots-Tag` and robots meta tags (also bot-scoped), "
        "Spawning `ai.txt`, robots.txt `Content-Signal: ai-train=no` and aipref `Content-Usage: "
        "train-ai=n`. Reserved URLs known before fetching were not fetched; pages reserved in "
        "their response were not kept (their WARC records hold headers and digests only).",
        "- Every exchange was archived as WARC 1.1; the export re-derived each decision from the "
        f"WARC files alone: {', '.join(sources) or '(none)'}.",
        "",
        "## Rights policy",
        "",
        f"Policy `{policy.label}` (digest `{policy.digest}`):",
        "",
        "```json",
        json.dumps(policy.to_dict(), indent=2, sort_keys=True),
        "```",
        "",
        "## Records per licence",
        "",
        "| licence (SPDX) | records | licence URL | what you owe |",
        "|---|---:|---|---|",
    ]
    for spdx in spdx_ids:
        lines.append(f"| `{spdx}` | {license_counts[spdx]} | {license_urls.get(spdx, '')} | {_duty(spdx)} |")
    if not spdx_ids:
        lines.append("| (none) | 0 | | |")
    lines += ["", f"Total: {rows} records in {len(shards)} shard(s).", "", "## Exclusions", ""]
    lines += ["Archived pages that were not exported, by reason (a page can have several):", ""]
    lines += ["| reason | pages |", "|---|---:|"]
    for reason, n in sorted(excluded.items()):
        lines.append(f"| `{reason}` | {n} |")
    if not excluded:
        lines.append("| (none) | 0 |")
    lines += ["", "URLs refused before fetching, by reason:", "", "| reason | URLs |", "|---|---:|"]
    for reason, n in sorted(not_fetched.items()):
        lines.append(f"| `{reason}` | {n} |")
    if not not_fetched:
        lines.append("| (none) | 0 |")
    lines += [
        "",
        "## Attribution",
        "",
        "CC BY and CC BY-SA require attribution; CC BY-SA also requires share-alike for adaptations. "
        "Each row's `attribution` column holds a TASL line (title, author, source, licence). "
        "Details per licence are in `LICENSES.md`.",
        "",
        "## Files",
        "",
        "- `data/train-*.parquet`: the rows.",
        "- `manifest.jsonl`: one rights entry per row, joined on `id`.",
        "- `excluded.jsonl`: every archived page that was not exported, with reasons and evidence.",
        "- `not-fetched.jsonl`: every URL refused before fetching, with its evidence.",
        "",
    ]
    return "\n".join(lines)


def render_licenses(license_counts: Counter[str], license_urls: dict[str, str]) -> str:
    lines = ["# Licences in this dataset", "", "| SPDX id | records | licence | obligations |", "|---|---:|---|---|"]
    for spdx in sorted(license_counts):
        lines.append(f"| `{spdx}` | {license_counts[spdx]} | {license_urls.get(spdx, '')} | {_duty(spdx)} |")
    lines.append("")
    return "\n".join(lines)
