"""One capture in, one outcome out: derive, extract, build the row and its manifest entry.

This is the expensive step, so it is what the worker processes run.

:func:`process_capture` is a pure function of the capture, the archived policy files its
record names and an :class:`ExportConfig`; it never touches the output folder, so the same code
serves ``export`` (in worker processes, in WARC order) and ``verify`` (one record re-read at
its offset). Deduplication is *not* done here: it needs the whole stream, so the parent does it
in order (:mod:`export.run`).
"""

from __future__ import annotations

import gc
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from export.derive import Derived, derive
from export.extract import Extracted, text_hash
from export.manifest import (
    SCHEMA,
    CrawlTimeSection,
    DecisionSection,
    EvidenceItem,
    FetchSection,
    GrantSection,
    LicenseSection,
    ManifestEntry,
    OptoutSection,
    PaywallSection,
    RslSection,
    RslTermsItem,
    TextSection,
    WarcSection,
    policy_section,
)
from export.policyfiles import ArchivedPolicyFile
from export.version import __version__
from export.warcread import Capture
from filters.grants import GrantSet, grant_license_id
from filters.policy import Policy
from filters.rsl import NO_CONTEXT, RslContext

OutcomeStatus = Literal["exported", "excluded", "not-fetched", "policy-file"]

_CC = re.compile(r"^(?:LicenseRef-)?CC-(BY(?:-NC)?(?:-SA|-ND)?)-(\d\.\d)(?:-([A-Z]{2,3}))?$")


@dataclass(frozen=True, slots=True)
class ExportConfig:
    """What decides the output besides the WARC bytes (all recorded in the dataset)."""

    policy: Policy
    tokens: tuple[str, ...]
    markdown: bool = False
    #: The crawl's RSL 1.0 §3.4.1 user type and regions (its warcinfo), for RSL re-evaluation.
    rsl_context: RslContext = NO_CONTEXT
    grants: GrantSet | None = None


@dataclass(slots=True)
class Outcome:
    """The result for one capture: a row and its entry, or an entry saying why not."""

    status: OutcomeStatus
    entry: dict[str, Any] | None = None
    row: dict[str, Any] | None = None
    text_hash: str | None = None


def row_id(url: str, payload_digest: str) -> str:
    """Stable id: sha1 of URL and payload digest (same bytes at the same URL → same id)."""
    return hashlib.sha1(f"{url}\n{payload_digest}".encode()).hexdigest()  # noqa: S324


def crawl_datetime(date: str) -> datetime | None:
    """Parse a ``WARC-Date`` (None when it does not parse)."""
    try:
        return datetime.fromisoformat(date)
    except ValueError:
        return None


def license_label(spdx: str) -> str:
    """Human name of a licence id: ``CC-BY-SA-3.0-DE`` → ``CC BY-SA 3.0 DE``."""
    if spdx == "CC0-1.0":
        return "CC0 1.0"
    if spdx == "CC-PDM-1.0":
        return "Public Domain Mark 1.0"
    m = _CC.match(spdx)
    if m:
        kind, ver, port = m.groups()
        return f"CC {kind} {ver}" + (f" {port}" if port else "")
    return spdx


def attribution_line(
    title: str | None,
    author: str | None,
    site_name: str | None,
    url: str,
    spdx: str,
    license_url: str | None,
) -> str:
    """Write a TASL attribution (Title, Author, Source, Licence).

    This is the form Creative Commons recommends (CC BY 4.0 §3(a)(1)): ready to paste next to
    any use of the row.
    """
    t = f"“{title}”" if title else "Untitled page"
    who = f" by {author}" if author else ""
    where = f" ({site_name})" if site_name and site_name != author else ""
    link = f" ({license_url})" if license_url else ""
    name = license_label(spdx)
    if spdx == "CC0-1.0":
        terms = f"dedicated to the public domain under {name}{link}"
    elif spdx == "CC-PDM-1.0":
        terms = f"marked as public domain ({name}" + (f", {license_url})" if license_url else ")")
    else:
        terms = f"licensed under {name}{link}"
    return f"{t}{who}{where}, {url}, {terms}"


# --- manifest sections --------------------------------------------------------------------
def rsl_attribution(out: Any) -> str:
    """Return what an RSL attribution duty adds to the row's attribution line (RSL 1.0 §3.6)."""
    if out is None or not getattr(out, "attribution", False):
        return ""
    return f"; attribution required by the site's RSL licence ({out.licence_url})"


def rsl_section(out: Any) -> RslSection | None:
    """Return the manifest's ``rsl`` section for an :class:`filters.rsl.RslOutcome`, or None."""
    if out is None:
        return None
    t = getattr(out, "terms", None)
    terms = (
        RslTermsItem(
            licence_url=t.licence_url,
            content_url=t.content_url,
            requires=list(t.requires),
            payment=t.payment,
            server=t.server,
            standard=list(t.standard),
            custom=list(t.custom),
            amounts=list(t.amounts),
            reporting=list(t.reporting),
            obtain_at=t.obtain_at,
        )
        if t is not None
        else None
    )
    return RslSection(
        verdict=str(out.verdict),
        reason=out.reason,
        cause=out.cause,
        licence_url=out.licence_url,
        attribution_required=bool(out.attribution),
        licence_urls=list(out.licence_urls),
        terms=terms,
        max_age_days=int(out.max_age_days),
        evidence=[EvidenceItem.of(e) for e in out.evidence],
    )


def build_entry(
    d: Derived,
    config: ExportConfig,
    *,
    entry_id: str,
    status: Literal["exported", "excluded", "not-fetched"],
    text: TextSection | None = None,
) -> ManifestEntry:
    """Build the manifest entry for a derived capture (exported or not)."""
    c = d.capture
    a = d.assessment
    lic = a.license if a is not None else None
    # the allowlist rule the policy itself reported (only an exported row was admitted by it)
    rule = a.decision.rule if d.include and a is not None else None
    record = c.record  # None: no readable decision record (the entry says so in its reasons)
    return ManifestEntry(
        schema=SCHEMA,
        id=entry_id,
        url=c.url,
        status=status,
        crawl_date=c.date or None,
        clearcrawl_version=__version__,
        decision=DecisionSection(
            include=d.include,
            reasons=list(d.reasons),
            crawl_time=CrawlTimeSection.of(record) if record is not None else None,
        ),
        license=LicenseSection.of(lic) if lic is not None else None,
        optout=OptoutSection.of(a.optout) if a is not None and a.optout is not None else None,
        paywall=PaywallSection.of(a.paywall) if a is not None and a.paywall is not None else None,
        rsl=rsl_section(d.rsl),
        robots=d.robots,
        policy_files=list(d.policy_files),
        policy=policy_section(config.policy, rule),
        warc=WarcSection(
            file=c.warc_file,
            offset=c.offset,
            record_id=c.record_id,
            record_type=c.record_type,
            payload_digest=c.payload_digest,
            metadata_offset=c.metadata_offset,
            metadata_record_id=c.metadata_record_id,
            payload_from=c.payload_from,
        ),
        fetch=FetchSection.of(record.fetch) if record is not None and record.fetch else None,
        text=text,
        duplicates=[],
        notes=list(a.notes) if a is not None else list(c.problems),
        grant=_grant_section(d, config) if d.include else None,
    )


def _grant_section(d: Derived, config: ExportConfig) -> GrantSection | None:
    g = d.grant
    if g is None or not g.admitted or g.grant is None or config.grants is None:
        return None
    ref = g.grant.reference()
    return GrantSection(
        **ref, lifted=list(g.lifted), grants_digest=config.grants.digest, note=g.note
    )


def _text_section(ext: Extracted | None, th: str | None, markdown: bool) -> TextSection | None:
    if ext is None or th is None:
        return None
    return TextSection(chars=len(ext.text), sha256=th, extractor=ext.extractor, markdown=markdown)


def build_row(d: Derived, ext: Extracted, rid: str, markdown: bool) -> dict[str, Any]:
    """Build the dataset row (column order: :data:`export.dataset.ROW_FEATURES`)."""
    c = d.capture
    if d.assessment is None or d.assessment.license is None:
        raise ValueError("build_row needs an assessed page with a licence")
    lic = d.assessment.license
    spdx = lic.spdx or ""
    granted = d.grant.grant if d.grant is not None and d.grant.admitted else None
    if granted is not None:
        # Admitted under an agreement, not the page's licence: the row says so, and its
        # attribution is the duty the agreement sets (or names the agreement).
        spdx = grant_license_id(granted.id)
    row: dict[str, Any] = {
        "id": rid,
        "url": c.url,
        "text": ext.text,
        "title": ext.title,
        "author": ext.author,
        "site_name": ext.site_name,
        "date": ext.date,
        "language": ext.language,
        "content_type": ext.content_type,
        "license": spdx,
        "license_url": None if granted is not None else lic.url,
        "attribution": (
            attribution_line(ext.title, ext.author, ext.site_name, c.url, spdx, lic.url)
            + rsl_attribution(d.rsl)
            if granted is None
            else granted.attribution
            or f"{ext.title or c.url}, {c.url}, used under agreement {granted.id} with "
            f"{granted.counterparty}"
        ),
        "crawl_date": crawl_datetime(c.date),
        "warc_file": c.warc_file,
        "warc_record_id": c.record_id,
        "payload_digest": c.payload_digest,
    }
    if markdown:
        row["markdown"] = ext.markdown
    return row


def process_capture(
    capture: Capture, archived: Sequence[ArchivedPolicyFile], config: ExportConfig
) -> Outcome:
    """Derive, extract and build; every failure ends as an exclusion with its reason."""
    if capture.record_type and capture.kind != "page":
        return Outcome("policy-file")
    d = derive(
        capture,
        config.policy,
        config.tokens,
        archived,
        markdown=config.markdown,
        rsl_context=config.rsl_context,
        grants=config.grants,
    )
    if capture.record_type == "":
        entry = build_entry(d, config, entry_id=row_id(capture.url, ""), status="not-fetched")
        return Outcome("not-fetched", entry.to_json())
    rid = row_id(capture.url, capture.payload_digest)
    ext = d.extracted  # extraction and min_text_chars are part of the decision (decide_page)
    th = text_hash(ext.text) if ext is not None else None
    text = _text_section(ext, th, config.markdown)
    if not d.include or ext is None:
        entry = build_entry(d, config, entry_id=rid, status="excluded", text=text)
        return Outcome("excluded", entry.to_json())
    entry = build_entry(d, config, entry_id=rid, status="exported", text=text)
    return Outcome("exported", entry.to_json(), build_row(d, ext, rid, config.markdown), th)


# --- worker-process plumbing --------------------------------------------------------------
@dataclass(slots=True)
class Packed:
    """An :class:`Outcome` as it travels back from a worker, already serialised.

    The manifest entry comes as canonical JSON and its Parquet columns as a JSON list of
    strings, plus the few fields the parent needs to count and deduplicate. Serialising in the
    workers keeps the parent, which must also read the WARC files, from becoming the bottleneck.
    """

    status: OutcomeStatus
    id: str = ""
    url: str = ""
    reasons: list[str] = field(default_factory=list)
    robots_checked: bool = False
    warc: dict[str, Any] = field(default_factory=dict)
    line: str = ""
    columns: str = ""
    row: dict[str, Any] | None = None
    text_hash: str | None = None
    crawl_outcome: str = ""


#: ``json.dumps(value, ensure_ascii=False, sort_keys=True)`` is
#: ``JSONEncoder(ensure_ascii=False, sort_keys=True).encode(value)`` (json/__init__.py): one
#: encoder serves every call, instead of one built per call (about a third of the time of the
#: ~35 small serialisations of an entry).
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
#: ``json.dumps(value, ensure_ascii=False)``, likewise.
_PLAIN = json.JSONEncoder(ensure_ascii=False).encode
#: The serialised top-level keys of entries (a few dozen names, the same on every entry).
_KEYS: dict[str, str] = {}


def dump_entry(entry: dict[str, Any]) -> str:
    """Serialise an entry the one way the manifest files hold it (canonical, sorted keys)."""
    return _CANONICAL(entry)


def dump_entry_and_columns(entry: dict[str, Any]) -> tuple[str, list[Any]]:
    """Return :func:`dump_entry`'s line and :func:`export.dataset.manifest_columns`, in one pass.

    Each top-level section is serialised once and the line is assembled from the pieces:
    ``json.dumps(sort_keys=True)`` writes a dict as its sorted ``"key": value`` pairs joined by
    ``", "``, so the pieces give byte for byte the line it would write (tested), and the
    Parquet columns (nested sections as that same canonical JSON) reuse them.
    """
    from export.dataset import MANIFEST_COLUMNS, MANIFEST_JSON_COLUMNS

    parts = {k: _CANONICAL(v) for k, v in entry.items()}
    keys = _KEYS
    for k in parts:
        if k not in keys:
            keys[k] = _PLAIN(k)
    line = "{" + ", ".join(f"{keys[k]}: {parts[k]}" for k in sorted(parts)) + "}"
    return line, [parts[n] if n in MANIFEST_JSON_COLUMNS else entry[n] for n in MANIFEST_COLUMNS]


def pack(outcome: Outcome) -> Packed:
    """Serialise an outcome for the trip to the parent process."""
    entry = outcome.entry
    if entry is None:
        return Packed(outcome.status)
    w = entry["warc"]
    robots = entry.get("robots") or {}
    crawl_time = entry["decision"].get("crawl_time") or {}
    line, columns = dump_entry_and_columns(entry)
    return Packed(
        status=outcome.status,
        id=entry["id"],
        url=entry["url"],
        reasons=list(entry["decision"]["reasons"]),
        robots_checked=robots.get("matches_recorded") is not None,
        warc={k: w[k] for k in ("file", "offset", "record_id", "payload_digest")},
        line=line,
        columns=_PLAIN(columns) if outcome.status == "exported" else "",
        row=outcome.row,
        text_hash=outcome.text_hash,
        crawl_outcome=str(crawl_time.get("outcome") or ""),
    )


_config: ExportConfig | None = None


def init_worker(config: ExportConfig, own_process: bool = False) -> None:
    """Pool initializer: the config travels once per worker, not once per task.

    In a worker process (``own_process``), objects alive now (modules, the config) are frozen
    out of the cyclic garbage collector's view, so full collections scan only what extraction
    allocates; a caller's process is left alone.
    """
    global _config
    _config = config
    if own_process:
        gc.freeze()


def process_batch(
    batch: Sequence[tuple[Capture, tuple[ArchivedPolicyFile, ...]]],
) -> list[Packed]:
    """Run :func:`process_capture` over a batch (what one pool task carries)."""
    if _config is None:
        raise RuntimeError("init_worker was not called in this process")
    return [pack(process_capture(c, archived, _config)) for c, archived in batch]
