"""What the dataset card says about where its data came from, for archives of other tools.

A card must not tell a legal reviewer that Common Crawl text was "collected by clearcrawl" by
"a Scrapy crawl that obeys robots.txt": that crawl never happened (issue 14). When some inputs
were written by other tools, :func:`intro` and :func:`collection_lines` replace those claims
with what the archives' ``warcinfo`` records say (software, collection such as
``CC-MAIN-2020-34``, format), which decisions rest on policy files captured by someone else and
when, and which files were missing. The numbers come from
:meth:`export.foreign.ForeignContext.summary` (``export-info.json`` ``counts.foreign``).
"""

from __future__ import annotations

from typing import Any

SOURCE_WORDS = {
    "same-archive": "captures in the same archives as the pages",
    "policy-archive": "a separate policy archive",
    "fetched-at-export": "fetched live when this export ran (not when the page was captured)",
}


def is_foreign(foreign: dict[str, Any]) -> bool:
    """Whether any input archive was written by a tool other than clearcrawl."""
    return bool(foreign.get("archives"))


def only_foreign(foreign: dict[str, Any]) -> bool:
    """Whether every input archive was written by another tool."""
    return is_foreign(foreign) and not foreign.get("clearcrawl_files")


def producers(foreign: dict[str, Any]) -> str:
    """Name the producing software and collections, as the warcinfo records say."""
    soft = sorted({a["software"] or "unnamed software (no warcinfo)" for a in foreign["archives"]})
    coll = sorted({a["collection"] for a in foreign["archives"] if a["collection"]})
    text = ", ".join(f"`{s}`" for s in soft)
    if coll:
        text += " (collection " + ", ".join(f"`{c}`" for c in coll) + ")"
    return text


def intro(foreign: dict[str, Any], rows: int, policy_label: str, promise: str) -> str:
    """Write the card's first paragraph when the pages came from other tools' archives."""
    who = producers(foreign)
    if rows == 0 and foreign.get("unassessed", 0) >= foreign.get("pages", 0) > 0:
        return (
            f"Web pages from archives written by {who}, filtered by clearcrawl. **Nothing could "
            "be assessed**: every page lacked evidence a decision needs (see *Where the data "
            "came from* and `excluded.jsonl.gz`), so the dataset is empty. That is not a "
            "finding that no page passed the rights policy."
        )
    return (
        f"Web pages from archives written by {who}, not by clearcrawl, filtered by clearcrawl "
        f"and exported only where the rights policy in force (`{policy_label}`) admitted them: "
        f"**{rows} records**, each one where {promise}. Every row has an entry in the rights "
        "manifest (`manifest.jsonl.gz`, and the `rights_manifest` config), joined on `id`, that "
        "says which licence covers it and where that was found, which opt-out signals were "
        "checked, which robots.txt was evaluated and where that copy came from, which policy "
        "rule admitted it, and which WARC record it re-derives from."
    )


def _captured(foreign: dict[str, Any]) -> str:
    span = foreign.get("policy_files_captured") or {}
    first, last = span.get("first"), span.get("last")
    if not first:
        return ""
    return f", captured {first}" if first == last else f", captured between {first} and {last}"


def _packaged(archive: dict[str, Any]) -> str:
    """Say which WACZ a WARC came in, and its ``datapackage.json`` facts (:mod:`export.wacz`)."""
    package = archive.get("package")
    return f"; packaged in {package}" if package else ""


def collection_lines(foreign: dict[str, Any], tokens: tuple[str, ...]) -> list[str]:
    """Write the "Where the data came from" bullets for pages of other tools' archives."""
    lines = [
        (
            f"- The pages were captured by {producers(foreign)}, not by clearcrawl. No clearcrawl "
            "crawl decided anything when they were captured, and whether the capturing crawler "
            "obeyed robots.txt or any opt-out is not known from the archive: every decision here "
            "was made at export time, from the archived bytes."
        ),
        "",
        "| archive | software | collection | format |",
        "|---|---|---|---|",
    ]
    lines.extend(
        f"| `{a['file']}` | {a['software'] or '(no warcinfo)'}{_packaged(a)} "
        f"| {a['collection'] or '-'} | {a['format'] or '-'} |"
        for a in foreign["archives"]
    )
    lines.append("")
    used = foreign.get("policy_files_found_in") or {}
    window = foreign.get("policy_window_days")
    if used:
        where = "; ".join(f"{SOURCE_WORDS.get(k, k)}: {n}" for k, n in sorted(used.items()))
        lines.append(
            "- Site policy files (robots.txt, tdmrep.json, ai.txt) are **captures made by "
            f"someone else**, taken nearest in time to each page's capture within {window} "
            f"days ({where} file(s) used)"
            + _captured(foreign)
            + ". Each manifest entry's `policy_files` says which copy (`source`, record "
            "pointer, capture time) its decision rests on."
        )
        archives = foreign.get("policy_archives") or []
        if archives:
            lines.append("- Policy archive(s) read: " + ", ".join(f"`{a}`" for a in archives) + ".")
        fetched = foreign.get("fetched_at_export") or {}
        if fetched.get("warc"):
            lines.append(
                f"- {fetched['fetched']} policy file(s) were fetched when this export ran and "
                f"archived in `{fetched['warc']}`: they say what the site says now, not when the "
                "page was captured."
            )
    else:
        lines.append(
            "- No site policy file (robots.txt, tdmrep.json, ai.txt) was found for any page."
        )
    missing = foreign.get("policy_files_missing") or {}
    if missing:
        parts = ", ".join(f"{k} for {n} page(s)" for k, n in sorted(missing.items()))
        lines.append(
            f"- Missing (found in no archive): {parts}. A page missing a file the policy "
            "requires (`archive_required_policy_files`) is excluded as `policy-file-unknown`; a "
            "missing file the policy does not require is listed in that entry's "
            "`provenance.relaxations`: its decision did not see it."
        )
    lines.append(
        "- robots.txt was evaluated with the honoured product tokens "
        f"({', '.join(f'`{t}`' for t in tokens)}), as a clearcrawl crawl would."
    )
    return lines


#: The crawl outcome the card's reconciliation shows for pages of other tools' archives.
FOREIGN_OUTCOME = "(archive of another tool: no crawl-time decision)"


def foreign_counts(foreign: dict[str, Any], rows: int, excluded: int) -> list[str]:
    """Write the counts section of an export with no clearcrawl crawl to reconcile with."""
    return [
        "## Counts",
        "",
        (
            f"{foreign.get('pages', 0)} archived pages were read from "
            f"{len(foreign.get('archives') or [])} archive(s) written by other tools (no "
            f"clearcrawl decision records: there is no crawl log to reconcile with): {rows} "
            f"exported, {excluded} excluded, of which {foreign.get('unassessed', 0)} could not "
            "be assessed (evidence missing, e.g. `policy-file-unknown`). "
            f"{foreign.get('policy_file_captures', 0)} captures of policy-file URLs in those "
            "archives were used as evidence, not as pages."
        ),
    ]
