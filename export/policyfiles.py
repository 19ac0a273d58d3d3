"""Policy files (robots.txt, tdmrep.json, ai.txt) archived in the WARC, found again by digest.

The crawler records, in each page's metadata record, the policy files its pre-fetch verdict
relied on: kind, URL, HTTP status, sha256 of the body as received and fetch time
(:class:`filters.results.PolicyFileRef`). The policy files themselves are archived as ordinary
responses in the same WARC files, *before* the pages that relied on them (the pre-fetch gate
waits for them). The exporter keeps every archived policy file it has read in a
:class:`PolicyFileStore` (a small in-memory LRU over an on-disk spill, so memory stays flat
whatever the number of origins) and hands each page the archived files its record names.

:func:`check_policy_files` then proves, per page, that each file relied on is archived byte for
byte (matching sha256), and re-evaluates robots.txt from the archived bytes with the same
evaluator the crawler used (:func:`filters.robots.robots_from_fetch`), for the export's honoured
tokens. Fail closed (RFC 9309 §2.3.1 is about fetch failures, not about our own evidence): a
page whose robots.txt is not in the archive, or whose re-evaluation disallows it or fails, is
excluded with a reason saying which.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from export.httpbody import ContentDecodingError, decode_body
from export.manifest import EvidenceItem, PolicyFileItem, RecordPointer, RobotsSection
from export.warcread import Capture

logger = logging.getLogger(__name__)

#: Parsed robots.txt kept per worker process (parsing is the expensive part of a verdict).
ROBOTS_CACHE_SIZE = 256


@dataclass(frozen=True, slots=True)
class ArchivedPolicyFile:
    """A policy file as archived: its decoded body and where its record is."""

    kind: str
    url: str
    status: int
    sha256: str  # hex sha256 of the decoded body (what the crawler hashed)
    body: bytes
    pointer: RecordPointer

    @property
    def key(self) -> str:
        return policy_file_key(self.url, self.status, self.sha256)


def policy_file_key(url: str, status: int, sha256: str) -> str:
    """Return the lookup key: the same bytes at the same URL with the same status.

    The URL and status are part of it because many origins serve identical (e.g. empty) bodies
    with different meanings: an empty 404 allows everything, an empty 503 disallows everything.
    """
    return hashlib.sha1(f"{url}\n{status}\n{sha256}".encode()).hexdigest()  # noqa: S324


def archived_from_capture(capture: Capture) -> list[ArchivedPolicyFile]:
    """Return the archived policy file(s) a policy-file capture provides.

    They are keyed both by the digest of the decoded body and of the stored bytes, since
    either may have been recorded.
    """
    if capture.record_type != "response" or capture.withheld:
        return []
    pointer = RecordPointer(
        file=capture.warc_file,
        offset=capture.offset,
        record_id=capture.record_id,
        payload_digest=capture.payload_digest,
    )
    kind = capture.kind
    out: list[ArchivedPolicyFile] = []
    raw_sha = hashlib.sha256(capture.body).hexdigest()
    try:
        decoded = decode_body(capture.headers, capture.body)
    except ContentDecodingError:
        decoded = None
    if decoded is not None:
        dec_sha = hashlib.sha256(decoded).hexdigest()
        out.append(ArchivedPolicyFile(kind, capture.url, capture.status, dec_sha, decoded, pointer))
        if dec_sha == raw_sha:
            return out
    out.append(
        ArchivedPolicyFile(kind, capture.url, capture.status, raw_sha, capture.body, pointer)
    )
    return out


def recorded_refs(meta: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Policy-file references in a decision record's ``prefetch``, de-duplicated, in order."""
    pre = (meta or {}).get("prefetch")
    if not isinstance(pre, dict):
        return []
    refs: list[Any] = list(pre.get("policy_files") or ())
    robots = pre.get("robots")
    if isinstance(robots, dict) and isinstance(robots.get("policy_file"), dict):
        refs.append(robots["policy_file"])
    out: list[dict[str, Any]] = []
    seen: set[tuple[Any, ...]] = set()
    for ref in refs:
        if not isinstance(ref, dict):
            continue
        ident = (ref.get("kind"), ref.get("url"), ref.get("sha256"), ref.get("fetched_at"))
        if ident in seen:
            continue
        seen.add(ident)
        out.append(ref)
    return out


def ref_key(ref: dict[str, Any]) -> str:
    """Return the store key of a recorded policy-file reference."""
    url = str(ref.get("final_url") or ref.get("url") or "")
    return policy_file_key(url, _int(ref.get("status")), str(ref.get("sha256") or ""))


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _record_file(record_id: str) -> str:
    return "rec-" + hashlib.sha1(record_id.encode()).hexdigest()  # noqa: S324


class PolicyFileStore:
    """Every archived policy file read so far, found again by :func:`ref_key`.

    The newest ``memory_items`` stay in memory; all are spilled to ``directory`` (one file per
    key), so a crawl over a million origins costs disk, not memory.
    """

    def __init__(self, directory: Path, *, memory_items: int = 512) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.memory_items = memory_items
        self._lru: OrderedDict[str, ArchivedPolicyFile] = OrderedDict()
        self.added = 0

    def add(self, capture: Capture) -> None:
        """Keep a policy-file capture.

        A revisit (same bytes as an earlier policy file, e.g. two origins serving one
        robots.txt) is keyed by its own URL and status but points at the original record, which
        holds the bytes.
        """
        if capture.record_type == "revisit":
            items = self._revisited(capture)
        else:
            items = archived_from_capture(capture)
            if items and capture.record_id:
                ref = self.directory / _record_file(capture.record_id)
                ref.write_text("\n".join(i.key for i in items), encoding="utf-8")
        for item in items:
            key = item.key
            path = self.directory / key
            if not path.exists():
                head = {
                    "kind": item.kind,
                    "url": item.url,
                    "status": item.status,
                    "sha256": item.sha256,
                    "pointer": {
                        "file": item.pointer.file,
                        "offset": item.pointer.offset,
                        "record_id": item.pointer.record_id,
                        "payload_digest": item.pointer.payload_digest,
                    },
                }
                path.write_bytes(json.dumps(head).encode() + b"\n" + item.body)
                self.added += 1
            self._remember(key, item)

    def _revisited(self, capture: Capture) -> list[ArchivedPolicyFile]:
        ref = self.directory / _record_file(capture.refers_to) if capture.refers_to else None
        if ref is None or not ref.exists():
            return []
        out: list[ArchivedPolicyFile] = []
        for key in ref.read_text(encoding="utf-8").split():
            original = self.get(key)
            if original is not None:
                out.append(
                    ArchivedPolicyFile(
                        kind=capture.kind,
                        url=capture.url,
                        status=capture.status,
                        sha256=original.sha256,
                        body=original.body,
                        pointer=original.pointer,
                    )
                )
        return out

    def _remember(self, key: str, item: ArchivedPolicyFile) -> None:
        self._lru[key] = item
        self._lru.move_to_end(key)
        while len(self._lru) > self.memory_items:
            self._lru.popitem(last=False)

    def get(self, key: str) -> ArchivedPolicyFile | None:
        item = self._lru.get(key)
        if item is not None:
            self._lru.move_to_end(key)
            return item
        path = self.directory / key
        if not path.exists():
            return None
        raw = path.read_bytes()
        head_raw, _, body = raw.partition(b"\n")
        head = json.loads(head_raw)
        item = ArchivedPolicyFile(
            kind=head["kind"],
            url=head["url"],
            status=int(head["status"]),
            sha256=head["sha256"],
            body=body,
            pointer=RecordPointer(**head["pointer"]),
        )
        self._remember(key, item)
        return item

    def resolve(self, meta: dict[str, Any] | None) -> tuple[ArchivedPolicyFile, ...]:
        """Return the archived files a page's decision record names (those found)."""
        found: list[ArchivedPolicyFile] = []
        for ref in recorded_refs(meta):
            item = self.get(ref_key(ref))
            if item is not None:
                found.append(item)
        return tuple(found)


# --- re-evaluation (runs in the worker processes) -----------------------------------------
_robots_cache: OrderedDict[tuple[str, str], Any] = OrderedDict()


def _robots_policy(ref: dict[str, Any], archived: ArchivedPolicyFile) -> Any:
    from filters.robots import robots_from_fetch

    cache_key = (archived.key, str(ref.get("url") or ""))
    policy = _robots_cache.get(cache_key)
    if policy is None:
        policy = robots_from_fetch(
            str(ref.get("url") or archived.url),
            archived.status,
            archived.body,
            str(ref.get("fetched_at") or ""),
            final_url=str(ref.get("final_url") or ""),
        )
        _robots_cache[cache_key] = policy
        while len(_robots_cache) > ROBOTS_CACHE_SIZE:
            _robots_cache.popitem(last=False)
    return policy


def evidence_items(raw: Any) -> list[EvidenceItem]:
    """Evidence from result objects or their JSON form (unknown shapes become excerpts)."""
    out: list[EvidenceItem] = []
    for e in raw or ():
        if isinstance(e, dict):
            get = e.get
        else:

            def get(name: str, default: Any = "", _e: Any = e) -> Any:
                return getattr(_e, name, default)

        out.append(
            EvidenceItem(
                source=str(get("source", "") or ""),
                locator=str(get("locator", "") or ""),
                excerpt=str(get("excerpt", "") or ""),
                note=str(get("note", "") or ""),
            )
        )
    return out


def check_policy_files(
    url: str,
    meta: dict[str, Any] | None,
    archived: Sequence[ArchivedPolicyFile],
    tokens: Sequence[str],
) -> tuple[list[PolicyFileItem], RobotsSection | None, list[str]]:
    """Match each recorded policy file with its archived copy and re-evaluate robots.txt.

    Returns the manifest items, the robots section and the exclusion reasons (empty when every
    file relied on is archived and robots.txt, re-read from the archive, still allows ``url``).
    """
    by_key = {a.key: a for a in archived}
    items: list[PolicyFileItem] = []
    reasons: list[str] = []
    robots_ref: dict[str, Any] | None = None
    robots_archived: ArchivedPolicyFile | None = None
    for ref in recorded_refs(meta):
        status = _int(ref.get("status"))
        error = str(ref.get("error") or "")
        found = by_key.get(ref_key(ref))
        kind = str(ref.get("kind") or "")
        if status == 0 or (error and found is None):
            check = "fetch-failed"
        elif found is None:
            check = "not-archived"
            reasons.append(f"policy-file-not-archived:{kind or 'unknown'}")
        else:
            check = "archived"
        items.append(
            PolicyFileItem(
                kind=kind,
                url=str(ref.get("url") or ""),
                final_url=str(ref.get("final_url") or ""),
                status=status,
                sha256=str(ref.get("sha256") or ""),
                fetched_at=str(ref.get("fetched_at") or ""),
                error=error,
                archived=found.pointer if found is not None else None,
                check=check,  # type: ignore[arg-type]
            )
        )
        if kind == "robots.txt" and robots_ref is None:
            robots_ref, robots_archived = ref, found
    robots = _robots_section(url, meta, robots_ref, robots_archived, tokens, reasons)
    return items, robots, reasons


def _robots_section(
    url: str,
    meta: dict[str, Any] | None,
    ref: dict[str, Any] | None,
    archived: ArchivedPolicyFile | None,
    tokens: Sequence[str],
    reasons: list[str],
) -> RobotsSection | None:
    pre = (meta or {}).get("prefetch")
    recorded = pre.get("robots") if isinstance(pre, dict) else None
    if ref is None and not isinstance(recorded, dict):
        return None
    recorded = recorded if isinstance(recorded, dict) else {}
    rec_allowed = recorded.get("allowed")
    rec_allowed = rec_allowed if isinstance(rec_allowed, bool) else None
    recheck_allowed: bool | None = None
    recheck_reason = ""
    recheck_evidence: list[EvidenceItem] = []
    if ref is not None and archived is not None:
        try:
            verdict = _robots_policy(ref, archived).verdict(url, tuple(tokens))
            recheck_allowed = bool(verdict.allowed)
            recheck_reason = str(getattr(verdict, "reason", "") or "")
            recheck_evidence = evidence_items(getattr(verdict, "evidence", ()))
        except Exception as exc:  # a crashing evaluator excludes the page, never admits it
            logger.debug("robots.txt re-evaluation failed for %s", url, exc_info=True)
            recheck_reason = f"re-evaluation failed: {type(exc).__name__}: {exc}"
            reasons.append(f"robots-recheck-error:{type(exc).__name__}")
        if recheck_allowed is False:
            reasons.append("robots-recheck-disallowed")
    elif ref is not None and _int(ref.get("status")) == 0:
        recheck_reason = "robots.txt fetch failed at crawl time; nothing archived to re-read"
    elif ref is not None:
        recheck_reason = "robots.txt with the recorded digest is not in the archive"
    else:
        recheck_reason = "no robots.txt reference recorded"
        reasons.append("robots-not-recorded")
    matches = (
        None if recheck_allowed is None or rec_allowed is None else (recheck_allowed == rec_allowed)
    )
    ref = ref or {}
    return RobotsSection(
        url=str(ref.get("final_url") or ref.get("url") or ""),
        sha256=str(ref.get("sha256") or ""),
        fetched_at=str(ref.get("fetched_at") or ""),
        recorded_allowed=rec_allowed,
        recorded_reason=str(recorded.get("reason") or ""),
        recorded_evidence=evidence_items(recorded.get("evidence")),
        recheck_allowed=recheck_allowed,
        recheck_reason=recheck_reason,
        recheck_evidence=recheck_evidence,
        matches_recorded=matches,
    )
