"""Sections of the dataset card's body that state counts and files.

The WARC files read (with damage), the URLs not fetched, the reconciliation of crawl outcomes
with export statuses, the records per agreement (``--grants``) and the file checksums
(SHA-256, in ``sha256sum -c`` format too). :mod:`export.card` puts them together.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from export.cardinfo import CardInfo
from filters.grants import grant_license_id, iso
from filters.reasons import Reason


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
                "the damaged bytes (or the unusable records) were not read, so this dataset "
                "lacks them (and anything that relied on a policy file among them)."
            ),
            "",
        ]
    lines += ["| file | bytes | sha256 | read |", "|---|---:|---|---|"]
    for s in sources:
        state = "; ".join(_damage_text(d) for d in s.get("damage") or ()) or "whole file"
        if s.get("wacz_digest_check"):  # a WARC inside a WACZ (export.wacz)
            state += f"; {s['wacz_digest_check']}"
        if s.get("unreadable"):
            state = f"**unreadable, skipped** ({s['unreadable']})"
        lines.append(f"| `{s['file']}` | {s.get('bytes', 0)} | `{s.get('sha256', '')}` | {state} |")
    if not sources:
        lines.append("| (none) | 0 | | |")
    return lines


def _damage_text(damage: dict[str, Any]) -> str:
    if damage["kind"] == "unusable":  # one record that reads but names no page
        return (
            f"**record at byte offset {damage['offset']} unusable** ({damage['detail']}; "
            "that record skipped, the rest read)"
        )
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
