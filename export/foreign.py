"""Decide the pages of archives clearcrawl did not write (issue 14).

A Common Crawl, Heritrix, Browsertrix, wget or pywb archive holds responses but no clearcrawl
decision record, and no record of which robots.txt, tdmrep.json or ai.txt applied. Its pages
are decided with the same filters and the same policy as a crawl's:

* page-level signals (licence, paywall, ``noai`` meta, ``X-Robots-Tag``, TDMRep header/meta,
  ``Content-Usage``) from the archived response, by :func:`export.derive.decide_page`;
* site-level policy files found by :class:`export.policyarchive.PolicyIndex` (same archives,
  policy archive, or fetched at export time), evaluated by the crawler's own sans-I/O plan
  (:class:`filters.prefetch.PrefetchPlan`) and :func:`filters.prefetch.fetch_permission`;
* a policy file found nowhere: ``policy-file-unknown:<file>`` when the policy requires it
  (``Policy.archive_required_policy_files``, robots.txt by default), else recorded in the
  entry's ``provenance.relaxations`` (the decision did not see it).

A file is *foreign* when its ``warcinfo`` does not name clearcrawl as its software; a
clearcrawl file whose decision record is lost stays ``no-decision-record`` (fail closed). Each
entry says where its evidence came from (``policy_files[].source`` with record pointers) and
who wrote the archive (``provenance``: warcinfo software, collection, format).
"""

from __future__ import annotations

import gc
import json
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from export.derive import Derived, decide_page, parse_http_page
from export.digests import digest_matches
from export.extract import text_hash
from export.httpbody import ContentDecodingError
from export.manifest import PolicyFileItem, ProvenanceSection, RecordPointer, RobotsSection
from export.policyarchive import FoundPolicyFile, PolicyIndex, kind_of_url, parse_warc_date
from export.policyfiles import ArchivedPolicyFile, evidence_items
from export.process import (
    ExportConfig,
    Outcome,
    Packed,
    _text_section,
    build_entry,
    build_row,
    pack,
    process_capture,
    row_id,
)
from export.provenance import FOREIGN_OUTCOME
from export.schema import to_json
from export.warcread import Capture, read_record_at, read_warcinfo
from filters.policy import Policy
from filters.prefetch import (
    ROBOTS_TXT,
    FetchResult,
    PrefetchPlan,
    fetch_permission,
)
from filters.reasons import Reason
from filters.results import FetchPermission

#: Reason classes meaning "could not be decided" (evidence missing), not "decided against".
UNASSESSABLE = frozenset(
    {
        Reason.NO_DECISION_RECORD.value,
        Reason.POLICY_FILE_UNKNOWN.value,
        Reason.REVISIT_UNRESOLVED.value,
        Reason.POLICY_FILE_NOT_ARCHIVED.value,
    }
)

#: Foreign responses remembered by payload digest (revisits refer back to recent ones).
DIGEST_MEMORY = 100_000

#: What clearcrawl's WARC writer puts first in its ``warcinfo`` ``software`` field.
CLEARCRAWL_SOFTWARE = "clearcrawl/"


@dataclass(frozen=True, slots=True)
class ArchiveInfo:
    """One input archive's provenance, from its ``warcinfo`` (WARC 1.1 §6.2)."""

    file: str
    software: str
    collection: str
    warc_format: str
    operator: str = ""
    description: str = ""

    @property
    def clearcrawl(self) -> bool:
        return self.software.startswith(CLEARCRAWL_SOFTWARE)

    def to_json(self) -> dict[str, str]:
        return {
            "file": self.file,
            "software": self.software,
            "collection": self.collection,
            "format": self.warc_format,
            "operator": self.operator,
            "description": self.description,
        }


def archive_info(path: str) -> ArchiveInfo:
    """Read an archive's provenance; a file without ``warcinfo`` gets empty fields.

    ``collection`` is ``isPartOf`` (Common Crawl: ``CC-MAIN-2020-34``); ``warc_format`` is the
    ``format`` field, else what the file name says (an ARC file has no WARC version).
    """
    info = read_warcinfo(path)
    name = path.rsplit("/", 1)[-1]
    fmt = info.get("format", "")
    if not fmt and name.endswith((".arc", ".arc.gz")):
        fmt = "ARC"
    return ArchiveInfo(
        file=name,
        software=info.get("software", ""),
        collection=info.get("isPartOf", "") or info.get("ispartof", ""),
        warc_format=fmt,
        operator=info.get("operator", ""),
        description=info.get("description", ""),
    )


@dataclass
class ForeignContext:
    """The parent's state for foreign archives: their provenance and the policy-file index."""

    index: PolicyIndex
    infos: dict[str, ArchiveInfo] = field(default_factory=dict)
    #: kinds missing → pages, and sources used → count (the card's provenance section)
    missing: dict[str, int] = field(default_factory=dict)
    sources_used: dict[str, int] = field(default_factory=dict)
    foreign_pages: int = 0
    policy_captures: int = 0
    policy_archives: list[str] = field(default_factory=list)
    fetcher: Any = None
    #: payload digest → (file, offset) of recent foreign responses, for revisits that name no
    #: record (WARC 1.0 revisits often give only the digest and the original's URI and date)
    digests: OrderedDict[str, tuple[str, int]] = field(default_factory=OrderedDict)
    #: earliest and latest capture time of the policy files used (ISO 8601, UTC)
    captured: list[str] = field(default_factory=lambda: ["", ""])

    def remember(self, capture: Capture, path: str) -> None:
        """Index a response of a file this shard does not decide (see ``export.shard``)."""
        if capture.record_type == "response" and kind_of_url(capture.url) is None:
            self._revisit(capture, path)

    def _revisit(self, capture: Capture, path: str) -> None:
        """Remember a response's payload digest; resolve a revisit that names no record by it.

        The same payload digest means the same bytes (WARC 1.1 §6.7.2, "identical payload
        digest"); the record found is read back and its payload checked against the digest.
        """
        digest = capture.payload_digest
        if not digest:
            return
        if capture.record_type == "response" and capture.body:
            self.digests[digest] = (path, capture.offset)
            self.digests.move_to_end(digest)
            while len(self.digests) > DIGEST_MEMORY:
                self.digests.popitem(last=False)
            return
        if capture.record_type != "revisit" or capture.payload_from is not None:
            return
        hit = self.digests.get(digest)
        if hit is None:
            return
        try:
            record, payload = read_record_at(hit[0], hit[1])
        except ValueError:
            return
        if record.rec_type != "response" or not digest_matches(payload, digest):
            return
        capture.body = payload
        capture.payload_from = RecordPointer(
            file=hit[0].rsplit("/", 1)[-1],
            offset=hit[1],
            record_id=record.rec_headers.get_header("WARC-Record-ID") or "",
            payload_digest=digest,
        )
        capture.problems = [p for p in capture.problems if not p.startswith("revisit of")]

    def summary(self) -> dict[str, Any]:
        """Say what the card, ``export-info.json`` and the report tell about foreign inputs."""
        archives = [i.to_json() for i in self.infos.values() if not i.clearcrawl]
        fetched = getattr(self.fetcher, "summary", None)
        return {
            "archives": sorted(archives, key=lambda a: a["file"]),
            "clearcrawl_files": sum(1 for i in self.infos.values() if i.clearcrawl),
            "pages": self.foreign_pages,
            "policy_file_captures": self.policy_captures,
            "policy_window_days": self.index.window_days,
            "policy_archives": self.policy_archives,
            "policy_files_found_in": dict(sorted(self.sources_used.items())),
            "policy_files_captured": {"first": self.captured[0], "last": self.captured[1]},
            "policy_files_missing": dict(sorted(self.missing.items())),
            "fetched_at_export": fetched() if callable(fetched) else None,
            "index_problems": self.index.problems[:50],
        }

    def is_foreign(self, path: str) -> bool:
        name = path.rsplit("/", 1)[-1]
        info = self.infos.get(name)
        return info is not None and not info.clearcrawl

    def prepare(self, capture: Capture, path: str) -> tuple[FoundPolicyFile, ...] | None:
        """Mark a capture of a foreign file and find its policy files (None: a policy file).

        A capture of a policy-file URL is evidence, not a page: it is indexed, not emitted.
        """
        info = self.infos.get(capture.warc_file)
        if info is None or info.clearcrawl or not capture.record_type:
            return ()
        if kind_of_url(capture.url) is not None:
            self.policy_captures += 1
            return None
        capture.foreign = True
        capture.source_info = info.to_json()
        self.foreign_pages += 1
        self._revisit(capture, path)
        found: list[FoundPolicyFile] = []
        for kind in policy_kinds():
            hit = self.index.find(capture.url, capture.date, kind)
            if hit is None:
                self.missing[kind.name] = self.missing.get(kind.name, 0) + 1
            else:
                found.append(hit)
                self.sources_used[hit.source] = self.sources_used.get(hit.source, 0) + 1
                when = parse_warc_date(hit.fetched_at)
                if when is not None:
                    stamp = when.isoformat()
                    self.captured[0] = min(self.captured[0] or stamp, stamp)
                    self.captured[1] = max(self.captured[1], stamp)
        return tuple(found)


def policy_kinds() -> tuple[Any, ...]:
    """Return the registered policy-file kinds (read at call time: a kind added later counts)."""
    from filters.prefetch import POLICY_FILES

    return POLICY_FILES


def _missing_item(kind: str, url: str, why: str) -> PolicyFileItem:
    return PolicyFileItem(
        kind=kind,
        url=url,
        final_url="",
        status=0,
        sha256="",
        fetched_at="",
        error=why,
        archived=None,
        check="missing",
        source="none",
    )


def _found_item(found: FoundPolicyFile, url: str) -> PolicyFileItem:
    source = (
        found.source
        if found.source in ("same-archive", "policy-archive")
        else ("fetched-at-export")
    )
    return PolicyFileItem(
        kind=found.kind,
        url=url,
        final_url=found.final_url,
        status=found.status,
        sha256=found.sha256,
        fetched_at=found.fetched_at,
        error="",
        archived=found.pointer,
        check="archived",
        original=found.original,
        source=source,  # type: ignore[arg-type]
    )


@dataclass(slots=True)
class ForeignPrefetch:
    """The pre-fetch verdict re-derived for a foreign page, with the files it rested on."""

    files: list[PolicyFileItem]
    robots: RobotsSection | None
    permission: FetchPermission | None
    reasons: list[str]
    relaxations: list[str]


def evaluate_policy_files(
    url: str,
    found: Sequence[ArchivedPolicyFile],
    policy: Policy,
    tokens: Sequence[str],
    producer: str,
) -> ForeignPrefetch:
    """Re-derive the pre-fetch verdict a crawl would have reached, from the files found.

    The crawler's plan decides which files matter (robots.txt first; a file robots.txt keeps
    us from reading is refused by robots, not looked up), so the verdict is the crawl's rule.
    """
    by_kind = {f.kind: f for f in found}
    required = set(policy.archive_required_policy_files)
    items: list[PolicyFileItem] = []
    reasons: list[str] = []
    relaxed: list[str] = []
    plan = PrefetchPlan(url, tokens)
    robots_missing = False
    for job in plan:
        name = job.kind.name
        hit = by_kind.get(name)
        if isinstance(hit, FoundPolicyFile):
            items.append(_found_item(hit, job.url))
            plan.accept(
                job, FetchResult(hit.status, hit.body, hit.fetched_at, final_url=hit.final_url)
            )
            continue
        why = "not in the archives read, nor in a policy archive, nor fetched"
        items.append(_missing_item(name, job.url, why))
        if name in required:
            reasons.append(Reason.POLICY_FILE_UNKNOWN.with_arg(name))
        else:
            relaxed.append(name)
        if job.kind is ROBOTS_TXT:
            robots_missing = True
            # Relaxed: decided as if the site had none (RFC 9309 §2.3.1.3, 4xx: allow);
            # required: the page is excluded above, evaluated as if absent only for evidence.
            plan.accept(job, FetchResult(404, b"", "", final_url=""))
        elif job.kind.not_checked is not None:
            plan.record(job, job.kind.not_checked(job.url, why, fail_closed=False))
    policies = plan.result()
    permission = fetch_permission(policies, url, tuple(tokens))
    # Opt-outs travel as signals (the page assessment counts them); other refusals as reasons.
    for r in permission.reasons:
        if r.startswith(Reason.OPTOUT.with_arg("")):
            continue
        if robots_missing and r.startswith(("robots-",)):
            continue
        reasons.append(r)
    robots_file = by_kind.get(ROBOTS_TXT.name)
    robots = None
    if robots_file is not None and permission.robots is not None:
        verdict = permission.robots
        robots = RobotsSection(
            url=robots_file.url,
            sha256=robots_file.sha256,
            fetched_at=getattr(robots_file, "fetched_at", ""),
            recorded_allowed=None,
            recorded_reason=f"no crawl-time decision: the archive was written by {producer}",
            recorded_evidence=[],
            recheck_allowed=bool(verdict.allowed),
            recheck_reason=str(verdict.reason or ""),
            recheck_evidence=evidence_items(verdict.evidence),
            matches_recorded=None,
        )
    return ForeignPrefetch(items, robots, permission, reasons, relaxed)


def dechunk(body: bytes) -> bytes:
    """Undo ``Transfer-Encoding: chunked`` (RFC 9112 §7.1), which some tools archive as sent.

    Raises ``ValueError`` when the framing is broken.
    """
    out = bytearray()
    pos = 0
    while True:
        end = body.find(b"\r\n", pos)
        if end < 0:
            raise ValueError("chunk size line missing")
        size = int(body[pos:end].split(b";", 1)[0].strip() or b"x", 16)
        pos = end + 2
        if size == 0:
            return bytes(out)
        if pos + size > len(body):
            raise ValueError("chunk runs past the body")
        out += body[pos : pos + size]
        pos += size + 2


def derive_foreign(
    capture: Capture,
    found: Sequence[ArchivedPolicyFile],
    policy: Policy,
    tokens: Sequence[str],
    *,
    markdown: bool = False,
) -> tuple[Derived, list[str]]:
    """Decide a foreign page; return it with the policy files the policy let it do without."""
    producer = str((capture.source_info or {}).get("software") or "another tool")
    pre = evaluate_policy_files(capture.url, found, policy, tokens, producer)
    d = Derived(capture, False, [], policy_files=pre.files, robots=pre.robots)
    if capture.truncated:
        d.reasons.append(Reason.TRUNCATED.with_arg(capture.truncated))
        return d, pre.relaxations
    if capture.record_type == "revisit" and capture.payload_from is None:
        d.reasons.append(Reason.REVISIT_UNRESOLVED.with_arg(capture.refers_to or "unknown"))
        return d, pre.relaxations
    if 300 <= capture.status < 400:
        d.reasons.append(Reason.REDIRECT.with_arg(capture.status))
        return d, pre.relaxations
    body = capture.body
    headers = capture.headers
    if any(k.lower() == "transfer-encoding" and "chunked" in v.lower() for k, v in headers):
        try:
            body = dechunk(body)
        except ValueError as exc:
            d.reasons.append(Reason.UNDECODABLE_BODY.with_arg(f"chunked: {exc}"))
            return d, pre.relaxations
        headers = tuple((k, v) for k, v in headers if k.lower() != "transfer-encoding")
    try:
        page = parse_http_page(capture.url, headers, body, capture.status)
    except ContentDecodingError as exc:
        d.reasons.append(Reason.UNDECODABLE_BODY.with_arg(exc))
        return d, pre.relaxations
    signals = list(pre.permission.optout) if pre.permission is not None else []
    decision = decide_page(
        page,
        policy=policy,
        tokens=tokens,
        prior_optout=signals,
        extra_reasons=pre.reasons,
        markdown=markdown,
    )
    d.include = decision.include
    d.reasons = list(decision.reasons)
    d.assessment = decision.assessment
    d.page = page
    d.extracted = decision.extracted
    return d, pre.relaxations


#: Filled by :func:`init_worker` (the policy-file window is reported in every entry).
_window_days = 0


def process_foreign(
    capture: Capture, found: Sequence[ArchivedPolicyFile], config: ExportConfig
) -> Outcome:
    """Derive, extract and build a foreign page's row and entry (as ``process_capture``)."""
    d, relaxed = derive_foreign(
        capture, found, config.policy, config.tokens, markdown=config.markdown
    )
    info = capture.source_info or {}
    provenance = ProvenanceSection(
        producer=str(info.get("software") or ""),
        collection=str(info.get("collection") or ""),
        warc_format=str(info.get("format") or ""),
        crawl_time_decision=False,
        policy_window_days=_window_days,
        relaxations=relaxed,
    )
    rid = row_id(capture.url, capture.payload_digest)
    ext = d.extracted
    th = text_hash(ext.text) if ext is not None else None
    text = _text_section(ext, th, config.markdown)
    include = d.include and ext is not None
    entry = build_entry(
        d, config, entry_id=rid, status="exported" if include else "excluded", text=text
    ).to_json()
    entry["provenance"] = to_json(provenance)
    if not include or ext is None:
        return Outcome("excluded", entry)
    return Outcome("exported", entry, build_row(d, ext, rid, config.markdown), th)


def process_any(
    capture: Capture, archived: Sequence[ArchivedPolicyFile], config: ExportConfig
) -> Outcome:
    """Decide a crawl's capture with :func:`export.process.process_capture`, a foreign one here."""
    if capture.foreign:
        return process_foreign(capture, archived, config)
    return process_capture(capture, archived, config)


_config: ExportConfig | None = None


def init_worker(config: ExportConfig, own_process: bool = False, window_days: int = 0) -> None:
    """Pool initializer (see :func:`export.process.init_worker`)."""
    global _config, _window_days
    _config = config
    _window_days = window_days
    if own_process:
        gc.freeze()


def process_batch(batch: Sequence[tuple[Capture, tuple[ArchivedPolicyFile, ...]]]) -> list[Packed]:
    """Run :func:`process_any` over a batch (what one pool task carries)."""
    if _config is None:
        raise RuntimeError("init_worker was not called in this process")
    out: list[Packed] = []
    for capture, archived in batch:
        packed = pack(process_any(capture, archived, _config))
        if capture.foreign:
            packed.crawl_outcome = FOREIGN_OUTCOME
        out.append(packed)
    return out


def build_context(
    sources: Sequence[str],
    infos: dict[str, ArchiveInfo],
    policy_warcs: Sequence[Any],
    window_days: int,
    fetcher: Any = None,
) -> ForeignContext | None:
    """Index the policy files of every foreign input and of the policy archives.

    ``sources`` are *all* inputs (a shard scans every file, so each page finds the same
    policy files as in a single export). None when no input is foreign.
    """
    from export.warcread import list_sources

    foreign = [p for p in sources if not infos[p.rsplit("/", 1)[-1]].clearcrawl]
    if not foreign:
        return None
    index = PolicyIndex(window_days=window_days)
    for path in foreign:
        index.scan(path, "same-archive")
    policy_paths = list_sources([str(p) for p in policy_warcs]) if policy_warcs else []
    for path in policy_paths:
        index.scan(path, "policy-archive")
    if fetcher is not None:
        index.extra["fetched-at-export"] = fetcher.capture_for
    ctx = ForeignContext(index, dict(infos))
    ctx.policy_archives = [p.rsplit("/", 1)[-1] for p in policy_paths]
    ctx.fetcher = fetcher
    return ctx


# --- verify: rebuild what the export handed a foreign page ----------------------------------
def foreign_files(folder: Path, policy_warcs: Sequence[Any]) -> dict[str, str]:
    """Map the archives a foreign dataset's pointers may name, by the label the export gave them.

    Policy archives are named ``folder/file`` (:func:`export.policyarchive.file_label`);
    files fetched at export time live in the dataset's ``policy-fetched/`` folder.
    """
    from export.policyarchive import file_label
    from export.policyfetch import FOLDER
    from export.warcread import list_sources

    out: dict[str, str] = {}
    for path in list_sources([str(p) for p in policy_warcs]) if policy_warcs else []:
        out[file_label(path, "policy-archive")] = path
    fetched = folder / FOLDER
    if fetched.is_dir():
        for p in sorted(fetched.glob("*.warc.gz")):
            out[f"{FOLDER}/{p.name}"] = str(p)
    return out


def foreign_window(folder: Path) -> int:
    """Return the policy-file window an export used (``export-info.json``), 0 when none."""
    try:
        info = json.loads((folder / "export-info.json").read_text(encoding="utf-8"))
        return int(info["counts"]["foreign"]["policy_window_days"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def as_found(
    capture: Capture, entry: dict[str, Any], archived: Sequence[ArchivedPolicyFile]
) -> tuple[FoundPolicyFile, ...]:
    """Mark a re-read capture foreign and give its policy files their recorded source."""
    prov = entry.get("provenance") or {}
    capture.foreign = True
    capture.source_info = {
        "software": prov.get("producer", ""),
        "collection": prov.get("collection", ""),
        "format": prov.get("warc_format", ""),
    }
    recorded = {pf["kind"]: pf for pf in entry.get("policy_files") or []}
    out: list[FoundPolicyFile] = []
    for a in archived:
        pf = recorded.get(a.kind) or {}
        out.append(
            FoundPolicyFile(
                kind=a.kind,
                url=str(pf.get("url") or a.url),
                status=a.status,
                sha256=a.sha256,
                body=a.body,
                pointer=a.pointer,
                original=a.original,
                source=str(pf.get("source") or ""),
                fetched_at=str(pf.get("fetched_at") or ""),
                final_url=str(pf.get("final_url") or ""),
            )
        )
    return tuple(out)
