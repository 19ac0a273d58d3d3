"""The dataset card (``README.md`` with YAML front matter) and ``LICENSES.md``.

The YAML is rendered by ``huggingface_hub.DatasetCardData`` itself, so the Hub and ``datasets``
read exactly the keys they expect (https://huggingface.co/docs/hub/datasets-cards; licence ids:
https://huggingface.co/docs/hub/repositories-licenses): ``license`` lists
the Hub licence ids present (lowercased SPDX ids where the Hub knows them; ids it does not know,
such as Creative Commons ports or the Public Domain Mark, add ``other`` with ``license_name`` /
``license_link`` pointing at ``LICENSES.md``, which tabulates every SPDX id), ``configs``
declares the data files (so ``load_dataset`` never guesses splits from file names) and the
``rights_manifest`` config, plus ``language``, ``size_categories`` and ``pretty_name``.

The body states what the policy in force admits (generated from the policy, never a fixed
promise), how the data was collected, which signals were honoured, the policy (content and
digest), the per-licence record counts, the exclusion counts by reason, and every condition of
every licence present (attribution, NonCommercial, NoDerivatives, ShareAlike; from
:mod:`export.conditions`). Nothing in it depends
on the time of the export, so re-running an export reproduces it byte for byte.
"""

from __future__ import annotations

import json

from export.cardinfo import CardInfo
from export.cardmeta import (
    HUB_LICENSE_IDS,
    LICENSE_LINK_OTHER,
    LICENSE_NAME_OTHER,
    SIZE_BUCKETS,
    card_metadata,
    card_tags,
    hub_license_id,
    hub_license_ids,
    size_category,
)
from export.cardsections import (
    CHECKSUMS_HEADING,
    NOT_FETCHED_KINDS,
    _excluded_sentence,
    checksums_section,
    counts_section,
    grants_section,
    not_fetched_section,
    replace_checksums,
    sources_section,
)
from export.conditions import Condition, conditions_text, license_conditions
from export.provenance import collection_lines, foreign_counts, intro, is_foreign, only_foreign
from export.version import __version__

__all__ = [
    "CHECKSUMS_HEADING",
    "HUB_LICENSE_IDS",
    "LICENSE_LINK_OTHER",
    "LICENSE_NAME_OTHER",
    "NOT_FETCHED_KINDS",
    "SIZE_BUCKETS",
    "CardInfo",
    "card_metadata",
    "card_tags",
    "checksums_section",
    "condition_lines",
    "counts_section",
    "duty",
    "grants_section",
    "hub_license_id",
    "hub_license_ids",
    "not_fetched_section",
    "render_card",
    "render_licenses",
    "replace_checksums",
    "size_category",
    "sources_section",
]


def duty(spdx: str) -> str:
    """Say what a user of a record under ``spdx`` owes: every condition of its licence.

    The conditions come from :func:`export.conditions.license_conditions`, the one mapping from
    SPDX id to conditions that ``LICENSES.md`` and ``clearcrawl explain`` use too.
    """
    return conditions_text(spdx)


def condition_lines(spdx_ids: list[str]) -> list[str]:
    """One bullet per licence condition present in the dataset, naming the licences it binds."""
    bound: dict[str, list[str]] = {}
    found: dict[str, Condition] = {}
    free: list[str] = []
    for spdx in sorted(spdx_ids):
        conditions = license_conditions(spdx)
        if not conditions:
            free.append(spdx)
        for c in conditions:
            found.setdefault(c.code, c)
            bound.setdefault(c.code, []).append(spdx)
    lines = [
        f"- **{c.name} ({c.code})**, for {', '.join(f'`{x}`' for x in bound[code])}: {c.duty}."
        for code, c in found.items()
    ]
    if free:
        lines.append(
            f"- {', '.join(f'`{x}`' for x in free)}: no conditions (public domain); attribution "
            "is still good practice."
        )
    return lines or ["- (no records)"]


def render_card(info: CardInfo) -> str:
    """``README.md``: YAML front matter + the body described in the module docstring."""
    meta = card_metadata(info).to_yaml()
    p = info.policy
    lines = [f"---\n{meta}\n---", "", f"# {info.pretty_name}", ""]
    if only_foreign(info.foreign):  # no clearcrawl crawl: say who wrote the archives
        lines += [
            intro(info.foreign, info.rows, p.label, p.describe()),
            "",
            "## Where the data came from",
            "",
            *collection_lines(info.foreign, info.tokens),
        ]
    else:
        lines += _crawl_lines(info)
    lines += [
        f"- Main text extracted with {info.extractor or 'trafilatura'} (comments excluded)"
        + ("; a Markdown rendering is in the `markdown` column" if info.markdown else "")
        + f". Pages with fewer than {p.min_text_chars} characters of text were excluded. Exact "
        f"duplicates (same normalised text) were kept once ({info.duplicates} dropped); the "
        "kept row's manifest entry lists the duplicate URLs.",
        "",
        *sources_section(info.sources),
    ]
    return _render_rest(info, lines)


def _crawl_lines(info: CardInfo) -> list[str]:
    """Write the intro and collection bullets of a clearcrawl crawl's export."""
    p = info.policy
    lines: list[str] = []
    lines += [
        (
            f"Web text collected by clearcrawl {__version__} and exported only where the rights "
            f"policy in force (`{p.label}`) admitted it: **{info.rows} records**, each one where "
            f"{p.describe()}. Every row has an entry in the "
            "rights manifest (`manifest.jsonl.gz`, and the `rights_manifest` config), joined on `id`, "
            "that says which licence covers it and where that was found, which opt-out signals were "
            "checked, which robots.txt allowed it, which policy rule admitted it, and which WARC "
            "record it re-derives from."
        ),
        "",
        "```python",
        "from datasets import load_dataset",
        'rows = load_dataset("PATH_OR_REPO", split="train")',
        'rights = load_dataset("PATH_OR_REPO", "rights_manifest", split="train")',
        "```",
        "",
        "## How the data was collected",
        "",
        (
            "- A Scrapy crawl that obeys robots.txt per RFC 9309 for every honoured product token "
            f"({', '.join(f'`{t}`' for t in info.tokens)}); an unreachable robots.txt (5xx, "
            "timeout) means *disallow*."
        ),
        (
            "- AI/TDM opt-outs honoured: TDMRep (`/.well-known/tdmrep.json`, `tdm-reservation` "
            "header and meta), `noai`/`noimageai` in `X-Robots-Tag` and robots meta tags (also "
            "bot-scoped), Spawning `ai.txt`, robots.txt `Content-Signal: ai-train=no` and aipref "
            "`Content-Usage: train-ai=n`. URLs reserved before fetching were not fetched; pages "
            "reserved in their response were not kept (their WARC records hold headers and digests "
            "only)."
        ),
        (
            "- Every exchange was archived as WARC 1.1. This dataset was then re-derived from the "
            "WARC files alone, never the network: every page-level detector re-ran on the archived "
            "headers and body, and every robots.txt relied on was found in the archive by its "
            "digest and re-evaluated "
            f"({info.robots_rechecked} pages re-checked against their archived robots.txt)."
        ),
    ]
    if is_foreign(info.foreign):  # some inputs were written by other tools
        lines += ["", "Pages of archives clearcrawl did not write:", ""]
        lines += collection_lines(info.foreign, info.tokens)
    return lines


def _render_rest(info: CardInfo, lines: list[str]) -> str:
    """Everything after the collection section (policy, licences, exclusions, files…)."""
    p = info.policy
    lines += [
        "",
        "## Rights policy",
        "",
        f"Policy `{p.label}`, digest `{p.digest}` (recorded in every manifest entry):",
        "",
        "```json",
        json.dumps(p.to_dict(), indent=2, sort_keys=True),
        "```",
        "",
        "## Records per licence",
        "",
        "| licence (SPDX) | records | licence URL | what you owe |",
        "|---|---:|---|---|",
    ]
    for spdx in sorted(info.license_counts):
        url = info.license_urls.get(spdx, "")
        lines.append(f"| `{spdx}` | {info.license_counts[spdx]} | {url} | {duty(spdx)} |")
    if not info.license_counts:
        lines.append("| (none) | 0 | | |")
    lines += [
        "",
        f"Total: {info.rows} records in {len(info.shards)} shard(s).",
        "",
        "## Licence conditions: what you owe",
        "",
        (
            "What you owe depends on each row's licence (`license`); every condition of every "
            "licence present:"
        ),
        "",
        *condition_lines(sorted(info.license_counts)),
        "",
        f"Per-licence details: `{LICENSE_LINK_OTHER}`.",
        "",
        *grants_section(info),
        "## Exclusions",
        "",
        _excluded_sentence(info),
        "",
        "| reason | pages |",
        "|---|---:|",
    ]
    lines += [f"| `{r}` | {n} |" for r, n in sorted(info.excluded.items())]
    if not info.excluded:
        lines.append("| (none) | 0 |")
    lines += ["", *not_fetched_section(info)]
    if only_foreign(info.foreign):  # no crawl to reconcile with
        lines += ["", *foreign_counts(info.foreign, info.rows, info.excluded_pages)]
    else:
        lines += ["", *counts_section(info)]
    lines += [
        "## Files",
        "",
        "- `data/train-*.parquet`: the rows (`id`, `url`, `text`, `title`, `author`, "
        "`site_name`, `date`, `language`, `content_type` (`text/html` or `application/pdf`), "
        "`license` (SPDX), `license_url`, `attribution`, "
        "`crawl_date`, `warc_file`, `warc_record_id`, `payload_digest`"
        + (", `markdown`" if info.markdown else "")
        + ").",
        (
            "- `manifest.jsonl.gz` and `manifest/rights-*.parquet`: one rights entry per row, "
            "joined on `id` (in Parquet, nested sections are JSON strings)."
        ),
        "- `manifest.schema.json`: the JSON Schema every manifest entry validates against.",
        (
            "- `excluded.jsonl.gz`: every archived page that was not exported, with reasons and "
            "evidence; `not-fetched.jsonl.gz`: every URL considered but not fetched (refused, "
            "off-site, past the redirect limit, or failed), with its reason."
        ),
        (
            f"- `{LICENSE_LINK_OTHER}`: records per licence and what each requires; "
            "`ATTRIBUTION.md`: every attribution owed, per licence (TASL)."
        ),
        (
            "- `report.html`: the rights report, one offline HTML file (unless exported with "
            "`--no-report`); `croissant.json`: Croissant 1.0 + RAI metadata; "
            "`training-data-summary.json`: the fields of the EU training-data summary."
        ),
        (
            "- `export-info.json`: the export's settings and counts, and the sha256 of every "
            "file (listed again at the end of this card)."
        ),
        "",
        "## Checking a record",
        "",
        "```sh",
        "clearcrawl explain DATASET_DIR ID_OR_URL   # why is this record in (or out)?",
        "clearcrawl verify DATASET_DIR --warc CRAWL_DIR   # check the files' sha256, re-derive rows",
        "```",
        "",
    ]
    return "\n".join(lines)


def render_licenses(info: CardInfo) -> str:
    """``LICENSES.md``: the ``license_link`` target, one line per SPDX id present."""
    lines = [
        "# Licences in this dataset",
        "",
        (
            "Each row carries its own licence (`license`, SPDX id) and `license_url`. Hub licence "
            "ids cover only some of them (Creative Commons ports and the Public Domain Mark have "
            "none), so the card lists `other` and points here."
        ),
        "",
        "| SPDX id | Hub id | records | licence | what you owe |",
        "|---|---|---:|---|---|",
    ]
    for spdx in sorted(info.license_counts):
        url = info.license_urls.get(spdx, "")
        lines.append(
            f"| `{spdx}` | `{hub_license_id(spdx)}` | {info.license_counts[spdx]} | {url} "
            f"| {duty(spdx)} |"
        )
    if not info.license_counts:
        lines.append("| (none) | | 0 | | |")
    lines.append("")
    return "\n".join(lines)
