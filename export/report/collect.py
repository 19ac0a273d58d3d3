"""One pass over a release folder → every fact the HTML report shows.

The numbers come from the release's own files, counted here line by line (``manifest``,
``excluded`` and ``not-fetched.jsonl.gz``), and are reconciled with ``export-info.json`` and,
when the crawl folder is known, with the crawl's ``crawl-stats.json``; a disagreement is shown,
never hidden. Each record's detail is the text ``clearcrawl explain`` prints
(:func:`export.explain.explain_entry`, the same code), stored compactly: every distinct line
once in a table, with marks standing for the record's own values (URL, id, WARC pointers:
:func:`template_line`), each record a list of line numbers and its values (most lines, such as
"tdmrep-header: silent", repeat across thousands of records).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from export.card import NOT_FETCHED_KINDS
from export.explain import explain_entry, iter_entries, release_policies
from export.folder import data_shards, iter_parquet
from export.summary import SummaryBuilder, read_info
from export.version import __version__
from filters.policy import Policy, PolicyError
from filters.reasons import Reason, describe, reason_class

#: Outcome codes of the per-record table (index into :data:`OUTCOMES`).
OUTCOMES = ("exported", "excluded", "refused", "not followed")
_STATUS_BY_FILE = {
    "manifest.jsonl.gz": 0,
    "excluded.jsonl.gz": 1,
}
#: Signals read from an origin's policy files (the rest are per page).
ORIGIN_SIGNALS = (
    "tdmrep-file",
    "ai-txt",
    "content-signal",
    "content-usage-robots",
    "disallow-ai-training",
)
#: Distinct findings listed per origin and policy file (the rest are counted as "n more").
MAX_SAID = 6


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url`` (RFC 6454 §4 without the default port)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "(unparsable URL)"
    host = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    suffix = "" if port is None or port == default else f":{port}"
    return f"{parts.scheme.lower()}://{host}{suffix}"


@dataclass
class PolicyFileSeen:
    """One policy file of an origin as the entries name it (by URL and digest)."""

    kind: str
    url: str
    status: int
    sha256: str
    fetched_at: str
    said: Counter[str] = field(default_factory=Counter)


@dataclass
class OriginFacts:
    """Counts and policy files of one origin."""

    origin: str
    counts: Counter[int] = field(default_factory=Counter)
    licenses: Counter[str] = field(default_factory=Counter)
    files: dict[tuple[str, str], PolicyFileSeen] = field(default_factory=dict)

    def file(self, pf: dict[str, Any]) -> PolicyFileSeen:
        key = (str(pf.get("url")), str(pf.get("sha256")))
        seen = self.files.get(key)
        if seen is None:
            seen = self.files[key] = PolicyFileSeen(
                kind=str(pf.get("kind")),
                url=str(pf.get("url")),
                status=int(pf.get("status") or 0),
                sha256=str(pf.get("sha256") or ""),
                fetched_at=str(pf.get("fetched_at") or ""),
            )
        return seen


@dataclass
class Interner:
    """Distinct strings in a table, each named by its index."""

    items: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)

    def __call__(self, value: str) -> int:
        found = self.index.get(value)
        if found is None:
            found = self.index[value] = len(self.items)
            self.items.append(value)
        return found


@dataclass
class ReportFacts:
    """Everything the report renders (see :mod:`export.report.render`)."""

    title: str
    version: str
    export_version: str
    policy_label: str
    policy_digest: str
    policy_json: str
    policy_describe: str
    tokens: list[str]
    counts: Counter[int] = field(default_factory=Counter)
    policy_files: int = 0
    excluded_reasons: Counter[str] = field(default_factory=Counter)
    not_fetched_reasons: Counter[str] = field(default_factory=Counter)
    licenses: Counter[str] = field(default_factory=Counter)
    signals: dict[str, Counter[str]] = field(default_factory=dict)
    times: list[tuple[str, int]] = field(default_factory=list)
    origins: dict[str, OriginFacts] = field(default_factory=dict)
    reconciliation: list[tuple[str, int, str, int | None]] = field(default_factory=list)
    records: list[list[Any]] = field(default_factory=list)
    lines: Interner = field(default_factory=Interner)
    origin_names: Interner = field(default_factory=Interner)
    license_names: Interner = field(default_factory=Interner)
    reason_keys: Interner = field(default_factory=Interner)
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def totals(self) -> dict[str, int]:
        """The headline numbers, each counted from the release's files."""
        exported, excluded = self.counts[0], self.counts[1]
        refused, not_followed = self.counts[2], self.counts[3]
        return {
            "considered": exported + excluded + refused + not_followed + self.policy_files,
            "refused": refused,
            "not-followed": not_followed,
            "fetched": exported + excluded + self.policy_files,
            "pages": exported + excluded,
            "policy-files": self.policy_files,
            "exported": exported,
            "excluded": excluded,
        }


def _attribution_rows(folder: Path) -> dict[str, dict[str, Any]]:
    """``id`` → the row columns ``explain`` states for an exported record."""
    rows: dict[str, dict[str, Any]] = {}
    for row in iter_parquet(data_shards(folder), columns=["id", "license", "attribution"]):
        rows[str(row["id"])] = row
    return rows


def _policy(info: dict[str, Any]) -> tuple[str, str, str, str]:
    policy = info.get("policy") or {}
    content = policy.get("content")
    try:
        loaded = Policy.from_dict(dict(content or {}))
        canonical, describe_text = loaded.canonical_json(), loaded.describe()
    except (PolicyError, TypeError, ValueError):
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
        describe_text = "(the policy text in export-info.json does not load)"
    return str(policy.get("label") or ""), str(policy.get("digest") or ""), canonical, describe_text


def _outcome(file: str, entry: dict[str, Any]) -> int:
    code = _STATUS_BY_FILE.get(file)
    if code is not None:
        return code
    reasons = (entry.get("decision") or {}).get("reasons") or [""]
    return 3 if reason_class(str(reasons[0])) in NOT_FETCHED_KINDS else 2


def _signal_said(signal: dict[str, Any]) -> str:
    verdict = {True: "reserves rights", False: "does not reserve", None: "silent"}.get(
        signal.get("reserved"), str(signal.get("reserved"))
    )
    notes = "; ".join(str(e.get("note") or e.get("excerpt") or "") for e in signal["evidence"])
    return f"{signal.get('signal')}: {verdict}" + (f" ({notes})" if notes.strip("; ") else "")


def _origin_facts(facts: OriginFacts, entry: dict[str, Any]) -> None:
    """Note what the origin's policy files said, as this entry's evidence reads them."""
    by_kind: dict[str, PolicyFileSeen] = {}
    for pf in entry.get("policy_files") or []:
        if isinstance(pf, dict) and pf.get("url"):
            by_kind.setdefault(str(pf.get("kind")), facts.file(pf))
    robots = entry.get("robots")
    seen = by_kind.get("robots.txt")
    if robots and seen is not None:
        for ev in robots.get("recheck_evidence") or robots.get("recorded_evidence") or []:
            seen.said[f"{ev.get('locator')}: {ev.get('note')}"] += 1
    for signal in (entry.get("optout") or {}).get("signals") or []:
        name = str(signal.get("signal"))
        if name not in ORIGIN_SIGNALS:
            continue
        kind = {"tdmrep-file": "tdmrep.json", "ai-txt": "ai.txt"}.get(name, "robots.txt")
        target = by_kind.get(kind)
        if target is not None:
            target.said[_signal_said({**signal, "evidence": signal.get("evidence") or []})] += 1


def _count_signals(facts: ReportFacts, entry: dict[str, Any], reasons: list[str]) -> None:
    """Count what each opt-out channel said for this record.

    A record whose body was withheld, or a URL refused before fetching, has no opt-out section
    (nothing was assessed after the reservation); its ``optout:<signal>`` reasons name the
    channel that reserved rights.
    """
    optout = entry.get("optout")
    if optout is None:
        for r in reasons:
            if reason_class(r) == Reason.OPTOUT:
                facts.signals.setdefault(r.partition(":")[2], Counter())["reserved"] += 1
        return
    for signal in optout.get("signals") or []:
        said = {True: "reserved", False: "not reserved", None: "silent"}.get(
            signal.get("reserved"), "silent"
        )
        facts.signals.setdefault(str(signal.get("signal")), Counter())[said] += 1


#: Stand-ins for a record's own values in its stored detail lines (the i-th mark stands for
#: the i-th of :func:`record_values`), so a line such as "decision (metadata) record … at
#: offset …" is stored once for all records, and each record keeps only its values.
MARKS = "\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10"
#: First character of a stored line that holds marks (no line ``explain`` prints starts so).
TEMPLATED = "\x1f"
_ALL_MARKS = MARKS + TEMPLATED


def record_values(entry: dict[str, Any], row: dict[str, Any] | None) -> list[str]:
    """Return the values of one record its detail lines name: URL, id, WARC pointers, …."""
    warc = entry.get("warc") or {}
    text = entry.get("text") or {}
    offset, meta = warc.get("offset"), warc.get("metadata_offset")
    return [
        str(entry.get("url") or ""),
        str(entry.get("id") or ""),
        str(warc.get("record_id") or ""),
        str(warc.get("metadata_record_id") or ""),
        f"offset {offset}" if offset is not None else "",
        f"offset {meta}" if meta is not None else "",
        str(warc.get("payload_digest") or ""),
        str(text.get("sha256") or "")[:16],
        str((row or {}).get("attribution") or ""),
    ]


def template_line(line: str, values: list[str]) -> str:
    """``line`` with each of ``values`` replaced by its mark (undone by :func:`expand_line`).

    A line that already holds a mark character is kept as it is (it cannot be told apart).
    """
    if any(m in line for m in MARKS + TEMPLATED):
        return line
    out = line
    for mark, value in zip(MARKS, values, strict=False):
        if value:
            out = out.replace(value, mark)
    return TEMPLATED + out if out != line else line


def template_lines(text: str, values: list[str]) -> list[str]:
    """:func:`template_line` over each line of ``text``, its searches made once per text.

    A value found nowhere in the text is replaced in no line (unless it holds a mark, which an
    earlier replacement may have put in a line), and a text without a mark has no line with one.
    """
    lines = text.rstrip("\n").split("\n")
    if any(m in text for m in _ALL_MARKS):
        return [template_line(x, values) for x in lines]
    used = [
        (mark, value)
        for mark, value in zip(MARKS, values, strict=False)
        if value and (value in text or any(m in value for m in _ALL_MARKS))
    ]
    if not used:
        return lines
    out = []
    for line in lines:
        new = line
        for mark, value in used:
            new = new.replace(value, mark)
        out.append(TEMPLATED + new if new != line else line)
    return out


def expand_line(stored: str, values: list[str]) -> str:
    """Undo :func:`template_line` (marks replaced in reverse order; the report's script too)."""
    if not stored.startswith(TEMPLATED):
        return stored
    out = stored[1:]
    for mark, value in reversed(list(zip(MARKS, values, strict=False))):
        if value:
            out = out.replace(mark, value)
    return out


def _crawl_stats(crawl_dir: Path | None) -> dict[str, Any] | None:
    if crawl_dir is None:
        return None
    try:
        stats = json.loads((crawl_dir / "crawl-stats.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stats if isinstance(stats, dict) else None


def _reconcile(facts: ReportFacts, info: dict[str, Any], stats: dict[str, Any] | None) -> None:
    """Each total beside what ``export-info.json`` and ``crawl-stats.json`` say."""
    totals = facts.totals
    counts = info.get("counts") or {}
    checks: list[tuple[str, int, str, Any]] = [
        (
            "exported",
            totals["exported"],
            "export-info.json counts.exported",
            counts.get("exported"),
        ),
        (
            "excluded",
            totals["excluded"],
            "export-info.json counts.excluded_pages",
            counts.get("excluded_pages"),
        ),
        (
            "not fetched",
            totals["refused"] + totals["not-followed"],
            "export-info.json counts.not_fetched_urls",
            counts.get("not_fetched_urls"),
        ),
        (
            "considered",
            totals["considered"],
            "export-info.json counts.decision_records",
            counts.get("decision_records"),
        ),
    ]
    if stats is not None:
        checks += [
            (
                "considered",
                totals["considered"],
                "crawl-stats.json clearcrawl/decisions/written",
                stats.get("clearcrawl/decisions/written"),
            ),
            (
                "fetched and archived",
                totals["fetched"],
                "crawl-stats.json clearcrawl/warc/captures",
                stats.get("clearcrawl/warc/captures"),
            ),
            (
                "not fetched",
                totals["refused"] + totals["not-followed"],
                "crawl-stats.json clearcrawl/decision/not-fetched",
                stats.get("clearcrawl/decision/not-fetched"),
            ),
        ]
    facts.reconciliation = [
        (name, mine, where, int(theirs) if isinstance(theirs, int | float) else None)
        for name, mine, where, theirs in checks
    ]


def collect(folder: Path, crawl_dir: Path | None = None) -> ReportFacts:
    """Read ``folder`` once (and ``crawl_dir/crawl-stats.json`` when given)."""
    info = read_info(folder)
    label, digest, canonical, admits = _policy(info)
    facts = ReportFacts(
        title=str(info.get("pretty_name") or folder.name),
        version=__version__,
        export_version=str(info.get("clearcrawl_version") or ""),
        policy_label=label,
        policy_digest=digest,
        policy_json=canonical,
        policy_describe=admits,
        tokens=[str(t) for t in info.get("tokens") or []],
        policy_files=int((info.get("counts") or {}).get("policy_files") or 0),
    )
    policies = release_policies(folder)
    rows = _attribution_rows(folder)
    summary = SummaryBuilder()
    for file, meaning, entry in iter_entries(folder):
        code = _outcome(file, entry)
        facts.counts[code] += 1
        summary.add(("exported", "excluded", "not-fetched", "not-fetched")[code], entry)
        url = str(entry.get("url") or "")
        origin = origin_of(url)
        ofacts = facts.origins.get(origin)
        if ofacts is None:
            ofacts = facts.origins[origin] = OriginFacts(origin)
        ofacts.counts[code] += 1
        reasons = [str(r) for r in (entry.get("decision") or {}).get("reasons") or []]
        spdx = str((entry.get("license") or {}).get("spdx") or "")
        if code == 0:
            facts.licenses[spdx] += 1
            ofacts.licenses[spdx] += 1
        elif code == 1:
            facts.excluded_reasons.update(reason_class(r) for r in reasons)
        else:
            facts.not_fetched_reasons.update(reason_class(r) for r in reasons)
        _count_signals(facts, entry, reasons)
        when = entry.get("crawl_date")
        if isinstance(when, str) and when:
            facts.times.append((when, code))
        _origin_facts(ofacts, entry)
        row = rows.get(str(entry.get("id"))) if code == 0 else None
        text = explain_entry(file, meaning, entry, row, policies)
        values = record_values(entry, row)
        facts.records.append(
            [
                url,
                str(entry.get("id") or ""),
                facts.origin_names(origin),
                facts.license_names(spdx),
                code,
                facts.reason_keys(" ".join(sorted({reason_class(r) for r in reasons}))),
                [facts.lines(x) for x in template_lines(text, values)],
                values[2:],
            ]
        )
    _reconcile(facts, info, _crawl_stats(crawl_dir))
    facts.summary = summary.result(info)
    return facts


def reason_text(reason_class_id: str) -> str:
    """Describe a reason class in plain words (the same readings as ``explain``)."""
    return describe(reason_class_id)
