"""``clearcrawl explain``: why one record is in (or out of) a dataset, in plain language.

Everything printed comes from the dataset folder itself (``manifest``, ``excluded`` and
``not-fetched.jsonl.gz``, and the row): the licence with its scope and evidence, each opt-out signal
checked, the paywall finding, the robots.txt relied on (digest, fetch time, the rule re-read
from the archived copy), the policy rule, the duplicates dropped, what the user owes, and the
WARC pointer from which ``clearcrawl verify`` re-derives the row (for a ``revisit``, also the
earlier response its text was read from, ``warc.payload_from``). Each policy file is named by
its own record (a revisit names the earlier response holding its bytes too).

A record is found by its id, a unique id prefix, or its URL normalised on both sides
(:func:`url_key`); a miss is one line suggesting the closest URLs. A reviewer needs no log and no
access to the crawl to answer "why is this here?".
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from export.conditions import license_conditions
from export.folder import data_shards, iter_jsonl, iter_parquet
from export.jsonl import jsonl_path
from filters.policy import Policy, PolicyError, policy_label
from filters.reasons import Reason, describe

SOURCES = (
    ("manifest.jsonl.gz", "in the dataset"),
    ("excluded.jsonl.gz", "archived but NOT in the dataset"),
    ("not-fetched.jsonl.gz", "NOT fetched (refused before fetching)"),
)

#: Not-fetched reasons that are no refusal: the URL was out of the crawl's scope or limits, or
#: its fetch failed (issue 11 item 11: such URLs are recorded, but nothing refused them).
_NOT_REFUSED: dict[str, str] = {
    Reason.OFF_SITE: "NOT fetched (a link to another origin, outside the crawl's scope)",
    Reason.REDIRECT_LIMIT: "NOT fetched (past the crawl's redirect limit)",
    Reason.FETCH_ERROR: "NOT fetched (the fetch failed)",
    Reason.ORIGIN_PAGE_CAP: "NOT fetched (over the crawl's --max-pages-per-origin)",
    Reason.INVALID_SEED: "NOT fetched (a seeds-file line that is not a URL)",
}


def describe_reason(reason: str) -> str:
    """One reason id as a sentence fragment (unknown ids are shown as they are).

    The readings live with the ids in :class:`filters.reasons.Reason`.
    """
    return describe(reason)


class NoMatchError(LookupError):
    """``explain``'s key names no record, or an id prefix names several (one-line message)."""


#: Candidates named in an ambiguous-prefix message, and closest URLs suggested.
MAX_LISTED = 8
MAX_SUGGESTED = 3
_DEFAULT_PORTS = {"http": 80, "https": 443}
_HEX = re.compile(r"^[0-9a-f]+$")

Found = tuple[str, str, dict[str, Any]]


def url_key(url: str) -> str:
    """Normalise a URL for lookup: the same resource however it was typed.

    ``w3lib.url.canonicalize_url`` (percent-encoding normalised per RFC 3986 §6.2.2.2, fragment
    dropped, query arguments sorted, host lowercased), then the scheme lowercased, the default
    port dropped (RFC 3986 §6.2.3) and a trailing slash dropped from a non-root path. Only for
    finding a record: the manifest keeps the URL as crawled.
    """
    raw = url.strip()
    try:
        parts = urlsplit(canonicalize_url(raw))
        port = parts.port
    except ValueError:
        return raw
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    if parts.username is not None:
        netloc = parts.netloc.rsplit("@", 1)[0] + "@" + netloc
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((scheme, netloc, path, parts.query, ""))


def iter_entries(folder: Path) -> Iterator[Found]:
    """Every entry of the release, ``(file, meaning, entry)``, in file order (the report's pass)."""
    return _entries(folder)


def _entries(folder: Path) -> Iterator[Found]:
    for name, meaning in SOURCES:
        path = jsonl_path(folder / name)  # or the uncompressed form of older exports
        if not path.exists():
            continue
        for _, entry in iter_jsonl(path):
            if isinstance(entry, dict):
                said = meaning
                if name.startswith("not-fetched"):
                    reasons = (entry.get("decision") or {}).get("reasons") or [""]
                    said = _NOT_REFUSED.get(str(reasons[0]).split(":", 1)[0], meaning)
                yield name, said, entry


def find_entries(folder: Path, key: str) -> list[Found]:
    """Entries a reviewer's ``key`` names: ``(file, meaning, entry)`` in file order.

    Tried in order: the exact ``id`` or ``url``; the URL normalised on both sides
    (:func:`url_key`); a unique prefix of a record id. Raises :class:`NoMatchError` with a
    one-line message when an id prefix is ambiguous (naming the candidates) or nothing matches
    (suggesting the closest URLs, :func:`difflib.get_close_matches`).
    """
    key = key.strip()
    norm = url_key(key) if "://" in key else None
    lowered = key.lower()
    by_prefix = bool(_HEX.match(lowered))
    exact: list[Found] = []
    normalised: list[Found] = []
    prefix_ids: list[str] = []
    prefixed: list[Found] = []
    for found in _entries(folder):
        entry = found[2]
        rid, url = str(entry.get("id") or ""), str(entry.get("url") or "")
        if key in (rid, url):
            exact.append(found)
        elif norm is not None and url_key(url) == norm:
            normalised.append(found)
        elif by_prefix and rid.startswith(lowered):
            if rid not in prefix_ids:
                prefix_ids.append(rid)
            if rid == prefix_ids[0]:
                prefixed.append(found)
    if exact or normalised:
        return exact or normalised
    if len(prefix_ids) == 1:
        return prefixed
    if len(prefix_ids) > 1:
        listed = ", ".join(sorted(prefix_ids)[:MAX_LISTED])
        more = f" and {len(prefix_ids) - MAX_LISTED} more" if len(prefix_ids) > MAX_LISTED else ""
        raise NoMatchError(
            f"{key!r} is an ambiguous id prefix: {len(prefix_ids)} records match "
            f"({listed}{more}); give more characters"
        )
    urls = dict.fromkeys(str(f[2].get("url") or "") for f in _entries(folder))
    close = difflib.get_close_matches(key, list(urls), n=MAX_SUGGESTED, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise NoMatchError(f"{key!r} is neither an id nor a URL in {folder} (nor an id prefix){hint}")


def find_row(folder: Path, row_id: str) -> dict[str, Any] | None:
    """Return the dataset row with ``row_id`` (a scan: explain is for single records)."""
    for row in iter_parquet(data_shards(folder)):
        if row["id"] == row_id:
            return row
    return None


def _evidence(items: list[dict[str, Any]], indent: str) -> list[str]:
    out = []
    for e in items:
        where = f" at {e['locator']}" if e.get("locator") else ""
        note = f" ({e['note']})" if e.get("note") else ""
        out.append(f'{indent}evidence: {e.get("source")}{where}: "{e.get("excerpt", "")}"{note}')
    return out


def _license_lines(lic: dict[str, Any] | None) -> list[str]:
    if lic is None:
        return ["- Licence: not assessed."]
    if lic.get("spdx"):
        amb = " (AMBIGUOUS: conflicting statements)" if lic.get("ambiguous") else ""
        head = (
            f"- Licence: {lic['spdx']} ({lic.get('url') or 'no URL'}), scope "
            f'"{lic.get("scope")}": {lic.get("reason")}{amb}.'
        )
    else:
        head = f"- Licence: none covering the main text ({lic.get('reason') or 'none found'})."
    lines = [head]
    for hit in lic.get("hits") or []:
        lines.append(f'    found {hit["spdx"]} with scope "{hit["scope"]}" ({hit["scope_reason"]})')
        lines += _evidence([hit["evidence"]], "      ")
    return lines


def _optout_lines(opt: dict[str, Any] | None) -> list[str]:
    if opt is None:
        return ["- AI/TDM opt-outs: not assessed."]
    signals = opt.get("signals") or []
    verdict = "RESERVED" if opt.get("reserved") else "no reservation"
    lines = [f"- AI/TDM opt-outs: {verdict} ({opt.get('reason')}; {len(signals)} signal(s) seen)."]
    for s in signals:
        said = {True: "reserves rights", False: "does not reserve", None: "silent"}.get(
            s.get("reserved"), str(s.get("reserved"))
        )
        lines.append(f"    {s['signal']}: {said}")
        lines += _evidence(s.get("evidence") or [], "      ")
    return lines


def _paywall_lines(pw: dict[str, Any] | None) -> list[str]:
    if pw is None:
        return ["- Paywall: not assessed."]
    if pw.get("paywalled"):
        lines = [f"- Paywall: YES ({pw.get('kind') or 'unknown'}): {pw.get('reason')}."]
    else:
        lines = [f"- Paywall: none ({pw.get('reason')})."]
    return lines + _evidence(pw.get("evidence") or [], "    ")


#: Where a foreign page's policy file came from (``policy_files[].source``), in words.
_SOURCE_WORDS = {
    "same-archive": "captured in the same archives as the page",
    "policy-archive": "captured in the policy archive",
    "fetched-at-export": "fetched when the export ran (not when the page was captured)",
    "none": "found in no archive",
}


def _rsl_lines(rsl: dict[str, Any] | None) -> list[str]:
    """Describe the RSL licence (rslstandard.org/rsl) and the term of it that decided."""
    if not rsl or rsl.get("verdict") == "none":
        return []
    lines = [f"- RSL licence ({rsl.get('verdict')}): {rsl.get('reason')}."]
    terms = rsl.get("terms")
    if terms:
        lines.append(
            f"    terms: {', '.join(terms.get('requires') or [])}; obtain at "
            f"{terms.get('obtain_at')} (licence {terms.get('licence_url')}, "
            f"<content url={terms.get('content_url')!r}>)"
        )
    if rsl.get("attribution_required"):
        lines.append("    attribution required by the RSL licence (payment type attribution)")
    return lines + _evidence(rsl.get("evidence") or [], "    ")


def _policy_file_where(pf: dict[str, Any]) -> str:
    """Name the record of a policy file (and, for a revisit, the response holding its bytes)."""
    ptr = pf.get("archived")
    source = _SOURCE_WORDS.get(str(pf.get("source") or ""), "")
    if not ptr:
        return source or str(pf.get("check") or "not archived")
    where = f"archived as record {ptr['record_id']} in {ptr['file']} at offset {ptr['offset']}"
    if source:
        where = f"{source}, {where}"
    original = pf.get("original")
    if original:
        where += (
            f", a revisit of record {original['record_id']} in {original['file']} at offset "
            f"{original['offset']} (same bytes)"
        )
    return where


def _robots_lines(entry: dict[str, Any]) -> list[str]:
    robots = entry.get("robots")
    lines: list[str] = []
    if robots:
        rec = {True: "allowed", False: "disallowed", None: "no verdict"}[robots["recorded_allowed"]]
        if entry.get("provenance"):  # a foreign archive: nothing was decided at crawl time
            lines.append(
                f"- robots.txt {robots['url']} (sha256 {robots['sha256'][:16]}…, captured "
                f"{robots['fetched_at']}): {robots['recorded_reason']}."
            )
        else:
            lines.append(
                f"- robots.txt {robots['url']} (sha256 {robots['sha256'][:16]}…, fetched "
                f"{robots['fetched_at']}): {rec} at crawl time ({robots['recorded_reason']})."
            )
        lines += _evidence(robots.get("recorded_evidence") or [], "    ")
        if robots.get("recheck_allowed") is None:
            lines.append(f"    not re-evaluated: {robots['recheck_reason']}")
        else:
            again = "allowed" if robots["recheck_allowed"] else "DISALLOWED"
            agree = "matches" if robots.get("matches_recorded") else "DOES NOT match"
            tail = (
                "there was no crawl-time verdict to compare with"
                if robots.get("matches_recorded") is None and robots["recorded_allowed"] is None
                else f"{agree} the crawl-time verdict"
            )
            lines.append(
                f"    re-evaluated from the archived copy: {again} ({robots['recheck_reason']}); "
                f"{tail}."
            )
            lines += _evidence(robots.get("recheck_evidence") or [], "      ")
    for pf in entry.get("policy_files") or []:
        where = _policy_file_where(pf)
        if pf.get("check") == "missing":
            lines.append(f"- Policy file {pf['kind']} {pf['url']}: {where}.")
            continue
        lines.append(
            f"- Policy file {pf['kind']} {pf['url']} (HTTP {pf['status']}, sha256 "
            f"{pf['sha256'][:16]}…, fetched {pf['fetched_at']}): {where}."
        )
        lines += _tdm_policy_lines(pf.get("tdm_policy"))
    return lines


def _tdm_policy_lines(policy: dict[str, Any] | None) -> list[str]:
    """Name a TDMRep TDM policy's terms (evidence for a grant, never an admission)."""
    if not policy:
        return []
    head = f"    TDM policy ({policy.get('status')}; AI training {policy.get('ai_training')}): "
    lines = [f"{head}{policy.get('reason')}."]
    if policy.get("assigner"):
        lines.append(f"    rightsholder: {'; '.join(policy['assigner'])}")
    for rule in policy.get("rules") or []:
        extra = [*(f"duty {d}" for d in rule.get("duties") or []), *(rule.get("constraints") or [])]
        with_ = f" ({', '.join(extra)})" if extra else ""
        lines.append(
            f"    {rule.get('rule')}[{rule.get('index')}] {rule.get('action')}{with_}: "
            f"{rule.get('note')}"
        )
    lines.append("    (a TDM policy never admits by itself; only an agreement relying on it can)")
    return lines


def _warc_lines(entry: dict[str, Any]) -> list[str]:
    w = entry["warc"]
    lines = ["Archived evidence (WARC):"]
    if w.get("record_type"):
        lines.append(
            f"  {w['record_type']} record {w['record_id']} in {w['file']} at offset {w['offset']} "
            f"(payload {w['payload_digest']})"
        )
    source = w.get("payload_from")
    if source:  # a revisit stores no payload: the page was decided on the record it repeats
        lines.append(
            f"  text read from record {source['record_id']} in {source['file']} at offset "
            f"{source['offset']} (the revisit's original, payload {source['payload_digest']})"
        )
    if w.get("metadata_offset", -1) >= 0:
        lines.append(
            f"  decision (metadata) record {w.get('metadata_record_id') or '?'} in {w['file']} "
            f"at offset {w['metadata_offset']}"
        )
    else:
        lines.append(f"  no decision (metadata) record: {_no_crawl_time(entry)}")
    return lines


def _no_crawl_time(entry: dict[str, Any]) -> str:
    """Say, in words, why an entry has no crawl-time decision (never an offset of -1)."""
    prov = entry.get("provenance")
    if prov:
        who = prov.get("producer") or "a tool that left no warcinfo"
        coll = f", collection {prov['collection']}" if prov.get("collection") else ""
        text = (
            f"No crawl-time decision: the page comes from an archive written by {who}{coll}, "
            "not by a clearcrawl crawl; this decision was made when the dataset was exported"
        )
        relaxed = prov.get("relaxations") or []
        if relaxed:
            text += (
                "; decided without the site's " + ", ".join(relaxed) + " (found in no archive; "
                "the policy does not require them)"
            )
        return text + "."
    return "No crawl-time decision: the WARC holds no readable decision record for this page."


def _policy_name(policy: dict[str, Any]) -> str:
    """Name the policy the way the card and the crawl's decisions name it."""
    return policy_label(
        str(policy.get("name")), str(policy.get("version") or ""), str(policy.get("digest"))
    )


def release_policies(folder: Path) -> dict[str, dict[str, Any]]:
    """Return the policy text the release records once (``export-info.json``), by digest.

    Manifest entries name their policy by label and digest only (the text is written once per
    release, not once per row); an entry whose digest is not here has no recorded text.
    """
    try:
        info = json.loads((folder / "export-info.json").read_text(encoding="utf-8"))
        policy = info["policy"]
        return {str(policy["digest"]): dict(policy["content"])}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _admits(policy: dict[str, Any], policies: dict[str, dict[str, Any]]) -> str:
    """Say what the recorded policy admits, from its recorded content (not a fixed promise).

    The content comes from the release's single copy, matched by digest, or from the entry
    itself in manifests written before the text was recorded once per release.
    """
    try:
        content = policies.get(str(policy.get("digest")))
        if content is None:
            content = json.loads(policy["content"])
        return Policy.from_dict(content).describe()
    except (KeyError, TypeError, ValueError, PolicyError):
        return "its rules were met (the policy's content is not recorded in this release)"


def _owed_lines(entry: dict[str, Any], row: dict[str, Any]) -> list[str]:
    """List the attribution line and every condition of the row's licence."""
    spdx = str(row.get("license") or (entry.get("license") or {}).get("spdx") or "")
    lines = ["", "What you owe when using it:", f"  {row['attribution']}"]
    rsl = entry.get("rsl") or {}
    if rsl.get("attribution_required"):
        lines.append(f"  The site's RSL licence {rsl.get('licence_url')} requires attribution.")
    conditions = license_conditions(spdx)
    if not conditions:
        lines.append(f"  {spdx}: no conditions (public domain); attribution is good practice.")
    else:
        lines.append(f"  Conditions of {spdx}:")
        lines += [f"  - {c.name} ({c.code}): {c.duty}." for c in conditions]
    return lines


def _grant_lines(grant: dict[str, Any], captured: str | None) -> list[str]:
    """Say which agreement admitted a record, until when, and what it answered."""
    lifted = ", ".join(grant.get("lifted") or []) or "nothing"
    lines = [
        (
            f"- Admitted under agreement {grant['id']}, valid until {grant['valid_until']} "
            f"(counterparty {grant['counterparty']}; signed document "
            f"{grant['document_sha256']}; valid from {grant['valid_from']}; judged at the "
            f"capture time {captured or 'unknown'})."
        ),
        f"- The agreement answered: {lifted}.",
    ]
    if grant.get("overrides"):
        lines.append(f"- It explicitly overrides the opt-outs: {', '.join(grant['overrides'])}.")
    if grant.get("tdm_policy"):
        lines.append(f"- It relies on the TDMRep TDM policy {grant['tdm_policy']}.")
    if grant.get("note"):
        lines.append(f"- Decision: {grant['note']}.")
    if grant.get("license_token_sha256"):
        lines.append(
            f"- An RSL licence token was sent to its origin (sha256 "
            f"{grant['license_token_sha256']}; the token itself is not recorded)."
        )
    lines.append(f"- Attribution owed: {grant.get('attribution') or '(none stated)'}.")
    lines.append(f"- Grants file digest: {grant.get('grants_digest')}.")
    return lines


def explain_entry(
    file: str,
    meaning: str,
    entry: dict[str, Any],
    row: dict[str, Any] | None,
    policies: dict[str, dict[str, Any]] | None = None,
) -> str:
    """Explain one manifest / exclusion entry in plain language.

    ``policies`` holds the release's policy texts by digest (:func:`release_policies`).
    """
    lines = [entry["url"], f"  id {entry['id']}: {meaning} ({file})", ""]
    decision = entry["decision"]
    policy = entry["policy"]
    grant = entry.get("grant")
    if decision["include"] and grant:
        lines.append("Why it is in:")
        lines += _grant_lines(grant, entry.get("crawl_date"))
        lines.append(f"- (policy {_policy_name(policy)}, digest {policy['digest']})")
    elif decision["include"]:
        lines.append("Why it is in:")
        lines.append(
            f"- Policy {_policy_name(policy)} (digest {policy['digest']}) admitted it by the "
            f'rule "{policy["rule"]}": {_admits(policy, policies or {})}.'
        )
    else:
        lines.append("Why it is not in:")
        lines += [f"- {describe_reason(r)}  [{r}]" for r in decision["reasons"]]
        lines.append(f"- (policy {_policy_name(policy)}, digest {policy['digest']})")
    crawl_time = decision.get("crawl_time")
    if crawl_time:
        reasons = ", ".join(crawl_time["reasons"]) or "no reasons"
        lines.append(f"- At crawl time the decision was: {crawl_time['outcome']} ({reasons}).")
    else:
        lines.append(f"- {_no_crawl_time(entry)}")
    lines += ["", "Findings re-derived from the archived page:"]
    lines += _license_lines(entry.get("license"))
    lines += _optout_lines(entry.get("optout"))
    lines += _paywall_lines(entry.get("paywall"))
    lines += _rsl_lines(entry.get("rsl"))
    lines += _robots_lines(entry)
    text = entry.get("text")
    if text:
        lines.append(
            f"- Text: {text['chars']} characters extracted with {text['extractor']} "
            f"(normalised sha256 {text['sha256'][:16]}…)."
        )
    dups = entry.get("duplicates") or []
    if dups:
        lines.append(f"- {len(dups)} page(s) with the same text were not exported again:")
        lines += [f"    {d['url']} (id {d['id']})" for d in dups]
    if row is not None:
        lines += _owed_lines(entry, row)
    lines += ["", *_warc_lines(entry)]
    return "\n".join(lines) + "\n"
