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
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from huggingface_hub import DatasetCardData

from export.conditions import Condition, conditions_text, license_conditions
from export.provenance import collection_lines, foreign_counts, intro, is_foreign, only_foreign
from export.version import __version__
from filters.grants import GrantSet, grant_license_id, iso
from filters.policy import Policy
from filters.reasons import Reason

#: The Hub's licence identifiers (huggingface/hub-docs, ``docs/hub/repositories-licenses.md``).
HUB_LICENSE_IDS = frozenset(
    {
        "apache-2.0",
        "mit",
        "openrail",
        "bigscience-openrail-m",
        "creativeml-openrail-m",
        "bigscience-bloom-rail-1.0",
        "bigcode-openrail-m",
        "afl-3.0",
        "artistic-2.0",
        "bsl-1.0",
        "bsd",
        "bsd-2-clause",
        "bsd-3-clause",
        "bsd-3-clause-clear",
        "c-uda",
        "cc",
        "cc0-1.0",
        "cc-by-2.0",
        "cc-by-2.5",
        "cc-by-3.0",
        "cc-by-4.0",
        "cc-by-sa-3.0",
        "cc-by-sa-4.0",
        "cc-by-nc-2.0",
        "cc-by-nc-3.0",
        "cc-by-nc-4.0",
        "cc-by-nd-4.0",
        "cc-by-nc-nd-3.0",
        "cc-by-nc-nd-4.0",
        "cc-by-nc-sa-2.0",
        "cc-by-nc-sa-3.0",
        "cc-by-nc-sa-4.0",
        "cdla-sharing-1.0",
        "cdla-permissive-1.0",
        "cdla-permissive-2.0",
        "wtfpl",
        "ecl-2.0",
        "epl-1.0",
        "epl-2.0",
        "etalab-2.0",
        "eupl-1.1",
        "agpl-3.0",
        "gfdl",
        "gpl",
        "gpl-2.0",
        "gpl-3.0",
        "lgpl",
        "lgpl-2.1",
        "lgpl-3.0",
        "isc",
        "lppl-1.3c",
        "ms-pl",
        "mpl-2.0",
        "odc-by",
        "odbl",
        "openrail++",
        "osl-3.0",
        "postgresql",
        "ofl-1.1",
        "ncsa",
        "unlicense",
        "zlib",
        "pddl",
        "lgpl-lr",
        "deepfloyd-if-license",
        "llama2",
        "gemma",
        "unknown",
        "other",
    }
)

#: SPDX ids whose Hub id is a family name rather than the lowercased id.
_HUB_FAMILIES = {"odc-by-1.0": "odc-by", "odbl-1.0": "odbl", "pddl-1.0": "pddl"}

LICENSE_NAME_OTHER = "clearcrawl-per-record-licenses"
LICENSE_LINK_OTHER = "LICENSES.md"

SIZE_BUCKETS = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
    (10_000_000_000, "1B<n<10B"),
    (100_000_000_000, "10B<n<100B"),
    (1_000_000_000_000, "100B<n<1T"),
)


def hub_license_id(spdx: str) -> str:
    """Return the Hub id for an SPDX id, or ``other`` when the Hub has none (CC ports, PDM…)."""
    low = spdx.lower()
    if low.startswith("gfdl"):
        return "gfdl"
    low = _HUB_FAMILIES.get(low, low)
    return low if low in HUB_LICENSE_IDS else "other"


def hub_license_ids(spdx_ids: list[str]) -> list[str]:
    """Sorted Hub ids for the SPDX ids present, ``other`` last."""
    out = {hub_license_id(s) for s in spdx_ids}
    return sorted(out, key=lambda x: (x == "other", x))


def size_category(n: int) -> str:
    """Return the Hub's ``size_categories`` bucket for ``n`` rows."""
    for bound, label in SIZE_BUCKETS:
        if n < bound:
            return label
    return "n>1T"


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


@dataclass
class CardInfo:
    """Everything the card states; the export fills it with the numbers it counted."""

    pretty_name: str
    rows: int
    policy: Policy
    tokens: tuple[str, ...]
    license_counts: Counter[str] = field(default_factory=Counter)
    license_urls: dict[str, str] = field(default_factory=dict)
    languages: Counter[str] = field(default_factory=Counter)
    excluded: Counter[str] = field(default_factory=Counter)
    excluded_pages: int = 0
    not_fetched: Counter[str] = field(default_factory=Counter)
    not_fetched_urls: int = 0
    duplicates: int = 0
    robots_rechecked: int = 0
    sources: list[dict[str, Any]] = field(default_factory=list)
    #: crawl outcome → export status → count (see :func:`counts_section`)
    outcomes: dict[str, dict[str, int]] = field(default_factory=dict)
    candidates_excluded: Counter[str] = field(default_factory=Counter)
    shards: list[str] = field(default_factory=list)
    manifest_shards: list[str] = field(default_factory=list)
    markdown: bool = False
    extractor: str = ""
    dataset_info: list[dict[str, Any]] = field(default_factory=list)
    #: archives written by other tools (``export.foreign.ForeignContext.summary``); empty: none
    foreign: dict[str, Any] = field(default_factory=dict)
    #: the agreements of ``--grants`` (None: none were used)
    grants: GrantSet | None = None


#: Conditions an open licence may carry (https://opendefinition.org/od/2.1/en/ §2.2: attribution
#: and share-alike are allowed; NonCommercial and NoDerivatives are not).
_OPEN_CONDITIONS = frozenset({"BY", "SA"})


def card_tags(spdx_ids: list[str]) -> list[str]:
    """Tag the card ``openly-licensed`` only when every licence present is open."""
    open_only = all(
        {c.code for c in license_conditions(spdx)} <= _OPEN_CONDITIONS for spdx in spdx_ids
    )
    return ["clearcrawl", "web", *(["openly-licensed"] if open_only else []), "rights-manifest"]


def card_metadata(info: CardInfo) -> DatasetCardData:
    """Build the YAML front matter, as ``huggingface_hub`` models it."""
    hub = hub_license_ids(sorted(info.license_counts)) or ["unknown"]
    extra: dict[str, Any] = {}
    if "other" in hub:
        extra["license_name"] = LICENSE_NAME_OTHER
        extra["license_link"] = LICENSE_LINK_OTHER
    languages = sorted(info.languages)
    return DatasetCardData(
        pretty_name=info.pretty_name,
        license=hub,
        language=languages or None,
        size_categories=[size_category(info.rows)],
        task_categories=["text-generation"],
        tags=card_tags(sorted(info.license_counts)),
        configs=[
            {
                "config_name": "default",
                "default": True,
                "data_files": [{"split": "train", "path": "data/train-*.parquet"}],
            },
            {
                "config_name": "rights_manifest",
                "data_files": [{"split": "train", "path": "manifest/rights-*.parquet"}],
            },
        ],
        dataset_info=info.dataset_info or None,
        **extra,
    )


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


def sources_section(sources: list[dict[str, Any]]) -> list[str]:
    """List the WARC files read, each with its size, sha256 and whether it was read to the end.

    A file cut mid-record or holding bytes that do not parse was read up to that byte offset
    only; the card says so, so the dataset is never presented as derived from the whole file.
    """
    damaged = [s for s in sources if s.get("damage")]
    lines = ["WARC files read:", ""]
    if damaged:
        lines += [
            (
                f"**{len(damaged)} of {len(sources)} WARC file(s) are damaged**: the records in "
                "the damaged bytes were not read, so this dataset lacks them (and anything "
                "that relied on a policy file among them)."
            ),
            "",
        ]
    lines += ["| file | bytes | sha256 | read |", "|---|---:|---|---|"]
    for s in sources:
        state = "; ".join(_damage_text(d) for d in s.get("damage") or ()) or "whole file"
        if s.get("unreadable"):
            state = f"**unreadable, skipped** ({s['unreadable']})"
        lines.append(f"| `{s['file']}` | {s.get('bytes', 0)} | `{s.get('sha256', '')}` | {state} |")
    if not sources:
        lines.append("| (none) | 0 | | |")
    return lines


def _damage_text(damage: dict[str, Any]) -> str:
    text = f"**{damage['kind']} at byte offset {damage['offset']}** ({damage['detail']}"
    if damage.get("resumed_at") is not None:
        return text + f"; read on from byte offset {damage['resumed_at']})"
    return text + "; nothing after it was read)"


def _excluded_sentence(info: CardInfo) -> str:
    """Count archived pages apart from archived redirects (3xx: evidence, not pages of text).

    The crawl's summary counts them apart too; a redirect's target has its own decision.
    """
    redirects = info.outcomes.get("redirect", {}).get("excluded", 0)
    pages = f"{info.excluded_pages - redirects} archived pages"
    if redirects:
        pages += (
            f" and {redirects} archived redirects (3xx responses kept as evidence; each target "
            "is counted on its own)"
        )
    return (
        f"{pages} were not exported; by reason (a page can have several; each is listed with "
        "its evidence in `excluded.jsonl.gz`):"
    )


#: Why a URL was not fetched, by reason class: only the rights checks refuse; a link to another
#: origin is outside the crawl's scope, a redirect target past ``REDIRECT_MAX_TIMES`` is beyond its
#: limits, and a failed fetch is neither (each is still recorded, once, in the decisions log).
NOT_FETCHED_KINDS: dict[str, str] = {
    Reason.OFF_SITE: "not followed (outside the crawl's scope)",
    Reason.REDIRECT_LIMIT: "not followed (redirect limit)",
    Reason.FETCH_ERROR: "fetch failed",
    Reason.ORIGIN_PAGE_CAP: "not followed (per-origin page cap)",
    Reason.INVALID_SEED: "not a URL (seeds-file line)",
}
_REFUSED = "refused before fetching"
#: Scope limits of issue 13 (``--max-pages-per-origin``, ``--seeds-file``): not refusals either.
_SCOPE_PARTS = (
    (Reason.ORIGIN_PAGE_CAP, "URLs over the crawl's --max-pages-per-origin (not followed)"),
    (Reason.INVALID_SEED, "seeds-file lines that are not URLs"),
)


def not_fetched_section(info: CardInfo) -> list[str]:
    """Name every URL not fetched for what it is: refused by the rights checks, or not followed.

    Off-site links and redirect targets past the limit are recorded (issue 11 item 11) but were
    never refused: counting them as refusals would overstate what the sites reserved.
    """
    kinds: Counter[str] = Counter()
    for reason, n in info.not_fetched.items():
        kinds[NOT_FETCHED_KINDS.get(reason, _REFUSED)] += n
    parts = [f"{kinds[_REFUSED]} refused before fetching by the rights checks"]
    if kinds[NOT_FETCHED_KINDS[Reason.OFF_SITE]]:
        parts.append(
            f"{kinds[NOT_FETCHED_KINDS[Reason.OFF_SITE]]} links to other origins, outside the "
            "crawl's scope (not followed; no refusal)"
        )
    if kinds[NOT_FETCHED_KINDS[Reason.REDIRECT_LIMIT]]:
        parts.append(
            f"{kinds[NOT_FETCHED_KINDS[Reason.REDIRECT_LIMIT]]} redirect targets past the crawl's "
            "redirect limit (not followed)"
        )
    if kinds[NOT_FETCHED_KINDS[Reason.FETCH_ERROR]]:
        parts.append(f"{kinds[NOT_FETCHED_KINDS[Reason.FETCH_ERROR]]} whose fetch failed")
    for reason, what in _SCOPE_PARTS:
        if kinds[NOT_FETCHED_KINDS[reason]]:
            parts.append(f"{kinds[NOT_FETCHED_KINDS[reason]]} {what}")
    lines = [
        f"{info.not_fetched_urls} URLs were not fetched (`not-fetched.jsonl.gz`): "
        + "; ".join(parts)
        + ":",
        "",
        "| reason | what it is | URLs |",
        "|---|---|---:|",
    ]
    lines += [
        f"| `{r}` | {NOT_FETCHED_KINDS.get(r, _REFUSED)} | {n} |"
        for r, n in sorted(info.not_fetched.items())
    ]
    if not info.not_fetched:
        lines.append("| (none) | | 0 |")
    return lines


#: Export statuses in the order the counts table shows them.
_STATUSES = (
    ("exported", "exported"),
    ("excluded", "excluded at export"),
    ("not-fetched", "not fetched (refused, off-site or failed)"),
    ("policy-file", "policy files"),
)


def counts_section(info: CardInfo) -> list[str]:
    """Reconcile the export's counts with the crawl's decisions, one row per crawl outcome.

    Every URL the crawl considered has one decision record in the WARC (the object written as
    its line of ``decisions.jsonl``), so the table's total is that file's line count and each
    row says where the crawl's outcome ended up; nothing changes silently between the two.
    """
    damaged_note = (
        [
            (
                "Some WARC files are damaged (see the sources above): decision records in the "
                "damaged bytes could not be read, so this total is below the line count of the "
                "crawl's `decisions.jsonl.gz` by that many."
            ),
            "",
        ]
        if any(s.get("damage") for s in info.sources)
        else []
    )
    total = {key: sum(c.get(key, 0) for c in info.outcomes.values()) for key, _ in _STATUSES}
    records = sum(total.values())
    lines = [
        "## Counts, reconciled with the crawl",
        "",
        (
            f"The WARC files hold **{records} decision records**, one per URL the crawl "
            "considered (the same objects as the decision lines of the crawl's "
            "`decisions.jsonl.gz`, each run's `clearcrawl.run/1` header line aside, counted "
            "as `clearcrawl/decisions/written` in its `crawl-stats.json`). Each ended in exactly "
            "one place:"
        ),
        "",
        *damaged_note,
        "| crawl's outcome | URLs | " + " | ".join(label for _, label in _STATUSES) + " |",
        "|---|---:|" + "---:|" * len(_STATUSES),
    ]
    for outcome in sorted(info.outcomes):
        c = info.outcomes[outcome]
        cells = " | ".join(str(c.get(key, 0)) for key, _ in _STATUSES)
        lines.append(f"| `{outcome}` | {sum(c.values())} | {cells} |")
    cells = " | ".join(str(total[key]) for key, _ in _STATUSES)
    lines += [f"| **total** | {records} | {cells} |", ""]
    if info.candidates_excluded:
        by_reason = ", ".join(f"`{r}` {n}" for r, n in sorted(info.candidates_excluded.items()))
        lines += [
            (
                "Pages the crawl found exportable but the export excluded, by reason (a page can "
                f"have several): {by_reason}."
            ),
            "",
        ]
    return lines


def grants_section(info: CardInfo) -> list[str]:
    """List the records admitted under each agreement (``--grants``), with its terms."""
    if info.grants is None:
        return []
    lines = [
        "## Records per agreement",
        "",
        (
            "Records admitted under a licensed-source agreement (`--grants`, grants file "
            f"`{info.grants.digest}`), judged at each record's capture time; the manifest's "
            "`grant` section names the agreement, its document digest and the reasons it "
            "answered."
        ),
        "",
        "| agreement | counterparty | valid | document sha256 | attribution owed | records |",
        "|---|---|---|---|---|---:|",
    ]
    for g in info.grants.grants:
        n = info.license_counts.get(grant_license_id(g.id), 0)
        lines.append(
            f"| `{g.id}` | {g.counterparty} | {iso(g.valid_from)} to {iso(g.valid_until)} | "
            f"`{g.document_sha256}` | {g.attribution or '(none stated)'} | {n} |"
        )
    return [*lines, ""]


CHECKSUMS_HEADING = "## File checksums (SHA-256)"


def checksums_section(files: dict[str, str]) -> list[str]:
    """Return the card's last section: the sha256 of every data shard, manifest file and report.

    The same list is ``files`` in ``export-info.json``; ``clearcrawl verify DATASET_DIR``
    checks it, and ``sha256sum -c`` can too (the second table is in its format).
    """
    lines = [
        CHECKSUMS_HEADING,
        "",
        (
            "Every file of the release but this card and `export-info.json` (which hold the "
            "list); `clearcrawl verify DATASET_DIR` reports any file that changed, by name."
        ),
        "",
        "| file | sha256 |",
        "|---|---|",
    ]
    lines += [f"| `{name}` | `{digest}` |" for name, digest in sorted(files.items())]
    if not files:
        lines.append("| (none) | |")
    lines += ["", "```", *(f"{d}  {n}" for n, d in sorted(files.items())), "```"]
    return lines


def replace_checksums(card: str, files: dict[str, str]) -> str:
    """``card`` with its checksums section (the last one) replaced, or added."""
    head = card.split("\n" + CHECKSUMS_HEADING + "\n", 1)[0].rstrip("\n")
    return head + "\n\n" + "\n".join(checksums_section(files)) + "\n"


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
