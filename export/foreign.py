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
  (``Policy.archive_required_policy_files``: robots.txt, and the RSL licences and TDM
  policies robots.txt and tdmrep.json name, by default), else recorded in the
  entry's ``provenance.relaxations`` (the decision did not see it).

A file is *foreign* when its ``warcinfo`` does not name clearcrawl as its software; a
clearcrawl file whose decision record is lost stays ``no-decision-record`` (fail closed). Each
entry says where its evidence came from (``policy_files[].source`` with record pointers) and
who wrote the archive (``provenance``: warcinfo software, collection, format).
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from typing import Any

from export.derive import Derived, decide_page, parse_http_page
from export.extract import text_hash
from export.foreigncontext import (
    CLEARCRAWL_SOFTWARE,
    DIGEST_MEMORY,
    ArchiveInfo,
    ForeignContext,
    archive_info,
    build_context,
)
from export.foreignprefetch import (
    ForeignPrefetch,
    evaluate_policy_files,
    found_item,
    missing_item,
    policy_kinds,
)
from export.foreignverify import as_found, foreign_files, foreign_window
from export.httpbody import ContentDecodingError
from export.manifest import ProvenanceSection
from export.policyarchive import FoundPolicyFile
from export.policyfiles import ArchivedPolicyFile
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
from export.warcread import Capture
from filters.policy import Policy
from filters.reasons import Reason
from filters.rsl import linked_urls, rsl_from_fetch
from filters.rsl.feed import KIND as FEED_KIND
from filters.rsl.feed import rsl_from_feed_fetch
from filters.rsl.policy import LINKED_KIND

__all__ = [
    "CLEARCRAWL_SOFTWARE",
    "DIGEST_MEMORY",
    "UNASSESSABLE",
    "ArchiveInfo",
    "ForeignContext",
    "ForeignPrefetch",
    "archive_info",
    "as_found",
    "build_context",
    "dechunk",
    "derive_foreign",
    "evaluate_policy_files",
    "foreign_files",
    "foreign_window",
    "init_worker",
    "policy_kinds",
    "process_any",
    "process_batch",
    "process_foreign",
]

#: Reason classes meaning "could not be decided" (evidence missing), not "decided against".
UNASSESSABLE = frozenset(
    {
        Reason.NO_DECISION_RECORD.value,
        Reason.POLICY_FILE_UNKNOWN.value,
        Reason.REVISIT_UNRESOLVED.value,
        Reason.POLICY_FILE_NOT_ARCHIVED.value,
    }
)


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


#: Policy files a page names itself (RSL 1.0 §4.5-§4.7): evaluated for that page only.
PAGE_NAMED_KINDS = (LINKED_KIND, FEED_KIND)


def page_named_licences(files: Sequence[ArchivedPolicyFile]) -> dict[str, Any]:
    """Rebuild the licences and feeds a page names from the copies found in the archives.

    URL → policy, as :func:`filters.rsl.page_rsl` takes it (the crawl's ``linked``). One named
    but found nowhere is absent: a licence then fails closed at the page stage
    (``rsl-unavailable:linked-licence-not-fetched``), a feed says nothing, as at crawl time.
    """
    out: dict[str, Any] = {}
    for f in files:
        final = getattr(f, "final_url", "")
        at = getattr(f, "fetched_at", "")
        if f.kind == FEED_KIND:
            out[f.url] = rsl_from_feed_fetch(f.url, f.status, f.body, at, final_url=final)
        else:
            out[f.url] = rsl_from_fetch(
                f.url, f.status, f.body, at, final_url=final, kind=LINKED_KIND
            )
    return out


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
    origin_files = [f for f in found if f.kind not in PAGE_NAMED_KINDS]
    page_files = [f for f in found if f.kind in PAGE_NAMED_KINDS]
    pre = evaluate_policy_files(capture.url, origin_files, policy, tokens, producer)
    files = [
        *pre.files,
        *(found_item(f, f.url) for f in page_files if isinstance(f, FoundPolicyFile)),
    ]
    rsl = pre.permission.rsl if pre.permission is not None else None
    d = Derived(capture, False, [], policy_files=files, robots=pre.robots, rsl=rsl)
    if not capture.is_web_page:  # dns:, whois:, ftp: records (Heritrix writes them)
        d.reasons.append(Reason.NOT_A_WEB_PAGE.with_arg(capture.scheme or "unnamed"))
        return d, pre.relaxations
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
    page = capture.parsed_page
    capture.parsed_page = None
    if page is None or body is not capture.body or headers is not capture.headers:
        # not parsed while reading (or parsed from the bytes before dechunking): parse here
        try:
            page = parse_http_page(capture.url, headers, body, capture.status)
        except ContentDecodingError as exc:
            d.reasons.append(Reason.UNDECODABLE_BODY.with_arg(exc))
            return d, pre.relaxations
    have = {f.url for f in page_files if f.kind == LINKED_KIND}
    for url in linked_urls(page, rsl):  # named by the page, found nowhere: say which
        if url not in have:
            why = "the page names this RSL licence; not in the archives read, nor fetched"
            d.policy_files.append(missing_item(LINKED_KIND, url, why))
    signals = list(pre.permission.optout) if pre.permission is not None else []
    decision = decide_page(
        page,
        policy=policy,
        tokens=tokens,
        prior_optout=signals,
        extra_reasons=pre.reasons,
        markdown=markdown,
        rsl=rsl,
        rsl_linked=page_named_licences(page_files),
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
